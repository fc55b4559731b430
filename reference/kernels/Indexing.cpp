//===- Indexing.cpp - Reference kernels: gather, scatter, slice, resize ---===//
//
// Kernels that select, scatter or interpolate elements by index: gather
// (plain, elements, nd), scatter (elements, nd), slice, onehot, nonzero,
// compress, reverse_sequence, einsum, resize and unique. Whole elements are
// copied as bytes where no arithmetic is involved; arithmetic (scatter
// reductions, einsum, resize) goes through double (or int64 for integers).
//
//===----------------------------------------------------------------------===//

#include "../Kernel.h"
#include "KernelUtil.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <numeric>
#include <string>

namespace txc::ref {
namespace {

using Ints = std::vector<int64_t>;

using detail::checkAxis;
using detail::fail;
using detail::intList;
using detail::nextIndex;
using detail::requireIndexType;
using detail::stridedCopy;

/// Resolves a possibly negative index against `dim`, throwing if it is out
/// of [-dim, dim).
int64_t resolveIndex(int64_t idx, int64_t dim, const char *op, int64_t axis) {
  int64_t r = idx < 0 ? idx + dim : idx;
  if (r < 0 || r >= dim)
    fail(op, "index " + std::to_string(idx) + " is out of range for axis " +
                 std::to_string(axis) + " of size " + std::to_string(dim));
  return r;
}

inline void copyElem(uint8_t *dst, int64_t di, const uint8_t *src, int64_t si,
                     size_t es) {
  std::memcpy(dst + di * es, src + si * es, es);
}

//===----------------------------------------------------------------------===//
// Gather family
//===----------------------------------------------------------------------===//

std::vector<Tensor> gatherKernel(const KernelArgs &a) {
  const Tensor &data = a.required(0, "data");
  const Tensor &indices = a.required(1, "indices");
  requireIndexType(indices, "gather", "indices");
  if (data.rank() == 0)
    fail("gather", "data must have rank >= 1");
  int64_t axis = checkAxis(a.attrs.getInt("axis", 0), data.rank(), "gather: axis");
  const Shape &ds = data.shape();
  Shape out(ds.begin(), ds.begin() + axis);
  out.insert(out.end(), indices.shape().begin(), indices.shape().end());
  out.insert(out.end(), ds.begin() + axis + 1, ds.end());
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= ds[d];
  for (int64_t d = axis + 1; d < data.rank(); ++d)
    inner *= ds[d];
  int64_t dim = ds[axis], ni = indices.numel();
  Ints idx(ni);
  for (int64_t i = 0; i < ni; ++i)
    idx[i] = resolveIndex(indices.getInt(i), dim, "gather", axis);
  Tensor result(data.dtype(), out);
  if (result.numel() == 0)
    return {result};
  size_t es = dtypeSize(data.dtype());
  const uint8_t *src = static_cast<const uint8_t *>(data.raw());
  uint8_t *dst = static_cast<uint8_t *>(result.mutableRaw());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < ni; ++i)
      std::memcpy(dst + ((o * ni + i) * inner) * es,
                  src + ((o * dim + idx[i]) * inner) * es, inner * es);
  return {result};
}

std::vector<Tensor> gatherElementsKernel(const KernelArgs &a) {
  const Tensor &data = a.required(0, "data");
  const Tensor &indices = a.required(1, "indices");
  requireIndexType(indices, "gather_elements", "indices");
  int64_t r = data.rank();
  if (r == 0 || indices.rank() != r)
    fail("gather_elements", "data " + shapeToString(data.shape()) + " and indices " +
                                shapeToString(indices.shape()) +
                                " must have the same rank >= 1");
  int64_t axis = checkAxis(a.attrs.getInt("axis", 0), r, "gather_elements: axis");
  for (int64_t d = 0; d < r; ++d)
    if (d != axis && indices.shape()[d] > data.shape()[d])
      fail("gather_elements", "indices shape " + shapeToString(indices.shape()) +
                                  " exceeds data shape " + shapeToString(data.shape()) +
                                  " outside axis " + std::to_string(axis));
  Tensor result(data.dtype(), indices.shape());
  int64_t n = indices.numel();
  if (n == 0)
    return {result};
  size_t es = dtypeSize(data.dtype());
  const uint8_t *src = static_cast<const uint8_t *>(data.raw());
  uint8_t *dst = static_cast<uint8_t *>(result.mutableRaw());
  Ints strides = stridesOf(data.shape());
  Ints idx(r, 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t off = 0;
    for (int64_t d = 0; d < r; ++d)
      off += (d == axis ? resolveIndex(indices.getInt(i), data.shape()[axis],
                                       "gather_elements", axis)
                        : idx[d]) *
             strides[d];
    copyElem(dst, i, src, off, es);
    nextIndex(idx, indices.shape());
  }
  return {result};
}

std::vector<Tensor> gatherNDKernel(const KernelArgs &a) {
  const Tensor &data = a.required(0, "data");
  const Tensor &indices = a.required(1, "indices");
  requireIndexType(indices, "gather_nd", "indices");
  int64_t b = a.attrs.getInt("batch_dims", 0);
  int64_t r = data.rank(), q = indices.rank();
  if (r < 1 || q < 1)
    fail("gather_nd", "data and indices must have rank >= 1");
  if (b < 0 || b >= std::min(r, q))
    fail("gather_nd", "batch_dims " + std::to_string(b) + " must be less than both ranks");
  int64_t m = indices.shape()[q - 1];
  if (m < 1 || m > r - b)
    fail("gather_nd", "last indices dimension " + std::to_string(m) +
                          " must be in [1, " + std::to_string(r - b) + "]");
  for (int64_t d = 0; d < b; ++d)
    if (indices.shape()[d] != data.shape()[d])
      fail("gather_nd", "batch dimensions of data " + shapeToString(data.shape()) +
                            " and indices " + shapeToString(indices.shape()) + " differ");
  Shape out(indices.shape().begin(), indices.shape().end() - 1);
  out.insert(out.end(), data.shape().begin() + b + m, data.shape().end());
  int64_t batch = 1, slice = 1;
  for (int64_t d = 0; d < b; ++d)
    batch *= data.shape()[d];
  for (int64_t d = b + m; d < r; ++d)
    slice *= data.shape()[d];
  int64_t tuples = batch ? indices.numel() / m / batch : 0; // per batch
  int64_t dataBatch = batch ? data.numel() / batch : 0;
  Ints strides = stridesOf(data.shape());
  Tensor result(data.dtype(), out);
  if (result.numel() == 0)
    return {result};
  size_t es = dtypeSize(data.dtype());
  const uint8_t *src = static_cast<const uint8_t *>(data.raw());
  uint8_t *dst = static_cast<uint8_t *>(result.mutableRaw());
  for (int64_t bi = 0; bi < batch; ++bi)
    for (int64_t t = 0; t < tuples; ++t) {
      int64_t row = bi * tuples + t, off = bi * dataBatch;
      for (int64_t k = 0; k < m; ++k)
        off += resolveIndex(indices.getInt(row * m + k), data.shape()[b + k],
                            "gather_nd", b + k) *
               strides[b + k];
      std::memcpy(dst + row * slice * es, src + off * es, slice * es);
    }
  return {result};
}

//===----------------------------------------------------------------------===//
// Scatter family
//===----------------------------------------------------------------------===//

enum class Reduction { None, Add, Mul, Max, Min };

Reduction parseReduction(const KernelArgs &a, const char *op) {
  std::string s = a.attrs.getString("reduction", "none");
  if (s == "none") return Reduction::None;
  if (s == "add") return Reduction::Add;
  if (s == "mul") return Reduction::Mul;
  if (s == "max") return Reduction::Max;
  if (s == "min") return Reduction::Min;
  fail(op, "unknown reduction '" + s + "'");
}

/// out[di] = reduce(out[di], upd[ui]).
void scatterOne(Tensor &out, int64_t di, const Tensor &upd, int64_t ui,
                Reduction red) {
  size_t es = dtypeSize(out.dtype());
  if (red == Reduction::None) {
    copyElem(static_cast<uint8_t *>(out.mutableRaw()), di,
             static_cast<const uint8_t *>(upd.raw()), ui, es);
    return;
  }
  if (isFloat(out.dtype())) {
    double x = out.getDouble(di), y = upd.getDouble(ui), r = 0;
    switch (red) {
    case Reduction::Add: r = x + y; break;
    case Reduction::Mul: r = x * y; break;
    case Reduction::Max: r = std::isnan(x) || std::isnan(y) ? NAN : std::max(x, y); break;
    case Reduction::Min: r = std::isnan(x) || std::isnan(y) ? NAN : std::min(x, y); break;
    default: break;
    }
    out.setDouble(di, r);
  } else {
    int64_t x = out.getInt(di), y = upd.getInt(ui), r = 0;
    if (out.dtype() == DType::U64) { // keep full unsigned range
      uint64_t ux = static_cast<uint64_t>(x), uy = static_cast<uint64_t>(y);
      r = static_cast<int64_t>(red == Reduction::Max ? std::max(ux, uy)
                               : red == Reduction::Min ? std::min(ux, uy)
                               : red == Reduction::Add ? ux + uy : ux * uy);
    } else {
      switch (red) {
      case Reduction::Add: r = static_cast<int64_t>(static_cast<uint64_t>(x) + static_cast<uint64_t>(y)); break;
      case Reduction::Mul: r = static_cast<int64_t>(static_cast<uint64_t>(x) * static_cast<uint64_t>(y)); break;
      case Reduction::Max: r = std::max(x, y); break;
      case Reduction::Min: r = std::min(x, y); break;
      default: break;
      }
    }
    out.setInt(di, r);
  }
}

std::vector<Tensor> scatterElementsKernel(const KernelArgs &a) {
  const Tensor &data = a.required(0, "data");
  const Tensor &indices = a.required(1, "indices");
  const Tensor &updates = a.required(2, "updates");
  requireIndexType(indices, "scatter_elements", "indices");
  Reduction red = parseReduction(a, "scatter_elements");
  int64_t r = data.rank();
  if (r == 0 || indices.rank() != r || updates.shape() != indices.shape())
    fail("scatter_elements", "data " + shapeToString(data.shape()) + ", indices " +
                                 shapeToString(indices.shape()) + " and updates " +
                                 shapeToString(updates.shape()) +
                                 " must have equal ranks >= 1 and indices/updates equal shapes");
  if (updates.dtype() != data.dtype())
    fail("scatter_elements", "updates dtype differs from data dtype");
  int64_t axis = checkAxis(a.attrs.getInt("axis", 0), r, "scatter_elements: axis");
  for (int64_t d = 0; d < r; ++d)
    if (d != axis && indices.shape()[d] > data.shape()[d])
      fail("scatter_elements", "indices shape " + shapeToString(indices.shape()) +
                                   " exceeds data shape " + shapeToString(data.shape()));
  Tensor out = data.clone();
  Ints strides = stridesOf(data.shape());
  Ints idx(r, 0);
  int64_t n = indices.numel();
  for (int64_t i = 0; i < n; ++i) {
    int64_t off = 0;
    for (int64_t d = 0; d < r; ++d)
      off += (d == axis ? resolveIndex(indices.getInt(i), data.shape()[axis],
                                       "scatter_elements", axis)
                        : idx[d]) *
             strides[d];
    scatterOne(out, off, updates, i, red);
    nextIndex(idx, indices.shape());
  }
  return {out};
}

std::vector<Tensor> scatterNDKernel(const KernelArgs &a) {
  const Tensor &data = a.required(0, "data");
  const Tensor &indices = a.required(1, "indices");
  const Tensor &updates = a.required(2, "updates");
  requireIndexType(indices, "scatter_nd", "indices");
  Reduction red = parseReduction(a, "scatter_nd");
  int64_t r = data.rank(), q = indices.rank();
  if (r < 1 || q < 1)
    fail("scatter_nd", "data and indices must have rank >= 1");
  int64_t k = indices.shape()[q - 1];
  if (k > r)
    fail("scatter_nd", "last indices dimension " + std::to_string(k) +
                           " exceeds the data rank " + std::to_string(r));
  Shape want(indices.shape().begin(), indices.shape().end() - 1);
  want.insert(want.end(), data.shape().begin() + k, data.shape().end());
  if (updates.shape() != want)
    fail("scatter_nd", "updates shape " + shapeToString(updates.shape()) +
                           " must be " + shapeToString(want));
  if (updates.dtype() != data.dtype())
    fail("scatter_nd", "updates dtype differs from data dtype");
  int64_t slice = 1;
  for (int64_t d = k; d < r; ++d)
    slice *= data.shape()[d];
  int64_t tuples = numElements(Shape(indices.shape().begin(), indices.shape().end() - 1));
  Ints strides = stridesOf(data.shape());
  Tensor out = data.clone();
  for (int64_t t = 0; t < tuples; ++t) {
    int64_t off = 0;
    for (int64_t j = 0; j < k; ++j)
      off += resolveIndex(indices.getInt(t * k + j), data.shape()[j], "scatter_nd", j) *
             strides[j];
    for (int64_t e = 0; e < slice; ++e)
      scatterOne(out, off + e, updates, t * slice + e, red);
  }
  return {out};
}

//===----------------------------------------------------------------------===//
// Slice
//===----------------------------------------------------------------------===//

std::vector<Tensor> sliceKernel(const KernelArgs &a) {
  const Tensor &data = a.required(0, "data");
  Ints starts = intList(a.required(1, "starts"), "slice", "starts");
  Ints ends = intList(a.required(2, "ends"), "slice", "ends");
  int64_t r = data.rank();
  size_t n = starts.size();
  if (ends.size() != n)
    fail("slice", "starts and ends have different lengths");
  Ints axes, steps;
  if (a.input(3)) {
    axes = intList(a.input(3), "slice", "axes");
    if (axes.size() != n)
      fail("slice", "axes and starts have different lengths");
  } else {
    for (size_t i = 0; i < n; ++i)
      axes.push_back(static_cast<int64_t>(i));
  }
  if (a.input(4)) {
    steps = intList(a.input(4), "slice", "steps");
    if (steps.size() != n)
      fail("slice", "steps and starts have different lengths");
  } else {
    steps.assign(n, 1);
  }
  Shape out = data.shape();
  Ints strides = stridesOf(data.shape());
  Ints outStrides = strides;
  int64_t base = 0;
  std::vector<bool> seen(r, false);
  for (size_t i = 0; i < n; ++i) {
    int64_t ax = checkAxis(axes[i], r, "slice: axis");
    if (seen[ax])
      fail("slice", "axis " + std::to_string(axes[i]) + " is repeated");
    seen[ax] = true;
    int64_t dim = data.shape()[ax], step = steps[i];
    if (step == 0)
      fail("slice", "step must not be 0");
    int64_t s = starts[i], e = ends[i];
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    int64_t len;
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      len = e > s ? (e - s + step - 1) / step : 0;
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      len = s > e ? (s - e + (-step) - 1) / (-step) : 0;
    }
    out[ax] = len;
    if (len > 0) {
      base += s * strides[ax];
      outStrides[ax] = strides[ax] * step;
    }
  }
  return {stridedCopy(data, out, outStrides, base)};
}

