//===- Elementwise.cpp - Reference elementwise kernels --------------------===//
//
// Unary math and activations, numpy-broadcasting binary and variadic ops,
// comparisons and logic, Where, Clip, Cast and CastLike. Each op is written
// once over a C++ element type T; float16/bfloat16 operands are computed in
// float32 and rounded back. Float-only math is evaluated in double and
// rounded to the element type.
//
//===----------------------------------------------------------------------===//

#include "../Kernel.h"
#include "Broadcast.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

namespace txc::ref {
namespace {

using Tensors = std::vector<Tensor>;

bool isHalf(DType t) { return t == DType::F16 || t == DType::BF16; }

/// float16/bfloat16 -> float32 (computation type); other dtypes unchanged.
Tensor promote(const Tensor &t) { return isHalf(t.dtype()) ? t.cast(DType::F32) : t; }
/// Rounds a float32 result back to the original half dtype.
Tensor demote(const Tensor &t, DType orig) { return isHalf(orig) ? t.cast(orig) : t; }

std::string opName(const char *op) { return std::string(op); }

[[noreturn]] void dtypeError(const char *op, DType t, const char *expected) {
  throw EvalError(opName(op) + ": expected " + expected + " input, got " +
                  dtypeName(t));
}

void requireSameDType(const Tensor &a, const Tensor &b, const char *op) {
  if (a.dtype() != b.dtype())
    throw EvalError(opName(op) + ": input dtypes " + dtypeName(a.dtype()) +
                    " and " + dtypeName(b.dtype()) + " differ");
}

/// double -> T with the conversion rules of Tensor::setDouble (truncation
/// toward zero for integers, NaN -> 0, saturation at the int64 range).
template <class T> T fromDouble(double v) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(v);
  } else {
    if (std::isnan(v))
      return T(0);
    if constexpr (std::is_same_v<T, uint64_t>)
      if (v >= 9.2233720368547758e18)
        return v >= 18446744073709551616.0 ? std::numeric_limits<uint64_t>::max()
                                           : static_cast<uint64_t>(v);
    if (v >= 9.2233720368547758e18)
      return static_cast<T>(std::numeric_limits<int64_t>::max());
    if (v <= -9.2233720368547758e18)
      return static_cast<T>(std::numeric_limits<int64_t>::min());
    return static_cast<T>(static_cast<int64_t>(v));
  }
}

/// Unsigned type at least 32 bits wide, for wrapping integer arithmetic
/// without signed overflow or int promotion surprises.
template <class T>
using WrapT = std::conditional_t<(sizeof(T) < 4), uint32_t, std::make_unsigned_t<T>>;

template <class T> T wrapAdd(T a, T b) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<T>(static_cast<WrapT<T>>(a) + static_cast<WrapT<T>>(b));
  else
    return a + b;
}
template <class T> T wrapSub(T a, T b) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<T>(static_cast<WrapT<T>>(a) - static_cast<WrapT<T>>(b));
  else
    return a - b;
}
template <class T> T wrapMul(T a, T b) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<T>(static_cast<WrapT<T>>(a) * static_cast<WrapT<T>>(b));
  else
    return a * b;
}
template <class T> T wrapNeg(T a) { return wrapSub(T(0), a); }

//===----------------------------------------------------------------------===//
// Unary helpers
//===----------------------------------------------------------------------===//

/// y = f(x) for floating-point x, f evaluated in double.
template <class F> Tensor mapFloat(const Tensor &x, const char *op, F f) {
  if (!isFloat(x.dtype()))
    dtypeError(op, x.dtype(), "a floating-point");
  Tensor o(x.dtype(), x.shape());
  int64_t n = x.numel();
  if (x.dtype() == DType::F32) {
    const float *p = x.data<float>();
    float *q = o.mutableData<float>();
    for (int64_t i = 0; i < n; ++i)
      q[i] = static_cast<float>(f(static_cast<double>(p[i])));
  } else if (x.dtype() == DType::F64) {
    const double *p = x.data<double>();
    double *q = o.mutableData<double>();
    for (int64_t i = 0; i < n; ++i)
      q[i] = f(p[i]);
  } else {
    for (int64_t i = 0; i < n; ++i)
      o.setDouble(i, f(x.getDouble(i)));
  }
  return o;
}

/// y = f(x) for any numeric x, f evaluated in double (ints truncate back).
template <class F> Tensor mapNumericViaDouble(const Tensor &x, const char *op, F f) {
  if (isFloat(x.dtype()))
    return mapFloat(x, op, f);
  if (x.dtype() == DType::Bool)
    dtypeError(op, x.dtype(), "a numeric");
  Tensor o(x.dtype(), x.shape());
  for (int64_t i = 0; i < x.numel(); ++i)
    o.setDouble(i, f(x.getDouble(i)));
  return o;
}

