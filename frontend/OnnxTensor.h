//===- OnnxTensor.h - ONNX TensorProto to MLIR and reference tensors -*- C++ -*-===//
#ifndef TXC_FRONTEND_ONNXTENSOR_H
#define TXC_FRONTEND_ONNXTENSOR_H

#include "reference/Tensor.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <string>

namespace onnx {
class TensorProto;
}

namespace txc {
class LeanModel;
struct RawDataRange;

/// Where external data files are looked up (the model's directory).
struct TensorReadContext {
  std::string baseDir;
  /// Tensors with more elements than this become dense_resource blobs
  /// (held once, not uniqued, elided in dumps); smaller ones dense attrs.
  int64_t resourceThreshold = 64;
  /// For initializers read by LeanModel: where their raw_data lies.
  const LeanModel *lean = nullptr;
  const RawDataRange *raw = nullptr;
};

/// Converts a TensorProto (raw_data, typed fields or external data) to an
/// ElementsAttr. May move the tensor's raw_data into a blob (no copy), so
/// the proto is left without it. On failure returns null and sets `error`.
mlir::ElementsAttr convertTensor(mlir::MLIRContext *ctx, onnx::TensorProto &t,
                                 const TensorReadContext &rc, std::string &error);

/// Reads a TensorProto into a reference tensor (for test data). Throws
/// ref::EvalError with a clear message on unsupported or malformed data.
ref::Tensor tensorFromProto(const onnx::TensorProto &t,
                            const std::string &baseDir = "");
/// Parses a serialized TensorProto file (.pb) into a reference tensor.
ref::Tensor readTensorFile(const std::string &path);

} // namespace txc

#endif