//===----------------------------------------------------------------------===//
// OneHot, NonZero, Compress, ReverseSequence
//===----------------------------------------------------------------------===//

std::vector<Tensor> onehotKernel(const KernelArgs &a) {
  const Tensor &indices = a.required(0, "indices");
  const Tensor &depthT = a.required(1, "depth");
  const Tensor &values = a.required(2, "values");
  if (depthT.numel() != 1)
    fail("onehot", "depth must be a scalar");
  if (values.numel() != 2)
    fail("onehot", "values must hold exactly two elements [off, on]");
  int64_t depth = depthT.getInt(0);
  if (depth < 1)
    fail("onehot", "depth must be positive, got " + std::to_string(depth));
  int64_t r = indices.rank();
  int64_t axis = a.attrs.getInt("axis", -1);
  if (axis < -(r + 1) || axis > r)
    fail("onehot", "axis " + std::to_string(axis) + " is out of range for output rank " +
                       std::to_string(r + 1));
  if (axis < 0)
    axis += r + 1;
  Shape out = indices.shape();
  out.insert(out.begin() + axis, depth);
  Tensor result(values.dtype(), out);
  int64_t n = result.numel();
  if (n == 0)
    return {result};
  size_t es = dtypeSize(values.dtype());
  const uint8_t *vals = static_cast<const uint8_t *>(values.raw());
  uint8_t *dst = static_cast<uint8_t *>(result.mutableRaw());
  for (int64_t i = 0; i < n; ++i)
    copyElem(dst, i, vals, 0, es);
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= indices.shape()[d];
  for (int64_t d = axis; d < r; ++d)
    inner *= indices.shape()[d];
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      double v = indices.getDouble(o * inner + in);
      if (std::isnan(v))
        continue;
      int64_t k = static_cast<int64_t>(v);
      if (k < 0)
        k += depth;
      if (k < 0 || k >= depth)
        continue; // out of range: all off
      copyElem(dst, (o * depth + k) * inner + in, vals, 1, es);
    }
  return {result};
}

