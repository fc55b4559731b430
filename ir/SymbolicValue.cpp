//===- SymbolicValue.cpp - Values of small integer tensors ----------------===//

#include "ir/SymbolicValue.h"
#include "ir/TxcDialect.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/BuiltinDialect.h"

using namespace mlir;

namespace txc {

bool isNone(Value v) { return !v || llvm::isa<NoneType>(v.getType()); }

/// Reads element i of an integer or float ElementsAttr as double/int,
/// including dense_resource blobs (which getValues<> does not handle).
template <typename T>
static std::optional<SmallVector<T>> readElements(ElementsAttr attr) {
  auto type = llvm::cast<ShapedType>(attr.getType());
  Type et = type.getElementType();
  int64_t n = type.getNumElements();
  SmallVector<T> out;
  out.reserve(n);
  if (auto dense = llvm::dyn_cast<DenseElementsAttr>(attr)) {
    if (et.isIntOrIndex()) {
      bool isUnsigned = et.isUnsignedInteger() || et.isInteger(1);
      for (const APInt &v : dense.getValues<APInt>())
        out.push_back(static_cast<T>(isUnsigned ? (int64_t)v.getZExtValue()
                                                : v.getSExtValue()));
      return out;
    }
    if (llvm::isa<FloatType>(et)) {
      for (const APFloat &v : dense.getValues<APFloat>())
        out.push_back(static_cast<T>(v.convertToDouble()));
      return out;
    }
    return std::nullopt;
  }
  if (auto res = llvm::dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    ArrayRef<char> data = blob->getData();
    auto read = [&](auto tag) -> bool {
      using E = decltype(tag);
      if (data.size() < n * sizeof(E))
        return false;
      const E *p = reinterpret_cast<const E *>(data.data());
      for (int64_t i = 0; i < n; ++i)
        out.push_back(static_cast<T>(p[i]));
      return true;
    };
    bool ok = false;
    if (et.isInteger(64)) ok = read(int64_t());
    else if (et.isSignlessInteger(32) || et.isSignedInteger(32)) ok = read(int32_t());
    else if (et.isUnsignedInteger(32)) ok = read(uint32_t());
    else if (et.isSignlessInteger(8) || et.isSignedInteger(8)) ok = read(int8_t());
    else if (et.isUnsignedInteger(8)) ok = read(uint8_t());
    else if (et.isF32()) ok = read(float());
    else if (et.isF64()) ok = read(double());
    return ok ? std::optional(out) : std::nullopt;
  }
  return std::nullopt;
}

static std::optional<ElementsAttr> getConstantAttr(Value v) {
  if (!v)
    return std::nullopt;
  if (auto c = v.getDefiningOp<ConstantOp>())
    return c.getValue();
  return std::nullopt;
}

std::optional<SmallVector<double>> getConstantDoubles(Value v) {
  if (auto attr = getConstantAttr(v))
    return readElements<double>(*attr);
  return std::nullopt;
}

static std::optional<int64_t> getScalarInt(Value v) {
  auto ints = getConstantInts(v);
  if (ints && ints->size() == 1)
    return (*ints)[0];
  return std::nullopt;
}

std::optional<SmallVector<int64_t>> getConstantInts(Value v) {
  if (auto attr = getConstantAttr(v)) {
    auto type = llvm::cast<ShapedType>(attr->getType());
    if (!type.getElementType().isIntOrIndex() || type.getRank() > 1)
      return std::nullopt;
    return readElements<int64_t>(*attr);
  }
  auto sym = getSymbolicInts(v);
  if (!sym)
    return std::nullopt;
  SmallVector<int64_t> out;
  for (const SymElem &e : *sym) {
    if (!e.isConstant())
      return std::nullopt;
    out.push_back(e.value);
  }
  return out;
}

static bool isIntTensorOfRankAtMostOne(Value v) {
  auto t = llvm::dyn_cast<RankedTensorType>(v.getType());
  return t && t.getRank() <= 1 && t.getElementType().isIntOrIndex();
}

std::optional<SymList> getSymbolicInts(Value v) {
  if (!v || !isIntTensorOfRankAtMostOne(v))
    return std::nullopt;
  Operation *def = v.getDefiningOp();
  if (!def)
    return std::nullopt;

  auto fromConstants = [](ArrayRef<int64_t> ints) {
    SymList out;
    for (int64_t i : ints)
      out.push_back(SymElem{i, {}, -1, {}});
    return out;
  };

  if (auto c = llvm::dyn_cast<ConstantOp>(def)) {
    auto ints = readElements<int64_t>(c.getValue());
    if (!ints)
      return std::nullopt;
    return fromConstants(*ints);
  }
  if (auto s = llvm::dyn_cast<ShapeOp>(def)) {
    auto in = llvm::dyn_cast<RankedTensorType>(s.getData().getType());
    if (!in)
      return std::nullopt;
    int64_t rank = in.getRank();
    int64_t start = s.getStart(), end = s.getEnd().value_or(rank);
    if (start < 0) start += rank;
    if (end < 0) end += rank;
    start = std::clamp<int64_t>(start, 0, rank);
    end = std::clamp<int64_t>(end, 0, rank);
    DimList dims = getDims(in);
    SymList out;
    for (int64_t i = start; i < end; ++i) {
      if (dims[i].isStatic())
        out.push_back(SymElem{dims[i].size, {}, -1, {}});
      else
        out.push_back(SymElem{ShapedType::kDynamic, s.getData(), i, dims[i].name});
    }
    return out;
  }
  if (llvm::isa<CastOp, IdentityOp, SqueezeOp, UnsqueezeOp, ReshapeOp,
                FlattenOp>(def)) {
    // Rank <= 1 in and out: the elements are unchanged.
    Value in = def->getOperand(0);
    if (llvm::isa<CastOp>(def)) {
      auto et = llvm::cast<ShapedType>(v.getType()).getElementType();
      if (!et.isInteger(64) && !et.isInteger(32))
        return std::nullopt;
    }
    return getSymbolicInts(in);
  }
  if (auto g = llvm::dyn_cast<GatherOp>(def)) {
    auto data = getSymbolicInts(g.getData());
    auto idx = getConstantInts(g.getIndices());
    if (!data || !idx)
      return std::nullopt;
    SymList out;
    int64_t n = data->size();
    for (int64_t i : *idx) {
      if (i < 0)
        i += n;
      if (i < 0 || i >= n)
        return std::nullopt;
      out.push_back((*data)[i]);
    }
    return out;
  }
  if (auto c = llvm::dyn_cast<ConcatOp>(def)) {
    SymList out;
    for (Value in : c.getInputs()) {
      auto part = getSymbolicInts(in);
      if (!part)
        return std::nullopt;
      out.append(part->begin(), part->end());
    }
    return out;
  }
  if (auto s = llvm::dyn_cast<SliceOp>(def)) {
    auto data = getSymbolicInts(s.getData());
    auto starts = getConstantInts(s.getStarts());
    auto ends = getConstantInts(s.getEnds());
    if (!data || !starts || !ends || starts->size() != 1 || ends->size() != 1)
      return std::nullopt;
    int64_t step = 1;
    if (!isNone(s.getSteps())) {
      auto st = getScalarInt(s.getSteps());
      if (!st || *st != 1)
        return std::nullopt;
    }
    int64_t n = data->size();
    int64_t b = (*starts)[0], e = (*ends)[0];
    if (b < 0) b += n;
    if (e < 0) e += n;
    b = std::clamp<int64_t>(b, 0, n);
    e = std::clamp<int64_t>(e, 0, n);
    (void)step;
    return SymList(data->begin() + b, data->begin() + std::max(b, e));
  }
  // Elementwise integer arithmetic on known elements (e.g. seq - 1 stays
  // unknown, 2 * 64 folds). Both sides must have the same length or one is a
  // single element.
  if (llvm::isa<AddOp, SubOp, MulOp, DivOp>(def)) {
    auto a = getSymbolicInts(def->getOperand(0));
    auto b = getSymbolicInts(def->getOperand(1));
    if (!a || !b)
      return std::nullopt;
    size_t n = std::max(a->size(), b->size());
    if ((a->size() != n && a->size() != 1) || (b->size() != n && b->size() != 1))
      return std::nullopt;
    SymList out;
    for (size_t i = 0; i < n; ++i) {
      const SymElem &x = (*a)[a->size() == 1 ? 0 : i];
      const SymElem &y = (*b)[b->size() == 1 ? 0 : i];
      SymElem r;
      if (x.isConstant() && y.isConstant()) {
        if (llvm::isa<AddOp>(def)) r.value = x.value + y.value;
        else if (llvm::isa<SubOp>(def)) r.value = x.value - y.value;
        else if (llvm::isa<MulOp>(def)) r.value = x.value * y.value;
        else if (y.value != 0) r.value = x.value / y.value;
      } else if (y.isConstant() &&
                 ((llvm::isa<MulOp, DivOp>(def) && y.value == 1) ||
                  (llvm::isa<AddOp, SubOp>(def) && y.value == 0))) {
        r = x;
      } else if (x.isConstant() && llvm::isa<MulOp>(def) && x.value == 1) {
        r = y;
      } else if (x.isConstant() && llvm::isa<AddOp>(def) && x.value == 0) {
        r = y;
      }
      out.push_back(r);
    }
    return out;
  }
  // Unknown contents but known length.
  auto t = llvm::cast<RankedTensorType>(v.getType());
  if (t.getRank() == 0)
    return SymList(1);
  if (!t.isDynamicDim(0))
    return SymList(t.getDimSize(0));
  return std::nullopt;
}

} // namespace txc
