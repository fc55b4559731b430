//===- InterpreterTest.cpp - Reference interpreter on parsed txc IR -------===//

#include "ir/Dims.h"
#include "ir/SymbolicValue.h"
#include "ir/TxcDialect.h"
#include "reference/interpreter/Interpreter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace txc;

namespace {

class InterpreterTest : public ::testing::Test {
protected:
  InterpreterTest() { ctx.loadDialect<TxcDialect, mlir::func::FuncDialect>(); }
  mlir::func::FuncOp parse(const char *src) {
    module = mlir::parseSourceString<mlir::ModuleOp>(src, &ctx);
    EXPECT_TRUE(module) << "parse failed";
    return module ? *module->getOps<mlir::func::FuncOp>().begin() : nullptr;
  }
  mlir::MLIRContext ctx;
  mlir::OwningOpRef<mlir::ModuleOp> module;
};

const char *kMatmulBias = R"mlir(
func.func @main(%x: tensor<?x2xf32, #txc.dims<["batch", ""]>>,
                %y: tensor<?x3xf32, #txc.dims<["batch", ""]>>) -> tensor<?x3xf32> {
  %w = txc.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %m = txc.matmul %x, %w : (tensor<?x2xf32, #txc.dims<["batch", ""]>>, tensor<2x3xf32>) -> tensor<?x3xf32>
  %r = txc.add %m, %y : (tensor<?x3xf32>, tensor<?x3xf32, #txc.dims<["batch", ""]>>) -> tensor<?x3xf32>
  return %r : tensor<?x3xf32>
}
)mlir";

TEST_F(InterpreterTest, EvaluatesAFunction) {
  auto f = parse(kMatmulBias);
  ASSERT_TRUE(f);
  auto x = ref::Tensor::fromFloats({1, 1, 0, 2}, {2, 2});
  auto y = ref::Tensor::fromFloats({0, 0, 0, 1, 1, 1}, {2, 3});
  auto out = evaluate(f, {x, y});
  ASSERT_TRUE(static_cast<bool>(out)) << llvm::toString(out.takeError());
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].shape(), (ref::Shape{2, 3}));
  EXPECT_EQ((*out)[0].toDoubles(), (std::vector<double>{5, 7, 9, 9, 11, 13}));
}

TEST_F(InterpreterTest, RejectsInputsThatDisagreeOnANamedDim) {
  auto f = parse(kMatmulBias);
  ASSERT_TRUE(f);
  auto x = ref::Tensor::fromFloats({1, 1, 0, 2}, {2, 2});
  auto y = ref::Tensor::fromFloats({0, 0, 0}, {1, 3}); // batch 1 vs 2
  auto out = evaluate(f, {x, y});
  ASSERT_FALSE(static_cast<bool>(out));
  std::string msg = llvm::toString(out.takeError());
  EXPECT_NE(msg.find("batch = 1 but another input has batch = 2"), std::string::npos) << msg;
}

TEST_F(InterpreterTest, RejectsWrongStaticShapeAndDtype) {
  auto f = parse(kMatmulBias);
  ASSERT_TRUE(f);
  auto x = ref::Tensor::fromFloats({1, 1, 0}, {1, 3});
  auto y = ref::Tensor::fromFloats({0, 0, 0}, {1, 3});
  auto out = evaluate(f, {x, y});
  ASSERT_FALSE(static_cast<bool>(out));
  EXPECT_NE(llvm::toString(out.takeError()).find("expected [batch, 2]"), std::string::npos);
  auto xi = ref::Tensor::fromInts({1, 1}, {1, 2});
  out = evaluate(f, {xi, y});
  ASSERT_FALSE(static_cast<bool>(out));
  EXPECT_NE(llvm::toString(out.takeError()).find("has dtype int64, expected float32"),
            std::string::npos);
}

TEST_F(InterpreterTest, KernelErrorsNameTheOp) {
  auto f = parse(R"mlir(
func.func @main(%d: tensor<3xf32>, %i: tensor<1xi64>) -> tensor<1xf32> {
  %g = txc.gather %d, %i : (tensor<3xf32>, tensor<1xi64>) -> tensor<1xf32> loc("lookup")
  return %g : tensor<1xf32>
}
)mlir");
  ASSERT_TRUE(f);
  auto out = evaluate(f, {ref::Tensor::fromFloats({1, 2, 3}, {3}),
                          ref::Tensor::fromInts({7}, {1})});
  ASSERT_FALSE(static_cast<bool>(out));
  std::string msg = llvm::toString(out.takeError());
  EXPECT_NE(msg.find("'txc.gather' at 'lookup'"), std::string::npos) << msg;
}

TEST_F(InterpreterTest, SymbolicShapeChainIsSeenThrough) {
  auto f = parse(R"mlir(
func.func @main(%x: tensor<?x?x64xf32, #txc.dims<["batch", "seq", ""]>>) -> tensor<4xi64> {
  %s = txc.shape %x : (tensor<?x?x64xf32, #txc.dims<["batch", "seq", ""]>>) -> tensor<3xi64>
  %i = txc.constant dense<[1, 0]> : tensor<2xi64>
  %g = txc.gather %s, %i : (tensor<3xi64>, tensor<2xi64>) -> tensor<2xi64>
  %c = txc.constant dense<[2, 32]> : tensor<2xi64>
  %t = txc.concat %g, %c {axis = 0 : i64} : (tensor<2xi64>, tensor<2xi64>) -> tensor<4xi64>
  return %t : tensor<4xi64>
}
)mlir");
  ASSERT_TRUE(f);
  mlir::Value result = f.getBody().front().getTerminator()->getOperand(0);
  auto sym = getSymbolicInts(result);
  ASSERT_TRUE(sym.has_value());
  ASSERT_EQ(sym->size(), 4u);
  EXPECT_EQ((*sym)[0].name.getValue(), "seq");
  EXPECT_EQ((*sym)[0].sourceDim, 1);
  EXPECT_EQ((*sym)[1].name.getValue(), "batch");
  EXPECT_EQ((*sym)[2].value, 2);
  EXPECT_EQ((*sym)[3].value, 32);
  EXPECT_FALSE(getConstantInts(result).has_value());
}

TEST(Dims, BroadcastAndNames) {
  mlir::MLIRContext ctx;
  ctx.loadDialect<TxcDialect>(); // owns the #txc.dims attribute
  auto seq = mlir::StringAttr::get(&ctx, "seq");
  Dim out;
  EXPECT_TRUE(broadcastDim(Dim::named(seq), Dim::fixed(1), out));
  EXPECT_TRUE(out.isNamed());
  EXPECT_TRUE(broadcastDim(Dim::named(seq), Dim::named(seq), out));
  EXPECT_EQ(out.name, seq);
  EXPECT_FALSE(broadcastDim(Dim::fixed(3), Dim::fixed(4), out));
  EXPECT_TRUE(broadcastDim(Dim::fixed(3), Dim::unknown(), out));
  EXPECT_EQ(out.size, 3);
  auto t = makeTensorType({Dim::fixed(2), Dim::named(seq)}, mlir::Float32Type::get(&ctx));
  EXPECT_EQ(dimsToString(getDims(t)), "[2, seq]");
}

} // namespace
