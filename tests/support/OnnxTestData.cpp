//===- OnnxTestData.cpp - ONNX test-data (.pb) reader for tests -----------===//

#include "tests/support/OnnxTestData.h"

#include "frontend/InputFiles.h"
#include "frontend/OnnxTensor.h"

#include "onnx/onnx_pb.h"

#include "llvm/Support/Path.h"

#include <cstring>
#include <fstream>

namespace txc {

ref::Tensor tensorFromProto(const onnx::TensorProto &t, const std::string &baseDir) {
  TensorData data;
  std::string error;
  if (!tensorData(t, baseDir, /*maxBytes=*/0, data, error))
    throw ref::EvalError("tensor '" + t.name() + "': " + error);
  ref::DType dt;
  if (!ref::dtypeFromOnnx(data.onnxType, dt))
    throw ref::EvalError("tensor '" + t.name() + "': unsupported dtype");
  ref::Tensor out(dt, data.shape);
  if (data.bytes.size() != out.byteSize())
    throw ref::EvalError("tensor '" + t.name() + "': data size mismatch");
  if (!data.bytes.empty())
    std::memcpy(out.mutableRaw(), data.bytes.data(), data.bytes.size());
  return out;
}

ref::Tensor readTensorFile(const std::string &path) {
  std::string error;
  if (!checkRegularFile(path, error))
    throw ref::EvalError(error);
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw ref::EvalError("cannot open '" + path + "'");
  onnx::TensorProto t;
  if (!t.ParseFromIstream(&in))
    throw ref::EvalError("'" + path + "' is not a valid serialized TensorProto");
  return tensorFromProto(t, llvm::sys::path::parent_path(path).str());
}

} // namespace txc
