//===- Elementwise.cpp - txc elementwise ops -> linalg.generic ------------===//
//
// Every elementwise txc op (unary math, activations, binary arithmetic with
// numpy broadcasting, comparisons, logic, variadic Sum/Mean/Max/Min, Where,
// Clip, Cast) becomes one linalg.generic over the broadcast result shape,
// whose body is the scalar computation below. Consecutive generics are fused
// later by linalg's elementwise fusion, so a chain of them runs as one loop.
//
//===----------------------------------------------------------------------===//

#include "codegen/lowering/LoweringCommon.h"

#include "ir/TxcDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <functional>

using namespace mlir;

namespace txc::lowering {
namespace {

/// What a scalar body knows about the op it computes.
struct ScalarCtx {
  OpBuilder &b;
  Location loc;
  Operation *op;
  ValueRange args;          // one scalar per present tensor operand
  Type resultType;          // lowered (signless) result element type
  bool resultUnsigned;      // original result element type was unsigned
  SmallVector<Type> argTypes;      // original element types of the args
  SmallVector<int> presentOperand; // operand index of each arg

  Value cst(double v, Type t = {}) const {
    return scalarConstant(b, loc, t ? t : resultType, v);
  }
  bool isFloat() const { return llvm::isa<FloatType>(resultType); }
  bool argUnsigned(unsigned i) const { return isUnsignedInt(argTypes[i]); }
  float fattr(StringRef name) const {
    return llvm::cast<FloatAttr>(op->getAttr(name)).getValueAsDouble();
  }
  int64_t iattr(StringRef name) const {
    return llvm::cast<IntegerAttr>(op->getAttr(name)).getInt();
  }
};

using Body = std::function<Value(ScalarCtx &)>;

/// Lowers any elementwise op given its scalar body. The body returns null
/// when the element types are not supported (the op then stays unlowered
/// and is reported).
class ElementwiseLowering : public ConversionPattern {
public:
  ElementwiseLowering(TypeConverter &tc, MLIRContext *ctx, StringRef name,
                      Body body)
      : ConversionPattern(tc, name, /*benefit=*/1, ctx), body_(std::move(body)) {}

  LogicalResult
  matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                  ConversionPatternRewriter &rewriter) const override {
    if (op->getNumResults() != 1)
      return failure();
    auto origResult = llvm::dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!origResult)
      return failure();
    RankedTensorType resultType = loweredTensorType(origResult);
    SmallVector<Value> inputs;
    SmallVector<Type> argTypes;
    SmallVector<int> present;
    // CastLike's second operand only gives the element type.
    size_t dataOperands = llvm::isa<CastLikeOp>(op) ? 1 : operands.size();
    for (auto [i, v] : llvm::enumerate(operands.take_front(dataOperands))) {
      if (llvm::isa<NoneType>(v.getType()))
        continue;
      if (!llvm::isa<RankedTensorType>(v.getType()))
        return failure();
      inputs.push_back(v);
      argTypes.push_back(
          llvm::cast<ShapedType>(op->getOperand(i).getType()).getElementType());
      present.push_back(static_cast<int>(i));
    }
    SmallVector<Type> txcTypes;
    for (int idx : present)
      txcTypes.push_back(op->getOperand(idx).getType());
    bool failedBody = false;
    Value result = buildElementwise(
        rewriter, op->getLoc(), resultType, inputs,
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          ScalarCtx c{b, loc, op, args, resultType.getElementType(),
                      isUnsignedInt(origResult.getElementType()), argTypes,
                      present};
          Value v = body_(c);
          if (!v) {
            failedBody = true;
            return c.cst(0);
          }
          return v;
        },
        txcTypes, op->getResult(0).getType());
    if (failedBody) {
      // Remove what was built; the op stays and is reported as unlowered.
      if (Operation *def = result.getDefiningOp())
        rewriter.eraseOp(def);
      return failure();
    }
    rewriter.replaceOp(op, result);
    return success();
  }

private:
  Body body_;
};

// --- scalar building blocks ------------------------------------------------

