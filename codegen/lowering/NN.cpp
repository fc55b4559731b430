//===- NN.cpp - txc NN ops -> linalg ------------------------------------===//
//
// Convolutions and pools are one linalg.generic each over
// (n, [group,] channel, output positions..., [input channels,] kernel
// offsets...), reading a padded copy of the input (a filled tensor with the
// input inserted, a view after bufferization) through affine maps
// o * stride + k * dilation. ConvTranspose is a stride-1 convolution of the
// zero-dilated, padded input with the flipped kernel. The geometry (pads,
// output sizes) is computed at compile time like the reference evaluator
// does; every pattern requires static shapes. Normalizations are reduction
// generics (mean, variance) followed by one elementwise generic; 16-bit
// floats accumulate in f32.
//
//===----------------------------------------------------------------------===//

#include "codegen/lowering/LoweringCommon.h"

#include "ir/TxcDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>
#include <limits>

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

Ints intsAttr(std::optional<ArrayAttr> a, size_t n, int64_t dflt) {
  Ints v;
  if (a)
    for (Attribute x : *a)
      v.push_back(llvm::cast<IntegerAttr>(x).getInt());
  if (v.empty())
    v.assign(n, dflt);
  return v;
}

int64_t product(ArrayRef<int64_t> v) {
  int64_t p = 1;
  for (int64_t x : v)
    p *= x;
  return p;
}

int64_t ceilDiv(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
int64_t floorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

RankedTensorType staticType(Value v) {
  auto t = llvm::dyn_cast<RankedTensorType>(v.getType());
  if (!t || !t.hasStaticShape())
    return nullptr;
  return t;
}

SmallVector<OpFoldResult> foldSizes(OpBuilder &b, ArrayRef<int64_t> shape) {
  SmallVector<OpFoldResult> s;
  for (int64_t x : shape)
    s.push_back(b.getIndexAttr(x));
  return s;
}

Value reshapeStatic(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> shape) {
  auto t = llvm::cast<RankedTensorType>(v.getType());
  if (t.getShape() == shape)
    return v;
  auto nt = RankedTensorType::get(shape, t.getElementType());
  return reshapeTo(b, loc, v, nt, foldSizes(b, shape));
}

Value fillStatic(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Type et, Value value) {
  auto t = RankedTensorType::get(shape, et);
  return filledTensor(b, loc, t, foldSizes(b, shape), value);
}

/// A generic with explicit maps (inputs..., outputs...) and iterators.
SmallVector<Value> buildGeneric(OpBuilder &b, Location loc, ValueRange inputs,
                                ValueRange inits, ArrayRef<AffineMap> maps,
                                ArrayRef<IterType> iters,
                                function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> body) {
  SmallVector<Type> types;
  for (Value v : inits)
    types.push_back(v.getType());
  auto g = b.create<linalg::GenericOp>(
      loc, types, inputs, inits, maps, iters,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        nb.create<linalg::YieldOp>(l, body(nb, l, args));
      });
  return SmallVector<Value>(g.getResults().begin(), g.getResults().end());
}

Value fadd(OpBuilder &b, Location l, Value x, Value y) {
  if (llvm::isa<FloatType>(x.getType()))
    return b.create<arith::AddFOp>(l, x, y);
  return b.create<arith::AddIOp>(l, x, y);
}
Value fmul(OpBuilder &b, Location l, Value x, Value y) {
  if (llvm::isa<FloatType>(x.getType()))
    return b.create<arith::MulFOp>(l, x, y);
  return b.create<arith::MulIOp>(l, x, y);
}

/// Copies the spatial dims (2..) of `x` into a tensor of spatial sizes
/// `padded` filled with `padValue`, at offsets `before`; parts of x beyond
/// the padded extent are dropped.
Value padSpatial(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> before,
                 ArrayRef<int64_t> padded, Value padValue) {
  auto t = llvm::cast<RankedTensorType>(x.getType());
  size_t nsp = t.getRank() - 2;
  bool same = true;
  for (size_t i = 0; i < nsp; ++i)
    if (before[i] != 0 || padded[i] != t.getDimSize(i + 2))
      same = false;
  if (same)
    return x;
  Ints shape{t.getDimSize(0), t.getDimSize(1)};
  shape.append(padded.begin(), padded.end());
  Value dest = fillStatic(b, loc, shape, t.getElementType(), padValue);
  SmallVector<OpFoldResult> zeros(t.getRank(), b.getIndexAttr(0)),
      ones(t.getRank(), b.getIndexAttr(1)), sizes = foldSizes(b, t.getShape()),
      offs = zeros;
  bool crop = false;
  for (size_t i = 0; i < nsp; ++i) {
    int64_t n = std::min<int64_t>(t.getDimSize(i + 2), padded[i] - before[i]);
    if (n <= 0)
      return dest;
    if (n != t.getDimSize(i + 2))
      crop = true;
    sizes[i + 2] = b.getIndexAttr(n);
    offs[i + 2] = b.getIndexAttr(before[i]);
  }
  Value src = x;
  if (crop)
    src = b.create<tensor::ExtractSliceOp>(loc, x, zeros, sizes, ones);
  return b.create<tensor::InsertSliceOp>(loc, src, dest, offs, sizes, ones);
}

/// Conv/pool geometry, as in the reference evaluator.
struct Geometry {
  size_t nsp = 0;
  Ints in, k, s, d, pb, pe, out;
  /// Spatial extent read by the windows: (out - 1) * s + (k - 1) * d + 1.
  Ints extent() const {
    Ints r;
    for (size_t i = 0; i < nsp; ++i)
      r.push_back((out[i] - 1) * s[i] + (k[i] - 1) * d[i] + 1);
    return r;
  }
};

std::optional<Geometry> computeGeometry(ArrayRef<int64_t> inSp, ArrayRef<int64_t> kernel,
                                        std::optional<ArrayAttr> strides,
                                        std::optional<ArrayAttr> dilations,
                                        std::optional<ArrayAttr> pads, StringRef autoPad,
                                        bool ceilMode) {
  Geometry g;
  g.nsp = inSp.size();
  g.in.assign(inSp.begin(), inSp.end());
  g.k.assign(kernel.begin(), kernel.end());
  g.s = intsAttr(strides, g.nsp, 1);
  g.d = intsAttr(dilations, g.nsp, 1);
  if (g.s.size() != g.nsp || g.d.size() != g.nsp)
    return std::nullopt;
  for (size_t i = 0; i < g.nsp; ++i)
    if (g.k[i] <= 0 || g.s[i] <= 0 || g.d[i] <= 0)
      return std::nullopt;
  g.pb.assign(g.nsp, 0);
  g.pe.assign(g.nsp, 0);
  g.out.assign(g.nsp, 0);
  if (autoPad == "NOTSET") {
    Ints p = intsAttr(pads, 2 * g.nsp, 0);
    if (p.size() != 2 * g.nsp)
      return std::nullopt;
    for (size_t i = 0; i < g.nsp; ++i) {
      g.pb[i] = p[i];
      g.pe[i] = p[i + g.nsp];
      if (g.pb[i] < 0 || g.pe[i] < 0)
        return std::nullopt;
      int64_t ek = (g.k[i] - 1) * g.d[i] + 1;
      int64_t span = g.in[i] + g.pb[i] + g.pe[i] - ek;
      if (span < 0)
        return std::nullopt;
      if (ceilMode) {
        g.out[i] = ceilDiv(span, g.s[i]) + 1;
        if ((g.out[i] - 1) * g.s[i] >= g.in[i] + g.pb[i])
          --g.out[i];
      } else {
        g.out[i] = span / g.s[i] + 1;
      }
    }
  } else if (autoPad == "VALID") {
    for (size_t i = 0; i < g.nsp; ++i) {
      int64_t ek = (g.k[i] - 1) * g.d[i] + 1;
      int64_t span = g.in[i] - ek;
      if (span < 0)
        return std::nullopt;
      g.out[i] = ceilMode ? ceilDiv(span, g.s[i]) + 1 : span / g.s[i] + 1;
    }
  } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (size_t i = 0; i < g.nsp; ++i) {
      int64_t ek = (g.k[i] - 1) * g.d[i] + 1;
      g.out[i] = ceilDiv(g.in[i], g.s[i]);
      int64_t total = std::max<int64_t>(0, (g.out[i] - 1) * g.s[i] + ek - g.in[i]);
      if (autoPad == "SAME_UPPER") {
        g.pb[i] = total / 2;
        g.pe[i] = total - g.pb[i];
      } else {
        g.pe[i] = total / 2;
        g.pb[i] = total - g.pe[i];
      }
    }
  } else {
    return std::nullopt;
  }
  for (size_t i = 0; i < g.nsp; ++i)
    if (g.out[i] <= 0)
      return std::nullopt;
  return g;
}

/// The grouped convolution core: xp [N, G, cg, R...] (padded), w with
/// `wMap` over the iteration space (n, g, m, o..., c, k...), into an
/// accumulator [N, G, mg, O...] of type `acc`.
Value convCore(OpBuilder &b, Location loc, Value xp, Value w, AffineMap wMap,
               ArrayRef<int64_t> outShape, ArrayRef<int64_t> strides,
               ArrayRef<int64_t> dils, Type acc) {
  MLIRContext *ctx = b.getContext();
  size_t nsp = strides.size();
  unsigned nd = 4 + 2 * nsp;
  auto dim = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineExpr> xe{dim(0), dim(1), dim(3 + nsp)};
  SmallVector<AffineExpr> oe{dim(0), dim(1), dim(2)};
  for (size_t i = 0; i < nsp; ++i) {
    xe.push_back(dim(3 + i) * strides[i] + dim(4 + nsp + i) * dils[i]);
    oe.push_back(dim(3 + i));
  }
  SmallVector<IterType> iters(3 + nsp, IterType::parallel);
  iters.append(1 + nsp, IterType::reduction);
  Value init = fillStatic(b, loc, outShape, acc, scalarConstant(b, loc, acc, 0));
  SmallVector<AffineMap> maps{AffineMap::get(nd, 0, xe, ctx), wMap,
                              AffineMap::get(nd, 0, oe, ctx)};
  return buildGeneric(b, loc, {xp, w}, {init}, maps, iters,
                      [&](OpBuilder &nb, Location l, ValueRange a) -> SmallVector<Value> {
                        Value x = castScalar(nb, l, a[0], acc, false, false);
                        Value y = castScalar(nb, l, a[1], acc, false, false);
                        return {fadd(nb, l, a[2], fmul(nb, l, x, y))};
                      })[0];
}

