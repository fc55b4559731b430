//===- ShapeRulesShape.cpp - Shape rules of data-movement ops -------------===//

#include "ir/ShapeRuleUtils.h"

#include "llvm/ADT/StringExtras.h"

using namespace mlir;

namespace txc {
using Types = shape_rules::Types;

LogicalResult ConstantOp::inferResultTypes(Types &types) {
  auto t = llvm::dyn_cast<RankedTensorType>(getValue().getType());
  if (!t)
    return emitOpError("value must be a ranked tensor");
  types.push_back(t);
  return success();
}

/// Reshape: 0 copies the input dim (unless allowzero), -1 is inferred from
/// the element count; dims from Shape chains keep their names.
LogicalResult ReshapeOp::inferResultTypes(Types &types) {
  Type elem = elementTypeOf(getData());
  auto target = getSymbolicInts(getShape());
  if (!target) {
    types.push_back(unrankedOf(elem));
    return success();
  }
  auto in = rankedType(getData());
  DimList inDims = in ? getDims(in) : DimList();
  DimList out;
  int64_t inferIdx = -1;
  for (auto [i, e] : llvm::enumerate(*target)) {
    if (e.isConstant() && e.value == -1) {
      if (inferIdx >= 0)
        return emitOpError("shape has more than one -1");
      inferIdx = i;
      out.push_back(Dim::unknown());
    } else if (e.isConstant() && e.value == 0 && !getAllowzero()) {
      if (!in)
        out.push_back(Dim::unknown());
      else if (static_cast<int64_t>(i) >= in.getRank())
        return emitOpError() << "shape[" << i
                             << "] = 0 copies a dim the input (rank "
                             << in.getRank() << ") does not have";
      else
        out.push_back(inDims[i]);
    } else if (e.isConstant() && e.value < -1) {
      return emitOpError() << "shape[" << i << "] = " << e.value
                           << " is invalid";
    } else {
      out.push_back(e.asDim());
    }
  }
  if (in) {
    // Cancel dims known equal on both sides (static sizes multiply, named
    // dims cancel by name) to find -1 or check the element counts.
    int64_t inStatic = 1, outStatic = 1;
    SmallVector<StringAttr> inNames, outNames;
    bool inUnknown = false, outUnknown = false;
    for (const Dim &d : inDims) {
      if (d.isStatic()) inUnknown |= __builtin_mul_overflow(inStatic, d.size, &inStatic);
      else if (d.isNamed()) inNames.push_back(d.name);
      else inUnknown = true;
    }
    for (auto [i, d] : llvm::enumerate(out)) {
      if (static_cast<int64_t>(i) == inferIdx) continue;
      if (d.isStatic()) outUnknown |= __builtin_mul_overflow(outStatic, d.size, &outStatic);
      else if (d.isNamed()) outNames.push_back(d.name);
      else outUnknown = true;
    }
    // Remove common names.
    for (auto it = outNames.begin(); it != outNames.end();) {
      auto m = llvm::find(inNames, *it);
      if (m != inNames.end()) {
        inNames.erase(m);
        it = outNames.erase(it);
      } else {
        ++it;
      }
    }
    bool exact = !inUnknown && !outUnknown && inNames.empty() && outNames.empty();
    if (inferIdx >= 0) {
      if (exact) {
        if (outStatic == 0 || inStatic % outStatic != 0)
          return emitOpError() << "cannot reshape " << dimsToString(inDims)
                               << " to " << dimsToString(out);
        out[inferIdx] = Dim::fixed(inStatic / outStatic);
      } else if (!inUnknown && !outUnknown && inNames.size() == 1 &&
                 outNames.empty() && inStatic == outStatic) {
        out[inferIdx] = Dim::named(inNames[0]);
      }
    } else if (exact && inStatic != outStatic) {
      return emitOpError() << "cannot reshape " << dimsToString(inDims)
                           << " (" << inStatic << " elements) to "
                           << dimsToString(out) << " (" << outStatic
                           << " elements)";
    }
  }
  types.push_back(makeTensorType(out, elem));
  return success();
}

LogicalResult FlattenOp::inferResultTypes(Types &types) {
  Type elem = elementTypeOf(getInput());
  auto t = rankedType(getInput());
  if (!t) {
    types.push_back(makeTensorType(DimList(2), elem));
    return success();
  }
  int64_t axis = getAxis(), rank = t.getRank();
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis > rank)
    return emitOpError() << "axis " << getAxis()
                         << " is out of range for rank " << rank;
  DimList dims = getDims(t);
  ArrayRef<Dim> all(dims);
  auto collapse = [](ArrayRef<Dim> ds) {
    if (ds.size() == 1)
      return ds[0];
    int64_t p = staticProduct(ds);
    return ShapedType::isDynamic(p) ? Dim::unknown() : Dim::fixed(p);
  };
  Dim outer = axis == 0 ? Dim::fixed(1) : collapse(all.take_front(axis));
  Dim inner = axis == rank ? Dim::fixed(1) : collapse(all.drop_front(axis));
  types.push_back(makeTensorType({outer, inner}, elem));
  return success();
}