/// y = f(x) computed over the element type T (f is a generic lambda).
template <class F> Tensor mapTyped(const Tensor &x0, const char *op, F f) {
  Tensor x = promote(x0);
  Tensor o(x.dtype(), x.shape());
  visitDType(x.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T *p = x.data<T>();
    T *q = o.mutableData<T>();
    for (int64_t i = 0, n = x.numel(); i < n; ++i)
      q[i] = static_cast<T>(f(p[i]));
  });
  return demote(o, x0.dtype());
}

/// Bool result of a predicate on floating-point x.
template <class F> Tensor predicateFloat(const Tensor &x, const char *op, F f) {
  if (!isFloat(x.dtype()))
    dtypeError(op, x.dtype(), "a floating-point");
  Tensor o(DType::Bool, x.shape());
  uint8_t *q = o.mutableData<uint8_t>();
  for (int64_t i = 0, n = x.numel(); i < n; ++i)
    q[i] = f(x.getDouble(i)) ? 1 : 0;
  return o;
}

void requireNoNonNumeric(const Tensor &x, const char *op) {
  if (x.dtype() == DType::Bool)
    dtypeError(op, x.dtype(), "a numeric");
}

//===----------------------------------------------------------------------===//
// Binary helpers
//===----------------------------------------------------------------------===//

/// out[i] = f(a[.], b[.]) with numpy broadcasting; a has element type TA, b
/// TB, the output TO and dtype outDt.
template <class TA, class TB, class TO, class F>
Tensor binaryLoop(const Tensor &a, const Tensor &b, DType outDt, F f) {
  Shape s = broadcastShapes(a.shape(), b.shape());
  Tensor o(outDt, s);
  const TA *pa = a.data<TA>();
  const TB *pb = b.data<TB>();
  TO *po = o.mutableData<TO>();
  int64_t n = o.numel();
  if (a.shape() == s && b.shape() == s) {
    for (int64_t i = 0; i < n; ++i)
      po[i] = static_cast<TO>(f(pa[i], pb[i]));
  } else if (a.shape() == s && b.numel() == 1) {
    TB v = pb[0];
    for (int64_t i = 0; i < n; ++i)
      po[i] = static_cast<TO>(f(pa[i], v));
  } else if (b.shape() == s && a.numel() == 1) {
    TA v = pa[0];
    for (int64_t i = 0; i < n; ++i)
      po[i] = static_cast<TO>(f(v, pb[i]));
  } else {
    forEachBroadcast<2>(s, {a.shape(), b.shape()},
                        [&](int64_t i, const std::array<int64_t, 2> &off) {
                          po[i] = static_cast<TO>(f(pa[off[0]], pb[off[1]]));
                        });
  }
  return o;
}

/// Same-dtype binary op whose result has the input dtype. `allowBool`
/// admits bool operands (stored as uint8_t 0/1).
template <class F>
Tensor binarySame(const Tensor &a0, const Tensor &b0, const char *op, F f,
                  bool allowBool = false) {
  requireSameDType(a0, b0, op);
  if (!allowBool && a0.dtype() == DType::Bool)
    dtypeError(op, a0.dtype(), "a numeric");
  Tensor a = promote(a0), b = promote(b0);
  Tensor r = visitDType(a.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    return binaryLoop<T, T, T>(a, b, a.dtype(), [&](T x, T y) { return f(x, y); });
  });
  return demote(r, a0.dtype());
}

/// Same-dtype binary predicate with a Bool result.
template <class F>
Tensor binaryCompare(const Tensor &a0, const Tensor &b0, const char *op, F f) {
  requireSameDType(a0, b0, op);
  Tensor a = promote(a0), b = promote(b0);
  return visitDType(a.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    return binaryLoop<T, T, uint8_t>(a, b, DType::Bool,
                                     [&](T x, T y) -> uint8_t { return f(x, y) ? 1 : 0; });
  });
}

void requireInteger(const Tensor &t, const char *op) {
  if (!isInteger(t.dtype()) || t.dtype() == DType::Bool)
    dtypeError(op, t.dtype(), "an integer");
}
void requireBool(const Tensor &t, const char *op) {
  if (t.dtype() != DType::Bool)
    dtypeError(op, t.dtype(), "a bool");
}

