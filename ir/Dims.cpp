//===- Dims.cpp - Static, named and unknown tensor dims -------------------===//

#include "ir/Dims.h"
#include "ir/TxcDialect.h"

using namespace mlir;

namespace txc {

DimList getDims(RankedTensorType type) {
  DimList dims;
  auto names = llvm::dyn_cast_or_null<DimsAttr>(type.getEncoding());
  for (auto [i, size] : llvm::enumerate(type.getShape())) {
    Dim d{size, {}};
    if (ShapedType::isDynamic(size) && names &&
        i < names.getNames().size())
      if (auto s = llvm::dyn_cast<StringAttr>(names.getNames()[i]))
        if (!s.getValue().empty())
          d.name = s;
    dims.push_back(d);
  }
  return dims;
}

RankedTensorType makeTensorType(ArrayRef<Dim> dims, Type elementType) {
  MLIRContext *ctx = elementType.getContext();
  SmallVector<int64_t> shape;
  SmallVector<Attribute> names;
  bool anyNamed = false;
  for (const Dim &d : dims) {
    shape.push_back(d.size);
    names.push_back(d.isNamed() ? d.name : StringAttr::get(ctx, ""));
    anyNamed |= d.isNamed();
  }
  Attribute encoding;
  if (anyNamed)
    encoding = DimsAttr::get(ctx, ArrayAttr::get(ctx, names));
  return RankedTensorType::get(shape, elementType, encoding);
}

Type withElementType(Type tensorType, Type elementType) {
  if (auto r = llvm::dyn_cast<RankedTensorType>(tensorType))
    return RankedTensorType::get(r.getShape(), elementType, r.getEncoding());
  return UnrankedTensorType::get(elementType);
}

bool dimsCompatible(const Dim &a, const Dim &b) {
  return !(a.isStatic() && b.isStatic() && a.size != b.size);
}

Dim mergeDims(const Dim &a, const Dim &b) {
  if (a.isStatic())
    return a;
  if (b.isStatic())
    return b;
  return a.isNamed() ? a : b;
}

bool broadcastDim(const Dim &a, const Dim &b, Dim &out) {
  if (a.isStatic() && a.size == 1) {
    out = b;
    return true;
  }
  if (b.isStatic() && b.size == 1) {
    out = a;
    return true;
  }
  if (a.isStatic() && b.isStatic()) {
    out = a;
    return a.size == b.size;
  }
  if (a.sameAs(b)) {
    out = a;
    return true;
  }
  // One side dynamic: the result is the static side if any (the dynamic one
  // must then be 1 or equal), else unknown unless both have the same name.
  if (a.isStatic()) {
    out = a;
    return true;
  }
  if (b.isStatic()) {
    out = b;
    return true;
  }
  out = Dim::unknown();
  return true;
}

std::string dimToString(const Dim &d) {
  if (d.isStatic())
    return std::to_string(d.size);
  return d.isNamed() ? d.name.getValue().str() : "?";
}

std::string dimsToString(ArrayRef<Dim> dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    s += (i ? ", " : "") + dimToString(dims[i]);
  return s + "]";
}

int64_t staticProduct(ArrayRef<Dim> dims) {
  int64_t p = 1;
  for (const Dim &d : dims) {
    if (!d.isStatic())
      return ShapedType::kDynamic;
    if (__builtin_mul_overflow(p, d.size, &p))
      return ShapedType::kDynamic; // too large to be a real shape
  }
  return p;
}

} // namespace txc
