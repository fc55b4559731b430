//===- Reduction.cpp - txc reductions, softmax and norms -> linalg --------===//
//
// Every reduction is a linalg.generic with reduction iterators over the
// reduced axes into an accumulator tensor without them, optionally preceded
// by an elementwise map (abs, square, exp) and followed by one (mean, sqrt,
// log); keepdims reshapes the result (a view). Softmax, LogSoftmax,
// LayerNormalization and RMSNormalization are two or three such passes (max
// and sum, or mean and variance) plus one elementwise pass that the fusion
// merges with its neighbours. Float16/bfloat16 inputs accumulate in f32.
//
//===----------------------------------------------------------------------===//

#include "codegen/lowering/LoweringCommon.h"

#include "ir/TxcDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;

namespace txc::lowering {
namespace {

using Combine = std::function<Value(OpBuilder &, Location, Value acc, Value x)>;
using Map = std::function<Value(OpBuilder &, Location, Value x)>;

/// The accumulation type: f32 for 16-bit floats, else the element type.
Type accumulatorType(Type et) {
  if (et.isF16() || et.isBF16())
    return Float32Type::get(et.getContext());
  return et;
}

/// Reduces `input` over the sorted, unique `axes` into a tensor of the other
/// dims, starting from `init` (of type accType): acc = combine(acc, pre(x)).
Value reduceAxes(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes,
                 Type accType, Value init, const Map &pre, const Combine &combine) {
  auto inType = llvm::cast<RankedTensorType>(input.getType());
  int64_t rank = inType.getRank();
  MLIRContext *ctx = b.getContext();
  auto sizes = tensorSizes(b, loc, input);
  SmallVector<int64_t> outShape;
  SmallVector<OpFoldResult> outSizes;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iters;
  for (int64_t d = 0; d < rank; ++d) {
    bool reduced = llvm::is_contained(axes, d);
    iters.push_back(reduced ? utils::IteratorType::reduction : utils::IteratorType::parallel);
    if (reduced)
      continue;
    outShape.push_back(inType.getDimSize(d));
    outSizes.push_back(sizes[d]);
    outExprs.push_back(getAffineDimExpr(d, ctx));
  }
  auto outType = RankedTensorType::get(outShape, accType);
  Value acc = filledTensor(b, loc, outType, outSizes, init);
  SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(rank, ctx),
                              AffineMap::get(rank, 0, outExprs, ctx)};
  auto g = b.create<linalg::GenericOp>(
      loc, TypeRange{outType}, ValueRange{input}, ValueRange{acc}, maps, iters,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value x = pre ? pre(nb, l, args[0]) : args[0];
        nb.create<linalg::YieldOp>(l, combine(nb, l, args[1], x));
      });
  return g.getResult(0);
}

/// The map reading a tensor reduced over `axes` within the full iteration
/// space of rank `rank`.
AffineMap droppedAxesMap(int64_t rank, ArrayRef<int64_t> axes, MLIRContext *ctx) {
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < rank; ++d)
    if (!llvm::is_contained(axes, d))
      exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

double lowest(Type t) {
  if (llvm::isa<FloatType>(t))
    return -std::numeric_limits<double>::infinity();
  unsigned w = t.getIntOrFloatBitWidth();
  return w >= 64 ? static_cast<double>(std::numeric_limits<int64_t>::min())
                 : -std::ldexp(1.0, w - 1);
}
double highest(Type t, bool isUnsigned) {
  if (llvm::isa<FloatType>(t))
    return std::numeric_limits<double>::infinity();
  unsigned w = t.getIntOrFloatBitWidth();
  if (isUnsigned)
    return -1; // all ones
  return w >= 64 ? static_cast<double>(std::numeric_limits<int64_t>::max())
                 : std::ldexp(1.0, w - 1) - 1;
}

