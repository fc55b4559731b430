//===- Shape.cpp - txc shape and data-movement ops -> tensor/linalg -------===//
//
// Reshape-like ops (Reshape, Flatten, Squeeze, Unsqueeze) become
// tensor.reshape (a view after bufferization); Transpose is linalg.transpose;
// Slice/Split are tensor.extract_slice (or an index-mapping generic for
// negative steps); Concat is a chain of tensor.insert_slice; Gather, Tile,
// Pad, Trilu, Range, EyeLike are linalg.generic ops that compute source
// indices from linalg.index. Shape operands (shape, axes, starts...) must be
// constants; the shape rules have folded them where the exporter allowed.
//
//===----------------------------------------------------------------------===//

#include "codegen/lowering/LoweringCommon.h"

#include "ir/TxcDialect.h"
#include "ir/semantics/SliceBounds.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;

namespace txc::lowering {
namespace {

Value indexConst(OpBuilder &b, Location loc, int64_t v) {
  return b.create<arith::ConstantIndexOp>(loc, v);
}

Value toIndex(OpBuilder &b, Location loc, OpFoldResult ofr) {
  return getValueOrCreateConstantIndexOp(b, loc, ofr);
}

RankedTensorType resultTypeOf(Operation *op, unsigned i = 0) {
  return loweredTensorType(op->getResult(i).getType());
}

} // namespace

/// Reshapes `input` to `type` whose dynamic dims are `sizes` (tensor.reshape
/// with an index shape tensor: a view of the input buffer).
Value reshapeTo(OpBuilder &b, Location loc, Value input, RankedTensorType type,
                ArrayRef<OpFoldResult> sizes) {
  if (input.getType() == type)
    return input;
  SmallVector<Value> dims;
  for (int64_t i = 0; i < type.getRank(); ++i)
    dims.push_back(type.isDynamicDim(i) ? toIndex(b, loc, sizes[i])
                                        : indexConst(b, loc, type.getDimSize(i)));
  auto shapeType = RankedTensorType::get({type.getRank()}, b.getIndexType());
  Value shape = b.create<tensor::FromElementsOp>(loc, shapeType, dims);
  return b.create<tensor::ReshapeOp>(loc, type, input, shape);
}

/// A generic over `type` (sizes for dynamic dims) with no inputs whose body
/// gets the loop indices.
Value buildIndexGeneric(
    OpBuilder &b, Location loc, RankedTensorType type, ArrayRef<OpFoldResult> sizes,
    function_ref<Value(OpBuilder &, Location, ValueRange ivs)> body) {
  int64_t rank = type.getRank();
  Value init = emptyTensor(b, loc, type, sizes);
  SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(rank, b.getContext())};
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  auto g = b.create<linalg::GenericOp>(
      loc, TypeRange{type}, ValueRange{}, ValueRange{init}, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange) {
        SmallVector<Value> ivs;
        for (int64_t d = 0; d < rank; ++d)
          ivs.push_back(nb.create<linalg::IndexOp>(nloc, d));
        nb.create<linalg::YieldOp>(nloc, body(nb, nloc, ivs));
      });
  return g.getResult(0);
}

namespace {

/// Result sizes of a reshape-like op: static dims of the result type; a
/// dynamic one from `dynamicDim(i)`.
template <typename F>
SmallVector<OpFoldResult> resultSizes(OpBuilder &b, RankedTensorType type, F dynamicDim) {
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0; i < type.getRank(); ++i)
    sizes.push_back(type.isDynamicDim(i) ? dynamicDim(i)
                                         : OpFoldResult(b.getIndexAttr(type.getDimSize(i))));
  return sizes;
}

Value product(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes, size_t from,
              size_t to) {
  Value p = indexConst(b, loc, 1);
  for (size_t i = from; i < to; ++i)
    p = b.create<arith::MulIOp>(loc, p, toIndex(b, loc, sizes[i]));
  return p;
}

