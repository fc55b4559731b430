//===- NN.cpp - Reference kernels: convolution, pooling, normalization ----===//
//
// Convolutions and pools handle 1-D, 2-D and 3-D (in fact any number of)
// spatial dimensions with a generic loop over output positions and kernel
// offsets; everything accumulates in double. Normalizations gather each
// normalized group through an element -> group map, which keeps arbitrary
// axis sets obviously correct.
//
//===----------------------------------------------------------------------===//

#include "../Kernel.h"
#include "Broadcast.h"
#include "KernelUtil.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace txc::ref {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

using detail::fromDoubleVec;
using detail::nextIndex;
using detail::refConvCore;
using detail::toDoubleVec;

void requireFloat(const char *op, const Tensor &t, const char *what) {
  if (!isFloat(t.dtype()))
    throw EvalError(std::string(op) + ": " + what + " must be a float tensor, "
                    "got " + dtypeName(t.dtype()));
}

/// Values of `t` broadcast (numpy, unidirectionally) to `shape`.
std::vector<double> expandTo(const char *op, const Tensor &t, const Shape &shape,
                             const char *what) {
  const Shape &ts = t.shape();
  if (ts.size() > shape.size())
    throw EvalError(std::string(op) + ": " + what + " of shape " +
                    shapeToString(ts) + " cannot be broadcast to " +
                    shapeToString(shape));
  size_t off = shape.size() - ts.size();
  for (size_t i = 0; i < ts.size(); ++i)
    if (ts[i] != 1 && ts[i] != shape[off + i])
      throw EvalError(std::string(op) + ": " + what + " of shape " +
                      shapeToString(ts) + " cannot be broadcast to " +
                      shapeToString(shape));
  std::vector<double> src = toDoubleVec(t);
  std::vector<double> out(numElements(shape));
  forEachBroadcast<1>(shape, {ts},
                      [&](int64_t i, const std::array<int64_t, 1> &o) {
                        out[i] = src[o[0]];
                      });
  return out;
}

/// Group id of every element when the dims in `reduced` are reduced away.
std::vector<int64_t> groupIds(const Shape &shape, const std::vector<bool> &reduced,
                              int64_t &numGroups) {
  numGroups = 1;
  for (size_t d = 0; d < shape.size(); ++d)
    if (!reduced[d])
      numGroups *= shape[d];
  int64_t n = numElements(shape);
  std::vector<int64_t> ids(n);
  std::vector<int64_t> idx(shape.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t g = 0;
    for (size_t d = 0; d < shape.size(); ++d)
      if (!reduced[d])
        g = g * shape[d] + idx[d];
    ids[i] = g;
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++idx[d] < shape[d])
        break;
      idx[d] = 0;
    }
  }
  return ids;
}

/// Per-group mean and population variance.
void groupStats(const std::vector<double> &x, const std::vector<int64_t> &ids,
                int64_t groups, std::vector<double> &mean,
                std::vector<double> &var) {
  mean.assign(groups, 0.0);
  var.assign(groups, 0.0);
  std::vector<int64_t> count(groups, 0);
  for (size_t i = 0; i < x.size(); ++i) {
    mean[ids[i]] += x[i];
    ++count[ids[i]];
  }
  for (int64_t g = 0; g < groups; ++g)
    mean[g] = count[g] ? mean[g] / count[g] : 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    double dlt = x[i] - mean[ids[i]];
    var[ids[i]] += dlt * dlt;
  }
  for (int64_t g = 0; g < groups; ++g)
    var[g] = count[g] ? var[g] / count[g] : 0.0;
}

//===----------------------------------------------------------------------===//
// Convolution / pooling geometry
//===----------------------------------------------------------------------===//

struct Geometry {
  size_t nsp = 0;
  std::vector<int64_t> in, k, s, d, pb, pe, out;
};

std::vector<int64_t> intsAttr(const char *op, const Attrs &a, const char *name,
                              size_t nsp, int64_t dflt, bool allowZero = false) {
  std::vector<int64_t> v = a.getInts(name, std::vector<int64_t>(nsp, dflt));
  if (v.empty())
    v.assign(nsp, dflt);
  if (v.size() != nsp)
    throw EvalError(std::string(op) + ": attribute " + name + " has " +
                    std::to_string(v.size()) + " values, expected " +
                    std::to_string(nsp));
  for (int64_t x : v)
    if (x < 0 || (!allowZero && x == 0))
      throw EvalError(std::string(op) + ": attribute " + name +
                      " has an invalid value " + std::to_string(x));
  return v;
}

int64_t ceilDiv(int64_t a, int64_t b) {
  return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}