Value add(OpBuilder &b, Location l, Value x, Value y) {
  if (llvm::isa<FloatType>(x.getType()))
    return b.create<arith::AddFOp>(l, x, y);
  return b.create<arith::AddIOp>(l, x, y);
}
Value mul(OpBuilder &b, Location l, Value x, Value y) {
  if (llvm::isa<FloatType>(x.getType()))
    return b.create<arith::MulFOp>(l, x, y);
  return b.create<arith::MulIOp>(l, x, y);
}

/// The reduced axes of a Reduce* op: the constant `axes` operand, or all
/// axes (none when noop_with_empty_axes). nullopt if not constant.
std::optional<SmallVector<int64_t>> reduceAxesOf(Operation *op, Value axesOperand,
                                                 int64_t rank, bool noopWithEmpty) {
  SmallVector<int64_t> axes;
  auto axesType = llvm::dyn_cast<RankedTensorType>(axesOperand.getType());
  bool emptyByType = axesType && axesType.hasStaticShape() && axesType.getNumElements() == 0;
  if (!llvm::isa<NoneType>(axesOperand.getType()) && !emptyByType) {
    auto c = constantInts(axesOperand);
    if (!c)
      return std::nullopt;
    axes = *c;
  }
  if (axes.empty()) {
    if (noopWithEmpty)
      return axes;
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
    return axes;
  }
  for (int64_t &a : axes) {
    auto n = normalizeAxis(a, rank);
    if (!n)
      return std::nullopt;
    a = *n;
  }
  llvm::sort(axes);
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return axes;
}

enum class ReduceKind { Sum, Mean, Max, Min, Prod, L1, L2, LogSum, LogSumExp, SumSquare };

/// All ReduceX ops.
class ReduceLowering : public ConversionPattern {
public:
  ReduceLowering(TypeConverter &tc, MLIRContext *ctx, StringRef name, ReduceKind kind)
      : ConversionPattern(tc, name, 1, ctx), kind_(kind) {}

