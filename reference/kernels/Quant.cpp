//===- Quant.cpp - Reference kernels: quantization ------------------------===//
//
// QuantizeLinear / DequantizeLinear with per-tensor, per-axis and blocked
// scales; DynamicQuantizeLinear; MatMulInteger, QLinearMatMul, ConvInteger
// and QLinearConv. Quantized types are int8/uint8/int16/uint16 (and int32
// input for dequantize_linear); float8 and 2/4-bit types have no DType in
// the reference evaluator. Rounding is to nearest, ties to even
// (std::nearbyint in the default rounding mode), then saturation.
//
//===----------------------------------------------------------------------===//

#include "../Kernel.h"
#include "Broadcast.h"
#include "KernelUtil.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace txc::ref {

namespace {

using detail::refConvCore;

bool isQuantType(DType t) {
  return t == DType::U8 || t == DType::I8 || t == DType::U16 ||
         t == DType::I16;
}

void typeRange(DType t, double &lo, double &hi) {
  switch (t) {
  case DType::U8: lo = 0; hi = 255; return;
  case DType::I8: lo = -128; hi = 127; return;
  case DType::U16: lo = 0; hi = 65535; return;
  case DType::I16: lo = -32768; hi = 32767; return;
  case DType::I32: lo = -2147483648.0; hi = 2147483647.0; return;
  default: lo = 0; hi = 0; return;
  }
}

double saturateTo(DType t, double v) {
  double lo, hi;
  typeRange(t, lo, hi);
  if (std::isnan(v))
    return 0;
  return std::min(hi, std::max(lo, v));
}

/// For every element of a tensor of shape `xs`, the index of its quantization
/// parameter in a tensor of shape `ps`: per-tensor (one element), per-axis
/// (1-D of xs[axis] elements) or blocked (same rank, ps[axis] =
/// ceil(xs[axis] / blockSize), other dims equal).
std::vector<int64_t> paramIndex(const char *op, const Shape &xs,
                                const Shape &ps, int64_t axisAttr,
                                int64_t blockSize, const char *what) {
  int64_t n = numElements(xs);
  std::vector<int64_t> idx(n, 0);
  if (numElements(ps) == 1 && blockSize <= 0)
    return idx;
  int64_t rank = static_cast<int64_t>(xs.size());
  if (rank == 0)
    throw EvalError(std::string(op) + ": " + what + " of shape " +
                    shapeToString(ps) + " needs a non-scalar input");
  int64_t axis = normalizeAxis(axisAttr, rank, (std::string(op) + ": axis").c_str());
  std::vector<int64_t> xst = stridesOf(xs);
  if (blockSize <= 0) {
    if (ps.size() != 1 || ps[0] != xs[axis])
      throw EvalError(std::string(op) + ": per-axis " + what + " must be 1-D "
                      "with " + std::to_string(xs[axis]) + " elements (axis " +
                      std::to_string(axis) + "), got shape " +
                      shapeToString(ps));
    for (int64_t i = 0; i < n; ++i)
      idx[i] = (i / xst[axis]) % xs[axis];
    return idx;
  }
  // Blocked.
  if (static_cast<int64_t>(ps.size()) != rank)
    throw EvalError(std::string(op) + ": blocked " + what + " must have the "
                    "input's rank, got shape " + shapeToString(ps));
  for (int64_t d = 0; d < rank; ++d) {
    int64_t want = d == axis ? (xs[d] + blockSize - 1) / blockSize : xs[d];
    if (ps[d] != want)
      throw EvalError(std::string(op) + ": blocked " + what + " of shape " +
                      shapeToString(ps) + " does not match input shape " +
                      shapeToString(xs) + " with block_size " +
                      std::to_string(blockSize) + " on axis " +
                      std::to_string(axis));
  }
  std::vector<int64_t> pst = stridesOf(ps);
  for (int64_t i = 0; i < n; ++i) {
    int64_t rem = i, pi = 0;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t c = rem / xst[d];
      rem %= xst[d];
      pi += (d == axis ? c / blockSize : c) * pst[d];
    }
    idx[i] = pi;
  }
  return idx;
}