std::vector<Tensor> nonzeroKernel(const KernelArgs &a) {
  const Tensor &x = a.required(0, "X");
  int64_t r = std::max<int64_t>(x.rank(), 1); // a scalar acts as 1-D
  Shape shape = x.rank() ? x.shape() : Shape{1};
  Ints hits;
  int64_t n = x.numel();
  for (int64_t i = 0; i < n; ++i)
    if (x.getDouble(i) != 0.0 || (std::isnan(x.getDouble(i))))
      hits.push_back(i);
  int64_t nnz = static_cast<int64_t>(hits.size());
  Tensor out(DType::I64, {r, nnz});
  int64_t *o = nnz ? out.mutableData<int64_t>() : nullptr;
  Ints strides = stridesOf(shape);
  for (int64_t j = 0; j < nnz; ++j)
    for (int64_t d = 0; d < r; ++d)
      o[d * nnz + j] = (hits[j] / strides[d]) % shape[d];
  return {out};
}

std::vector<Tensor> compressKernel(const KernelArgs &a) {
  Tensor input = a.required(0, "input");
  const Tensor &cond = a.required(1, "condition");
  if (cond.rank() != 1)
    fail("compress", "condition must be 1-D, got shape " + shapeToString(cond.shape()));
  int64_t axis;
  if (a.attrs.has("axis")) {
    axis = checkAxis(a.attrs.getInt("axis"), input.rank(), "compress: axis");
  } else {
    input = input.reshaped({input.numel()});
    axis = 0;
  }
  int64_t dim = input.shape()[axis];
  Ints keep;
  for (int64_t i = 0; i < cond.numel(); ++i) {
    if (cond.getDouble(i) == 0.0)
      continue;
    if (i >= dim)
      fail("compress", "condition selects index " + std::to_string(i) +
                           " beyond the axis size " + std::to_string(dim));
    keep.push_back(i);
  }
  Shape out = input.shape();
  out[axis] = static_cast<int64_t>(keep.size());
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= out[d];
  for (int64_t d = axis + 1; d < input.rank(); ++d)
    inner *= out[d];
  Tensor result(input.dtype(), out);
  if (result.numel() == 0)
    return {result};
  size_t es = dtypeSize(input.dtype());
  const uint8_t *src = static_cast<const uint8_t *>(input.raw());
  uint8_t *dst = static_cast<uint8_t *>(result.mutableRaw());
  int64_t nk = static_cast<int64_t>(keep.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0; k < nk; ++k)
      std::memcpy(dst + (o * nk + k) * inner * es, src + (o * dim + keep[k]) * inner * es,
                  inner * es);
  return {result};
}