LogicalResult SqueezeOp::inferResultTypes(Types &types) {
  Type elem = elementTypeOf(getData());
  auto t = rankedType(getData());
  if (!t) {
    types.push_back(unrankedOf(elem));
    return success();
  }
  DimList dims = getDims(t), out;
  int64_t rank = t.getRank();
  llvm::SmallBitVector drop(rank);
  if (isNone(getAxes())) {
    for (int64_t i = 0; i < rank; ++i) {
      if (!dims[i].isStatic()) { // whether it is 1 is known only at run time
        types.push_back(unrankedOf(elem));
        return success();
      }
      if (dims[i].size == 1)
        drop.set(i);
    }
  } else {
    auto axes = getConstantInts(getAxes());
    if (!axes) {
      types.push_back(unrankedOf(elem));
      return success();
    }
    for (int64_t a : *axes) {
      if (failed(normalizeAxis(*this, a, rank)))
        return failure();
      if (dims[a].isStatic() && dims[a].size != 1)
        return emitOpError() << "cannot squeeze axis " << a << " of size "
                             << dims[a].size;
      drop.set(a);
    }
  }
  for (int64_t i = 0; i < rank; ++i)
    if (!drop.test(i))
      out.push_back(dims[i]);
  types.push_back(makeTensorType(out, elem));
  return success();
}

LogicalResult UnsqueezeOp::inferResultTypes(Types &types) {
  Type elem = elementTypeOf(getData());
  auto t = rankedType(getData());
  auto axes = getConstantInts(getAxes());
  if (!t || !axes) {
    types.push_back(unrankedOf(elem));
    return success();
  }
  int64_t outRank = t.getRank() + axes->size();
  llvm::SmallBitVector inserted(outRank);
  for (int64_t a : *axes) {
    if (failed(normalizeAxis(*this, a, outRank)))
      return failure();
    if (inserted.test(a))
      return emitOpError() << "axis " << a << " appears twice";
    inserted.set(a);
  }
  DimList dims = getDims(t), out;
  size_t j = 0;
  for (int64_t i = 0; i < outRank; ++i)
    out.push_back(inserted.test(i) ? Dim::fixed(1) : dims[j++]);
  types.push_back(makeTensorType(out, elem));
  return success();
}

LogicalResult TransposeOp::inferResultTypes(Types &types) {
  Type elem = elementTypeOf(getData());
  auto t = rankedType(getData());
  if (!t) {
    types.push_back(unrankedOf(elem));
    return success();
  }
  int64_t rank = t.getRank();
  SmallVector<int64_t> perm;
  if (auto p = getPerm()) {
    for (Attribute a : *p)
      perm.push_back(llvm::cast<IntegerAttr>(a).getInt());
  } else {
    for (int64_t i = rank - 1; i >= 0; --i)
      perm.push_back(i);
  }
  if (static_cast<int64_t>(perm.size()) != rank)
    return emitOpError() << "perm has " << perm.size()
                         << " entries for an input of rank " << rank;
  llvm::SmallBitVector seen(rank);
  DimList dims = getDims(t), out;
  for (int64_t p : perm) {
    if (p < 0)
      p += rank;
    if (p < 0 || p >= rank || seen.test(p))
      return emitOpError("perm is not a permutation");
    seen.set(p);
    out.push_back(dims[p]);
  }
  types.push_back(makeTensorType(out, elem));
  return success();
}