std::vector<Tensor> quantizeLinearKernel(const KernelArgs &args) {
  const char *op = "quantize_linear";
  const Tensor &X = args.required(0, "quantize_linear: input x");
  const Tensor &S = args.required(1, "quantize_linear: y_scale");
  const Tensor &Z = args.input(2);
  int64_t axis = args.attrs.getInt("axis", 1);
  int64_t block = args.attrs.getInt("block_size", 0);
  int64_t outAttr = args.attrs.getInt("output_dtype", 0);
  if (!isFloat(X.dtype()) && X.dtype() != DType::I32)
    throw EvalError(std::string("quantize_linear: x must be float or int32, "
                                "got ") + dtypeName(X.dtype()));
  if (!isFloat(S.dtype()) && S.dtype() != DType::I32)
    throw EvalError("quantize_linear: y_scale must be float");
  DType outT = DType::U8;
  if (outAttr != 0) {
    if (!dtypeFromOnnx(outAttr, outT) || !isQuantType(outT))
      throw EvalError("quantize_linear: unsupported output_dtype " +
                      std::to_string(outAttr));
  }
  if (!Z.isNull()) {
    if (outAttr != 0 && Z.dtype() != outT)
      throw EvalError("quantize_linear: output_dtype disagrees with the "
                      "zero point's dtype");
    outT = Z.dtype();
    if (Z.shape() != S.shape())
      throw EvalError("quantize_linear: y_zero_point shape " +
                      shapeToString(Z.shape()) + " differs from y_scale shape " +
                      shapeToString(S.shape()));
  }
  if (!isQuantType(outT))
    throw EvalError(std::string("quantize_linear: unsupported output type ") +
                    dtypeName(outT));
  std::vector<int64_t> pidx =
      paramIndex(op, X.shape(), S.shape(), axis, block, "y_scale");
  std::vector<double> scale = S.toDoubles();
  std::vector<double> zp = Z.isNull() ? std::vector<double>(scale.size(), 0.0)
                                      : Z.toDoubles();
  bool f32 = X.dtype() != DType::F64 && S.dtype() != DType::F64;
  Tensor Y(outT, X.shape());
  for (int64_t i = 0; i < X.numel(); ++i) {
    int64_t p = pidx[i];
    double q;
    if (f32) // as the ONNX reference: float32 division, then rint
      q = std::nearbyint(static_cast<float>(X.getDouble(i)) /
                         static_cast<float>(scale[p]));
    else
      q = std::nearbyint(X.getDouble(i) / scale[p]);
    Y.setDouble(i, saturateTo(outT, q + zp[p]));
  }
  return {Y};
}

std::vector<Tensor> dequantizeLinearKernel(const KernelArgs &args) {
  const char *op = "dequantize_linear";
  const Tensor &X = args.required(0, "dequantize_linear: input x");
  const Tensor &S = args.required(1, "dequantize_linear: x_scale");
  const Tensor &Z = args.input(2);
  int64_t axis = args.attrs.getInt("axis", 1);
  int64_t block = args.attrs.getInt("block_size", 0);
  int64_t outAttr = args.attrs.getInt("output_dtype", 0);
  if (!isQuantType(X.dtype()) && X.dtype() != DType::I32)
    throw EvalError(std::string("dequantize_linear: unsupported input type ") +
                    dtypeName(X.dtype()));
  if (!isFloat(S.dtype()))
    throw EvalError("dequantize_linear: x_scale must be float");
  DType outT = S.dtype();
  if (outAttr != 0 && (!dtypeFromOnnx(outAttr, outT) || !isFloat(outT)))
    throw EvalError("dequantize_linear: unsupported output_dtype " +
                    std::to_string(outAttr));
  if (!Z.isNull()) {
    if (Z.dtype() != X.dtype())
      throw EvalError("dequantize_linear: x_zero_point dtype differs from x");
    if (Z.shape() != S.shape())
      throw EvalError("dequantize_linear: x_zero_point shape " +
                      shapeToString(Z.shape()) + " differs from x_scale shape " +
                      shapeToString(S.shape()));
  }
  std::vector<int64_t> pidx =
      paramIndex(op, X.shape(), S.shape(), axis, block, "x_scale");
  std::vector<double> scale = S.toDoubles();
  std::vector<double> zp = Z.isNull() ? std::vector<double>(scale.size(), 0.0)
                                      : Z.toDoubles();
  Tensor Y(outT, X.shape());
  for (int64_t i = 0; i < X.numel(); ++i)
    Y.setDouble(i, (X.getDouble(i) - zp[pidx[i]]) * scale[pidx[i]]);
  return {Y};
}

