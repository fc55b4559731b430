//===- Passes.h - txc code generation passes --------------------*- C++ -*-===//
#ifndef TXC_CODEGEN_PASSES_H
#define TXC_CODEGEN_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

#include <memory>

namespace mlir {
namespace arith { class ArithDialect; }
namespace linalg { class LinalgDialect; }
namespace math { class MathDialect; }
namespace tensor { class TensorDialect; }
namespace scf { class SCFDialect; }
} // namespace mlir

namespace txc {
#define GEN_PASS_DECL
#include "codegen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "codegen/Passes.h.inc"
} // namespace txc

#endif