LogicalResult ConcatOp::inferResultTypes(Types &types) {
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  Type elem = elementTypeOf(getInputs()[0]);
  SmallVector<RankedTensorType> ins;
  for (auto [i, v] : llvm::enumerate(getInputs())) {
    if (elementTypeOf(v) != elem)
      return emitOpError() << "input #" << i << " has element type "
                           << elementTypeOf(v) << " but input #0 has " << elem;
    if (auto r = rankedType(v))
      ins.push_back(r);
  }
  if (ins.size() != getInputs().size()) {
    types.push_back(unrankedOf(elem));
    return success();
  }
  int64_t rank = ins[0].getRank(), axis = getAxis();
  if (failed(normalizeAxis(*this, axis, rank)))
    return failure();
  DimList out = getDims(ins[0]);
  SmallVector<StringRef> axisNames;
  int64_t axisStatic = 0;
  bool axisUnknown = false;
  for (auto [k, t] : llvm::enumerate(ins)) {
    if (t.getRank() != rank)
      return emitOpError() << "input #" << k << " has rank " << t.getRank()
                           << " but input #0 has rank " << rank;
    DimList dims = getDims(t);
    for (int64_t i = 0; i < rank; ++i) {
      if (i == axis) {
        if (dims[i].isStatic()) axisStatic += dims[i].size;
        else if (dims[i].isNamed()) axisNames.push_back(dims[i].name.getValue());
        else axisUnknown = true;
        continue;
      }
      if (!dimsCompatible(out[i], dims[i]))
        return emitOpError() << "input #" << k << " has shape "
                             << dimsToString(dims) << ", incompatible with "
                             << dimsToString(out) << " outside axis " << axis;
      out[i] = mergeDims(out[i], dims[i]);
    }
  }
  if (axisUnknown) {
    out[axis] = Dim::unknown();
  } else if (axisNames.empty()) {
    out[axis] = Dim::fixed(axisStatic);
  } else {
    // e.g. past_sequence + sequence: a derived name keeps the relation
    // visible in dumps and lets equal sums be recognized later.
    std::string name = llvm::join(axisNames, "+");
    if (axisStatic)
      name += "+" + std::to_string(axisStatic);
    out[axis] = Dim::named(StringAttr::get(getContext(), name));
  }
  types.push_back(makeTensorType(out, elem));
  return success();
}

LogicalResult SplitOp::inferResultTypes(Types &types) {
  Type elem = elementTypeOf(getInput());
  int64_t n = getNumResults();
  auto t = rankedType(getInput());
  if (!t) {
    for (int64_t i = 0; i < n; ++i)
      types.push_back(unrankedOf(elem));
    return success();
  }
  int64_t axis = getAxis();
  if (failed(normalizeAxis(*this, axis, t.getRank())))
    return failure();
  DimList dims = getDims(t);
  SmallVector<Dim> sizes(n, Dim::unknown());
  if (!isNone(getSplit())) {
    if (auto split = getConstantInts(getSplit())) {
      if (static_cast<int64_t>(split->size()) != n)
        return emitOpError() << "split has " << split->size()
                             << " entries but the op has " << n << " outputs";
      int64_t sum = 0;
      for (auto [i, s] : llvm::enumerate(*split)) {
        if (s < 0)
          return emitOpError() << "split[" << i << "] = " << s << " is negative";
        sizes[i] = Dim::fixed(s);
        sum += s;
      }
      if (dims[axis].isStatic() && sum != dims[axis].size)
        return emitOpError() << "split sizes sum to " << sum
                             << " but the axis has size " << dims[axis].size;
    }
  } else if (dims[axis].isStatic()) {
    int64_t total = dims[axis].size;
    int64_t chunk = (total + n - 1) / n;
    if (!getNumOutputs() && total % n != 0)
      return emitOpError() << "axis of size " << total
                           << " cannot be split evenly into " << n << " outputs";
    for (int64_t i = 0; i < n; ++i)
      sizes[i] = Dim::fixed(std::max<int64_t>(0, std::min(chunk, total - i * chunk)));
  }
  for (int64_t i = 0; i < n; ++i) {
    DimList d = dims;
    d[axis] = sizes[i];
    types.push_back(makeTensorType(d, elem));
  }
  return success();
}

