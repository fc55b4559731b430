//===- TxcDialect.cpp - txc dialect registration and type mapping ---------===//

#include "ir/TxcDialect.h"
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

Type elementTypeFromOnnx(MLIRContext *ctx, int64_t onnxType) {
  switch (onnxType) {
  case 1: return FloatType::getF32(ctx);
  case 2: return IntegerType::get(ctx, 8, IntegerType::Unsigned);
  case 3: return IntegerType::get(ctx, 8);
  case 4: return IntegerType::get(ctx, 16, IntegerType::Unsigned);
  case 5: return IntegerType::get(ctx, 16);
  case 6: return IntegerType::get(ctx, 32);
  case 7: return IntegerType::get(ctx, 64);
  case 9: return IntegerType::get(ctx, 1);
  case 10: return FloatType::getF16(ctx);
  case 11: return FloatType::getF64(ctx);
  case 12: return IntegerType::get(ctx, 32, IntegerType::Unsigned);
  case 13: return IntegerType::get(ctx, 64, IntegerType::Unsigned);
  case 16: return FloatType::getBF16(ctx);
  default: return nullptr;
  }
}

int64_t onnxTypeOf(Type t) {
  if (t.isF32()) return 1;
  if (t.isF16()) return 10;
  if (t.isF64()) return 11;
  if (t.isBF16()) return 16;
  if (auto i = llvm::dyn_cast<IntegerType>(t)) {
    bool u = i.isUnsigned();
    switch (i.getWidth()) {
    case 1: return 9;
    case 8: return u ? 2 : 3;
    case 16: return u ? 4 : 5;
    case 32: return u ? 12 : 6;
    case 64: return u ? 13 : 7;
    }
  }
  return 0;
}

} // namespace txc
