//===- Backend.h - From lowered MLIR to a loadable shared object -*- C++ -*-===//
//
// The phases after the txc dialect: the MLIR pass pipeline from linalg on
// tensors to the LLVM dialect, translation to LLVM IR (plus the packed entry
// point the runtime calls), the new-PM optimization pipeline for the target
// CPU, object emission and an in-process lld link into a shared object.
//
//===----------------------------------------------------------------------===//
#ifndef TXC_CODEGEN_LLVM_BACKEND_H
#define TXC_CODEGEN_LLVM_BACKEND_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace llvm {
class LLVMContext;
class Module;
class TargetMachine;
} // namespace llvm

namespace txc::codegen {

/// The entry symbol of every compiled model: `void txc_entry(void **args)`
/// with args[0] the result descriptors and args[1..] one memref descriptor
/// per function argument (inputs, then weights).
inline constexpr const char *kEntrySymbol = "txc_entry";

struct TargetOptions {
  /// "native" (the host), "x86-64-v3" (AVX2+FMA), "x86-64-v4" (AVX-512).
  std::string cpu = "native";
  int optLevel = 2;
};

/// Adds the passes from txc (after the txc pipeline and weight outlining) to
/// linalg on tensors: txc-lower-to-linalg, elementwise fusion.
void buildLinalgPipeline(mlir::OpPassManager &pm);
/// Adds the passes from linalg on tensors to the LLVM dialect:
/// bufferization, deallocation, loops, math approximation, conversion.
void buildLLVMPipeline(mlir::OpPassManager &pm);
/// The same pipelines as text (documentation, txc-opt).
std::string linalgPipelineText();
std::string llvmPipelineText();
/// Registers the upstream dialects and their interface models (bufferization,
/// LLVM translation) in `ctx`.
void registerCodegenDialects(mlir::MLIRContext &ctx);
/// Registers the upstream passes the pipeline uses, and the txc codegen passes.
void registerCodegenPasses();

/// The target machine for `opts.cpu`; errors name an unknown CPU.
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const TargetOptions &opts);
/// The host's CPU name and feature string, as LLVM sees them.
std::string hostCpuDescription();

/// Translates a module in the LLVM dialect (whose `func` carries
/// llvm.emit_c_interface) and adds the packed entry point.
llvm::Expected<std::unique_ptr<llvm::Module>>
translateToLLVMIR(mlir::ModuleOp module, llvm::LLVMContext &ctx,
                  llvm::StringRef funcName, llvm::TargetMachine &tm);

/// Runs the new-PM O<optLevel> pipeline for the target machine.
void optimizeModule(llvm::Module &m, llvm::TargetMachine &tm, int optLevel);

/// Emits an object file (or assembly) into a string.
llvm::Expected<std::string> emitMachineCode(llvm::Module &m,
                                            llvm::TargetMachine &tm,
                                            bool assembly);

/// Links one relocatable object into a shared object with lld (in process).
llvm::Expected<std::string> linkSharedObject(llvm::StringRef object);

} // namespace txc::codegen

#endif