std::vector<Tensor> dynamicQuantizeLinearKernel(const KernelArgs &args) {
  const Tensor &X = args.required(0, "dynamic_quantize_linear: input x");
  if (X.dtype() != DType::F32)
    throw EvalError(std::string("dynamic_quantize_linear: x must be float32, "
                                "got ") + dtypeName(X.dtype()));
  const float *x = X.data<float>();
  int64_t n = X.numel();
  // Computed in float32 as the ONNX function body does.
  float mn = 0.0f, mx = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    if (std::isnan(x[i]))
      throw EvalError("dynamic_quantize_linear: input contains NaN");
    mn = std::min(mn, x[i]);
    mx = std::max(mx, x[i]);
  }
  float scale = (mx - mn) / 255.0f;
  float zpf = 0.0f;
  if (scale != 0.0f)
    zpf = std::nearbyint(std::min(255.0f, std::max(0.0f, 0.0f - mn / scale)));
  Tensor Y(DType::U8, X.shape());
  uint8_t *y = Y.mutableData<uint8_t>();
  for (int64_t i = 0; i < n; ++i) {
    float q = scale == 0.0f ? 0.0f : std::nearbyint(x[i] / scale) + zpf;
    y[i] = static_cast<uint8_t>(std::min(255.0f, std::max(0.0f, q)));
  }
  Tensor S = Tensor::scalarF32(scale);
  Tensor Z(DType::U8, {});
  *Z.mutableData<uint8_t>() = static_cast<uint8_t>(zpf);
  return {Y, S, Z};
}

/// x - zero_point as an int32 tensor; the zero point is a scalar/1-element
/// tensor, a per-row vector (rowAxis = true: one value per row of the last
/// two dims) or per-column vector, or an N-D tensor broadcast against x.
Tensor subtractZeroPoint(const char *op, const Tensor &x, const Tensor &zp,
                         bool perRow, const char *what) {
  if (!isQuantType(x.dtype()) || x.dtype() == DType::U16 ||
      x.dtype() == DType::I16)
    throw EvalError(std::string(op) + ": " + what + " must be int8 or uint8, "
                    "got " + dtypeName(x.dtype()));
  Tensor out(DType::I32, x.shape());
  int32_t *o = out.mutableData<int32_t>();
  int64_t n = x.numel();
  for (int64_t i = 0; i < n; ++i)
    o[i] = static_cast<int32_t>(x.getInt(i));
  if (zp.isNull())
    return out;
  if (zp.dtype() != x.dtype())
    throw EvalError(std::string(op) + ": zero point of " + what +
                    " has a different dtype than " + what);
  if (zp.numel() == 1) {
    int32_t z = static_cast<int32_t>(zp.getInt(0));
    for (int64_t i = 0; i < n; ++i)
      o[i] -= z;
    return out;
  }
  Shape zs = zp.shape();
  if (zs.size() == 1) { // per-row [M] -> [M,1]; per-column [N] -> [1,N]
    if (x.rank() < 2)
      throw EvalError(std::string(op) + ": vector zero point needs a matrix " +
                      what);
    zs = perRow ? Shape{zs[0], 1} : Shape{1, zs[0]};
  }
  // Broadcast zs against x's shape.
  const Shape &xs = x.shape();
  if (zs.size() > xs.size())
    throw EvalError(std::string(op) + ": zero point shape " +
                    shapeToString(zp.shape()) + " does not fit " + what +
                    " of shape " + shapeToString(xs));
  size_t off = xs.size() - zs.size();
  for (size_t d = 0; d < zs.size(); ++d)
    if (zs[d] != 1 && zs[d] != xs[off + d])
      throw EvalError(std::string(op) + ": zero point shape " +
                      shapeToString(zp.shape()) + " does not fit " + what +
                      " of shape " + shapeToString(xs));
  forEachBroadcast<1>(xs, {zs},
                      [&](int64_t i, const std::array<int64_t, 1> &zi) {
                        o[i] -= static_cast<int32_t>(zp.getInt(zi[0]));
                      });
  return out;
}

