//===- Broadcast.h - Numpy-style broadcasting iteration ---------*- C++ -*-===//
//
// Private helper of the reference kernels: visits every element of a
// broadcast result in row-major order together with the flat offsets of the
// corresponding elements of each (broadcast) operand. Also a small dtype
// dispatcher shared by the elementwise and reduction kernels.
//
//===----------------------------------------------------------------------===//
#ifndef TXC_REFERENCE_KERNELS_BROADCAST_H
#define TXC_REFERENCE_KERNELS_BROADCAST_H

#include "../Tensor.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace txc::ref {

/// Strides (in elements) of a tensor of shape `in` when broadcast to `out`:
/// right-aligned, 0 along broadcast (size-1 or missing) dimensions. Throws
/// EvalError if `in` does not broadcast to `out`.
inline std::vector<int64_t> broadcastStrides(const Shape &in, const Shape &out) {
  if (in.size() > out.size())
    throw EvalError("shape " + shapeToString(in) + " cannot be broadcast to " +
                    shapeToString(out));
  std::vector<int64_t> st(out.size(), 0);
  std::vector<int64_t> inStrides = stridesOf(in);
  size_t lead = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i) {
    int64_t d = in[i];
    if (d == out[lead + i])
      st[lead + i] = d == 1 ? 0 : inStrides[i];
    else if (d == 1)
      st[lead + i] = 0;
    else
      throw EvalError("shape " + shapeToString(in) +
                      " cannot be broadcast to " + shapeToString(out));
  }
  return st;
}

/// Numpy broadcast of several shapes.
inline Shape broadcastAll(const std::vector<Shape> &shapes) {
  Shape out;
  for (const Shape &s : shapes)
    out = broadcastShapes(out, s);
  return out;
}

/// Calls f(outIndex, offsets) for every element of a tensor of shape `out`
/// in row-major order, where offsets[k] is the flat index into operand k
/// (of shape ins[k], broadcast to `out`).
template <size_t N, class F>
void forEachBroadcast(const Shape &out, const std::array<Shape, N> &ins, F &&f) {
  int64_t total = numElements(out);
  if (total == 0)
    return;
  size_t r = out.size();
  std::array<std::vector<int64_t>, N> st;
  for (size_t k = 0; k < N; ++k)
    st[k] = broadcastStrides(ins[k], out);
  std::array<int64_t, N> off{};
  if (r == 0) {
    f(int64_t(0), off);
    return;
  }
  std::vector<int64_t> idx(r, 0);
  int64_t inner = out[r - 1];
  std::array<int64_t, N> innerSt;
  for (size_t k = 0; k < N; ++k)
    innerSt[k] = st[k][r - 1];
  int64_t o = 0;
  while (true) {
    std::array<int64_t, N> cur = off;
    for (int64_t j = 0; j < inner; ++j) {
      f(o++, cur);
      for (size_t k = 0; k < N; ++k)
        cur[k] += innerSt[k];
    }
    // Advance the outer multi-index (all dimensions but the last).
    int64_t d = static_cast<int64_t>(r) - 2;
    for (; d >= 0; --d) {
      ++idx[d];
      for (size_t k = 0; k < N; ++k)
        off[k] += st[k][d];
      if (idx[d] < out[d])
        break;
      for (size_t k = 0; k < N; ++k)
        off[k] -= st[k][d] * out[d];
      idx[d] = 0;
    }
    if (d < 0)
      return;
  }
}

/// Type tag for dtype dispatch.
template <class T> struct TypeTag { using type = T; };

/// Calls f(TypeTag<T>{}) with T the storage type of `t` (Bool -> uint8_t).
/// F16/BF16 have no native C++ type: callers promote them to F32 first;
/// they throw here.
template <class F> decltype(auto) visitDType(DType t, const char *op, F &&f) {
  switch (t) {
  case DType::F32: return f(TypeTag<float>{});
  case DType::F64: return f(TypeTag<double>{});
  case DType::I8: return f(TypeTag<int8_t>{});
  case DType::U8: return f(TypeTag<uint8_t>{});
  case DType::I16: return f(TypeTag<int16_t>{});
  case DType::U16: return f(TypeTag<uint16_t>{});
  case DType::I32: return f(TypeTag<int32_t>{});
  case DType::U32: return f(TypeTag<uint32_t>{});
  case DType::I64: return f(TypeTag<int64_t>{});
  case DType::U64: return f(TypeTag<uint64_t>{});
  case DType::Bool: return f(TypeTag<uint8_t>{});
  case DType::F16:
  case DType::BF16:
    break;
  }
  throw EvalError(std::string(op) + ": unsupported dtype " + dtypeName(t));
}

} // namespace txc::ref

#endif // TXC_REFERENCE_KERNELS_BROADCAST_H