/// acc [N, M, O...] (+ bias [M]) -> result type.
Value convEpilogue(OpBuilder &b, Location loc, Value acc, Value bias,
                   RankedTensorType type) {
  auto accT = llvm::cast<RankedTensorType>(acc.getType());
  bool hasBias = !llvm::isa<NoneType>(bias.getType());
  if (!hasBias && accT == type)
    return acc;
  MLIRContext *ctx = b.getContext();
  int64_t rank = type.getRank();
  SmallVector<Value> ins{acc};
  SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(rank, ctx)};
  if (hasBias) {
    ins.push_back(reshapeStatic(b, loc, bias, {type.getDimSize(1)}));
    maps.push_back(AffineMap::get(rank, 0, {getAffineDimExpr(1, ctx)}, ctx));
  }
  Type at = accT.getElementType();
  return buildMappedGeneric(b, loc, type, foldSizes(b, type.getShape()), ins, maps,
                            [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
                              Value x = v[0];
                              if (hasBias)
                                x = fadd(nb, l, x, castScalar(nb, l, v[1], at, false, false));
                              return castScalar(nb, l, x, type.getElementType(), false, false);
                            });
}

/// Conv: grouped, any number of spatial dims.
struct ConvLowering : public TxcPattern<ConvOp> {
  using TxcPattern<ConvOp>::TxcPattern;
  LogicalResult matchAndRewrite(ConvOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    auto xt = staticType(a.getX()), wt = staticType(a.getW());
    if (!type || !type.hasStaticShape() || !xt || !wt || xt.getRank() < 3 ||
        wt.getRank() != xt.getRank() || !llvm::isa<FloatType>(xt.getElementType()))
      return failure();
    size_t nsp = xt.getRank() - 2;
    int64_t N = xt.getDimSize(0), C = xt.getDimSize(1), M = wt.getDimSize(0);
    int64_t G = op.getGroup();
    if (G <= 0 || C % G || M % G || wt.getDimSize(1) != C / G)
      return failure();
    int64_t cg = C / G, mg = M / G;
    Ints kernel(wt.getShape().begin() + 2, wt.getShape().end());
    if (op.getKernelShape() && intsAttr(op.getKernelShape(), nsp, 0) != kernel)
      return failure();
    auto g = computeGeometry(xt.getShape().drop_front(2), kernel, op.getStrides(),
                             op.getDilations(), op.getPads(), op.getAutoPad(), false);
    if (!g)
      return failure();
    Ints outShape{N, M};
    outShape.append(g->out.begin(), g->out.end());
    if (type.getShape() != ArrayRef<int64_t>(outShape))
      return failure();
    Location loc = op.getLoc();
    Type et = xt.getElementType(), acc = accType(et);
    Value xp = padSpatial(rw, loc, a.getX(), g->pb, g->extent(), scalarConstant(rw, loc, et, 0));
    auto xpT = llvm::cast<RankedTensorType>(xp.getType());
    Ints xs{N, G, cg};
    xs.append(xpT.getShape().begin() + 2, xpT.getShape().end());
    xp = reshapeStatic(rw, loc, xp, xs);
    Ints ws{G, mg, cg};
    ws.append(kernel.begin(), kernel.end());
    Value w = reshapeStatic(rw, loc, a.getW(), ws);
    MLIRContext *ctx = rw.getContext();
    unsigned nd = 4 + 2 * nsp;
    SmallVector<AffineExpr> we{getAffineDimExpr(1, ctx), getAffineDimExpr(2, ctx),
                               getAffineDimExpr(3 + nsp, ctx)};
    for (size_t i = 0; i < nsp; ++i)
      we.push_back(getAffineDimExpr(4 + nsp + i, ctx));
    Ints accShape{N, G, mg};
    accShape.append(g->out.begin(), g->out.end());
    Value y = convCore(rw, loc, xp, w, AffineMap::get(nd, 0, we, ctx), accShape, g->s, g->d, acc);
    Ints flat{N, M};
    flat.append(g->out.begin(), g->out.end());
    y = reshapeStatic(rw, loc, y, flat);
    rw.replaceOp(op, convEpilogue(rw, loc, y, a.getB(), type));
    return success();
  }
};

/// ConvTranspose: the input dilated by the strides (zeros between) and
/// padded by (k - 1) * d - pad, convolved (stride 1) with the flipped kernel.
struct ConvTransposeLowering : public TxcPattern<ConvTransposeOp> {
  using TxcPattern<ConvTransposeOp>::TxcPattern;
  LogicalResult matchAndRewrite(ConvTransposeOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    auto xt = staticType(a.getX()), wt = staticType(a.getW());
    if (!type || !type.hasStaticShape() || !xt || !wt || xt.getRank() < 3 ||
        wt.getRank() != xt.getRank() || !llvm::isa<FloatType>(xt.getElementType()))
      return failure();
    size_t nsp = xt.getRank() - 2;
    int64_t N = xt.getDimSize(0), C = xt.getDimSize(1);
    int64_t G = op.getGroup();
    if (G <= 0 || C % G || wt.getDimSize(0) != C)
      return failure();
    int64_t cg = C / G, mg = wt.getDimSize(1), M = mg * G;
    Ints kernel(wt.getShape().begin() + 2, wt.getShape().end());
    if (op.getKernelShape() && intsAttr(op.getKernelShape(), nsp, 0) != kernel)
      return failure();
    Ints s = intsAttr(op.getStrides(), nsp, 1), d = intsAttr(op.getDilations(), nsp, 1),
         opad = intsAttr(op.getOutputPadding(), nsp, 0),
         pads = intsAttr(op.getPads(), 2 * nsp, 0),
         osAttr = intsAttr(op.getOutputShape(), 0, 0);
    if (s.size() != nsp || d.size() != nsp || opad.size() != nsp || pads.size() != 2 * nsp)
      return failure();
    if (osAttr.size() == nsp + 2)
      osAttr.erase(osAttr.begin(), osAttr.begin() + 2);
    if (!osAttr.empty() && osAttr.size() != nsp)
      return failure();
    StringRef autoPad = op.getAutoPad();
    Ints in(xt.getShape().begin() + 2, xt.getShape().end());
    Ints outSp(nsp), pb(nsp);
    for (size_t i = 0; i < nsp; ++i) {
      if (s[i] <= 0 || d[i] <= 0)
        return failure();
      int64_t ek = (kernel[i] - 1) * d[i] + 1;
      int64_t full = s[i] * (in[i] - 1) + opad[i] + ek;
      if (!osAttr.empty() || autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
        int64_t target = !osAttr.empty() ? osAttr[i] : in[i] * s[i];
        int64_t total = full - target;
        if (autoPad == "SAME_UPPER")
          pb[i] = floorDiv(total, 2);
        else
          pb[i] = total - floorDiv(total, 2);
        outSp[i] = target;
      } else if (autoPad == "VALID") {
        pb[i] = 0;
        outSp[i] = full;
      } else if (autoPad == "NOTSET") {
        pb[i] = pads[i];
        outSp[i] = full - pads[i] - pads[i + nsp];
      } else {
        return failure();
      }
      if (outSp[i] <= 0)
        return failure();
    }
    Ints outShape{N, M};
    outShape.append(outSp.begin(), outSp.end());
    if (type.getShape() != ArrayRef<int64_t>(outShape))
      return failure();
    Location loc = op.getLoc();
    Type et = xt.getElementType(), acc = accType(et);
    // zp[r] = x[i] at r = i * s + (k - 1) * d - pb; R = out + (k - 1) * d.
    Ints R(nsp), lo(nsp), hi(nsp), P0(nsp);
    bool empty = false;
    for (size_t i = 0; i < nsp; ++i) {
      P0[i] = (kernel[i] - 1) * d[i] - pb[i];
      R[i] = outSp[i] + (kernel[i] - 1) * d[i];
      lo[i] = P0[i] >= 0 ? 0 : ceilDiv(-P0[i], s[i]);
      hi[i] = R[i] - 1 - P0[i] < 0 ? 0 : std::min<int64_t>(in[i], floorDiv(R[i] - 1 - P0[i], s[i]) + 1);
      if (hi[i] <= lo[i])
        empty = true;
    }
    Ints zs{N, C};
    zs.append(R.begin(), R.end());
    Value z = fillStatic(rw, loc, zs, et, scalarConstant(rw, loc, et, 0));
    if (!empty) {
      int64_t rank = xt.getRank();
      SmallVector<OpFoldResult> offs(rank, rw.getIndexAttr(0)), sizes = foldSizes(rw, xt.getShape()),
          ones(rank, rw.getIndexAttr(1)), dOffs = offs, dStrides = ones;
      bool crop = false;
      for (size_t i = 0; i < nsp; ++i) {
        if (lo[i] != 0 || hi[i] != in[i])
          crop = true;
        offs[i + 2] = rw.getIndexAttr(lo[i]);
        sizes[i + 2] = rw.getIndexAttr(hi[i] - lo[i]);
        dOffs[i + 2] = rw.getIndexAttr(lo[i] * s[i] + P0[i]);
        dStrides[i + 2] = rw.getIndexAttr(s[i]);
      }
      Value src = a.getX();
      if (crop)
        src = rw.create<tensor::ExtractSliceOp>(loc, src, offs, sizes, ones);
      z = rw.create<tensor::InsertSliceOp>(loc, src, z, dOffs, sizes, dStrides);
    }
    Ints xs{N, G, cg};
    xs.append(R.begin(), R.end());
    Value xp = reshapeStatic(rw, loc, z, xs);
    Ints ws{G, cg, mg};
    ws.append(kernel.begin(), kernel.end());
    Value w = reshapeStatic(rw, loc, a.getW(), ws);
    MLIRContext *ctx = rw.getContext();
    unsigned nd = 4 + 2 * nsp;
    // The flipped kernel wf[g, c, m, k] = w[g, c, m, K-1-k], then the plain map.
    int64_t wr = 3 + nsp;
    SmallVector<AffineExpr> fe;
    for (int64_t i = 0; i < 3; ++i)
      fe.push_back(getAffineDimExpr(i, ctx));
    for (size_t i = 0; i < nsp; ++i)
      fe.push_back(getAffineConstantExpr(kernel[i] - 1, ctx) - getAffineDimExpr(3 + i, ctx));
    auto wType = RankedTensorType::get(ws, wt.getElementType());
    w = buildMappedGeneric(rw, loc, wType, foldSizes(rw, ws), {w},
                           {AffineMap::get(wr, 0, fe, ctx)},
                           [](OpBuilder &, Location, ValueRange v) { return v[0]; });
    SmallVector<AffineExpr> we{getAffineDimExpr(1, ctx), getAffineDimExpr(3 + nsp, ctx),
                               getAffineDimExpr(2, ctx)};
    for (size_t i = 0; i < nsp; ++i)
      we.push_back(getAffineDimExpr(4 + nsp + i, ctx));
    Ints accShape{N, G, mg};
    accShape.append(outSp.begin(), outSp.end());
    Ints ones(nsp, 1);
    Value y = convCore(rw, loc, xp, w, AffineMap::get(nd, 0, we, ctx), accShape, ones, d, acc);
    y = reshapeStatic(rw, loc, y, outShape);
    rw.replaceOp(op, convEpilogue(rw, loc, y, a.getB(), type));
    return success();
  }
};

