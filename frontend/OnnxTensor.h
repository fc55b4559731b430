//===- OnnxTensor.h - ONNX TensorProto to MLIR and reference tensors -*- C++ -*-===//
#ifndef TXC_FRONTEND_ONNXTENSOR_H
#define TXC_FRONTEND_ONNXTENSOR_H

#include "mlir/IR/BuiltinAttributes.h"

#include <cstdint>
#include <string>
#include <vector>

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
  /// Larger tensors are refused before allocation (0: semantics::maxTensorBytes()).
  uint64_t maxTensorBytes = 0;
  /// For initializers read by LeanModel: where their raw_data lies.
  const LeanModel *lean = nullptr;
  const RawDataRange *raw = nullptr;
};

/// Converts a TensorProto (raw_data, typed fields or external data) to an
/// ElementsAttr. May move the tensor's raw_data into a blob (no copy), so
/// the proto is left without it. On failure returns null and sets `error`.
mlir::ElementsAttr convertTensor(mlir::MLIRContext *ctx, onnx::TensorProto &t,
                                 const TensorReadContext &rc, std::string &error);

/// A TensorProto's data as little-endian bytes of its element type (bool:
/// 1 byte), whichever field holds it (raw_data, typed fields, or external
/// data confined to `baseDir`).
struct TensorData {
  int onnxType = 0;
  std::vector<int64_t> shape;
  std::string bytes;
};
/// Sizes are checked against `maxBytes` (0: the --max-tensor-bytes limit)
/// before anything is allocated. On failure returns false and sets `error`.
/// (The ONNX test-data reader in tests/support builds on this.)
bool tensorData(const onnx::TensorProto &t, const std::string &baseDir,
                uint64_t maxBytes, TensorData &out, std::string &error);

} // namespace txc

#endif