/// Reshape to a shape tensor known only at run time: 0 copies the input dim
/// (unless allowzero), -1 takes the remaining elements.
Value reshapeRuntime(OpBuilder &b, Location loc, Value input, Value shape,
                     RankedTensorType type, bool allowzero) {
  int64_t rank = type.getRank();
  auto in = tensorSizes(b, loc, input);
  Value total = product(b, loc, in, 0, in.size());
  Value zero = indexConst(b, loc, 0), one = indexConst(b, loc, 1),
        minusOne = indexConst(b, loc, -1);
  SmallVector<Value> dims;
  for (int64_t i = 0; i < rank; ++i) {
    Value v = b.create<tensor::ExtractOp>(loc, shape, ValueRange{indexConst(b, loc, i)});
    v = b.create<arith::IndexCastOp>(loc, b.getIndexType(), v);
    if (!allowzero && i < static_cast<int64_t>(in.size())) {
      Value isZero = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, v, zero);
      v = b.create<arith::SelectOp>(loc, isZero, toIndex(b, loc, in[i]), v);
    }
    dims.push_back(v);
  }
  Value known = one;
  for (Value d : dims) {
    Value isInfer = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, d, minusOne);
    known = b.create<arith::MulIOp>(loc, known, b.create<arith::SelectOp>(loc, isInfer, one, d));
  }
  Value safeKnown = b.create<arith::MaxSIOp>(loc, known, one);
  Value inferred = b.create<arith::DivUIOp>(loc, total, safeKnown);
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0; i < rank; ++i) {
    Value isInfer = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, dims[i], minusOne);
    sizes.push_back(b.create<arith::SelectOp>(loc, isInfer, inferred, dims[i]).getResult());
  }
  return reshapeTo(b, loc, input, type, sizes);
}

/// Reshape: dims from the constant shape operand (0 copies the input dim
/// unless allowzero, -1 takes the remaining elements).
struct ReshapeLowering : public OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ReshapeOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = resultTypeOf(op);
    if (!type)
      return failure();
    Location loc = op.getLoc();
    auto in = tensorSizes(rw, loc, a.getData());
    std::optional<SmallVector<int64_t>> shape;
    if (!type.hasStaticShape()) {
      shape = constantInts(op.getShape());
      if (!shape) {
        rw.replaceOp(op, reshapeRuntime(rw, loc, a.getData(), a.getShape(), type,
                                        op.getAllowzero() != 0));
        return success();
      }
      if (shape->size() != static_cast<size_t>(type.getRank()))
        return failure();
    }
    SmallVector<OpFoldResult> sizes = resultSizes(rw, type, [&](int64_t i) -> OpFoldResult {
      int64_t s = (*shape)[i];
      if (s == 0 && !op.getAllowzero() && i < static_cast<int64_t>(in.size()))
        return in[i];
      if (s >= 0)
        return rw.getIndexAttr(s);
      // -1: all elements over the product of the other dims.
      Value others = indexConst(rw, loc, 1);
      for (int64_t j = 0; j < type.getRank(); ++j) {
        if (j == i)
          continue;
        int64_t sj = (*shape)[j];
        Value dj = sj == 0 && !op.getAllowzero() ? toIndex(rw, loc, in[j])
                                                  : indexConst(rw, loc, sj);
        others = rw.create<arith::MulIOp>(loc, others, dj);
      }
      Value total = product(rw, loc, in, 0, in.size());
      return rw.create<arith::DivUIOp>(loc, total, others).getResult();
    });
    rw.replaceOp(op, reshapeTo(rw, loc, a.getData(), type, sizes));
    return success();
  }
};

struct FlattenLowering : public OpConversionPattern<FlattenOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(FlattenOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = resultTypeOf(op);
    auto inType = llvm::dyn_cast<RankedTensorType>(a.getInput().getType());
    if (!type || !inType)
      return failure();
    Location loc = op.getLoc();
    auto in = tensorSizes(rw, loc, a.getInput());
    int64_t axis = op.getAxis() < 0 ? op.getAxis() + inType.getRank() : op.getAxis();
    SmallVector<OpFoldResult> sizes = resultSizes(rw, type, [&](int64_t i) -> OpFoldResult {
      return i == 0 ? product(rw, loc, in, 0, axis)
                    : product(rw, loc, in, axis, in.size());
    });
    rw.replaceOp(op, reshapeTo(rw, loc, a.getInput(), type, sizes));
    return success();
  }
};

/// Squeeze/Unsqueeze/Identity-shaped reshapes: the result's dynamic dims are
/// the input's dynamic dims in order (only 1s are removed or added).
template <typename Op>
struct SameDimsReshapeLowering : public OpConversionPattern<Op> {
  using OpConversionPattern<Op>::OpConversionPattern;
  LogicalResult matchAndRewrite(Op op, typename Op::Adaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = resultTypeOf(op);
    Value input = a.getOperands()[0];
    auto inType = llvm::dyn_cast<RankedTensorType>(input.getType());
    if (!type || !inType)
      return failure();
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> inDyn;
    for (int64_t i = 0; i < inType.getRank(); ++i)
      if (inType.isDynamicDim(i))
        inDyn.push_back(rw.create<tensor::DimOp>(loc, input, i).getResult());
    if (static_cast<int64_t>(inDyn.size()) != type.getNumDynamicDims())
      return failure();
    size_t next = 0;
    SmallVector<OpFoldResult> sizes =
        resultSizes(rw, type, [&](int64_t) -> OpFoldResult { return inDyn[next++]; });
    rw.replaceOp(op, reshapeTo(rw, loc, input, type, sizes));
    return success();
  }
};

