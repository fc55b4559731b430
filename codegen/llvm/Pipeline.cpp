//===- Pipeline.cpp - MLIR passes from linalg on tensors to LLVM ----------===//

#include "codegen/llvm/Backend.h"
#include "codegen/Passes.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassRegistry.h"

namespace txc::codegen {

std::string linalgPipelineText() {
  return "txc-lower-to-linalg,canonicalize,"
         "func.func(linalg-fuse-elementwise-ops),canonicalize,cse";
}

std::string llvmPipelineText() {
  // Bufferization returns fresh buffers from the entry function (the caller
  // owns them); memory planning replaces this with one arena.
  return "one-shot-bufferize{bufferize-function-boundaries "
         "function-boundary-type-conversion=identity-layout-map},"
         "func.func(buffer-deallocation-pipeline),convert-bufferization-to-memref,"
         "func.func(txc-strided-copies-to-loops),"
         "func.func(convert-linalg-to-loops),"
         "txc-approximate-math,canonicalize,cse,"
         "expand-strided-metadata,lower-affine,convert-scf-to-cf,"
         "convert-math-to-llvm,convert-math-to-libm,"
         "arith-emulate-unsupported-floats{source-types=bf16 target-type=f32},"
         "arith-expand{include-bf16=true},"
         "convert-cf-to-llvm,convert-arith-to-llvm,"
         "finalize-memref-to-llvm,convert-func-to-llvm,convert-index-to-llvm,"
         "convert-cf-to-llvm,convert-arith-to-llvm,"
         "reconcile-unrealized-casts,canonicalize,cse";
}

void registerCodegenPasses() {
  static bool done = [] {
    mlir::registerAllPasses();
    registerTxcCodegenPasses();
    return true;
  }();
  (void)done;
}

void registerCodegenDialects(mlir::MLIRContext &ctx) {
  // Bufferization, ConvertToLLVM and translation interfaces of upstream
  // dialects are external models: register them all once per context.
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  ctx.appendDialectRegistry(registry);
}

static void parseInto(const std::string &text, mlir::OpPassManager &pm) {
  registerCodegenPasses();
  if (mlir::failed(mlir::parsePassPipeline(text, pm, llvm::errs())))
    llvm::report_fatal_error("txc: the built-in lowering pipeline does not parse");
}

void buildLinalgPipeline(mlir::OpPassManager &pm) { parseInto(linalgPipelineText(), pm); }
void buildLLVMPipeline(mlir::OpPassManager &pm) { parseInto(llvmPipelineText(), pm); }

} // namespace txc::codegen
