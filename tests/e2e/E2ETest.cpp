//===- E2ETest.cpp - Tiny PyTorch models vs PyTorch's outputs -------------===//
//
// Each folder of models/ holds a model exported by export_models.py, its
// inputs and PyTorch's outputs (.npy) and a manifest listing them in order.
// The reference evaluator must match PyTorch within 1e-4 relative error,
// measured against the output's largest magnitude (max|got - want| <=
// 1e-4 * max|want|): both sides round in float32 in different orders, so
// per-element relative error of values near zero says nothing.
//
//===----------------------------------------------------------------------===//

#include "codegen/Compiler.h"
#include "frontend/OnnxImporter.h"
#include "ir/Dims.h"
#include "txc/txc.h"
#include "passes/Pipeline.h"
#include "reference/Npy.h"
#include "reference/interpreter/Interpreter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

namespace {

struct Entry {
  std::string kind, name, file;
};

std::vector<Entry> readManifest(const std::string &dir) {
  std::vector<Entry> out;
  std::ifstream in(dir + "/manifest.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    std::istringstream ss(line);
    Entry e;
    ss >> e.kind >> e.name;
    // The file name is the last token of the line.
    e.file = line.substr(line.find_last_of(' ') + 1);
    out.push_back(e);
  }
  return out;
}

class E2E : public ::testing::TestWithParam<std::string> {};

void compareWithPyTorch(mlir::func::FuncOp func,
                        const std::vector<txc::ref::Tensor> &inputs,
                        const std::vector<txc::ref::Tensor> &expected,
                        const std::vector<std::string> &outputNames,
                        const char *stage) {
  SCOPED_TRACE(stage);
  auto outputs = txc::evaluate(func, inputs);
  ASSERT_TRUE(static_cast<bool>(outputs)) << llvm::toString(outputs.takeError());
  ASSERT_EQ(outputs->size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto &got = (*outputs)[i], &want = expected[i];
    ASSERT_EQ(got.shape(), want.shape()) << outputNames[i];
    double maxAbs = 0, scale = 0;
    for (int64_t k = 0; k < want.numel(); ++k) {
      double a = got.getDouble(k), b = want.getDouble(k);
      ASSERT_FALSE(std::isnan(a)) << outputNames[i] << " element " << k;
      maxAbs = std::max(maxAbs, std::fabs(a - b));
      scale = std::max(scale, std::fabs(b));
    }
    ASSERT_GT(scale, 0) << outputNames[i] << " is all zeros: a useless test";
    EXPECT_LE(maxAbs / scale, 1e-4)
        << outputNames[i] << ": max abs error " << maxAbs << ", scale " << scale;
  }
}

TEST_P(E2E, ReferenceMatchesPyTorch) {
  std::string dir = std::string(TXC_E2E_MODELS) + "/" + GetParam();
  auto manifest = readManifest(dir);
  ASSERT_FALSE(manifest.empty()) << "no manifest in " << dir;
  mlir::MLIRContext ctx;
  std::string diags;
  mlir::ScopedDiagnosticHandler handler(&ctx, [&](mlir::Diagnostic &d) {
    llvm::raw_string_ostream(diags) << d << "\n";
    return mlir::success();
  });
  auto module = txc::importOnnxFile(&ctx, dir + "/model.onnx");
  ASSERT_TRUE(module) << diags;
  auto func = module->lookupSymbol<mlir::func::FuncOp>("main");
  std::vector<txc::ref::Tensor> inputs, expected;
  std::vector<std::string> outputNames;
  for (const Entry &e : manifest) {
    auto t = txc::ref::readNpy(dir + "/" + e.file);
    if (e.kind == "input") {
      inputs.push_back(t);
    } else {
      expected.push_back(t);
      outputNames.push_back(e.name);
    }
  }
  compareWithPyTorch(func, inputs, expected, outputNames, "imported");
  // The default pipeline (folding, shape inference, constant evaluation,
  // CSE) must not change the numbers.
  mlir::PassManager pm(&ctx, mlir::ModuleOp::getOperationName());
  txc::buildDefaultPipeline(pm, {});
  ASSERT_TRUE(mlir::succeeded(pm.run(*module))) << diags;
  compareWithPyTorch(module->lookupSymbol<mlir::func::FuncOp>("main"), inputs,
                     expected, outputNames, "after the default pipeline");
}

/// --dim settings that fix every named dim of `func`'s inputs to the sizes
/// of the test inputs.
std::vector<std::string> dimsFromInputs(mlir::func::FuncOp func,
                                        const std::vector<txc::ref::Tensor> &inputs) {
  std::map<std::string, int64_t> dims;
  for (unsigned i = 0; i < func.getNumArguments() && i < inputs.size(); ++i) {
    auto t = llvm::dyn_cast<mlir::RankedTensorType>(func.getArgumentTypes()[i]);
    if (!t)
      continue;
    auto d = txc::getDims(t);
    for (size_t k = 0; k < d.size(); ++k)
      if (d[k].isNamed())
        dims[d[k].name.getValue().str()] = inputs[i].shape()[k];
  }
  std::vector<std::string> out;
  for (auto &kv : dims)
    out.push_back(kv.first + "=" + std::to_string(kv.second));
  return out;
}

/// The model compiled (for the test inputs' dims, or with every named dim
/// left dynamic) and run through libtxcrt matches PyTorch like the
/// reference evaluator does.
void checkCompiled(const std::string &name, bool fixDims) {
  std::string dir = std::string(TXC_E2E_MODELS) + "/" + name;
  auto manifest = readManifest(dir);
  ASSERT_FALSE(manifest.empty()) << "no manifest in " << dir;
  mlir::MLIRContext ctx;
  std::string diags;
  mlir::ScopedDiagnosticHandler handler(&ctx, [&](mlir::Diagnostic &d) {
    llvm::raw_string_ostream(diags) << d << "\n";
    return mlir::success();
  });
  auto module = txc::importOnnxFile(&ctx, dir + "/model.onnx");
  ASSERT_TRUE(module) << diags;
  std::vector<txc::ref::Tensor> inputs, expected;
  std::vector<std::string> outputNames;
  for (const Entry &e : manifest) {
    auto t = txc::ref::readNpy(dir + "/" + e.file);
    if (e.kind == "input") {
      inputs.push_back(t);
    } else {
      expected.push_back(t);
      outputNames.push_back(e.name);
    }
  }
  txc::PipelineOptions popts;
  if (fixDims)
    popts.dims = dimsFromInputs(module->lookupSymbol<mlir::func::FuncOp>("main"), inputs);
  mlir::PassManager pm(&ctx, mlir::ModuleOp::getOperationName());
  txc::buildDefaultPipeline(pm, popts);
  ASSERT_TRUE(mlir::succeeded(pm.run(*module))) << diags;
  txc::codegen::CompileResult result;
  llvm::Error err = txc::codegen::compileModule(*module, {}, result);
  if (err) {
    std::string msg = llvm::toString(std::move(err)) + diags;
    // An op family without a lowering yet is reported as skipped (with the
    // nodes), not passed; any other compile error fails.
    if (msg.find("no native lowering") != std::string::npos)
      GTEST_SKIP() << msg;
    FAIL() << msg;
  }
  TxcModel *model = nullptr;
  ASSERT_EQ(txc_model_load_from_memory(result.output.data(), result.output.size(), &model),
            TXC_OK)
      << txc_last_error();
  std::unique_ptr<TxcModel, void (*)(TxcModel *)> owner(model, txc_model_free);
  TxcSession *session = nullptr;
  ASSERT_EQ(txc_session_create(model, nullptr, &session), TXC_OK) << txc_last_error();
  std::unique_ptr<TxcSession, void (*)(TxcSession *)> sowner(session, txc_session_free);
  std::vector<TxcTensor> views;
  for (const auto &t : inputs)
    views.push_back({txc::ref::onnxTypeOf(t.dtype()), static_cast<int32_t>(t.rank()),
                     t.shape().data(), t.raw(), t.byteSize()});
  // Twice: the second run reuses the session's buffers.
  for (int run = 0; run < 2; ++run)
    ASSERT_EQ(txc_session_run(session, views.data(), views.size()), TXC_OK) << txc_last_error();
  ASSERT_EQ(txc_model_num_outputs(model), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    TxcOutput o;
    ASSERT_EQ(txc_session_output(session, i, &o), TXC_OK);
    const auto &want = expected[i];
    ASSERT_EQ(txc::ref::Shape(o.shape, o.shape + o.rank), want.shape()) << outputNames[i];
    txc::ref::DType dt;
    ASSERT_TRUE(txc::ref::dtypeFromOnnx(o.dtype, dt));
    auto got = txc::ref::Tensor::view(dt, want.shape(), o.data, nullptr);
    double maxAbs = 0, scale = 0;
    for (int64_t k = 0; k < want.numel(); ++k) {
      double a = got.getDouble(k), b = want.getDouble(k);
      ASSERT_FALSE(std::isnan(a)) << outputNames[i] << " element " << k;
      maxAbs = std::max(maxAbs, std::fabs(a - b));
      scale = std::max(scale, std::fabs(b));
    }
    ASSERT_GT(scale, 0) << outputNames[i] << " is all zeros: a useless test";
    EXPECT_LE(maxAbs / scale, 1e-4)
        << outputNames[i] << ": max abs error " << maxAbs << ", scale " << scale;
  }
}

TEST_P(E2E, CompiledMatchesPyTorch) { checkCompiled(GetParam(), /*fixDims=*/true); }
TEST_P(E2E, CompiledWithDynamicDimsMatchesPyTorch) {
  checkCompiled(GetParam(), /*fixDims=*/false);
}

INSTANTIATE_TEST_SUITE_P(Models, E2E,
                         ::testing::Values("bert_tiny_opset14", "bert_tiny_opset17",
                                           "gpt2_tiny_opset14", "gpt2_tiny_opset17",
                                           "gpt2_tiny_past_opset14",
                                           "gpt2_tiny_past_opset17",
                                           "llama_tiny_opset14", "llama_tiny_opset17",
                                           "vit_tiny_opset14", "vit_tiny_opset17",
                                           "whisper_encoder_tiny_opset14",
                                           "whisper_encoder_tiny_opset17"));

} // namespace
