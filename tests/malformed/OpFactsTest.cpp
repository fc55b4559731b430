//===- OpFactsTest.cpp - The op facts agree with the dialect and kernels --===//
//
// The importer checks nodes against ir/OpFacts.h (generated from ODS) and
// maps ONNX ops through its table; the reference evaluator runs kernels by
// op name. These tests keep the three in agreement.
//
//===----------------------------------------------------------------------===//

#include "frontend/InputFiles.h"
#include "frontend/OnnxImporter.h"
#include "ir/OpFacts.h"
#include "ir/TxcDialect.h"
#include "reference/Kernel.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace {

/// Ops the interpreter evaluates itself, without a kernel.
bool isStructural(const std::string &name) { return name == "constant" || name == "none"; }

std::set<std::string> dialectOps(mlir::MLIRContext &ctx) {
  ctx.loadDialect<txc::TxcDialect>();
  std::set<std::string> out;
  for (mlir::RegisteredOperationName op : ctx.getRegisteredOperations())
    if (op.getDialectNamespace() == "txc")
      out.insert(op.getStringRef().drop_front(4).str());
  return out;
}

TEST(OpFacts, EveryDialectOpHasFactsAndAReferenceKernel) {
  mlir::MLIRContext ctx;
  std::set<std::string> ops = dialectOps(ctx);
  ASSERT_GT(ops.size(), 100u);
  for (const std::string &op : ops) {
    EXPECT_NE(txc::lookupOpFact(op), nullptr) << "no facts for txc." << op;
    if (!isStructural(op))
      EXPECT_NE(txc::ref::kernelRegistry().lookup(op), nullptr)
          << "txc." << op << " has no reference kernel";
  }
  size_t facts = txc::opFactsEnd() - txc::opFactsBegin();
  EXPECT_EQ(facts, ops.size());
}

TEST(OpFacts, EveryKernelNamesADialectOp) {
  mlir::MLIRContext ctx;
  std::set<std::string> ops = dialectOps(ctx);
  for (const std::string &k : txc::ref::kernelRegistry().names())
    EXPECT_TRUE(ops.count(k)) << "kernel '" << k << "' names no txc op";
}

TEST(OpFacts, AttributesMatchTheRegisteredOps) {
  mlir::MLIRContext ctx;
  dialectOps(ctx);
  for (const txc::OpFact *f = txc::opFactsBegin(); f != txc::opFactsEnd(); ++f) {
    auto name = mlir::RegisteredOperationName::lookup(std::string("txc.") + f->name, &ctx);
    ASSERT_TRUE(name) << f->name;
    std::set<std::string> registered, fromFacts;
    for (mlir::StringAttr a : name->getAttributeNames())
      registered.insert(a.str());
    for (unsigned i = 0; i < f->numAttrs; ++i) {
      fromFacts.insert(f->attrs[i].name);
      // A required attribute has no default; a default makes it optional.
      if (f->attrs[i].defaultValue)
        EXPECT_FALSE(f->attrs[i].required) << f->name << "." << f->attrs[i].name;
    }
    EXPECT_EQ(registered, fromFacts) << "txc." << f->name;
  }
  EXPECT_TRUE(std::is_sorted(txc::opFactsBegin(), txc::opFactsEnd(),
                             [](const txc::OpFact &a, const txc::OpFact &b) {
                               return std::string(a.name) < b.name;
                             }));
}

TEST(OpFacts, EveryOnnxRowNamesARegisteredOp) {
  mlir::MLIRContext ctx;
  std::set<std::string> ops = dialectOps(ctx);
  std::vector<txc::OnnxOpRow> rows = txc::onnxOpTable();
  ASSERT_GT(rows.size(), 100u);
  std::set<std::string> seen;
  for (const txc::OnnxOpRow &r : rows) {
    EXPECT_TRUE(ops.count(r.txcName)) << r.onnxName << " -> txc." << r.txcName;
    EXPECT_NE(txc::lookupOpFact(r.txcName), nullptr) << r.onnxName;
    EXPECT_TRUE(seen.insert(r.domain + "::" + r.onnxName).second) << r.onnxName;
    EXPECT_GE(r.minOpset, 1) << r.onnxName;
  }
}

TEST(OpFacts, LookupFindsKnownOps) {
  const txc::OpFact *cast = txc::lookupOpFact("cast");
  ASSERT_NE(cast, nullptr);
  ASSERT_NE(cast->attr("to"), nullptr);
  EXPECT_TRUE(cast->attr("to")->required);
  EXPECT_EQ(cast->attr("to")->kind, txc::AttrKind::Int);
  EXPECT_EQ(cast->numRequiredOperands(), 1u);
  const txc::OpFact *concat = txc::lookupOpFact("concat");
  ASSERT_NE(concat, nullptr);
  EXPECT_TRUE(concat->hasVariadicOperand());
  const txc::OpFact *split = txc::lookupOpFact("split");
  ASSERT_NE(split, nullptr);
  EXPECT_TRUE(split->variadicResults);
  EXPECT_EQ(txc::lookupOpFact("no_such_op"), nullptr);
  EXPECT_STREQ(txc::attrKindName(txc::AttrKind::Floats), "FLOATS");
}

TEST(InputFiles, MlirNestingIsBounded) {
  std::string error;
  EXPECT_TRUE(txc::checkMlirNesting("module { func.func @f() -> (i32) { } }", 8, error));
  std::string deep(300, '[');
  EXPECT_FALSE(txc::checkMlirNesting(deep, 256, error));
  EXPECT_NE(error.find("nests deeper than 256"), std::string::npos) << error;
  // Brackets in strings and comments do not count; '->' closes nothing.
  std::string quoted = "\"" + std::string(300, '[') + "\" // " + std::string(300, '(');
  EXPECT_TRUE(txc::checkMlirNesting(quoted, 256, error)) << error;
  EXPECT_TRUE(txc::checkMlirNesting("((a -> b))", 2, error)) << error;
  EXPECT_FALSE(txc::checkMlirNesting("(((", 2, error));
}

TEST(InputFiles, SpecialFilesAreRefused) {
  std::string error;
  EXPECT_FALSE(txc::checkRegularFile("/dev/zero", error));
  EXPECT_NE(error.find("a device"), std::string::npos) << error;
  EXPECT_FALSE(txc::checkRegularFile("/", error));
  EXPECT_NE(error.find("a directory"), std::string::npos) << error;
  EXPECT_FALSE(txc::checkRegularFile("/no/such/file", error));
  EXPECT_NE(error.find("cannot open"), std::string::npos) << error;
}

TEST(Sizes, ElementCountsAreOverflowChecked) {
  using namespace txc::ref;
  EXPECT_EQ(numElements({2, 3, 4}), 24);
  EXPECT_THROW(numElements({int64_t(1) << 40, int64_t(1) << 40}), EvalError);
  EXPECT_THROW(numElements({2, -1}), EvalError);
  EXPECT_THROW(Tensor(DType::F32, {int64_t(1) << 31, int64_t(1) << 31, 8}), EvalError);
  uint64_t saved = maxTensorBytes();
  setMaxTensorBytes(100);
  EXPECT_NO_THROW(Tensor(DType::F32, {25}));
  try {
    Tensor(DType::F32, {26});
    ADD_FAILURE() << "a 104-byte tensor passed a 100-byte limit";
  } catch (const EvalError &e) {
    EXPECT_NE(std::string(e.what()).find("[26]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("above the limit of 100"), std::string::npos)
        << e.what();
  }
  setMaxTensorBytes(saved);
}

} // namespace
