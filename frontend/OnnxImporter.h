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

} // namespace txc

#endif
