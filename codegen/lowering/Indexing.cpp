//===- Indexing.cpp - txc Indexing ops -> linalg ------------------------------------===//
//
// Gathers (GatherND, OneHot, Pad, ReverseSequence) are index generics that
// compute source coordinates from linalg.index and read with tensor.extract
// (clamped so that masked-out lanes stay in bounds). Scatters are a
// sequential scf.for over the updates inserting into the data tensor.
// Scans (CumSum/CumProd), TopK and Hardmax are reduction generics whose body
// masks by comparing indices (quadratic in the scanned axis, branch free).
// Shape-like operands (axis, K, pads, depth) may be runtime values: they are
// read with tensor.extract and fold away when constant. Einsum is one
// contraction generic; the quantization ops are elementwise generics with
// the reference evaluator's rounding (ties to even) and saturation.
//
//===----------------------------------------------------------------------===//

#include "codegen/lowering/LoweringCommon.h"

#include "ir/TxcDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>
#include <limits>
#include <map>

using namespace mlir;

namespace txc::lowering {
namespace {

using Ints = SmallVector<int64_t>;
using IterType = utils::IteratorType;

Type accType(Type et) {
  if (et.isF16() || et.isBF16())
    return Float32Type::get(et.getContext());
  return et;
}

RankedTensorType staticType(Value v) {
  auto t = llvm::dyn_cast<RankedTensorType>(v.getType());
  if (!t || !t.hasStaticShape())
    return nullptr;
  return t;
}

Type origElem(Value v) { return llvm::cast<ShapedType>(v.getType()).getElementType(); }

SmallVector<OpFoldResult> foldSizes(OpBuilder &b, ArrayRef<int64_t> shape) {
  SmallVector<OpFoldResult> s;
  for (int64_t x : shape)
    s.push_back(b.getIndexAttr(x));
  return s;
}

Value cIndex(OpBuilder &b, Location l, int64_t v) { return b.create<arith::ConstantIndexOp>(l, v); }

SmallVector<Value> buildGeneric(OpBuilder &b, Location loc, ValueRange inputs, ValueRange inits,
                                ArrayRef<AffineMap> maps, ArrayRef<IterType> iters,
                                function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> body) {
  SmallVector<Type> types;
  for (Value v : inits)
    types.push_back(v.getType());
  auto g = b.create<linalg::GenericOp>(
      loc, types, inputs, inits, maps, iters,
      [&](OpBuilder &nb, Location l, ValueRange args) { nb.create<linalg::YieldOp>(l, body(nb, l, args)); });
  return SmallVector<Value>(g.getResults().begin(), g.getResults().end());
}

/// The first element of a (small) integer tensor as an index (sign-extended,
/// or zero-extended for unsigned types).
Value scalarIndex(OpBuilder &b, Location l, Value t, bool isUnsigned, int64_t at = 0) {
  auto tt = llvm::cast<RankedTensorType>(t.getType());
  SmallVector<Value> idx(tt.getRank(), cIndex(b, l, 0));
  if (tt.getRank() > 0)
    idx.back() = cIndex(b, l, at);
  Value v = b.create<tensor::ExtractOp>(l, t, idx);
  Type et = v.getType();
  if (llvm::isa<FloatType>(et))
    v = b.create<arith::FPToSIOp>(l, b.getI64Type(), v);
  else if (isUnsigned && !et.isInteger(64))
    v = b.create<arith::ExtUIOp>(l, b.getI64Type(), v);
  return b.create<arith::IndexCastOp>(l, b.getIndexType(), v);
}

/// i in [-dim, dim) -> [0, dim), then clamped into [0, dim - 1].
Value wrapClamp(OpBuilder &b, Location l, Value i, Value dim) {
  Value zero = cIndex(b, l, 0);
  Value neg = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, i, zero);
  Value w = b.create<arith::SelectOp>(l, neg, b.create<arith::AddIOp>(l, i, dim), i);
  w = b.create<arith::MaxSIOp>(l, w, zero);
  return b.create<arith::MinSIOp>(l, w, b.create<arith::SubIOp>(l, dim, cIndex(b, l, 1)));
}

Value clampIndex(OpBuilder &b, Location l, Value i, Value dim) {
  Value w = b.create<arith::MaxSIOp>(l, i, cIndex(b, l, 0));
  return b.create<arith::MinSIOp>(l, w, b.create<arith::SubIOp>(l, dim, cIndex(b, l, 1)));
}

Value toIndex(OpBuilder &b, Location l, Value v, bool isUnsigned) {
  Type et = v.getType();
  if (llvm::isa<FloatType>(et))
    v = b.create<arith::FPToSIOp>(l, b.getI64Type(), v);
  else if (isUnsigned && !et.isInteger(64))
    v = b.create<arith::ExtUIOp>(l, b.getI64Type(), v);
  return b.create<arith::IndexCastOp>(l, b.getIndexType(), v);
}

Value andV(OpBuilder &b, Location l, Value x, Value y) { return b.create<arith::AndIOp>(l, x, y); }
Value cmpI(OpBuilder &b, Location l, arith::CmpIPredicate p, Value x, Value y) {
  return b.create<arith::CmpIOp>(l, p, x, y);
}

Value addV(OpBuilder &b, Location l, Value x, Value y) {
  if (llvm::isa<FloatType>(x.getType()))
    return b.create<arith::AddFOp>(l, x, y);
  return b.create<arith::AddIOp>(l, x, y);
}
Value mulV(OpBuilder &b, Location l, Value x, Value y) {
  if (llvm::isa<FloatType>(x.getType()))
    return b.create<arith::MulFOp>(l, x, y);
  return b.create<arith::MulIOp>(l, x, y);
}

/// Splits a flat index into coordinates of `shape` (row-major).
SmallVector<Value> delinearize(OpBuilder &b, Location l, Value flat, ArrayRef<int64_t> shape) {
  SmallVector<Value> c(shape.size());
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    Value dim = cIndex(b, l, shape[d]);
    c[d] = b.create<arith::RemUIOp>(l, flat, dim);
    flat = b.create<arith::DivUIOp>(l, flat, dim);
  }
  return c;
}

//===----------------------------------------------------------------------===//
// CumSum / CumProd
//===----------------------------------------------------------------------===//