LogicalResult ExpandOp::inferResultTypes(Types &types) {
  Type elem = elementTypeOf(getInput());
  auto t = rankedType(getInput());
  auto shape = getSymbolicInts(getShape());
  if (!t || !shape) {
    types.push_back(unrankedOf(elem));
    return success();
  }
  DimList target;
  for (const SymElem &e : *shape)
    target.push_back(e.asDim());
  auto targetType = makeTensorType(target, elem);
  DimList out;
  if (failed(broadcastAll(*this, {t, targetType}, out)))
    return failure();
  types.push_back(makeTensorType(out, elem));
  return success();
}

LogicalResult TileOp::inferResultTypes(Types &types) {
  Type elem = elementTypeOf(getInput());
  auto t = rankedType(getInput());
  if (!t) {
    types.push_back(unrankedOf(elem));
    return success();
  }
  DimList dims = getDims(t);
  auto reps = getConstantInts(getRepeats());
  if (!reps) {
    types.push_back(makeTensorType(DimList(t.getRank()), elem));
    return success();
  }
  if (static_cast<int64_t>(reps->size()) != t.getRank())
    return emitOpError() << "repeats has " << reps->size()
                         << " entries for an input of rank " << t.getRank();
  for (auto [i, r] : llvm::enumerate(*reps)) {
    if (r < 0)
      return emitOpError() << "repeats[" << i << "] = " << r << " is negative";
    if (r != 1)
      dims[i] = dims[i].isStatic() ? Dim::product(dims[i].size, r) : Dim::unknown();
  }
  types.push_back(makeTensorType(dims, elem));
  return success();
}

LogicalResult ShapeOp::inferResultTypes(Types &types) {
  Type i64 = i64Type(getContext());
  auto t = rankedType(getData());
  if (!t) {
    types.push_back(makeTensorType(DimList(1), i64));
    return success();
  }
  int64_t rank = t.getRank();
  int64_t start = getStart(), end = getEnd().value_or(rank);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, 0, rank);
  types.push_back(makeTensorType({Dim::fixed(std::max<int64_t>(0, end - start))}, i64));
  return success();
}

LogicalResult SizeOp::inferResultTypes(Types &types) {
  types.push_back(makeTensorType({}, i64Type(getContext())));
  return success();
}

LogicalResult ConstantOfShapeOp::inferResultTypes(Types &types) {
  Type elem = FloatType::getF32(getContext());
  if (auto v = getValue()) {
    auto vt = llvm::cast<ShapedType>(v->getType());
    if (vt.getNumElements() != 1)
      return emitOpError("value must hold exactly one element");
    elem = vt.getElementType();
  }
  auto shape = getSymbolicInts(getInput());
  if (!shape) {
    types.push_back(unrankedOf(elem));
    return success();
  }
  DimList dims;
  for (const SymElem &e : *shape) {
    if (e.isConstant() && e.value < 0)
      return emitOpError() << "shape has negative dim " << e.value;
    dims.push_back(e.asDim());
  }
  types.push_back(makeTensorType(dims, elem));
  return success();
}

LogicalResult RangeOp::inferResultTypes(Types &types) {
  Type elem = elementTypeOf(getStart());
  if (elementTypeOf(getLimit()) != elem || elementTypeOf(getDelta()) != elem)
    return emitOpError("start, limit and delta must have the same element type");
  auto s = getConstantDoubles(getStart()), l = getConstantDoubles(getLimit()),
       d = getConstantDoubles(getDelta());
  Dim n = Dim::unknown();
  if (s && l && d && s->size() == 1 && l->size() == 1 && d->size() == 1) {
    if ((*d)[0] == 0)
      return emitOpError("delta must not be zero");
    n = Dim::fixed(std::max<int64_t>(
        0, static_cast<int64_t>(std::ceil(((*l)[0] - (*s)[0]) / (*d)[0]))));
  }
  types.push_back(makeTensorType({n}, elem));
  return success();
}

