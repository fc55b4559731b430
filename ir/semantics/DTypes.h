//===- DTypes.h - The one table of element types ----------------*- C++ -*-===//
//
// Every element type txc handles, once: its ONNX TensorProto.DataType code
// and name, its reference-evaluator name, width, kind and NumPy descr. The
// reference evaluator (ref::DType, whose enumerators are in this order), the
// dialect (ONNX code <-> MLIR type), the importer and the .npy reader all
// look types up here. Header-only and MLIR-free.
//
//===----------------------------------------------------------------------===//
#ifndef TXC_IR_SEMANTICS_DTYPES_H
#define TXC_IR_SEMANTICS_DTYPES_H

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace txc::semantics {

enum class ElemKind : uint8_t { Float, Signed, Unsigned, Bool };

struct DTypeRow {
  int onnxCode;          // TensorProto.DataType
  const char *onnxName;  // "FLOAT", "INT64", ...
  const char *name;      // "float32", "int64", ... (the evaluator's and NumPy's)
  unsigned bits;         // storage width: bool is 1 bit in MLIR, 8 in memory
  ElemKind kind;
  const char *npyDescr;  // little-endian NumPy descr ("<V2": bfloat16 as raw)
  bool brainFloat = false;

  size_t byteSize() const { return bits == 1 ? 1 : bits / 8; }
};

/// Row i is ref::DType(i): F32, F64, F16, BF16, I8, U8, I16, U16, I32, U32,
/// I64, U64, Bool.
inline constexpr DTypeRow kDTypes[] = {
    {1, "FLOAT", "float32", 32, ElemKind::Float, "<f4"},
    {11, "DOUBLE", "float64", 64, ElemKind::Float, "<f8"},
    {10, "FLOAT16", "float16", 16, ElemKind::Float, "<f2"},
    {16, "BFLOAT16", "bfloat16", 16, ElemKind::Float, "<V2", true},
    {3, "INT8", "int8", 8, ElemKind::Signed, "|i1"},
    {2, "UINT8", "uint8", 8, ElemKind::Unsigned, "|u1"},
    {5, "INT16", "int16", 16, ElemKind::Signed, "<i2"},
    {4, "UINT16", "uint16", 16, ElemKind::Unsigned, "<u2"},
    {6, "INT32", "int32", 32, ElemKind::Signed, "<i4"},
    {12, "UINT32", "uint32", 32, ElemKind::Unsigned, "<u4"},
    {7, "INT64", "int64", 64, ElemKind::Signed, "<i8"},
    {13, "UINT64", "uint64", 64, ElemKind::Unsigned, "<u8"},
    {9, "BOOL", "bool", 1, ElemKind::Bool, "|b1"},
};
inline constexpr size_t kNumDTypes = sizeof(kDTypes) / sizeof(kDTypes[0]);

/// The row of ONNX dtype `code`, or null (string, complex, float8, int4...).
inline const DTypeRow *dtypeByOnnxCode(int64_t code) {
  for (const DTypeRow &r : kDTypes)
    if (r.onnxCode == code)
      return &r;
  return nullptr;
}

/// The row whose NumPy descr is `descr` ('|' and '=' read as '<'), or null.
inline const DTypeRow *dtypeByNpyDescr(std::string_view descr) {
  if (descr.size() != 3)
    return nullptr;
  for (const DTypeRow &r : kDTypes) {
    std::string_view d(r.npyDescr);
    bool orderOk = descr[0] == '<' || descr[0] == '|' || descr[0] == '=';
    if (orderOk && descr.substr(1) == d.substr(1))
      return &r;
  }
  return nullptr;
}

/// The row index of a row (for ref::DType).
inline size_t dtypeIndex(const DTypeRow *r) { return static_cast<size_t>(r - kDTypes); }

} // namespace txc::semantics

#endif