/// y[i] = sum (or product) of x along the axis over j <= i_axis (j < for
/// exclusive; j >= / j > for reverse): a generic with a masked reduction
/// over j. The axis may be a runtime value.
template <typename Op, bool Product>
struct CumulativeLowering : public TxcPattern<Op> {
  using TxcPattern<Op>::TxcPattern;
  LogicalResult matchAndRewrite(Op op, typename Op::Adaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    auto xt = staticType(a.getX());
    auto at = llvm::dyn_cast<RankedTensorType>(a.getAxis().getType());
    if (!type || !xt || type != xt || xt.getRank() < 1 || !at || !at.hasStaticShape() ||
        at.getNumElements() != 1 || !llvm::isa<IntegerType>(at.getElementType()) ||
        xt.getElementType().isInteger(1))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    int64_t r = xt.getRank();
    bool exclusive = op.getExclusive() != 0, reverse = op.getReverse() != 0;
    Type et = xt.getElementType(), acc = accType(et);
    Value axis;
    int64_t maxDim = 0;
    std::optional<int64_t> staticAxis;
    if (auto c = constantInts(op.getAxis())) {
      staticAxis = normalizeAxis((*c)[0], r);
      if (!staticAxis)
        return failure();
      maxDim = xt.getDimSize(*staticAxis);
    } else {
      Value raw = scalarIndex(rw, loc, a.getAxis(), isUnsignedInt(origElem(op.getAxis())));
      Value neg = cmpI(rw, loc, arith::CmpIPredicate::slt, raw, cIndex(rw, loc, 0));
      axis = rw.create<arith::SelectOp>(loc, neg, rw.create<arith::AddIOp>(loc, raw, cIndex(rw, loc, r)), raw);
      for (int64_t d = 0; d < r; ++d)
        maxDim = std::max(maxDim, xt.getDimSize(d));
    }
    if (maxDim == 0) {
      rw.replaceOp(op, a.getX());
      return success();
    }
    Value X = a.getX();
    Value window = rw.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{maxDim}, rw.getI8Type());
    Value init = filledTensor(rw, loc, RankedTensorType::get(xt.getShape(), acc),
                              foldSizes(rw, xt.getShape()), scalarConstant(rw, loc, acc, Product ? 1 : 0));
    SmallVector<AffineExpr> oe;
    for (int64_t d = 0; d < r; ++d)
      oe.push_back(getAffineDimExpr(d, ctx));
    SmallVector<IterType> iters(r, IterType::parallel);
    iters.push_back(IterType::reduction);
    Value y = buildGeneric(
        rw, loc, {window}, {init},
        {AffineMap::get(r + 1, 0, {getAffineDimExpr(r, ctx)}, ctx), AffineMap::get(r + 1, 0, oe, ctx)},
        iters, [&](OpBuilder &b, Location l, ValueRange v) -> SmallVector<Value> {
          Value j = b.create<linalg::IndexOp>(l, r);
          SmallVector<Value> coords;
          Value ia = cIndex(b, l, 0), len = cIndex(b, l, 0);
          for (int64_t d = 0; d < r; ++d) {
            Value id = b.create<linalg::IndexOp>(l, d);
            Value dim = cIndex(b, l, xt.getDimSize(d));
            if (staticAxis) {
              if (d == *staticAxis) {
                ia = id;
                len = dim;
                coords.push_back(j);
              } else {
                coords.push_back(id);
              }
              continue;
            }
            Value is = cmpI(b, l, arith::CmpIPredicate::eq, axis, cIndex(b, l, d));
            ia = b.create<arith::SelectOp>(l, is, id, ia);
            len = b.create<arith::SelectOp>(l, is, dim, len);
            Value jc = b.create<arith::MinSIOp>(l, j, cIndex(b, l, std::max<int64_t>(xt.getDimSize(d) - 1, 0)));
            coords.push_back(b.create<arith::SelectOp>(l, is, jc, id));
          }
          Value valid = cmpI(b, l, arith::CmpIPredicate::slt, j, len);
          arith::CmpIPredicate p = reverse ? (exclusive ? arith::CmpIPredicate::sgt : arith::CmpIPredicate::sge)
                                           : (exclusive ? arith::CmpIPredicate::slt : arith::CmpIPredicate::sle);
          valid = andV(b, l, valid, cmpI(b, l, p, j, ia));
          Value x = castScalar(b, l, b.create<tensor::ExtractOp>(l, X, coords), acc, false, false);
          Value n = Product ? mulV(b, l, v[1], x) : addV(b, l, v[1], x);
          return {b.create<arith::SelectOp>(l, valid, n, v[1])};
        })[0];
    if (acc != et)
      y = buildElementwise(rw, loc, type, {y}, [&](OpBuilder &b, Location l, ValueRange v) {
        return castScalar(b, l, v[0], et, false, false);
      });
    rw.replaceOp(op, y);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Hardmax, LpNormalization
//===----------------------------------------------------------------------===//

AffineMap dropDimMap(int64_t rank, int64_t axis, MLIRContext *ctx) {
  SmallVector<AffineExpr> e;
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis)
      e.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(rank, 0, e, ctx);
}

Ints dropDim(ArrayRef<int64_t> shape, int64_t axis) {
  Ints s;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d)
    if (d != axis)
      s.push_back(shape[d]);
  return s;
}

/// Hardmax: the first maximum along the axis (as the reference: strict >
/// after starting from the first element) becomes 1.
struct HardmaxLowering : public TxcPattern<HardmaxOp> {
  using TxcPattern<HardmaxOp>::TxcPattern;
  LogicalResult matchAndRewrite(HardmaxOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    auto xt = staticType(a.getInput());
    if (!type || !xt || type != xt || xt.getRank() < 1 || !llvm::isa<FloatType>(xt.getElementType()))
      return failure();
    int64_t r = xt.getRank();
    auto axisOr = normalizeAxis(op.getAxis(), r);
    if (!axisOr)
      return failure();
    int64_t axis = *axisOr;
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    Type et = xt.getElementType();
    Ints red = dropDim(xt.getShape(), axis);
    Value vInit = filledTensor(rw, loc, RankedTensorType::get(red, et), foldSizes(rw, red),
                               scalarConstant(rw, loc, et, 0));
    Value iInit = filledTensor(rw, loc, RankedTensorType::get(red, rw.getIndexType()), foldSizes(rw, red),
                               cIndex(rw, loc, -1));
    SmallVector<IterType> iters(r, IterType::parallel);
    iters[axis] = IterType::reduction;
    AffineMap drop = dropDimMap(r, axis, ctx);
    auto res = buildGeneric(rw, loc, {a.getInput()}, {vInit, iInit},
                            {AffineMap::getMultiDimIdentityMap(r, ctx), drop, drop}, iters,
                            [&](OpBuilder &b, Location l, ValueRange v) -> SmallVector<Value> {
                              Value k = b.create<linalg::IndexOp>(l, axis);
                              Value first = cmpI(b, l, arith::CmpIPredicate::slt, v[2], cIndex(b, l, 0));
                              Value gt = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGT, v[0], v[1]);
                              Value take = b.create<arith::OrIOp>(l, first, gt);
                              return {b.create<arith::SelectOp>(l, take, v[0], v[1]),
                                      b.create<arith::SelectOp>(l, take, k, v[2])};
                            });
    Value y = buildMappedGeneric(rw, loc, type, foldSizes(rw, type.getShape()), {res[1]}, {drop},
                                 [&](OpBuilder &b, Location l, ValueRange v) -> Value {
                                   Value k = b.create<linalg::IndexOp>(l, axis);
                                   Value is = cmpI(b, l, arith::CmpIPredicate::eq, k, v[0]);
                                   return b.create<arith::SelectOp>(l, is, scalarConstant(b, l, et, 1),
                                                                    scalarConstant(b, l, et, 0));
                                 });
    rw.replaceOp(op, y);
    return success();
  }
};