  LogicalResult matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op->getResult(0).getType());
    auto inType = llvm::dyn_cast<RankedTensorType>(operands[0].getType());
    if (!type || !inType)
      return failure();
    Type origElem = llvm::cast<ShapedType>(op->getOperand(0).getType()).getElementType();
    bool isUnsigned = isUnsignedInt(origElem);
    bool noop = llvm::cast<IntegerAttr>(op->getAttr("noop_with_empty_axes")).getInt() != 0;
    auto axes = reduceAxesOf(op, op->getOperand(1), inType.getRank(), noop);
    if (!axes)
      return failure();
    Location loc = op->getLoc();
    Value input = operands[0];
    Type et = inType.getElementType();
    bool isFloat = llvm::isa<FloatType>(et);
    if (!isFloat && (kind_ == ReduceKind::L2 || kind_ == ReduceKind::LogSum ||
                     kind_ == ReduceKind::LogSumExp || kind_ == ReduceKind::Mean))
      return failure();
    if (axes->empty()) {
      // noop_with_empty_axes: the input (with the elementwise part applied).
      if (kind_ != ReduceKind::Sum && kind_ != ReduceKind::Mean &&
          kind_ != ReduceKind::Max && kind_ != ReduceKind::Min &&
          kind_ != ReduceKind::Prod)
        return failure();
      rw.replaceOp(op, buildElementwise(rw, loc, type, {input},
                                        [](OpBuilder &, Location, ValueRange v) { return v[0]; }));
      return success();
    }
    Type acc = accumulatorType(et);
    auto toAcc = [&](OpBuilder &b, Location l, Value x) {
      return castScalar(b, l, x, acc, false, false);
    };
    Value result;
    auto sum = [](OpBuilder &b, Location l, Value a, Value x) { return add(b, l, a, x); };
    Value zero = scalarConstant(rw, loc, acc, 0);
    switch (kind_) {
    case ReduceKind::Sum:
    case ReduceKind::Mean:
      result = reduceAxes(rw, loc, input, *axes, acc, zero, toAcc, sum);
      break;
    case ReduceKind::SumSquare:
      result = reduceAxes(rw, loc, input, *axes, acc, zero,
                          [&](OpBuilder &b, Location l, Value x) {
                            x = toAcc(b, l, x);
                            return mul(b, l, x, x);
                          }, sum);
      break;
    case ReduceKind::L1:
      result = reduceAxes(rw, loc, input, *axes, acc, zero,
                          [&](OpBuilder &b, Location l, Value x) -> Value {
                            x = toAcc(b, l, x);
                            if (isFloat)
                              return b.create<math::AbsFOp>(l, x);
                            return isUnsigned ? x : Value(b.create<math::AbsIOp>(l, x));
                          }, sum);
      break;
    case ReduceKind::L2:
      result = reduceAxes(rw, loc, input, *axes, acc, zero,
                          [&](OpBuilder &b, Location l, Value x) {
                            x = toAcc(b, l, x);
                            return mul(b, l, x, x);
                          }, sum);
      break;
    case ReduceKind::LogSum:
      result = reduceAxes(rw, loc, input, *axes, acc, zero, toAcc, sum);
      break;
    case ReduceKind::Prod:
      result = reduceAxes(rw, loc, input, *axes, acc, scalarConstant(rw, loc, acc, 1),
                          toAcc, [](OpBuilder &b, Location l, Value a, Value x) {
                            return mul(b, l, a, x);
                          });
      break;
    case ReduceKind::Max:
    case ReduceKind::Min: {
      bool isMax = kind_ == ReduceKind::Max;
      Value init = isMax ? scalarConstant(rw, loc, acc, isUnsigned ? 0 : lowest(acc))
                         : scalarConstant(rw, loc, acc, highest(acc, isUnsigned));
      result = reduceAxes(rw, loc, input, *axes, acc, init, toAcc,
                          [&](OpBuilder &b, Location l, Value a, Value x) -> Value {
                            if (isFloat)
                              return isMax ? Value(b.create<arith::MaximumFOp>(l, a, x))
                                           : Value(b.create<arith::MinimumFOp>(l, a, x));
                            if (isUnsigned)
                              return isMax ? Value(b.create<arith::MaxUIOp>(l, a, x))
                                           : Value(b.create<arith::MinUIOp>(l, a, x));
                            return isMax ? Value(b.create<arith::MaxSIOp>(l, a, x))
                                         : Value(b.create<arith::MinSIOp>(l, a, x));
                          });
      break;
    }
    case ReduceKind::LogSumExp: {
      // log(sum(exp(x - max))) + max, stable for large inputs.
      Value m = reduceAxes(rw, loc, input, *axes, acc, scalarConstant(rw, loc, acc, lowest(acc)),
                           toAcc, [](OpBuilder &b, Location l, Value a, Value x) {
                             return b.create<arith::MaximumFOp>(l, a, x);
                           });
      int64_t rank = inType.getRank();
      MLIRContext *ctx = rw.getContext();
      auto fullType = RankedTensorType::get(inType.getShape(), acc);
      Value shifted = buildMappedGeneric(
          rw, loc, fullType, tensorSizes(rw, loc, input), ValueRange{input, m},
          {AffineMap::getMultiDimIdentityMap(rank, ctx), droppedAxesMap(rank, *axes, ctx)},
          [&](OpBuilder &b, Location l, ValueRange v) -> Value {
            Value x = toAcc(b, l, v[0]);
            // A row of -inf stays -inf (exp(-inf - -inf) would be NaN).
            Value isInf = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OEQ, v[1],
                                                  scalarConstant(b, l, acc, lowest(acc)));
            Value mm = b.create<arith::SelectOp>(l, isInf, scalarConstant(b, l, acc, 0), v[1]);
            return b.create<math::ExpOp>(l, b.create<arith::SubFOp>(l, x, mm));
          });
      Value s = reduceAxes(rw, loc, shifted, *axes, acc, zero, nullptr, sum);
      auto rType = llvm::cast<RankedTensorType>(s.getType());
      result = buildElementwise(rw, loc, rType, {s, m},
                                [&](OpBuilder &b, Location l, ValueRange v) -> Value {
                                  Value isInf = b.create<arith::CmpFOp>(
                                      l, arith::CmpFPredicate::OEQ, v[1],
                                      scalarConstant(b, l, acc, lowest(acc)));
                                  Value mm = b.create<arith::SelectOp>(
                                      l, isInf, scalarConstant(b, l, acc, 0), v[1]);
                                  return b.create<arith::AddFOp>(
                                      l, b.create<math::LogOp>(l, v[0]), mm);
                                });
      break;
    }
    }
    // Post-processing, then the result element type.
    auto rType = llvm::cast<RankedTensorType>(result.getType());
    int64_t count = 1;
    bool countStatic = true;
    for (int64_t a : *axes) {
      if (inType.isDynamicDim(a))
        countStatic = false;
      else
        count *= inType.getDimSize(a);
    }
    if (kind_ == ReduceKind::Mean && !countStatic)
      return failure();
    auto outType = RankedTensorType::get(rType.getShape(), type.getElementType());
    ReduceKind kind = kind_;
    result = buildElementwise(rw, loc, outType, {result},
                              [&](OpBuilder &b, Location l, ValueRange v) -> Value {
                                Value x = v[0];
                                if (kind == ReduceKind::Mean)
                                  x = b.create<arith::DivFOp>(
                                      l, x, scalarConstant(b, l, acc, static_cast<double>(count)));
                                else if (kind == ReduceKind::L2)
                                  x = b.create<math::SqrtOp>(l, x);
                                else if (kind == ReduceKind::LogSum)
                                  x = b.create<math::LogOp>(l, x);
                                return castScalar(b, l, x, outType.getElementType(), false,
                                                  isUnsigned);
                              });
    // keepdims (or not): reshape to the op's result type.
    SmallVector<OpFoldResult> kept = tensorSizes(rw, loc, result);
    SmallVector<OpFoldResult> sizes;
    size_t next = 0;
    bool keep = type.getRank() == inType.getRank();
    for (int64_t d = 0; d < inType.getRank(); ++d) {
      bool reduced = llvm::is_contained(*axes, d);
      if (reduced && keep)
        sizes.push_back(rw.getIndexAttr(1));
      else if (!reduced)
        sizes.push_back(kept[next++]);
    }
    rw.replaceOp(op, reshapeTo(rw, loc, result, type, sizes));
    return success();
  }

