//===- ApproximateMath.cpp - Polynomial approximations of math ops --------===//

#include "codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace txc {
#define GEN_PASS_DEF_APPROXIMATEMATH
#include "codegen/Passes.h.inc"
} // namespace txc

using namespace mlir;

namespace txc {
namespace {
struct ApproximateMathPass : public impl::ApproximateMathBase<ApproximateMathPass> {
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, math::MathDialect,
                    vector::VectorDialect, func::FuncDialect>();
  }
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // MLIR's asin/acos approximations are off by ~1e-2 near |x| = 1: those
    // two call libm instead; the others are accurate to a few ulp.
    ModuleOp module = getOperation();
    SmallVector<Operation *> toLibm;
    module.walk([&](Operation *op) {
      if (llvm::isa<math::AsinOp, math::AcosOp>(op))
        toLibm.push_back(op);
    });
    for (Operation *op : toLibm) {
      Type t = op->getResult(0).getType();
      if (!t.isF32() && !t.isF64())
        continue;
      std::string name = llvm::isa<math::AsinOp>(op) ? "asin" : "acos";
      if (t.isF32())
        name += "f";
      auto callee = module.lookupSymbol<func::FuncOp>(name);
      if (!callee) {
        OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
        callee = b.create<func::FuncOp>(module.getLoc(), name,
                                        b.getFunctionType({t}, {t}));
        callee.setPrivate();
      }
      OpBuilder b(op);
      auto call = b.create<func::CallOp>(op->getLoc(), callee, op->getOperands());
      op->replaceAllUsesWith(call.getResults());
      op->erase();
    }
    populateMathPolynomialApproximationPatterns(patterns);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
} // namespace txc
