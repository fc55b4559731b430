//===- ShapeRulesNN.cpp - Shape rules of linalg, NN, quant, attention -----===//

#include "ir/ShapeRuleUtils.h"

using namespace mlir;

namespace txc {
using Types = shape_rules::Types;

/// Numpy matmul: 1-D operands get a dim prepended/appended and removed.
static LogicalResult matmulShape(Operation *op, Value a, Value b, Type elem,
                                 Types &types) {
  auto ta = rankedType(a), tb = rankedType(b);
  if (!ta || !tb) {
    types.push_back(unrankedOf(elem));
    return success();
  }
  if (ta.getRank() == 0 || tb.getRank() == 0)
    return op->emitOpError("operands must have rank >= 1");
  DimList da = getDims(ta), db = getDims(tb);
  bool aVec = da.size() == 1, bVec = db.size() == 1;
  if (aVec)
    da.insert(da.begin(), Dim::fixed(1));
  if (bVec)
    db.push_back(Dim::fixed(1));
  Dim k1 = da.back(), k2 = db[db.size() - 2];
  if (!dimsCompatible(k1, k2))
    return op->emitOpError() << "inner dims do not match: A is "
                             << dimsToString(getDims(ta)) << ", B is "
                             << dimsToString(getDims(tb));
  DimList batchA(da.begin(), da.end() - 2), batchB(db.begin(), db.end() - 2);
  auto tA = makeTensorType(batchA, elem), tB = makeTensorType(batchB, elem);
  DimList out;
  if (failed(broadcastAll(op, {tA, tB}, out)))
    return failure();
  if (!aVec)
    out.push_back(da[da.size() - 2]);
  if (!bVec)
    out.push_back(db.back());
  types.push_back(makeTensorType(out, elem));
  return success();
}

LogicalResult MatMulOp::inferResultTypes(Types &types) {
  if (elementTypeOf(getA()) != elementTypeOf(getB()))
    return emitOpError() << "A and B have different element types "
                         << elementTypeOf(getA()) << " and " << elementTypeOf(getB());
  return matmulShape(*this, getA(), getB(), elementTypeOf(getA()), types);
}

LogicalResult MatMulIntegerOp::inferResultTypes(Types &types) {
  return matmulShape(*this, getA(), getB(), IntegerType::get(getContext(), 32),
                     types);
}

LogicalResult QLinearMatMulOp::inferResultTypes(Types &types) {
  return matmulShape(*this, getA(), getB(), elementTypeOf(getYZeroPoint()),
                     types);
}

LogicalResult GemmOp::inferResultTypes(Types &types) {
  Type elem = elementTypeOf(getA());
  auto ta = rankedType(getA()), tb = rankedType(getB());
  if (!ta || !tb) {
    types.push_back(makeTensorType(DimList(2), elem));
    return success();
  }
  if (ta.getRank() != 2 || tb.getRank() != 2)
    return emitOpError() << "A and B must be 2-D, got ranks " << ta.getRank()
                         << " and " << tb.getRank();
  DimList da = getDims(ta), db = getDims(tb);
  Dim m = getTransA() ? da[1] : da[0], ka = getTransA() ? da[0] : da[1];
  Dim kb = getTransB() ? db[1] : db[0], n = getTransB() ? db[0] : db[1];
  if (!dimsCompatible(ka, kb))
    return emitOpError() << "inner dims do not match: " << dimToString(ka)
                         << " vs " << dimToString(kb);
  if (auto tc = rankedType(getC())) {
    DimList out;
    if (failed(broadcastAll(*this, {makeTensorType({m, n}, elem), tc}, out)))
      return failure();
    if (out.size() != 2)
      return emitOpError("C must be unidirectionally broadcastable to [M, N]");
  }
  types.push_back(makeTensorType({m, n}, elem));
  return success();
}

namespace {
/// Spatial attributes shared by Conv and the pooling ops.
struct WindowAttrs {
  SmallVector<int64_t> kernel, strides, dilations, pads;
  StringRef autoPad;
  bool ceilMode = false;
};
} // namespace

static SmallVector<int64_t> intsOr(std::optional<ArrayAttr> a, size_t n,
                                   int64_t dflt) {
  SmallVector<int64_t> out;
  if (a)
    for (Attribute x : *a)
      out.push_back(llvm::cast<IntegerAttr>(x).getInt());
  else
    out.assign(n, dflt);
  return out;
}

/// Output spatial dims of a sliding window (ONNX Conv/Pool formulas).
static LogicalResult windowOutput(Operation *op, ArrayRef<Dim> in,
                                  WindowAttrs &w, DimList &out) {
  size_t n = in.size();
  if (w.kernel.size() != n || w.strides.size() != n || w.dilations.size() != n)
    return op->emitOpError() << "kernel_shape, strides and dilations need "
                             << n << " entries";
  if (w.pads.size() != 2 * n)
    return op->emitOpError() << "pads needs " << 2 * n << " entries";
  for (size_t i = 0; i < n; ++i) {
    if (w.strides[i] <= 0 || w.dilations[i] <= 0 || w.kernel[i] <= 0)
      return op->emitOpError("kernel_shape, strides and dilations must be positive");
    if (!in[i].isStatic()) {
      // A window that preserves the length (stride 1, padding = extent - 1)
      // keeps the dim, and its name.
      int64_t ek = (w.kernel[i] - 1) * w.dilations[i] + 1;
      bool same = w.strides[i] == 1 &&
                  (w.autoPad == "SAME_UPPER" || w.autoPad == "SAME_LOWER" ||
                   (w.autoPad != "VALID" && w.pads[i] + w.pads[i + n] == ek - 1));
      out.push_back(same ? in[i] : Dim::unknown());
      continue;
    }
    int64_t size = in[i].size, s = w.strides[i];
    int64_t ek = (w.kernel[i] - 1) * w.dilations[i] + 1;
    int64_t o;
    if (w.autoPad == "SAME_UPPER" || w.autoPad == "SAME_LOWER") {
      o = (size + s - 1) / s;
    } else if (w.autoPad == "VALID") {
      o = (size - ek) / s + 1;
      if (w.ceilMode)
        o = (size - ek + s - 1) / s + 1;
    } else {
      int64_t span = size + w.pads[i] + w.pads[i + n] - ek;
      if (span < 0)
        return op->emitOpError() << "window of extent " << ek
                                 << " does not fit spatial dim " << i
                                 << " of size " << size;
      o = w.ceilMode ? (span + s - 1) / s + 1 : span / s + 1;
      // A window must start inside the input or left padding (ceil mode).
      if (w.ceilMode && (o - 1) * s >= size + w.pads[i])
        --o;
    }
    out.push_back(Dim::fixed(std::max<int64_t>(o, 0)));
  }
  return success();
}

static LogicalResult poolShape(Operation *op, Value x, ArrayAttr kernel,
                               std::optional<ArrayAttr> strides,
                               std::optional<ArrayAttr> dilations,
                               std::optional<ArrayAttr> pads, StringRef autoPad,
                               bool ceilMode, Type elem, Types &types) {
  auto t = rankedType(x);
  if (!t) {
    types.push_back(unrankedOf(elem));
    return success();
  }
  if (t.getRank() < 3)
    return op->emitOpError() << "expects input [N, C, spatial...], got rank "
                             << t.getRank();
  size_t n = t.getRank() - 2;
  WindowAttrs w;
  w.kernel = intsOr(kernel, n, 1);
  w.strides = intsOr(strides, n, 1);
  w.dilations = intsOr(dilations, n, 1);
  w.pads = intsOr(pads, 2 * n, 0);
  w.autoPad = autoPad;
  w.ceilMode = ceilMode;
  DimList dims = getDims(t), out{dims[0], dims[1]};
  if (failed(windowOutput(op, ArrayRef<Dim>(dims).drop_front(2), w, out)))
    return failure();
  types.push_back(makeTensorType(out, elem));
  return success();
}

LogicalResult MaxPoolOp::inferResultTypes(Types &types) {
  if (failed(poolShape(*this, getX(), getKernelShape(), getStrides(),
                       getDilations(), getPads(), getAutoPad(),
                       getCeilMode() != 0, elementTypeOf(getX()), types)))
    return failure();
  types.push_back(withElementType(types.back(), i64Type(getContext())));
  return success();
}
LogicalResult AveragePoolOp::inferResultTypes(Types &types) {
  return poolShape(*this, getX(), getKernelShape(), getStrides(), getDilations(),
                   getPads(), getAutoPad(), getCeilMode() != 0,
                   elementTypeOf(getX()), types);
}
LogicalResult LpPoolOp::inferResultTypes(Types &types) {
  return poolShape(*this, getX(), getKernelShape(), getStrides(), getDilations(),
                   getPads(), getAutoPad(), getCeilMode() != 0,
                   elementTypeOf(getX()), types);
}

static LogicalResult globalPool(Operation *op, Value x, Types &types) {
  auto t = rankedType(x);
  if (!t) {
    types.push_back(x.getType());
    return success();
  }
  if (t.getRank() < 2)
    return op->emitOpError("expects input [N, C, spatial...]");
  DimList d = getDims(t);
  for (size_t i = 2; i < d.size(); ++i)
    d[i] = Dim::fixed(1);
  types.push_back(makeTensorType(d, t.getElementType()));
  return success();
}
LogicalResult GlobalAveragePoolOp::inferResultTypes(Types &types) {
  return globalPool(*this, getX(), types);
}
LogicalResult GlobalMaxPoolOp::inferResultTypes(Types &types) {
  return globalPool(*this, getX(), types);
}

/// Conv, ConvInteger and QLinearConv: [N, M, spatial out...].
template <typename ConvLikeOp>
static LogicalResult convShape(ConvLikeOp op, Value x, Value w, Type elem,
                               Types &types) {
  auto tx = rankedType(x), tw = rankedType(w);
  if (!tx || !tw) {
    types.push_back(unrankedOf(elem));
    return success();
  }
  if (tx.getRank() < 3 || tw.getRank() != tx.getRank())
    return op.emitOpError() << "X [N, C, spatial...] and W [M, C/group, k...] "
                               "must have the same rank >= 3, got "
                            << tx.getRank() << " and " << tw.getRank();
  size_t n = tx.getRank() - 2;
  DimList dx = getDims(tx), dw = getDims(tw);
  if (dx[1].isStatic() && dw[1].isStatic() &&
      dx[1].size != dw[1].size * op.getGroup())
    return op.emitOpError() << "input channels " << dx[1].size
                            << " != W channels " << dw[1].size << " x group "
                            << op.getGroup();
  WindowAttrs win;
  if (op.getKernelShape()) {
    win.kernel = intsOr(op.getKernelShape(), n, 1);
  } else {
    for (size_t i = 0; i < n; ++i) {
      if (!dw[2 + i].isStatic()) {
        types.push_back(makeTensorType(DimList(tx.getRank()), elem));
        return success();
      }
      win.kernel.push_back(dw[2 + i].size);
    }
  }
  win.strides = intsOr(op.getStrides(), n, 1);
  win.dilations = intsOr(op.getDilations(), n, 1);
  win.pads = intsOr(op.getPads(), 2 * n, 0);
  win.autoPad = op.getAutoPad();
  DimList out{dx[0], dw[0]};
  if (failed(windowOutput(op, ArrayRef<Dim>(dx).drop_front(2), win, out)))
    return failure();
  types.push_back(makeTensorType(out, elem));
  return success();
}

LogicalResult ConvOp::inferResultTypes(Types &types) {
  return convShape(*this, getX(), getW(), elementTypeOf(getX()), types);
}
LogicalResult ConvIntegerOp::inferResultTypes(Types &types) {
  return convShape(*this, getX(), getW(), IntegerType::get(getContext(), 32),
                   types);
}
LogicalResult QLinearConvOp::inferResultTypes(Types &types) {
  return convShape(*this, getX(), getW(), elementTypeOf(getYZeroPoint()), types);
}

LogicalResult MaxUnpoolOp::inferResultTypes(Types &types) {
  Type elem = elementTypeOf(getX());
  auto t = rankedType(getX());
  if (!t) {
    types.push_back(unrankedOf(elem));
    return success();
  }
  if (!isNone(getOutputShape())) {
    auto shape = getConstantInts(getOutputShape());
    DimList dims;
    if (shape)
      for (int64_t d : *shape)
        dims.push_back(Dim::fixed(d));
    types.push_back(shape ? Type(makeTensorType(dims, elem))
                          : Type(makeTensorType(DimList(t.getRank()), elem)));
    return success();
  }
  size_t n = t.getRank() - 2;
  auto kernel = intsOr(getKernelShape(), n, 1);
  auto strides = intsOr(getStrides(), n, 1), pads = intsOr(getPads(), 2 * n, 0);
  if (kernel.size() != n || strides.size() != n || pads.size() != 2 * n)
    return emitOpError("kernel_shape, strides and pads do not match the input rank");
  DimList d = getDims(t), out{d[0], d[1]};
  for (size_t i = 0; i < n; ++i)
    out.push_back(d[2 + i].isStatic()
                      ? Dim::fixed((d[2 + i].size - 1) * strides[i] + kernel[i] -
                                   pads[i] - pads[i + n])
                      : Dim::unknown());
  types.push_back(makeTensorType(out, elem));
  return success();
}

LogicalResult ConvTransposeOp::inferResultTypes(Types &types) {
  Type elem = elementTypeOf(getX());
  auto tx = rankedType(getX()), tw = rankedType(getW());
  if (!tx || !tw) {
    types.push_back(unrankedOf(elem));
    return success();
  }
  if (tx.getRank() < 3 || tw.getRank() != tx.getRank())
    return emitOpError("X and W must have the same rank >= 3");
  size_t n = tx.getRank() - 2;
  DimList dx = getDims(tx), dw = getDims(tw);
  Dim channels = dw[1].isStatic() ? Dim::product(dw[1].size, getGroup()) : Dim::unknown();
  DimList out{dx[0], channels};
  if (auto os = getOutputShape()) {
    auto shape = intsOr(os, n, 0);
    for (size_t i = 0; i < n; ++i)
      out.push_back(Dim::fixed(shape[shape.size() - n + i]));
    types.push_back(makeTensorType(out, elem));
    return success();
  }
  auto strides = intsOr(getStrides(), n, 1), dil = intsOr(getDilations(), n, 1);
  auto pads = intsOr(getPads(), 2 * n, 0), outPad = intsOr(getOutputPadding(), n, 0);
  auto kernel = getKernelShape() ? intsOr(getKernelShape(), n, 1) : SmallVector<int64_t>();
  for (size_t i = 0; i < n; ++i) {
    int64_t k = kernel.empty() ? (dw[2 + i].isStatic() ? dw[2 + i].size : -1) : kernel[i];
    if (!dx[2 + i].isStatic() || k < 0) {
      out.push_back(Dim::unknown());
      continue;
    }
    int64_t in = dx[2 + i].size;
    if (getAutoPad() == "SAME_UPPER" || getAutoPad() == "SAME_LOWER")
      out.push_back(Dim::product(in, strides[i]));
    else
      out.push_back(Dim::fixed(strides[i] * (in - 1) + outPad[i] +
                               (k - 1) * dil[i] + 1 - pads[i] - pads[i + n]));
  }
  types.push_back(makeTensorType(out, elem));
  return success();
}

LogicalResult BatchNormalizationOp::inferResultTypes(Types &types) {
  types.push_back(getX().getType());
  types.push_back(getInputMean().getType());
  types.push_back(getInputVar().getType());
  return success();
}

LogicalResult LayerNormalizationOp::inferResultTypes(Types &types) {
  types.push_back(getX().getType());
  Type stash = getStashType() == 1 ? FloatType::getF32(getContext())
                                   : elementTypeOf(getX());
  auto t = rankedType(getX());
  if (!t) {
    types.push_back(unrankedOf(stash));
    types.push_back(unrankedOf(stash));
    return success();
  }
  int64_t axis = getAxis();
  if (failed(normalizeAxis(*this, axis, t.getRank())))
    return failure();
  DimList dims = getDims(t);
  if (auto ts = rankedType(getScale())) {
    DimList sd = getDims(ts);
    if (static_cast<int64_t>(sd.size()) > t.getRank() - axis)
      return emitOpError() << "Scale " << dimsToString(sd)
                           << " has more dims than the normalized part of X "
                           << dimsToString(DimList(dims.begin() + axis, dims.end()));
    for (size_t i = 0; i < sd.size(); ++i) {
      const Dim &xd = dims[dims.size() - sd.size() + i];
      if (!(sd[i].isStatic() && sd[i].size == 1) && !dimsCompatible(sd[i], xd))
        return emitOpError() << "Scale " << dimsToString(sd)
                             << " does not broadcast to X " << dimsToString(dims);
    }
  }
  for (int64_t i = axis; i < t.getRank(); ++i)
    dims[i] = Dim::fixed(1);
  types.push_back(makeTensorType(dims, stash));
  types.push_back(makeTensorType(dims, stash));
  return success();
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

LogicalResult QuantizeLinearOp::inferResultTypes(Types &types) {
  Type elem;
  if (!isNone(getYZeroPoint()))
    elem = elementTypeOf(getYZeroPoint());
  else if (getOutputDtype() != 0)
    elem = elementTypeFromOnnx(getContext(), getOutputDtype());
  else
    elem = IntegerType::get(getContext(), 8, IntegerType::Unsigned);
  if (!elem)
    return emitOpError() << "unsupported output_dtype " << getOutputDtype();
  types.push_back(withElementType(getX().getType(), elem));
  return success();
}

LogicalResult DequantizeLinearOp::inferResultTypes(Types &types) {
  Type elem = elementTypeOf(getXScale());
  if (getOutputDtype() != 0)
    elem = elementTypeFromOnnx(getContext(), getOutputDtype());
  if (!elem)
    return emitOpError() << "unsupported output_dtype " << getOutputDtype();
  types.push_back(withElementType(getX().getType(), elem));
  return success();
}

LogicalResult DynamicQuantizeLinearOp::inferResultTypes(Types &types) {
  Type u8 = IntegerType::get(getContext(), 8, IntegerType::Unsigned);
  types.push_back(withElementType(getX().getType(), u8));
  types.push_back(RankedTensorType::get({}, FloatType::getF32(getContext())));
  types.push_back(RankedTensorType::get({}, u8));
  return success();
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

/// ONNX Attention: Q [B, Hq, S, D] or [B, S, Hq*D]; K/V likewise with Hkv
/// heads and the KV sequence; past K/V are concatenated along the sequence.
LogicalResult AttentionOp::inferResultTypes(Types &types) {
  Type elem = elementTypeOf(getQ());
  auto tq = rankedType(getQ()), tk = rankedType(getK()), tv = rankedType(getV());
  auto unknownAll = [&] {
    for (int i = 0; i < 4; ++i)
      types.push_back(unrankedOf(elem));
    return success();
  };
  if (!tq || !tk || !tv)
    return unknownAll();
  int64_t rank = tq.getRank();
  if ((rank != 3 && rank != 4) || tk.getRank() != rank || tv.getRank() != rank)
    return emitOpError() << "Q, K and V must all be 3-D or all 4-D, got ranks "
                         << tq.getRank() << ", " << tk.getRank() << ", "
                         << tv.getRank();
  DimList q = getDims(tq), k = getDims(tk), v = getDims(tv);
  Dim batch = q[0], qSeq, kvSeq = k[rank == 4 ? 2 : 1], qHeads, kvHeads, headDim,
      vHeadDim;
  if (rank == 4) {
    qHeads = q[1];
    qSeq = q[2];
    headDim = q[3];
    kvHeads = k[1];
    vHeadDim = v[3];
    if (!dimsCompatible(k[3], headDim))
      return emitOpError() << "Q head size " << dimToString(headDim)
                           << " != K head size " << dimToString(k[3]);
  } else {
    if (!getQNumHeads() || !getKvNumHeads())
      return emitOpError("3-D inputs need q_num_heads and kv_num_heads");
    qHeads = Dim::fixed(*getQNumHeads());
    kvHeads = Dim::fixed(*getKvNumHeads());
    qSeq = q[1];
    headDim = q[2].isStatic() ? Dim::fixed(q[2].size / *getQNumHeads()) : Dim::unknown();
    vHeadDim = v[2].isStatic() ? Dim::fixed(v[2].size / *getKvNumHeads()) : Dim::unknown();
    if (q[2].isStatic() && q[2].size % *getQNumHeads())
      return emitOpError() << "Q hidden size " << q[2].size
                           << " is not divisible by q_num_heads";
  }
  if (qHeads.isStatic() && kvHeads.isStatic() && kvHeads.size &&
      qHeads.size % kvHeads.size)
    return emitOpError() << "q heads " << qHeads.size
                         << " not a multiple of kv heads " << kvHeads.size;
  // Total KV length: past + new.
  Dim total = kvSeq;
  if (auto tp = rankedType(getPastKey())) {
    if (tp.getRank() != 4)
      return emitOpError("past_key must be 4-D");
    Dim past = getDims(tp)[2];
    if (past.isStatic() && kvSeq.isStatic())
      total = Dim::fixed(past.size + kvSeq.size);
    else if (past.isNamed() && kvSeq.isNamed())
      total = Dim::named(StringAttr::get(
          getContext(), past.name.getValue() + "+" + kvSeq.name.getValue()));
    else
      total = Dim::unknown();
  } else if (!isNone(getPastKey())) {
    total = Dim::unknown();
  }
  if (rank == 4)
    types.push_back(makeTensorType({batch, qHeads, qSeq, vHeadDim}, elem));
  else
    types.push_back(makeTensorType(
        {batch, qSeq,
         qHeads.isStatic() && vHeadDim.isStatic() ? Dim::product(qHeads.size, vHeadDim.size)
                                                  : Dim::unknown()},
        elem));
  types.push_back(makeTensorType({batch, kvHeads, total, headDim}, elem));
  types.push_back(makeTensorType({batch, kvHeads, total, vHeadDim}, elem));
  types.push_back(makeTensorType({batch, qHeads, qSeq, total}, elem));
  return success();
}

} // namespace txc