private:
  ReduceKind kind_;
};

/// Softmax / LogSoftmax over one axis: max, sum of exp(x - max), then
/// exp(x - max) / sum (or x - max - log(sum)).
template <typename Op, bool Log>
struct SoftmaxLowering : public OpConversionPattern<Op> {
  using OpConversionPattern<Op>::OpConversionPattern;
  LogicalResult matchAndRewrite(Op op, typename Op::Adaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    auto inType = llvm::dyn_cast<RankedTensorType>(a.getInput().getType());
    if (!type || !inType || !llvm::isa<FloatType>(inType.getElementType()))
      return failure();
    int64_t rank = inType.getRank();
    auto axisOr = normalizeAxis(op.getAxis(), rank);
    if (!axisOr)
      return failure();
    SmallVector<int64_t> axes{*axisOr};
    Location loc = op.getLoc();
    Value x = a.getInput();
    Type acc = accumulatorType(inType.getElementType());
    auto toAcc = [&](OpBuilder &b, Location l, Value v) {
      return castScalar(b, l, v, acc, false, false);
    };
    Value m = reduceAxes(rw, loc, x, axes, acc, scalarConstant(rw, loc, acc, lowest(acc)),
                         toAcc, [](OpBuilder &b, Location l, Value acc, Value v) {
                           return b.create<arith::MaximumFOp>(l, acc, v);
                         });
    MLIRContext *ctx = rw.getContext();
    auto id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    auto drop = droppedAxesMap(rank, axes, ctx);
    auto sizes = tensorSizes(rw, loc, x);
    // sum of exp(x - max), in one reduction generic reading x and max.
    auto outType = llvm::cast<RankedTensorType>(m.getType());
    SmallVector<OpFoldResult> outSizes;
    for (int64_t d = 0; d < rank; ++d)
      if (d != *axisOr)
        outSizes.push_back(sizes[d]);
    Value init = filledTensor(rw, loc, outType, outSizes, scalarConstant(rw, loc, acc, 0));
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    iters[*axisOr] = utils::IteratorType::reduction;
    auto sumOp = rw.create<linalg::GenericOp>(
        loc, TypeRange{outType}, ValueRange{x, m}, ValueRange{init},
        SmallVector<AffineMap>{id, drop, drop}, iters,
        [&](OpBuilder &b, Location l, ValueRange v) {
          Value e = b.create<math::ExpOp>(l, b.create<arith::SubFOp>(l, toAcc(b, l, v[0]), v[1]));
          b.create<linalg::YieldOp>(l, b.create<arith::AddFOp>(l, v[2], e).getResult());
        });
    Value s = sumOp.getResult(0);
    Value y = buildMappedGeneric(
        rw, loc, type, sizes, ValueRange{x, m, s}, {id, drop, drop},
        [&](OpBuilder &b, Location l, ValueRange v) -> Value {
          Value d = b.create<arith::SubFOp>(l, toAcc(b, l, v[0]), v[1]);
          Value r = Log ? Value(b.create<arith::SubFOp>(l, d, b.create<math::LogOp>(l, v[2])))
                        : Value(b.create<arith::DivFOp>(l, b.create<math::ExpOp>(l, d), v[2]));
          return castScalar(b, l, r, type.getElementType(), false, false);
        });
    rw.replaceOp(op, y);
    return success();
  }
};

