//===- OnnxTestData.h - ONNX test-data (.pb) reader for tests ---*- C++ -*-===//
//
// Reads the serialized TensorProto files of the ONNX backend node suite into
// reference tensors. Only tests use it, so the importer does not link the
// reference evaluator for it.
//
//===----------------------------------------------------------------------===//
#ifndef TXC_TESTS_SUPPORT_ONNXTESTDATA_H
#define TXC_TESTS_SUPPORT_ONNXTESTDATA_H

#include "reference/Tensor.h"

#include <string>

namespace onnx {
class TensorProto;
}

namespace txc {

/// Reads a TensorProto into a reference tensor. Throws ref::EvalError with
/// a clear message on unsupported or malformed data.
ref::Tensor tensorFromProto(const onnx::TensorProto &t, const std::string &baseDir = "");
/// Parses a serialized TensorProto file (.pb) into a reference tensor.
ref::Tensor readTensorFile(const std::string &path);

} // namespace txc

#endif
