//===- Shape.cpp - Reference kernels: shape manipulation ------------------===//
//
// Kernels that move elements without computing on them (reshape, transpose,
// concat, split, expand, tile, pad, depth/space rearrangements) plus the small
// shape-producing ops (shape, size, constant_of_shape, range, eye_like,
// trilu, dropout in inference mode). Data movement copies whole elements as
// bytes, so every dtype is handled the same way.
//
//===----------------------------------------------------------------------===//

#include "../Kernel.h"
#include "Broadcast.h"
#include "KernelUtil.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

namespace txc::ref {
namespace {

using Ints = std::vector<int64_t>;

using detail::checkAxis;
using detail::fail;
using detail::intList;
using detail::nextIndex;
using detail::stridedCopy;

/// Reads a scalar (or 1-element) tensor as an int64.
int64_t scalarInt(const Tensor &t, const char *op, const char *what) {
  if (t.numel() != 1)
    fail(op, std::string("input '") + what + "' must hold one element, got shape " +
                 shapeToString(t.shape()));
  return t.getInt(0);
}

/// Transposes `in` viewed with shape `view` (same element count) by `perm`.
Tensor permuteView(const Tensor &in, const Shape &view, const Ints &perm) {
  Ints strides = stridesOf(view);
  Shape outShape(perm.size());
  Ints outStrides(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    outShape[i] = view[perm[i]];
    outStrides[i] = strides[perm[i]];
  }
  return stridedCopy(in, outShape, outStrides, 0);
}

//===----------------------------------------------------------------------===//
// Reshape family
//===----------------------------------------------------------------------===//

std::vector<Tensor> reshapeKernel(const KernelArgs &a) {
  const Tensor &data = a.required(0, "data");
  Ints req = intList(a.required(1, "shape"), "reshape", "shape");
  bool allowZero = a.attrs.getInt("allowzero", 0) != 0;
  Shape out(req.size());
  int64_t inferAt = -1, known = 1;
  bool hasZero = false;
  for (size_t i = 0; i < req.size(); ++i) {
    int64_t d = req[i];
    if (d == -1) {
      if (inferAt >= 0)
        fail("reshape", "shape " + shapeToString(req) + " has more than one -1");
      inferAt = static_cast<int64_t>(i);
      continue;
    }
    if (d < -1)
      fail("reshape", "invalid dimension " + std::to_string(d) + " in shape " +
                          shapeToString(req));
    if (d == 0) {
      hasZero = true;
      if (!allowZero) {
        if (static_cast<int64_t>(i) >= data.rank())
          fail("reshape", "shape " + shapeToString(req) + " copies dimension " +
                              std::to_string(i) + " (0) but the input " +
                              shapeToString(data.shape()) + " has rank " +
                              std::to_string(data.rank()));
        d = data.shape()[i];
      }
    }
    out[i] = d;
    known *= d;
  }
  if (allowZero && hasZero && inferAt >= 0)
    fail("reshape", "shape " + shapeToString(req) +
                        " has both 0 and -1 with allowzero=1");
  if (inferAt >= 0) {
    if (known == 0 || data.numel() % known != 0)
      fail("reshape", "cannot infer the -1 in shape " + shapeToString(req) +
                          " for input of shape " + shapeToString(data.shape()));
    out[inferAt] = data.numel() / known;
  }
  if (numElements(out) != data.numel())
    fail("reshape", "cannot reshape input of shape " + shapeToString(data.shape()) +
                        " to " + shapeToString(out));
  return {data.reshaped(out)};
}

std::vector<Tensor> flattenKernel(const KernelArgs &a) {
  const Tensor &data = a.required(0, "input");
  int64_t r = data.rank();
  int64_t axis = a.attrs.getInt("axis", 1);
  if (axis < -r || axis > r)
    fail("flatten", "axis " + std::to_string(axis) + " is out of range for rank " +
                        std::to_string(r));
  if (axis < 0)
    axis += r;
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < r; ++i)
    (i < axis ? outer : inner) *= data.shape()[i];
  return {data.reshaped({outer, inner})};
}

std::vector<Tensor> squeezeKernel(const KernelArgs &a) {
  const Tensor &data = a.required(0, "data");
  int64_t r = data.rank();
  std::vector<bool> drop(r, false);
  if (a.input(1)) {
    for (int64_t ax : intList(a.input(1), "squeeze", "axes")) {
      int64_t n = checkAxis(ax, r, "squeeze: axis");
      if (data.shape()[n] != 1)
        fail("squeeze", "cannot squeeze axis " + std::to_string(ax) + " of size " +
                            std::to_string(data.shape()[n]) + " (shape " +
                            shapeToString(data.shape()) + ")");
      drop[n] = true;
    }
  } else {
    for (int64_t i = 0; i < r; ++i)
      drop[i] = data.shape()[i] == 1;
  }
  Shape out;
  for (int64_t i = 0; i < r; ++i)
    if (!drop[i])
      out.push_back(data.shape()[i]);
  return {data.reshaped(out)};
}

std::vector<Tensor> unsqueezeKernel(const KernelArgs &a) {
  const Tensor &data = a.required(0, "data");
  Ints axes = intList(a.required(1, "axes"), "unsqueeze", "axes");
  int64_t outRank = data.rank() + static_cast<int64_t>(axes.size());
  std::vector<bool> isNew(outRank, false);
  for (int64_t ax : axes) {
    int64_t n = checkAxis(ax, outRank, "unsqueeze: axis");
    if (isNew[n])
      fail("unsqueeze", "axis " + std::to_string(ax) + " is repeated");
    isNew[n] = true;
  }
  Shape out;
  size_t j = 0;
  for (int64_t i = 0; i < outRank; ++i)
    out.push_back(isNew[i] ? 1 : data.shape()[j++]);
  return {data.reshaped(out)};
}

//===----------------------------------------------------------------------===//
// Transpose, concat, split, expand, tile
//===----------------------------------------------------------------------===//

std::vector<Tensor> transposeKernel(const KernelArgs &a) {
  const Tensor &data = a.required(0, "data");
  int64_t r = data.rank();
  Ints perm;
  if (a.attrs.has("perm")) {
    perm = a.attrs.getInts("perm");
    if (static_cast<int64_t>(perm.size()) != r)
      fail("transpose", "perm " + shapeToString(perm) + " does not match rank " +
                            std::to_string(r));
    std::vector<bool> seen(r, false);
    for (int64_t &p : perm) {
      p = checkAxis(p, r, "transpose: perm entry");
      if (seen[p])
        fail("transpose", "perm " + shapeToString(a.attrs.getInts("perm")) +
                              " is not a permutation");
      seen[p] = true;
    }
  } else {
    for (int64_t i = r - 1; i >= 0; --i)
      perm.push_back(i);
  }
  return {permuteView(data, data.shape(), perm)};
}

std::vector<Tensor> concatKernel(const KernelArgs &a) {
  if (a.inputs.empty())
    fail("concat", "needs at least one input");
  for (size_t i = 0; i < a.inputs.size(); ++i)
    if (a.inputs[i].isNull())
      fail("concat", "input " + std::to_string(i) + " is missing");
  const Tensor &first = a.inputs[0];
  int64_t r = first.rank();
  if (r == 0)
    fail("concat", "cannot concatenate scalars");
  int64_t axis = checkAxis(a.attrs.getInt("axis"), r, "concat: axis");
  Shape out = first.shape();
  out[axis] = 0;
  for (const Tensor &t : a.inputs) {
    if (t.dtype() != first.dtype())
      fail("concat", std::string("inputs have different dtypes (") +
                         dtypeName(first.dtype()) + " and " + dtypeName(t.dtype()) + ")");
    if (t.rank() != r)
      fail("concat", "inputs have different ranks (" + shapeToString(first.shape()) +
                         " and " + shapeToString(t.shape()) + ")");
    for (int64_t d = 0; d < r; ++d)
      if (d != axis && t.shape()[d] != first.shape()[d])
        fail("concat", "input shapes " + shapeToString(first.shape()) + " and " +
                           shapeToString(t.shape()) + " differ outside axis " +
                           std::to_string(axis));
    out[axis] += t.shape()[axis];
  }
  Tensor result(first.dtype(), out);
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= out[d];
  size_t es = dtypeSize(first.dtype());
  int64_t outRow = numElements(out) / std::max<int64_t>(outer, 1);
  if (result.numel() == 0)
    return {result};
  uint8_t *dst = static_cast<uint8_t *>(result.mutableRaw());
  int64_t col = 0;
  for (const Tensor &t : a.inputs) {
    int64_t row = outer ? t.numel() / outer : 0;
    const uint8_t *src = static_cast<const uint8_t *>(t.raw());
    for (int64_t o = 0; o < outer && row; ++o)
      std::memcpy(dst + (o * outRow + col) * es, src + o * row * es, row * es);
    col += row;
  }
  return {result};
}

/// Copies the slab [begin, begin+len) of `axis` out of `in`.
Tensor sliceAxis(const Tensor &in, int64_t axis, int64_t begin, int64_t len) {
  Shape outShape = in.shape();
  outShape[axis] = len;
  Ints strides = stridesOf(in.shape());
  return stridedCopy(in, outShape, strides, begin * strides[axis]);
}

std::vector<Tensor> splitKernel(const KernelArgs &a) {
  const Tensor &in = a.required(0, "input");
  if (in.rank() == 0)
    fail("split", "cannot split a scalar");
  int64_t axis = checkAxis(a.attrs.getInt("axis", 0), in.rank(), "split: axis");
  int64_t dim = in.shape()[axis];
  int64_t n = a.numOutputs;
  Ints parts;
  if (a.input(1) && a.input(1).numel() > 0) { // an empty split means absent
    parts = intList(a.input(1), "split", "split");
    int64_t sum = 0;
    for (int64_t p : parts) {
      if (p < 0)
        fail("split", "negative split size " + std::to_string(p));
      sum += p;
    }
    if (static_cast<int64_t>(parts.size()) != n)
      fail("split", "split has " + std::to_string(parts.size()) +
                        " entries but the op has " + std::to_string(n) + " outputs");
    if (sum != dim)
      fail("split", "split sizes " + shapeToString(parts) + " sum to " +
                        std::to_string(sum) + ", not the axis size " + std::to_string(dim));
  } else {
    if (a.attrs.has("num_outputs") && a.attrs.getInt("num_outputs") != n)
      fail("split", "num_outputs " + std::to_string(a.attrs.getInt("num_outputs")) +
                        " does not match the " + std::to_string(n) + " outputs");
    if (n <= 0)
      fail("split", "needs at least one output");
    // Equal chunks of ceil(dim / n); the last one takes the remainder.
    int64_t chunk = (dim + n - 1) / n;
    int64_t last = dim - chunk * (n - 1);
    if (last < 0)
      fail("split", "cannot split axis of size " + std::to_string(dim) + " into " +
                        std::to_string(n) + " outputs");
    parts.assign(n, chunk);
    parts.back() = last;
  }
  std::vector<Tensor> outs;
  int64_t begin = 0;
  for (int64_t p : parts) {
    outs.push_back(sliceAxis(in, axis, begin, p));
    begin += p;
  }
  return outs;
}

/// Broadcasts `in` to `outShape` (which must be a broadcast of its shape).
Tensor broadcastTo(const Tensor &in, const Shape &outShape) {
  return stridedCopy(in, outShape, broadcastStrides(in.shape(), outShape), 0);
}

std::vector<Tensor> expandKernel(const KernelArgs &a) {
  const Tensor &in = a.required(0, "input");
  Ints shape = intList(a.required(1, "shape"), "expand", "shape");
  for (int64_t d : shape)
    if (d < 0)
      fail("expand", "negative dimension in shape " + shapeToString(shape));
  Shape out;
  try {
    out = broadcastShapes(in.shape(), shape);
  } catch (const EvalError &) {
    fail("expand", "cannot broadcast input of shape " + shapeToString(in.shape()) +
                       " to " + shapeToString(shape));
  }
  return {broadcastTo(in, out)};
}

std::vector<Tensor> tileKernel(const KernelArgs &a) {
  const Tensor &in = a.required(0, "input");
  Ints reps = intList(a.required(1, "repeats"), "tile", "repeats");
  int64_t r = in.rank();
  if (static_cast<int64_t>(reps.size()) != r)
    fail("tile", "repeats has " + std::to_string(reps.size()) +
                     " entries but the input has rank " + std::to_string(r));
  Shape out(r);
  for (int64_t d = 0; d < r; ++d) {
    if (reps[d] < 0)
      fail("tile", "negative repeat " + std::to_string(reps[d]));
    out[d] = in.shape()[d] * reps[d];
  }
  Tensor result(in.dtype(), out);
  int64_t n = result.numel();
  size_t es = dtypeSize(in.dtype());
  const uint8_t *src = static_cast<const uint8_t *>(in.raw());
  uint8_t *dst = n ? static_cast<uint8_t *>(result.mutableRaw()) : nullptr;
  Ints strides = stridesOf(in.shape());
  Ints idx(r, 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t off = 0;
    for (int64_t d = 0; d < r; ++d)
      off += (idx[d] % in.shape()[d]) * strides[d];
    std::memcpy(dst + i * es, src + off * es, es);
    nextIndex(idx, out);
  }
  return {result};
}

//===----------------------------------------------------------------------===//
// Shape-producing ops
//===----------------------------------------------------------------------===//

std::vector<Tensor> shapeKernel(const KernelArgs &a) {
  const Tensor &data = a.required(0, "data");
  int64_t r = data.rank();
  auto clampIdx = [r](int64_t v) {
    if (v < 0)
      v += r;
    return std::clamp<int64_t>(v, 0, r);
  };
  int64_t start = clampIdx(a.attrs.getInt("start", 0));
  int64_t end = a.attrs.has("end") ? clampIdx(a.attrs.getInt("end")) : r;
  Ints dims;
  for (int64_t i = start; i < end; ++i)
    dims.push_back(data.shape()[i]);
  return {Tensor::fromInts(dims, {static_cast<int64_t>(dims.size())})};
}

std::vector<Tensor> sizeKernel(const KernelArgs &a) {
  return {Tensor::fromInts({a.required(0, "data").numel()}, {})};
}

std::vector<Tensor> constantOfShapeKernel(const KernelArgs &a) {
  Ints shape = intList(a.required(0, "input"), "constant_of_shape", "input");
  for (int64_t d : shape)
    if (d < 0)
      fail("constant_of_shape", "negative dimension in shape " + shapeToString(shape));
  if (!a.attrs.has("value"))
    return {Tensor(DType::F32, shape)};
  const Tensor &v = a.attrs.getTensor("value");
  if (v.numel() != 1)
    fail("constant_of_shape", "value must hold exactly one element, got shape " +
                                  shapeToString(v.shape()));
  Tensor out(v.dtype(), shape);
  size_t es = dtypeSize(v.dtype());
  int64_t n = out.numel();
  if (n) {
    uint8_t *dst = static_cast<uint8_t *>(out.mutableRaw());
    for (int64_t i = 0; i < n; ++i)
      std::memcpy(dst + i * es, v.raw(), es);
  }
  return {out};
}

std::vector<Tensor> rangeKernel(const KernelArgs &a) {
  const Tensor &s = a.required(0, "start");
  const Tensor &l = a.required(1, "limit");
  const Tensor &d = a.required(2, "delta");
  for (const Tensor *t : {&s, &l, &d})
    if (t->numel() != 1)
      fail("range", "start, limit and delta must be scalars, got shape " +
                        shapeToString(t->shape()));
  if (s.dtype() != l.dtype() || s.dtype() != d.dtype())
    fail("range", "start, limit and delta must have the same dtype");
  DType dt = s.dtype();
  if (dt == DType::Bool)
    fail("range", "bool is not a valid dtype");
  if (isFloat(dt)) {
    double start = s.getDouble(0), limit = l.getDouble(0), delta = d.getDouble(0);
    if (delta == 0 || std::isnan(delta))
      fail("range", "delta must be nonzero");
    double cnt = std::ceil((limit - start) / delta);
    if (std::isnan(cnt) || cnt > 1e9)
      fail("range", "invalid or too large element count");
    int64_t n = std::max<int64_t>(0, static_cast<int64_t>(cnt));
    Tensor out(dt, {n});
    for (int64_t i = 0; i < n; ++i)
      out.setDouble(i, start + static_cast<double>(i) * delta);
    return {out};
  }
  int64_t start = s.getInt(0), limit = l.getInt(0), delta = d.getInt(0);
  if (delta == 0)
    fail("range", "delta must be nonzero");
  // ceil((limit - start) / delta) in exact integer arithmetic.
  __int128 diff = static_cast<__int128>(limit) - start;
  __int128 q = diff / delta, rem = diff % delta;
  if (rem != 0 && ((rem > 0) == (delta > 0)))
    ++q;
  if (q > 1000000000)
    fail("range", "too many elements");
  int64_t n = std::max<int64_t>(0, static_cast<int64_t>(q));
  Tensor out(dt, {n});
  for (int64_t i = 0; i < n; ++i)
    out.setInt(i, start + i * delta);
  return {out};
}

std::vector<Tensor> dropoutKernel(const KernelArgs &a) {
  const Tensor &data = a.required(0, "data");
  double ratio = a.input(1) && a.input(1).numel() > 0 ? a.input(1).getDouble(0) : 0.5;
  bool training = a.input(2) && a.input(2).numel() > 0 && a.input(2).getInt(0) != 0;
  Tensor mask(DType::Bool, data.shape());
  int64_t n = data.numel();
  if (!training || ratio == 0) { // inference: identity, nothing dropped
    if (n)
      std::memset(mask.mutableRaw(), 1, n);
    std::vector<Tensor> outs{data};
    if (a.numOutputs > 1)
      outs.push_back(mask);
    return outs;
  }
  if (!(ratio > 0 && ratio < 1))
    fail("dropout", "ratio " + std::to_string(ratio) + " is not in [0, 1)");
  if (!isFloat(data.dtype()))
    fail("dropout", std::string("data must be a float tensor, got ") +
                        dtypeName(data.dtype()));
  // Training mode is random; to stay reproducible the mask is drawn like
  // numpy's RandomState(seed).uniform(0, 1) (MT19937, 53-bit doubles), as
  // ONNX's reference does, with seed 0 when the attribute is absent.
  std::mt19937 gen(static_cast<uint32_t>(a.attrs.getInt("seed", 0)));
  double scale = 1.0 / (1.0 - ratio);
  Tensor out(data.dtype(), data.shape());
  uint8_t *m = n ? static_cast<uint8_t *>(mask.mutableRaw()) : nullptr;
  for (int64_t i = 0; i < n; ++i) {
    uint32_t hi = gen() >> 5, lo = gen() >> 6;
    double u = (hi * 67108864.0 + lo) / 9007199254740992.0;
    m[i] = u >= ratio;
    out.setDouble(i, m[i] ? data.getDouble(i) * scale : 0.0);
  }
  std::vector<Tensor> outs{out};
  if (a.numOutputs > 1)
    outs.push_back(mask);
  return outs;
}

//===----------------------------------------------------------------------===//
// Pad
//===----------------------------------------------------------------------===//

std::vector<Tensor> padKernel(const KernelArgs &a) {
  const Tensor &data = a.required(0, "data");
  Ints pads = intList(a.required(1, "pads"), "pad", "pads");
  std::string mode = a.attrs.getString("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap")
    fail("pad", "unknown mode '" + mode + "'");
  int64_t r = data.rank();
  Ints axes;
  if (a.input(3)) {
    axes = intList(a.input(3), "pad", "axes");
  } else {
    for (int64_t i = 0; i < r; ++i)
      axes.push_back(i);
  }
  if (pads.size() != 2 * axes.size())
    fail("pad", "pads has " + std::to_string(pads.size()) + " entries, expected " +
                    std::to_string(2 * axes.size()));
  Ints begin(r, 0), end(r, 0);
  std::vector<bool> seen(r, false);
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t ax = checkAxis(axes[i], r, "pad: axis");
    if (seen[ax])
      fail("pad", "axis " + std::to_string(axes[i]) + " is repeated");
    seen[ax] = true;
    begin[ax] = pads[i];
    end[ax] = pads[i + axes.size()];
  }
  Shape out(r);
  for (int64_t d = 0; d < r; ++d) {
    out[d] = data.shape()[d] + begin[d] + end[d];
    if (out[d] < 0)
      fail("pad", "pads " + shapeToString(pads) + " crop more than the input shape " +
                      shapeToString(data.shape()));
    if (mode != "constant" && data.shape()[d] == 0 && out[d] > 0)
      fail("pad", "cannot pad an empty axis in " + mode + " mode");
  }
  Tensor result(data.dtype(), out);
  int64_t n = result.numel();
  if (n == 0)
    return {result};
  size_t es = dtypeSize(data.dtype());
  // The constant value, converted to the data dtype (default 0).
  Tensor value(data.dtype(), {});
  const Tensor &cv = a.input(2);
  if (cv && cv.numel() > 0) {
    if (cv.numel() != 1)
      fail("pad", "constant_value must be a scalar");
    value = cv.cast(data.dtype());
  }
  const uint8_t *src = static_cast<const uint8_t *>(data.raw());
  const uint8_t *cst = static_cast<const uint8_t *>(value.raw());
  uint8_t *dst = static_cast<uint8_t *>(result.mutableRaw());
  Ints strides = stridesOf(data.shape());
  Ints idx(r, 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t off = 0;
    bool inside = true;
    for (int64_t d = 0; d < r && inside; ++d) {
      int64_t dim = data.shape()[d];
      int64_t c = idx[d] - begin[d];
      if (c < 0 || c >= dim) {
        if (mode == "constant") {
          inside = false;
        } else if (mode == "edge") {
          c = c < 0 ? 0 : dim - 1;
        } else if (mode == "wrap") {
          c = ((c % dim) + dim) % dim;
        } else { // reflect, possibly several times
          if (dim == 1) {
            c = 0;
          } else {
            int64_t period = 2 * (dim - 1);
            c = ((c % period) + period) % period;
            if (c >= dim)
              c = period - c;
          }
        }
      }
      off += c * strides[d];
    }
    std::memcpy(dst + i * es, inside ? src + off * es : cst, es);
    nextIndex(idx, out);
  }
  return {result};
}