std::vector<Tensor> reverseSequenceKernel(const KernelArgs &a) {
  const Tensor &input = a.required(0, "input");
  const Tensor &lens = a.required(1, "sequence_lens");
  requireIndexType(lens, "reverse_sequence", "sequence_lens");
  if (input.rank() < 2)
    fail("reverse_sequence", "input must have rank >= 2");
  int64_t batchAxis = a.attrs.getInt("batch_axis", 1);
  int64_t timeAxis = a.attrs.getInt("time_axis", 0);
  if (!((batchAxis == 0 && timeAxis == 1) || (batchAxis == 1 && timeAxis == 0)))
    fail("reverse_sequence", "batch_axis and time_axis must be 0 and 1 in some order");
  int64_t B = input.shape()[batchAxis], T = input.shape()[timeAxis];
  if (lens.rank() != 1 || lens.numel() != B)
    fail("reverse_sequence", "sequence_lens must be 1-D of length " + std::to_string(B));
  Ints L = lens.toInts();
  for (int64_t l : L)
    if (l < 0 || l > T)
      fail("reverse_sequence", "sequence length " + std::to_string(l) +
                                   " is out of range [0, " + std::to_string(T) + "]");
  Tensor out = input.clone();
  int64_t n = input.numel();
  if (n == 0)
    return {out};
  int64_t inner = n / (B * T);
  Ints strides = stridesOf(input.shape());
  size_t es = dtypeSize(input.dtype());
  const uint8_t *src = static_cast<const uint8_t *>(input.raw());
  uint8_t *dst = static_cast<uint8_t *>(out.mutableRaw());
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < L[b]; ++t) {
      int64_t from = b * strides[batchAxis] + (L[b] - 1 - t) * strides[timeAxis];
      int64_t to = b * strides[batchAxis] + t * strides[timeAxis];
      std::memcpy(dst + to * es, src + from * es, inner * es);
    }
  return {out};
}

//===----------------------------------------------------------------------===//
// Einsum
//===----------------------------------------------------------------------===//

/// One operand of an einsum equation: its labels, with -1 standing for the
/// position of "...".
std::vector<int> parseEinsumTerm(const std::string &term) {
  std::vector<int> labels;
  bool sawEllipsis = false;
  for (size_t i = 0; i < term.size();) {
    char c = term[i];
    if (c == '.') {
      if (term.compare(i, 3, "...") != 0 || sawEllipsis)
        fail("einsum", "malformed ellipsis in term '" + term + "'");
      sawEllipsis = true;
      labels.push_back(-1);
      i += 3;
    } else if (std::isalpha(static_cast<unsigned char>(c))) {
      labels.push_back(static_cast<unsigned char>(c));
      ++i;
    } else {
      fail("einsum", std::string("invalid character '") + c + "' in equation");
    }
  }
  return labels;
}