/// ArgMax / ArgMin over one axis: a two-output reduction (value, index).
template <typename Op, bool IsMax>
struct ArgReduceLowering : public OpConversionPattern<Op> {
  using OpConversionPattern<Op>::OpConversionPattern;
  LogicalResult matchAndRewrite(Op op, typename Op::Adaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    auto inType = llvm::dyn_cast<RankedTensorType>(a.getData().getType());
    if (!type || !inType)
      return failure();
    int64_t rank = inType.getRank();
    auto axisOr = normalizeAxis(op.getAxis(), rank);
    if (!axisOr)
      return failure();
    int64_t axis = *axisOr;
    Type et = inType.getElementType();
    bool isFloat = llvm::isa<FloatType>(et);
    bool isUnsigned = isUnsignedInt(llvm::cast<ShapedType>(op.getData().getType()).getElementType());
    bool last = op.getSelectLastIndex() != 0;
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    auto sizes = tensorSizes(rw, loc, a.getData());
    SmallVector<int64_t> shape;
    SmallVector<OpFoldResult> outSizes;
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis) {
        shape.push_back(inType.getDimSize(d));
        outSizes.push_back(sizes[d]);
      }
    auto valType = RankedTensorType::get(shape, et);
    auto idxType = RankedTensorType::get(shape, rw.getI64Type());
    double initV = IsMax ? (isUnsigned ? 0 : lowest(et)) : highest(et, isUnsigned);
    Value vals = filledTensor(rw, loc, valType, outSizes, scalarConstant(rw, loc, et, initV));
    Value idxs = filledTensor(rw, loc, idxType, outSizes, scalarConstant(rw, loc, rw.getI64Type(), 0));
    auto drop = droppedAxesMap(rank, {axis}, ctx);
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    iters[axis] = utils::IteratorType::reduction;
    auto g = rw.create<linalg::GenericOp>(
        loc, TypeRange{valType, idxType}, ValueRange{a.getData()}, ValueRange{vals, idxs},
        SmallVector<AffineMap>{AffineMap::getMultiDimIdentityMap(rank, ctx), drop, drop},
        iters, [&](OpBuilder &b, Location l, ValueRange v) {
          Value x = v[0], best = v[1], bestIdx = v[2];
          Value i = b.create<arith::IndexCastOp>(l, b.getI64Type(),
                                                 b.create<linalg::IndexOp>(l, axis));
          Value better;
          if (isFloat) {
            auto p = IsMax ? (last ? arith::CmpFPredicate::OGE : arith::CmpFPredicate::OGT)
                           : (last ? arith::CmpFPredicate::OLE : arith::CmpFPredicate::OLT);
            better = b.create<arith::CmpFOp>(l, p, x, best);
          } else {
            auto p = IsMax ? (last ? (isUnsigned ? arith::CmpIPredicate::uge : arith::CmpIPredicate::sge)
                                   : (isUnsigned ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt))
                           : (last ? (isUnsigned ? arith::CmpIPredicate::ule : arith::CmpIPredicate::sle)
                                   : (isUnsigned ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt));
            better = b.create<arith::CmpIOp>(l, p, x, best);
          }
          // The first element always initializes (covers all-(-inf) rows).
          Value first = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, i,
                                                scalarConstant(b, l, b.getI64Type(), 0));
          better = b.create<arith::OrIOp>(l, better, first);
          b.create<linalg::YieldOp>(
              l, ValueRange{b.create<arith::SelectOp>(l, better, x, best),
                            b.create<arith::SelectOp>(l, better, i, bestIdx)});
        });
    Value result = g.getResult(1);
    SmallVector<OpFoldResult> rsizes;
    size_t next = 0;
    bool keep = type.getRank() == rank;
    for (int64_t d = 0; d < rank; ++d) {
      if (d == axis) {
        if (keep)
          rsizes.push_back(rw.getIndexAttr(1));
      } else {
        rsizes.push_back(outSizes[next++]);
      }
    }
    rw.replaceOp(op, reshapeTo(rw, loc, result, type, rsizes));
    return success();
  }
};