//===----------------------------------------------------------------------===//
// DepthToSpace / SpaceToDepth
//===----------------------------------------------------------------------===//

std::vector<Tensor> depthToSpaceKernel(const KernelArgs &a) {
  const Tensor &in = a.required(0, "input");
  if (in.rank() != 4)
    fail("depth_to_space", "input must be 4-D, got shape " + shapeToString(in.shape()));
  int64_t b = a.attrs.getInt("blocksize");
  std::string mode = a.attrs.getString("mode", "DCR");
  int64_t N = in.shape()[0], C = in.shape()[1], H = in.shape()[2], W = in.shape()[3];
  if (b <= 0 || C % (b * b) != 0)
    fail("depth_to_space", "channel count " + std::to_string(C) +
                               " is not divisible by blocksize^2 (blocksize " +
                               std::to_string(b) + ")");
  int64_t c = C / (b * b);
  Tensor t;
  if (mode == "DCR")
    t = permuteView(in, {N, b, b, c, H, W}, {0, 3, 4, 1, 5, 2});
  else if (mode == "CRD")
    t = permuteView(in, {N, c, b, b, H, W}, {0, 1, 4, 2, 5, 3});
  else
    fail("depth_to_space", "unknown mode '" + mode + "'");
  return {t.reshaped({N, c, H * b, W * b})};
}

