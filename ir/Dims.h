//===- Dims.h - Static, named and unknown tensor dims -----------*- C++ -*-===//
//
// A Dim is a static size, or a dynamic size that may carry the name of the
// ONNX dim_param it came from ("batch", "sequence"). Names live in the
// encoding of ranked tensor types as #txc.dims<[...]>.
//
//===----------------------------------------------------------------------===//
#ifndef TXC_IR_DIMS_H
#define TXC_IR_DIMS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SmallVector.h"

#include <string>

namespace txc {

struct Dim {
  int64_t size = mlir::ShapedType::kDynamic;
  mlir::StringAttr name; // only for dynamic dims; may be null

  static Dim fixed(int64_t n) { return Dim{n, {}}; }
  static Dim named(mlir::StringAttr n) { return Dim{mlir::ShapedType::kDynamic, n}; }
  static Dim unknown() { return Dim{}; }
  /// a * b as a static dim, or unknown when the product overflows (a shape
  /// that large is refused by size where types are checked).
  static Dim product(int64_t a, int64_t b) {
    int64_t p;
    if (__builtin_mul_overflow(a, b, &p) || mlir::ShapedType::isDynamic(p))
      return unknown();
    return fixed(p);
  }
  bool isStatic() const { return !mlir::ShapedType::isDynamic(size); }
  bool isNamed() const { return !isStatic() && name && !name.getValue().empty(); }
  /// Known equal: same static size, or same name.
  bool sameAs(const Dim &o) const {
    return isStatic() ? o.isStatic() && size == o.size
                      : isNamed() && o.isNamed() && name == o.name;
  }
};
using DimList = llvm::SmallVector<Dim, 4>;

DimList getDims(mlir::RankedTensorType type);
/// A ranked tensor type; adds a #txc.dims encoding when a dim is named.
mlir::RankedTensorType makeTensorType(llvm::ArrayRef<Dim> dims,
                                      mlir::Type elementType);
/// The same type with another element type (keeps dims and names).
mlir::Type withElementType(mlir::Type tensorType, mlir::Type elementType);
/// Two dims that must be equal: false if both are static and differ.
bool dimsCompatible(const Dim &a, const Dim &b);
/// The more informative of two dims known to be equal.
Dim mergeDims(const Dim &a, const Dim &b);
/// Numpy broadcast of one dim pair; false if incompatible.
bool broadcastDim(const Dim &a, const Dim &b, Dim &out);
/// "768", "sequence" or "?".
std::string dimToString(const Dim &d);
std::string dimsToString(llvm::ArrayRef<Dim> dims);
/// Product of dims if all are static, else kDynamic.
int64_t staticProduct(llvm::ArrayRef<Dim> dims);

} // namespace txc

#endif // TXC_IR_DIMS_H