/// LayerNormalization over axes [axis, rank): mean, variance, normalize,
/// scale and bias; Mean and InvStdDev outputs keep the reduced dims as 1.
struct LayerNormLowering : public OpConversionPattern<LayerNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(LayerNormalizationOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getY().getType());
    auto inType = llvm::dyn_cast<RankedTensorType>(a.getX().getType());
    if (!type || !inType || !llvm::isa<FloatType>(inType.getElementType()))
      return failure();
    int64_t rank = inType.getRank();
    auto axisOr = normalizeAxis(op.getAxis(), rank);
    if (!axisOr)
      return failure();
    SmallVector<int64_t> axes;
    int64_t count = 1;
    for (int64_t d = *axisOr; d < rank; ++d) {
      if (inType.isDynamicDim(d))
        return failure();
      axes.push_back(d);
      count *= inType.getDimSize(d);
    }
    Location loc = op.getLoc();
    Value x = a.getX();
    Type acc = Float32Type::get(rw.getContext());
    if (inType.getElementType().isF64())
      acc = inType.getElementType();
    auto toAcc = [&](OpBuilder &b, Location l, Value v) {
      return castScalar(b, l, v, acc, false, false);
    };
    auto sum = [](OpBuilder &b, Location l, Value s, Value v) { return add(b, l, s, v); };
    Value zero = scalarConstant(rw, loc, acc, 0);
    Value s = reduceAxes(rw, loc, x, axes, acc, zero, toAcc, sum);
    auto redType = llvm::cast<RankedTensorType>(s.getType());
    double n = static_cast<double>(count);
    Value mean = buildElementwise(rw, loc, redType, {s}, [&](OpBuilder &b, Location l, ValueRange v) -> Value {
      return b.create<arith::DivFOp>(l, v[0], scalarConstant(b, l, acc, n));
    });
    MLIRContext *ctx = rw.getContext();
    auto id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    auto drop = droppedAxesMap(rank, axes, ctx);
    SmallVector<OpFoldResult> redSizes = tensorSizes(rw, loc, mean);
    Value init = filledTensor(rw, loc, redType, redSizes, zero);
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    for (int64_t d : axes)
      iters[d] = utils::IteratorType::reduction;
    auto varOp = rw.create<linalg::GenericOp>(
        loc, TypeRange{redType}, ValueRange{x, mean}, ValueRange{init},
        SmallVector<AffineMap>{id, drop, drop}, iters,
        [&](OpBuilder &b, Location l, ValueRange v) {
          Value d = b.create<arith::SubFOp>(l, toAcc(b, l, v[0]), v[1]);
          b.create<linalg::YieldOp>(
              l, b.create<arith::AddFOp>(l, v[2], b.create<arith::MulFOp>(l, d, d)).getResult());
        });
    double eps = op.getEpsilon().convertToDouble();
    Value invStd = buildElementwise(rw, loc, redType, {varOp.getResult(0)},
                                    [&](OpBuilder &b, Location l, ValueRange v) -> Value {
                                      Value var = b.create<arith::DivFOp>(l, v[0], scalarConstant(b, l, acc, n));
                                      return b.create<math::RsqrtOp>(
                                          l, b.create<arith::AddFOp>(l, var, scalarConstant(b, l, acc, eps)));
                                    });
    SmallVector<Value> inputs{x, mean, invStd, a.getScale()};
    SmallVector<AffineMap> maps{id, drop, drop,
                                broadcastMap(llvm::cast<RankedTensorType>(a.getScale().getType()), type)};
    bool hasBias = !llvm::isa<NoneType>(a.getB().getType());
    if (hasBias) {
      inputs.push_back(a.getB());
      maps.push_back(broadcastMap(llvm::cast<RankedTensorType>(a.getB().getType()), type));
    }
    Value y = buildMappedGeneric(rw, loc, type, tensorSizes(rw, loc, x), inputs, maps,
                                 [&](OpBuilder &b, Location l, ValueRange v) -> Value {
                                   Value d = b.create<arith::SubFOp>(l, toAcc(b, l, v[0]), v[1]);
                                   Value r = b.create<arith::MulFOp>(l, d, v[2]);
                                   r = b.create<arith::MulFOp>(l, r, toAcc(b, l, v[3]));
                                   if (hasBias)
                                     r = b.create<arith::AddFOp>(l, r, toAcc(b, l, v[4]));
                                   return castScalar(b, l, r, type.getElementType(), false, false);
                                 });
    SmallVector<Value> results{y};
    for (unsigned i = 1; i < 3; ++i) {
      RankedTensorType st = loweredTensorType(op->getResult(i).getType());
      if (!st)
        return failure();
      Value v = i == 1 ? mean : invStd;
      if (st.getElementType() != acc)
        v = buildElementwise(rw, loc, RankedTensorType::get(redType.getShape(), st.getElementType()),
                             {v}, [&](OpBuilder &b, Location l, ValueRange vv) {
                               return castScalar(b, l, vv[0], st.getElementType(), false, false);
                             });
      SmallVector<OpFoldResult> sizes;
      size_t next = 0;
      for (int64_t d = 0; d < rank; ++d)
        sizes.push_back(d >= *axisOr ? OpFoldResult(rw.getIndexAttr(1)) : redSizes[next++]);
      results.push_back(reshapeTo(rw, loc, v, st, sizes));
    }
    rw.replaceOp(op, results);
    return success();
  }
};