struct TransposeLowering : public OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TransposeOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = resultTypeOf(op);
    auto inType = llvm::dyn_cast<RankedTensorType>(a.getData().getType());
    if (!type || !inType)
      return failure();
    int64_t rank = inType.getRank();
    SmallVector<int64_t> perm;
    if (auto p = op.getPerm()) {
      for (Attribute x : *p)
        perm.push_back(llvm::cast<IntegerAttr>(x).getInt());
    } else {
      for (int64_t i = rank - 1; i >= 0; --i)
        perm.push_back(i);
    }
    Location loc = op.getLoc();
    auto in = tensorSizes(rw, loc, a.getData());
    SmallVector<OpFoldResult> sizes;
    for (int64_t p : perm)
      sizes.push_back(in[p]);
    Value init = emptyTensor(rw, loc, type, sizes);
    auto t = rw.create<linalg::TransposeOp>(loc, a.getData(), init, perm);
    rw.replaceOp(op, t.getResult()[0]);
    return success();
  }
};

struct ConcatLowering : public OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ConcatOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = resultTypeOf(op);
    if (!type)
      return failure();
    int64_t rank = type.getRank();
    auto axisOr = normalizeAxis(op.getAxis(), rank);
    if (!axisOr)
      return failure();
    int64_t axis = *axisOr;
    Location loc = op.getLoc();
    ValueRange inputs = a.getInputs();
    // Result sizes: the first input's, with the axis summed.
    SmallVector<OpFoldResult> sizes = tensorSizes(rw, loc, inputs[0]);
    Value total = indexConst(rw, loc, 0);
    SmallVector<Value> offsets;
    for (Value in : inputs) {
      offsets.push_back(total);
      total = rw.create<arith::AddIOp>(loc, total,
                                       rw.create<tensor::DimOp>(loc, in, axis));
    }
    sizes[axis] = total;
    Value result = emptyTensor(rw, loc, type, sizes);
    SmallVector<OpFoldResult> strides(rank, rw.getIndexAttr(1));
    for (auto [in, off] : llvm::zip(inputs, offsets)) {
      SmallVector<OpFoldResult> inSizes = tensorSizes(rw, loc, in);
      SmallVector<OpFoldResult> offs(rank, rw.getIndexAttr(0));
      offs[axis] = off;
      result = rw.create<tensor::InsertSliceOp>(loc, in, result, offs, inSizes, strides);
    }
    rw.replaceOp(op, result);
    return success();
  }
};

/// Slices `input` along axes with constant bounds. Axes with a negative
/// step read through an index-mapping generic.
Value sliceTensor(OpBuilder &b, Location loc, Value input, RankedTensorType type,
                  ArrayRef<int64_t> axes, ArrayRef<semantics::SliceAxis> bounds) {
  auto inType = llvm::cast<RankedTensorType>(input.getType());
  int64_t rank = inType.getRank();
  SmallVector<OpFoldResult> offs(rank, b.getIndexAttr(0)), strides(rank, b.getIndexAttr(1));
  SmallVector<OpFoldResult> sizes = tensorSizes(b, loc, input);
  bool negative = false;
  for (auto [axis, sb] : llvm::zip(axes, bounds)) {
    offs[axis] = b.getIndexAttr(sb.start);
    sizes[axis] = b.getIndexAttr(sb.count);
    strides[axis] = b.getIndexAttr(sb.step);
    negative |= sb.step < 0;
  }
  if (!negative)
    return b.create<tensor::ExtractSliceOp>(loc, type, input, offs, sizes, strides);
  return buildIndexGeneric(b, loc, type, sizes, [&](OpBuilder &nb, Location nl, ValueRange ivs) {
    SmallVector<Value> idx;
    for (int64_t d = 0; d < rank; ++d) {
      Value o = toIndex(nb, nl, offs[d]), s = toIndex(nb, nl, strides[d]);
      idx.push_back(nb.create<arith::AddIOp>(nl, o, nb.create<arith::MulIOp>(nl, ivs[d], s)));
    }
    return nb.create<tensor::ExtractOp>(nl, input, idx);
  });
}

