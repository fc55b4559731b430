//===- Passes.td - code generation passes ------------------*- tablegen -*-===//
#ifndef TXC_CODEGEN_PASSES_TD
#define TXC_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def OutlineWeights : Pass<"txc-outline-weights", "mlir::func::FuncOp"> {
  let summary = "Turn large constants into read-only function arguments";
  let description = [{
    Every constant with more than `min-elements` elements (the weights)
    becomes a trailing argument of the function, marked
    `bufferization.writable = false`, and the function's `txc.weights`
    attribute lists the constants in argument order. The artifact stores the
    weights once, aligned, and the runtime passes pointers into them: LLVM
    never sees the weight bytes. Small constants (shapes, axes, scalars) stay
    in the IR, where the lowering folds them.
  }];
  let options = [
    Option<"minElements", "min-elements", "int64_t", /*default=*/"65",
           "smallest constant (in elements) to outline">
  ];
}

def LowerToLinalg : Pass<"txc-lower-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower txc ops to linalg, tensor, arith and math";
  let description = [{
    One conversion pattern per op, grouped by family in codegen/lowering/.
    Tensor types lose their named-dim encodings and unsigned element types
    become signless. Ops without a lowering are reported together, one line
    per ONNX node, and the pass fails.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::linalg::LinalgDialect",
                           "mlir::math::MathDialect", "mlir::tensor::TensorDialect",
                           "mlir::scf::SCFDialect"];
}

def ApproximateMath : Pass<"txc-approximate-math", "mlir::ModuleOp"> {
  let summary = "Polynomial approximations of math ops (vectorizable, no libm call)";
  let description = [{
    Applies MLIR's polynomial approximations of tanh, erf, exp, log, sin,
    cos, atan, ... on f32 (the ops then vectorize with the loop around
    them); what remains goes to libm calls.
  }];
}

def StridedCopiesToLoops : Pass<"txc-strided-copies-to-loops", "mlir::func::FuncOp"> {
  let summary = "memref.copy between non-contiguous buffers -> linalg.copy";
  let description = [{
    finalize-memref-to-llvm lowers a memref.copy with a non-identity layout
    to a call of `memrefCopy` from MLIR's C runner utils, which a compiled
    model does not link. This pass turns such copies into linalg.copy,
    which convert-linalg-to-loops then lowers to loops; contiguous copies
    stay memref.copy (an llvm.memcpy).
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

#endif