enum class PoolKind { Max, Avg, Lp };

/// A placeholder for an unused result (tensor.empty, erased as dead code).
Value unusedResult(OpBuilder &b, Location loc, Operation *op, unsigned i) {
  RankedTensorType t = loweredTensorType(op->getResult(i).getType());
  SmallVector<OpFoldResult> sizes;
  for (int64_t d : t.getShape())
    sizes.push_back(b.getIndexAttr(ShapedType::isDynamic(d) ? 0 : d));
  return emptyTensor(b, loc, t, sizes);
}

double lowestOf(Type t, bool isUnsigned) {
  if (llvm::isa<FloatType>(t))
    return -std::numeric_limits<double>::infinity();
  if (isUnsigned)
    return 0;
  unsigned w = t.getIntOrFloatBitWidth();
  return w >= 64 ? static_cast<double>(std::numeric_limits<int64_t>::min())
                 : -std::ldexp(1.0, w - 1);
}

/// MaxPool / AveragePool / LpPool.
template <typename Op, PoolKind Kind>
struct PoolLowering : public TxcPattern<Op> {
  using TxcPattern<Op>::TxcPattern;
  LogicalResult matchAndRewrite(Op op, typename Op::Adaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op->getResult(0).getType());
    auto xt = staticType(a.getX());
    if (!type || !type.hasStaticShape() || !xt || xt.getRank() < 3)
      return failure();
    Type et = xt.getElementType();
    bool isFloat = llvm::isa<FloatType>(et);
    bool isUnsigned =
        isUnsignedInt(llvm::cast<ShapedType>(op.getX().getType()).getElementType());
    if (Kind != PoolKind::Max && !isFloat)
      return failure();
    if (!isFloat && et.getIntOrFloatBitWidth() == 1)
      return failure();
    size_t nsp = xt.getRank() - 2;
    Ints kernel = intsAttr(op.getKernelShape(), nsp, 0);
    if (kernel.size() != nsp)
      return failure();
    auto g = computeGeometry(xt.getShape().drop_front(2), kernel, op.getStrides(),
                             op.getDilations(), op.getPads(), op.getAutoPad(),
                             op.getCeilMode() != 0);
    if (!g)
      return failure();
    int64_t N = xt.getDimSize(0), C = xt.getDimSize(1);
    Ints outShape{N, C};
    outShape.append(g->out.begin(), g->out.end());
    if (type.getShape() != ArrayRef<int64_t>(outShape))
      return failure();
    bool withIndices = false;
    RankedTensorType indType;
    if constexpr (Kind == PoolKind::Max) {
      if (op->getNumResults() > 1 && !op->getResult(1).use_empty()) {
        withIndices = true;
        indType = loweredTensorType(op->getResult(1).getType());
        if (!indType || indType.getShape() != ArrayRef<int64_t>(outShape) ||
            !indType.getElementType().isInteger(64) || op.getStorageOrder() < 0 ||
            op.getStorageOrder() > 1)
          return failure();
      }
    }
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    Type acc = isFloat ? accType(et) : et;
    double padV = Kind == PoolKind::Max ? lowestOf(et, isUnsigned) : 0.0;
    Value xp = padSpatial(rw, loc, a.getX(), g->pb, g->extent(), scalarConstant(rw, loc, et, padV));
    unsigned nd = 2 + 2 * nsp;
    auto dim = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> xe{dim(0), dim(1)}, oe{dim(0), dim(1)}, ke;
    for (size_t i = 0; i < nsp; ++i) {
      xe.push_back(dim(2 + i) * g->s[i] + dim(2 + nsp + i) * g->d[i]);
      oe.push_back(dim(2 + i));
      ke.push_back(dim(2 + nsp + i));
    }
    SmallVector<IterType> iters(2 + nsp, IterType::parallel);
    iters.append(nsp, IterType::reduction);
    Value window = rw.create<tensor::EmptyOp>(loc, kernel, et);
    AffineMap xm = AffineMap::get(nd, 0, xe, ctx), km = AffineMap::get(nd, 0, ke, ctx),
              om = AffineMap::get(nd, 0, oe, ctx);
    double p = 2;
    if constexpr (Kind == PoolKind::Lp)
      p = static_cast<double>(op.getP());
    Value result;
    if (Kind == PoolKind::Max && withIndices) {
      Value vInit = fillStatic(rw, loc, outShape, acc, scalarConstant(rw, loc, acc, padV));
      Value iInit = fillStatic(rw, loc, outShape, rw.getI64Type(),
                               scalarConstant(rw, loc, rw.getI64Type(), -1));
      int64_t inSz = product(g->in);
      bool colMajor = false;
      if constexpr (Kind == PoolKind::Max)
        colMajor = op.getStorageOrder() == 1;
      auto res = buildGeneric(
          rw, loc, {xp, window}, {vInit, iInit}, {xm, km, om, om}, iters,
          [&](OpBuilder &b, Location l, ValueRange v) -> SmallVector<Value> {
            Value x = v[0], accV = v[2], accI = v[3];
            Type i64 = b.getI64Type();
            auto idx = [&](unsigned i) -> Value {
              return b.create<arith::IndexCastOp>(l, i64, b.create<linalg::IndexOp>(l, i));
            };
            auto c64 = [&](int64_t c) { return scalarConstant(b, l, i64, static_cast<double>(c)); };
            Value inside = b.create<arith::ConstantIntOp>(l, 1, 1);
            Value flat = c64(0);
            Ints strides(nsp, 1);
            if (colMajor) {
              for (size_t i = 1; i < nsp; ++i)
                strides[i] = strides[i - 1] * g->in[i - 1];
            } else {
              for (int64_t i = static_cast<int64_t>(nsp) - 2; i >= 0; --i)
                strides[i] = strides[i + 1] * g->in[i + 1];
            }
            for (size_t i = 0; i < nsp; ++i) {
              Value pos = b.create<arith::AddIOp>(
                  l, b.create<arith::MulIOp>(l, idx(2 + i), c64(g->s[i])),
                  b.create<arith::MulIOp>(l, idx(2 + nsp + i), c64(g->d[i])));
              pos = b.create<arith::SubIOp>(l, pos, c64(g->pb[i]));
              Value ge = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, pos, c64(0));
              Value lt = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, pos, c64(g->in[i]));
              inside = b.create<arith::AndIOp>(l, inside, b.create<arith::AndIOp>(l, ge, lt));
              flat = b.create<arith::AddIOp>(l, flat, b.create<arith::MulIOp>(l, pos, c64(strides[i])));
            }
            Value nc = b.create<arith::AddIOp>(l, b.create<arith::MulIOp>(l, idx(0), c64(C)), idx(1));
            flat = b.create<arith::AddIOp>(l, flat, b.create<arith::MulIOp>(l, nc, c64(inSz)));
            Value better;
            if (isFloat) {
              Value gt = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGT, x, accV);
              Value xNan = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::UNO, x, x);
              Value aNotNan = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::ORD, accV, accV);
              better = b.create<arith::OrIOp>(l, gt, b.create<arith::AndIOp>(l, xNan, aNotNan));
            } else {
              better = b.create<arith::CmpIOp>(
                  l, isUnsigned ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt, x, accV);
            }
            Value first = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, accI, c64(0));
            Value take = b.create<arith::AndIOp>(l, inside, b.create<arith::OrIOp>(l, first, better));
            return {b.create<arith::SelectOp>(l, take, x, accV),
                    b.create<arith::SelectOp>(l, take, flat, accI)};
          });
      Value y = res[0];
      if (acc != type.getElementType())
        y = buildElementwise(rw, loc, type, {y}, [&](OpBuilder &b, Location l, ValueRange v) {
          return castScalar(b, l, v[0], type.getElementType(), false, false);
        });
      rw.replaceOp(op, {y, res[1]});
      return success();
    }
    Value init = fillStatic(rw, loc, outShape, acc, scalarConstant(rw, loc, acc, padV));
    result = buildGeneric(
        rw, loc, {xp, window}, {init}, {xm, km, om}, iters,
        [&](OpBuilder &b, Location l, ValueRange v) -> SmallVector<Value> {
          Value x = isFloat ? castScalar(b, l, v[0], acc, false, false) : v[0];
          Value r = v[2];
          if (Kind == PoolKind::Max) {
            if (isFloat)
              return {b.create<arith::MaximumFOp>(l, r, x)};
            if (isUnsigned)
              return {b.create<arith::MaxUIOp>(l, r, x)};
            return {b.create<arith::MaxSIOp>(l, r, x)};
          }
          if (Kind == PoolKind::Lp) {
            Value ax = b.create<math::AbsFOp>(l, x);
            Value pw = p == 1 ? ax
                       : p == 2 ? Value(b.create<arith::MulFOp>(l, ax, ax))
                                : Value(b.create<math::PowFOp>(l, ax, scalarConstant(b, l, acc, p)));
            return {b.create<arith::AddFOp>(l, r, pw)};
          }
          return {b.create<arith::AddFOp>(l, r, x)};
        })[0];
    int64_t rank = type.getRank();
    SmallVector<Value> ins{result};
    SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(rank, ctx)};
    if (Kind == PoolKind::Avg) {
      bool countPad = false;
      if constexpr (Kind == PoolKind::Avg)
        countPad = op.getCountIncludePad() != 0;
      // Per-dim counts are separable: count = prod over dims.
      SmallVector<Ints> perDim(nsp);
      for (size_t i = 0; i < nsp; ++i)
        for (int64_t o = 0; o < g->out[i]; ++o) {
          int64_t cnt = 0;
          for (int64_t k = 0; k < g->k[i]; ++k) {
            int64_t pos = o * g->s[i] - g->pb[i] + k * g->d[i];
            if (countPad ? (pos >= -g->pb[i] && pos < g->in[i] + g->pe[i])
                         : (pos >= 0 && pos < g->in[i]))
              ++cnt;
          }
          perDim[i].push_back(cnt);
        }
      int64_t outSz = product(g->out);
      SmallVector<float> counts(outSz);
      Ints o(nsp, 0);
      for (int64_t f = 0; f < outSz; ++f) {
        int64_t c = 1;
        for (size_t i = 0; i < nsp; ++i)
          c *= perDim[i][o[i]];
        counts[f] = static_cast<float>(c);
        for (int64_t i = static_cast<int64_t>(nsp) - 1; i >= 0; --i) {
          if (++o[i] < g->out[i])
            break;
          o[i] = 0;
        }
      }
      auto ct = RankedTensorType::get(g->out, rw.getF32Type());
      Value cnt = rw.create<arith::ConstantOp>(loc, DenseElementsAttr::get(ct, ArrayRef<float>(counts)));
      ins.push_back(cnt);
      SmallVector<AffineExpr> ce;
      for (size_t i = 0; i < nsp; ++i)
        ce.push_back(getAffineDimExpr(2 + i, ctx));
      maps.push_back(AffineMap::get(rank, 0, ce, ctx));
    } else if (acc == type.getElementType() && Kind == PoolKind::Max) {
      rw.replaceOp(op, {result, unusedResult(rw, loc, op, 1)});
      return success();
    }
    Value y = buildMappedGeneric(
        rw, loc, type, foldSizes(rw, type.getShape()), ins, maps,
        [&](OpBuilder &b, Location l, ValueRange v) -> Value {
          Value x = v[0];
          if (Kind == PoolKind::Avg)
            x = b.create<arith::DivFOp>(l, x, castScalar(b, l, v[1], acc, false, false));
          else if (Kind == PoolKind::Lp)
            x = p == 1 ? x
                : p == 2 ? Value(b.create<math::SqrtOp>(l, x))
                         : Value(b.create<math::PowFOp>(l, x, scalarConstant(b, l, acc, 1.0 / p)));
          return castScalar(b, l, x, type.getElementType(), false, false);
        });
    if (op->getNumResults() > 1)
      rw.replaceOp(op, {y, unusedResult(rw, loc, op, 1)});
    else
      rw.replaceOp(op, y);
    return success();
  }
};


