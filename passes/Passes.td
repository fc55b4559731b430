//===- Passes.td - txc pass definitions --------------------*- tablegen -*-===//
#ifndef TXC_PASSES_TD
#define TXC_PASSES_TD

include "mlir/Pass/PassBase.td"

def ShapeInference : Pass<"txc-shape-inference", "mlir::func::FuncOp"> {
  let summary = "Re-infer result types of txc ops and the function results";
  let description = [{
    Walks the function in order and refines every txc op's result types from
    its shape rule (after folding made shapes constant, or after
    txc-set-dims fixed a named dim). The function's result types follow.
  }];
}

def SetDims : Pass<"txc-set-dims", "mlir::func::FuncOp"> {
  let summary = "Fix named dims of the function arguments to static sizes";
  let description = [{
    `dims=seq=128,batch=1` replaces every dynamic dim named `seq` or `batch`
    in the argument types by the size, then re-infers all types.
  }];
  let options = [
    ListOption<"dims", "dims", "std::string",
               "name=value pairs fixing named dims">
  ];
}

def FoldConstants : Pass<"txc-fold-constants", "mlir::func::FuncOp"> {
  let summary = "Evaluate ops whose operands are all constants";
  let description = [{
    Runs every txc op whose operands are constants through its reference
    kernel and replaces it by the resulting constant: the float arithmetic
    exporters leave behind (the attention scale as ConstantOfShape + Add ->
    Div, Sqrt of a head size, casts of constant masks). Results with more
    than `max-elements` elements, or without a fully static type, are left
    alone so that weights are not duplicated.
  }];
  let options = [
    Option<"maxElements", "max-elements", "int64_t", /*default=*/"65536",
           "largest result (in elements) to materialize as a constant">
  ];
}

#endif // TXC_PASSES_TD