std::vector<Tensor> spaceToDepthKernel(const KernelArgs &a) {
  const Tensor &in = a.required(0, "input");
  if (in.rank() != 4)
    fail("space_to_depth", "input must be 4-D, got shape " + shapeToString(in.shape()));
  int64_t b = a.attrs.getInt("blocksize");
  int64_t N = in.shape()[0], C = in.shape()[1], H = in.shape()[2], W = in.shape()[3];
  if (b <= 0 || H % b != 0 || W % b != 0)
    fail("space_to_depth", "spatial dims " + std::to_string(H) + "x" + std::to_string(W) +
                               " are not divisible by blocksize " + std::to_string(b));
  Tensor t = permuteView(in, {N, C, H / b, b, W / b, b}, {0, 3, 5, 1, 2, 4});
  return {t.reshaped({N, C * b * b, H / b, W / b})};
}

//===----------------------------------------------------------------------===//
// EyeLike / Trilu
//===----------------------------------------------------------------------===//

std::vector<Tensor> eyeLikeKernel(const KernelArgs &a) {
  const Tensor &in = a.required(0, "input");
  if (in.rank() != 2)
    fail("eye_like", "input must be 2-D, got shape " + shapeToString(in.shape()));
  DType dt = in.dtype();
  if (a.attrs.has("dtype")) {
    int64_t code = a.attrs.getInt("dtype");
    if (!dtypeFromOnnx(code, dt))
      fail("eye_like", "unsupported dtype code " + std::to_string(code));
  }
  int64_t k = a.attrs.getInt("k", 0);
  int64_t rows = in.shape()[0], cols = in.shape()[1];
  Tensor out(dt, in.shape());
  for (int64_t i = 0; i < rows; ++i) {
    int64_t j = i + k;
    if (j >= 0 && j < cols)
      out.setInt(i * cols + j, 1);
  }
  return {out};
}