/// Folds 1..N inputs pairwise (variadic Min/Max/Sum/Mean).
template <class F>
Tensor foldVariadic(const KernelArgs &args, const char *op, F f) {
  if (args.inputs.empty())
    throw EvalError(opName(op) + ": expected at least one input");
  Tensor acc;
  for (size_t k = 0; k < args.inputs.size(); ++k) {
    const Tensor &t = args.inputs[k];
    if (t.isNull())
      throw EvalError(opName(op) + ": input " + std::to_string(k) + " is missing");
    if (k == 0) {
      if (t.dtype() == DType::Bool)
        dtypeError(op, t.dtype(), "a numeric");
      acc = t;
    } else {
      acc = binarySame(acc, t, op, f);
    }
  }
  return acc;
}

//===----------------------------------------------------------------------===//
// Unary kernels
//===----------------------------------------------------------------------===//

const Tensor &in0(const KernelArgs &a) { return a.required(0, "X"); }

#define TXC_FLOAT_UNARY(NAME, EXPR)                                            \
  Tensors k_##NAME(const KernelArgs &a) {                                      \
    return {mapFloat(in0(a), #NAME, [](double x) { return (EXPR); })};          \
  }

TXC_FLOAT_UNARY(exp, std::exp(x))
TXC_FLOAT_UNARY(log, std::log(x))
TXC_FLOAT_UNARY(sqrt, std::sqrt(x))
TXC_FLOAT_UNARY(reciprocal, 1.0 / x)
TXC_FLOAT_UNARY(erf, std::erf(x))
TXC_FLOAT_UNARY(tanh, std::tanh(x))
TXC_FLOAT_UNARY(sigmoid, x >= 0 ? 1.0 / (1.0 + std::exp(-x))
                                : std::exp(x) / (1.0 + std::exp(x)))
TXC_FLOAT_UNARY(sin, std::sin(x))
TXC_FLOAT_UNARY(cos, std::cos(x))
TXC_FLOAT_UNARY(tan, std::tan(x))
TXC_FLOAT_UNARY(asin, std::asin(x))
TXC_FLOAT_UNARY(acos, std::acos(x))
TXC_FLOAT_UNARY(atan, std::atan(x))
TXC_FLOAT_UNARY(sinh, std::sinh(x))
TXC_FLOAT_UNARY(cosh, std::cosh(x))
TXC_FLOAT_UNARY(asinh, std::asinh(x))
TXC_FLOAT_UNARY(acosh, std::acosh(x))
TXC_FLOAT_UNARY(atanh, std::atanh(x))
// log(1 + e^x) without overflow for large x.
TXC_FLOAT_UNARY(softplus, x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)))
TXC_FLOAT_UNARY(softsign, x / (1.0 + std::fabs(x)))
TXC_FLOAT_UNARY(hard_swish, x * std::max(0.0, std::min(1.0, x / 6.0 + 0.5)))
TXC_FLOAT_UNARY(mish, x * std::tanh(x > 0 ? x + std::log1p(std::exp(-x))
                                          : std::log1p(std::exp(x))))
#undef TXC_FLOAT_UNARY

// Floor/Ceil/Round are the identity on integers (exact even beyond 2^53).
template <class F> Tensor rounding(const Tensor &x, const char *op, F f) {
  if (x.dtype() == DType::Bool)
    dtypeError(op, x.dtype(), "a numeric");
  return isInteger(x.dtype()) ? x : mapFloat(x, op, f);
}
Tensors k_floor(const KernelArgs &a) {
  return {rounding(in0(a), "floor", [](double x) { return std::floor(x); })};
}
Tensors k_ceil(const KernelArgs &a) {
  return {rounding(in0(a), "ceil", [](double x) { return std::ceil(x); })};
}
Tensors k_round(const KernelArgs &a) {
  // Round half to even (the default floating-point rounding mode).
  return {rounding(in0(a), "round", [](double x) { return std::nearbyint(x); })};
}

Tensors k_abs(const KernelArgs &a) {
  const Tensor &x = in0(a);
  requireNoNonNumeric(x, "abs");
  return {mapTyped(x, "abs", [](auto v) {
    using T = decltype(v);
    if constexpr (std::is_unsigned_v<T>)
      return v;
    else if constexpr (std::is_integral_v<T>)
      return v < 0 ? wrapNeg(v) : v;
    else
      return std::fabs(v);
  })};
}

Tensors k_neg(const KernelArgs &a) {
  const Tensor &x = in0(a);
  requireNoNonNumeric(x, "neg");
  return {mapTyped(x, "neg", [](auto v) { return wrapNeg(v); })};
}

