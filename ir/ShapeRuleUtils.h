//===- ShapeRuleUtils.h - Helpers shared by the shape rules -----*- C++ -*-===//
#ifndef TXC_IR_SHAPERULEUTILS_H
#define TXC_IR_SHAPERULEUTILS_H

#include "ir/Dims.h"
#include "ir/SymbolicValue.h"
#include "ir/TxcDialect.h"

namespace txc {

inline mlir::RankedTensorType rankedType(mlir::Value v) {
  return v ? llvm::dyn_cast<mlir::RankedTensorType>(v.getType()) : nullptr;
}
inline mlir::Type elementTypeOf(mlir::Value v) {
  if (auto t = llvm::dyn_cast<mlir::ShapedType>(v.getType()))
    return t.getElementType();
  return nullptr;
}
inline mlir::Type unrankedOf(mlir::Type elementType) {
  return mlir::UnrankedTensorType::get(elementType);
}
/// Normalizes `axis` into [0, rank); emits an error naming `what` if invalid.
mlir::LogicalResult normalizeAxis(mlir::Operation *op, int64_t &axis,
                                  int64_t rank, llvm::StringRef what = "axis");
/// axis + rank for negative axes (the caller has validated the range).
int64_t normalizeAxisUnchecked(int64_t axis, int64_t rank);
/// Fails with an error if `v` is not a tensor with an element type.
mlir::LogicalResult requireTensor(mlir::Operation *op, mlir::Value v,
                                  llvm::StringRef what);
/// Numpy broadcast of several ranked types' dims; emits an error if they
/// are incompatible.
mlir::LogicalResult broadcastAll(mlir::Operation *op,
                                 llvm::ArrayRef<mlir::RankedTensorType> types,
                                 DimList &out);
/// Data-dependent selections (Compress, Unique): with an axis, the input's
/// dims with that one unknown; without, a 1-D result of unknown length.
mlir::LogicalResult selectAlongAxis(mlir::Operation *op, mlir::Value input,
                                    std::optional<int64_t> axis,
                                    llvm::SmallVectorImpl<mlir::Type> &types);
mlir::Type i1Type(mlir::MLIRContext *ctx);
mlir::Type i64Type(mlir::MLIRContext *ctx);

} // namespace txc

#endif