Value sigmoidOf(ScalarCtx &c, Value x) {
  // 1 / (1 + exp(-x))
  Value e = c.b.create<math::ExpOp>(c.loc, c.b.create<arith::NegFOp>(c.loc, x));
  return c.b.create<arith::DivFOp>(c.loc, c.cst(1),
                                   c.b.create<arith::AddFOp>(c.loc, c.cst(1), e));
}

Value selectGt0(ScalarCtx &c, Value x, Value ifPos, Value ifNot) {
  Value gt = c.b.create<arith::CmpFOp>(c.loc, arith::CmpFPredicate::OGT, x, c.cst(0));
  return c.b.create<arith::SelectOp>(c.loc, gt, ifPos, ifNot);
}

/// Applies a float-only unary math op.
template <typename MathOp> Body floatUnary() {
  return [](ScalarCtx &c) -> Value {
    if (!c.isFloat())
      return {};
    return c.b.create<MathOp>(c.loc, c.args[0]);
  };
}

/// A binary op with separate float, signed and unsigned integer forms.
template <typename FOp, typename SOp, typename UOp = SOp> Body binary() {
  return [](ScalarCtx &c) -> Value {
    Value a = c.args[0], b = c.args[1];
    if (c.isFloat())
      return c.b.create<FOp>(c.loc, a, b);
    if (c.resultUnsigned)
      return c.b.create<UOp>(c.loc, a, b);
    return c.b.create<SOp>(c.loc, a, b);
  };
}

Body compare(arith::CmpFPredicate fp, arith::CmpIPredicate sp,
             arith::CmpIPredicate up) {
  return [=](ScalarCtx &c) -> Value {
    Value a = c.args[0], b = c.args[1];
    if (llvm::isa<FloatType>(a.getType()))
      return c.b.create<arith::CmpFOp>(c.loc, fp, a, b);
    return c.b.create<arith::CmpIOp>(c.loc, c.argUnsigned(0) ? up : sp, a, b);
  };
}

/// A fold of the variadic Sum/Max/Min over all args.
Body variadic(std::function<Value(ScalarCtx &, Value, Value)> combine,
              bool mean = false) {
  return [=](ScalarCtx &c) -> Value {
    Value acc = c.args[0];
    for (Value v : c.args.drop_front())
      acc = combine(c, acc, v);
    if (mean) {
      if (!c.isFloat())
        return {};
      acc = c.b.create<arith::DivFOp>(c.loc, acc,
                                      c.cst(static_cast<double>(c.args.size())));
    }
    return acc;
  };
}

Value maxOf(ScalarCtx &c, Value a, Value b) {
  if (c.isFloat())
    return c.b.create<arith::MaximumFOp>(c.loc, a, b);
  if (c.resultUnsigned)
    return c.b.create<arith::MaxUIOp>(c.loc, a, b);
  return c.b.create<arith::MaxSIOp>(c.loc, a, b);
}
Value minOf(ScalarCtx &c, Value a, Value b) {
  if (c.isFloat())
    return c.b.create<arith::MinimumFOp>(c.loc, a, b);
  if (c.resultUnsigned)
    return c.b.create<arith::MinUIOp>(c.loc, a, b);
  return c.b.create<arith::MinSIOp>(c.loc, a, b);
}

// --- op bodies -------------------------------------------------------------