Tensors k_sign(const KernelArgs &a) {
  const Tensor &x = in0(a);
  requireNoNonNumeric(x, "sign");
  return {mapTyped(x, "sign", [](auto v) {
    using T = decltype(v);
    if constexpr (std::is_floating_point_v<T>)
      if (std::isnan(v))
        return v;
    return static_cast<T>(v > T(0) ? 1 : (v < T(0) ? -1 : 0));
  })};
}

Tensors k_relu(const KernelArgs &a) {
  const Tensor &x = in0(a);
  requireNoNonNumeric(x, "relu");
  return {mapTyped(x, "relu", [](auto v) {
    using T = decltype(v);
    return v < T(0) ? T(0) : v;
  })};
}

Tensors k_identity(const KernelArgs &a) { return {in0(a)}; }

Tensors k_not(const KernelArgs &a) {
  const Tensor &x = in0(a);
  requireBool(x, "not");
  Tensor o(DType::Bool, x.shape());
  const uint8_t *p = x.data<uint8_t>();
  uint8_t *q = o.mutableData<uint8_t>();
  for (int64_t i = 0, n = x.numel(); i < n; ++i)
    q[i] = p[i] ? 0 : 1;
  return {o};
}

Tensors k_bitwise_not(const KernelArgs &a) {
  const Tensor &x = in0(a);
  requireInteger(x, "bitwise_not");
  return {mapTyped(x, "bitwise_not", [](auto v) {
    using T = decltype(v);
    if constexpr (std::is_integral_v<T>)
      return static_cast<T>(~v);
    else
      return v; // unreachable: requireInteger rejected floats
  })};
}

Tensors k_isnan(const KernelArgs &a) {
  return {predicateFloat(in0(a), "isnan", [](double x) { return std::isnan(x); })};
}

Tensors k_isinf(const KernelArgs &a) {
  bool neg = a.attrs.getInt("detect_negative", 1) != 0;
  bool pos = a.attrs.getInt("detect_positive", 1) != 0;
  return {predicateFloat(in0(a), "isinf", [=](double x) {
    return std::isinf(x) && ((x > 0 && pos) || (x < 0 && neg));
  })};
}

Tensors k_elu(const KernelArgs &a) {
  double alpha = a.attrs.getFloat("alpha", 1.0);
  return {mapFloat(in0(a), "elu", [=](double x) {
    return x < 0 ? alpha * (std::exp(x) - 1.0) : x;
  })};
}

Tensors k_selu(const KernelArgs &a) {
  double alpha = a.attrs.getFloat("alpha", 1.67326319217681884765625);
  double gamma = a.attrs.getFloat("gamma", 1.05070102214813232421875);
  return {mapFloat(in0(a), "selu", [=](double x) {
    return x <= 0 ? gamma * (alpha * std::exp(x) - alpha) : gamma * x;
  })};
}

Tensors k_celu(const KernelArgs &a) {
  double alpha = a.attrs.getFloat("alpha", 1.0);
  if (alpha == 0)
    throw EvalError("celu: alpha must not be 0");
  return {mapFloat(in0(a), "celu", [=](double x) {
    return std::max(0.0, x) + std::min(0.0, alpha * (std::exp(x / alpha) - 1.0));
  })};
}

Tensors k_leaky_relu(const KernelArgs &a) {
  double alpha = a.attrs.getFloat("alpha", 0.01);
  return {mapFloat(in0(a), "leaky_relu", [=](double x) { return x < 0 ? alpha * x : x; })};
}

Tensors k_thresholded_relu(const KernelArgs &a) {
  double alpha = a.attrs.getFloat("alpha", 1.0);
  return {mapFloat(in0(a), "thresholded_relu", [=](double x) { return x > alpha ? x : 0.0; })};
}

Tensors k_hard_sigmoid(const KernelArgs &a) {
  double alpha = a.attrs.getFloat("alpha", 0.2);
  double beta = a.attrs.getFloat("beta", 0.5);
  return {mapFloat(in0(a), "hard_sigmoid", [=](double x) {
    return std::max(0.0, std::min(1.0, alpha * x + beta));
  })};
}

Tensors k_gelu(const KernelArgs &a) {
  std::string approx = a.attrs.getString("approximate", "none");
  if (approx == "none")
    return {mapFloat(in0(a), "gelu", [](double x) {
      return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
    })};
  if (approx == "tanh")
    return {mapFloat(in0(a), "gelu", [](double x) {
      const double k = std::sqrt(2.0 / M_PI);
      return 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
    })};
  throw EvalError("gelu: unknown approximate mode '" + approx +
                  "' (expected 'none' or 'tanh')");
}

