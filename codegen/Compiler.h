//===- Compiler.h - From the optimized txc dialect to an artifact -*- C++ -*-===//
//
// The code generation driver shared by `txc compile` and the tests: reads
// the model's signature, outlines the weights, lowers to the LLVM dialect,
// translates, optimizes, emits and links, and assembles model.txc. Each
// phase is timed; --emit stops after the phase that produces what it names.
//
//===----------------------------------------------------------------------===//
#ifndef TXC_CODEGEN_COMPILER_H
#define TXC_CODEGEN_COMPILER_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace mlir {
class PassManager;
}

namespace txc::codegen {

enum class Emit { Artifact, Mlir, Llvm, Asm, Obj };

struct CompileOptions {
  std::string target = "native"; // native | x86-64-v3 | x86-64-v4 | ...
  int optLevel = 2;
  Emit emit = Emit::Artifact;
  std::string optionsText; // the command line, stored in the artifact
  /// Called on the lowering pass manager before it runs (IR printing,
  /// timing); may be empty.
  std::function<void(mlir::PassManager &)> configurePassManager;
};

struct PhaseTime {
  std::string name;
  double seconds;
};

struct CompileResult {
  /// The artifact bytes (Emit::Artifact) or the text/object asked for.
  std::string output;
  std::vector<PhaseTime> phases;
  uint64_t opCount = 0, kernelCount = 0, weightBytes = 0;
  std::vector<std::string> kernels;
};

/// Compiles `module` (its @main in the txc dialect, after the txc pipeline).
/// The module is consumed (lowered in place). Errors are MLIR diagnostics
/// already reported, or an llvm::Error with a message.
llvm::Error compileModule(mlir::ModuleOp module, const CompileOptions &opts,
                          CompileResult &result);

} // namespace txc::codegen

#endif
