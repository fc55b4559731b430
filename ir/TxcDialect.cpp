//===- TxcDialect.cpp - txc dialect registration and type mapping ---------===//

#include "ir/TxcDialect.h"
#include "ir/semantics/DTypes.h"
#include "ir/Dims.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace txc;

#include "ir/TxcOpsDialect.cpp.inc"
#define GET_ATTRDEF_CLASSES
#include "ir/TxcAttrs.cpp.inc"
#include "ir/TxcInterfaces.cpp.inc"
#define GET_OP_CLASSES
#include "ir/TxcOps.cpp.inc"

/// `txc.constant dense<...> : tensor<...>`: the value carries the type.
ParseResult ConstantOp::parse(OpAsmParser &parser, OperationState &result) {
  ElementsAttr value;
  if (parser.parseOptionalAttrDict(result.attributes) ||
      parser.parseAttribute(value, "value", result.attributes))
    return failure();
  result.addTypes(value.getType());
  return success();
}

void ConstantOp::print(OpAsmPrinter &p) {
  p.printOptionalAttrDict((*this)->getAttrs(), /*elidedAttrs=*/{"value"});
  p << ' ';
  p.printAttribute(getValue());
}

void TxcDialect::initialize() {
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "ir/TxcOps.cpp.inc"
      >();
}

void TxcDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "ir/TxcAttrs.cpp.inc"
      >();
}

Operation *TxcDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                           Type type, Location loc) {
  if (llvm::isa<NoneType>(type))
    return builder.create<NoneOp>(loc, builder.getNoneType());
  if (auto elements = llvm::dyn_cast<ElementsAttr>(value))
    if (elements.getType() == type)
      return builder.create<ConstantOp>(loc, type, elements);
  return nullptr;
}

namespace txc {

// Both directions come from the one dtype table, ir/semantics/DTypes.h.
Type elementTypeFromOnnx(MLIRContext *ctx, int64_t onnxType) {
  const semantics::DTypeRow *r = semantics::dtypeByOnnxCode(onnxType);
  if (!r)
    return nullptr;
  switch (r->kind) {
  case semantics::ElemKind::Float:
    if (r->brainFloat)
      return FloatType::getBF16(ctx);
    return r->bits == 16 ? Type(FloatType::getF16(ctx))
           : r->bits == 32 ? Type(FloatType::getF32(ctx))
                           : Type(FloatType::getF64(ctx));
  case semantics::ElemKind::Signed:
    return IntegerType::get(ctx, r->bits);
  case semantics::ElemKind::Unsigned:
    return IntegerType::get(ctx, r->bits, IntegerType::Unsigned);
  case semantics::ElemKind::Bool:
    return IntegerType::get(ctx, 1);
  }
  return nullptr;
}

int64_t onnxTypeOf(Type t) {
  for (const semantics::DTypeRow &r : semantics::kDTypes)
    if (elementTypeFromOnnx(t.getContext(), r.onnxCode) == t)
      return r.onnxCode;
  return 0;
}

} // namespace txc