LogicalResult DropoutOp::inferResultTypes(Types &types) {
  types.push_back(getData().getType());
  types.push_back(withElementType(getData().getType(), i1Type(getContext())));
  return success();
}

LogicalResult PadOp::inferResultTypes(Types &types) {
  Type elem = elementTypeOf(getData());
  auto t = rankedType(getData());
  if (!t) {
    types.push_back(unrankedOf(elem));
    return success();
  }
  int64_t rank = t.getRank();
  auto pads = getConstantInts(getPads());
  SmallVector<int64_t> axes;
  if (isNone(getAxes())) {
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  } else if (auto a = getConstantInts(getAxes())) {
    axes = *a;
  } else {
    types.push_back(makeTensorType(DimList(rank), elem));
    return success();
  }
  if (!pads) {
    DimList dims = getDims(t);
    for (int64_t a : axes) {
      if (failed(normalizeAxis(*this, a, rank)))
        return failure();
      dims[a] = Dim::unknown();
    }
    types.push_back(makeTensorType(dims, elem));
    return success();
  }
  if (pads->size() != 2 * axes.size())
    return emitOpError() << "pads has " << pads->size() << " entries, expected "
                         << 2 * axes.size();
  DimList dims = getDims(t);
  for (auto [k, a] : llvm::enumerate(axes)) {
    if (failed(normalizeAxis(*this, a, rank)))
      return failure();
    int64_t extra = (*pads)[k] + (*pads)[k + axes.size()];
    if (dims[a].isStatic()) {
      int64_t sz = dims[a].size + extra;
      if (sz < 0)
        return emitOpError() << "padding makes axis " << a << " negative";
      dims[a] = Dim::fixed(sz);
    } else if (extra != 0) {
      dims[a] = Dim::unknown();
    }
  }
  types.push_back(makeTensorType(dims, elem));
  return success();
}

static LogicalResult spaceDepth(Operation *op, Value input, int64_t b,
                                bool toSpace, Types &types) {
  Type elem = elementTypeOf(input);
  auto t = rankedType(input);
  if (!t) {
    types.push_back(makeTensorType(DimList(4), elem));
    return success();
  }
  if (t.getRank() != 4)
    return op->emitOpError() << "expects a 4-D input, got rank " << t.getRank();
  if (b <= 0)
    return op->emitOpError() << "blocksize must be positive";
  DimList d = getDims(t);
  auto scale = [](Dim x, int64_t m, bool mul) {
    if (!x.isStatic())
      return Dim::unknown();
    return mul ? Dim::product(x.size, m) : Dim::fixed(x.size / m);
  };
  if (toSpace) {
    if (d[1].isStatic() && d[1].size % (b * b))
      return op->emitOpError() << "channels " << d[1].size
                               << " not divisible by blocksize^2";
    types.push_back(makeTensorType(
        {d[0], scale(d[1], b * b, false), scale(d[2], b, true), scale(d[3], b, true)},
        elem));
  } else {
    if ((d[2].isStatic() && d[2].size % b) || (d[3].isStatic() && d[3].size % b))
      return op->emitOpError("spatial dims not divisible by blocksize");
    types.push_back(makeTensorType(
        {d[0], scale(d[1], b * b, true), scale(d[2], b, false), scale(d[3], b, false)},
        elem));
  }
  return success();
}

LogicalResult DepthToSpaceOp::inferResultTypes(Types &types) {
  return spaceDepth(*this, getInput(), getBlocksize(), true, types);
}
LogicalResult SpaceToDepthOp::inferResultTypes(Types &types) {
  return spaceDepth(*this, getInput(), getBlocksize(), false, types);
}

LogicalResult EyeLikeOp::inferResultTypes(Types &types) {
  Type elem = elementTypeOf(getInput());
  if (auto dt = getDtype()) {
    elem = elementTypeFromOnnx(getContext(), *dt);
    if (!elem)
      return emitOpError() << "unsupported dtype " << *dt;
  }
  if (auto t = rankedType(getInput()); t && t.getRank() != 2)
    return emitOpError() << "expects a 2-D input, got rank " << t.getRank();
  types.push_back(withElementType(getInput().getType(), elem));
  return success();
}

//===----------------------------------------------------------------------===//
// Indexing
//===----------------------------------------------------------------------===//

