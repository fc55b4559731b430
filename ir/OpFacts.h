//===- OpFacts.h - Operand and attribute facts of every txc op --*- C++ -*-===//
//
// Generated from the ODS definitions (ir/TxcOps.td, by ir/gen_op_facts.py at
// build time), so ODS stays the one source of an op's operands, results and
// attributes. The importer checks each ONNX node against these facts before
// it creates an op; tests check that the importer's ONNX table and the
// reference kernels agree with them. No MLIR dependency.
//
//===----------------------------------------------------------------------===//
#ifndef TXC_IR_OPFACTS_H
#define TXC_IR_OPFACTS_H

#include <cstdint>
#include <string_view>

namespace txc {

/// The kind of an attribute, as ONNX's AttributeProto.type names it.
enum class AttrKind : uint8_t { Int, Float, String, Ints, Floats, Strings, Tensor };

/// "INT", "FLOATS", ... (ONNX's spelling).
const char *attrKindName(AttrKind k);

struct OperandFact {
  const char *name;
  bool optional; // may be a none value (an absent ONNX input)
  bool variadic; // zero or more (the op's shape rule asks for at least one)
};

struct AttrFact {
  const char *name;
  AttrKind kind;
  bool required;
  const char *defaultValue; // ODS default as written in TxcOps.td, or null
};

struct OpFact {
  const char *name; // without "txc."
  const OperandFact *operands;
  unsigned numOperands;
  unsigned numResults;
  bool variadicResults;
  const AttrFact *attrs;
  unsigned numAttrs;

  const AttrFact *attr(std::string_view name) const;
  bool hasVariadicOperand() const;
  /// Operands that must be present (not optional, not variadic).
  unsigned numRequiredOperands() const;
};

/// The facts of txc op `name` (without "txc."), or null.
const OpFact *lookupOpFact(std::string_view name);
/// Every op of the dialect, sorted by name.
const OpFact *opFactsBegin();
const OpFact *opFactsEnd();

} // namespace txc

#endif
