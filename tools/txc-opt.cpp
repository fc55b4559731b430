//===- txc-opt.cpp - MlirOptMain with the txc dialect and passes ----------===//

#include "ir/TxcDialect.h"
#include "passes/Pipeline.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::registerTransformsPasses(); // canonicalize, cse, ...
  txc::registerAllTxcPasses();
  mlir::DialectRegistry registry;
  registry.insert<txc::TxcDialect, mlir::func::FuncDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "txc optimizer driver\n", registry));
}
