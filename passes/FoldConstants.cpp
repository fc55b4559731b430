//===- FoldConstants.cpp - Evaluate all-constant ops ----------------------===//

#include "passes/Passes.h"
#include "ir/TxcDialect.h"
#include "reference/interpreter/Interpreter.h"

#include "mlir/IR/Builders.h"

namespace txc {
#define GEN_PASS_DEF_FOLDCONSTANTS
#include "passes/Passes.h.inc"
} // namespace txc

using namespace mlir;

namespace txc {
namespace {

struct FoldConstantsPass : public impl::FoldConstantsBase<FoldConstantsPass> {
  using FoldConstantsBase::FoldConstantsBase;

  /// The constant inputs of `op`, or nullopt if one is not constant.
  static std::optional<std::vector<ref::Tensor>> constantInputs(Operation *op) {
    std::vector<ref::Tensor> inputs;
    for (Value v : op->getOperands()) {
      if (v.getDefiningOp<NoneOp>()) {
        inputs.emplace_back();
        continue;
      }
      auto c = v.getDefiningOp<ConstantOp>();
      if (!c)
        return std::nullopt;
      auto t = tensorFromAttr(c.getValue());
      if (!t) {
        llvm::consumeError(t.takeError());
        return std::nullopt;
      }
      inputs.push_back(*t);
    }
    return inputs;
  }

  bool foldable(Operation *op) const {
    if (!llvm::isa<TxcDialect>(op->getDialect()) ||
        llvm::isa<ConstantOp, NoneOp>(op) || op->getNumOperands() == 0)
      return false;
    for (Type t : op->getResultTypes()) {
      auto r = llvm::dyn_cast<RankedTensorType>(t);
      if (!r || !r.hasStaticShape() || r.getNumElements() > maxElements)
        return false;
    }
    return true;
  }

  void runOnOperation() override {
    OpBuilder builder(&getContext());
    for (Block &block : getOperation().getBody()) {
      for (Operation &op : llvm::make_early_inc_range(block)) {
        if (!foldable(&op))
          continue;
        auto inputs = constantInputs(&op);
        if (!inputs)
          continue;
        auto results = evaluateOp(&op, *inputs);
        if (!results) {
          // The op fails on its constant inputs: it would fail at run time
          // too, so leave it for the evaluator or code generator to report.
          llvm::consumeError(results.takeError());
          continue;
        }
        builder.setInsertionPoint(&op);
        SmallVector<Value> replacements;
        for (auto [r, t] : llvm::zip(op.getResults(), *results)) {
          auto type = llvm::cast<RankedTensorType>(r.getType());
          auto plain = RankedTensorType::get(type.getShape(), type.getElementType());
          DenseElementsAttr attr = tensorToAttr(t, plain);
          replacements.push_back(
              builder.create<ConstantOp>(op.getLoc(), type, attr));
        }
        op.replaceAllUsesWith(replacements);
        op.erase();
      }
    }
  }
};

} // namespace
} // namespace txc