void addUnary(llvm::StringMap<Body> &m) {
  m["txc.exp"] = floatUnary<math::ExpOp>();
  m["txc.log"] = floatUnary<math::LogOp>();
  m["txc.sqrt"] = floatUnary<math::SqrtOp>();
  m["txc.erf"] = floatUnary<math::ErfOp>();
  m["txc.tanh"] = floatUnary<math::TanhOp>();
  m["txc.floor"] = floatUnary<math::FloorOp>();
  m["txc.ceil"] = floatUnary<math::CeilOp>();
  m["txc.round"] = floatUnary<math::RoundEvenOp>();
  m["txc.sin"] = floatUnary<math::SinOp>();
  m["txc.cos"] = floatUnary<math::CosOp>();
  m["txc.tan"] = floatUnary<math::TanOp>();
  m["txc.asin"] = floatUnary<math::AsinOp>();
  m["txc.acos"] = floatUnary<math::AcosOp>();
  m["txc.atan"] = floatUnary<math::AtanOp>();
  m["txc.sinh"] = floatUnary<math::SinhOp>();
  m["txc.cosh"] = floatUnary<math::CoshOp>();
  m["txc.asinh"] = floatUnary<math::AsinhOp>();
  m["txc.acosh"] = floatUnary<math::AcoshOp>();
  m["txc.atanh"] = floatUnary<math::AtanhOp>();
  m["txc.identity"] = [](ScalarCtx &c) -> Value { return c.args[0]; };
  m["txc.abs"] = [](ScalarCtx &c) -> Value {
    if (c.isFloat())
      return c.b.create<math::AbsFOp>(c.loc, c.args[0]);
    if (c.resultUnsigned)
      return c.args[0];
    return c.b.create<math::AbsIOp>(c.loc, c.args[0]);
  };
  m["txc.neg"] = [](ScalarCtx &c) -> Value {
    if (c.isFloat())
      return c.b.create<arith::NegFOp>(c.loc, c.args[0]);
    return c.b.create<arith::SubIOp>(c.loc, c.cst(0), c.args[0]);
  };
  m["txc.reciprocal"] = [](ScalarCtx &c) -> Value {
    if (!c.isFloat())
      return {};
    return c.b.create<arith::DivFOp>(c.loc, c.cst(1), c.args[0]);
  };
  m["txc.sign"] = [](ScalarCtx &c) -> Value {
    Value x = c.args[0];
    if (c.isFloat()) {
      Value gt = c.b.create<arith::CmpFOp>(c.loc, arith::CmpFPredicate::OGT, x, c.cst(0));
      Value lt = c.b.create<arith::CmpFOp>(c.loc, arith::CmpFPredicate::OLT, x, c.cst(0));
      Value s = c.b.create<arith::SelectOp>(c.loc, lt, c.cst(-1), c.cst(0));
      s = c.b.create<arith::SelectOp>(c.loc, gt, c.cst(1), s);
      // NaN stays NaN.
      Value nan = c.b.create<arith::CmpFOp>(c.loc, arith::CmpFPredicate::UNO, x, x);
      return c.b.create<arith::SelectOp>(c.loc, nan, x, s);
    }
    auto gtP = c.resultUnsigned ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt;
    Value gt = c.b.create<arith::CmpIOp>(c.loc, gtP, x, c.cst(0));
    Value lt = c.b.create<arith::CmpIOp>(c.loc, arith::CmpIPredicate::slt, x, c.cst(0));
    Value s = c.resultUnsigned
                  ? c.cst(0)
                  : Value(c.b.create<arith::SelectOp>(c.loc, lt, c.cst(-1), c.cst(0)));
    return c.b.create<arith::SelectOp>(c.loc, gt, c.cst(1), s);
  };
  m["txc.sigmoid"] = [](ScalarCtx &c) -> Value {
    if (!c.isFloat())
      return {};
    return sigmoidOf(c, c.args[0]);
  };
  m["txc.relu"] = [](ScalarCtx &c) -> Value {
    Value x = c.args[0];
    if (c.isFloat()) // max(0, x) keeping NaN, as the reference does
      return c.b.create<arith::MaximumFOp>(c.loc, x, c.cst(0));
    if (c.resultUnsigned)
      return x;
    return c.b.create<arith::MaxSIOp>(c.loc, x, c.cst(0));
  };
  m["txc.not"] = [](ScalarCtx &c) -> Value {
    return c.b.create<arith::XOrIOp>(c.loc, c.args[0], c.cst(1));
  };
  m["txc.bitwise_not"] = [](ScalarCtx &c) -> Value {
    if (c.isFloat())
      return {};
    return c.b.create<arith::XOrIOp>(c.loc, c.args[0], c.cst(-1));
  };
  m["txc.softplus"] = [](ScalarCtx &c) -> Value {
    if (!c.isFloat())
      return {};
    // log(1 + exp(x)), computed as max(x, 0) + log1p(exp(-|x|)) to avoid overflow.
    Value x = c.args[0];
    Value ax = c.b.create<math::AbsFOp>(c.loc, x);
    Value e = c.b.create<math::ExpOp>(c.loc, c.b.create<arith::NegFOp>(c.loc, ax));
    Value l = c.b.create<math::Log1pOp>(c.loc, e);
    return c.b.create<arith::AddFOp>(
        c.loc, c.b.create<arith::MaximumFOp>(c.loc, x, c.cst(0)), l);
  };
  m["txc.softsign"] = [](ScalarCtx &c) -> Value {
    if (!c.isFloat())
      return {};
    Value x = c.args[0];
    Value d = c.b.create<arith::AddFOp>(c.loc, c.cst(1),
                                        c.b.create<math::AbsFOp>(c.loc, x));
    return c.b.create<arith::DivFOp>(c.loc, x, d);
  };
  m["txc.hard_swish"] = [](ScalarCtx &c) -> Value {
    if (!c.isFloat())
      return {};
    Value x = c.args[0];
    Value t = c.b.create<arith::AddFOp>(
        c.loc, c.b.create<arith::MulFOp>(c.loc, x, c.cst(1.0 / 6.0)), c.cst(0.5));
    t = c.b.create<arith::MinimumFOp>(
        c.loc, c.b.create<arith::MaximumFOp>(c.loc, t, c.cst(0)), c.cst(1));
    return c.b.create<arith::MulFOp>(c.loc, x, t);
  };
  m["txc.mish"] = [](ScalarCtx &c) -> Value {
    if (!c.isFloat())
      return {};
    Value x = c.args[0];
    Value ax = c.b.create<math::AbsFOp>(c.loc, x);
    Value e = c.b.create<math::ExpOp>(c.loc, c.b.create<arith::NegFOp>(c.loc, ax));
    Value sp = c.b.create<arith::AddFOp>(
        c.loc, c.b.create<arith::MaximumFOp>(c.loc, x, c.cst(0)),
        c.b.create<math::Log1pOp>(c.loc, e));
    return c.b.create<arith::MulFOp>(c.loc, x, c.b.create<math::TanhOp>(c.loc, sp));
  };
  m["txc.elu"] = [](ScalarCtx &c) -> Value {
    if (!c.isFloat())
      return {};
    Value x = c.args[0];
    Value em1 = c.b.create<math::ExpM1Op>(c.loc, x);
    Value neg = c.b.create<arith::MulFOp>(c.loc, c.cst(c.fattr("alpha")), em1);
    Value lt = c.b.create<arith::CmpFOp>(c.loc, arith::CmpFPredicate::OLT, x, c.cst(0));
    return c.b.create<arith::SelectOp>(c.loc, lt, neg, x);
  };
  m["txc.celu"] = [](ScalarCtx &c) -> Value {
    if (!c.isFloat())
      return {};
    // max(0, x) + min(0, alpha * (exp(x / alpha) - 1))
    Value x = c.args[0];
    Value alpha = c.cst(c.fattr("alpha"));
    Value e = c.b.create<math::ExpM1Op>(c.loc, c.b.create<arith::DivFOp>(c.loc, x, alpha));
    Value n = c.b.create<arith::MinimumFOp>(
        c.loc, c.cst(0), c.b.create<arith::MulFOp>(c.loc, alpha, e));
    return c.b.create<arith::AddFOp>(
        c.loc, c.b.create<arith::MaximumFOp>(c.loc, c.cst(0), x), n);
  };
  m["txc.selu"] = [](ScalarCtx &c) -> Value {
    if (!c.isFloat())
      return {};
    Value x = c.args[0];
    Value gamma = c.cst(c.fattr("gamma"));
    Value em1 = c.b.create<math::ExpM1Op>(c.loc, x);
    Value neg = c.b.create<arith::MulFOp>(c.loc, c.cst(c.fattr("alpha")), em1);
    Value r = selectGt0(c, x, x, neg);
    return c.b.create<arith::MulFOp>(c.loc, gamma, r);
  };
  m["txc.leaky_relu"] = [](ScalarCtx &c) -> Value {
    if (!c.isFloat())
      return {};
    Value x = c.args[0];
    Value n = c.b.create<arith::MulFOp>(c.loc, c.cst(c.fattr("alpha")), x);
    Value lt = c.b.create<arith::CmpFOp>(c.loc, arith::CmpFPredicate::OLT, x, c.cst(0));
    return c.b.create<arith::SelectOp>(c.loc, lt, n, x);
  };
  m["txc.thresholded_relu"] = [](ScalarCtx &c) -> Value {
    if (!c.isFloat())
      return {};
    Value x = c.args[0];
    Value gt = c.b.create<arith::CmpFOp>(c.loc, arith::CmpFPredicate::OGT, x,
                                         c.cst(c.fattr("alpha")));
    return c.b.create<arith::SelectOp>(c.loc, gt, x, c.cst(0));
  };
  m["txc.hard_sigmoid"] = [](ScalarCtx &c) -> Value {
    if (!c.isFloat())
      return {};
    Value t = c.b.create<arith::AddFOp>(
        c.loc, c.b.create<arith::MulFOp>(c.loc, c.args[0], c.cst(c.fattr("alpha"))),
        c.cst(c.fattr("beta")));
    return c.b.create<arith::MinimumFOp>(
        c.loc, c.b.create<arith::MaximumFOp>(c.loc, t, c.cst(0)), c.cst(1));
  };
  m["txc.gelu"] = [](ScalarCtx &c) -> Value {
    if (!c.isFloat())
      return {};
    Value x = c.args[0];
    auto mode = llvm::cast<StringAttr>(c.op->getAttr("approximate")).getValue();
    Value half = c.b.create<arith::MulFOp>(c.loc, x, c.cst(0.5));
    Value inner;
    if (mode == "tanh") {
      // tanh(sqrt(2/pi) * (x + 0.044715 x^3))
      Value x3 = c.b.create<arith::MulFOp>(
          c.loc, x, c.b.create<arith::MulFOp>(c.loc, x, x));
      Value s = c.b.create<arith::AddFOp>(
          c.loc, x, c.b.create<arith::MulFOp>(c.loc, x3, c.cst(0.044715)));
      inner = c.b.create<math::TanhOp>(
          c.loc, c.b.create<arith::MulFOp>(c.loc, s, c.cst(0.7978845608028654)));
    } else {
      inner = c.b.create<math::ErfOp>(
          c.loc, c.b.create<arith::MulFOp>(c.loc, x, c.cst(0.7071067811865476)));
    }
    return c.b.create<arith::MulFOp>(
        c.loc, half, c.b.create<arith::AddFOp>(c.loc, c.cst(1), inner));
  };
  m["txc.shrink"] = [](ScalarCtx &c) -> Value {
    Value x = c.args[0];
    double lambd = c.fattr("lambd"), bias = c.fattr("bias");
    if (c.isFloat()) {
      Value lt = c.b.create<arith::CmpFOp>(c.loc, arith::CmpFPredicate::OLT, x, c.cst(-lambd));
      Value gt = c.b.create<arith::CmpFOp>(c.loc, arith::CmpFPredicate::OGT, x, c.cst(lambd));
      Value r = c.b.create<arith::SelectOp>(
          c.loc, gt, c.b.create<arith::SubFOp>(c.loc, x, c.cst(bias)), c.cst(0));
      return c.b.create<arith::SelectOp>(
          c.loc, lt, c.b.create<arith::AddFOp>(c.loc, x, c.cst(bias)), r);
    }
    // Integer inputs: compare in f64, as the reference does.
    Type f64 = c.b.getF64Type();
    Value xf = castScalar(c.b, c.loc, x, f64, c.resultUnsigned, false);
    Value lt = c.b.create<arith::CmpFOp>(c.loc, arith::CmpFPredicate::OLT, xf, c.cst(-lambd, f64));
    Value gt = c.b.create<arith::CmpFOp>(c.loc, arith::CmpFPredicate::OGT, xf, c.cst(lambd, f64));
    Value r = c.b.create<arith::SelectOp>(
        c.loc, gt, c.b.create<arith::SubFOp>(c.loc, xf, c.cst(bias, f64)), c.cst(0, f64));
    r = c.b.create<arith::SelectOp>(
        c.loc, lt, c.b.create<arith::AddFOp>(c.loc, xf, c.cst(bias, f64)), r);
    return castScalar(c.b, c.loc, r, c.resultType, false, c.resultUnsigned);
  };
  m["txc.swish"] = [](ScalarCtx &c) -> Value {
    if (!c.isFloat())
      return {};
    Value x = c.args[0];
    Value ax = c.b.create<arith::MulFOp>(c.loc, x, c.cst(c.fattr("alpha")));
    return c.b.create<arith::MulFOp>(c.loc, x, sigmoidOf(c, ax));
  };
  m["txc.isnan"] = [](ScalarCtx &c) -> Value {
    Value x = c.args[0];
    if (!llvm::isa<FloatType>(x.getType()))
      return {};
    return c.b.create<arith::CmpFOp>(c.loc, arith::CmpFPredicate::UNO, x, x);
  };
  m["txc.isinf"] = [](ScalarCtx &c) -> Value {
    Value x = c.args[0];
    auto ft = llvm::dyn_cast<FloatType>(x.getType());
    if (!ft)
      return {};
    double inf = std::numeric_limits<double>::infinity();
    Value pos = c.b.create<arith::CmpFOp>(c.loc, arith::CmpFPredicate::OEQ, x,
                                          scalarConstant(c.b, c.loc, ft, inf));
    Value neg = c.b.create<arith::CmpFOp>(c.loc, arith::CmpFPredicate::OEQ, x,
                                          scalarConstant(c.b, c.loc, ft, -inf));
    Value f = c.cst(0);
    Value r = c.iattr("detect_positive") ? pos : f;
    if (c.iattr("detect_negative"))
      r = c.b.create<arith::OrIOp>(c.loc, r, neg);
    return r;
  };
}