Tensors k_swish(const KernelArgs &a) {
  double alpha = a.attrs.getFloat("alpha", 1.0);
  return {mapFloat(in0(a), "swish", [=](double x) {
    double z = alpha * x; // x * sigmoid(alpha * x)
    return x * (z >= 0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z)));
  })};
}

Tensors k_shrink(const KernelArgs &a) {
  double bias = a.attrs.getFloat("bias", 0.0);
  double lambd = a.attrs.getFloat("lambd", 0.5);
  return {mapNumericViaDouble(in0(a), "shrink", [=](double x) {
    return x < -lambd ? x + bias : (x > lambd ? x - bias : 0.0);
  })};
}

//===----------------------------------------------------------------------===//
// Binary arithmetic
//===----------------------------------------------------------------------===//

const Tensor &inA(const KernelArgs &a) { return a.required(0, "A"); }
const Tensor &inB(const KernelArgs &a) { return a.required(1, "B"); }

Tensors k_add(const KernelArgs &a) {
  return {binarySame(inA(a), inB(a), "add", [](auto x, auto y) { return wrapAdd(x, y); })};
}
Tensors k_sub(const KernelArgs &a) {
  return {binarySame(inA(a), inB(a), "sub", [](auto x, auto y) { return wrapSub(x, y); })};
}
Tensors k_mul(const KernelArgs &a) {
  return {binarySame(inA(a), inB(a), "mul", [](auto x, auto y) { return wrapMul(x, y); })};
}

template <class T> T divide(T x, T y, const char *op) {
  if constexpr (std::is_integral_v<T>) {
    if (y == 0)
      throw EvalError(opName(op) + ": integer division by zero");
    if constexpr (std::is_signed_v<T>)
      if (y == T(-1))
        return wrapNeg(x); // avoids the INT_MIN / -1 trap
    return static_cast<T>(x / y); // truncates toward zero, like C
  } else {
    return x / y;
  }
}

Tensors k_div(const KernelArgs &a) {
  return {binarySame(inA(a), inB(a), "div", [](auto x, auto y) { return divide(x, y, "div"); })};
}

template <class T> T modulo(T x, T y, bool cStyle) {
  if constexpr (std::is_integral_v<T>) {
    if (y == 0)
      throw EvalError("mod: integer modulo by zero");
    if constexpr (std::is_signed_v<T>) {
      if (y == T(-1))
        return T(0);
      T r = static_cast<T>(x % y);
      if (!cStyle && r != 0 && ((r < 0) != (y < 0)))
        r = static_cast<T>(r + y);
      return r;
    } else {
      return static_cast<T>(x % y);
    }
  } else {
    T r = std::fmod(x, y);
    if (!cStyle && r != 0 && ((r < 0) != (y < 0)))
      r += y;
    return r;
  }
}

Tensors k_mod(const KernelArgs &a) {
  bool cStyle = a.attrs.getInt("fmod", 0) != 0;
  return {binarySame(inA(a), inB(a), "mod",
                     [=](auto x, auto y) { return modulo(x, y, cStyle); })};
}

template <class TX, class TY> TX power(TX x, TY y) {
  if constexpr (std::is_integral_v<TX> && std::is_integral_v<TY>) {
    if constexpr (std::is_signed_v<TY>) {
      if (y < 0) {
        if (x == 1)
          return TX(1);
        if constexpr (std::is_signed_v<TX>)
          if (x == TX(-1))
            return (y % 2) ? TX(-1) : TX(1);
        return TX(0); // |x| > 1: 1/x^|y| truncates to 0 (x == 0: undefined)
      }
    }
    TX result = 1, base = x;
    uint64_t e = static_cast<uint64_t>(y);
    while (e) {
      if (e & 1)
        result = wrapMul(result, base);
      base = wrapMul(base, base);
      e >>= 1;
    }
    return result;
  } else {
    return fromDouble<TX>(std::pow(static_cast<double>(x), static_cast<double>(y)));
  }
}

Tensors k_pow(const KernelArgs &a) {
  const Tensor &x0 = a.required(0, "X");
  const Tensor &y0 = a.required(1, "Y");
  if (x0.dtype() == DType::Bool || y0.dtype() == DType::Bool)
    throw EvalError("pow: bool operands are not supported");
  Tensor x = promote(x0), y = promote(y0);
  if (x.dtype() == DType::F32 && y.dtype() == DType::F32)
    return {demote(binaryLoop<float, float, float>(x, y, DType::F32,
                                                    [](float u, float v) {
                                                      return static_cast<float>(std::pow(
                                                          static_cast<double>(u),
                                                          static_cast<double>(v)));
                                                    }),
                   x0.dtype())};
  Tensor r = visitDType(x.dtype(), "pow", [&](auto tx) {
    using TX = typename decltype(tx)::type;
    return visitDType(y.dtype(), "pow", [&](auto ty) {
      using TY = typename decltype(ty)::type;
      return binaryLoop<TX, TY, TX>(x, y, x.dtype(), [](TX u, TY v) { return power(u, v); });
    });
  });
  return {demote(r, x0.dtype())};
}

