//===- Folds.cpp - Folders and canonicalization patterns of txc ops -------===//

#include "ir/ShapeRuleUtils.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;

namespace txc {

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

OpFoldResult NoneOp::fold(FoldAdaptor) { return UnitAttr::get(getContext()); }

/// Shape of a tensor whose dims are static in [start, end): a constant.
OpFoldResult ShapeOp::fold(FoldAdaptor) {
  auto sym = getSymbolicInts(getResult());
  if (!sym)
    return {};
  SmallVector<int64_t> values;
  for (const SymElem &e : *sym) {
    if (!e.isConstant())
      return {};
    values.push_back(e.value);
  }
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                    IntegerType::get(getContext(), 64));
  return DenseIntElementsAttr::get(type, values);
}

/// Cast to the type the input already has is the identity.
OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

namespace {

/// Replaces the shape operand of a Reshape by its minimal form: a constant
/// when every element is known, else Concat(constants, Shape slices of the
/// tensors the dims come from). Exporters' Shape -> Gather -> Unsqueeze ->
/// Concat chains then die to DCE, and the dims stay symbolic (named).
struct SimplifyReshapeShape : public OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    Value shape = op.getShape();
    if (shape.getDefiningOp<ConstantOp>())
      return failure();
    auto sym = getSymbolicInts(shape);
    if (!sym || sym->empty())
      return failure();
    // Every element must be a constant or a dim of some tensor.
    for (const SymElem &e : *sym)
      if (!e.isConstant() && !e.isDimOf())
        return failure();
    // Already minimal: a single Shape op, or a Concat of Shape ops and
    // constants.
    if (shape.getDefiningOp<ShapeOp>())
      return failure();
    if (auto cat = shape.getDefiningOp<ConcatOp>())
      if (llvm::all_of(cat.getInputs(), [](Value v) {
            return v.getDefiningOp<ShapeOp>() || v.getDefiningOp<ConstantOp>();
          }))
        return failure();
    Location loc = op.getLoc();
    Type i64 = rewriter.getI64Type();
    SmallVector<Value> parts;
    SmallVector<int64_t> pendingConsts;
    auto flushConsts = [&] {
      if (pendingConsts.empty())
        return;
      auto t = RankedTensorType::get({(int64_t)pendingConsts.size()}, i64);
      parts.push_back(rewriter.create<ConstantOp>(
          loc, t, DenseIntElementsAttr::get(t, pendingConsts)));
      pendingConsts.clear();
    };
    for (size_t i = 0; i < sym->size();) {
      const SymElem &e = (*sym)[i];
      if (e.isConstant()) {
        pendingConsts.push_back(e.value);
        ++i;
        continue;
      }
      flushConsts();
      // Extend a run of consecutive dims of the same tensor.
      size_t j = i + 1;
      while (j < sym->size() && (*sym)[j].isDimOf() &&
             (*sym)[j].source == e.source &&
             (*sym)[j].sourceDim == e.sourceDim + (int64_t)(j - i))
        ++j;
      auto t = RankedTensorType::get({(int64_t)(j - i)}, i64);
      parts.push_back(rewriter.create<ShapeOp>(
          loc, t, e.source, rewriter.getI64IntegerAttr(e.sourceDim),
          rewriter.getI64IntegerAttr(e.sourceDim + (int64_t)(j - i))));
      i = j;
    }
    flushConsts();
    Value newShape = parts.front();
    if (parts.size() > 1) {
      auto t = RankedTensorType::get({(int64_t)sym->size()}, i64);
      newShape = rewriter.create<ConcatOp>(loc, t, parts,
                                           rewriter.getI64IntegerAttr(0));
    }
    if (newShape.getType() != shape.getType())
      newShape = rewriter.create<CastOp>(loc, shape.getType(), newShape,
                                         rewriter.getI64IntegerAttr(
                                             onnxTypeOf(elementTypeOf(shape))),
                                         rewriter.getI64IntegerAttr(1));
    rewriter.modifyOpInPlace(op, [&] { op.getShapeMutable().assign(newShape); });
    return success();
  }
};

/// Reshape to the type the input already has (fully static) is a no-op.
struct RemoveIdentityReshape : public OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    auto in = rankedType(op.getData());
    auto out = rankedType(op.getResult());
    if (!in || !out || !in.hasStaticShape() || in != out)
      return failure();
    rewriter.replaceOp(op, op.getData());
    return success();
  }
};

/// Reshape(Reshape(x, s1), s2) -> Reshape(x, s2) when s2 does not copy dims
/// of the inner result with 0.
struct MergeReshapes : public OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getData().getDefiningOp<ReshapeOp>();
    if (!inner)
      return failure();
    auto sym = getSymbolicInts(op.getShape());
    if (!sym)
      return failure();
    // Without allowzero, a 0 copies a dim of the inner reshape's result,
    // and an element known only at run time might be such a 0.
    if (!op.getAllowzero())
      for (const SymElem &e : *sym)
        if ((e.isConstant() && e.value == 0) || (!e.isConstant() && !e.isDimOf()))
          return failure();
    // Dims of the inner reshape's result are invalid after the merge.
    for (const SymElem &e : *sym)
      if (e.isDimOf() && e.source == inner.getResult())
        return failure();
    rewriter.modifyOpInPlace(
        op, [&] { op.getDataMutable().assign(inner.getData()); });
    return success();
  }
};

} // namespace

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<SimplifyReshapeShape, RemoveIdentityReshape, MergeReshapes>(
      context);
}

namespace {
/// Any op producing a small integer tensor whose elements are all known
/// (shape arithmetic: Gather/Concat/Unsqueeze/Slice/Add/Mul of Shape and
/// constants) becomes a constant.
struct FoldKnownIntTensor : public RewritePattern {
  FoldKnownIntTensor(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}
  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (op->getNumResults() != 1 || llvm::isa<ConstantOp, ShapeOp>(op) ||
        !llvm::isa<TxcDialect>(op->getDialect()))
      return failure();
    auto type = rankedType(op->getResult(0));
    if (!type || type.getRank() > 1 || !type.hasStaticShape() ||
        !type.getElementType().isSignlessInteger() ||
        type.getElementType().getIntOrFloatBitWidth() < 32)
      return failure();
    auto ints = getConstantInts(op->getResult(0));
    if (!ints || (int64_t)ints->size() != type.getNumElements())
      return failure();
    SmallVector<APInt> values;
    for (int64_t v : *ints)
      values.push_back(APInt(type.getElementType().getIntOrFloatBitWidth(), v,
                             /*isSigned=*/true));
    rewriter.replaceOpWithNewOp<ConstantOp>(
        op, type, DenseIntElementsAttr::get(type, values));
    return success();
  }
};
} // namespace

void TxcDialect::getCanonicalizationPatterns(RewritePatternSet &results) const {
  results.add<FoldKnownIntTensor>(getContext());
}

} // namespace txc
