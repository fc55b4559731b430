//===- ShapeRules.cpp - Family shape rules and elementwise ops ------------===//
//
// Shape rules infer result types; verifyInferredResultTypes makes each rule
// the op's verifier too. Rules never guess: a dim that is not known is left
// dynamic, and a rank that is not known gives an unranked result.
//
//===----------------------------------------------------------------------===//

#include "ir/ShapeRuleUtils.h"

using namespace mlir;

namespace txc {

LogicalResult normalizeAxis(Operation *op, int64_t &axis, int64_t rank,
                            StringRef what) {
  int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= std::max<int64_t>(rank, 1))
    return op->emitOpError() << what << " " << axis
                             << " is out of range for an input of rank " << rank;
  axis = a;
  return success();
}

LogicalResult requireTensor(Operation *op, Value v, StringRef what) {
  if (!v || !llvm::isa<ShapedType>(v.getType()))
    return op->emitOpError() << what << " must be a tensor";
  return success();
}

int64_t normalizeAxisUnchecked(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

LogicalResult selectAlongAxis(Operation *op, Value input,
                              std::optional<int64_t> axis,
                              SmallVectorImpl<Type> &types) {
  Type elem = elementTypeOf(input);
  auto t = rankedType(input);
  if (!t) {
    types.push_back(axis ? unrankedOf(elem) : makeTensorType({Dim::unknown()}, elem));
    return success();
  }
  if (!axis) {
    types.push_back(makeTensorType({Dim::unknown()}, elem));
    return success();
  }
  int64_t a = *axis;
  if (failed(normalizeAxis(op, a, t.getRank())))
    return failure();
  DimList dims = getDims(t);
  dims[a] = Dim::unknown();
  types.push_back(makeTensorType(dims, elem));
  return success();
}

Type i1Type(MLIRContext *ctx) { return IntegerType::get(ctx, 1); }
Type i64Type(MLIRContext *ctx) { return IntegerType::get(ctx, 64); }

LogicalResult broadcastAll(Operation *op, ArrayRef<RankedTensorType> types,
                           DimList &out) {
  size_t rank = 0;
  for (auto t : types)
    rank = std::max<size_t>(rank, t.getRank());
  out.assign(rank, Dim::fixed(1));
  for (auto [k, t] : llvm::enumerate(types)) {
    DimList dims = getDims(t);
    size_t offset = rank - dims.size();
    for (size_t i = 0; i < dims.size(); ++i) {
      Dim merged;
      if (!broadcastDim(out[offset + i], dims[i], merged)) {
        std::string shapes;
        for (auto [j, tt] : llvm::enumerate(types))
          shapes += (j ? " and " : "") + dimsToString(getDims(tt));
        return op->emitOpError() << "operands are not broadcastable: "
                                 << shapes << " (dim " << offset + i << ")";
      }
      out[offset + i] = merged;
    }
  }
  return success();
}

/// Declared and inferred types agree on element type, rank and static dims.
static bool compatible(Type declared, Type inferred) {
  if (declared == inferred)
    return true;
  auto d = llvm::dyn_cast<ShapedType>(declared);
  auto i = llvm::dyn_cast<ShapedType>(inferred);
  if (!d || !i)
    return false;
  if (d.getElementType() != i.getElementType())
    return false;
  if (!d.hasRank() || !i.hasRank())
    return true;
  if (d.getRank() != i.getRank())
    return false;
  for (auto [a, b] : llvm::zip(d.getShape(), i.getShape()))
    if (!ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b)
      return false;
  return true;
}

LogicalResult verifyInferredResultTypes(Operation *op) {
  auto iface = llvm::cast<ShapeInferenceOpInterface>(op);
  SmallVector<Type> inferred;
  if (failed(iface.inferResultTypes(inferred)))
    return failure();
  if (inferred.size() != op->getNumResults())
    return op->emitOpError() << "has " << op->getNumResults()
                             << " results but its shape rule gives "
                             << inferred.size();
  // A wrapped computation must not become a type: a negative static dim.
  for (auto [i, t] : llvm::enumerate(inferred))
    if (auto r = llvm::dyn_cast<RankedTensorType>(t))
      for (int64_t d : r.getShape())
        if (!ShapedType::isDynamic(d) && d < 0)
          return op->emitOpError() << "result #" << i << " would have the negative dim "
                                   << d << " (check the op's attributes and shapes)";
  for (auto [i, pair] : llvm::enumerate(llvm::zip(op->getResultTypes(), inferred)))
    if (!compatible(std::get<0>(pair), std::get<1>(pair)))
      return op->emitOpError() << "result #" << i << " has type "
                               << std::get<0>(pair) << " but its operands give "
                               << std::get<1>(pair);
  return success();
}

namespace shape_rules {

LogicalResult sameAsFirstOperand(Operation *op, Types &types) {
  if (failed(requireTensor(op, op->getOperand(0), "operand #0")))
    return failure();
  types.push_back(op->getOperand(0).getType());
  return success();
}

LogicalResult sameAsFirstOperandWithAxis(Operation *op, Types &types) {
  if (failed(sameAsFirstOperand(op, types)))
    return failure();
  if (auto t = rankedType(op->getOperand(0))) {
    int64_t axis = -1;
    if (auto a = op->getAttrOfType<IntegerAttr>("axis"))
      axis = a.getInt();
    if (failed(normalizeAxis(op, axis, t.getRank())))
      return failure();
  }
  return success();
}

LogicalResult sameShapeBoolResult(Operation *op, Types &types) {
  if (failed(requireTensor(op, op->getOperand(0), "operand #0")))
    return failure();
  types.push_back(withElementType(op->getOperand(0).getType(),
                                  i1Type(op->getContext())));
  return success();
}

/// Broadcasts all tensor operands; the result's element type is `resultElem`
/// or, if null, operand #0's (and then all operands must agree, except for
/// the exponent of Pow and the shift of BitShift).
static LogicalResult broadcastImpl(Operation *op, Types &types, Type resultElem,
                                   bool requireSameElementType) {
  if (op->getNumOperands() == 0)
    return op->emitOpError("needs at least one operand");
  SmallVector<RankedTensorType> ranked;
  bool allRanked = true;
  Type first;
  for (auto [i, v] : llvm::enumerate(op->getOperands())) {
    if (failed(requireTensor(op, v, "operand #" + std::to_string(i))))
      return failure();
    Type et = elementTypeOf(v);
    if (!first)
      first = et;
    else if (requireSameElementType && et != first)
      return op->emitOpError() << "operand #" << i << " has element type " << et
                               << " but operand #0 has " << first;
    if (auto r = rankedType(v))
      ranked.push_back(r);
    else
      allRanked = false;
  }
  Type elem = resultElem ? resultElem : first;
  if (!allRanked) {
    types.push_back(unrankedOf(elem));
    return success();
  }
  DimList dims;
  if (failed(broadcastAll(op, ranked, dims)))
    return failure();
  types.push_back(makeTensorType(dims, elem));
  return success();
}

LogicalResult broadcastSameElementType(Operation *op, Types &types) {
  bool mixedAllowed = llvm::isa<PowOp, PReluOp>(op);
  return broadcastImpl(op, types, nullptr, !mixedAllowed);
}

LogicalResult broadcastBoolResult(Operation *op, Types &types) {
  return broadcastImpl(op, types, i1Type(op->getContext()), true);
}

LogicalResult where(Operation *op, Types &types) {
  auto w = llvm::cast<WhereOp>(op);
  if (auto ct = llvm::dyn_cast<ShapedType>(w.getCondition().getType()))
    if (!ct.getElementType().isInteger(1))
      return op->emitOpError() << "condition must be a bool tensor, got "
                               << ct.getElementType();
  if (elementTypeOf(w.getX()) != elementTypeOf(w.getY()))
    return op->emitOpError() << "X and Y have different element types "
                             << elementTypeOf(w.getX()) << " and "
                             << elementTypeOf(w.getY());
  return broadcastImpl(op, types, elementTypeOf(w.getX()), false);
}

LogicalResult reduce(Operation *op, Types &types) {
  Value data = op->getOperand(0), axesV = op->getOperand(1);
  if (failed(requireTensor(op, data, "data")))
    return failure();
  Type elem = elementTypeOf(data);
  bool keepdims = op->getAttrOfType<IntegerAttr>("keepdims").getInt() != 0;
  bool noopEmpty =
      op->getAttrOfType<IntegerAttr>("noop_with_empty_axes").getInt() != 0;
  auto t = rankedType(data);
  if (!t) {
    types.push_back(unrankedOf(elem));
    return success();
  }
  int64_t rank = t.getRank();
  std::optional<SmallVector<int64_t>> axes;
  if (isNone(axesV))
    axes = SmallVector<int64_t>{};
  else
    axes = getConstantInts(axesV);
  if (!axes) { // axes known only at run time
    types.push_back(keepdims ? makeTensorType(DimList(rank), elem)
                             : unrankedOf(elem));
    return success();
  }
  DimList dims = getDims(t);
  if (axes->empty()) {
    if (noopEmpty) {
      types.push_back(t);
      return success();
    }
    for (int64_t i = 0; i < rank; ++i)
      axes->push_back(i);
  }
  llvm::SmallBitVector reduced(rank);
  for (int64_t a : *axes) {
    if (failed(normalizeAxis(op, a, rank, "reduction axis")))
      return failure();
    reduced.set(a);
  }
  DimList out;
  for (int64_t i = 0; i < rank; ++i) {
    if (!reduced.test(i))
      out.push_back(dims[i]);
    else if (keepdims)
      out.push_back(Dim::fixed(1));
  }
  types.push_back(makeTensorType(out, elem));
  return success();
}

} // namespace shape_rules

//===----------------------------------------------------------------------===//
// Elementwise-family ops with their own rules
//===----------------------------------------------------------------------===//

LogicalResult CastOp::inferResultTypes(shape_rules::Types &types) {
  Type to = elementTypeFromOnnx(getContext(), getTo());
  if (!to)
    return emitOpError() << "unsupported target dtype " << getTo()
                         << " (ONNX TensorProto.DataType code)";
  types.push_back(withElementType(getInput().getType(), to));
  return success();
}

LogicalResult CastLikeOp::inferResultTypes(shape_rules::Types &types) {
  types.push_back(
      withElementType(getInput().getType(), elementTypeOf(getTargetType())));
  return success();
}

static LogicalResult argReduce(Operation *op, Value data, int64_t axis,
                               bool keepdims, shape_rules::Types &types) {
  Type i64 = i64Type(op->getContext());
  auto t = rankedType(data);
  if (!t) {
    types.push_back(unrankedOf(i64));
    return success();
  }
  if (failed(normalizeAxis(op, axis, t.getRank())))
    return failure();
  DimList dims = getDims(t), out;
  for (int64_t i = 0; i < t.getRank(); ++i) {
    if (i != axis)
      out.push_back(dims[i]);
    else if (keepdims)
      out.push_back(Dim::fixed(1));
  }
  types.push_back(makeTensorType(out, i64));
  return success();
}

LogicalResult ArgMaxOp::inferResultTypes(shape_rules::Types &types) {
  return argReduce(*this, getData(), getAxis(), getKeepdims() != 0, types);
}
LogicalResult ArgMinOp::inferResultTypes(shape_rules::Types &types) {
  return argReduce(*this, getData(), getAxis(), getKeepdims() != 0, types);
}

LogicalResult TopKOp::inferResultTypes(shape_rules::Types &types) {
  Type elem = elementTypeOf(getX());
  Type i64 = i64Type(getContext());
  auto t = rankedType(getX());
  if (!t) {
    types.push_back(unrankedOf(elem));
    types.push_back(unrankedOf(i64));
    return success();
  }
  int64_t axis = getAxis();
  if (failed(normalizeAxis(*this, axis, t.getRank())))
    return failure();
  DimList dims = getDims(t);
  dims[axis] = Dim::unknown();
  if (auto k = getConstantInts(getK()); k && k->size() == 1) {
    if ((*k)[0] < 0)
      return emitOpError() << "K must be non-negative, got " << (*k)[0];
    if (!t.isDynamicDim(axis) && (*k)[0] > t.getDimSize(axis))
      return emitOpError() << "K = " << (*k)[0] << " exceeds the axis size "
                           << t.getDimSize(axis);
    dims[axis] = Dim::fixed((*k)[0]);
  }
  types.push_back(makeTensorType(dims, elem));
  types.push_back(makeTensorType(dims, i64));
  return success();
}

} // namespace txc

namespace txc {
LogicalResult UniqueOp::inferResultTypes(shape_rules::Types &types) {
  Type i64 = i64Type(getContext());
  auto t = rankedType(getX());
  if (failed(selectAlongAxis(*this, getX(), getAxis(), types)))
    return failure();
  types.push_back(makeTensorType({Dim::unknown()}, i64));
  Dim inv = Dim::unknown();
  if (t && getAxis())
    inv = getDims(t)[normalizeAxisUnchecked(*getAxis(), t.getRank())];
  else if (t && t.hasStaticShape())
    inv = Dim::fixed(t.getNumElements());
  types.push_back(makeTensorType({inv}, i64));
  types.push_back(makeTensorType({Dim::unknown()}, i64));
  return success();
}
} // namespace txc