LogicalResult GatherOp::inferResultTypes(Types &types) {
  Type elem = elementTypeOf(getData());
  auto d = rankedType(getData()), i = rankedType(getIndices());
  if (auto it = elementTypeOf(getIndices()); !it || !it.isSignlessInteger())
    if (!(it && (it.isInteger(32) || it.isInteger(64))))
      return emitOpError() << "indices must be int32 or int64, got " << it;
  if (!d || !i) {
    types.push_back(unrankedOf(elem));
    return success();
  }
  int64_t axis = getAxis();
  if (failed(normalizeAxis(*this, axis, d.getRank())))
    return failure();
  DimList dd = getDims(d), id = getDims(i), out;
  // Constant indices out of range are an error now, not at run time.
  if (dd[axis].isStatic())
    if (auto idx = getConstantInts(getIndices()))
      for (int64_t k : *idx)
        if (k < -dd[axis].size || k >= dd[axis].size)
          return emitOpError() << "index " << k << " is out of range for axis "
                               << axis << " of size " << dd[axis].size;
  out.append(dd.begin(), dd.begin() + axis);
  out.append(id.begin(), id.end());
  out.append(dd.begin() + axis + 1, dd.end());
  types.push_back(makeTensorType(out, elem));
  return success();
}

LogicalResult GatherElementsOp::inferResultTypes(Types &types) {
  Type elem = elementTypeOf(getData());
  auto d = rankedType(getData()), i = rankedType(getIndices());
  if (d && i && d.getRank() != i.getRank())
    return emitOpError() << "data (rank " << d.getRank() << ") and indices (rank "
                         << i.getRank() << ") must have the same rank";
  if (d) {
    int64_t axis = getAxis();
    if (failed(normalizeAxis(*this, axis, d.getRank())))
      return failure();
  }
  types.push_back(withElementType(getIndices().getType(), elem));
  return success();
}

LogicalResult GatherNDOp::inferResultTypes(Types &types) {
  Type elem = elementTypeOf(getData());
  auto d = rankedType(getData()), i = rankedType(getIndices());
  if (!d || !i || i.isDynamicDim(i.getRank() - 1)) {
    types.push_back(unrankedOf(elem));
    return success();
  }
  int64_t b = getBatchDims(), q = i.getRank(), r = d.getRank();
  int64_t last = i.getDimSize(q - 1);
  if (b + last > r)
    return emitOpError() << "indices' last dim " << last << " plus batch_dims "
                         << b << " exceeds data rank " << r;
  DimList dd = getDims(d), id = getDims(i), out;
  out.append(id.begin(), id.end() - 1);
  out.append(dd.begin() + b + last, dd.end());
  types.push_back(makeTensorType(out, elem));
  return success();
}