std::vector<Tensor> matmulIntegerKernel(const KernelArgs &args) {
  const char *op = "matmul_integer";
  const Tensor &A = args.required(0, "matmul_integer: input A");
  const Tensor &B = args.required(1, "matmul_integer: input B");
  Tensor a = subtractZeroPoint(op, A, args.input(2), true, "A");
  Tensor b = subtractZeroPoint(op, B, args.input(3), false, "B");
  KernelArgs mm;
  mm.inputs = {a, b};
  return runKernel("matmul", mm);
}

/// Per-tensor or per-row/column (1-D) quantization parameter value getter.
struct QParam {
  std::vector<double> v;
  double at(int64_t i) const { return v.size() == 1 ? v[0] : v[i]; }
};

QParam qparam(const char *op, const Tensor &t, int64_t len, const char *what) {
  if (t.numel() != 1 && !(t.rank() == 1 && t.dim(0) == len))
    throw EvalError(std::string(op) + ": " + what + " must be a scalar or a "
                    "1-D tensor of " + std::to_string(len) + " elements, got " +
                    shapeToString(t.shape()));
  return {t.toDoubles()};
}

std::vector<Tensor> qlinearMatmulKernel(const KernelArgs &args) {
  const char *op = "qlinear_matmul";
  const Tensor &A = args.required(0, "qlinear_matmul: a");
  const Tensor &As = args.required(1, "qlinear_matmul: a_scale");
  const Tensor &Az = args.required(2, "qlinear_matmul: a_zero_point");
  const Tensor &B = args.required(3, "qlinear_matmul: b");
  const Tensor &Bs = args.required(4, "qlinear_matmul: b_scale");
  const Tensor &Bz = args.required(5, "qlinear_matmul: b_zero_point");
  const Tensor &Ys = args.required(6, "qlinear_matmul: y_scale");
  const Tensor &Yz = args.required(7, "qlinear_matmul: y_zero_point");
  if (A.rank() < 2 || B.rank() < 2)
    throw EvalError("qlinear_matmul: a and b must have rank >= 2");
  int64_t M = A.dim(-2), N = B.dim(-1);
  Tensor a = subtractZeroPoint(op, A, Az, true, "a");
  Tensor b = subtractZeroPoint(op, B, Bz, false, "b");
  KernelArgs mm;
  mm.inputs = {a, b};
  Tensor acc = runKernel("matmul", mm)[0];
  QParam as = qparam(op, As, M, "a_scale"), bs = qparam(op, Bs, N, "b_scale");
  if (Ys.numel() != 1 || Yz.numel() != 1)
    throw EvalError("qlinear_matmul: y_scale and y_zero_point must be scalars");
  DType outT = Yz.dtype();
  if (outT != DType::U8 && outT != DType::I8)
    throw EvalError("qlinear_matmul: y_zero_point must be int8 or uint8");
  double ys = Ys.getDouble(0), yz = Yz.getDouble(0);
  Tensor Y(outT, acc.shape());
  const int32_t *c = acc.data<int32_t>();
  for (int64_t i = 0; i < acc.numel(); ++i) {
    int64_t col = i % N, row = (i / N) % M;
    double v = c[i] * (as.at(row) * bs.at(col) / ys);
    Y.setDouble(i, saturateTo(outT, std::nearbyint(v) + yz));
  }
  return {Y};
}

std::vector<double> int32Doubles(const Tensor &t) {
  std::vector<double> v(t.numel());
  const int32_t *p = t.data<int32_t>();
  for (int64_t i = 0; i < t.numel(); ++i)
    v[i] = p[i];
  return v;
}

/// w - w_zero_point where the zero point is per tensor or per output
/// channel (1-D of M elements).
Tensor subtractWeightZeroPoint(const char *op, const Tensor &W,
                               const Tensor &wz) {
  if (wz.isNull() || wz.numel() == 1)
    return subtractZeroPoint(op, W, wz, false, "w");
  if (wz.rank() != 1 || W.rank() < 1 || wz.dim(0) != W.dim(0))
    throw EvalError(std::string(op) + ": w_zero_point must be a scalar or "
                    "have one value per output channel");
  Tensor w = subtractZeroPoint(op, W, Tensor(), false, "w");
  if (wz.dtype() != W.dtype())
    throw EvalError(std::string(op) + ": w_zero_point dtype differs from w");
  int64_t per = W.numel() / W.dim(0);
  int32_t *p = w.mutableData<int32_t>();
  for (int64_t i = 0; i < W.numel(); ++i)
    p[i] -= static_cast<int32_t>(wz.getInt(i / per));
  return w;
}

