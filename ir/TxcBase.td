//===- TxcBase.td - txc dialect, types, attributes, op bases -*- tablegen -*-===//
//
// The txc dialect mirrors ONNX at the tensor level (latest opset semantics;
// the importer upgrades older opsets). Ops are grouped by family; a family
// base class carries the shape rule, so a new elementwise op is one line.
//
//===----------------------------------------------------------------------===//
#ifndef TXC_BASE_TD
#define TXC_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Txc_Dialect : Dialect {
  let name = "txc";
  let cppNamespace = "::txc";
  let summary = "Tensor-level ops of transformer models, mirroring ONNX";
  let description = [{
    Operands and attributes follow the ONNX operator of the same name at its
    latest opset. Absent optional inputs are `none` values (from `txc.none`).
    Dynamic dims that come from named ONNX dims (`batch`, `sequence`) carry
    their names in the tensor type's encoding `#txc.dims<[...]>`.
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let usePropertiesForAttributes = 0;
  let hasCanonicalizer = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
  }];
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

def Txc_DimsAttr : AttrDef<Txc_Dialect, "Dims"> {
  let mnemonic = "dims";
  let summary = "names of the dims of a tensor type (\"\" = unnamed)";
  let description = [{
    Used as a ranked tensor type's encoding: one string per dim, the ONNX
    dim_param of a dynamic dim or "" for a static or anonymous one. Passes and
    the memory planner use the names to relate dims across values, and
    `--dim name=value` fixes every dim with that name.
  }];
  let parameters = (ins "::mlir::ArrayAttr":$names);
  let assemblyFormat = "`<` $names `>`";
}

//===----------------------------------------------------------------------===//
// Interfaces
//===----------------------------------------------------------------------===//

def Txc_ShapeInferenceOpInterface : OpInterface<"ShapeInferenceOpInterface"> {
  let cppNamespace = "::txc";
  let description = [{
    Computes result types (element type, rank, static and named dims) from
    the operands' types, attributes and constant operands. The op verifier
    checks declared result types against the inferred ones, so a shape rule
    is also the op's verifier.
  }];
  let methods = [
    InterfaceMethod<[{
        Appends one type per result. Emits an error on the op and fails when
        the operands or attributes are invalid.
      }], "::mlir::LogicalResult", "inferResultTypes",
      (ins "::llvm::SmallVectorImpl<::mlir::Type> &":$types)>
  ];
  let verify = [{ return ::txc::verifyInferredResultTypes($_op); }];
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Txc_Tensor : AnyTypeOf<[AnyRankedTensor, AnyUnrankedTensor]>;
/// An optional ONNX input: a tensor, or a `none` value from txc.none.
def Txc_OptTensor : AnyTypeOf<[AnyTensor, NoneType]>;

//===----------------------------------------------------------------------===//
// Op base classes (one per family shape rule)
//===----------------------------------------------------------------------===//

class Txc_Op<string mnemonic, list<Trait> traits = []>
    : Op<Txc_Dialect, mnemonic, traits # [Pure,
          DeclareOpInterfaceMethods<Txc_ShapeInferenceOpInterface>]>;

// Defines inferResultTypes by calling a family shape rule in C++.
class Txc_FamilyOp<string mnemonic, string rule, list<Trait> traits = []>
    : Txc_Op<mnemonic, traits> {
  let extraClassDefinition = [{
    ::mlir::LogicalResult $cppClass::inferResultTypes(
        ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      return ::txc::shape_rules::}] # rule # [{(getOperation(), types);
    }
  }];
}

/// Y = f(X), same shape and element type.
class Txc_UnaryOp<string mnemonic, list<Trait> traits = []>
    : Txc_FamilyOp<mnemonic, "sameAsFirstOperand", traits> {
  let arguments = (ins Txc_Tensor:$X);
  let results = (outs Txc_Tensor:$Y);
  let assemblyFormat = "$X attr-dict `:` functional-type(operands, results)";
}

/// Y = f(X) with attributes; subclasses set `arguments`.
class Txc_UnaryAttrOp<string mnemonic, list<Trait> traits = []>
    : Txc_FamilyOp<mnemonic, "sameAsFirstOperand", traits> {
  let results = (outs Txc_Tensor:$Y);
  let assemblyFormat = "$X attr-dict `:` functional-type(operands, results)";
}

/// Bool-valued unary predicates (IsNaN, IsInf).
class Txc_UnaryPredicateOp<string mnemonic, list<Trait> traits = []>
    : Txc_FamilyOp<mnemonic, "sameShapeBoolResult", traits> {
  let results = (outs Txc_Tensor:$Y);
  let assemblyFormat = "$X attr-dict `:` functional-type(operands, results)";
}

/// C = A op B with multidirectional (numpy) broadcasting.
class Txc_BinaryOp<string mnemonic, list<Trait> traits = []>
    : Txc_FamilyOp<mnemonic, "broadcastSameElementType", traits> {
  let arguments = (ins Txc_Tensor:$A, Txc_Tensor:$B);
  let results = (outs Txc_Tensor:$C);
  let assemblyFormat = "$A `,` $B attr-dict `:` functional-type(operands, results)";
}

/// Comparisons and logic: broadcasting, bool result.
class Txc_CompareOp<string mnemonic, list<Trait> traits = []>
    : Txc_FamilyOp<mnemonic, "broadcastBoolResult", traits> {
  let arguments = (ins Txc_Tensor:$A, Txc_Tensor:$B);
  let results = (outs Txc_Tensor:$C);
  let assemblyFormat = "$A `,` $B attr-dict `:` functional-type(operands, results)";
}

/// Sum/Mean/Max/Min over 1..N broadcast inputs.
class Txc_VariadicOp<string mnemonic, list<Trait> traits = []>
    : Txc_FamilyOp<mnemonic, "broadcastSameElementType", traits> {
  let arguments = (ins Variadic<Txc_Tensor>:$data_0);
  let results = (outs Txc_Tensor:$result);
  let assemblyFormat = "$data_0 attr-dict `:` functional-type(operands, results)";
}

/// ReduceX(data, axes?) with keepdims / noop_with_empty_axes.
class Txc_ReduceOp<string mnemonic, list<Trait> traits = []>
    : Txc_FamilyOp<mnemonic, "reduce", traits> {
  let arguments = (ins Txc_Tensor:$data, Txc_OptTensor:$axes,
                   DefaultValuedAttr<I64Attr, "1">:$keepdims,
                   DefaultValuedAttr<I64Attr, "0">:$noop_with_empty_axes);
  let results = (outs Txc_Tensor:$reduced);
  let assemblyFormat = "$data `,` $axes attr-dict `:` functional-type(operands, results)";
}

/// Ops whose shape rule is written for the op itself (in C++, by family).
class Txc_CustomOp<string mnemonic, list<Trait> traits = []>
    : Txc_Op<mnemonic, traits> {
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

#endif // TXC_BASE_TD