/// Sums `x` [A, B, L] over L (after `pre`) into [A, B] of type `acc`; `extra`
/// inputs are read per (A, B).
Value reduceLast(OpBuilder &b, Location loc, Value x, ValueRange extra, Type acc,
                 double init,
                 function_ref<Value(OpBuilder &, Location, ValueRange, Value)> combine) {
  MLIRContext *ctx = b.getContext();
  auto t = llvm::cast<RankedTensorType>(x.getType());
  Ints outShape{t.getDimSize(0), t.getDimSize(1)};
  Value out = fillStatic(b, loc, outShape, acc, scalarConstant(b, loc, acc, init));
  AffineMap id = AffineMap::getMultiDimIdentityMap(3, ctx);
  AffineMap drop = AffineMap::get(3, 0, {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx)}, ctx);
  SmallVector<Value> ins{x};
  ins.append(extra.begin(), extra.end());
  SmallVector<AffineMap> maps{id};
  maps.append(extra.size() + 1, drop);
  return buildGeneric(b, loc, ins, {out}, maps,
                      {IterType::parallel, IterType::parallel, IterType::reduction},
                      [&](OpBuilder &nb, Location l, ValueRange v) -> SmallVector<Value> {
                        return {combine(nb, l, v.drop_back(), v.back())};
                      })[0];
}

/// Mean and population variance of x [A, B, L] over L, in `acc`.
std::pair<Value, Value> meanVar(OpBuilder &b, Location loc, Value x, Type acc) {
  auto t = llvm::cast<RankedTensorType>(x.getType());
  double L = static_cast<double>(t.getDimSize(2));
  Value sum = reduceLast(b, loc, x, {}, acc, 0,
                         [&](OpBuilder &nb, Location l, ValueRange v, Value r) -> Value {
                           return nb.create<arith::AddFOp>(l, r, castScalar(nb, l, v[0], acc, false, false));
                         });
  auto st = llvm::cast<RankedTensorType>(sum.getType());
  Value mean = buildElementwise(b, loc, st, {sum}, [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
    return nb.create<arith::DivFOp>(l, v[0], scalarConstant(nb, l, acc, L));
  });
  Value ss = reduceLast(b, loc, x, {mean}, acc, 0,
                        [&](OpBuilder &nb, Location l, ValueRange v, Value r) -> Value {
                          Value d = nb.create<arith::SubFOp>(l, castScalar(nb, l, v[0], acc, false, false), v[1]);
                          return nb.create<arith::AddFOp>(l, r, nb.create<arith::MulFOp>(l, d, d));
                        });
  Value var = buildElementwise(b, loc, st, {ss}, [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
    return nb.create<arith::DivFOp>(l, v[0], scalarConstant(nb, l, acc, L));
  });
  return {mean, var};
}

/// GlobalAveragePool / GlobalMaxPool: a reduction over the flattened spatial dims.
template <typename Op, bool IsMax>
struct GlobalPoolLowering : public TxcPattern<Op> {
  using TxcPattern<Op>::TxcPattern;
  LogicalResult matchAndRewrite(Op op, typename Op::Adaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    auto xt = staticType(a.getX());
    if (!type || !type.hasStaticShape() || !xt || xt.getRank() < 3 ||
        !llvm::isa<FloatType>(xt.getElementType()))
      return failure();
    Location loc = op.getLoc();
    int64_t N = xt.getDimSize(0), C = xt.getDimSize(1);
    int64_t L = product(xt.getShape().drop_front(2));
    if (L == 0)
      return failure();
    Type acc = accType(xt.getElementType());
    Value x = reshapeStatic(rw, loc, a.getX(), {N, C, L});
    Value r = reduceLast(rw, loc, x, {}, acc, IsMax ? -std::numeric_limits<double>::infinity() : 0,
                         [&](OpBuilder &b, Location l, ValueRange v, Value r) -> Value {
                           Value e = castScalar(b, l, v[0], acc, false, false);
                           if (IsMax)
                             return b.create<arith::MaximumFOp>(l, r, e);
                           return b.create<arith::AddFOp>(l, r, e);
                         });
    auto rt = RankedTensorType::get({N, C}, type.getElementType());
    r = buildElementwise(rw, loc, rt, {r}, [&](OpBuilder &b, Location l, ValueRange v) -> Value {
      Value e = v[0];
      if (!IsMax)
        e = b.create<arith::DivFOp>(l, e, scalarConstant(b, l, acc, static_cast<double>(L)));
      return castScalar(b, l, e, type.getElementType(), false, false);
    });
    rw.replaceOp(op, reshapeStatic(rw, loc, r, type.getShape()));
    return success();
  }
};

/// BatchNormalization in inference mode: one elementwise generic.
struct BatchNormLowering : public TxcPattern<BatchNormalizationOp> {
  using TxcPattern<BatchNormalizationOp>::TxcPattern;
  LogicalResult matchAndRewrite(BatchNormalizationOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getY().getType());
    auto xt = staticType(a.getX());
    if (op.getTrainingMode() != 0 || !type || !xt || type != xt || xt.getRank() < 2 ||
        !llvm::isa<FloatType>(xt.getElementType()))
      return failure();
    int64_t C = xt.getDimSize(1);
    SmallVector<Value> params{a.getScale(), a.getB(), a.getInputMean(), a.getInputVar()};
    for (Value p : params) {
      auto pt = staticType(p);
      if (!pt || pt.getNumElements() != C || pt.getRank() > 1 ||
          !llvm::isa<FloatType>(pt.getElementType()))
        return failure();
    }
    for (unsigned i = 1; i < 3; ++i)
      if (!op->getResult(i).use_empty() &&
          op->getResult(i).getType() != op->getOperand(2 + i).getType())
        return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    int64_t rank = xt.getRank();
    Type acc = accType(xt.getElementType());
    double eps = op.getEpsilon().convertToDouble();
    SmallVector<Value> ins{a.getX()};
    SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(rank, ctx)};
    for (Value p : params) {
      ins.push_back(reshapeStatic(rw, loc, p, {C}));
      maps.push_back(AffineMap::get(rank, 0, {getAffineDimExpr(1, ctx)}, ctx));
    }
    Value y = buildMappedGeneric(
        rw, loc, type, foldSizes(rw, type.getShape()), ins, maps,
        [&](OpBuilder &b, Location l, ValueRange v) -> Value {
          SmallVector<Value> e;
          for (Value x : v)
            e.push_back(castScalar(b, l, x, acc, false, false));
          Value den = b.create<math::SqrtOp>(
              l, b.create<arith::AddFOp>(l, e[4], scalarConstant(b, l, acc, eps)));
          Value r = b.create<arith::DivFOp>(l, b.create<arith::SubFOp>(l, e[0], e[3]), den);
          r = b.create<arith::AddFOp>(l, b.create<arith::MulFOp>(l, r, e[1]), e[2]);
          return castScalar(b, l, r, type.getElementType(), false, false);
        });
    rw.replaceOp(op, {y, a.getInputMean(), a.getInputVar()});
    return success();
  }
};

