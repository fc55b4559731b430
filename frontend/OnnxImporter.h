//===- OnnxImporter.h - ONNX model to txc dialect ---------------*- C++ -*-===//
#ifndef TXC_FRONTEND_ONNXIMPORTER_H
#define TXC_FRONTEND_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>
#include <vector>

namespace txc {

struct ImportOptions {
  /// Tensors with more elements become dense_resource blobs.
  int64_t resourceThreshold = 64;
  /// No initializer, constant, graph input or inferred intermediate may be
  /// larger than this many bytes; it is refused, naming the tensor and its
  /// shape, before anything is allocated. 0: semantics::maxTensorBytes() (the
  /// machine's memory unless `--max-tensor-bytes` changed it).
  uint64_t maxTensorBytes = 0;
};

/// Imports an .onnx file into a module with one func.func @main. Input and
/// output names are the `txc.name` argument/result attributes; op locations
/// are the ONNX node names. On failure returns null after emitting errors
/// through the context's diagnostic handler: ONE error listing every
/// unsupported node of the model, or the first malformed part.
mlir::OwningOpRef<mlir::ModuleOp> importOnnxFile(mlir::MLIRContext *ctx,
                                                 const std::string &path,
                                                 const ImportOptions &opts = {});

/// The txc op name (without "txc.") of an ONNX op type, e.g. MatMul ->
/// matmul, LayerNormalization -> layer_normalization.
std::string txcOpNameFor(const std::string &onnxOpType);

/// The ONNX op types the importer supports (for `txc import --list-ops`).
std::vector<std::string> supportedOnnxOps();

/// What the importer knows of an ONNX op beyond the txc op's facts
/// (ir/OpFacts.h): its ONNX domain, the txc op it becomes and the oldest
/// opset it supports. One row per supported op (tests check each row
/// against the dialect).
struct OnnxOpRow {
  std::string domain; // "" for ai.onnx
  std::string onnxName;
  std::string txcName;
  int minOpset;
};
std::vector<OnnxOpRow> onnxOpTable();

} // namespace txc

#endif