std::vector<Tensor> einsumKernel(const KernelArgs &a) {
  std::string eq;
  for (char c : a.attrs.getString("equation"))
    if (!std::isspace(static_cast<unsigned char>(c)))
      eq += c;
  size_t arrow = eq.find("->");
  std::string lhs = arrow == std::string::npos ? eq : eq.substr(0, arrow);
  std::vector<std::string> terms;
  size_t pos = 0;
  while (true) {
    size_t comma = lhs.find(',', pos);
    terms.push_back(lhs.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
    if (comma == std::string::npos)
      break;
    pos = comma + 1;
  }
  size_t nIn = a.inputs.size();
  if (terms.size() != nIn)
    fail("einsum", "equation has " + std::to_string(terms.size()) + " operands but " +
                       std::to_string(nIn) + " inputs were given");
  for (size_t i = 0; i < nIn; ++i)
    if (a.inputs[i].isNull())
      fail("einsum", "input " + std::to_string(i) + " is missing");
  DType dt = a.inputs[0].dtype();
  for (const Tensor &t : a.inputs)
    if (t.dtype() != dt)
      fail("einsum", "inputs have different dtypes");

  // Map every input dim to a label id: letters keep their char code, the
  // dims of "..." (right-aligned across inputs) get ids 1000 + k.
  std::vector<std::vector<int>> dimLabels(nIn);
  int64_t ellRank = 0;
  std::vector<std::vector<int>> parsed(nIn);
  for (size_t i = 0; i < nIn; ++i) {
    parsed[i] = parseEinsumTerm(terms[i]);
    int64_t letters = std::count_if(parsed[i].begin(), parsed[i].end(),
                                    [](int l) { return l >= 0; });
    bool hasEll = letters != static_cast<int64_t>(parsed[i].size());
    int64_t r = a.inputs[i].rank();
    if ((!hasEll && letters != r) || (hasEll && letters > r))
      fail("einsum", "term '" + terms[i] + "' does not match input rank " +
                         std::to_string(r));
    if (hasEll)
      ellRank = std::max(ellRank, r - letters);
  }
  std::map<int, int64_t> sizes;
  std::map<int, int> counts;
  for (size_t i = 0; i < nIn; ++i) {
    const Tensor &t = a.inputs[i];
    int64_t letters = std::count_if(parsed[i].begin(), parsed[i].end(),
                                    [](int l) { return l >= 0; });
    int64_t e = t.rank() - letters;
    for (int l : parsed[i]) {
      if (l >= 0) {
        dimLabels[i].push_back(l);
      } else {
        for (int64_t k = 0; k < e; ++k)
          dimLabels[i].push_back(static_cast<int>(1000 + ellRank - e + k));
      }
    }
    for (size_t d = 0; d < dimLabels[i].size(); ++d) {
      int l = dimLabels[i][d];
      int64_t s = t.shape()[d];
      auto it = sizes.find(l);
      if (it == sizes.end() || it->second == 1) {
        sizes[l] = s; // size-1 dims broadcast against the others
      } else if (s != it->second && s != 1) {
        fail("einsum", "label sizes disagree (" + std::to_string(it->second) + " vs " +
                           std::to_string(s) + ") in equation '" + eq + "'");
      }
      ++counts[l];
    }
  }
  std::vector<int> outLabels;
  if (arrow != std::string::npos) {
    for (int l : parseEinsumTerm(eq.substr(arrow + 2))) {
      if (l < 0) {
        for (int64_t k = 0; k < ellRank; ++k)
          outLabels.push_back(static_cast<int>(1000 + k));
        continue;
      }
      if (!sizes.count(l))
        fail("einsum", std::string("output label '") + static_cast<char>(l) +
                           "' does not appear in the inputs");
      if (std::find(outLabels.begin(), outLabels.end(), l) != outLabels.end())
        fail("einsum", std::string("output label '") + static_cast<char>(l) +
                           "' is repeated");
      outLabels.push_back(l);
    }
  } else {
    for (int64_t k = 0; k < ellRank; ++k)
      outLabels.push_back(static_cast<int>(1000 + k));
    for (auto &[l, c] : counts) // std::map: ascending ASCII order
      if (l < 1000 && c == 1)
        outLabels.push_back(l);
  }
  std::vector<int> all = outLabels;
  for (auto &[l, s] : sizes)
    if (std::find(outLabels.begin(), outLabels.end(), l) == outLabels.end())
      all.push_back(l);
  size_t nOut = outLabels.size(), nAll = all.size();
  Shape allShape(nAll), outShape(nOut);
  for (size_t i = 0; i < nAll; ++i)
    allShape[i] = sizes[all[i]];
  for (size_t i = 0; i < nOut; ++i)
    outShape[i] = allShape[i];
  // Per input, the stride each label index moves its offset by (repeated
  // labels add up: diagonals; broadcast size-1 dims contribute nothing).
  std::vector<Ints> labelStride(nIn, Ints(nAll, 0));
  for (size_t i = 0; i < nIn; ++i) {
    Ints st = stridesOf(a.inputs[i].shape());
    for (size_t d = 0; d < dimLabels[i].size(); ++d) {
      size_t j = std::find(all.begin(), all.end(), dimLabels[i][d]) - all.begin();
      if (a.inputs[i].shape()[d] != 1 || allShape[j] == 1)
        labelStride[i][j] += st[d];
    }
  }
  Tensor result(dt, outShape);
  int64_t outN = result.numel();
  int64_t sumN = 1;
  for (size_t i = nOut; i < nAll; ++i)
    sumN *= allShape[i];
  if (outN == 0 || sumN == 0)
    return {result};
  bool intMath = !isFloat(dt);
  // float32 fast path: read through typed pointers (null when not f32).
  std::vector<const float *> f32Ptrs;
  if (dt == DType::F32)
    for (const Tensor &t : a.inputs)
      f32Ptrs.push_back(t.data<float>());
  const float *const *f32 = f32Ptrs.empty() ? nullptr : f32Ptrs.data();
  Ints idx(nAll, 0), off(nIn, 0);
  for (int64_t o = 0; o < outN; ++o) {
    double acc = 0;
    int64_t iacc = 0;
    for (int64_t s = 0; s < sumN; ++s) {
      if (f32) {
        double p = 1;
        for (size_t i = 0; i < nIn; ++i)
          p *= f32[i][off[i]];
        acc += p;
      } else if (intMath) {
        int64_t p = 1;
        for (size_t i = 0; i < nIn; ++i)
          p *= a.inputs[i].getInt(off[i]);
        iacc += p;
      } else {
        double p = 1;
        for (size_t i = 0; i < nIn; ++i)
          p *= a.inputs[i].getDouble(off[i]);
        acc += p;
      }
      // Advance the combined index (summed labels fastest).
      for (int64_t d = static_cast<int64_t>(nAll) - 1; d >= 0; --d) {
        if (++idx[d] < allShape[d]) {
          for (size_t i = 0; i < nIn; ++i)
            off[i] += labelStride[i][d];
          break;
        }
        for (size_t i = 0; i < nIn; ++i)
          off[i] -= labelStride[i][d] * (allShape[d] - 1);
        idx[d] = 0;
      }
    }
    if (intMath)
      result.setInt(o, iacc);
    else
      result.setDouble(o, acc);
  }
  return {result};
}

//===----------------------------------------------------------------------===//
// Resize
//===----------------------------------------------------------------------===//

struct Taps {
  bool extrapolate = false;
  std::vector<std::pair<int64_t, double>> w; // (clamped input index, weight)
};

/// The interpolation taps of output coordinate x along one axis, following
/// the ONNX Resize definition: x is mapped to x_ori in the input, the taps
/// are the nearest input positions around it (edge-clamped).
Taps resizeTaps(int64_t x, int64_t inW, int64_t outW, double scale, double roiStart,
                double roiEnd, const std::string &mode, const std::string &ctm,
                const std::string &nearestMode, double cubicA, bool excludeOutside,
                bool antialias) {
  double outWf = scale * static_cast<double>(inW); // may be fractional
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
    fail("resize", "unknown coordinate_transformation_mode '" + ctm + "'");
  }
  // Taps are anchored at i0 with ratio in (0, 1]: an integral x_ori uses the
  // pair (x_ori - 1, x_ori) with ratio 1.
  double fl = std::floor(xo);
  int64_t i0 = static_cast<int64_t>(fl);
  double ratio = xo - fl;
  if (ratio == 0) {
    ratio = 1;
    i0 -= 1;
  }
  std::vector<double> coeffs;
  int64_t first; // offset of coeffs[0] relative to i0
  if (mode == "nearest") {
    bool up;
    if (ratio == 1) up = true;
    else if (nearestMode == "round_prefer_floor") up = ratio > 0.5;
    else if (nearestMode == "round_prefer_ceil") up = ratio >= 0.5;
    else if (nearestMode == "floor") up = false;
    else if (nearestMode == "ceil") up = true;
    else fail("resize", "unknown nearest_mode '" + nearestMode + "'");
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
    fail("resize", "unknown mode '" + mode + "'");
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
  if (t.w.empty()) // every weight vanished (degenerate): contribute zero
    t.w.push_back({std::clamp<int64_t>(i0, 0, inW - 1), 0.0});
  return t;
}

std::vector<Tensor> resizeKernel(const KernelArgs &a) {
  const Tensor &X = a.required(0, "X");
  const Tensor &roiT = a.input(1);
  const Tensor &scalesT = a.input(2);
  const Tensor &sizesT = a.input(3);
  int64_t r = X.rank();
  std::string mode = a.attrs.getString("mode", "nearest");
  std::string ctm = a.attrs.getString("coordinate_transformation_mode", "half_pixel");
  std::string nearestMode = a.attrs.getString("nearest_mode", "round_prefer_floor");
  std::string policy = a.attrs.getString("keep_aspect_ratio_policy", "stretch");
  double cubicA = a.attrs.getFloat("cubic_coeff_a", -0.75);
  bool excludeOutside = a.attrs.getInt("exclude_outside", 0) != 0;
  double extrapolation = a.attrs.getFloat("extrapolation_value", 0.0);
  bool antialias = a.attrs.getInt("antialias", 0) != 0;
  if (mode != "nearest" && mode != "linear" && mode != "cubic")
    fail("resize", "unknown mode '" + mode + "'");
  if (antialias && mode == "nearest")
    antialias = false; // antialias only affects linear and cubic
  Ints axes;
  if (a.attrs.has("axes")) {
    std::vector<bool> seen(r, false);
    for (int64_t ax : a.attrs.getInts("axes")) {
      int64_t n = checkAxis(ax, r, "resize: axis");
      if (seen[n])
        fail("resize", "axis " + std::to_string(ax) + " is repeated");
      seen[n] = true;
      axes.push_back(n);
    }
  } else {
    for (int64_t i = 0; i < r; ++i)
      axes.push_back(i);
  }
  size_t na = axes.size();
  bool hasScales = scalesT && scalesT.numel() > 0;
  bool hasSizes = sizesT && sizesT.numel() > 0;
  if (hasScales == hasSizes)
    fail("resize", "exactly one of scales and sizes must be given");
  std::vector<double> scale(r, 1.0);
  Shape out = X.shape();
  if (hasScales) {
    if (!isFloat(scalesT.dtype()) || static_cast<size_t>(scalesT.numel()) != na)
      fail("resize", "scales must be a float tensor with " + std::to_string(na) +
                         " entries");
    for (size_t i = 0; i < na; ++i) {
      double s = scalesT.getDouble(i);
      if (!(s > 0))
        fail("resize", "scales must be positive");
      scale[axes[i]] = s;
      double o = std::floor(s * static_cast<double>(X.shape()[axes[i]]));
      if (o > 1e9)
        fail("resize", "output too large");
      out[axes[i]] = static_cast<int64_t>(o);
    }
  } else {
    Ints sizes = intList(sizesT, "resize", "sizes");
    if (sizes.size() != na)
      fail("resize", "sizes must have " + std::to_string(na) + " entries");
    for (size_t i = 0; i < na; ++i) {
      if (sizes[i] < 0)
        fail("resize", "negative size " + std::to_string(sizes[i]));
      if (X.shape()[axes[i]] == 0)
        fail("resize", "cannot resize an empty axis");
      out[axes[i]] = sizes[i];
      scale[axes[i]] = static_cast<double>(sizes[i]) / X.shape()[axes[i]];
    }
    if (policy != "stretch") {
      double s = policy == "not_larger" ? 1e300 : -1e300;
      if (policy != "not_larger" && policy != "not_smaller")
        fail("resize", "unknown keep_aspect_ratio_policy '" + policy + "'");
      for (int64_t ax : axes)
        s = policy == "not_larger" ? std::min(s, scale[ax]) : std::max(s, scale[ax]);
      for (int64_t ax : axes) {
        scale[ax] = s;
        out[ax] = static_cast<int64_t>(s * X.shape()[ax] + 0.5);
      }
    }
  }
  std::vector<double> roiStart(r, 0.0), roiEnd(r, 1.0);
  if (ctm == "tf_crop_and_resize" && roiT && roiT.numel() > 0) {
    if (static_cast<size_t>(roiT.numel()) != 2 * na)
      fail("resize", "roi must have " + std::to_string(2 * na) + " entries");
    for (size_t i = 0; i < na; ++i) {
      roiStart[axes[i]] = roiT.getDouble(i);
      roiEnd[axes[i]] = roiT.getDouble(na + i);
    }
  }
  double total = 1;
  for (int64_t d : out)
    total *= static_cast<double>(d);
  if (total > 4e9)
    fail("resize", "output shape " + shapeToString(out) + " is too large");
  Tensor result(X.dtype(), out);
  int64_t n = result.numel();
  if (n == 0)
    return {result};
  if (X.numel() == 0)
    fail("resize", "cannot resize an empty input to a non-empty output");
  // Per axis and output coordinate, the taps; unresized axes are identity.
  std::vector<bool> active(r, false);
  for (int64_t ax : axes)
    active[ax] = true;
  std::vector<std::vector<Taps>> taps(r);
  for (int64_t d = 0; d < r; ++d) {
    taps[d].resize(out[d]);
    for (int64_t x = 0; x < out[d]; ++x) {
      if (!active[d]) {
        taps[d][x].w.push_back({x, 1.0});
        continue;
      }
      taps[d][x] = resizeTaps(x, X.shape()[d], out[d], scale[d], roiStart[d], roiEnd[d],
                              mode, ctm, nearestMode, cubicA, excludeOutside, antialias);
    }
  }
  Ints strides = stridesOf(X.shape());
  Ints idx(r, 0);
  for (int64_t i = 0; i < n; ++i) {
    bool extrap = false;
    for (int64_t d = 0; d < r; ++d)
      extrap = extrap || taps[d][idx[d]].extrapolate;
    double acc = 0;
    if (extrap) {
      acc = extrapolation;
    } else {
      // Sum over the tensor product of the per-axis taps.
      Ints t(r, 0);
      while (true) {
        double w = 1;
        int64_t off = 0;
        for (int64_t d = 0; d < r; ++d) {
          const auto &tp = taps[d][idx[d]].w[t[d]];
          w *= tp.second;
          off += tp.first * strides[d];
        }
        acc += w * X.getDouble(off);
        int64_t d = r - 1;
        for (; d >= 0; --d) {
          if (++t[d] < static_cast<int64_t>(taps[d][idx[d]].w.size()))
            break;
          t[d] = 0;
        }
        if (d < 0)
          break;
      }
    }
    if (isInteger(X.dtype()) && X.dtype() != DType::Bool) {
      // ONNX's reference casts with numpy astype (truncation), but clamp to
      // the type's range so a cubic overshoot does not wrap around.
      double lo = 0, hi = 0;
      switch (X.dtype()) {
      case DType::I8: lo = -128; hi = 127; break;
      case DType::U8: lo = 0; hi = 255; break;
      case DType::I16: lo = -32768; hi = 32767; break;
      case DType::U16: lo = 0; hi = 65535; break;
      case DType::I32: lo = -2147483648.0; hi = 2147483647.0; break;
      case DType::U32: lo = 0; hi = 4294967295.0; break;
      default: lo = -9.2e18; hi = 9.2e18; break;
      }
      acc = std::clamp(acc, lo, hi);
    }
    result.setDouble(i, acc);
    nextIndex(idx, out);
  }
  return {result};
}

//===----------------------------------------------------------------------===//
// Unique
//===----------------------------------------------------------------------===//

std::vector<Tensor> uniqueKernel(const KernelArgs &a) {
  Tensor x = a.required(0, "X");
  bool sorted = a.attrs.getInt("sorted", 1) != 0;
  int64_t axis = 0;
  if (a.attrs.has("axis")) {
    axis = checkAxis(a.attrs.getInt("axis"), x.rank(), "unique: axis");
  } else {
    x = x.reshaped({x.numel()});
  }
  int64_t dim = x.shape()[axis];
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= x.shape()[d];
  for (int64_t d = axis + 1; d < x.rank(); ++d)
    inner *= x.shape()[d];
  bool fl = isFloat(x.dtype());
  // Element e of slice s along the axis.
  auto elem = [&](int64_t s, int64_t o, int64_t in) {
    return (o * dim + s) * inner + in;
  };
  // Three-way lexicographic comparison of two slices.
  auto cmp = [&](int64_t s1, int64_t s2) -> int {
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t in = 0; in < inner; ++in) {
        int64_t i1 = elem(s1, o, in), i2 = elem(s2, o, in);
        if (fl) {
          double v1 = x.getDouble(i1), v2 = x.getDouble(i2);
          bool n1 = std::isnan(v1), n2 = std::isnan(v2); // NaNs sort last, equal
          if (n1 || n2) {
            if (n1 != n2) return n1 ? 1 : -1;
            continue;
          }
          if (v1 < v2) return -1;
          if (v1 > v2) return 1;
        } else if (x.dtype() == DType::U64) {
          uint64_t v1 = static_cast<uint64_t>(x.getInt(i1)),
                   v2 = static_cast<uint64_t>(x.getInt(i2));
          if (v1 != v2) return v1 < v2 ? -1 : 1;
        } else {
          int64_t v1 = x.getInt(i1), v2 = x.getInt(i2);
          if (v1 != v2) return v1 < v2 ? -1 : 1;
        }
      }
    return 0;
  };
  // Group equal slices by sorting slice numbers (ties by position, so each
  // group starts with its first occurrence); number the groups in order of
  // first occurrence.
  Ints bySlice(dim);
  std::iota(bySlice.begin(), bySlice.end(), 0);
  std::sort(bySlice.begin(), bySlice.end(), [&](int64_t p, int64_t q) {
    int c = cmp(p, q);
    return c != 0 ? c < 0 : p < q;
  });
  std::vector<std::pair<int64_t, int64_t>> groups; // (first, start in bySlice)
  for (int64_t i = 0; i < dim; ++i)
    if (i == 0 || cmp(bySlice[i - 1], bySlice[i]) != 0)
      groups.push_back({bySlice[i], i});
  std::vector<size_t> groupOrder(groups.size());
  std::iota(groupOrder.begin(), groupOrder.end(), 0);
  std::sort(groupOrder.begin(), groupOrder.end(),
            [&](size_t p, size_t q) { return groups[p].first < groups[q].first; });
  Ints firsts, inverse(dim), counts;
  for (size_t u = 0; u < groupOrder.size(); ++u) {
    size_t g = groupOrder[u];
    int64_t begin = groups[g].second;
    int64_t end = g + 1 < groups.size() ? groups[g + 1].second : dim;
    firsts.push_back(groups[g].first);
    counts.push_back(end - begin);
    for (int64_t i = begin; i < end; ++i)
      inverse[bySlice[i]] = static_cast<int64_t>(u);
  }
  int64_t nu = static_cast<int64_t>(firsts.size());
  Ints order(nu);
  std::iota(order.begin(), order.end(), 0);
  if (sorted)
    std::sort(order.begin(), order.end(), [&](int64_t p, int64_t q) {
      int c = cmp(firsts[p], firsts[q]);
      return c != 0 ? c < 0 : p < q;
    });
  Ints rank(nu);
  for (int64_t i = 0; i < nu; ++i)
    rank[order[i]] = i;
  Shape yShape = x.shape();
  yShape[axis] = nu;
  Tensor y(x.dtype(), yShape);
  size_t es = dtypeSize(x.dtype());
  if (y.numel()) {
    const uint8_t *src = static_cast<const uint8_t *>(x.raw());
    uint8_t *dst = static_cast<uint8_t *>(y.mutableRaw());
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < nu; ++i)
        std::memcpy(dst + ((o * nu + i) * inner) * es,
                    src + elem(firsts[order[i]], o, 0) * es, inner * es);
  }
  Ints indicesV(nu), countsV(nu), inverseV(dim);
  for (int64_t i = 0; i < nu; ++i) {
    indicesV[i] = firsts[order[i]];
    countsV[i] = counts[order[i]];
  }
  for (int64_t s = 0; s < dim; ++s)
    inverseV[s] = rank[inverse[s]];
  std::vector<Tensor> outs{y, Tensor::fromInts(indicesV, {nu}),
                           Tensor::fromInts(inverseV, {dim}),
                           Tensor::fromInts(countsV, {nu})};
  outs.resize(std::max(1, std::min(a.numOutputs, 4)));
  return outs;
}

} // namespace

void registerIndexingKernels(KernelRegistry &r) {
  r.add("gather", gatherKernel);
  r.add("gather_elements", gatherElementsKernel);
  r.add("gather_nd", gatherNDKernel);
  r.add("scatter_elements", scatterElementsKernel);
  r.add("scatter_nd", scatterNDKernel);
  r.add("slice", sliceKernel);
  r.add("onehot", onehotKernel);
  r.add("nonzero", nonzeroKernel);
  r.add("compress", compressKernel);
  r.add("reverse_sequence", reverseSequenceKernel);
  r.add("einsum", einsumKernel);
  r.add("resize", resizeKernel);
  r.add("unique", uniqueKernel);
}

} // namespace txc::ref