void addBinary(llvm::StringMap<Body> &m) {
  m["txc.add"] = binary<arith::AddFOp, arith::AddIOp>();
  m["txc.sub"] = binary<arith::SubFOp, arith::SubIOp>();
  m["txc.mul"] = binary<arith::MulFOp, arith::MulIOp>();
  m["txc.div"] = [](ScalarCtx &c) -> Value {
    Value a = c.args[0], b = c.args[1];
    if (c.isFloat())
      return c.b.create<arith::DivFOp>(c.loc, a, b);
    // Integer division by zero is undefined in ONNX; keep it from trapping.
    Value zero = c.cst(0), one = c.cst(1);
    Value isZero = c.b.create<arith::CmpIOp>(c.loc, arith::CmpIPredicate::eq, b, zero);
    Value safe = c.b.create<arith::SelectOp>(c.loc, isZero, one, b);
    Value q = c.resultUnsigned ? Value(c.b.create<arith::DivUIOp>(c.loc, a, safe))
                               : Value(c.b.create<arith::DivSIOp>(c.loc, a, safe));
    return c.b.create<arith::SelectOp>(c.loc, isZero, zero, q);
  };
  m["txc.bitwise_and"] = binary<arith::AndIOp, arith::AndIOp>();
  m["txc.bitwise_or"] = binary<arith::OrIOp, arith::OrIOp>();
  m["txc.bitwise_xor"] = binary<arith::XOrIOp, arith::XOrIOp>();
  m["txc.and"] = binary<arith::AndIOp, arith::AndIOp>();
  m["txc.or"] = binary<arith::OrIOp, arith::OrIOp>();
  m["txc.xor"] = binary<arith::XOrIOp, arith::XOrIOp>();
  m["txc.pow"] = [](ScalarCtx &c) -> Value {
    Value a = c.args[0], b = c.args[1];
    if (!c.isFloat()) {
      // Integer base: compute in f64 and truncate, as the reference does.
      Type f64 = c.b.getF64Type();
      Value af = castScalar(c.b, c.loc, a, f64, c.argUnsigned(0), false);
      Value bf = castScalar(c.b, c.loc, b, f64, c.argUnsigned(1), false);
      Value p = c.b.create<math::PowFOp>(c.loc, af, bf);
      return castScalar(c.b, c.loc, p, c.resultType, false, c.resultUnsigned);
    }
    if (b.getType() != c.resultType)
      b = castScalar(c.b, c.loc, b, c.resultType, c.argUnsigned(1), false);
    return c.b.create<math::PowFOp>(c.loc, a, b);
  };
  m["txc.mod"] = [](ScalarCtx &c) -> Value {
    Value a = c.args[0], b = c.args[1];
    bool fmod = c.iattr("fmod") != 0;
    if (c.isFloat()) {
      Value r = c.b.create<arith::RemFOp>(c.loc, a, b);
      if (fmod)
        return r;
      // Python-style: the result takes the divisor's sign.
      Value rNeg = c.b.create<arith::CmpFOp>(c.loc, arith::CmpFPredicate::OLT, r, c.cst(0));
      Value bNeg = c.b.create<arith::CmpFOp>(c.loc, arith::CmpFPredicate::OLT, b, c.cst(0));
      Value rNz = c.b.create<arith::CmpFOp>(c.loc, arith::CmpFPredicate::ONE, r, c.cst(0));
      Value differ = c.b.create<arith::XOrIOp>(c.loc, rNeg, bNeg);
      Value fix = c.b.create<arith::AndIOp>(c.loc, differ, rNz);
      return c.b.create<arith::SelectOp>(
          c.loc, fix, c.b.create<arith::AddFOp>(c.loc, r, b), r);
    }
    Value zero = c.cst(0), one = c.cst(1);
    Value isZero = c.b.create<arith::CmpIOp>(c.loc, arith::CmpIPredicate::eq, b, zero);
    Value safe = c.b.create<arith::SelectOp>(c.loc, isZero, one, b);
    Value r;
    if (c.resultUnsigned) {
      r = c.b.create<arith::RemUIOp>(c.loc, a, safe);
    } else {
      r = c.b.create<arith::RemSIOp>(c.loc, a, safe);
      if (!fmod) {
        Value rNeg = c.b.create<arith::CmpIOp>(c.loc, arith::CmpIPredicate::slt, r, zero);
        Value bNeg = c.b.create<arith::CmpIOp>(c.loc, arith::CmpIPredicate::slt, safe, zero);
        Value rNz = c.b.create<arith::CmpIOp>(c.loc, arith::CmpIPredicate::ne, r, zero);
        Value fix = c.b.create<arith::AndIOp>(
            c.loc, c.b.create<arith::XOrIOp>(c.loc, rNeg, bNeg), rNz);
        r = c.b.create<arith::SelectOp>(
            c.loc, fix, c.b.create<arith::AddIOp>(c.loc, r, safe), r);
      }
    }
    return c.b.create<arith::SelectOp>(c.loc, isZero, zero, r);
  };
  m["txc.bit_shift"] = [](ScalarCtx &c) -> Value {
    if (c.isFloat())
      return {};
    auto dir = llvm::cast<StringAttr>(c.op->getAttr("direction")).getValue();
    Value a = c.args[0], b = c.args[1];
    unsigned width = c.resultType.getIntOrFloatBitWidth();
    // Shifts by >= width give 0 in ONNX (and poison in LLVM).
    Value tooFar = c.b.create<arith::CmpIOp>(c.loc, arith::CmpIPredicate::uge, b,
                                             c.cst(width));
    Value s = dir == "LEFT" ? Value(c.b.create<arith::ShLIOp>(c.loc, a, b))
                            : Value(c.b.create<arith::ShRUIOp>(c.loc, a, b));
    return c.b.create<arith::SelectOp>(c.loc, tooFar, c.cst(0), s);
  };
  m["txc.prelu"] = [](ScalarCtx &c) -> Value {
    Value x = c.args[0], slope = c.args[1];
    if (c.isFloat()) {
      Value lt = c.b.create<arith::CmpFOp>(c.loc, arith::CmpFPredicate::OLT, x, c.cst(0));
      return c.b.create<arith::SelectOp>(
          c.loc, lt, c.b.create<arith::MulFOp>(c.loc, x, slope), x);
    }
    Value lt = c.b.create<arith::CmpIOp>(c.loc, arith::CmpIPredicate::slt, x, c.cst(0));
    return c.b.create<arith::SelectOp>(
        c.loc, lt, c.b.create<arith::MulIOp>(c.loc, x, slope), x);
  };
  using FP = arith::CmpFPredicate;
  using IP = arith::CmpIPredicate;
  m["txc.equal"] = compare(FP::OEQ, IP::eq, IP::eq);
  m["txc.less"] = compare(FP::OLT, IP::slt, IP::ult);
  m["txc.less_or_equal"] = compare(FP::OLE, IP::sle, IP::ule);
  m["txc.greater"] = compare(FP::OGT, IP::sgt, IP::ugt);
  m["txc.greater_or_equal"] = compare(FP::OGE, IP::sge, IP::uge);

  m["txc.sum"] = variadic([](ScalarCtx &c, Value a, Value b) -> Value {
    if (c.isFloat())
      return c.b.create<arith::AddFOp>(c.loc, a, b);
    return c.b.create<arith::AddIOp>(c.loc, a, b);
  });
  m["txc.mean"] = variadic(
      [](ScalarCtx &c, Value a, Value b) -> Value {
        return c.b.create<arith::AddFOp>(c.loc, a, b);
      },
      /*mean=*/true);
  m["txc.max"] = variadic(maxOf);
  m["txc.min"] = variadic(minOf);

  m["txc.where"] = [](ScalarCtx &c) -> Value {
    return c.b.create<arith::SelectOp>(c.loc, c.args[0], c.args[1], c.args[2]);
  };
  m["txc.clip"] = [](ScalarCtx &c) -> Value {
    Value x = c.args[0];
    for (unsigned i = 1; i < c.args.size(); ++i) {
      bool isMin = c.presentOperand[i] == 1;
      x = isMin ? maxOf(c, x, c.args[i]) : minOf(c, x, c.args[i]);
    }
    return x;
  };
  auto cast = [](ScalarCtx &c) -> Value {
    Value x = c.args[0];
    Type from = x.getType();
    Type to = c.resultType;
    // Saturation and the float8 types are not supported here.
    if (llvm::isa<FloatType>(from) && llvm::isa<IntegerType>(to) &&
        to.getIntOrFloatBitWidth() > 1) {
      // Out-of-range float -> int is UB in LLVM: go through i64 and wrap,
      // as the reference's C cast of an in-range value does.
      if (to.getIntOrFloatBitWidth() < 64) {
        Value wide = castScalar(c.b, c.loc, x, c.b.getI64Type(), false, false);
        return castScalar(c.b, c.loc, wide, to, false, c.resultUnsigned);
      }
    }
    return castScalar(c.b, c.loc, x, to, c.argUnsigned(0), c.resultUnsigned);
  };
  m["txc.cast"] = cast;
  m["txc.cast_like"] = cast;
}

} // namespace

