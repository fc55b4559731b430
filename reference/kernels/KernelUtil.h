//===- KernelUtil.h - Helpers shared by the reference kernels ---*- C++ -*-===//
//
// Private helper of the reference kernels: error reporting, axis and index
// checks, double conversion and strided copies used by more than one kernel
// family. Broadcasting lives in Broadcast.h.
//
//===----------------------------------------------------------------------===//
#ifndef TXC_REFERENCE_KERNELS_KERNELUTIL_H
#define TXC_REFERENCE_KERNELS_KERNELUTIL_H

#include "../Kernel.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace txc::ref::detail {

/// Throws EvalError("<op>: <msg>").
[[noreturn]] inline void fail(const std::string &op, const std::string &msg) {
  throw EvalError(op + ": " + msg);
}

/// Normalizes an axis in [-rank, rank) to [0, rank); unlike normalizeAxis
/// it also rejects every axis of a scalar.
inline int64_t checkAxis(int64_t axis, int64_t rank, const char *what) {
  if (rank == 0 || axis < -rank || axis >= rank)
    throw EvalError(std::string(what) + " " + std::to_string(axis) +
                    " is out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

/// Throws unless `t` has an integer (non-bool) dtype.
inline void requireIndexType(const Tensor &t, const char *op, const char *what) {
  if (!isInteger(t.dtype()) || t.dtype() == DType::Bool)
    fail(op, std::string("input '") + what + "' must be an integer tensor, got " +
                 dtypeName(t.dtype()));
}

/// Reads a 1-D (or scalar) integer tensor such as a shape, axes or pads input.
inline std::vector<int64_t> intList(const Tensor &t, const char *op,
                                    const char *what) {
  requireIndexType(t, op, what);
  if (t.rank() > 1)
    fail(op, std::string("input '") + what + "' must be 1-D, got shape " +
                 shapeToString(t.shape()));
  return t.toInts();
}

/// Advances a row-major multi-index over `shape`; returns false after the last.
inline bool nextIndex(std::vector<int64_t> &idx, const Shape &shape) {
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    if (++idx[d] < shape[d])
      return true;
    idx[d] = 0;
  }
  return false;
}

/// out[i] = in[base + sum_d idx_d * inStrides[d]] for every index of
/// outShape (strides may be 0 for broadcasting or negative for reversal).
inline Tensor stridedCopy(const Tensor &in, const Shape &outShape,
                          const std::vector<int64_t> &inStrides, int64_t base) {
  Tensor out(in.dtype(), outShape);
  int64_t n = out.numel();
  if (n == 0)
    return out;
  size_t es = dtypeSize(in.dtype());
  const uint8_t *src = static_cast<const uint8_t *>(in.raw());
  uint8_t *dst = static_cast<uint8_t *>(out.mutableRaw());
  int64_t rank = static_cast<int64_t>(outShape.size());
  std::vector<int64_t> idx(rank, 0);
  int64_t off = base;
  // Contiguous innermost runs are copied in one memcpy.
  bool innerContig = rank > 0 && inStrides[rank - 1] == 1;
  int64_t inner = rank > 0 && innerContig ? outShape[rank - 1] : 1;
  int64_t outerRank = innerContig ? rank - 1 : rank;
  for (int64_t i = 0; i < n; i += inner) {
    std::memcpy(dst + i * es, src + off * es, inner * es);
    for (int64_t d = outerRank - 1; d >= 0; --d) {
      if (++idx[d] < outShape[d]) {
        off += inStrides[d];
        break;
      }
      off -= inStrides[d] * (outShape[d] - 1);
      idx[d] = 0;
    }
  }
  return out;
}

/// All elements of `t` as doubles (fast paths for float32/float64).
inline std::vector<double> toDoubleVec(const Tensor &t) {
  int64_t n = t.numel();
  std::vector<double> v(n);
  if (t.dtype() == DType::F32) {
    const float *p = t.data<float>();
    for (int64_t i = 0; i < n; ++i)
      v[i] = p[i];
  } else if (t.dtype() == DType::F64) {
    const double *p = t.data<double>();
    std::copy(p, p + n, v.begin());
  } else {
    for (int64_t i = 0; i < n; ++i)
      v[i] = t.getDouble(i);
  }
  return v;
}

/// A tensor of dtype `dt` and `shape` holding `v` (converted as by setDouble).
inline Tensor fromDoubleVec(DType dt, Shape shape, const std::vector<double> &v) {
  Tensor t(dt, std::move(shape));
  if (dt == DType::F32) {
    float *p = t.mutableData<float>();
    for (size_t i = 0; i < v.size(); ++i)
      p[i] = static_cast<float>(v[i]);
  } else if (dt == DType::F64) {
    std::copy(v.begin(), v.end(), t.mutableData<double>());
  } else {
    for (size_t i = 0; i < v.size(); ++i)
      t.setDouble(static_cast<int64_t>(i), v[i]);
  }
  return t;
}

/// Convolution over doubles (defined in NN.cpp; also used by Quant.cpp's
/// conv_integer and qlinear_conv). x is [N, C, sp...], w is
/// [M, C/group, k...]; bias may be empty. Sets `outShape`.
std::vector<double> refConvCore(const char *op, const std::vector<double> &x,
                                const Shape &xs, const std::vector<double> &w,
                                const Shape &ws, const std::vector<double> &bias,
                                const Attrs &attrs, Shape &outShape);

} // namespace txc::ref::detail

#endif // TXC_REFERENCE_KERNELS_KERNELUTIL_H
