//===- ShapeInference.cpp - Refine txc result types -----------------------===//

#include "passes/Passes.h"
#include "ir/Dims.h"
#include "ir/TxcDialect.h"

namespace txc {
#define GEN_PASS_DEF_SHAPEINFERENCE
#include "passes/Passes.h.inc"
} // namespace txc

using namespace mlir;

namespace txc {

/// A type at least as precise as `old`: never replace a known dim by a
/// dynamic one (the op might have been built with more knowledge).
static Type refine(Type old, Type inferred) {
  auto o = llvm::dyn_cast<RankedTensorType>(old);
  auto n = llvm::dyn_cast<RankedTensorType>(inferred);
  if (!n)
    return old;
  if (!o)
    return inferred;
  if (o.getRank() != n.getRank())
    return inferred;
  DimList merged;
  for (auto [a, b] : llvm::zip(getDims(o), getDims(n)))
    merged.push_back(mergeDims(b, a));
  return makeTensorType(merged, n.getElementType());
}

LogicalResult inferShapesInFunction(func::FuncOp func) {
  WalkResult result = func.walk([&](ShapeInferenceOpInterface op) {
    SmallVector<Type> types;
    if (failed(op.inferResultTypes(types)))
      return WalkResult::interrupt();
    for (auto [res, t] : llvm::zip(op->getResults(), types))
      res.setType(refine(res.getType(), t));
    return WalkResult::advance();
  });
  if (result.wasInterrupted())
    return failure();
  // The function's result types follow its return values.
  Operation *term = func.getBody().back().getTerminator();
  SmallVector<Type> resultTypes(term->getOperandTypes());
  func.setType(FunctionType::get(func.getContext(),
                                 func.getArgumentTypes(), resultTypes));
  return success();
}

namespace {
struct ShapeInferencePass
    : public impl::ShapeInferenceBase<ShapeInferencePass> {
  void runOnOperation() override {
    if (failed(inferShapesInFunction(getOperation())))
      signalPassFailure();
  }
};
} // namespace

} // namespace txc