Tensors k_prelu(const KernelArgs &a) {
  const Tensor &x = a.required(0, "X");
  const Tensor &slope = a.required(1, "slope");
  requireSameDType(x, slope, "prelu");
  requireNoNonNumeric(x, "prelu");
  // Slope broadcasts unidirectionally to X: the result has X's shape.
  if (broadcastShapes(x.shape(), slope.shape()) != x.shape())
    throw EvalError("prelu: slope shape " + shapeToString(slope.shape()) +
                    " does not broadcast to input shape " + shapeToString(x.shape()));
  return {binarySame(x, slope, "prelu", [](auto v, auto s) {
    using T = decltype(v);
    return v < T(0) ? wrapMul(s, v) : v;
  })};
}

//===----------------------------------------------------------------------===//
// Variadic
//===----------------------------------------------------------------------===//

template <class T> T maxOf(T x, T y) {
  if constexpr (std::is_floating_point_v<T>)
    if (std::isnan(x) || std::isnan(y))
      return std::numeric_limits<T>::quiet_NaN();
  return x < y ? y : x;
}
template <class T> T minOf(T x, T y) {
  if constexpr (std::is_floating_point_v<T>)
    if (std::isnan(x) || std::isnan(y))
      return std::numeric_limits<T>::quiet_NaN();
  return y < x ? y : x;
}

Tensors k_max(const KernelArgs &a) {
  return {foldVariadic(a, "max", [](auto x, auto y) { return maxOf(x, y); })};
}
Tensors k_min(const KernelArgs &a) {
  return {foldVariadic(a, "min", [](auto x, auto y) { return minOf(x, y); })};
}
Tensors k_sum(const KernelArgs &a) {
  return {foldVariadic(a, "sum", [](auto x, auto y) { return wrapAdd(x, y); })};
}
Tensors k_mean(const KernelArgs &a) {
  Tensor s = foldVariadic(a, "mean", [](auto x, auto y) { return wrapAdd(x, y); });
  int64_t n = static_cast<int64_t>(a.inputs.size());
  if (isFloat(s.dtype()))
    return {mapFloat(s, "mean", [=](double v) { return v / static_cast<double>(n); })};
  return {mapTyped(s, "mean", [=](auto v) {
    using T = decltype(v);
    return divide(v, static_cast<T>(n), "mean");
  })};
}

//===----------------------------------------------------------------------===//
// Comparison and logic
//===----------------------------------------------------------------------===//

Tensors k_equal(const KernelArgs &a) {
  return {binaryCompare(inA(a), inB(a), "equal", [](auto x, auto y) { return x == y; })};
}
Tensors k_less(const KernelArgs &a) {
  return {binaryCompare(inA(a), inB(a), "less", [](auto x, auto y) { return x < y; })};
}
Tensors k_less_or_equal(const KernelArgs &a) {
  return {binaryCompare(inA(a), inB(a), "less_or_equal", [](auto x, auto y) { return x <= y; })};
}
Tensors k_greater(const KernelArgs &a) {
  return {binaryCompare(inA(a), inB(a), "greater", [](auto x, auto y) { return x > y; })};
}
Tensors k_greater_or_equal(const KernelArgs &a) {
  return {binaryCompare(inA(a), inB(a), "greater_or_equal",
                        [](auto x, auto y) { return x >= y; })};
}

template <class F> Tensor logical(const KernelArgs &a, const char *op, F f) {
  const Tensor &x = inA(a), &y = inB(a);
  requireBool(x, op);
  requireBool(y, op);
  return binaryLoop<uint8_t, uint8_t, uint8_t>(x, y, DType::Bool, [&](uint8_t u, uint8_t v) {
    return static_cast<uint8_t>(f(u != 0, v != 0) ? 1 : 0);
  });
}

Tensors k_and(const KernelArgs &a) {
  return {logical(a, "and", [](bool x, bool y) { return x && y; })};
}
Tensors k_or(const KernelArgs &a) {
  return {logical(a, "or", [](bool x, bool y) { return x || y; })};
}
Tensors k_xor(const KernelArgs &a) {
  return {logical(a, "xor", [](bool x, bool y) { return x != y; })};
}

