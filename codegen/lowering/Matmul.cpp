//===- Matmul.cpp - txc MatMul / Gemm -> linalg contractions --------------===//
//
// MatMul (numpy semantics: batch broadcasting, 1-D operands) and Gemm become
// one linalg.generic contraction whose loops run (batch..., m, k, n): the
// innermost loop walks contiguous rows of B and C, so the loop vectorizer
// handles it after convert-linalg-to-loops. Gemm's alpha, beta and C are an
// elementwise epilogue that elementwise fusion merges.
//
// TODO(perf): constant-weight MatMul/Gemm should call the packed GEMM
// micro-kernels of codegen/ukernels (gemmPacked) with the weight packed at
// compile time; this contraction is the portable fallback.
//
//===----------------------------------------------------------------------===//

#include "codegen/lowering/LoweringCommon.h"

#include "ir/TxcDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace txc::lowering {
namespace {

/// C[batch, m, n] = sum_k A[batch, m, k] * B[batch, k, n] with numpy
/// broadcasting of batch dims; 1-D A has no m, 1-D B no n. `transA`/`transB`
/// swap the last two dims of a 2-D operand (Gemm). Accumulates in accType
/// (operands converted with `aUnsigned`/`bUnsigned`).
Value contraction(OpBuilder &b, Location loc, Value A, Value B, RankedTensorType resultType,
                  bool transA, bool transB, Type accType, bool aUnsigned, bool bUnsigned) {
  auto at = llvm::cast<RankedTensorType>(A.getType());
  auto bt = llvm::cast<RankedTensorType>(B.getType());
  int64_t ra = at.getRank(), rb = bt.getRank();
  bool hasM = ra >= 2, hasN = rb >= 2;
  int64_t batch = resultType.getRank() - (hasM ? 1 : 0) - (hasN ? 1 : 0);
  // Loop dims: batch..., m, k, n.
  int64_t dm = batch, dk = batch + (hasM ? 1 : 0), dn = dk + 1;
  int64_t loops = batch + (hasM ? 1 : 0) + 1 + (hasN ? 1 : 0);
  MLIRContext *ctx = b.getContext();
  auto dim = [&](int64_t d) { return getAffineDimExpr(d, ctx); };
  auto operandMap = [&](RankedTensorType t, bool isA, bool trans) {
    int64_t r = t.getRank();
    SmallVector<AffineExpr> e;
    int64_t ob = r - 2; // batch dims of the operand
    for (int64_t i = 0; i < ob; ++i) {
      int64_t d = batch - ob + i;
      bool bcast = !t.isDynamicDim(i) && t.getDimSize(i) == 1 &&
                   resultType.getDimSize(d) != 1;
      e.push_back(bcast ? getAffineConstantExpr(0, ctx) : dim(d));
    }
    if (isA) {
      if (r == 1)
        e.push_back(dim(dk));
      else if (trans)
        e.append({dim(dk), dim(dm)});
      else
        e.append({dim(dm), dim(dk)});
    } else {
      if (r == 1)
        e.push_back(dim(dk));
      else if (trans)
        e.append({dim(dn), dim(dk)});
      else
        e.append({dim(dk), dim(dn)});
    }
    return AffineMap::get(loops, 0, e, ctx);
  };
  SmallVector<AffineExpr> out;
  for (int64_t i = 0; i < batch; ++i)
    out.push_back(dim(i));
  if (hasM)
    out.push_back(dim(dm));
  if (hasN)
    out.push_back(dim(dn));
  SmallVector<AffineMap> maps{operandMap(at, true, transA), operandMap(bt, false, transB),
                              AffineMap::get(loops, 0, out, ctx)};
  SmallVector<utils::IteratorType> iters(loops, utils::IteratorType::parallel);
  iters[dk] = utils::IteratorType::reduction;

  // Result sizes: batch dims by broadcasting, m from A, n from B.
  SmallVector<OpFoldResult> sizes;
  auto aSizes = tensorSizes(b, loc, A), bSizes = tensorSizes(b, loc, B);
  for (int64_t i = 0; i < batch; ++i) {
    if (!resultType.isDynamicDim(i)) {
      sizes.push_back(b.getIndexAttr(resultType.getDimSize(i)));
      continue;
    }
    int64_t ia = i - (batch - (ra - 2)), ib = i - (batch - (rb - 2));
    if (ia >= 0 && !(!at.isDynamicDim(ia) && at.getDimSize(ia) == 1))
      sizes.push_back(aSizes[ia]);
    else if (ib >= 0)
      sizes.push_back(bSizes[ib]);
    else
      sizes.push_back(b.getIndexAttr(1));
  }
  if (hasM)
    sizes.push_back(aSizes[transA ? ra - 1 : ra - 2]);
  if (hasN)
    sizes.push_back(bSizes[transB ? rb - 2 : rb - 1]);
  auto accTensor = RankedTensorType::get(resultType.getShape(), accType);
  Value init = filledTensor(b, loc, accTensor, sizes, scalarConstant(b, loc, accType, 0));
  bool isFloat = llvm::isa<FloatType>(accType);
  auto g = b.create<linalg::GenericOp>(
      loc, TypeRange{accTensor}, ValueRange{A, B}, ValueRange{init}, maps, iters,
      [&](OpBuilder &nb, Location l, ValueRange v) {
        Value x = castScalar(nb, l, v[0], accType, aUnsigned, false);
        Value y = castScalar(nb, l, v[1], accType, bUnsigned, false);
        Value r = isFloat ? Value(nb.create<arith::AddFOp>(l, v[2], nb.create<arith::MulFOp>(l, x, y)))
                          : Value(nb.create<arith::AddIOp>(l, v[2], nb.create<arith::MulIOp>(l, x, y)));
        nb.create<linalg::YieldOp>(l, r);
      });
  return g.getResult(0);
}

Type accumulatorFor(Type et) {
  if (et.isF16() || et.isBF16())
    return Float32Type::get(et.getContext());
  return et;
}

/// Casts an accumulator tensor to the result element type (if needed).
Value castTensor(OpBuilder &b, Location loc, Value t, RankedTensorType type, bool toUnsigned) {
  if (t.getType() == type)
    return t;
  return buildElementwise(b, loc, type, {t}, [&](OpBuilder &nb, Location l, ValueRange v) {
    return castScalar(nb, l, v[0], type.getElementType(), false, toUnsigned);
  });
}

struct MatMulLowering : public OpConversionPattern<MatMulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(MatMulOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    auto at = llvm::dyn_cast<RankedTensorType>(a.getA().getType());
    auto bt = llvm::dyn_cast<RankedTensorType>(a.getB().getType());
    if (!type || !at || !bt)
      return failure();
    Type et = type.getElementType();
    bool u = isUnsignedInt(llvm::cast<ShapedType>(op.getType()).getElementType());
    Type acc = accumulatorFor(et);
    Value c = contraction(rw, op.getLoc(), a.getA(), a.getB(), type, false, false, acc, u, u);
    rw.replaceOp(op, castTensor(rw, op.getLoc(), c, type, u));
    return success();
  }
};