std::vector<Tensor> triluKernel(const KernelArgs &a) {
  const Tensor &in = a.required(0, "input");
  if (in.rank() < 2)
    fail("trilu", "input must have rank >= 2, got shape " + shapeToString(in.shape()));
  int64_t k = a.input(1) ? scalarInt(a.input(1), "trilu", "k") : 0;
  bool upper = a.attrs.getInt("upper", 1) != 0;
  int64_t rows = in.dim(-2), cols = in.dim(-1);
  Tensor out(in.dtype(), in.shape());
  int64_t n = in.numel();
  if (n == 0)
    return {out};
  size_t es = dtypeSize(in.dtype());
  const uint8_t *src = static_cast<const uint8_t *>(in.raw());
  uint8_t *dst = static_cast<uint8_t *>(out.mutableRaw());
  for (int64_t e = 0; e < n; ++e) {
    int64_t j = e % cols, i = (e / cols) % rows;
    bool keep = upper ? (j - i >= k) : (j - i <= k);
    if (keep)
      std::memcpy(dst + e * es, src + e * es, es);
  }
  return {out};
}

} // namespace

void registerShapeKernels(KernelRegistry &r) {
  r.add("reshape", reshapeKernel);
  r.add("flatten", flattenKernel);
  r.add("squeeze", squeezeKernel);
  r.add("unsqueeze", unsqueezeKernel);
  r.add("transpose", transposeKernel);
  r.add("concat", concatKernel);
  r.add("split", splitKernel);
  r.add("expand", expandKernel);
  r.add("tile", tileKernel);
  r.add("shape", shapeKernel);
  r.add("size", sizeKernel);
  r.add("constant_of_shape", constantOfShapeKernel);
  r.add("range", rangeKernel);
  r.add("dropout", dropoutKernel);
  r.add("pad", padKernel);
  r.add("depth_to_space", depthToSpaceKernel);
  r.add("space_to_depth", spaceToDepthKernel);
  r.add("eye_like", eyeLikeKernel);
  r.add("trilu", triluKernel);
}

} // namespace txc::ref
