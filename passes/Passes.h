//===- Passes.h - txc passes ------------------------------------*- C++ -*-===//
#ifndef TXC_PASSES_PASSES_H
#define TXC_PASSES_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

namespace txc {
#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

/// Re-infers all txc result types in `func`; shared by passes that change
/// types (used by ShapeInference and SetDims).
mlir::LogicalResult inferShapesInFunction(mlir::func::FuncOp func);

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"
} // namespace txc

#endif