struct SliceLowering : public OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  /// Starts/ends known only at run time (or dims of unknown size): ONNX's
  /// clamping in arith, then a tensor.extract_slice. Steps must be positive
  /// constants here.
  LogicalResult sliceRuntime(SliceOp op, OpAdaptor a, RankedTensorType type,
                             const std::optional<SmallVector<int64_t>> &axes,
                             const std::optional<SmallVector<int64_t>> &steps,
                             ConversionPatternRewriter &rw) const {
    auto inType = llvm::cast<RankedTensorType>(a.getData().getType());
    auto startsType = llvm::dyn_cast<RankedTensorType>(a.getStarts().getType());
    if (!startsType || !startsType.hasStaticShape())
      return failure();
    int64_t n = startsType.getDimSize(0), rank = inType.getRank();
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> offs(rank, rw.getIndexAttr(0)), strides(rank, rw.getIndexAttr(1));
    SmallVector<OpFoldResult> sizes = tensorSizes(rw, loc, a.getData());
    Value zero = indexConst(rw, loc, 0);
    for (int64_t k = 0; k < n; ++k) {
      auto axis = normalizeAxis(axes ? (*axes)[k] : k, rank);
      int64_t step = steps ? (*steps)[k] : 1;
      if (!axis || step <= 0)
        return failure();
      auto read = [&](Value t) {
        Value v = rw.create<tensor::ExtractOp>(loc, t, ValueRange{indexConst(rw, loc, k)});
        return rw.create<arith::IndexCastOp>(loc, rw.getIndexType(), v).getResult();
      };
      Value d = toIndex(rw, loc, sizes[*axis]);
      auto clampToDim = [&](Value v) {
        Value neg = rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, v, zero);
        v = rw.create<arith::SelectOp>(loc, neg, rw.create<arith::AddIOp>(loc, v, d), v);
        v = rw.create<arith::MaxSIOp>(loc, v, zero);
        return rw.create<arith::MinSIOp>(loc, v, d).getResult();
      };
      Value s = clampToDim(read(a.getStarts())), e = clampToDim(read(a.getEnds()));
      Value len = rw.create<arith::MaxSIOp>(loc, rw.create<arith::SubIOp>(loc, e, s), zero);
      Value st = indexConst(rw, loc, step);
      Value count = rw.create<arith::DivUIOp>(
          loc, rw.create<arith::AddIOp>(loc, len, indexConst(rw, loc, step - 1)), st);
      offs[*axis] = s;
      sizes[*axis] = count;
      strides[*axis] = rw.getIndexAttr(step);
    }
    // The static result dims must agree with what was computed.
    Value r = rw.create<tensor::ExtractSliceOp>(loc, a.getData(), offs, sizes, strides);
    rw.replaceOpWithNewOp<tensor::CastOp>(op, type, r);
    return success();
  }

  LogicalResult matchAndRewrite(SliceOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = resultTypeOf(op);
    auto inType = llvm::dyn_cast<RankedTensorType>(a.getData().getType());
    if (!type || !inType)
      return failure();
    auto starts = constantInts(op.getStarts()), ends = constantInts(op.getEnds());
    std::optional<SmallVector<int64_t>> axes, steps;
    if (!llvm::isa<NoneType>(op.getAxes().getType()) && !(axes = constantInts(op.getAxes())))
      return failure();
    if (!llvm::isa<NoneType>(op.getSteps().getType()) && !(steps = constantInts(op.getSteps())))
      return failure();
    bool dynamicAxis = false;
    if (starts && ends)
      for (size_t k = 0; k < starts->size(); ++k) {
        auto n = normalizeAxis(axes ? (*axes)[k] : static_cast<int64_t>(k), inType.getRank());
        dynamicAxis |= n && inType.isDynamicDim(*n);
      }
    if (!starts || !ends || dynamicAxis)
      return sliceRuntime(op, a, type, axes, steps, rw);
    SmallVector<int64_t> axisList;
    SmallVector<semantics::SliceAxis> bounds;
    for (size_t k = 0; k < starts->size(); ++k) {
      int64_t ax = axes ? (*axes)[k] : static_cast<int64_t>(k);
      auto n = normalizeAxis(ax, inType.getRank());
      int64_t step = steps ? (*steps)[k] : 1;
      if (!n || step == 0 || inType.isDynamicDim(*n))
        return failure();
      axisList.push_back(*n);
      bounds.push_back(semantics::sliceBounds(inType.getDimSize(*n), (*starts)[k],
                                              (*ends)[k], step));
    }
    rw.replaceOp(op, sliceTensor(rw, op.getLoc(), a.getData(), type, axisList, bounds));
    return success();
  }
};

struct SplitLowering : public OpConversionPattern<SplitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SplitOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    auto inType = llvm::dyn_cast<RankedTensorType>(a.getInput().getType());
    if (!inType)
      return failure();
    auto axis = normalizeAxis(op.getAxis(), inType.getRank());
    if (!axis)
      return failure();
    Location loc = op.getLoc();
    SmallVector<Value> results;
    Value offset = indexConst(rw, loc, 0);
    for (unsigned i = 0; i < op.getNumResults(); ++i) {
      RankedTensorType type = resultTypeOf(op, i);
      if (!type || type.isDynamicDim(*axis))
        return failure();
      SmallVector<OpFoldResult> offs(inType.getRank(), rw.getIndexAttr(0));
      SmallVector<OpFoldResult> strides(inType.getRank(), rw.getIndexAttr(1));
      SmallVector<OpFoldResult> sizes = tensorSizes(rw, loc, a.getInput());
      offs[*axis] = offset;
      sizes[*axis] = rw.getIndexAttr(type.getDimSize(*axis));
      results.push_back(rw.create<tensor::ExtractSliceOp>(loc, type, a.getInput(), offs,
                                                          sizes, strides));
      offset = rw.create<arith::AddIOp>(loc, offset,
                                        indexConst(rw, loc, type.getDimSize(*axis)));
    }
    rw.replaceOp(op, results);
    return success();
  }
};