/// MatMulInteger: (A - a_zero) x (B - b_zero) in int32.
struct MatMulIntegerLowering : public OpConversionPattern<MatMulIntegerOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(MatMulIntegerOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    auto at = llvm::dyn_cast<RankedTensorType>(a.getA().getType());
    auto bt = llvm::dyn_cast<RankedTensorType>(a.getB().getType());
    if (!type || !at || !bt)
      return failure();
    Location loc = op.getLoc();
    Type i32 = rw.getI32Type();
    bool au = isUnsignedInt(llvm::cast<ShapedType>(op.getA().getType()).getElementType());
    bool bu = isUnsignedInt(llvm::cast<ShapedType>(op.getB().getType()).getElementType());
    // Subtract the zero points first (per-tensor, or per-row of A / per-column
    // of B broadcast numpy-style), widening to i32.
    auto shifted = [&](Value x, Value zp, bool isU, bool isA) -> Value {
      auto xt = llvm::cast<RankedTensorType>(x.getType());
      auto wide = RankedTensorType::get(xt.getShape(), i32);
      SmallVector<Value> ins{x};
      bool hasZp = !llvm::isa<NoneType>(zp.getType());
      if (hasZp) {
        auto zt = llvm::cast<RankedTensorType>(zp.getType());
        // A's zero point per row: [M] -> [M, 1].
        if (isA && zt.getRank() == 1 && xt.getRank() >= 2 && zt.getDimSize(0) != 1) {
          auto col = RankedTensorType::get({zt.getDimSize(0), 1}, zt.getElementType());
          zp = reshapeTo(rw, loc, zp, col, {});
        }
        ins.push_back(zp);
      }
      return buildElementwise(rw, loc, wide, ins, [&](OpBuilder &b, Location l, ValueRange v) -> Value {
        Value r = castScalar(b, l, v[0], i32, isU, false);
        if (v.size() > 1)
          r = b.create<arith::SubIOp>(l, r, castScalar(b, l, v[1], i32, isU, false));
        return r;
      });
    };
    Value A = shifted(a.getA(), a.getAZeroPoint(), au, true);
    Value B = shifted(a.getB(), a.getBZeroPoint(), bu, false);
    rw.replaceOp(op, contraction(rw, loc, A, B, type, false, false, i32, false, false));
    return success();
  }
};

