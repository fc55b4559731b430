//===- LowerToLinalg.cpp - txc -> linalg/tensor/arith/math ----------------===//
//
// Drives the dialect conversion whose patterns live in one file per op
// family. txc ops have no declared legality: the conversion lowers what it
// can and collects the rest, which are then reported together (ONNX node
// name and op type), like the importer reports unsupported nodes.
//
//===----------------------------------------------------------------------===//

#include "codegen/Passes.h"
#include "codegen/lowering/LoweringCommon.h"
#include "ir/TxcDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <map>

namespace txc {
#define GEN_PASS_DEF_LOWERTOLINALG
#include "codegen/Passes.h.inc"
} // namespace txc

using namespace mlir;

namespace txc {
namespace {

std::string nodeName(Operation *op) {
  Location loc = op->getLoc();
  if (auto fused = llvm::dyn_cast<FusedLoc>(loc))
    if (!fused.getLocations().empty())
      loc = fused.getLocations().front();
  if (auto name = llvm::dyn_cast<NameLoc>(loc))
    return name.getName().str();
  return "";
}

struct LowerToLinalgPass : public impl::LowerToLinalgBase<LowerToLinalgPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    lowering::TxcTypeConverter tc;
    RewritePatternSet patterns(ctx);
    lowering::populateElementwisePatterns(tc, patterns);
    lowering::populateMatmulPatterns(tc, patterns);
    lowering::populateReductionPatterns(tc, patterns);
    lowering::populateShapePatterns(tc, patterns);
    lowering::populateNNPatterns(tc, patterns);
    lowering::populateIndexingPatterns(tc, patterns);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns, tc);
    populateReturnOpTypeConversionPattern(patterns, tc);

    ConversionTarget target(*ctx);
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, tensor::TensorDialect,
                           scf::SCFDialect, bufferization::BufferizationDialect>();
    target.addLegalOp<UnrealizedConversionCastOp, NoneOp>();
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp f) {
      return tc.isSignatureLegal(f.getFunctionType()) && tc.isLegal(&f.getBody());
    });
    target.addDynamicallyLegalOp<func::ReturnOp>(
        [&](func::ReturnOp r) { return tc.isLegal(r.getOperandTypes()); });

    DenseSet<Operation *> unlegalized;
    ConversionConfig config;
    config.unlegalizedOps = &unlegalized;
    if (failed(applyPartialConversion(module, target, std::move(patterns), config))) {
      signalPassFailure();
      return;
    }
    // Ops left over (txc ops without a lowering for their types/attributes).
    std::vector<Operation *> left;
    module.walk([&](Operation *op) {
      if (op->getDialect() && op->getDialect()->getNamespace() == "txc" &&
          !llvm::isa<NoneOp>(op))
        left.push_back(op);
    });
    if (!left.empty()) {
      std::map<std::string, int> perType;
      for (Operation *op : left)
        perType[op->getName().getStringRef().str()]++;
      InFlightDiagnostic d = module.emitError()
                             << left.size() << " node(s) have no native lowering (";
      bool first = true;
      for (auto &kv : perType) {
        d << (first ? "" : ", ") << kv.first << " x" << kv.second;
        first = false;
      }
      d << "):";
      size_t shown = 0;
      for (Operation *op : left) {
        if (++shown > 50) {
          d << "\n  ... and " << left.size() - 50 << " more";
          break;
        }
        std::string types;
        llvm::raw_string_ostream os(types);
        llvm::interleaveComma(op->getOperandTypes(), os);
        d << "\n  node '" << nodeName(op) << "' (" << op->getName() << " on "
          << types << ")";
      }
      signalPassFailure();
      return;
    }
    // Absent optional inputs are no longer used.
    module.walk([&](NoneOp op) {
      if (op->use_empty())
        op->erase();
    });
  }
};
} // namespace
} // namespace txc