template <class F> Tensor bitwise(const KernelArgs &a, const char *op, F f) {
  const Tensor &x = inA(a), &y = inB(a);
  requireInteger(x, op);
  return binarySame(x, y, op, f);
}

Tensors k_bitwise_and(const KernelArgs &a) {
  return {bitwise(a, "bitwise_and", [](auto x, auto y) {
    using T = decltype(x);
    if constexpr (std::is_integral_v<T>)
      return static_cast<T>(x & y);
    else
      return x; // unreachable: requireInteger rejected floats
  })};
}
Tensors k_bitwise_or(const KernelArgs &a) {
  return {bitwise(a, "bitwise_or", [](auto x, auto y) {
    using T = decltype(x);
    if constexpr (std::is_integral_v<T>)
      return static_cast<T>(x | y);
    else
      return x; // unreachable: requireInteger rejected floats
  })};
}
Tensors k_bitwise_xor(const KernelArgs &a) {
  return {bitwise(a, "bitwise_xor", [](auto x, auto y) {
    using T = decltype(x);
    if constexpr (std::is_integral_v<T>)
      return static_cast<T>(x ^ y);
    else
      return x; // unreachable: requireInteger rejected floats
  })};
}

Tensors k_bit_shift(const KernelArgs &a) {
  std::string dir = a.attrs.getString("direction");
  bool left;
  if (dir == "LEFT")
    left = true;
  else if (dir == "RIGHT")
    left = false;
  else
    throw EvalError("bit_shift: direction must be 'LEFT' or 'RIGHT', got '" + dir + "'");
  const Tensor &x = a.required(0, "X"), &y = a.required(1, "Y");
  requireInteger(x, "bit_shift");
  return {binarySame(x, y, "bit_shift", [=](auto v, auto s) {
    using T = decltype(v);
    if constexpr (!std::is_integral_v<T>) {
      return v; // unreachable: requireInteger rejected floats
    } else {
    using U = std::make_unsigned_t<T>;
    constexpr int64_t bits = sizeof(T) * 8;
    int64_t sh = static_cast<int64_t>(s);
    if (sh < 0 || sh >= bits)
      return T(0);
    U u = static_cast<U>(v);
    return static_cast<T>(left ? static_cast<U>(u << sh) : static_cast<U>(u >> sh));
    }
  })};
}

//===----------------------------------------------------------------------===//
// Where, Clip, Cast
//===----------------------------------------------------------------------===//

template <class T>
Tensor selectLoop(const Tensor &c, const Tensor &x, const Tensor &y, const Shape &s) {
  Tensor o(x.dtype(), s);
  const uint8_t *pc = c.data<uint8_t>();
  const T *px = static_cast<const T *>(x.raw());
  const T *py = static_cast<const T *>(y.raw());
  T *po = static_cast<T *>(o.mutableRaw());
  forEachBroadcast<3>(s, {c.shape(), x.shape(), y.shape()},
                      [&](int64_t i, const std::array<int64_t, 3> &off) {
                        po[i] = pc[off[0]] ? px[off[1]] : py[off[2]];
                      });
  return o;
}

Tensors k_where(const KernelArgs &a) {
  const Tensor &c = a.required(0, "condition");
  const Tensor &x = a.required(1, "X");
  const Tensor &y = a.required(2, "Y");
  requireBool(c, "where");
  requireSameDType(x, y, "where");
  Shape s = broadcastAll({c.shape(), x.shape(), y.shape()});
  // Pure data movement: dispatch on the element size only.
  switch (dtypeSize(x.dtype())) {
  case 1: return {selectLoop<uint8_t>(c, x, y, s)};
  case 2: return {selectLoop<uint16_t>(c, x, y, s)};
  case 4: return {selectLoop<uint32_t>(c, x, y, s)};
  default: return {selectLoop<uint64_t>(c, x, y, s)};
  }
}

