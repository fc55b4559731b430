//===- SymbolicValue.h - Values of small integer tensors --------*- C++ -*-===//
//
// Exporters compute shapes at run time: Shape -> Gather -> Unsqueeze ->
// Concat -> Reshape. These helpers look through such chains and say what
// each element of a 0-D/1-D integer tensor is: a known integer, or the size
// of dim j of some tensor (possibly a named dim), or unknown.
//
//===----------------------------------------------------------------------===//
#ifndef TXC_IR_SYMBOLICVALUE_H
#define TXC_IR_SYMBOLICVALUE_H

#include "ir/Dims.h"

#include "mlir/IR/Value.h"

#include <optional>

namespace txc {

/// One element of a symbolic integer tensor.
struct SymElem {
  int64_t value = mlir::ShapedType::kDynamic; // known integer
  mlir::Value source;                          // else: dim `sourceDim` of source
  int64_t sourceDim = -1;
  mlir::StringAttr name;                       // name of that dim, if any

  bool isConstant() const { return !mlir::ShapedType::isDynamic(value); }
  bool isDimOf() const { return !isConstant() && source; }
  Dim asDim() const {
    if (isConstant())
      return Dim::fixed(value);
    return name ? Dim::named(name) : Dim::unknown();
  }
};
using SymList = llvm::SmallVector<SymElem, 4>;

/// All elements of `v` as integers, if `v` is an integer constant (dense or
/// resource) of rank <= 1, or folds to one through the chains above.
std::optional<llvm::SmallVector<int64_t>> getConstantInts(mlir::Value v);
/// All elements of `v` as doubles (float or int constants of any rank).
std::optional<llvm::SmallVector<double>> getConstantDoubles(mlir::Value v);
/// Element-wise symbolic contents of a rank <= 1 integer tensor, or
/// nullopt when its length is not known.
std::optional<SymList> getSymbolicInts(mlir::Value v);
/// True if `v` is produced by txc.none (an absent optional input).
bool isNone(mlir::Value v);

} // namespace txc

#endif // TXC_IR_SYMBOLICVALUE_H