std::vector<Tensor> convIntegerKernel(const KernelArgs &args) {
  const char *op = "conv_integer";
  const Tensor &X = args.required(0, "conv_integer: input x");
  const Tensor &W = args.required(1, "conv_integer: input w");
  const Tensor &xz = args.input(2);
  if (!xz.isNull() && xz.numel() != 1)
    throw EvalError("conv_integer: x_zero_point must be a scalar");
  Tensor x = subtractZeroPoint(op, X, xz, false, "x");
  Tensor w = subtractWeightZeroPoint(op, W, args.input(3));
  Shape outShape;
  std::vector<double> y = refConvCore(op, int32Doubles(x), x.shape(),
                                      int32Doubles(w), w.shape(), {},
                                      args.attrs, outShape);
  Tensor Y(DType::I32, outShape);
  int32_t *p = Y.mutableData<int32_t>();
  for (size_t i = 0; i < y.size(); ++i)
    p[i] = static_cast<int32_t>(static_cast<int64_t>(y[i]));
  return {Y};
}

std::vector<Tensor> qlinearConvKernel(const KernelArgs &args) {
  const char *op = "qlinear_conv";
  const Tensor &X = args.required(0, "qlinear_conv: x");
  const Tensor &Xs = args.required(1, "qlinear_conv: x_scale");
  const Tensor &Xz = args.required(2, "qlinear_conv: x_zero_point");
  const Tensor &W = args.required(3, "qlinear_conv: w");
  const Tensor &Ws = args.required(4, "qlinear_conv: w_scale");
  const Tensor &Wz = args.required(5, "qlinear_conv: w_zero_point");
  const Tensor &Ys = args.required(6, "qlinear_conv: y_scale");
  const Tensor &Yz = args.required(7, "qlinear_conv: y_zero_point");
  const Tensor &B = args.input(8);
  if (Xs.numel() != 1 || Xz.numel() != 1 || Ys.numel() != 1 ||
      Yz.numel() != 1)
    throw EvalError("qlinear_conv: x_scale, x_zero_point, y_scale and "
                    "y_zero_point must be scalars");
  if (W.rank() < 1)
    throw EvalError("qlinear_conv: w must have rank >= 1");
  int64_t M = W.dim(0);
  Tensor x = subtractZeroPoint(op, X, Xz, false, "x");
  Tensor w = subtractWeightZeroPoint(op, W, Wz);
  QParam ws = qparam(op, Ws, M, "w_scale");
  std::vector<double> bias;
  if (!B.isNull()) {
    if (B.dtype() != DType::I32 || B.numel() != M)
      throw EvalError("qlinear_conv: B must be int32 with one value per "
                      "output channel");
    bias = B.toDoubles();
  }
  Shape outShape;
  std::vector<double> acc = refConvCore(op, int32Doubles(x), x.shape(),
                                        int32Doubles(w), w.shape(), bias,
                                        args.attrs, outShape);
  DType outT = Yz.dtype();
  if (outT != DType::U8 && outT != DType::I8)
    throw EvalError("qlinear_conv: y_zero_point must be int8 or uint8");
  double xs = Xs.getDouble(0), ys = Ys.getDouble(0), yz = Yz.getDouble(0);
  int64_t per = numElements(outShape) / std::max<int64_t>(1, outShape[0] * M);
  Tensor Y(outT, outShape);
  for (size_t i = 0; i < acc.size(); ++i) {
    int64_t m = (static_cast<int64_t>(i) / per) % M;
    double v = acc[i] * (xs * ws.at(m) / ys);
    Y.setDouble(static_cast<int64_t>(i), saturateTo(outT, std::nearbyint(v) + yz));
  }
  return {Y};
}

} // namespace

void registerQuantKernels(KernelRegistry &r) {
  r.add("quantize_linear", quantizeLinearKernel);
  r.add("dequantize_linear", dequantizeLinearKernel);
  r.add("dynamic_quantize_linear", dynamicQuantizeLinearKernel);
  r.add("matmul_integer", matmulIntegerKernel);
  r.add("qlinear_matmul", qlinearMatmulKernel);
  r.add("conv_integer", convIntegerKernel);
  r.add("qlinear_conv", qlinearConvKernel);
}

} // namespace txc::ref