/// An integer index value of `v` (any int type) as `index`, with negative
/// values counted from `size`.
Value wrapIndex(OpBuilder &b, Location loc, Value v, Value size, bool isUnsigned) {
  Value i64 = castScalar(b, loc, v, b.getI64Type(), isUnsigned, false);
  Value idx = b.create<arith::IndexCastOp>(loc, b.getIndexType(), i64);
  Value neg = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, idx,
                                      indexConst(b, loc, 0));
  Value wrapped = b.create<arith::AddIOp>(loc, idx, size);
  Value r = b.create<arith::SelectOp>(loc, neg, wrapped, idx);
  // Out-of-range indices are invalid in ONNX; clamp so they cannot read
  // outside the tensor.
  Value hi = b.create<arith::SubIOp>(loc, size, indexConst(b, loc, 1));
  r = b.create<arith::MinSIOp>(loc, r, hi);
  return b.create<arith::MaxSIOp>(loc, r, indexConst(b, loc, 0));
}

struct GatherLowering : public OpConversionPattern<GatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GatherOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = resultTypeOf(op);
    auto dataType = llvm::dyn_cast<RankedTensorType>(a.getData().getType());
    auto idxType = llvm::dyn_cast<RankedTensorType>(a.getIndices().getType());
    if (!type || !dataType || !idxType)
      return failure();
    auto axisOr = normalizeAxis(op.getAxis(), dataType.getRank());
    if (!axisOr)
      return failure();
    int64_t axis = *axisOr, q = idxType.getRank(), r = dataType.getRank();
    Location loc = op.getLoc();
    auto dataSizes = tensorSizes(rw, loc, a.getData());
    auto idxSizes = tensorSizes(rw, loc, a.getIndices());
    SmallVector<OpFoldResult> sizes(dataSizes.begin(), dataSizes.begin() + axis);
    sizes.append(idxSizes.begin(), idxSizes.end());
    sizes.append(dataSizes.begin() + axis + 1, dataSizes.end());
    int64_t rank = type.getRank();
    MLIRContext *ctx = rw.getContext();
    SmallVector<AffineExpr> idxExprs;
    for (int64_t j = 0; j < q; ++j)
      idxExprs.push_back(getAffineDimExpr(axis + j, ctx));
    SmallVector<AffineMap> maps{AffineMap::get(rank, 0, idxExprs, ctx),
                                AffineMap::getMultiDimIdentityMap(rank, ctx)};
    Value init = emptyTensor(rw, loc, type, sizes);
    Value data = a.getData();
    Value axisSize = toIndex(rw, loc, dataSizes[axis]);
    bool idxUnsigned = isUnsignedInt(llvm::cast<ShapedType>(op.getIndices().getType()).getElementType());
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    auto g = rw.create<linalg::GenericOp>(
        loc, TypeRange{type}, ValueRange{a.getIndices()}, ValueRange{init}, maps, iters,
        [&](OpBuilder &b, Location l, ValueRange args) {
          SmallVector<Value> at;
          for (int64_t d = 0; d < axis; ++d)
            at.push_back(b.create<linalg::IndexOp>(l, d));
          at.push_back(wrapIndex(b, l, args[0], axisSize, idxUnsigned));
          for (int64_t d = axis + 1; d < r; ++d)
            at.push_back(b.create<linalg::IndexOp>(l, d - 1 + q));
          b.create<linalg::YieldOp>(l, b.create<tensor::ExtractOp>(l, data, at).getResult());
        });
    rw.replaceOp(op, g.getResult(0));
    return success();
  }
};