/// InstanceNormalization / GroupNormalization: statistics over x viewed as
/// [N, G, L], then (x - mean) / sqrt(var + eps) * scale[c] + bias[c] over
/// [N, G, C/G, spatial].
template <typename Op>
struct GroupedNormLowering : public TxcPattern<Op> {
  using TxcPattern<Op>::TxcPattern;
  LogicalResult matchAndRewrite(Op op, typename Op::Adaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    Value X = a.getOperands()[0], S = a.getOperands()[1], B = a.getOperands()[2];
    auto xt = staticType(X);
    if (!type || !xt || type != xt || xt.getRank() < 2 ||
        !llvm::isa<FloatType>(xt.getElementType()))
      return failure();
    int64_t N = xt.getDimSize(0), C = xt.getDimSize(1);
    int64_t G = C;
    if constexpr (std::is_same_v<Op, GroupNormalizationOp>)
      G = op.getNumGroups();
    else if (xt.getRank() < 3)
      return failure();
    if (G <= 0 || C % G)
      return failure();
    for (Value p : {S, B}) {
      auto pt = staticType(p);
      if (!pt || pt.getNumElements() != C || pt.getRank() > 1 ||
          !llvm::isa<FloatType>(pt.getElementType()))
        return failure();
    }
    int64_t cpg = C / G, sp = product(xt.getShape().drop_front(2));
    if (cpg * sp == 0)
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    Type acc = accType(xt.getElementType());
    double eps = op.getEpsilon().convertToDouble();
    auto [mean, var] = meanVar(rw, loc, reshapeStatic(rw, loc, X, {N, G, cpg * sp}), acc);
    Value x4 = reshapeStatic(rw, loc, X, {N, G, cpg, sp});
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(4, ctx),
                                AffineMap::get(4, 0, {d(0), d(1)}, ctx),
                                AffineMap::get(4, 0, {d(0), d(1)}, ctx),
                                AffineMap::get(4, 0, {d(1), d(2)}, ctx),
                                AffineMap::get(4, 0, {d(1), d(2)}, ctx)};
    auto yt = RankedTensorType::get({N, G, cpg, sp}, type.getElementType());
    Value y = buildMappedGeneric(
        rw, loc, yt, foldSizes(rw, yt.getShape()),
        {x4, mean, var, reshapeStatic(rw, loc, S, {G, cpg}), reshapeStatic(rw, loc, B, {G, cpg})},
        maps, [&](OpBuilder &b, Location l, ValueRange v) -> Value {
          SmallVector<Value> e;
          for (Value x : v)
            e.push_back(castScalar(b, l, x, acc, false, false));
          Value inv = b.create<arith::DivFOp>(
              l, scalarConstant(b, l, acc, 1.0),
              b.create<math::SqrtOp>(l, b.create<arith::AddFOp>(l, e[2], scalarConstant(b, l, acc, eps))));
          Value r = b.create<arith::MulFOp>(l, b.create<arith::SubFOp>(l, e[0], e[1]), inv);
          r = b.create<arith::AddFOp>(l, b.create<arith::MulFOp>(l, r, e[3]), e[4]);
          return castScalar(b, l, r, type.getElementType(), false, false);
        });
    rw.replaceOp(op, reshapeStatic(rw, loc, y, type.getShape()));
    return success();
  }
};

/// LRN: the channel window sum of squares (channels zero-padded), then
/// x / (bias + alpha / size * sum)^beta.
struct LRNLowering : public TxcPattern<LRNOp> {
  using TxcPattern<LRNOp>::TxcPattern;
  LogicalResult matchAndRewrite(LRNOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    auto xt = staticType(a.getX());
    int64_t size = op.getSize();
    if (!type || !xt || type != xt || xt.getRank() < 2 || size <= 0 ||
        !llvm::isa<FloatType>(xt.getElementType()))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    int64_t N = xt.getDimSize(0), C = xt.getDimSize(1), sp = product(xt.getShape().drop_front(2));
    int64_t lo = (size - 1) / 2;
    Type et = xt.getElementType(), acc = accType(et);
    Value x3 = reshapeStatic(rw, loc, a.getX(), {N, C, sp});
    Value xp = fillStatic(rw, loc, {N, C + size - 1, sp}, et, scalarConstant(rw, loc, et, 0));
    SmallVector<OpFoldResult> offs{rw.getIndexAttr(0), rw.getIndexAttr(lo), rw.getIndexAttr(0)};
    SmallVector<OpFoldResult> ones(3, rw.getIndexAttr(1));
    xp = rw.create<tensor::InsertSliceOp>(loc, x3, xp, offs, foldSizes(rw, {N, C, sp}), ones);
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    Value window = rw.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{size}, et);
    Value init = fillStatic(rw, loc, {N, C, sp}, acc, scalarConstant(rw, loc, acc, 0));
    Value ss = buildGeneric(
        rw, loc, {xp, window}, {init},
        {AffineMap::get(4, 0, {d(0), d(1) + d(3), d(2)}, ctx), AffineMap::get(4, 0, {d(3)}, ctx),
         AffineMap::get(4, 0, {d(0), d(1), d(2)}, ctx)},
        {IterType::parallel, IterType::parallel, IterType::parallel, IterType::reduction},
        [&](OpBuilder &b, Location l, ValueRange v) -> SmallVector<Value> {
          Value e = castScalar(b, l, v[0], acc, false, false);
          return {b.create<arith::AddFOp>(l, v[2], b.create<arith::MulFOp>(l, e, e))};
        })[0];
    double alpha = op.getAlpha().convertToDouble(), beta = op.getBeta().convertToDouble(),
           bias = op.getBias().convertToDouble();
    auto yt = RankedTensorType::get({N, C, sp}, et);
    Value y = buildElementwise(rw, loc, yt, {x3, ss}, [&](OpBuilder &b, Location l, ValueRange v) -> Value {
      Value x = castScalar(b, l, v[0], acc, false, false);
      Value base = b.create<arith::AddFOp>(
          l, scalarConstant(b, l, acc, bias),
          b.create<arith::MulFOp>(l, scalarConstant(b, l, acc, alpha / size), v[1]));
      Value den = b.create<math::PowFOp>(l, base, scalarConstant(b, l, acc, beta));
      return castScalar(b, l, b.create<arith::DivFOp>(l, x, den), et, false, false);
    });
    rw.replaceOp(op, reshapeStatic(rw, loc, y, type.getShape()));
    return success();
  }
};

/// x reshaped to `split`, transposed by `perm`, reshaped to `type`.
Value permuteReshape(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> split,
                     ArrayRef<int64_t> perm, RankedTensorType type) {
  Value v = reshapeStatic(b, loc, x, split);
  Ints pshape;
  for (int64_t p : perm)
    pshape.push_back(split[p]);
  Value init = b.create<tensor::EmptyOp>(loc, pshape, type.getElementType());
  Value t = b.create<linalg::TransposeOp>(loc, v, init, perm).getResult()[0];
  return reshapeStatic(b, loc, t, type.getShape());
}

struct DepthToSpaceLowering : public TxcPattern<DepthToSpaceOp> {
  using TxcPattern<DepthToSpaceOp>::TxcPattern;
  LogicalResult matchAndRewrite(DepthToSpaceOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    auto xt = staticType(a.getInput());
    int64_t bs = op.getBlocksize();
    if (!type || !type.hasStaticShape() || !xt || xt.getRank() != 4 || bs <= 0 ||
        xt.getDimSize(1) % (bs * bs))
      return failure();
    int64_t N = xt.getDimSize(0), C = xt.getDimSize(1), H = xt.getDimSize(2), W = xt.getDimSize(3);
    int64_t c = C / (bs * bs);
    if (type.getShape() != ArrayRef<int64_t>{N, c, H * bs, W * bs})
      return failure();
    Value r;
    if (op.getMode() == "DCR")
      r = permuteReshape(rw, op.getLoc(), a.getInput(), {N, bs, bs, c, H, W}, {0, 3, 4, 1, 5, 2}, type);
    else if (op.getMode() == "CRD")
      r = permuteReshape(rw, op.getLoc(), a.getInput(), {N, c, bs, bs, H, W}, {0, 1, 4, 2, 5, 3}, type);
    else
      return failure();
    rw.replaceOp(op, r);
    return success();
  }
};

struct SpaceToDepthLowering : public TxcPattern<SpaceToDepthOp> {
  using TxcPattern<SpaceToDepthOp>::TxcPattern;
  LogicalResult matchAndRewrite(SpaceToDepthOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    auto xt = staticType(a.getInput());
    int64_t bs = op.getBlocksize();
    if (!type || !type.hasStaticShape() || !xt || xt.getRank() != 4 || bs <= 0 ||
        xt.getDimSize(2) % bs || xt.getDimSize(3) % bs)
      return failure();
    int64_t N = xt.getDimSize(0), C = xt.getDimSize(1), H = xt.getDimSize(2), W = xt.getDimSize(3);
    if (type.getShape() != ArrayRef<int64_t>{N, C * bs * bs, H / bs, W / bs})
      return failure();
    rw.replaceOp(op, permuteReshape(rw, op.getLoc(), a.getInput(), {N, C, H / bs, bs, W / bs, bs},
                                    {0, 3, 5, 1, 2, 4}, type));
    return success();
  }
};


/// The interpolation taps of one output coordinate (reference evaluator's
/// resizeTaps, verbatim semantics).
struct Taps {
  bool extrapolate = false;
  std::vector<std::pair<int64_t, double>> w;
};