LogicalResult SliceOp::inferResultTypes(Types &types) {
  Type elem = elementTypeOf(getData());
  auto t = rankedType(getData());
  if (!t) {
    types.push_back(unrankedOf(elem));
    return success();
  }
  int64_t rank = t.getRank();
  DimList dims = getDims(t);
  auto starts = getConstantInts(getStarts()), ends = getConstantInts(getEnds());
  std::optional<SmallVector<int64_t>> axes, steps;
  if (!isNone(getAxes()))
    axes = getConstantInts(getAxes());
  if (!isNone(getSteps()))
    steps = getConstantInts(getSteps());
  bool axesKnown = isNone(getAxes()) || axes;
  if (!axesKnown) {
    types.push_back(makeTensorType(DimList(rank), elem));
    return success();
  }
  if (!starts || !ends || (!isNone(getSteps()) && !steps)) {
    // Sizes unknown on the sliced axes only.
    if (axes) {
      for (int64_t a : *axes) {
        if (failed(normalizeAxis(*this, a, rank)))
          return failure();
        dims[a] = Dim::unknown();
      }
    } else if (auto st = rankedType(getStarts()); st && st.hasStaticShape()) {
      for (int64_t a = 0; a < st.getNumElements() && a < rank; ++a)
        dims[a] = Dim::unknown();
    } else {
      dims = DimList(rank);
    }
    types.push_back(makeTensorType(dims, elem));
    return success();
  }
  size_t n = starts->size();
  if (ends->size() != n || (axes && axes->size() != n) || (steps && steps->size() != n))
    return emitOpError("starts, ends, axes and steps must have the same length");
  for (size_t k = 0; k < n; ++k) {
    int64_t a = axes ? (*axes)[k] : static_cast<int64_t>(k);
    if (failed(normalizeAxis(*this, a, rank)))
      return failure();
    int64_t step = steps ? (*steps)[k] : 1;
    if (step == 0)
      return emitOpError("slice step must not be zero");
    if (!dims[a].isStatic()) {
      // Full-range slices keep the (named) dim.
      int64_t s = (*starts)[k], e = (*ends)[k];
      if (!(step == 1 && s == 0 && e >= (int64_t(1) << 31) - 1))
        dims[a] = Dim::unknown();
      continue;
    }
    int64_t size = dims[a].size;
    int64_t s = (*starts)[k], e = (*ends)[k];
    if (s < 0) s += size;
    if (e < 0) e += size;
    int64_t len;
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, size);
      e = std::clamp<int64_t>(e, 0, size);
      len = e > s ? (e - s + step - 1) / step : 0;
    } else {
      s = std::clamp<int64_t>(s, 0, size - 1);
      e = std::clamp<int64_t>(e, -1, size - 1);
      len = s > e ? (s - e + (-step) - 1) / (-step) : 0;
    }
    dims[a] = Dim::fixed(len);
  }
  types.push_back(makeTensorType(dims, elem));
  return success();
}

LogicalResult OneHotOp::inferResultTypes(Types &types) {
  Type elem = elementTypeOf(getValues());
  auto t = rankedType(getIndices());
  if (!t) {
    types.push_back(unrankedOf(elem));
    return success();
  }
  int64_t outRank = t.getRank() + 1, axis = getAxis();
  if (failed(normalizeAxis(*this, axis, outRank)))
    return failure();
  DimList dims = getDims(t);
  Dim depth = Dim::unknown();
  if (auto d = getConstantDoubles(getDepth()); d && d->size() == 1)
    depth = Dim::fixed(static_cast<int64_t>((*d)[0]));
  dims.insert(dims.begin() + axis, depth);
  types.push_back(makeTensorType(dims, elem));
  return success();
}

LogicalResult NonZeroOp::inferResultTypes(Types &types) {
  Type i64 = i64Type(getContext());
  auto t = rankedType(getX());
  Dim rank = t ? Dim::fixed(t.getRank()) : Dim::unknown();
  types.push_back(makeTensorType({rank, Dim::unknown()}, i64));
  return success();
}

LogicalResult CompressOp::inferResultTypes(Types &types) {
  return selectAlongAxis(*this, getInput(), getAxis(), types);
}