/// GatherElements: out[i] = data[i with i[axis] = indices[i]].
struct GatherElementsLowering : public OpConversionPattern<GatherElementsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GatherElementsOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = resultTypeOf(op);
    auto dataType = llvm::dyn_cast<RankedTensorType>(a.getData().getType());
    if (!type || !dataType)
      return failure();
    auto axisOr = normalizeAxis(op.getAxis(), dataType.getRank());
    if (!axisOr)
      return failure();
    int64_t axis = *axisOr, rank = type.getRank();
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    auto id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    Value init = emptyTensor(rw, loc, type, tensorSizes(rw, loc, a.getIndices()));
    Value data = a.getData();
    Value axisSize = rw.create<tensor::DimOp>(loc, data, axis);
    bool idxUnsigned = isUnsignedInt(llvm::cast<ShapedType>(op.getIndices().getType()).getElementType());
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    auto g = rw.create<linalg::GenericOp>(
        loc, TypeRange{type}, ValueRange{a.getIndices()}, ValueRange{init},
        SmallVector<AffineMap>{id, id}, iters, [&](OpBuilder &b, Location l, ValueRange args) {
          SmallVector<Value> at;
          for (int64_t d = 0; d < rank; ++d)
            at.push_back(d == axis ? wrapIndex(b, l, args[0], axisSize, idxUnsigned)
                                   : b.create<linalg::IndexOp>(l, d).getResult());
          b.create<linalg::YieldOp>(l, b.create<tensor::ExtractOp>(l, data, at).getResult());
        });
    rw.replaceOp(op, g.getResult(0));
    return success();
  }
};

/// Expand: broadcast to the result shape.
struct ExpandLowering : public OpConversionPattern<ExpandOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ExpandOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = resultTypeOf(op);
    if (!type || !llvm::isa<RankedTensorType>(a.getInput().getType()))
      return failure();
    auto inType = llvm::cast<RankedTensorType>(a.getInput().getType());
    Location loc = op.getLoc();
    int64_t rank = type.getRank(), off = rank - inType.getRank();
    if (off < 0)
      return failure();
    auto shapeType = llvm::dyn_cast<RankedTensorType>(a.getShape().getType());
    if (type.hasStaticShape() || !shapeType || !shapeType.hasStaticShape() ||
        shapeType.getDimSize(0) != rank) {
      // Static result, or dynamic dims that come from the input itself.
      for (int64_t i = 0; i < rank; ++i)
        if (type.isDynamicDim(i) && (i < off || !inType.isDynamicDim(i - off)))
          return failure();
      rw.replaceOp(op, buildElementwise(rw, loc, type, {a.getInput()},
                                        [](OpBuilder &, Location, ValueRange v) { return v[0]; }));
      return success();
    }
    // Run-time shape: out dim = max(shape[i], in dim) (one of them is 1);
    // the input is read at index 0 where its dim is 1.
    auto in = tensorSizes(rw, loc, a.getInput());
    SmallVector<OpFoldResult> sizes;
    for (int64_t i = 0; i < rank; ++i) {
      if (!type.isDynamicDim(i)) {
        sizes.push_back(rw.getIndexAttr(type.getDimSize(i)));
        continue;
      }
      Value v = rw.create<tensor::ExtractOp>(loc, a.getShape(), ValueRange{indexConst(rw, loc, i)});
      v = rw.create<arith::IndexCastOp>(loc, rw.getIndexType(), v);
      if (i >= off)
        v = rw.create<arith::MaxSIOp>(loc, v, toIndex(rw, loc, in[i - off]));
      sizes.push_back(v);
    }
    Value input = a.getInput();
    rw.replaceOp(op, buildIndexGeneric(rw, loc, type, sizes,
                                       [&](OpBuilder &b, Location l, ValueRange ivs) -> Value {
                                         SmallVector<Value> idx;
                                         Value zero = indexConst(b, l, 0), one = indexConst(b, l, 1);
                                         for (int64_t i = 0; i < inType.getRank(); ++i) {
                                           Value d = toIndex(b, l, in[i]);
                                           Value isOne = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, d, one);
                                           idx.push_back(b.create<arith::SelectOp>(l, isOne, zero, ivs[i + off]));
                                         }
                                         return b.create<tensor::ExtractOp>(l, input, idx);
                                       }));
    return success();
  }
};

/// Tile: out[i] = in[i mod size].
struct TileLowering : public OpConversionPattern<TileOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TileOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = resultTypeOf(op);
    if (!type || !type.hasStaticShape())
      return failure();
    Location loc = op.getLoc();
    Value in = a.getInput();
    auto inSizes = tensorSizes(rw, loc, in);
    SmallVector<OpFoldResult> sizes = tensorSizes(rw, loc, in); // unused for static
    rw.replaceOp(op, buildIndexGeneric(rw, loc, type, sizes,
                                       [&](OpBuilder &b, Location l, ValueRange ivs) {
                                         SmallVector<Value> at;
                                         for (auto [iv, s] : llvm::zip(ivs, inSizes))
                                           at.push_back(b.create<arith::RemUIOp>(
                                               l, iv, toIndex(b, l, s)));
                                         return b.create<tensor::ExtractOp>(l, in, at);
                                       }));
    return success();
  }
};