struct GemmLowering : public OpConversionPattern<GemmOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GemmOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    RankedTensorType type = loweredTensorType(op.getType());
    auto at = llvm::dyn_cast<RankedTensorType>(a.getA().getType());
    auto bt = llvm::dyn_cast<RankedTensorType>(a.getB().getType());
    if (!type || !at || !bt || at.getRank() != 2 || bt.getRank() != 2)
      return failure();
    Location loc = op.getLoc();
    Type et = type.getElementType();
    bool u = isUnsignedInt(llvm::cast<ShapedType>(op.getType()).getElementType());
    Type acc = accumulatorFor(et);
    Value c = contraction(rw, loc, a.getA(), a.getB(), type, op.getTransA() != 0,
                          op.getTransB() != 0, acc, u, u);
    double alpha = op.getAlpha().convertToDouble(), beta = op.getBeta().convertToDouble();
    bool hasC = !llvm::isa<NoneType>(a.getC().getType()) && beta != 0.0;
    if (alpha == 1.0 && !hasC) {
      rw.replaceOp(op, castTensor(rw, loc, c, type, u));
      return success();
    }
    SmallVector<Value> ins{c};
    if (hasC)
      ins.push_back(a.getC());
    bool isFloat = llvm::isa<FloatType>(acc);
    Value y = buildElementwise(rw, loc, type, ins, [&](OpBuilder &b, Location l, ValueRange v) -> Value {
      Value r = v[0];
      if (alpha != 1.0)
        r = isFloat ? Value(b.create<arith::MulFOp>(l, r, scalarConstant(b, l, acc, alpha)))
                    : Value(b.create<arith::MulIOp>(l, r, scalarConstant(b, l, acc, alpha)));
      if (v.size() > 1) {
        Value cv = castScalar(b, l, v[1], acc, u, false);
        if (beta != 1.0)
          cv = isFloat ? Value(b.create<arith::MulFOp>(l, cv, scalarConstant(b, l, acc, beta)))
                       : Value(b.create<arith::MulIOp>(l, cv, scalarConstant(b, l, acc, beta)));
        r = isFloat ? Value(b.create<arith::AddFOp>(l, r, cv)) : Value(b.create<arith::AddIOp>(l, r, cv));
      }
      return castScalar(b, l, r, type.getElementType(), false, u);
    });
    rw.replaceOp(op, y);
    return success();
  }
};

} // namespace

void populateMatmulPatterns(TypeConverter &tc, RewritePatternSet &patterns) {
  patterns.add<MatMulLowering, MatMulIntegerLowering, GemmLowering>(tc, patterns.getContext());
}

} // namespace txc::lowering
