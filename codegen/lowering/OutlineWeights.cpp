//===- OutlineWeights.cpp - Large constants become function arguments -----===//

#include "codegen/Passes.h"
#include "ir/TxcDialect.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"

namespace txc {
#define GEN_PASS_DEF_OUTLINEWEIGHTS
#include "codegen/Passes.h.inc"
} // namespace txc

using namespace mlir;

namespace txc {
namespace {
struct OutlineWeightsPass : public impl::OutlineWeightsBase<OutlineWeightsPass> {
  using OutlineWeightsBase::OutlineWeightsBase;
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    SmallVector<ConstantOp> weights;
    func.walk([&](ConstantOp c) {
      auto type = llvm::cast<ShapedType>(c.getType());
      if (type.getNumElements() >= minElements ||
          llvm::isa<DenseResourceElementsAttr>(c.getValue()))
        weights.push_back(c);
    });
    if (weights.empty())
      return;
    MLIRContext *ctx = func.getContext();
    SmallVector<Attribute> values;
    Block &entry = func.getBody().front();
    for (ConstantOp c : weights) {
      unsigned index = func.getNumArguments();
      func.insertArgument(index, c.getType(), {}, c.getLoc());
      func.setArgAttr(index, "bufferization.writable", BoolAttr::get(ctx, false));
      func.setArgAttr(index, "txc.weight",
                      IntegerAttr::get(IntegerType::get(ctx, 64), values.size()));
      values.push_back(c.getValue());
      c.getResult().replaceAllUsesWith(entry.getArgument(index));
      c.erase();
    }
    func->setAttr("txc.weights", ArrayAttr::get(ctx, values));
  }
};
} // namespace
} // namespace txc