/// Trilu: keep elements on and above (upper) or below (lower) diagonal k.
struct TriluLowering : public OpConversionPattern<TriluOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TriluOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = resultTypeOf(op);
    if (!type || type.getRank() < 2)
      return failure();
    int64_t k = 0;
    if (!llvm::isa<NoneType>(op.getK().getType())) {
      auto kv = constantInts(op.getK());
      if (!kv || kv->size() != 1)
        return failure();
      k = (*kv)[0];
    }
    bool upper = op.getUpper() != 0;
    Location loc = op.getLoc();
    Value in = a.getInput();
    int64_t rank = type.getRank();
    Type et = type.getElementType();
    auto id = AffineMap::getMultiDimIdentityMap(rank, rw.getContext());
    Value init = emptyTensor(rw, loc, type, tensorSizes(rw, loc, in));
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    auto g = rw.create<linalg::GenericOp>(
        loc, TypeRange{type}, ValueRange{in}, ValueRange{init},
        SmallVector<AffineMap>{id, id}, iters, [&](OpBuilder &b, Location l, ValueRange args) {
          Value i = b.create<linalg::IndexOp>(l, rank - 2);
          Value j = b.create<linalg::IndexOp>(l, rank - 1);
          // keep if j - i >= k (upper) / j - i <= k (lower)
          Value diff = b.create<arith::SubIOp>(l, j, i);
          Value kk = indexConst(b, l, k);
          Value keep = b.create<arith::CmpIOp>(
              l, upper ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sle, diff, kk);
          b.create<linalg::YieldOp>(
              l, b.create<arith::SelectOp>(l, keep, args[0], scalarConstant(b, l, et, 0))
                     .getResult());
        });
    rw.replaceOp(op, g.getResult(0));
    return success();
  }
};

struct ShapeLowering : public OpConversionPattern<ShapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ShapeOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = resultTypeOf(op);
    auto inType = llvm::dyn_cast<RankedTensorType>(a.getData().getType());
    if (!type || !inType || !type.hasStaticShape())
      return failure();
    int64_t rank = inType.getRank();
    int64_t start = op.getStart(), end = op.getEnd() ? *op.getEnd() : rank;
    if (start < 0) start += rank;
    if (end < 0) end += rank;
    start = std::clamp<int64_t>(start, 0, rank);
    end = std::clamp<int64_t>(end, 0, rank);
    Location loc = op.getLoc();
    SmallVector<Value> dims;
    for (int64_t i = start; i < end; ++i) {
      Value d = rw.create<tensor::DimOp>(loc, a.getData(), i);
      dims.push_back(rw.create<arith::IndexCastOp>(loc, type.getElementType(), d));
    }
    if (static_cast<int64_t>(dims.size()) != type.getDimSize(0))
      return failure();
    rw.replaceOpWithNewOp<tensor::FromElementsOp>(op, type, dims);
    return success();
  }
};

struct SizeLowering : public OpConversionPattern<SizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SizeOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = resultTypeOf(op);
    if (!type || !llvm::isa<RankedTensorType>(a.getData().getType()))
      return failure();
    Location loc = op.getLoc();
    auto sizes = tensorSizes(rw, loc, a.getData());
    Value n = product(rw, loc, sizes, 0, sizes.size());
    Value v = rw.create<arith::IndexCastOp>(loc, type.getElementType(), n);
    rw.replaceOpWithNewOp<tensor::FromElementsOp>(op, type, ValueRange{v});
    return success();
  }
};

struct ConstantOfShapeLowering : public OpConversionPattern<ConstantOfShapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ConstantOfShapeOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = resultTypeOf(op);
    if (!type)
      return failure();
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> sizes;
    for (int64_t i = 0; i < type.getRank(); ++i) {
      if (!type.isDynamicDim(i)) {
        sizes.push_back(rw.getIndexAttr(type.getDimSize(i)));
        continue;
      }
      Value v = rw.create<tensor::ExtractOp>(loc, a.getInput(), ValueRange{indexConst(rw, loc, i)});
      sizes.push_back(rw.create<arith::IndexCastOp>(loc, rw.getIndexType(), v).getResult());
    }
    Type et = type.getElementType();
    Value v;
    if (auto attr = op.getValueAttr()) {
      auto dense = llvm::dyn_cast<DenseElementsAttr>(attr);
      if (!dense || dense.getNumElements() != 1)
        return failure();
      if (llvm::isa<FloatType>(et))
        v = scalarConstant(rw, op.getLoc(), et,
                           (*dense.getValues<APFloat>().begin()).convertToDouble());
      else
        v = rw.create<arith::ConstantOp>(
            op.getLoc(), rw.getIntegerAttr(et, *dense.getValues<APInt>().begin()));
    } else {
      v = scalarConstant(rw, op.getLoc(), et, 0.0);
    }
    rw.replaceOp(op, filledTensor(rw, op.getLoc(), type, sizes, v));
    return success();
  }
};