struct LpNormLowering : public TxcPattern<LpNormalizationOp> {
  using TxcPattern<LpNormalizationOp>::TxcPattern;
  LogicalResult matchAndRewrite(LpNormalizationOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    auto xt = staticType(a.getInput());
    int64_t p = op.getP();
    if (!type || !xt || type != xt || xt.getRank() < 1 || !llvm::isa<FloatType>(xt.getElementType()) ||
        (p != 1 && p != 2))
      return failure();
    int64_t r = xt.getRank();
    auto axisOr = normalizeAxis(op.getAxis(), r);
    if (!axisOr)
      return failure();
    int64_t axis = *axisOr;
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    Type et = xt.getElementType(), acc = accType(et);
    Ints red = dropDim(xt.getShape(), axis);
    Value init = filledTensor(rw, loc, RankedTensorType::get(red, acc), foldSizes(rw, red),
                              scalarConstant(rw, loc, acc, 0));
    SmallVector<IterType> iters(r, IterType::parallel);
    iters[axis] = IterType::reduction;
    AffineMap drop = dropDimMap(r, axis, ctx);
    Value n = buildGeneric(rw, loc, {a.getInput()}, {init}, {AffineMap::getMultiDimIdentityMap(r, ctx), drop},
                           iters, [&](OpBuilder &b, Location l, ValueRange v) -> SmallVector<Value> {
                             Value x = castScalar(b, l, v[0], acc, false, false);
                             Value t = p == 1 ? Value(b.create<math::AbsFOp>(l, x))
                                              : Value(b.create<arith::MulFOp>(l, x, x));
                             return {b.create<arith::AddFOp>(l, v[1], t)};
                           })[0];
    Value y = buildMappedGeneric(
        rw, loc, type, foldSizes(rw, type.getShape()), {a.getInput(), n},
        {AffineMap::getMultiDimIdentityMap(r, ctx), drop}, [&](OpBuilder &b, Location l, ValueRange v) -> Value {
          Value x = castScalar(b, l, v[0], acc, false, false);
          Value nn = p == 2 ? Value(b.create<math::SqrtOp>(l, v[1])) : v[1];
          Value zero = scalarConstant(b, l, acc, 0);
          Value isZero = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OEQ, nn, zero);
          Value q = b.create<arith::SelectOp>(l, isZero, zero, b.create<arith::DivFOp>(l, x, nn));
          return castScalar(b, l, q, et, false, false);
        });
    rw.replaceOp(op, y);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// TopK
//===----------------------------------------------------------------------===//

/// TopK: the rank of every element along the axis (how many come before it
/// in the reference's order: better value, or equal value and lower index),
/// then output position p takes the element of rank p.
struct TopKLowering : public TxcPattern<TopKOp> {
  using TxcPattern<TopKOp>::TxcPattern;
  LogicalResult matchAndRewrite(TopKOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    auto xt = staticType(a.getX());
    RankedTensorType vt = loweredTensorType(op.getValues().getType());
    RankedTensorType it = loweredTensorType(op.getIndices().getType());
    auto kt = llvm::dyn_cast<RankedTensorType>(a.getK().getType());
    if (!xt || !vt || !it || xt.getRank() < 1 || !kt || !kt.hasStaticShape() || kt.getNumElements() != 1 ||
        !it.getElementType().isInteger(64) || xt.getElementType().isInteger(1))
      return failure();
    int64_t r = xt.getRank();
    auto axisOr = normalizeAxis(op.getAxis(), r);
    if (!axisOr || vt.getRank() != r || it.getRank() != r)
      return failure();
    int64_t axis = *axisOr;
    for (int64_t d = 0; d < r; ++d)
      if (d != axis && (vt.getDimSize(d) != xt.getDimSize(d) || it.getDimSize(d) != xt.getDimSize(d)))
        return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    Type et = xt.getElementType();
    bool isFloat = llvm::isa<FloatType>(et);
    bool isUnsigned = isUnsignedInt(origElem(op.getX()));
    bool largest = op.getLargest() != 0;
    int64_t L = xt.getDimSize(axis);
    Value k = scalarIndex(rw, loc, a.getK(), isUnsignedInt(origElem(op.getK())));
    // less(p, q) with NaN largest.
    auto less = [&](OpBuilder &b, Location l, Value p, Value q) -> Value {
      if (!isFloat)
        return cmpI(b, l, isUnsigned ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt, p, q);
      Value pNan = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::UNO, p, p);
      Value qNan = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::UNO, q, q);
      Value lt = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OLT, p, q);
      Value notP = b.create<arith::XOrIOp>(l, pNan, b.create<arith::ConstantIntOp>(l, 1, 1));
      return andV(b, l, notP, b.create<arith::OrIOp>(l, qNan, lt));
    };
    // rank[i] = #{l : before(l, i_axis)}
    SmallVector<AffineExpr> xe, le;
    for (int64_t d = 0; d < r; ++d) {
      xe.push_back(getAffineDimExpr(d, ctx));
      le.push_back(d == axis ? getAffineDimExpr(r, ctx) : getAffineDimExpr(d, ctx));
    }
    Value rInit = filledTensor(rw, loc, RankedTensorType::get(xt.getShape(), rw.getIndexType()),
                               foldSizes(rw, xt.getShape()), cIndex(rw, loc, 0));
    SmallVector<IterType> iters(r, IterType::parallel);
    iters.push_back(IterType::reduction);
    Value X = a.getX();
    Value rank = buildGeneric(
        rw, loc, {X, X}, {rInit},
        {AffineMap::get(r + 1, 0, xe, ctx), AffineMap::get(r + 1, 0, le, ctx), AffineMap::get(r + 1, 0, xe, ctx)},
        iters, [&](OpBuilder &b, Location l, ValueRange v) -> SmallVector<Value> {
          Value xi = v[0], xl = v[1];
          Value i = b.create<linalg::IndexOp>(l, axis), j = b.create<linalg::IndexOp>(l, r);
          Value better = largest ? less(b, l, xi, xl) : less(b, l, xl, xi);
          Value worse = largest ? less(b, l, xl, xi) : less(b, l, xi, xl);
          Value notWorse = b.create<arith::XOrIOp>(l, worse, b.create<arith::ConstantIntOp>(l, 1, 1));
          Value tieFirst = andV(b, l, notWorse, cmpI(b, l, arith::CmpIPredicate::slt, j, i));
          Value before = b.create<arith::OrIOp>(l, better, tieFirst);
          return {b.create<arith::SelectOp>(l, before, b.create<arith::AddIOp>(l, v[2], cIndex(b, l, 1)), v[2])};
        })[0];
    // indices[o] = the j with rank[.., j, ..] == o_axis.
    SmallVector<OpFoldResult> sizes = foldSizes(rw, xt.getShape());
    sizes[axis] = k;
    auto idxT = RankedTensorType::get(it.getShape(), rw.getIndexType());
    Value iInit = filledTensor(rw, loc, idxT, sizes, cIndex(rw, loc, 0));
    Value window = rw.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{L}, rw.getI8Type());
    Value ind = buildGeneric(
        rw, loc, {rank, window}, {iInit},
        {AffineMap::get(r + 1, 0, le, ctx), AffineMap::get(r + 1, 0, {getAffineDimExpr(r, ctx)}, ctx),
         AffineMap::get(r + 1, 0, xe, ctx)},
        iters, [&](OpBuilder &b, Location l, ValueRange v) -> SmallVector<Value> {
          Value o = b.create<linalg::IndexOp>(l, axis), j = b.create<linalg::IndexOp>(l, r);
          Value is = cmpI(b, l, arith::CmpIPredicate::eq, v[0], o);
          return {b.create<arith::SelectOp>(l, is, j, v[2])};
        })[0];
    Value indices = buildMappedGeneric(rw, loc, it, sizes, {ind}, {AffineMap::getMultiDimIdentityMap(r, ctx)},
                                       [&](OpBuilder &b, Location l, ValueRange v) -> Value {
                                         return b.create<arith::IndexCastOp>(l, b.getI64Type(), v[0]);
                                       });
    Value values = buildMappedGeneric(rw, loc, vt, sizes, {ind}, {AffineMap::getMultiDimIdentityMap(r, ctx)},
                                      [&](OpBuilder &b, Location l, ValueRange v) -> Value {
                                        SmallVector<Value> c;
                                        for (int64_t d = 0; d < r; ++d)
                                          c.push_back(d == axis ? v[0] : Value(b.create<linalg::IndexOp>(l, d)));
                                        return b.create<tensor::ExtractOp>(l, X, c);
                                      });
    rw.replaceOp(op, {values, indices});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Scatter
//===----------------------------------------------------------------------===//

enum class Red { None, Add, Mul, Max, Min };

std::optional<Red> parseRed(StringRef s) {
  if (s == "none") return Red::None;
  if (s == "add") return Red::Add;
  if (s == "mul") return Red::Mul;
  if (s == "max") return Red::Max;
  if (s == "min") return Red::Min;
  return std::nullopt;
}

Value combine(OpBuilder &b, Location l, Red red, Value cur, Value upd, bool isUnsigned) {
  bool f = llvm::isa<FloatType>(cur.getType());
  switch (red) {
  case Red::None: return upd;
  case Red::Add: return addV(b, l, cur, upd);
  case Red::Mul: return mulV(b, l, cur, upd);
  case Red::Max:
    if (f) return b.create<arith::MaximumFOp>(l, cur, upd);
    return isUnsigned ? Value(b.create<arith::MaxUIOp>(l, cur, upd)) : Value(b.create<arith::MaxSIOp>(l, cur, upd));
  case Red::Min:
    if (f) return b.create<arith::MinimumFOp>(l, cur, upd);
    return isUnsigned ? Value(b.create<arith::MinUIOp>(l, cur, upd)) : Value(b.create<arith::MinSIOp>(l, cur, upd));
  }
  return upd;
}

/// A sequential loop over [0, n) carrying the output tensor.
Value scatterLoop(OpBuilder &b, Location loc, Value init, int64_t n,
                  function_ref<Value(OpBuilder &, Location, Value iv, Value acc)> body) {
  auto loop = b.create<scf::ForOp>(loc, cIndex(b, loc, 0), cIndex(b, loc, n), cIndex(b, loc, 1),
                                   ValueRange{init},
                                   [&](OpBuilder &nb, Location l, Value iv, ValueRange iters) {
                                     nb.create<scf::YieldOp>(l, body(nb, l, iv, iters[0]));
                                   });
  return loop.getResult(0);
}

struct ScatterElementsLowering : public TxcPattern<ScatterElementsOp> {
  using TxcPattern<ScatterElementsOp>::TxcPattern;
  LogicalResult matchAndRewrite(ScatterElementsOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    auto dt = staticType(a.getData()), it = staticType(a.getIndices()), ut = staticType(a.getUpdates());
    auto red = parseRed(op.getReduction());
    if (!type || !dt || type != dt || !it || !ut || !red || dt.getRank() < 1 || it.getRank() != dt.getRank() ||
        ut.getShape() != it.getShape() || ut.getElementType() != dt.getElementType() ||
        !llvm::isa<IntegerType>(it.getElementType()))
      return failure();
    if (*red != Red::None && dt.getElementType().isInteger(1))
      return failure();
    int64_t r = dt.getRank();
    auto axisOr = normalizeAxis(op.getAxis(), r);
    if (!axisOr)
      return failure();
    int64_t axis = *axisOr;
    for (int64_t d = 0; d < r; ++d)
      if (d != axis && it.getDimSize(d) > dt.getDimSize(d))
        return failure();
    bool isUnsigned = isUnsignedInt(origElem(op.getData()));
    bool idxUnsigned = isUnsignedInt(origElem(op.getIndices()));
    Value I = a.getIndices(), U = a.getUpdates();
    Location loc = op.getLoc();
    Value y = scatterLoop(rw, loc, a.getData(), it.getNumElements(),
                          [&](OpBuilder &b, Location l, Value iv, Value acc) -> Value {
                            SmallVector<Value> c = delinearize(b, l, iv, it.getShape());
                            Value idx = toIndex(b, l, b.create<tensor::ExtractOp>(l, I, c), idxUnsigned);
                            SmallVector<Value> dc = c;
                            dc[axis] = wrapClamp(b, l, idx, cIndex(b, l, dt.getDimSize(axis)));
                            Value u = b.create<tensor::ExtractOp>(l, U, c);
                            Value cur = b.create<tensor::ExtractOp>(l, acc, dc);
                            Value n = combine(b, l, *red, cur, u, isUnsigned);
                            return b.create<tensor::InsertOp>(l, n, acc, dc);
                          });
    rw.replaceOp(op, y);
    return success();
  }
};

