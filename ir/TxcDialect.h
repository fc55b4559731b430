//===- TxcDialect.h - The txc dialect ---------------------------*- C++ -*-===//
#ifndef TXC_IR_TXCDIALECT_H
#define TXC_IR_TXCDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace txc {
/// Runs the op's shape rule and checks its declared result types against the
/// inferred ones (element type, rank, static dims).
mlir::LogicalResult verifyInferredResultTypes(mlir::Operation *op);

/// Family shape rules named by the op base classes in TxcBase.td.
namespace shape_rules {
using Types = llvm::SmallVectorImpl<mlir::Type>;
mlir::LogicalResult sameAsFirstOperand(mlir::Operation *op, Types &types);
mlir::LogicalResult sameAsFirstOperandWithAxis(mlir::Operation *op, Types &types);
mlir::LogicalResult sameShapeBoolResult(mlir::Operation *op, Types &types);
mlir::LogicalResult broadcastSameElementType(mlir::Operation *op, Types &types);
mlir::LogicalResult broadcastBoolResult(mlir::Operation *op, Types &types);
mlir::LogicalResult where(mlir::Operation *op, Types &types);
mlir::LogicalResult reduce(mlir::Operation *op, Types &types);
} // namespace shape_rules

/// The MLIR element type of an ONNX TensorProto dtype code, or null.
mlir::Type elementTypeFromOnnx(mlir::MLIRContext *ctx, int64_t onnxType);
/// The ONNX dtype code of an MLIR element type, or 0.
int64_t onnxTypeOf(mlir::Type elementType);
} // namespace txc

#include "ir/TxcOpsDialect.h.inc"
#define GET_ATTRDEF_CLASSES
#include "ir/TxcAttrs.h.inc"
#include "ir/TxcInterfaces.h.inc"
#define GET_OP_CLASSES
#include "ir/TxcOps.h.inc"

#endif // TXC_IR_TXCDIALECT_H