struct RangeLowering : public OpConversionPattern<RangeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(RangeOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = resultTypeOf(op);
    if (!type || type.getRank() != 1)
      return failure();
    Location loc = op.getLoc();
    Type et = type.getElementType();
    bool isFloat = llvm::isa<FloatType>(et);
    Value start = rw.create<tensor::ExtractOp>(loc, a.getStart(), ValueRange{});
    Value delta = rw.create<tensor::ExtractOp>(loc, a.getDelta(), ValueRange{});
    SmallVector<OpFoldResult> sizes{rw.getIndexAttr(type.getDimSize(0))};
    if (type.isDynamicDim(0)) {
      // n = max(ceil((limit - start) / delta), 0), computed in f64.
      Value limit = rw.create<tensor::ExtractOp>(loc, a.getLimit(), ValueRange{});
      Type f64 = rw.getF64Type();
      auto f = [&](Value v) { return castScalar(rw, loc, v, f64, false, false); };
      Value q = rw.create<arith::DivFOp>(
          loc, rw.create<arith::SubFOp>(loc, f(limit), f(start)), f(delta));
      Value c = rw.create<math::CeilOp>(loc, q);
      c = rw.create<arith::MaximumFOp>(loc, c, scalarConstant(rw, loc, f64, 0));
      Value n = rw.create<arith::FPToSIOp>(loc, rw.getI64Type(), c);
      sizes[0] = rw.create<arith::IndexCastOp>(loc, rw.getIndexType(), n).getResult();
    }
    rw.replaceOp(op, buildIndexGeneric(rw, loc, type, sizes,
                                       [&](OpBuilder &b, Location l, ValueRange ivs) -> Value {
                                         Value i = b.create<arith::IndexCastOp>(l, b.getI64Type(), ivs[0]);
                                         Value iv = castScalar(b, l, i, et, false, false);
                                         Value step = isFloat ? Value(b.create<arith::MulFOp>(l, iv, delta))
                                                              : Value(b.create<arith::MulIOp>(l, iv, delta));
                                         return isFloat ? Value(b.create<arith::AddFOp>(l, start, step))
                                                        : Value(b.create<arith::AddIOp>(l, start, step));
                                       }));
    return success();
  }
};

/// Inference Dropout: the input, and an all-true mask.
struct DropoutLowering : public OpConversionPattern<DropoutOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(DropoutOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    // Training mode (random masks) is not compiled; inference is the identity.
    if (!llvm::isa<NoneType>(op.getTrainingMode().getType())) {
      auto mode = constantInts(op.getTrainingMode());
      if (!mode || mode->size() != 1 || (*mode)[0] != 0)
        return failure();
    }
    SmallVector<Value> results{a.getData()};
    if (op.getNumResults() > 1) {
      RankedTensorType maskType = resultTypeOf(op, 1);
      if (!maskType)
        return failure();
      Value t = scalarConstant(rw, op.getLoc(), maskType.getElementType(), 1);
      results.push_back(filledTensor(rw, op.getLoc(), maskType,
                                     tensorSizes(rw, op.getLoc(), a.getData()), t));
    }
    if (op->getResult(0).getType() != op.getData().getType())
      return failure();
    rw.replaceOp(op, results);
    return success();
  }
};

struct EyeLikeLowering : public OpConversionPattern<EyeLikeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(EyeLikeOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = resultTypeOf(op);
    if (!type || type.getRank() != 2)
      return failure();
    int64_t k = op.getK();
    Type et = type.getElementType();
    Location loc = op.getLoc();
    rw.replaceOp(op, buildIndexGeneric(rw, loc, type, tensorSizes(rw, loc, a.getInput()),
                                       [&](OpBuilder &b, Location l, ValueRange ivs) -> Value {
                                         Value d = b.create<arith::SubIOp>(l, ivs[1], ivs[0]);
                                         Value on = b.create<arith::CmpIOp>(
                                             l, arith::CmpIPredicate::eq, d, indexConst(b, l, k));
                                         return b.create<arith::SelectOp>(
                                             l, on, scalarConstant(b, l, et, 1),
                                             scalarConstant(b, l, et, 0));
                                       }));
    return success();
  }
};

} // namespace

void populateShapePatterns(TypeConverter &tc, RewritePatternSet &patterns) {
  patterns.add<ReshapeLowering, FlattenLowering, SameDimsReshapeLowering<SqueezeOp>,
               SameDimsReshapeLowering<UnsqueezeOp>, TransposeLowering, ConcatLowering,
               SliceLowering, SplitLowering, GatherLowering, GatherElementsLowering,
               ExpandLowering, TileLowering, TriluLowering, ShapeLowering, SizeLowering,
               ConstantOfShapeLowering, RangeLowering, DropoutLowering, EyeLikeLowering>(
      tc, patterns.getContext());
}

} // namespace txc::lowering
