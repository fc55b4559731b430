//===- Pipeline.h - The default txc pass pipeline ---------------*- C++ -*-===//
#ifndef TXC_PASSES_PIPELINE_H
#define TXC_PASSES_PIPELINE_H

#include "mlir/Pass/PassManager.h"

#include <string>
#include <vector>

namespace txc {
/// Options of `txc compile` that shape the pipeline.
struct PipelineOptions {
  std::vector<std::string> dims; // name=value
};
/// Adds the default pipeline: fix dims, canonicalize (folding shape
/// arithmetic), shape inference, constant evaluation, CSE, canonicalize.
void buildDefaultPipeline(mlir::OpPassManager &pm, const PipelineOptions &opts);
/// Registers every txc pass and the pipeline "txc-default".
void registerAllTxcPasses();
} // namespace txc

#endif