/// Einsum: output dims from the labels of the (explicit or implicit) output.
LogicalResult EinsumOp::inferResultTypes(Types &types) {
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  Type elem = elementTypeOf(getInputs()[0]);
  std::string eq;
  for (char c : getEquation())
    if (c != ' ')
      eq.push_back(c);
  size_t arrow = eq.find("->");
  std::string lhs = eq.substr(0, arrow);
  SmallVector<std::string> terms;
  {
    std::string cur;
    for (char c : lhs) {
      if (c == ',') { terms.push_back(cur); cur.clear(); }
      else cur.push_back(c);
    }
    terms.push_back(cur);
  }
  if (terms.size() != getInputs().size())
    return emitOpError() << "equation has " << terms.size()
                         << " operand terms but the op has "
                         << getInputs().size() << " inputs";
  std::map<char, Dim> labelDims;
  DimList ellipsisDims;
  bool allRanked = true;
  for (auto [k, term] : llvm::enumerate(terms)) {
    auto t = rankedType(getInputs()[k]);
    if (!t) {
      allRanked = false;
      continue;
    }
    DimList dims = getDims(t);
    size_t ell = term.find("...");
    int64_t labels = term.size() - (ell == std::string::npos ? 0 : 3);
    int64_t ellRank = t.getRank() - labels;
    if (ellRank < 0 || (ell == std::string::npos && ellRank != 0))
      return emitOpError() << "term '" << term << "' does not match input #"
                           << k << " of rank " << t.getRank();
    int64_t d = 0;
    for (size_t i = 0; i < term.size(); ++i) {
      if (term[i] == '.') {
        DimList part(dims.begin() + d, dims.begin() + d + ellRank);
        // Broadcast ellipsis dims across inputs (right-aligned).
        if (part.size() > ellipsisDims.size())
          ellipsisDims.insert(ellipsisDims.begin(), part.size() - ellipsisDims.size(), Dim::fixed(1));
        for (size_t j = 0; j < part.size(); ++j) {
          Dim &o = ellipsisDims[ellipsisDims.size() - part.size() + j];
          Dim m;
          if (!broadcastDim(o, part[j], m))
            return emitOpError("ellipsis dims are not broadcastable");
          o = m;
        }
        d += ellRank;
        i += 2;
        continue;
      }
      Dim cur = dims[d++];
      auto it = labelDims.find(term[i]);
      if (it == labelDims.end()) {
        labelDims[term[i]] = cur;
      } else {
        Dim m;
        if (!broadcastDim(it->second, cur, m))
          return emitOpError() << "label '" << term[i]
                               << "' has incompatible sizes";
        it->second = m;
      }
    }
  }
  if (!allRanked) {
    types.push_back(unrankedOf(elem));
    return success();
  }
  std::string rhs;
  if (arrow != std::string::npos) {
    rhs = eq.substr(arrow + 2);
  } else {
    // Implicit output: ellipsis, then labels appearing once, alphabetically.
    std::map<char, int> counts;
    for (auto &term : terms)
      for (char c : term)
        if (c != '.')
          counts[c]++;
    if (lhs.find("...") != std::string::npos)
      rhs = "...";
    for (auto &[c, n] : counts)
      if (n == 1)
        rhs.push_back(c);
  }
  DimList out;
  for (size_t i = 0; i < rhs.size(); ++i) {
    if (rhs[i] == '.') {
      out.append(ellipsisDims.begin(), ellipsisDims.end());
      i += 2;
      continue;
    }
    auto it = labelDims.find(rhs[i]);
    if (it == labelDims.end())
      return emitOpError() << "output label '" << rhs[i]
                           << "' does not appear in any input";
    out.push_back(it->second);
  }
  types.push_back(makeTensorType(out, elem));
  return success();
}

LogicalResult ResizeOp::inferResultTypes(Types &types) {
  Type elem = elementTypeOf(getX());
  auto t = rankedType(getX());
  if (!t) {
    types.push_back(unrankedOf(elem));
    return success();
  }
  int64_t rank = t.getRank();
  SmallVector<int64_t> axes;
  if (auto a = getAxes()) {
    for (Attribute x : *a) {
      int64_t v = llvm::cast<IntegerAttr>(x).getInt();
      if (failed(normalizeAxis(*this, v, rank)))
        return failure();
      axes.push_back(v);
    }
  } else {
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  }
  DimList dims = getDims(t);
  // Output sizes depend on keep_aspect_ratio_policy and rounding; only the
  // plain cases are inferred statically, others stay dynamic.
  if (!isNone(getSizes())) {
    auto sizes = getConstantInts(getSizes());
    if (sizes && sizes->size() == axes.size() &&
        getKeepAspectRatioPolicy() == "stretch") {
      for (auto [k, a] : llvm::enumerate(axes))
        dims[a] = Dim::fixed((*sizes)[k]);
    } else {
      for (int64_t a : axes)
        dims[a] = Dim::unknown();
    }
  } else if (!isNone(getScales())) {
    auto scales = getConstantDoubles(getScales());
    for (auto [k, a] : llvm::enumerate(axes)) {
      if (scales && scales->size() == axes.size() && dims[a].isStatic())
        dims[a] = Dim::fixed(static_cast<int64_t>(
            std::floor(dims[a].size * static_cast<float>((*scales)[k]))));
      else if (!(scales && scales->size() == axes.size() && (*scales)[k] == 1.0))
        dims[a] = Dim::unknown();
    }
  } else {
    return emitOpError("needs either scales or sizes");
  }
  types.push_back(makeTensorType(dims, elem));
  return success();
}

} // namespace txc