struct ScatterNDLowering : public TxcPattern<ScatterNDOp> {
  using TxcPattern<ScatterNDOp>::TxcPattern;
  LogicalResult matchAndRewrite(ScatterNDOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    auto dt = staticType(a.getData()), it = staticType(a.getIndices()), ut = staticType(a.getUpdates());
    auto red = parseRed(op.getReduction());
    if (!type || !dt || type != dt || !it || !ut || !red || dt.getRank() < 1 || it.getRank() < 1 ||
        ut.getElementType() != dt.getElementType() || !llvm::isa<IntegerType>(it.getElementType()))
      return failure();
    if (*red != Red::None && dt.getElementType().isInteger(1))
      return failure();
    int64_t r = dt.getRank(), q = it.getRank(), k = it.getDimSize(q - 1);
    if (k > r || k < 0)
      return failure();
    Ints want(it.getShape().begin(), it.getShape().end() - 1);
    want.append(dt.getShape().begin() + k, dt.getShape().end());
    if (ut.getShape() != ArrayRef<int64_t>(want))
      return failure();
    bool isUnsigned = isUnsignedInt(origElem(op.getData()));
    bool idxUnsigned = isUnsignedInt(origElem(op.getIndices()));
    Value I = a.getIndices(), U = a.getUpdates();
    Location loc = op.getLoc();
    Ints tupleShape(it.getShape().begin(), it.getShape().end() - 1);
    Value y = scatterLoop(rw, loc, a.getData(), ut.getNumElements(),
                          [&](OpBuilder &b, Location l, Value iv, Value acc) -> Value {
                            SmallVector<Value> uc = delinearize(b, l, iv, ut.getShape());
                            SmallVector<Value> ic(uc.begin(), uc.begin() + (q - 1));
                            ic.push_back(Value());
                            SmallVector<Value> dc;
                            for (int64_t j = 0; j < k; ++j) {
                              ic.back() = cIndex(b, l, j);
                              Value idx = toIndex(b, l, b.create<tensor::ExtractOp>(l, I, ic), idxUnsigned);
                              dc.push_back(wrapClamp(b, l, idx, cIndex(b, l, dt.getDimSize(j))));
                            }
                            dc.append(uc.begin() + (q - 1), uc.end());
                            Value u = b.create<tensor::ExtractOp>(l, U, uc);
                            Value cur = b.create<tensor::ExtractOp>(l, acc, dc);
                            return b.create<tensor::InsertOp>(l, combine(b, l, *red, cur, u, isUnsigned), acc, dc);
                          });
    rw.replaceOp(op, y);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// GatherND, OneHot, ReverseSequence, Pad
//===----------------------------------------------------------------------===//

struct GatherNDLowering : public TxcPattern<GatherNDOp> {
  using TxcPattern<GatherNDOp>::TxcPattern;
  LogicalResult matchAndRewrite(GatherNDOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    auto dt = staticType(a.getData()), it = staticType(a.getIndices());
    if (!type || !type.hasStaticShape() || !dt || !it || !llvm::isa<IntegerType>(it.getElementType()))
      return failure();
    int64_t b = op.getBatchDims(), r = dt.getRank(), q = it.getRank();
    if (r < 1 || q < 1 || b < 0 || b >= std::min(r, q))
      return failure();
    int64_t m = it.getDimSize(q - 1);
    if (m < 1 || m > r - b)
      return failure();
    Ints out(it.getShape().begin(), it.getShape().end() - 1);
    out.append(dt.getShape().begin() + b + m, dt.getShape().end());
    if (type.getShape() != ArrayRef<int64_t>(out))
      return failure();
    bool idxUnsigned = isUnsignedInt(origElem(op.getIndices()));
    Value D = a.getData(), I = a.getIndices();
    Value y = buildIndexGeneric(rw, op.getLoc(), type, foldSizes(rw, out),
                                [&](OpBuilder &nb, Location l, ValueRange iv) -> Value {
                                  SmallVector<Value> ic(iv.begin(), iv.begin() + (q - 1));
                                  ic.push_back(Value());
                                  SmallVector<Value> dc(iv.begin(), iv.begin() + b);
                                  for (int64_t j = 0; j < m; ++j) {
                                    ic.back() = cIndex(nb, l, j);
                                    Value idx = toIndex(nb, l, nb.create<tensor::ExtractOp>(l, I, ic), idxUnsigned);
                                    dc.push_back(wrapClamp(nb, l, idx, cIndex(nb, l, dt.getDimSize(b + j))));
                                  }
                                  dc.append(iv.begin() + (q - 1), iv.end());
                                  return nb.create<tensor::ExtractOp>(l, D, dc);
                                });
    rw.replaceOp(op, y);
    return success();
  }
};

struct OneHotLowering : public TxcPattern<OneHotOp> {
  using TxcPattern<OneHotOp>::TxcPattern;
  LogicalResult matchAndRewrite(OneHotOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    auto it = staticType(a.getIndices()), vt = staticType(a.getValues());
    auto dpt = llvm::dyn_cast<RankedTensorType>(a.getDepth().getType());
    if (!type || !it || !vt || vt.getNumElements() != 2 || !dpt || !dpt.hasStaticShape() ||
        dpt.getNumElements() != 1 || type.getElementType() != vt.getElementType())
      return failure();
    int64_t r = it.getRank();
    int64_t axis = op.getAxis();
    if (axis < -(r + 1) || axis > r)
      return failure();
    if (axis < 0)
      axis += r + 1;
    if (type.getRank() != r + 1)
      return failure();
    for (int64_t d = 0, s = 0; d <= r; ++d)
      if (d != axis && type.getDimSize(d) != it.getDimSize(s++))
        return failure();
    Location loc = op.getLoc();
    Value depth = scalarIndex(rw, loc, a.getDepth(), isUnsignedInt(origElem(op.getDepth())));
    SmallVector<Value> vidx(vt.getRank(), cIndex(rw, loc, 0));
    Value off = rw.create<tensor::ExtractOp>(loc, a.getValues(), vidx);
    if (vt.getRank() > 0)
      vidx.back() = cIndex(rw, loc, 1);
    Value on = rw.create<tensor::ExtractOp>(loc, a.getValues(), vidx);
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0, s = 0; d <= r; ++d)
      sizes.push_back(d == axis ? OpFoldResult(depth) : OpFoldResult(rw.getIndexAttr(it.getDimSize(s++))));
    Value I = a.getIndices();
    Type iet = it.getElementType();
    bool idxUnsigned = isUnsignedInt(origElem(op.getIndices()));
    Value y = buildIndexGeneric(rw, loc, type, sizes, [&](OpBuilder &b, Location l, ValueRange iv) -> Value {
      SmallVector<Value> ic;
      for (int64_t d = 0; d <= r; ++d)
        if (d != axis)
          ic.push_back(iv[d]);
      Value v = b.create<tensor::ExtractOp>(l, I, ic);
      Value ok = b.create<arith::ConstantIntOp>(l, 1, 1);
      if (llvm::isa<FloatType>(iet)) {
        ok = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::ORD, v, v);
        // Keep the conversion defined for NaN/huge values.
        Value lim = scalarConstant(b, l, iet, 1e15);
        Value zero = scalarConstant(b, l, iet, 0);
        v = b.create<arith::SelectOp>(l, ok, v, zero);
        v = b.create<arith::MinimumFOp>(l, b.create<arith::MaximumFOp>(l, v, b.create<arith::NegFOp>(l, lim)), lim);
      }
      Value k = toIndex(b, l, v, idxUnsigned);
      Value neg = cmpI(b, l, arith::CmpIPredicate::slt, k, cIndex(b, l, 0));
      k = b.create<arith::SelectOp>(l, neg, b.create<arith::AddIOp>(l, k, depth), k);
      Value hit = andV(b, l, ok, cmpI(b, l, arith::CmpIPredicate::eq, k, iv[axis]));
      return b.create<arith::SelectOp>(l, hit, on, off);
    });
    rw.replaceOp(op, y);
    return success();
  }
};