/// RMSNormalization: x * rsqrt(mean(x^2 over [axis, rank)) + eps) * scale.
struct RMSNormLowering : public OpConversionPattern<RMSNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(RMSNormalizationOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    auto inType = llvm::dyn_cast<RankedTensorType>(a.getX().getType());
    if (!type || !inType || !llvm::isa<FloatType>(inType.getElementType()))
      return failure();
    int64_t rank = inType.getRank();
    auto axisOr = normalizeAxis(op.getAxis(), rank);
    if (!axisOr)
      return failure();
    SmallVector<int64_t> axes;
    int64_t count = 1;
    for (int64_t d = *axisOr; d < rank; ++d) {
      if (inType.isDynamicDim(d))
        return failure();
      axes.push_back(d);
      count *= inType.getDimSize(d);
    }
    Location loc = op.getLoc();
    Value x = a.getX();
    Type acc = inType.getElementType().isF64() ? inType.getElementType()
                                               : Type(Float32Type::get(rw.getContext()));
    auto toAcc = [&](OpBuilder &b, Location l, Value v) {
      return castScalar(b, l, v, acc, false, false);
    };
    Value ss = reduceAxes(rw, loc, x, axes, acc, scalarConstant(rw, loc, acc, 0),
                          [&](OpBuilder &b, Location l, Value v) {
                            v = toAcc(b, l, v);
                            return b.create<arith::MulFOp>(l, v, v);
                          },
                          [](OpBuilder &b, Location l, Value s, Value v) { return add(b, l, s, v); });
    double eps = op.getEpsilon().convertToDouble(), n = static_cast<double>(count);
    auto redType = llvm::cast<RankedTensorType>(ss.getType());
    Value inv = buildElementwise(rw, loc, redType, {ss}, [&](OpBuilder &b, Location l, ValueRange v) -> Value {
      Value m = b.create<arith::DivFOp>(l, v[0], scalarConstant(b, l, acc, n));
      return b.create<math::RsqrtOp>(l, b.create<arith::AddFOp>(l, m, scalarConstant(b, l, acc, eps)));
    });
    MLIRContext *ctx = rw.getContext();
    auto id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    Value y = buildMappedGeneric(
        rw, loc, type, tensorSizes(rw, loc, x), ValueRange{x, inv, a.getScale()},
        {id, droppedAxesMap(rank, axes, ctx),
         broadcastMap(llvm::cast<RankedTensorType>(a.getScale().getType()), type)},
        [&](OpBuilder &b, Location l, ValueRange v) -> Value {
          Value r = b.create<arith::MulFOp>(l, toAcc(b, l, v[0]), v[1]);
          r = b.create<arith::MulFOp>(l, r, toAcc(b, l, v[2]));
          return castScalar(b, l, r, type.getElementType(), false, false);
        });
    rw.replaceOp(op, y);
    return success();
  }
};

} // namespace

void populateReductionPatterns(TypeConverter &tc, RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  std::pair<const char *, ReduceKind> reduces[] = {
      {"txc.reduce_sum", ReduceKind::Sum},       {"txc.reduce_mean", ReduceKind::Mean},
      {"txc.reduce_max", ReduceKind::Max},       {"txc.reduce_min", ReduceKind::Min},
      {"txc.reduce_prod", ReduceKind::Prod},     {"txc.reduce_l1", ReduceKind::L1},
      {"txc.reduce_l2", ReduceKind::L2},         {"txc.reduce_log_sum", ReduceKind::LogSum},
      {"txc.reduce_log_sum_exp", ReduceKind::LogSumExp},
      {"txc.reduce_sum_square", ReduceKind::SumSquare}};
  for (auto &[name, kind] : reduces)
    patterns.add<ReduceLowering>(tc, ctx, name, kind);
  patterns.add<SoftmaxLowering<SoftmaxOp, false>, SoftmaxLowering<LogSoftmaxOp, true>,
               ArgReduceLowering<ArgMaxOp, true>, ArgReduceLowering<ArgMinOp, false>,
               LayerNormLowering, RMSNormLowering>(tc, ctx);
}

} // namespace txc::lowering