int64_t floorDiv(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/// Output geometry of conv (ceilMode = false) and pools.
Geometry computeGeometry(const char *op, const Attrs &a, const Shape &inSp,
                         const std::vector<int64_t> &kernel, bool pool) {
  Geometry g;
  g.nsp = inSp.size();
  g.in = inSp;
  g.k = kernel;
  g.s = intsAttr(op, a, "strides", g.nsp, 1);
  g.d = intsAttr(op, a, "dilations", g.nsp, 1);
  bool ceilMode = pool && a.getInt("ceil_mode", 0) != 0;
  std::string autoPad = a.getString("auto_pad", "NOTSET");
  g.pb.assign(g.nsp, 0);
  g.pe.assign(g.nsp, 0);
  g.out.assign(g.nsp, 0);
  for (size_t i = 0; i < g.nsp; ++i)
    if (g.k[i] <= 0)
      throw EvalError(std::string(op) + ": kernel dimension " +
                      std::to_string(i) + " must be positive");
  if (autoPad == "NOTSET") {
    std::vector<int64_t> pads =
        a.getInts("pads", std::vector<int64_t>(2 * g.nsp, 0));
    if (pads.size() != 2 * g.nsp)
      throw EvalError(std::string(op) + ": pads has " +
                      std::to_string(pads.size()) + " values, expected " +
                      std::to_string(2 * g.nsp));
    for (size_t i = 0; i < g.nsp; ++i) {
      g.pb[i] = pads[i];
      g.pe[i] = pads[i + g.nsp];
      if (g.pb[i] < 0 || g.pe[i] < 0)
        throw EvalError(std::string(op) + ": negative pads are not supported");
      int64_t ek = (g.k[i] - 1) * g.d[i] + 1;
      int64_t span = g.in[i] + g.pb[i] + g.pe[i] - ek;
      if (span < 0)
        throw EvalError(std::string(op) + ": kernel extent " +
                        std::to_string(ek) + " exceeds padded input size " +
                        std::to_string(g.in[i] + g.pb[i] + g.pe[i]) +
                        " in spatial dimension " + std::to_string(i));
      if (ceilMode) {
        g.out[i] = ceilDiv(span, g.s[i]) + 1;
        // The last window must start inside the input or the left padding.
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
        throw EvalError(std::string(op) + ": kernel extent exceeds input size "
                        "with auto_pad VALID");
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
    throw EvalError(std::string(op) + ": unknown auto_pad '" + autoPad + "'");
  }
  return g;
}

/// Calls fn(kernelFlat, inputFlatOrMinus1) for every kernel offset of the
/// window at output position `o` (multi-index). Positions in padding
/// report -1; `inPadded` tells whether they are inside the padded extent.
template <typename Fn>
void forEachWindow(const Geometry &g, const std::vector<int64_t> &o, Fn fn) {
  int64_t kn = numElements(g.k);
  std::vector<int64_t> kk(g.nsp, 0);
  for (int64_t kf = 0; kf < kn; ++kf) {
    int64_t flat = 0;
    bool inside = true, inPadded = true;
    for (size_t i = 0; i < g.nsp; ++i) {
      int64_t p = o[i] * g.s[i] - g.pb[i] + kk[i] * g.d[i];
      if (p < 0 || p >= g.in[i])
        inside = false;
      if (p < -g.pb[i] || p >= g.in[i] + g.pe[i])
        inPadded = false;
      flat = flat * g.in[i] + p;
    }
    fn(kf, inside ? flat : -1, inPadded);
    for (int64_t i = static_cast<int64_t>(g.nsp) - 1; i >= 0; --i) {
      if (++kk[i] < g.k[i])
        break;
      kk[i] = 0;
    }
  }
}

void requireSpatial(const char *op, const Tensor &x, int64_t minRank = 3) {
  if (x.rank() < minRank)
    throw EvalError(std::string(op) + ": input must have rank >= " +
                    std::to_string(minRank) + " ([N, C, spatial...]), got " +
                    shapeToString(x.shape()));
}

std::vector<int64_t> kernelShapeAttr(const char *op, const Attrs &a, size_t nsp) {
  std::vector<int64_t> k = a.getInts("kernel_shape");
  if (k.size() != nsp)
    throw EvalError(std::string(op) + ": kernel_shape has " +
                    std::to_string(k.size()) + " values, expected " +
                    std::to_string(nsp));
  return k;
}

//===----------------------------------------------------------------------===//
// Conv, ConvTranspose
//===----------------------------------------------------------------------===//

} // namespace

/// Declared in KernelUtil.h; shared with Quant.cpp (conv_integer,
/// qlinear_conv).
std::vector<double>
detail::refConvCore(const char *op, const std::vector<double> &x, const Shape &xs,
                    const std::vector<double> &w, const Shape &ws,
                    const std::vector<double> &bias, const Attrs &attrs,
                    Shape &outShape) {
  if (xs.size() < 3)
    throw EvalError(std::string(op) + ": X must have rank >= 3, got " +
                    shapeToString(xs));
  if (ws.size() != xs.size())
    throw EvalError(std::string(op) + ": W rank " + std::to_string(ws.size()) +
                    " differs from X rank " + std::to_string(xs.size()));
  size_t nsp = xs.size() - 2;
  int64_t N = xs[0], C = xs[1], M = ws[0];
  int64_t group = attrs.getInt("group", 1);
  if (group <= 0 || C % group != 0 || M % group != 0)
    throw EvalError(std::string(op) + ": group " + std::to_string(group) +
                    " must divide the input channels " + std::to_string(C) +
                    " and output channels " + std::to_string(M));
  int64_t cg = C / group, mg = M / group;
  if (ws[1] != cg)
    throw EvalError(std::string(op) + ": W has " + std::to_string(ws[1]) +
                    " input channels per group, expected " + std::to_string(cg));
  std::vector<int64_t> kernel(ws.begin() + 2, ws.end());
  if (attrs.has("kernel_shape")) {
    std::vector<int64_t> k = attrs.getInts("kernel_shape");
    if (k != kernel)
      throw EvalError(std::string(op) + ": kernel_shape " + shapeToString(k) +
                      " does not match W's spatial shape " +
                      shapeToString(kernel));
  }
  if (!bias.empty() && static_cast<int64_t>(bias.size()) != M)
    throw EvalError(std::string(op) + ": bias has " +
                    std::to_string(bias.size()) + " values, expected " +
                    std::to_string(M));
  Shape inSp(xs.begin() + 2, xs.end());
  Geometry g = computeGeometry(op, attrs, inSp, kernel, false);
  outShape = {N, M};
  outShape.insert(outShape.end(), g.out.begin(), g.out.end());
  int64_t inSz = numElements(inSp), outSz = numElements(g.out),
          kSz = numElements(kernel);
  std::vector<double> y(N * M * outSz, 0.0);
  // Precompute, per output position, the input offset of each kernel tap.
  std::vector<int64_t> taps(outSz * kSz);
  std::vector<int64_t> o(nsp, 0);
  for (int64_t of = 0; of < outSz; ++of) {
    forEachWindow(g, o, [&](int64_t kf, int64_t in, bool) {
      taps[of * kSz + kf] = in;
    });
    nextIndex(o, g.out);
  }
  for (int64_t n = 0; n < N; ++n)
    for (int64_t m = 0; m < M; ++m) {
      int64_t gi = m / mg;
      double *yp = &y[(n * M + m) * outSz];
      for (int64_t of = 0; of < outSz; ++of)
        yp[of] = bias.empty() ? 0.0 : bias[m];
      for (int64_t c = 0; c < cg; ++c) {
        const double *xp = &x[(n * C + gi * cg + c) * inSz];
        const double *wp = &w[(m * cg + c) * kSz];
        for (int64_t of = 0; of < outSz; ++of) {
          const int64_t *t = &taps[of * kSz];
          double acc = 0;
          for (int64_t kf = 0; kf < kSz; ++kf)
            if (t[kf] >= 0)
              acc += xp[t[kf]] * wp[kf];
          yp[of] += acc;
        }
      }
    }
  return y;
}

namespace {

std::vector<Tensor> convKernel(const KernelArgs &args) {
  const Tensor &X = args.required(0, "conv: input X");
  const Tensor &W = args.required(1, "conv: input W");
  const Tensor &B = args.input(2);
  requireFloat("conv", X, "X");
  if (W.dtype() != X.dtype())
    throw EvalError("conv: W dtype differs from X dtype");
  std::vector<double> bias;
  if (!B.isNull()) {
    if (B.rank() != 1)
      throw EvalError("conv: B must be 1-D");
    bias = toDoubleVec(B);
  }
  Shape outShape;
  std::vector<double> y = refConvCore("conv", toDoubleVec(X), X.shape(),
                                      toDoubleVec(W), W.shape(), bias,
                                      args.attrs, outShape);
  return {fromDoubleVec(X.dtype(), outShape, y)};
}

std::vector<Tensor> convTransposeKernel(const KernelArgs &args) {
  const char *op = "conv_transpose";
  const Tensor &X = args.required(0, "conv_transpose: input X");
  const Tensor &W = args.required(1, "conv_transpose: input W");
  const Tensor &B = args.input(2);
  requireFloat(op, X, "X");
  requireSpatial(op, X);
  if (W.rank() != X.rank())
    throw EvalError("conv_transpose: W rank differs from X rank");
  const Attrs &a = args.attrs;
  size_t nsp = X.rank() - 2;
  int64_t N = X.dim(0), C = X.dim(1);
  int64_t group = a.getInt("group", 1);
  if (group <= 0 || C % group != 0 || W.dim(0) != C)
    throw EvalError("conv_transpose: W must have shape [C, M/group, k...] with "
                    "group dividing C");
  int64_t cg = C / group, mg = W.dim(1), M = mg * group;
  std::vector<int64_t> kernel(W.shape().begin() + 2, W.shape().end());
  if (a.has("kernel_shape") && a.getInts("kernel_shape") != kernel)
    throw EvalError("conv_transpose: kernel_shape does not match W");
  std::vector<int64_t> s = intsAttr(op, a, "strides", nsp, 1);
  std::vector<int64_t> d = intsAttr(op, a, "dilations", nsp, 1);
  std::vector<int64_t> op_ = intsAttr(op, a, "output_padding", nsp, 0, true);
  std::string autoPad = a.getString("auto_pad", "NOTSET");
  std::vector<int64_t> pads = a.getInts("pads", std::vector<int64_t>(2 * nsp, 0));
  if (pads.size() != 2 * nsp)
    throw EvalError("conv_transpose: pads has the wrong number of values");
  std::vector<int64_t> in(X.shape().begin() + 2, X.shape().end());
  std::vector<int64_t> outSp(nsp), pb(nsp), pe(nsp);
  std::vector<int64_t> outShapeAttr = a.getInts("output_shape", {});
  if (!outShapeAttr.empty() && outShapeAttr.size() == nsp + 2)
    outShapeAttr.erase(outShapeAttr.begin(), outShapeAttr.begin() + 2);
  if (!outShapeAttr.empty() && outShapeAttr.size() != nsp)
    throw EvalError("conv_transpose: output_shape has the wrong number of "
                    "values");
  for (size_t i = 0; i < nsp; ++i) {
    int64_t ek = (kernel[i] - 1) * d[i] + 1;
    int64_t full = s[i] * (in[i] - 1) + op_[i] + ek;
    if (!outShapeAttr.empty() || autoPad == "SAME_UPPER" ||
        autoPad == "SAME_LOWER") {
      int64_t target = !outShapeAttr.empty() ? outShapeAttr[i] : in[i] * s[i];
      int64_t total = full - target;
      // Floor division as in the ONNX reference: a negative total (output
      // larger than the full result) leaves zeros at the end.
      if (autoPad == "SAME_UPPER") {
        pb[i] = floorDiv(total, 2);
        pe[i] = total - pb[i];
      } else {
        pe[i] = floorDiv(total, 2);
        pb[i] = total - pe[i];
      }
      outSp[i] = target;
    } else if (autoPad == "VALID") {
      pb[i] = pe[i] = 0;
      outSp[i] = full;
    } else if (autoPad == "NOTSET") {
      pb[i] = pads[i];
      pe[i] = pads[i + nsp];
      outSp[i] = full - pb[i] - pe[i];
    } else {
      throw EvalError("conv_transpose: unknown auto_pad '" + autoPad + "'");
    }
    if (outSp[i] <= 0)
      throw EvalError("conv_transpose: computed output size is not positive");
  }
  std::vector<double> x = toDoubleVec(X), w = toDoubleVec(W);
  std::vector<double> bias;
  if (!B.isNull()) {
    if (B.numel() != M)
      throw EvalError("conv_transpose: B must have M = " + std::to_string(M) +
                      " values");
    bias = toDoubleVec(B);
  }
  int64_t inSz = numElements(in), outSz = numElements(outSp),
          kSz = numElements(kernel);
  std::vector<double> y(N * M * outSz, 0.0);
  std::vector<int64_t> ii(nsp, 0);
  for (int64_t inf = 0; inf < inSz; ++inf) {
    std::vector<int64_t> kk(nsp, 0);
    for (int64_t kf = 0; kf < kSz; ++kf) {
      int64_t of = 0;
      bool ok = true;
      for (size_t i = 0; i < nsp; ++i) {
        int64_t p = ii[i] * s[i] + kk[i] * d[i] - pb[i];
        if (p < 0 || p >= outSp[i])
          ok = false;
        of = of * outSp[i] + p;
      }
      if (ok)
        for (int64_t n = 0; n < N; ++n)
          for (int64_t c = 0; c < C; ++c) {
            double xv = x[(n * C + c) * inSz + inf];
            int64_t gi = c / cg;
            for (int64_t m = 0; m < mg; ++m)
              y[(n * M + gi * mg + m) * outSz + of] +=
                  xv * w[(c * mg + m) * kSz + kf];
          }
      nextIndex(kk, kernel);
    }
    nextIndex(ii, in);
  }
  if (!bias.empty())
    for (int64_t n = 0; n < N; ++n)
      for (int64_t m = 0; m < M; ++m)
        for (int64_t of = 0; of < outSz; ++of)
          y[(n * M + m) * outSz + of] += bias[m];
  Shape outShape = {N, M};
  outShape.insert(outShape.end(), outSp.begin(), outSp.end());
  return {fromDoubleVec(X.dtype(), outShape, y)};
}

//===----------------------------------------------------------------------===//
// Pools
//===----------------------------------------------------------------------===//

enum class PoolKind { Max, Avg, Lp };

std::vector<Tensor> poolImpl(const char *op, const KernelArgs &args,
                             PoolKind kind) {
  const Tensor &X = args.required(0, op);
  requireSpatial(op, X);
  if (kind != PoolKind::Max)
    requireFloat(op, X, "X");
  else if (X.dtype() == DType::Bool)
    throw EvalError(std::string(op) + ": bool input is not supported");
  const Attrs &a = args.attrs;
  size_t nsp = X.rank() - 2;
  std::vector<int64_t> kernel = kernelShapeAttr(op, a, nsp);
  Shape inSp(X.shape().begin() + 2, X.shape().end());
  Geometry g = computeGeometry(op, a, inSp, kernel, true);
  int64_t N = X.dim(0), C = X.dim(1);
  int64_t inSz = numElements(inSp), outSz = numElements(g.out);
  bool countPad = a.getInt("count_include_pad", 0) != 0;
  double p = static_cast<double>(a.getInt("p", 2));
  int64_t storageOrder = a.getInt("storage_order", 0);
  std::vector<double> x = toDoubleVec(X);
  std::vector<double> y(N * C * outSz);
  std::vector<int64_t> ind(kind == PoolKind::Max ? N * C * outSz : 0);
  std::vector<int64_t> inStr = stridesOf(inSp);
  for (int64_t nc = 0; nc < N * C; ++nc) {
    const double *xp = &x[nc * inSz];
    std::vector<int64_t> o(nsp, 0);
    for (int64_t of = 0; of < outSz; ++of) {
      double acc = kind == PoolKind::Max ? -kInf : 0.0;
      int64_t best = -1, count = 0;
      forEachWindow(g, o, [&](int64_t, int64_t in, bool inPadded) {
        if (in < 0) {
          if (kind == PoolKind::Avg && countPad && inPadded)
            ++count;
          return;
        }
        double v = xp[in];
        if (kind == PoolKind::Max) {
          if (best < 0 || v > acc || (std::isnan(v) && !std::isnan(acc))) {
            acc = v;
            best = in;
          }
        } else if (kind == PoolKind::Avg) {
          acc += v;
          ++count;
        } else {
          acc += std::pow(std::fabs(v), p);
        }
      });
      double r;
      if (kind == PoolKind::Max)
        r = acc;
      else if (kind == PoolKind::Avg)
        r = count ? acc / count : std::nan("");
      else
        r = std::pow(acc, 1.0 / p);
      y[nc * outSz + of] = r;
      if (kind == PoolKind::Max) {
        int64_t flat = best;
        if (storageOrder == 1 && best >= 0) { // column-major spatial index
          flat = 0;
          int64_t mul = 1;
          for (size_t i = 0; i < nsp; ++i) {
            flat += ((best / inStr[i]) % inSp[i]) * mul;
            mul *= inSp[i];
          }
        }
        ind[nc * outSz + of] = nc * inSz + flat;
      }
      nextIndex(o, g.out);
    }
  }
  Shape outShape = {N, C};
  outShape.insert(outShape.end(), g.out.begin(), g.out.end());
  std::vector<Tensor> out{fromDoubleVec(X.dtype(), outShape, y)};
  if (kind == PoolKind::Max && args.numOutputs > 1)
    out.push_back(Tensor::fromInts(ind, outShape));
  return out;
}

std::vector<Tensor> maxPoolKernel(const KernelArgs &a) {
  return poolImpl("max_pool", a, PoolKind::Max);
}
std::vector<Tensor> averagePoolKernel(const KernelArgs &a) {
  return poolImpl("average_pool", a, PoolKind::Avg);
}
std::vector<Tensor> lpPoolKernel(const KernelArgs &a) {
  return poolImpl("lp_pool", a, PoolKind::Lp);
}

std::vector<Tensor> globalPool(const char *op, const KernelArgs &args,
                               bool isMax) {
  const Tensor &X = args.required(0, op);
  requireSpatial(op, X);
  requireFloat(op, X, "X");
  int64_t nc = X.dim(0) * X.dim(1);
  int64_t sp = X.numel() / std::max<int64_t>(nc, 1);
  std::vector<double> x = toDoubleVec(X), y(nc);
  for (int64_t i = 0; i < nc; ++i) {
    double acc = isMax ? -kInf : 0.0;
    for (int64_t j = 0; j < sp; ++j) {
      double v = x[i * sp + j];
      acc = isMax ? (std::isnan(v) || v > acc ? v : acc) : acc + v;
    }
    y[i] = isMax ? acc : acc / static_cast<double>(sp);
  }
  Shape os = X.shape();
  for (size_t d = 2; d < os.size(); ++d)
    os[d] = 1;
  return {fromDoubleVec(X.dtype(), os, y)};
}

std::vector<Tensor> globalAveragePoolKernel(const KernelArgs &a) {
  return globalPool("global_average_pool", a, false);
}
std::vector<Tensor> globalMaxPoolKernel(const KernelArgs &a) {
  return globalPool("global_max_pool", a, true);
}

/// MaxUnpool: scatters X into zeros at the flat positions in I. Indices
/// refer to the default output shape (in-1)*stride + kernel - pads; with an
/// explicit output_shape they are re-raveled into it (as the ONNX reference
/// does), so each value keeps its spatial coordinates.
std::vector<Tensor> maxUnpoolKernel(const KernelArgs &args) {
  const char *op = "max_unpool";
  const Tensor &X = args.required(0, "max_unpool: input X");
  const Tensor &I = args.required(1, "max_unpool: input I");
  const Tensor &outShapeT = args.input(2);
  requireSpatial(op, X);
  if (I.shape() != X.shape() || !isInteger(I.dtype()))
    throw EvalError("max_unpool: I must be an integer tensor shaped like X");
  size_t nsp = X.rank() - 2;
  std::vector<int64_t> k = kernelShapeAttr(op, args.attrs, nsp);
  std::vector<int64_t> s = intsAttr(op, args.attrs, "strides", nsp, 1);
  std::vector<int64_t> pads =
      args.attrs.getInts("pads", std::vector<int64_t>(2 * nsp, 0));
  if (pads.size() != 2 * nsp)
    throw EvalError("max_unpool: pads has the wrong number of values");
  Shape dflt = {X.dim(0), X.dim(1)};
  for (size_t i = 0; i < nsp; ++i)
    dflt.push_back((X.dim(2 + i) - 1) * s[i] + k[i] - pads[i] - pads[i + nsp]);
  Shape outShape = dflt;
  if (!outShapeT.isNull()) {
    outShape = outShapeT.toInts();
    if (outShape.size() != dflt.size() || outShape[0] != dflt[0] ||
        outShape[1] != dflt[1])
      throw EvalError("max_unpool: output_shape " + shapeToString(outShape) +
                      " does not match [N, C, spatial...] of the input");
  }
  for (int64_t d : outShape)
    if (d < 0)
      throw EvalError("max_unpool: negative output dimension");
  std::vector<double> x = toDoubleVec(X);
  std::vector<double> y(numElements(outShape), 0.0);
  std::vector<int64_t> ds = stridesOf(dflt), os = stridesOf(outShape);
  int64_t dn = numElements(dflt);
  for (int64_t i = 0; i < X.numel(); ++i) {
    int64_t idx = I.getInt(i);
    if (idx < 0 || idx >= dn)
      throw EvalError("max_unpool: index " + std::to_string(idx) +
                      " is out of range for output shape " +
                      shapeToString(dflt));
    int64_t flat = 0;
    bool ok = true;
    for (size_t d = 0; d < dflt.size(); ++d) {
      int64_t c = (idx / ds[d]) % dflt[d];
      if (c >= outShape[d])
        ok = false;
      flat += c * os[d];
    }
    if (!ok)
      throw EvalError("max_unpool: index " + std::to_string(idx) +
                      " falls outside output_shape " + shapeToString(outShape));
    y[flat] = x[i];
  }
  return {fromDoubleVec(X.dtype(), outShape, y)};
}

//===----------------------------------------------------------------------===//
// Normalizations
//===----------------------------------------------------------------------===//

/// Checks a per-channel parameter: 1-D with C elements.
std::vector<double> channelParam(const char *op, const Tensor &t,
                                 const char *what, int64_t C) {
  if (t.numel() != C || t.rank() > 1)
    throw EvalError(std::string(op) + ": " + what + " must have shape [" +
                    std::to_string(C) + "], got " + shapeToString(t.shape()));
  return toDoubleVec(t);
}

std::vector<Tensor> batchNormalizationKernel(const KernelArgs &args) {
  const char *op = "batch_normalization";
  const Tensor &X = args.required(0, "batch_normalization: input X");
  const Tensor &S = args.required(1, "batch_normalization: scale");
  const Tensor &Bt = args.required(2, "batch_normalization: B");
  const Tensor &Mt = args.required(3, "batch_normalization: input_mean");
  const Tensor &Vt = args.required(4, "batch_normalization: input_var");
  requireFloat(op, X, "X");
  if (X.rank() < 2)
    throw EvalError("batch_normalization: X must have rank >= 2, got " +
                    shapeToString(X.shape()));
  double eps = args.attrs.getFloat("epsilon", 1e-5);
  double momentum = args.attrs.getFloat("momentum", 0.9);
  bool training = args.attrs.getInt("training_mode", 0) != 0;
  int64_t C = X.dim(1);
  std::vector<double> scale = channelParam(op, S, "scale", C),
                      bias = channelParam(op, Bt, "B", C),
                      mean = channelParam(op, Mt, "input_mean", C),
                      var = channelParam(op, Vt, "input_var", C);
  std::vector<double> x = toDoubleVec(X);
  int64_t inner = X.numel() / std::max<int64_t>(1, X.dim(0) * C);
  std::vector<double> useMean = mean, useVar = var;
  std::vector<double> runMean = mean, runVar = var;
  if (training) {
    std::vector<bool> reduced(X.rank(), true);
    reduced[1] = false;
    int64_t groups;
    std::vector<int64_t> ids = groupIds(X.shape(), reduced, groups);
    groupStats(x, ids, groups, useMean, useVar);
    for (int64_t c = 0; c < C; ++c) {
      runMean[c] = mean[c] * momentum + useMean[c] * (1 - momentum);
      runVar[c] = var[c] * momentum + useVar[c] * (1 - momentum);
    }
  }
  std::vector<double> y(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    int64_t c = (static_cast<int64_t>(i) / inner) % C;
    y[i] = (x[i] - useMean[c]) / std::sqrt(useVar[c] + eps) * scale[c] + bias[c];
  }
  std::vector<Tensor> out{fromDoubleVec(X.dtype(), X.shape(), y)};
  if (args.numOutputs > 1)
    out.push_back(fromDoubleVec(Mt.dtype(), Mt.shape(), runMean));
  if (args.numOutputs > 2)
    out.push_back(fromDoubleVec(Vt.dtype(), Vt.shape(), runVar));
  return out;
}

std::vector<Tensor> instanceNormalizationKernel(const KernelArgs &args) {
  const char *op = "instance_normalization";
  const Tensor &X = args.required(0, "instance_normalization: input");
  const Tensor &S = args.required(1, "instance_normalization: scale");
  const Tensor &Bt = args.required(2, "instance_normalization: B");
  requireFloat(op, X, "input");
  requireSpatial(op, X);
  double eps = args.attrs.getFloat("epsilon", 1e-5);
  int64_t N = X.dim(0), C = X.dim(1);
  std::vector<double> scale = channelParam(op, S, "scale", C),
                      bias = channelParam(op, Bt, "B", C);
  int64_t sp = X.numel() / std::max<int64_t>(1, N * C);
  std::vector<double> x = toDoubleVec(X), y(x.size());
  for (int64_t nc = 0; nc < N * C; ++nc) {
    int64_t c = nc % C;
    double m = 0, v = 0;
    for (int64_t j = 0; j < sp; ++j)
      m += x[nc * sp + j];
    m /= sp;
    for (int64_t j = 0; j < sp; ++j)
      v += (x[nc * sp + j] - m) * (x[nc * sp + j] - m);
    v /= sp;
    double inv = 1.0 / std::sqrt(v + eps);
    for (int64_t j = 0; j < sp; ++j)
      y[nc * sp + j] = (x[nc * sp + j] - m) * inv * scale[c] + bias[c];
  }
  return {fromDoubleVec(X.dtype(), X.shape(), y)};
}

DType stashDType(const char *op, const Attrs &a) {
  int64_t st = a.getInt("stash_type", 1);
  DType dt;
  if (!dtypeFromOnnx(st, dt) || !isFloat(dt))
    throw EvalError(std::string(op) + ": unsupported stash_type " +
                    std::to_string(st));
  return dt;
}

std::vector<Tensor> layerNormalizationKernel(const KernelArgs &args) {
  const char *op = "layer_normalization";
  const Tensor &X = args.required(0, "layer_normalization: input X");
  const Tensor &S = args.required(1, "layer_normalization: Scale");
  const Tensor &Bt = args.input(2);
  requireFloat(op, X, "X");
  if (X.rank() < 1)
    throw EvalError("layer_normalization: X must have rank >= 1");
  int64_t axis = normalizeAxis(args.attrs.getInt("axis", -1), X.rank(),
                               "layer_normalization: axis");
  double eps = args.attrs.getFloat("epsilon", 1e-5);
  DType stash = stashDType(op, args.attrs);
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= X.dim(d);
  int64_t inner = X.numel() / std::max<int64_t>(outer, 1);
  if (outer == 0)
    inner = 0;
  std::vector<double> x = toDoubleVec(X), y(x.size());
  std::vector<double> scale = expandTo(op, S, X.shape(), "Scale");
  std::vector<double> bias;
  if (!Bt.isNull())
    bias = expandTo(op, Bt, X.shape(), "B");
  std::vector<double> means(outer), invs(outer);
  for (int64_t o = 0; o < outer; ++o) {
    const double *xp = &x[o * inner];
    double m = 0, v = 0;
    for (int64_t j = 0; j < inner; ++j)
      m += xp[j];
    m /= inner;
    for (int64_t j = 0; j < inner; ++j)
      v += (xp[j] - m) * (xp[j] - m);
    v /= inner;
    double inv = 1.0 / std::sqrt(v + eps);
    means[o] = m;
    invs[o] = inv;
    for (int64_t j = 0; j < inner; ++j) {
      int64_t i = o * inner + j;
      y[i] = (xp[j] - m) * inv * scale[i] + (bias.empty() ? 0.0 : bias[i]);
    }
  }
  Shape statShape = X.shape();
  for (int64_t d = axis; d < X.rank(); ++d)
    statShape[d] = 1;
  std::vector<Tensor> out{fromDoubleVec(X.dtype(), X.shape(), y)};
  if (args.numOutputs > 1)
    out.push_back(fromDoubleVec(stash, statShape, means));
  if (args.numOutputs > 2)
    out.push_back(fromDoubleVec(stash, statShape, invs));
  return out;
}

std::vector<Tensor> rmsNormalizationKernel(const KernelArgs &args) {
  const char *op = "rms_normalization";
  const Tensor &X = args.required(0, "rms_normalization: input X");
  const Tensor &S = args.required(1, "rms_normalization: scale");
  requireFloat(op, X, "X");
  if (X.rank() < 1)
    throw EvalError("rms_normalization: X must have rank >= 1");
  int64_t axis = normalizeAxis(args.attrs.getInt("axis", -1), X.rank(),
                               "rms_normalization: axis");
  double eps = args.attrs.getFloat("epsilon", 1e-5);
  stashDType(op, args.attrs); // validates
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= X.dim(d);
  int64_t inner = outer ? X.numel() / outer : 0;
  std::vector<double> x = toDoubleVec(X), y(x.size());
  std::vector<double> scale = expandTo(op, S, X.shape(), "scale");
  for (int64_t o = 0; o < outer; ++o) {
    double ss = 0;
    for (int64_t j = 0; j < inner; ++j)
      ss += x[o * inner + j] * x[o * inner + j];
    double inv = 1.0 / std::sqrt(ss / inner + eps);
    for (int64_t j = 0; j < inner; ++j) {
      int64_t i = o * inner + j;
      y[i] = x[i] * inv * scale[i];
    }
  }
  return {fromDoubleVec(X.dtype(), X.shape(), y)};
}

std::vector<Tensor> groupNormalizationKernel(const KernelArgs &args) {
  const char *op = "group_normalization";
  const Tensor &X = args.required(0, "group_normalization: input X");
  const Tensor &S = args.required(1, "group_normalization: scale");
  const Tensor &Bt = args.required(2, "group_normalization: bias");
  requireFloat(op, X, "X");
  if (X.rank() < 2)
    throw EvalError("group_normalization: X must have rank >= 2");
  double eps = args.attrs.getFloat("epsilon", 1e-5);
  int64_t G = args.attrs.getInt("num_groups");
  stashDType(op, args.attrs);
  int64_t N = X.dim(0), C = X.dim(1);
  if (G <= 0 || C % G != 0)
    throw EvalError("group_normalization: num_groups " + std::to_string(G) +
                    " must divide the channel count " + std::to_string(C));
  std::vector<double> scale = channelParam(op, S, "scale", C),
                      bias = channelParam(op, Bt, "bias", C);
  int64_t sp = N * C ? X.numel() / (N * C) : 0;
  int64_t cpg = C / G, gsz = cpg * sp;
  std::vector<double> x = toDoubleVec(X), y(x.size());
  for (int64_t ng = 0; ng < N * G; ++ng) {
    const double *xp = &x[ng * gsz];
    double m = 0, v = 0;
    for (int64_t j = 0; j < gsz; ++j)
      m += xp[j];
    m /= gsz;
    for (int64_t j = 0; j < gsz; ++j)
      v += (xp[j] - m) * (xp[j] - m);
    v /= gsz;
    double inv = 1.0 / std::sqrt(v + eps);
    for (int64_t j = 0; j < gsz; ++j) {
      int64_t c = (ng % G) * cpg + j / sp;
      y[ng * gsz + j] = (xp[j] - m) * inv * scale[c] + bias[c];
    }
  }
  return {fromDoubleVec(X.dtype(), X.shape(), y)};
}

std::vector<Tensor> lrnKernel(const KernelArgs &args) {
  const char *op = "lrn";
  const Tensor &X = args.required(0, "lrn: input X");
  requireFloat(op, X, "X");
  if (X.rank() < 2)
    throw EvalError("lrn: X must have rank >= 2 ([N, C, ...])");
  double alpha = args.attrs.getFloat("alpha", 1e-4);
  double beta = args.attrs.getFloat("beta", 0.75);
  double bias = args.attrs.getFloat("bias", 1.0);
  int64_t size = args.attrs.getInt("size");
  if (size <= 0)
    throw EvalError("lrn: size must be positive");
  int64_t N = X.dim(0), C = X.dim(1);
  int64_t sp = N * C ? X.numel() / (N * C) : 0;
  int64_t lo = (size - 1) / 2, hi = size - 1 - lo; // floor / ceil
  std::vector<double> x = toDoubleVec(X), y(x.size());
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t j = 0; j < sp; ++j) {
        double ss = 0;
        for (int64_t cc = std::max<int64_t>(0, c - lo);
             cc <= std::min<int64_t>(C - 1, c + hi); ++cc) {
          double v = x[(n * C + cc) * sp + j];
          ss += v * v;
        }
        int64_t i = (n * C + c) * sp + j;
        y[i] = x[i] / std::pow(bias + alpha / size * ss, beta);
      }
  return {fromDoubleVec(X.dtype(), X.shape(), y)};
}

std::vector<Tensor> meanVarianceNormalizationKernel(const KernelArgs &args) {
  const char *op = "mean_variance_normalization";
  const Tensor &X = args.required(0, "mean_variance_normalization: input X");
  requireFloat(op, X, "X");
  std::vector<int64_t> axes = args.attrs.getInts("axes", {0, 2, 3});
  std::vector<bool> reduced(X.rank(), false);
  for (int64_t ax : axes)
    reduced[normalizeAxis(ax, X.rank(), "mean_variance_normalization: axis")] =
        true;
  int64_t groups;
  std::vector<int64_t> ids = groupIds(X.shape(), reduced, groups);
  std::vector<double> x = toDoubleVec(X), mean, var, y(x.size());
  groupStats(x, ids, groups, mean, var);
  for (size_t i = 0; i < x.size(); ++i)
    y[i] = (x[i] - mean[ids[i]]) / (std::sqrt(var[ids[i]]) + 1e-9);
  return {fromDoubleVec(X.dtype(), X.shape(), y)};
}

} // namespace

void registerNNKernels(KernelRegistry &r) {
  r.add("conv", convKernel);
  r.add("conv_transpose", convTransposeKernel);
  r.add("max_pool", maxPoolKernel);
  r.add("average_pool", averagePoolKernel);
  r.add("lp_pool", lpPoolKernel);
  r.add("max_unpool", maxUnpoolKernel);
  r.add("global_average_pool", globalAveragePoolKernel);
  r.add("global_max_pool", globalMaxPoolKernel);
  r.add("batch_normalization", batchNormalizationKernel);
  r.add("instance_normalization", instanceNormalizationKernel);
  r.add("layer_normalization", layerNormalizationKernel);
  r.add("rms_normalization", rmsNormalizationKernel);
  r.add("group_normalization", groupNormalizationKernel);
  r.add("lrn", lrnKernel);
  r.add("mean_variance_normalization", meanVarianceNormalizationKernel);
}

} // namespace txc::ref