struct ReverseSequenceLowering : public TxcPattern<ReverseSequenceOp> {
  using TxcPattern<ReverseSequenceOp>::TxcPattern;
  LogicalResult matchAndRewrite(ReverseSequenceOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    auto xt = staticType(a.getInput()), lt = staticType(a.getSequenceLens());
    int64_t ba = op.getBatchAxis(), ta = op.getTimeAxis();
    if (!type || !xt || type != xt || !lt || xt.getRank() < 2 || lt.getRank() != 1 ||
        !((ba == 0 && ta == 1) || (ba == 1 && ta == 0)) || lt.getDimSize(0) != xt.getDimSize(ba) ||
        !llvm::isa<IntegerType>(lt.getElementType()))
      return failure();
    Value X = a.getInput(), Ls = a.getSequenceLens();
    bool lu = isUnsignedInt(origElem(op.getSequenceLens()));
    int64_t T = xt.getDimSize(ta);
    Value y = buildIndexGeneric(rw, op.getLoc(), type, foldSizes(rw, xt.getShape()),
                                [&](OpBuilder &b, Location l, ValueRange iv) -> Value {
                                  Value len = toIndex(b, l, b.create<tensor::ExtractOp>(l, Ls, ValueRange{iv[ba]}), lu);
                                  len = b.create<arith::MinSIOp>(l, b.create<arith::MaxSIOp>(l, len, cIndex(b, l, 0)),
                                                                 cIndex(b, l, T));
                                  Value t = iv[ta];
                                  Value in = cmpI(b, l, arith::CmpIPredicate::slt, t, len);
                                  Value rev = b.create<arith::SubIOp>(l, b.create<arith::SubIOp>(l, len, cIndex(b, l, 1)), t);
                                  SmallVector<Value> c(iv.begin(), iv.end());
                                  c[ta] = b.create<arith::SelectOp>(l, in, rev, t);
                                  return b.create<tensor::ExtractOp>(l, X, c);
                                });
    rw.replaceOp(op, y);
    return success();
  }
};