/// txc.constant -> arith.constant (signless; dense_resource weights are
/// outlined as function arguments before this runs, see OutlineWeights).
struct ConstantLowering : public OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConstantOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = loweredTensorType(op.getType());
    Attribute value = op.getValue();
    if (auto dense = llvm::dyn_cast<DenseElementsAttr>(value)) {
      if (dense.getType() != type) {
        if (dense.isSplat() || !isUnsignedInt(dense.getElementType()))
          value = dense.bitcast(type.getElementType()).reshape(type);
        else
          value = dense.bitcast(type.getElementType());
      }
    } else if (auto res = llvm::dyn_cast<DenseResourceElementsAttr>(value)) {
      if (res.getType() != type)
        value = DenseResourceElementsAttr::get(type, res.getRawHandle());
    } else {
      return failure();
    }
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, type,
                                                   llvm::cast<TypedAttr>(value));
    return success();
  }
};

void populateElementwisePatterns(TypeConverter &tc, RewritePatternSet &patterns) {
  llvm::StringMap<Body> bodies;
  addUnary(bodies);
  addBinary(bodies);
  MLIRContext *ctx = patterns.getContext();
  for (auto &kv : bodies)
    patterns.add<ElementwiseLowering>(tc, ctx, kv.first(), kv.second);
  patterns.add<ConstantLowering>(tc, ctx);
}

} // namespace txc::lowering