Tensors k_clip(const KernelArgs &a) {
  const Tensor &x0 = a.required(0, "input");
  const Tensor &lo0 = a.input(1);
  const Tensor &hi0 = a.input(2);
  if (x0.dtype() == DType::Bool)
    dtypeError("clip", x0.dtype(), "a numeric");
  for (const Tensor *b : {&lo0, &hi0}) {
    if (b->isNull())
      continue;
    requireSameDType(x0, *b, "clip");
    if (b->numel() != 1)
      throw EvalError("clip: min and max must be scalars, got shape " +
                      shapeToString(b->shape()));
  }
  Tensor x = promote(x0);
  Tensor lo = lo0.isNull() ? lo0 : promote(lo0);
  Tensor hi = hi0.isNull() ? hi0 : promote(hi0);
  Tensor r = visitDType(x.dtype(), "clip", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T l = lo.isNull() ? std::numeric_limits<T>::lowest() : lo.data<T>()[0];
    T h = hi.isNull() ? std::numeric_limits<T>::max() : hi.data<T>()[0];
    if constexpr (std::is_floating_point_v<T>) {
      if (lo.isNull())
        l = -std::numeric_limits<T>::infinity();
      if (hi.isNull())
        h = std::numeric_limits<T>::infinity();
    }
    Tensor o(x.dtype(), x.shape());
    const T *p = x.data<T>();
    T *q = o.mutableData<T>();
    for (int64_t i = 0, n = x.numel(); i < n; ++i) {
      T v = p[i];
      if constexpr (std::is_floating_point_v<T>)
        if (std::isnan(v)) {
          q[i] = v;
          continue;
        }
      v = v < l ? l : v; // max(x, min)
      q[i] = h < v ? h : v; // then min(., max): min > max yields max
    }
    return o;
  });
  return {demote(r, x0.dtype())};
}

Tensors k_cast(const KernelArgs &a) {
  const Tensor &x = a.required(0, "input");
  int64_t to = a.attrs.getInt("to");
  DType dt;
  if (!dtypeFromOnnx(to, dt))
    throw EvalError("cast: unsupported target type " + std::to_string(to) +
                    " (only float, double, float16, bfloat16, the integer types "
                    "and bool are supported)");
  return {x.cast(dt)};
}

Tensors k_cast_like(const KernelArgs &a) {
  const Tensor &x = a.required(0, "input");
  const Tensor &t = a.required(1, "target_type");
  return {x.cast(t.dtype())};
}

} // namespace

void registerElementwiseKernels(KernelRegistry &r) {
  // Unary.
  r.add("abs", k_abs);
  r.add("neg", k_neg);
  r.add("exp", k_exp);
  r.add("log", k_log);
  r.add("sqrt", k_sqrt);
  r.add("reciprocal", k_reciprocal);
  r.add("floor", k_floor);
  r.add("ceil", k_ceil);
  r.add("round", k_round);
  r.add("sign", k_sign);
  r.add("erf", k_erf);
  r.add("tanh", k_tanh);
  r.add("sigmoid", k_sigmoid);
  r.add("relu", k_relu);
  r.add("sin", k_sin);
  r.add("cos", k_cos);
  r.add("tan", k_tan);
  r.add("asin", k_asin);
  r.add("acos", k_acos);
  r.add("atan", k_atan);
  r.add("sinh", k_sinh);
  r.add("cosh", k_cosh);
  r.add("asinh", k_asinh);
  r.add("acosh", k_acosh);
  r.add("atanh", k_atanh);
  r.add("not", k_not);
  r.add("isnan", k_isnan);
  r.add("isinf", k_isinf);
  r.add("softplus", k_softplus);
  r.add("softsign", k_softsign);
  r.add("elu", k_elu);
  r.add("selu", k_selu);
  r.add("celu", k_celu);
  r.add("leaky_relu", k_leaky_relu);
  r.add("thresholded_relu", k_thresholded_relu);
  r.add("hard_sigmoid", k_hard_sigmoid);
  r.add("hard_swish", k_hard_swish);
  r.add("mish", k_mish);
  r.add("gelu", k_gelu);
  r.add("shrink", k_shrink);
  r.add("swish", k_swish);
  r.add("identity", k_identity);
  r.add("bitwise_not", k_bitwise_not);
  // Binary and variadic.
  r.add("add", k_add);
  r.add("sub", k_sub);
  r.add("mul", k_mul);
  r.add("div", k_div);
  r.add("pow", k_pow);
  r.add("mod", k_mod);
  r.add("min", k_min);
  r.add("max", k_max);
  r.add("sum", k_sum);
  r.add("mean", k_mean);
  r.add("prelu", k_prelu);
  r.add("equal", k_equal);
  r.add("less", k_less);
  r.add("less_or_equal", k_less_or_equal);
  r.add("greater", k_greater);
  r.add("greater_or_equal", k_greater_or_equal);
  r.add("and", k_and);
  r.add("or", k_or);
  r.add("xor", k_xor);
  r.add("bit_shift", k_bit_shift);
  r.add("bitwise_and", k_bitwise_and);
  r.add("bitwise_or", k_bitwise_or);
  r.add("bitwise_xor", k_bitwise_xor);
  // Selection and conversion.
  r.add("where", k_where);
  r.add("clip", k_clip);
  r.add("cast", k_cast);
  r.add("cast_like", k_cast_like);
}

} // namespace txc::ref
