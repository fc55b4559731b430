//===- Interpreter.h - Reference evaluation of txc functions ----*- C++ -*-===//
//
// Runs a func.func of txc ops on CPU by calling the reference kernel of each
// op in order. Checks every kernel's result against the op's static result
// type, so a shape rule and its kernel can never silently disagree.
//
//===----------------------------------------------------------------------===//
#ifndef TXC_REFERENCE_INTERPRETER_H
#define TXC_REFERENCE_INTERPRETER_H

#include "reference/Tensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Error.h"

#include <vector>

namespace txc {

/// The reference dtype of an MLIR element type (errors on unsupported).
llvm::Expected<ref::DType> dtypeOf(mlir::Type elementType);
/// A tensor viewing (dense_resource) or copying (dense) a constant.
llvm::Expected<ref::Tensor> tensorFromAttr(mlir::ElementsAttr attr);

/// Runs the reference kernel of one txc op on `inputs` (one per operand;
/// null tensors for `none` operands) and checks the results against the
/// op's result types. Errors name the op and its location.
llvm::Expected<std::vector<ref::Tensor>>
evaluateOp(mlir::Operation *op, const std::vector<ref::Tensor> &inputs);

/// A dense constant holding `t` with type `type` (whose shape must match).
mlir::DenseElementsAttr tensorToAttr(const ref::Tensor &t,
                                     mlir::RankedTensorType type);

/// Evaluates `func` on `inputs` (one per argument, in order). Errors name
/// the input or the op (by its location, the ONNX node name) that failed.
llvm::Expected<std::vector<ref::Tensor>>
evaluate(mlir::func::FuncOp func, const std::vector<ref::Tensor> &inputs);

} // namespace txc

#endif
