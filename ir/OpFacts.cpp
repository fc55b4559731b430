//===- OpFacts.cpp - Operand and attribute facts of every txc op ----------===//

#include "ir/OpFacts.h"

#include <algorithm>
#include <cstring>
#include <iterator>

namespace txc {

namespace {
#include "ir/TxcOpFacts.inc"
} // namespace

const char *attrKindName(AttrKind k) {
  switch (k) {
  case AttrKind::Int: return "INT";
  case AttrKind::Float: return "FLOAT";
  case AttrKind::String: return "STRING";
  case AttrKind::Ints: return "INTS";
  case AttrKind::Floats: return "FLOATS";
  case AttrKind::Strings: return "STRINGS";
  case AttrKind::Tensor: return "TENSOR";
  }
  return "?";
}

const AttrFact *OpFact::attr(std::string_view n) const {
  for (unsigned i = 0; i < numAttrs; ++i)
    if (n == attrs[i].name)
      return &attrs[i];
  return nullptr;
}

bool OpFact::hasVariadicOperand() const {
  for (unsigned i = 0; i < numOperands; ++i)
    if (operands[i].variadic)
      return true;
  return false;
}

unsigned OpFact::numRequiredOperands() const {
  unsigned n = 0;
  for (unsigned i = 0; i < numOperands; ++i)
    n += !operands[i].optional && !operands[i].variadic;
  return n;
}

const OpFact *opFactsBegin() { return std::begin(kOpFacts); }
const OpFact *opFactsEnd() { return std::end(kOpFacts); }

const OpFact *lookupOpFact(std::string_view name) {
  const OpFact *it = std::lower_bound(
      opFactsBegin(), opFactsEnd(), name,
      [](const OpFact &f, std::string_view n) { return std::string_view(f.name) < n; });
  return it != opFactsEnd() && name == it->name ? it : nullptr;
}

} // namespace txc
