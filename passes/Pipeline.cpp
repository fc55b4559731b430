//===- Pipeline.cpp - The default txc pass pipeline -----------------------===//

#include "passes/Pipeline.h"
#include "passes/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace txc {

void buildDefaultPipeline(OpPassManager &pm, const PipelineOptions &opts) {
  OpPassManager &fpm = pm.nest<func::FuncOp>();
  if (!opts.dims.empty()) {
    SetDimsOptions o;
    o.dims = opts.dims;
    fpm.addPass(createSetDims(o));
  }
  fpm.addPass(createCanonicalizerPass());
  fpm.addPass(createShapeInference());
  fpm.addPass(createFoldConstants());
  fpm.addPass(createCSEPass());
  fpm.addPass(createCanonicalizerPass());
  // Constants folded above (shapes of Expand, Reshape...) refine types once
  // more, so code generation sees static shapes where the model has them.
  fpm.addPass(createShapeInference());
  fpm.addPass(createCanonicalizerPass());
}

void registerAllTxcPasses() {
  registerTxcPasses(); // generated from Passes.td
  PassPipelineRegistration<>(
      "txc-default", "The default txc pipeline (canonicalize, shapes, constants, CSE)",
      [](OpPassManager &pm) { buildDefaultPipeline(pm, {}); });
}

} // namespace txc