std::optional<Taps> resizeTaps(int64_t x, int64_t inW, int64_t outW, double scale,
                               double roiStart, double roiEnd, StringRef mode, StringRef ctm,
                               StringRef nearestMode, double cubicA, bool excludeOutside,
                               bool antialias) {
  double outWf = scale * static_cast<double>(inW);
  double xo;
  if (ctm == "half_pixel") {
    xo = (x + 0.5) / scale - 0.5;
  } else if (ctm == "half_pixel_symmetric") {
    double adjustment = static_cast<double>(outW) / outWf;
    double center = inW / 2.0;
    xo = center * (1 - adjustment) + (x + 0.5) / scale - 0.5;
  } else if (ctm == "pytorch_half_pixel") {
    xo = outWf == 1 ? -0.5 : (x + 0.5) / scale - 0.5;
  } else if (ctm == "align_corners") {
    xo = outWf == 1 ? 0.0 : x * (inW - 1) / (outWf - 1);
  } else if (ctm == "asymmetric") {
    xo = x / scale;
  } else if (ctm == "tf_crop_and_resize") {
    xo = outWf == 1 ? (roiEnd - roiStart) * (inW - 1) / 2
                    : x * (roiEnd - roiStart) * (inW - 1) / (outWf - 1);
    xo += roiStart * (inW - 1);
    if (xo < 0 || xo > inW - 1) {
      Taps t;
      t.extrapolate = true;
      return t;
    }
  } else {
    return std::nullopt;
  }
  double fl = std::floor(xo);
  int64_t i0 = static_cast<int64_t>(fl);
  double ratio = xo - fl;
  if (ratio == 0) {
    ratio = 1;
    i0 -= 1;
  }
  std::vector<double> coeffs;
  int64_t first;
  if (mode == "nearest") {
    bool up;
    if (ratio == 1) up = true;
    else if (nearestMode == "round_prefer_floor") up = ratio > 0.5;
    else if (nearestMode == "round_prefer_ceil") up = ratio >= 0.5;
    else if (nearestMode == "floor") up = false;
    else if (nearestMode == "ceil") up = true;
    else return std::nullopt;
    coeffs = {up ? 0.0 : 1.0, up ? 1.0 : 0.0};
    first = 0;
  } else if (mode == "linear") {
    if (antialias) {
      double s = std::min(scale, 1.0);
      int64_t start = static_cast<int64_t>(std::floor(-1 / s) + 1);
      int64_t n = 2 - 2 * start;
      double sum = 0;
      for (int64_t j = 0; j < n; ++j) {
        double arg = (start + j - ratio) * s;
        coeffs.push_back(std::clamp(1 - std::fabs(arg), 0.0, 1.0));
        sum += coeffs.back();
      }
      for (double &c : coeffs)
        c /= sum;
      first = start;
    } else {
      coeffs = {1 - ratio, ratio};
      first = 0;
    }
  } else if (mode == "cubic") {
    double A = cubicA;
    if (antialias) {
      double s = std::min(scale, 1.0);
      int64_t start = static_cast<int64_t>(std::floor(-2 / s) + 1);
      int64_t end = 2 - start;
      double sum = 0;
      for (int64_t i = start; i < end; ++i) {
        double v = std::fabs(s * (i - ratio)), c = 0;
        if (v <= 1)
          c = (A + 2) * v * v * v - (A + 3) * v * v + 1;
        else if (v < 2)
          c = A * v * v * v - 5 * A * v * v + 8 * A * v - 4 * A;
        coeffs.push_back(c);
        sum += c;
      }
      for (double &c : coeffs)
        c /= sum;
      first = start;
    } else {
      double r = ratio, q = 1 - ratio;
      coeffs = {((A * (r + 1) - 5 * A) * (r + 1) + 8 * A) * (r + 1) - 4 * A,
                ((A + 2) * r - (A + 3)) * r * r + 1,
                ((A + 2) * q - (A + 3)) * q * q + 1,
                ((A * (q + 1) - 5 * A) * (q + 1) + 8 * A) * (q + 1) - 4 * A};
      first = -1;
    }
  } else {
    return std::nullopt;
  }
  if (excludeOutside) {
    double sum = 0;
    for (size_t j = 0; j < coeffs.size(); ++j) {
      int64_t p = i0 + first + static_cast<int64_t>(j);
      if (p < 0 || p >= inW)
        coeffs[j] = 0;
      sum += coeffs[j];
    }
    if (sum != 0)
      for (double &c : coeffs)
        c /= sum;
  }
  Taps t;
  for (size_t j = 0; j < coeffs.size(); ++j) {
    if (coeffs[j] == 0)
      continue;
    int64_t p = std::clamp<int64_t>(i0 + first + static_cast<int64_t>(j), 0, inW - 1);
    t.w.push_back({p, coeffs[j]});
  }
  if (t.w.empty())
    t.w.push_back({std::clamp<int64_t>(i0, 0, inW - 1), 0.0});
  return t;
}

/// Resize (all modes): per-axis tap tables computed at compile time
/// (constant index and weight tensors [out, taps]); one reduction generic
/// over (output..., taps of the multi-tap axes) sums weight * x[taps].
struct ResizeLowering : public TxcPattern<ResizeOp> {
  using TxcPattern<ResizeOp>::TxcPattern;
  LogicalResult matchAndRewrite(ResizeOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    auto xt = staticType(a.getX());
    if (!type || !type.hasStaticShape() || !xt || xt.getNumElements() == 0 ||
        type.getNumElements() == 0 || !llvm::isa<FloatType>(xt.getElementType()))
      return failure();
    int64_t r = xt.getRank();
    StringRef mode = op.getMode(), ctm = op.getCoordinateTransformationMode(),
              nearestMode = op.getNearestMode(), policy = op.getKeepAspectRatioPolicy();
    double cubicA = op.getCubicCoeffA().convertToDouble();
    bool excludeOutside = op.getExcludeOutside() != 0;
    double extrapolation = op.getExtrapolationValue().convertToDouble();
    bool antialias = op.getAntialias() != 0 && mode != "nearest";
    Ints axes;
    if (op.getAxes()) {
      std::vector<bool> seen(r, false);
      for (int64_t ax : intsAttr(op.getAxes(), 0, 0)) {
        auto n = normalizeAxis(ax, r);
        if (!n || seen[*n])
          return failure();
        seen[*n] = true;
        axes.push_back(*n);
      }
    } else {
      for (int64_t i = 0; i < r; ++i)
        axes.push_back(i);
    }
    size_t na = axes.size();
    std::optional<SmallVector<double>> scalesC;
    std::optional<Ints> sizesC;
    if (!llvm::isa<NoneType>(op.getScales().getType())) {
      scalesC = constantFloats(op.getScales());
      if (!scalesC)
        return failure();
      if (scalesC->empty())
        scalesC.reset();
    }
    if (!llvm::isa<NoneType>(op.getSizes().getType())) {
      sizesC = constantInts(op.getSizes());
      if (!sizesC)
        return failure();
      if (sizesC->empty())
        sizesC.reset();
    }
    if (scalesC.has_value() == sizesC.has_value())
      return failure();
    std::vector<double> scale(r, 1.0);
    Ints out(xt.getShape().begin(), xt.getShape().end());
    if (scalesC) {
      if (scalesC->size() != na)
        return failure();
      for (size_t i = 0; i < na; ++i) {
        double sc = (*scalesC)[i];
        if (!(sc > 0))
          return failure();
        scale[axes[i]] = sc;
        out[axes[i]] = static_cast<int64_t>(std::floor(sc * static_cast<double>(xt.getDimSize(axes[i]))));
      }
    } else {
      if (sizesC->size() != na)
        return failure();
      for (size_t i = 0; i < na; ++i) {
        if ((*sizesC)[i] < 0)
          return failure();
        out[axes[i]] = (*sizesC)[i];
        scale[axes[i]] = static_cast<double>((*sizesC)[i]) / xt.getDimSize(axes[i]);
      }
      if (policy != "stretch") {
        if (policy != "not_larger" && policy != "not_smaller")
          return failure();
        double sc = policy == "not_larger" ? 1e300 : -1e300;
        for (int64_t ax : axes)
          sc = policy == "not_larger" ? std::min(sc, scale[ax]) : std::max(sc, scale[ax]);
        for (int64_t ax : axes) {
          scale[ax] = sc;
          out[ax] = static_cast<int64_t>(sc * xt.getDimSize(ax) + 0.5);
        }
      }
    }
    if (type.getShape() != ArrayRef<int64_t>(out))
      return failure();
    std::vector<double> roiStart(r, 0.0), roiEnd(r, 1.0);
    if (ctm == "tf_crop_and_resize" && !llvm::isa<NoneType>(op.getRoi().getType())) {
      auto roi = constantFloats(op.getRoi());
      if (!roi)
        return failure();
      if (!roi->empty()) {
        if (roi->size() != 2 * na)
          return failure();
        for (size_t i = 0; i < na; ++i) {
          roiStart[axes[i]] = (*roi)[i];
          roiEnd[axes[i]] = (*roi)[na + i];
        }
      }
    }
    std::vector<bool> active(r, false);
    for (int64_t ax : axes)
      active[ax] = true;
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    Type et = xt.getElementType(), acc = accType(et);
    // Tables.
    struct AxisTable {
      int64_t taps = 1;
      int64_t redDim = -1;
      Value idx, w, extrap;
    };
    std::vector<AxisTable> tables(r);
    SmallVector<int64_t> redSizes;
    for (int64_t d = 0; d < r; ++d) {
      if (!active[d])
        continue;
      std::vector<Taps> taps;
      bool anyExtrap = false;
      int64_t T = 1;
      for (int64_t x = 0; x < out[d]; ++x) {
        auto t = resizeTaps(x, xt.getDimSize(d), out[d], scale[d], roiStart[d], roiEnd[d], mode, ctm,
                            nearestMode, cubicA, excludeOutside, antialias);
        if (!t)
          return failure();
        anyExtrap |= t->extrapolate;
        T = std::max<int64_t>(T, t->w.size());
        taps.push_back(*t);
      }
      AxisTable &at = tables[d];
      at.taps = T;
      SmallVector<int64_t> idx(out[d] * T, 0);
      SmallVector<float> w(out[d] * T, 0.0f);
      SmallVector<int8_t> ex(out[d], 0);
      for (int64_t x = 0; x < out[d]; ++x) {
        ex[x] = taps[x].extrapolate;
        for (size_t j = 0; j < taps[x].w.size(); ++j) {
          idx[x * T + j] = taps[x].w[j].first;
          w[x * T + j] = static_cast<float>(taps[x].w[j].second);
        }
      }
      auto it = RankedTensorType::get({out[d], T}, rw.getIndexType());
      auto wt = RankedTensorType::get({out[d], T}, rw.getF32Type());
      at.idx = rw.create<arith::ConstantOp>(loc, DenseElementsAttr::get(it, ArrayRef<int64_t>(idx)));
      at.w = rw.create<arith::ConstantOp>(loc, DenseElementsAttr::get(wt, ArrayRef<float>(w)));
      if (anyExtrap) {
        auto ext = RankedTensorType::get({out[d]}, rw.getI8Type());
        at.extrap = rw.create<arith::ConstantOp>(loc, DenseElementsAttr::get(ext, ArrayRef<int8_t>(ex)));
      }
      if (T > 1) {
        at.redDim = r + redSizes.size();
        redSizes.push_back(T);
      }
    }
    int64_t nd = r + redSizes.size();
    SmallVector<IterType> iters(r, IterType::parallel);
    iters.append(redSizes.size(), IterType::reduction);
    SmallVector<AffineExpr> oe, ke;
    for (int64_t d = 0; d < r; ++d)
      oe.push_back(getAffineDimExpr(d, ctx));
    for (size_t i = 0; i < redSizes.size(); ++i)
      ke.push_back(getAffineDimExpr(r + i, ctx));
    SmallVector<Value> ins;
    SmallVector<AffineMap> maps;
    if (!redSizes.empty()) {
      ins.push_back(rw.create<tensor::EmptyOp>(loc, redSizes, rw.getI8Type()));
      maps.push_back(AffineMap::get(nd, 0, ke, ctx));
    }
    maps.push_back(AffineMap::get(nd, 0, oe, ctx));
    Value X = a.getX();
    Value init = fillStatic(rw, loc, out, acc, scalarConstant(rw, loc, acc, 0));
    Value sum = buildGeneric(
        rw, loc, ins, {init}, maps, iters,
        [&](OpBuilder &b, Location l, ValueRange v) -> SmallVector<Value> {
          SmallVector<Value> pos;
          Value w;
          for (int64_t d = 0; d < r; ++d) {
            Value o = b.create<linalg::IndexOp>(l, d);
            if (!active[d]) {
              pos.push_back(o);
              continue;
            }
            const AxisTable &at = tables[d];
            Value t = at.redDim >= 0 ? Value(b.create<linalg::IndexOp>(l, at.redDim))
                                     : Value(b.create<arith::ConstantIndexOp>(l, 0));
            pos.push_back(b.create<tensor::ExtractOp>(l, at.idx, ValueRange{o, t}));
            Value wd = b.create<tensor::ExtractOp>(l, at.w, ValueRange{o, t});
            w = w ? Value(b.create<arith::MulFOp>(l, w, wd)) : wd;
          }
          Value x = castScalar(b, l, b.create<tensor::ExtractOp>(l, X, pos), acc, false, false);
          if (w)
            x = b.create<arith::MulFOp>(l, castScalar(b, l, w, acc, false, false), x);
          return {b.create<arith::AddFOp>(l, v.back(), x)};
        })[0];
    SmallVector<Value> fins{sum};
    SmallVector<AffineMap> fmaps{AffineMap::getMultiDimIdentityMap(r, ctx)};
    for (int64_t d = 0; d < r; ++d)
      if (tables[d].extrap) {
        fins.push_back(tables[d].extrap);
        fmaps.push_back(AffineMap::get(r, 0, {getAffineDimExpr(d, ctx)}, ctx));
      }
    Value y = buildMappedGeneric(
        rw, loc, type, foldSizes(rw, out), fins, fmaps,
        [&](OpBuilder &b, Location l, ValueRange v) -> Value {
          Value x = v[0];
          for (size_t i = 1; i < v.size(); ++i) {
            Value isEx = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ne, v[i],
                                                 scalarConstant(b, l, b.getI8Type(), 0));
            x = b.create<arith::SelectOp>(l, isEx, scalarConstant(b, l, acc, extrapolation), x);
          }
          return castScalar(b, l, x, type.getElementType(), false, false);
        });
    rw.replaceOp(op, y);
    return success();
  }
};