/// Pad (all modes): out[i] = x[source(i - begin)] with the mode's source
/// mapping; pads, axes and the constant may be runtime values.
struct PadLowering : public TxcPattern<PadOp> {
  using TxcPattern<PadOp>::TxcPattern;
  LogicalResult matchAndRewrite(PadOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    auto xt = staticType(a.getData());
    auto pt = staticType(a.getPads());
    StringRef mode = op.getMode();
    if (!type || !xt || !pt || pt.getRank() != 1 || type.getRank() != xt.getRank() ||
        !llvm::isa<IntegerType>(pt.getElementType()) ||
        (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap"))
      return failure();
    int64_t r = xt.getRank();
    for (int64_t d : xt.getShape())
      if (d == 0 && mode != "constant")
        return failure();
    Location loc = op.getLoc();
    bool hasAxes = !llvm::isa<NoneType>(a.getAxes().getType());
    int64_t na = r;
    RankedTensorType axT;
    if (hasAxes) {
      axT = staticType(a.getAxes());
      if (!axT || axT.getRank() != 1 || !llvm::isa<IntegerType>(axT.getElementType()))
        return failure();
      na = axT.getDimSize(0);
    }
    if (pt.getDimSize(0) != 2 * na)
      return failure();
    bool pu = isUnsignedInt(origElem(op.getPads()));
    SmallVector<Value> begin(r, cIndex(rw, loc, 0)), end(r, cIndex(rw, loc, 0));
    auto padAt = [&](int64_t i) { return scalarIndex(rw, loc, a.getPads(), pu, i); };
    if (!hasAxes) {
      for (int64_t d = 0; d < r; ++d) {
        begin[d] = padAt(d);
        end[d] = padAt(d + r);
      }
    } else if (auto c = constantInts(op.getAxes())) {
      for (int64_t i = 0; i < na; ++i) {
        auto d = normalizeAxis((*c)[i], r);
        if (!d)
          return failure();
        begin[*d] = padAt(i);
        end[*d] = padAt(i + na);
      }
    } else {
      bool au = isUnsignedInt(origElem(op.getAxes()));
      for (int64_t i = 0; i < na; ++i) {
        Value ax = scalarIndex(rw, loc, a.getAxes(), au, i);
        Value neg = cmpI(rw, loc, arith::CmpIPredicate::slt, ax, cIndex(rw, loc, 0));
        ax = rw.create<arith::SelectOp>(loc, neg, rw.create<arith::AddIOp>(loc, ax, cIndex(rw, loc, r)), ax);
        Value pb = padAt(i), pe = padAt(i + na);
        for (int64_t d = 0; d < r; ++d) {
          Value is = cmpI(rw, loc, arith::CmpIPredicate::eq, ax, cIndex(rw, loc, d));
          begin[d] = rw.create<arith::SelectOp>(loc, is, pb, begin[d]);
          end[d] = rw.create<arith::SelectOp>(loc, is, pe, end[d]);
        }
      }
    }
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < r; ++d) {
      if (!type.isDynamicDim(d)) {
        sizes.push_back(rw.getIndexAttr(type.getDimSize(d)));
        continue;
      }
      Value s = rw.create<arith::AddIOp>(loc, cIndex(rw, loc, xt.getDimSize(d)),
                                         rw.create<arith::AddIOp>(loc, begin[d], end[d]));
      sizes.push_back(rw.create<arith::MaxSIOp>(loc, s, cIndex(rw, loc, 0)).getResult());
    }
    Type et = xt.getElementType();
    Value cval = scalarConstant(rw, loc, et, 0);
    if (!llvm::isa<NoneType>(a.getConstantValue().getType())) {
      auto ct = staticType(a.getConstantValue());
      if (!ct)
        return failure();
      if (ct.getNumElements() > 0) {
        SmallVector<Value> ci(ct.getRank(), cIndex(rw, loc, 0));
        cval = rw.create<tensor::ExtractOp>(loc, a.getConstantValue(), ci);
        if (cval.getType() != et)
          cval = castScalar(rw, loc, cval, et, isUnsignedInt(origElem(op.getConstantValue())),
                            isUnsignedInt(origElem(op.getData())));
      }
    }
    Value X = a.getData();
    bool anyEmpty = xt.getNumElements() == 0;
    Value y = buildIndexGeneric(rw, loc, type, sizes, [&](OpBuilder &b, Location l, ValueRange iv) -> Value {
      if (anyEmpty)
        return cval;
      Value inside = b.create<arith::ConstantIntOp>(l, 1, 1);
      SmallVector<Value> c;
      for (int64_t d = 0; d < r; ++d) {
        int64_t dimS = xt.getDimSize(d);
        Value dim = cIndex(b, l, dimS);
        Value x = b.create<arith::SubIOp>(l, iv[d], begin[d]);
        if (mode == "constant") {
          inside = andV(b, l, inside, cmpI(b, l, arith::CmpIPredicate::sge, x, cIndex(b, l, 0)));
          inside = andV(b, l, inside, cmpI(b, l, arith::CmpIPredicate::slt, x, dim));
          c.push_back(clampIndex(b, l, x, dim));
        } else if (mode == "edge") {
          c.push_back(clampIndex(b, l, x, dim));
        } else if (mode == "wrap") {
          Value m = b.create<arith::RemSIOp>(l, x, dim);
          m = b.create<arith::RemSIOp>(l, b.create<arith::AddIOp>(l, m, dim), dim);
          c.push_back(m);
        } else if (dimS == 1) {
          c.push_back(cIndex(b, l, 0));
        } else {
          Value period = cIndex(b, l, 2 * (dimS - 1));
          Value m = b.create<arith::RemSIOp>(l, x, period);
          m = b.create<arith::RemSIOp>(l, b.create<arith::AddIOp>(l, m, period), period);
          Value big = cmpI(b, l, arith::CmpIPredicate::sge, m, dim);
          c.push_back(b.create<arith::SelectOp>(l, big, b.create<arith::SubIOp>(l, period, m), m));
        }
      }
      Value v = b.create<tensor::ExtractOp>(l, X, c);
      if (mode == "constant")
        v = b.create<arith::SelectOp>(l, inside, v, cval);
      return v;
    });
    rw.replaceOp(op, y);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Einsum
//===----------------------------------------------------------------------===//

std::optional<std::vector<int>> parseTerm(StringRef term) {
  std::vector<int> labels;
  bool ell = false;
  for (size_t i = 0; i < term.size();) {
    char c = term[i];
    if (c == '.') {
      if (!term.substr(i).starts_with("...") || ell)
        return std::nullopt;
      ell = true;
      labels.push_back(-1);
      i += 3;
    } else if (std::isalpha(static_cast<unsigned char>(c))) {
      labels.push_back(static_cast<unsigned char>(c));
      ++i;
    } else {
      return std::nullopt;
    }
  }
  return labels;
}

struct EinsumLowering : public TxcPattern<EinsumOp> {
  using TxcPattern<EinsumOp>::TxcPattern;
  LogicalResult matchAndRewrite(EinsumOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    if (!type || !type.hasStaticShape())
      return failure();
    std::string eq;
    for (char c : op.getEquation())
      if (!std::isspace(static_cast<unsigned char>(c)))
        eq += c;
    size_t arrow = eq.find("->");
    std::string lhs = arrow == std::string::npos ? eq : eq.substr(0, arrow);
    SmallVector<StringRef> terms;
    StringRef(lhs).split(terms, ',', -1, true);
    ValueRange ins = a.getInputs();
    size_t nIn = ins.size();
    if (terms.size() != nIn || nIn == 0)
      return failure();
    SmallVector<RankedTensorType> types;
    for (Value v : ins) {
      auto t = staticType(v);
      if (!t || t.getElementType() != type.getElementType())
        return failure();
      types.push_back(t);
    }
    Type et = type.getElementType();
    if (et.isInteger(1))
      return failure();
    std::vector<std::vector<int>> parsed(nIn), dimLabels(nIn);
    int64_t ellRank = 0;
    for (size_t i = 0; i < nIn; ++i) {
      auto p = parseTerm(terms[i]);
      if (!p)
        return failure();
      parsed[i] = *p;
      int64_t letters = llvm::count_if(parsed[i], [](int l) { return l >= 0; });
      bool hasEll = letters != static_cast<int64_t>(parsed[i].size());
      int64_t r = types[i].getRank();
      if ((!hasEll && letters != r) || (hasEll && letters > r))
        return failure();
      if (hasEll)
        ellRank = std::max(ellRank, r - letters);
    }
    std::map<int, int64_t> sizes;
    std::map<int, int> counts;
    for (size_t i = 0; i < nIn; ++i) {
      int64_t letters = llvm::count_if(parsed[i], [](int l) { return l >= 0; });
      int64_t e = types[i].getRank() - letters;
      for (int l : parsed[i]) {
        if (l >= 0)
          dimLabels[i].push_back(l);
        else
          for (int64_t k = 0; k < e; ++k)
            dimLabels[i].push_back(static_cast<int>(1000 + ellRank - e + k));
      }
      for (size_t d = 0; d < dimLabels[i].size(); ++d) {
        int l = dimLabels[i][d];
        int64_t s = types[i].getDimSize(d);
        auto it = sizes.find(l);
        if (it == sizes.end() || it->second == 1)
          sizes[l] = s;
        else if (s != it->second && s != 1)
          return failure();
        ++counts[l];
      }
    }
    std::vector<int> outLabels;
    if (arrow != std::string::npos) {
      auto p = parseTerm(StringRef(eq).substr(arrow + 2));
      if (!p)
        return failure();
      for (int l : *p) {
        if (l < 0) {
          for (int64_t k = 0; k < ellRank; ++k)
            outLabels.push_back(static_cast<int>(1000 + k));
          continue;
        }
        if (!sizes.count(l) || llvm::is_contained(outLabels, l))
          return failure();
        outLabels.push_back(l);
      }
    } else {
      for (int64_t k = 0; k < ellRank; ++k)
        outLabels.push_back(static_cast<int>(1000 + k));
      for (auto &[l, c] : counts)
        if (l < 1000 && c == 1)
          outLabels.push_back(l);
    }
    std::vector<int> all = outLabels;
    for (auto &[l, s] : sizes)
      if (!llvm::is_contained(outLabels, l))
        all.push_back(l);
    size_t nOut = outLabels.size(), nAll = all.size();
    Ints outShape;
    for (int l : outLabels)
      outShape.push_back(sizes[l]);
    if (type.getShape() != ArrayRef<int64_t>(outShape))
      return failure();
    MLIRContext *ctx = rw.getContext();
    Location loc = op.getLoc();
    auto pos = [&](int l) { return static_cast<unsigned>(llvm::find(all, l) - all.begin()); };
    SmallVector<AffineMap> maps;
    SmallVector<Value> inputs(ins.begin(), ins.end());
    std::vector<bool> covered(nAll, false);
    for (size_t i = 0; i < nIn; ++i) {
      SmallVector<AffineExpr> e;
      for (size_t d = 0; d < dimLabels[i].size(); ++d) {
        unsigned p = pos(dimLabels[i][d]);
        if (types[i].getDimSize(d) == 1 && sizes[dimLabels[i][d]] != 1) {
          e.push_back(getAffineConstantExpr(0, ctx));
        } else {
          e.push_back(getAffineDimExpr(p, ctx));
          covered[p] = true;
        }
      }
      maps.push_back(AffineMap::get(nAll, 0, e, ctx));
    }
    // Loop dims that no operand defines (all broadcast) get a dummy input.
    SmallVector<AffineExpr> oe;
    for (size_t i = 0; i < nOut; ++i) {
      oe.push_back(getAffineDimExpr(i, ctx));
      covered[i] = true;
    }
    Ints dummyShape;
    SmallVector<AffineExpr> de;
    for (size_t i = 0; i < nAll; ++i)
      if (!covered[i]) {
        dummyShape.push_back(sizes[all[i]]);
        de.push_back(getAffineDimExpr(i, ctx));
      }
    if (!dummyShape.empty()) {
      inputs.push_back(rw.create<tensor::EmptyOp>(loc, dummyShape, rw.getI8Type()));
      maps.push_back(AffineMap::get(nAll, 0, de, ctx));
    }
    maps.push_back(AffineMap::get(nAll, 0, oe, ctx));
    SmallVector<IterType> iters(nOut, IterType::parallel);
    iters.append(nAll - nOut, IterType::reduction);
    Type acc = accType(et);
    Value init = filledTensor(rw, loc, RankedTensorType::get(outShape, acc), foldSizes(rw, outShape),
                              scalarConstant(rw, loc, acc, 0));
    Value y = buildGeneric(rw, loc, inputs, {init}, maps, iters,
                           [&](OpBuilder &b, Location l, ValueRange v) -> SmallVector<Value> {
                             Value p;
                             for (size_t i = 0; i < nIn; ++i) {
                               Value x = castScalar(b, l, v[i], acc, false, false);
                               p = p ? mulV(b, l, p, x) : x;
                             }
                             return {addV(b, l, v.back(), p)};
                           })[0];
    if (acc != et)
      y = buildElementwise(rw, loc, type, {y}, [&](OpBuilder &b, Location l, ValueRange v) {
        return castScalar(b, l, v[0], et, false, false);
      });
    rw.replaceOp(op, y);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

/// The range of a quantized type (ui8/i8/ui16/i16), or nullopt.
std::optional<std::pair<double, double>> quantRange(Type t) {
  auto i = llvm::dyn_cast<IntegerType>(t);
  if (!i || (i.getWidth() != 8 && i.getWidth() != 16))
    return std::nullopt;
  if (i.isUnsigned())
    return std::make_pair(0.0, std::ldexp(1.0, i.getWidth()) - 1);
  return std::make_pair(-std::ldexp(1.0, i.getWidth() - 1), std::ldexp(1.0, i.getWidth() - 1) - 1);
}

/// The map reading a quantization parameter of type `pt` for an input of
/// type `xt`: per tensor, per axis (1-D) or blocked.
std::optional<AffineMap> paramMap(RankedTensorType xt, RankedTensorType pt, int64_t axisAttr,
                                  int64_t block, MLIRContext *ctx) {
  int64_t r = xt.getRank();
  if (pt.getNumElements() == 1 && block <= 0) {
    SmallVector<AffineExpr> e(pt.getRank(), getAffineConstantExpr(0, ctx));
    return AffineMap::get(r, 0, e, ctx);
  }
  auto axis = normalizeAxis(axisAttr, r);
  if (r == 0 || !axis)
    return std::nullopt;
  if (block <= 0) {
    if (pt.getRank() != 1 || pt.getDimSize(0) != xt.getDimSize(*axis))
      return std::nullopt;
    return AffineMap::get(r, 0, {getAffineDimExpr(*axis, ctx)}, ctx);
  }
  if (pt.getRank() != r)
    return std::nullopt;
  SmallVector<AffineExpr> e;
  for (int64_t d = 0; d < r; ++d) {
    int64_t want = d == *axis ? (xt.getDimSize(d) + block - 1) / block : xt.getDimSize(d);
    if (pt.getDimSize(d) != want)
      return std::nullopt;
    e.push_back(d == *axis ? getAffineDimExpr(d, ctx).floorDiv(block) : getAffineDimExpr(d, ctx));
  }
  return AffineMap::get(r, 0, e, ctx);
}

/// clamp(v, lo, hi) with NaN -> 0, then converted to the quantized type.
Value saturate(OpBuilder &b, Location l, Value v, std::pair<double, double> range, Type to, bool toUnsigned) {
  Type ft = v.getType();
  Value isNan = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::UNO, v, v);
  v = b.create<arith::SelectOp>(l, isNan, scalarConstant(b, l, ft, 0), v);
  v = b.create<arith::MaximumFOp>(l, v, scalarConstant(b, l, ft, range.first));
  v = b.create<arith::MinimumFOp>(l, v, scalarConstant(b, l, ft, range.second));
  return castScalar(b, l, v, to, false, toUnsigned);
}

struct QuantizeLinearLowering : public TxcPattern<QuantizeLinearOp> {
  using TxcPattern<QuantizeLinearOp>::TxcPattern;
  LogicalResult matchAndRewrite(QuantizeLinearOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    auto xt = staticType(a.getX()), st = staticType(a.getYScale());
    Type outOrig = origElem(op.getY());
    auto range = quantRange(outOrig);
    if (!type || !xt || !st || !range || type.getShape() != xt.getShape())
      return failure();
    Type xe = xt.getElementType(), se = st.getElementType();
    if (!llvm::isa<FloatType>(xe) && !xe.isInteger(32))
      return failure();
    if (!llvm::isa<FloatType>(se))
      return failure();
    bool hasZp = !llvm::isa<NoneType>(a.getYZeroPoint().getType());
    MLIRContext *ctx = rw.getContext();
    auto pm = paramMap(xt, st, op.getAxis(), op.getBlockSize(), ctx);
    if (!pm)
      return failure();
    SmallVector<Value> ins{a.getX(), a.getYScale()};
    SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(xt.getRank(), ctx), *pm};
    bool zpUnsigned = false;
    if (hasZp) {
      auto zt = staticType(a.getYZeroPoint());
      if (!zt || zt.getShape() != st.getShape() || origElem(op.getYZeroPoint()) != outOrig)
        return failure();
      ins.push_back(a.getYZeroPoint());
      maps.push_back(*pm);
      zpUnsigned = isUnsignedInt(outOrig);
    }
    bool f64 = xe.isF64() || se.isF64();
    Type ft = f64 ? Type(rw.getF64Type()) : Type(rw.getF32Type());
    bool xu = isUnsignedInt(origElem(op.getX()));
    Value y = buildMappedGeneric(rw, op.getLoc(), type, foldSizes(rw, type.getShape()), ins, maps,
                                 [&](OpBuilder &b, Location l, ValueRange v) -> Value {
                                   Value x = castScalar(b, l, v[0], ft, xu, false);
                                   Value s = castScalar(b, l, v[1], ft, false, false);
                                   Value q = b.create<math::RoundEvenOp>(l, b.create<arith::DivFOp>(l, x, s));
                                   if (hasZp) {
                                     Value z = castScalar(b, l, v[2], b.getF64Type(), zpUnsigned, false);
                                     q = b.create<arith::AddFOp>(l, castScalar(b, l, q, b.getF64Type(), false, false), z);
                                   } else {
                                     q = castScalar(b, l, q, b.getF64Type(), false, false);
                                   }
                                   return saturate(b, l, q, *range, type.getElementType(), isUnsignedInt(outOrig));
                                 });
    rw.replaceOp(op, y);
    return success();
  }
};

struct DequantizeLinearLowering : public TxcPattern<DequantizeLinearOp> {
  using TxcPattern<DequantizeLinearOp>::TxcPattern;
  LogicalResult matchAndRewrite(DequantizeLinearOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    auto xt = staticType(a.getX()), st = staticType(a.getXScale());
    Type xo = origElem(op.getX());
    if (!type || !xt || !st || type.getShape() != xt.getShape() || !llvm::isa<FloatType>(type.getElementType()) ||
        !llvm::isa<FloatType>(st.getElementType()) || (!quantRange(xo) && !xo.isSignlessInteger(32) && !xo.isSignedInteger(32)))
      return failure();
    bool hasZp = !llvm::isa<NoneType>(a.getXZeroPoint().getType());
    MLIRContext *ctx = rw.getContext();
    auto pm = paramMap(xt, st, op.getAxis(), op.getBlockSize(), ctx);
    if (!pm)
      return failure();
    SmallVector<Value> ins{a.getX(), a.getXScale()};
    SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(xt.getRank(), ctx), *pm};
    if (hasZp) {
      auto zt = staticType(a.getXZeroPoint());
      if (!zt || zt.getShape() != st.getShape() || origElem(op.getXZeroPoint()) != xo)
        return failure();
      ins.push_back(a.getXZeroPoint());
      maps.push_back(*pm);
    }
    bool xu = isUnsignedInt(xo);
    Type f64 = rw.getF64Type();
    Value y = buildMappedGeneric(rw, op.getLoc(), type, foldSizes(rw, type.getShape()), ins, maps,
                                 [&](OpBuilder &b, Location l, ValueRange v) -> Value {
                                   Value x = castScalar(b, l, v[0], f64, xu, false);
                                   if (hasZp)
                                     x = b.create<arith::SubFOp>(l, x, castScalar(b, l, v[2], f64, xu, false));
                                   Value r = b.create<arith::MulFOp>(l, x, castScalar(b, l, v[1], f64, false, false));
                                   return castScalar(b, l, r, type.getElementType(), false, false);
                                 });
    rw.replaceOp(op, y);
    return success();
  }
};

/// DynamicQuantizeLinear: min/max reductions (including 0), then the
/// float32 scale / zero point of the ONNX function body and a quantize.
struct DynamicQuantizeLinearLowering : public TxcPattern<DynamicQuantizeLinearOp> {
  using TxcPattern<DynamicQuantizeLinearOp>::TxcPattern;
  LogicalResult matchAndRewrite(DynamicQuantizeLinearOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    auto xt = staticType(a.getX());
    RankedTensorType yt = loweredTensorType(op.getY().getType()),
                     st = loweredTensorType(op.getYScale().getType()),
                     zt = loweredTensorType(op.getYZeroPoint().getType());
    if (!xt || !xt.getElementType().isF32() || !yt || yt.getShape() != xt.getShape() || !st || !zt ||
        st.getRank() != 0 || zt.getRank() != 0 || !st.getElementType().isF32() ||
        !isUnsignedInt(origElem(op.getY())) || !yt.getElementType().isInteger(8) ||
        !zt.getElementType().isInteger(8))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    int64_t r = xt.getRank();
    Type f32 = rw.getF32Type();
    auto scalarT = RankedTensorType::get({}, f32);
    Value zero = scalarConstant(rw, loc, f32, 0);
    Value mnI = filledTensor(rw, loc, scalarT, {}, zero), mxI = filledTensor(rw, loc, scalarT, {}, zero);
    SmallVector<IterType> iters(r, IterType::reduction);
    AffineMap scalarMap = AffineMap::get(r, 0, {}, ctx);
    auto mm = buildGeneric(rw, loc, {a.getX()}, {mnI, mxI},
                           {AffineMap::getMultiDimIdentityMap(r, ctx), scalarMap, scalarMap}, iters,
                           [&](OpBuilder &b, Location l, ValueRange v) -> SmallVector<Value> {
                             return {b.create<arith::MinimumFOp>(l, v[1], v[0]),
                                     b.create<arith::MaximumFOp>(l, v[2], v[0])};
                           });
    Value mn = rw.create<tensor::ExtractOp>(loc, mm[0], ValueRange{});
    Value mx = rw.create<tensor::ExtractOp>(loc, mm[1], ValueRange{});
    Value scale = rw.create<arith::DivFOp>(loc, rw.create<arith::SubFOp>(loc, mx, mn),
                                           scalarConstant(rw, loc, f32, 255));
    Value sZero = rw.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OEQ, scale, zero);
    Value zpf = rw.create<arith::SubFOp>(loc, zero, rw.create<arith::DivFOp>(loc, mn, scale));
    zpf = rw.create<arith::MinimumFOp>(loc, scalarConstant(rw, loc, f32, 255),
                                       rw.create<arith::MaximumFOp>(loc, zero, zpf));
    zpf = rw.create<math::RoundEvenOp>(loc, zpf);
    zpf = rw.create<arith::SelectOp>(loc, sZero, zero, zpf);
    Value y = buildElementwise(rw, loc, yt, {a.getX()}, [&](OpBuilder &b, Location l, ValueRange v) -> Value {
      Value q = b.create<arith::AddFOp>(l, b.create<math::RoundEvenOp>(l, b.create<arith::DivFOp>(l, v[0], scale)), zpf);
      q = b.create<arith::SelectOp>(l, sZero, zero, q);
      return saturate(b, l, q, {0.0, 255.0}, b.getI8Type(), true);
    });
    Value s = rw.create<tensor::FromElementsOp>(loc, st, ValueRange{scale});
    Value z = rw.create<tensor::FromElementsOp>(
        loc, zt, ValueRange{castScalar(rw, loc, zpf, rw.getI8Type(), false, true)});
    rw.replaceOp(op, {y, s, z});
    return success();
  }
};

/// QLinearMatMul: an int32 contraction of (a - a_zp) and (b - b_zp), then
/// requantized with a_scale[row] * b_scale[col] / y_scale.
struct QLinearMatMulLowering : public TxcPattern<QLinearMatMulOp> {
  using TxcPattern<QLinearMatMulOp>::TxcPattern;
  LogicalResult matchAndRewrite(QLinearMatMulOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    auto at = staticType(a.getA()), bt = staticType(a.getB());
    if (!type || !type.hasStaticShape() || !at || !bt || at.getRank() < 2 || bt.getRank() < 2)
      return failure();
    Type ao = origElem(op.getA()), bo = origElem(op.getB()), yo = origElem(op.getY());
    auto is8 = [](Type t) { return t.isInteger(8); };
    if (!is8(ao) || !is8(bo) || !is8(yo) || origElem(op.getAZeroPoint()) != ao ||
        origElem(op.getBZeroPoint()) != bo || origElem(op.getYZeroPoint()) != yo)
      return failure();
    int64_t r = type.getRank();
    if (at.getRank() > r || bt.getRank() > r)
      return failure();
    int64_t M = at.getDimSize(at.getRank() - 2), K = at.getDimSize(at.getRank() - 1),
            N = bt.getDimSize(bt.getRank() - 1);
    if (bt.getDimSize(bt.getRank() - 2) != K || type.getDimSize(r - 2) != M || type.getDimSize(r - 1) != N)
      return failure();
    MLIRContext *ctx = rw.getContext();
    Location loc = op.getLoc();
    // Loop dims: batch..., m, n, k.
    unsigned nd = r + 1;
    auto dim = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    auto batchExprs = [&](RankedTensorType t) {
      SmallVector<AffineExpr> e;
      int64_t tb = t.getRank() - 2, off = (r - 2) - tb;
      for (int64_t i = 0; i < tb; ++i) {
        bool bc = t.getDimSize(i) == 1 && type.getDimSize(off + i) != 1;
        e.push_back(bc ? getAffineConstantExpr(0, ctx) : dim(off + i));
      }
      return e;
    };
    for (int64_t i = 0; i < r - 2; ++i) {
      int64_t ab = i - ((r - 2) - (at.getRank() - 2)), bb = i - ((r - 2) - (bt.getRank() - 2));
      bool ok = false;
      if (ab >= 0 && at.getDimSize(ab) == type.getDimSize(i)) ok = true;
      if (bb >= 0 && bt.getDimSize(bb) == type.getDimSize(i)) ok = true;
      if (!ok && type.getDimSize(i) != 1)
        return failure();
    }
    // Zero points / scales: scalar or per row (a) / per column (b).
    auto vecParam = [&](Value v, int64_t len) -> std::optional<RankedTensorType> {
      auto t = staticType(v);
      if (!t)
        return std::nullopt;
      if (t.getNumElements() == 1 || (t.getRank() == 1 && t.getDimSize(0) == len))
        return t;
      return std::nullopt;
    };
    auto azT = vecParam(a.getAZeroPoint(), M), bzT = vecParam(a.getBZeroPoint(), N),
         asT = vecParam(a.getAScale(), M), bsT = vecParam(a.getBScale(), N);
    auto ysT = staticType(a.getYScale()), yzT = staticType(a.getYZeroPoint());
    if (!azT || !bzT || !asT || !bsT || !ysT || !yzT || ysT.getNumElements() != 1 || yzT.getNumElements() != 1)
      return failure();
    auto pmap = [&](RankedTensorType t, unsigned d) {
      SmallVector<AffineExpr> e;
      for (int64_t i = 0; i < t.getRank(); ++i)
        e.push_back(t.getNumElements() == 1 ? getAffineConstantExpr(0, ctx) : dim(d));
      return AffineMap::get(nd, 0, e, ctx);
    };
    SmallVector<AffineExpr> ae = batchExprs(at), be = batchExprs(bt), oe;
    ae.append({dim(r - 2), dim(r)});
    be.append({dim(r), dim(r - 1)});
    for (int64_t i = 0; i < r; ++i)
      oe.push_back(dim(i));
    SmallVector<IterType> iters(r, IterType::parallel);
    iters.push_back(IterType::reduction);
    Type i32 = rw.getI32Type();
    auto accT = RankedTensorType::get(type.getShape(), i32);
    Value init = filledTensor(rw, loc, accT, foldSizes(rw, type.getShape()), scalarConstant(rw, loc, i32, 0));
    bool au = isUnsignedInt(ao), bu = isUnsignedInt(bo), yu = isUnsignedInt(yo);
    Value acc = buildGeneric(
        rw, loc, {a.getA(), a.getB(), a.getAZeroPoint(), a.getBZeroPoint()}, {init},
        {AffineMap::get(nd, 0, ae, ctx), AffineMap::get(nd, 0, be, ctx), pmap(*azT, r - 2), pmap(*bzT, r - 1),
         AffineMap::get(nd, 0, oe, ctx)},
        iters, [&](OpBuilder &b, Location l, ValueRange v) -> SmallVector<Value> {
          Value x = b.create<arith::SubIOp>(l, castScalar(b, l, v[0], i32, au, false),
                                            castScalar(b, l, v[2], i32, au, false));
          Value y = b.create<arith::SubIOp>(l, castScalar(b, l, v[1], i32, bu, false),
                                            castScalar(b, l, v[3], i32, bu, false));
          return {b.create<arith::AddIOp>(l, v[4], b.create<arith::MulIOp>(l, x, y))};
        })[0];
    auto omap = [&](RankedTensorType t, unsigned d) {
      SmallVector<AffineExpr> e;
      for (int64_t i = 0; i < t.getRank(); ++i)
        e.push_back(t.getNumElements() == 1 ? getAffineConstantExpr(0, ctx) : getAffineDimExpr(d, ctx));
      return AffineMap::get(r, 0, e, ctx);
    };
    Type f64 = rw.getF64Type();
    Value y = buildMappedGeneric(
        rw, loc, type, foldSizes(rw, type.getShape()),
        {acc, a.getAScale(), a.getBScale(), a.getYScale(), a.getYZeroPoint()},
        {AffineMap::getMultiDimIdentityMap(r, ctx), omap(*asT, r - 2), omap(*bsT, r - 1), omap(ysT, 0),
         omap(yzT, 0)},
        [&](OpBuilder &b, Location l, ValueRange v) -> Value {
          Value c = castScalar(b, l, v[0], f64, false, false);
          Value as = castScalar(b, l, v[1], f64, false, false), bs = castScalar(b, l, v[2], f64, false, false),
                ys = castScalar(b, l, v[3], f64, false, false);
          Value m = b.create<arith::DivFOp>(l, b.create<arith::MulFOp>(l, as, bs), ys);
          Value q = b.create<math::RoundEvenOp>(l, b.create<arith::MulFOp>(l, c, m));
          q = b.create<arith::AddFOp>(l, q, castScalar(b, l, v[4], f64, yu, false));
          return saturate(b, l, q, yu ? std::make_pair(0.0, 255.0) : std::make_pair(-128.0, 127.0),
                          type.getElementType(), yu);
        });
    rw.replaceOp(op, y);
    return success();
  }
};

} // namespace

void populateIndexingPatterns(TypeConverter &tc, RewritePatternSet &patterns) {
  patterns.add<CumulativeLowering<CumSumOp, false>, CumulativeLowering<CumProdOp, true>, HardmaxLowering,
               LpNormLowering, TopKLowering, ScatterElementsLowering, ScatterNDLowering, GatherNDLowering,
               OneHotLowering, ReverseSequenceLowering, PadLowering, EinsumLowering, QuantizeLinearLowering,
               DequantizeLinearLowering, DynamicQuantizeLinearLowering, QLinearMatMulLowering>(
      tc, patterns.getContext());
}

} // namespace txc::lowering