/// Resize with runtime scales/sizes/roi (no antialias): per output element
/// and tap, the coordinate transform, the tap index and weight are computed
/// in f64 in the body of one reduction generic over (output..., taps...).
struct DynamicResizeLowering : public TxcPattern<ResizeOp> {
  using TxcPattern<ResizeOp>::TxcPattern;
  LogicalResult matchAndRewrite(ResizeOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    auto xt = staticType(a.getX());
    if (!type || !xt || xt.getNumElements() == 0 || type.getRank() != xt.getRank() ||
        !llvm::isa<FloatType>(xt.getElementType()) || type.getElementType() != xt.getElementType())
      return failure();
    StringRef mode = op.getMode(), ctm = op.getCoordinateTransformationMode(),
              nearestMode = op.getNearestMode(), policy = op.getKeepAspectRatioPolicy();
    if (op.getAntialias() != 0 && mode != "nearest")
      return failure();
    if (mode != "nearest" && mode != "linear" && mode != "cubic")
      return failure();
    if (ctm != "half_pixel" && ctm != "half_pixel_symmetric" && ctm != "pytorch_half_pixel" &&
        ctm != "align_corners" && ctm != "asymmetric" && ctm != "tf_crop_and_resize")
      return failure();
    if (mode == "nearest" && nearestMode != "round_prefer_floor" && nearestMode != "round_prefer_ceil" &&
        nearestMode != "floor" && nearestMode != "ceil")
      return failure();
    if (policy != "stretch" && policy != "not_larger" && policy != "not_smaller")
      return failure();
    int64_t r = xt.getRank();
    Ints axes;
    if (op.getAxes()) {
      std::vector<bool> seen(r, false);
      for (int64_t ax : intsAttr(op.getAxes(), 0, 0)) {
        auto n = normalizeAxis(ax, r);
        if (!n || seen[*n])
          return failure();
        seen[*n] = true;
        axes.push_back(*n);
      }
    } else {
      for (int64_t i = 0; i < r; ++i)
        axes.push_back(i);
    }
    size_t na = axes.size();
    auto lenOf = [](Value v) -> int64_t {
      if (llvm::isa<NoneType>(v.getType()))
        return 0;
      auto t = llvm::dyn_cast<RankedTensorType>(v.getType());
      if (!t || !t.hasStaticShape() || t.getRank() != 1)
        return -1;
      return t.getDimSize(0);
    };
    int64_t nScales = lenOf(a.getScales()), nSizes = lenOf(a.getSizes());
    if (nScales < 0 || nSizes < 0 || (nScales > 0) == (nSizes > 0))
      return failure();
    bool useScales = nScales > 0;
    if ((useScales ? nScales : nSizes) != static_cast<int64_t>(na))
      return failure();
    if (useScales && !llvm::isa<FloatType>(
                         llvm::cast<RankedTensorType>(a.getScales().getType()).getElementType()))
      return failure();
    if (!useScales && !llvm::isa<IntegerType>(
                          llvm::cast<RankedTensorType>(a.getSizes().getType()).getElementType()))
      return failure();
    bool hasRoi = false;
    if (ctm == "tf_crop_and_resize") {
      int64_t nRoi = lenOf(a.getRoi());
      if (nRoi < 0 || (nRoi != 0 && nRoi != static_cast<int64_t>(2 * na)))
        return failure();
      hasRoi = nRoi != 0;
      if (hasRoi && !llvm::isa<FloatType>(llvm::cast<RankedTensorType>(a.getRoi().getType()).getElementType()))
        return failure();
    }
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    Type f64 = rw.getF64Type();
    auto cf = [&](OpBuilder &b, Location l, double v) { return scalarConstant(b, l, f64, v); };
    auto extractF = [&](Value t, int64_t i) -> Value {
      Value v = rw.create<tensor::ExtractOp>(loc, t, ValueRange{cIndex(rw, loc, i)});
      return castScalar(rw, loc, v, f64, false, false);
    };
    // Per dim: scale (f64), output size (index), roi.
    std::vector<Value> scale(r), outSize(r), roiS(r), roiE(r);
    std::vector<bool> active(r, false);
    for (int64_t ax : axes)
      active[ax] = true;
    for (int64_t d = 0; d < r; ++d) {
      scale[d] = cf(rw, loc, 1.0);
      outSize[d] = cIndex(rw, loc, xt.getDimSize(d));
      roiS[d] = cf(rw, loc, 0.0);
      roiE[d] = cf(rw, loc, 1.0);
    }
    for (size_t i = 0; i < na; ++i) {
      int64_t d = axes[i];
      double in = static_cast<double>(xt.getDimSize(d));
      if (useScales) {
        scale[d] = extractF(a.getScales(), i);
        Value o = rw.create<math::FloorOp>(loc, rw.create<arith::MulFOp>(loc, scale[d], cf(rw, loc, in)));
        o = rw.create<arith::MaximumFOp>(loc, o, cf(rw, loc, 0));
        outSize[d] = rw.create<arith::IndexCastOp>(loc, rw.getIndexType(),
                                                   rw.create<arith::FPToSIOp>(loc, rw.getI64Type(), o));
      } else {
        Value sz = rw.create<tensor::ExtractOp>(loc, a.getSizes(), ValueRange{cIndex(rw, loc, i)});
        sz = castScalar(rw, loc, sz, rw.getI64Type(), isUnsignedInt(llvm::cast<ShapedType>(op.getSizes().getType()).getElementType()), false);
        outSize[d] = rw.create<arith::IndexCastOp>(loc, rw.getIndexType(), sz);
        scale[d] = rw.create<arith::DivFOp>(loc, rw.create<arith::SIToFPOp>(loc, f64, sz), cf(rw, loc, in));
      }
      if (hasRoi) {
        roiS[d] = extractF(a.getRoi(), i);
        roiE[d] = extractF(a.getRoi(), na + i);
      }
    }
    if (!useScales && policy != "stretch") {
      Value sc;
      for (int64_t ax : axes)
        sc = !sc ? scale[ax]
                 : policy == "not_larger" ? Value(rw.create<arith::MinimumFOp>(loc, sc, scale[ax]))
                                          : Value(rw.create<arith::MaximumFOp>(loc, sc, scale[ax]));
      for (int64_t ax : axes) {
        scale[ax] = sc;
        Value o = rw.create<arith::AddFOp>(
            loc, rw.create<arith::MulFOp>(loc, sc, cf(rw, loc, static_cast<double>(xt.getDimSize(ax)))),
            cf(rw, loc, 0.5));
        outSize[ax] = rw.create<arith::IndexCastOp>(loc, rw.getIndexType(),
                                                    rw.create<arith::FPToSIOp>(loc, rw.getI64Type(), o));
      }
    }
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < r; ++d)
      sizes.push_back(type.isDynamicDim(d) ? OpFoldResult(outSize[d]) : OpFoldResult(rw.getIndexAttr(type.getDimSize(d))));
    int64_t T = mode == "nearest" ? 1 : mode == "linear" ? 2 : 4;
    int64_t first = mode == "cubic" ? -1 : 0;
    // Reduction dims: one per active axis with T > 1.
    std::vector<int64_t> redDim(r, -1);
    Ints redSizes;
    for (int64_t d = 0; d < r; ++d)
      if (active[d] && T > 1) {
        redDim[d] = r + redSizes.size();
        redSizes.push_back(T);
      }
    int64_t nd = r + redSizes.size();
    SmallVector<IterType> iters(r, IterType::parallel);
    iters.append(redSizes.size(), IterType::reduction);
    SmallVector<AffineExpr> oe, ke;
    for (int64_t d = 0; d < r; ++d)
      oe.push_back(getAffineDimExpr(d, ctx));
    for (size_t i = 0; i < redSizes.size(); ++i)
      ke.push_back(getAffineDimExpr(r + i, ctx));
    SmallVector<Value> ins;
    SmallVector<AffineMap> maps;
    if (!redSizes.empty()) {
      ins.push_back(rw.create<tensor::EmptyOp>(loc, redSizes, rw.getI8Type()));
      maps.push_back(AffineMap::get(nd, 0, ke, ctx));
    }
    maps.push_back(AffineMap::get(nd, 0, oe, ctx));
    auto accT = RankedTensorType::get(type.getShape(), f64);
    Value init = filledTensor(rw, loc, accT, sizes, cf(rw, loc, 0));
    double cubicA = op.getCubicCoeffA().convertToDouble();
    bool excludeOutside = op.getExcludeOutside() != 0;
    double extrapolation = op.getExtrapolationValue().convertToDouble();
    Value X = a.getX();
    Value sum = buildGeneric(
        rw, loc, ins, {init}, maps, iters,
        [&](OpBuilder &b, Location l, ValueRange v) -> SmallVector<Value> {
          SmallVector<Value> pos;
          Value w = cf(b, l, 1.0);
          Value extrap = b.create<arith::ConstantIntOp>(l, 0, 1);
          Value firstTap = b.create<arith::ConstantIntOp>(l, 1, 1);
          for (int64_t d = 0; d < r; ++d) {
            Value o = b.create<linalg::IndexOp>(l, d);
            if (!active[d]) {
              pos.push_back(o);
              continue;
            }
            int64_t inW = xt.getDimSize(d);
            Value inWf = cf(b, l, static_cast<double>(inW));
            Value x = b.create<arith::SIToFPOp>(l, f64, b.create<arith::IndexCastOp>(l, b.getI64Type(), o));
            Value sc = scale[d];
            Value outWf = b.create<arith::MulFOp>(l, sc, inWf);
            Value outW = b.create<arith::SIToFPOp>(l, f64, b.create<arith::IndexCastOp>(l, b.getI64Type(), outSize[d]));
            auto add = [&](Value p, Value q) -> Value { return b.create<arith::AddFOp>(l, p, q); };
            auto sub = [&](Value p, Value q) -> Value { return b.create<arith::SubFOp>(l, p, q); };
            auto mul = [&](Value p, Value q) -> Value { return b.create<arith::MulFOp>(l, p, q); };
            auto div = [&](Value p, Value q) -> Value { return b.create<arith::DivFOp>(l, p, q); };
            auto feq = [&](Value p, Value q) -> Value {
              return b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OEQ, p, q);
            };
            auto sel = [&](Value c, Value p, Value q) -> Value { return b.create<arith::SelectOp>(l, c, p, q); };
            Value half = cf(b, l, 0.5), one = cf(b, l, 1.0);
            Value hp = sub(div(add(x, half), sc), half);
            Value xo;
            if (ctm == "half_pixel") {
              xo = hp;
            } else if (ctm == "half_pixel_symmetric") {
              Value adj = div(outW, outWf);
              Value center = cf(b, l, inW / 2.0);
              xo = add(mul(center, sub(one, adj)), hp);
            } else if (ctm == "pytorch_half_pixel") {
              xo = sel(feq(outWf, one), cf(b, l, -0.5), hp);
            } else if (ctm == "align_corners") {
              xo = sel(feq(outWf, one), cf(b, l, 0.0), div(mul(x, cf(b, l, inW - 1.0)), sub(outWf, one)));
            } else if (ctm == "asymmetric") {
              xo = div(x, sc);
            } else { // tf_crop_and_resize
              Value span = mul(sub(roiE[d], roiS[d]), cf(b, l, inW - 1.0));
              xo = sel(feq(outWf, one), div(span, cf(b, l, 2.0)), div(mul(x, span), sub(outWf, one)));
              xo = add(xo, mul(roiS[d], cf(b, l, inW - 1.0)));
              Value lo = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OLT, xo, cf(b, l, 0.0));
              Value hi = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGT, xo, cf(b, l, inW - 1.0));
              extrap = b.create<arith::OrIOp>(l, extrap, b.create<arith::OrIOp>(l, lo, hi));
              // Keep the index math finite for extrapolated lanes.
              xo = sel(b.create<arith::OrIOp>(l, lo, hi), cf(b, l, 0.0), xo);
            }
            Value fl = b.create<math::FloorOp>(l, xo);
            Value ratio = sub(xo, fl);
            Value i0 = b.create<arith::IndexCastOp>(l, b.getIndexType(),
                                                    b.create<arith::FPToSIOp>(l, b.getI64Type(), fl));
            Value rz = feq(ratio, cf(b, l, 0.0));
            ratio = sel(rz, one, ratio);
            i0 = sel(rz, b.create<arith::SubIOp>(l, i0, cIndex(b, l, 1)), i0);
            Value dimI = cIndex(b, l, inW);
            if (mode == "nearest") {
              Value up;
              Value isOne = feq(ratio, one);
              if (nearestMode == "round_prefer_floor")
                up = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGT, ratio, half);
              else if (nearestMode == "round_prefer_ceil")
                up = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGE, ratio, half);
              else if (nearestMode == "floor")
                up = b.create<arith::ConstantIntOp>(l, 0, 1);
              else
                up = b.create<arith::ConstantIntOp>(l, 1, 1);
              up = b.create<arith::OrIOp>(l, up, isOne);
              Value p = sel(up, b.create<arith::AddIOp>(l, i0, cIndex(b, l, 1)), i0);
              Value wd = one;
              if (excludeOutside) {
                Value inside = andV(b, l, cmpI(b, l, arith::CmpIPredicate::sge, p, cIndex(b, l, 0)),
                                    cmpI(b, l, arith::CmpIPredicate::slt, p, dimI));
                wd = sel(inside, one, cf(b, l, 0.0));
              }
              pos.push_back(clampI(b, l, p, inW));
              w = mul(w, wd);
              continue;
            }
            // All T coefficients, exclusion/renormalization, then tap t.
            SmallVector<Value> coeffs;
            if (mode == "linear") {
              coeffs = {sub(one, ratio), ratio};
            } else {
              Value A = cf(b, l, cubicA);
              Value rr = ratio, q = sub(one, ratio);
              auto outer = [&](Value z) { // ((A*z - 5A)*z + 8A)*z - 4A, z = r + 1
                Value t0 = sub(mul(A, z), cf(b, l, 5 * cubicA));
                t0 = add(mul(t0, z), cf(b, l, 8 * cubicA));
                return sub(mul(t0, z), cf(b, l, 4 * cubicA));
              };
              auto inner = [&](Value z) { // ((A+2)*z - (A+3))*z*z + 1
                Value t0 = sub(mul(cf(b, l, cubicA + 2), z), cf(b, l, cubicA + 3));
                return add(mul(mul(t0, z), z), one);
              };
              coeffs = {outer(add(rr, one)), inner(rr), inner(q), outer(add(q, one))};
            }
            SmallVector<Value> ps;
            for (int64_t j = 0; j < T; ++j)
              ps.push_back(b.create<arith::AddIOp>(l, i0, cIndex(b, l, first + j)));
            if (excludeOutside) {
              Value s = cf(b, l, 0.0);
              for (int64_t j = 0; j < T; ++j) {
                Value inside = andV(b, l, cmpI(b, l, arith::CmpIPredicate::sge, ps[j], cIndex(b, l, 0)),
                                    cmpI(b, l, arith::CmpIPredicate::slt, ps[j], dimI));
                coeffs[j] = sel(inside, coeffs[j], cf(b, l, 0.0));
                s = add(s, coeffs[j]);
              }
              Value sz = feq(s, cf(b, l, 0.0));
              for (int64_t j = 0; j < T; ++j)
                coeffs[j] = sel(sz, coeffs[j], div(coeffs[j], s));
            }
            Value t = b.create<linalg::IndexOp>(l, redDim[d]);
            firstTap = andV(b, l, firstTap, cmpI(b, l, arith::CmpIPredicate::eq, t, cIndex(b, l, 0)));
            Value wd = coeffs[T - 1], p = ps[T - 1];
            for (int64_t j = T - 2; j >= 0; --j) {
              Value is = cmpI(b, l, arith::CmpIPredicate::eq, t, cIndex(b, l, j));
              wd = sel(is, coeffs[j], wd);
              p = sel(is, ps[j], p);
            }
            pos.push_back(clampI(b, l, p, inW));
            w = mul(w, wd);
          }
          Value xv = castScalar(b, l, b.create<tensor::ExtractOp>(l, X, pos), f64, false, false);
          Value contrib = b.create<arith::MulFOp>(l, w, xv);
          Value exv = b.create<arith::SelectOp>(l, firstTap, cf(b, l, extrapolation), cf(b, l, 0.0));
          contrib = b.create<arith::SelectOp>(l, extrap, exv, contrib);
          return {b.create<arith::AddFOp>(l, v.back(), contrib)};
        })[0];
    Value y = buildMappedGeneric(rw, loc, type, sizes, {sum}, {AffineMap::getMultiDimIdentityMap(r, ctx)},
                                 [&](OpBuilder &b, Location l, ValueRange v) -> Value {
                                   return castScalar(b, l, v[0], type.getElementType(), false, false);
                                 });
    rw.replaceOp(op, y);
    return success();
  }

  static Value cIndex(OpBuilder &b, Location l, int64_t v) { return b.create<arith::ConstantIndexOp>(l, v); }
  static Value cmpI(OpBuilder &b, Location l, arith::CmpIPredicate p, Value x, Value y) {
    return b.create<arith::CmpIOp>(l, p, x, y);
  }
  static Value andV(OpBuilder &b, Location l, Value x, Value y) { return b.create<arith::AndIOp>(l, x, y); }
  static Value clampI(OpBuilder &b, Location l, Value p, int64_t dim) {
    Value w = b.create<arith::MaxSIOp>(l, p, cIndex(b, l, 0));
    return b.create<arith::MinSIOp>(l, w, cIndex(b, l, dim - 1));
  }
};

} // namespace

void populateNNPatterns(TypeConverter &tc, RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<ConvLowering, ConvTransposeLowering, PoolLowering<MaxPoolOp, PoolKind::Max>,
               PoolLowering<AveragePoolOp, PoolKind::Avg>, PoolLowering<LpPoolOp, PoolKind::Lp>,
               GlobalPoolLowering<GlobalAveragePoolOp, false>,
               GlobalPoolLowering<GlobalMaxPoolOp, true>, BatchNormLowering,
               GroupedNormLowering<InstanceNormalizationOp>,
               GroupedNormLowering<GroupNormalizationOp>, LRNLowering, DepthToSpaceLowering,
               SpaceToDepthLowering, ResizeLowering>(tc, ctx);
  // Runtime scales/sizes; tried after the compile-time-table lowering.
  patterns.add<DynamicResizeLowering>(tc, ctx, /*benefit=*/0);
}

} // namespace txc::lowering
