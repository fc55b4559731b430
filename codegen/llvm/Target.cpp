//===- Target.cpp - TargetMachine, optimization and object emission -------===//

#include "codegen/llvm/Backend.h"

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

namespace txc::codegen {

static std::string hostFeatures() {
  std::string out;
  for (auto &kv : llvm::sys::getHostCPUFeatures())
      out += (out.empty() ? "" : ",") + std::string(kv.second ? "+" : "-") +
             kv.first().str();
  return out;
}

std::string hostCpuDescription() { return llvm::sys::getHostCPUName().str(); }

llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const TargetOptions &opts) {
  static bool init = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)init;
  std::string triple = llvm::sys::getProcessTriple();
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "no LLVM target for " + triple + ": " + error);
  std::string cpu, features;
  if (opts.cpu == "native" || opts.cpu.empty()) {
    cpu = llvm::sys::getHostCPUName().str();
    features = hostFeatures();
  } else if (opts.cpu == "x86-64-v3" || opts.cpu == "x86-64-v4" ||
             opts.cpu == "x86-64-v2" || opts.cpu == "x86-64") {
    cpu = opts.cpu;
  } else {
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "unknown --target '" + opts.cpu +
            "': expected native, x86-64, x86-64-v2, x86-64-v3 or x86-64-v4");
  }
  llvm::TargetOptions to;
  auto level = opts.optLevel >= 3   ? llvm::CodeGenOptLevel::Aggressive
               : opts.optLevel == 0 ? llvm::CodeGenOptLevel::None
                                    : llvm::CodeGenOptLevel::Default;
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      triple, cpu, features, to, llvm::Reloc::PIC_, llvm::CodeModel::Small, level));
  if (!tm)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "cannot create a target machine for " + cpu);
  return tm;
}

void optimizeModule(llvm::Module &m, llvm::TargetMachine &tm, int optLevel) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions pto;
  pto.LoopVectorization = optLevel >= 2;
  pto.SLPVectorization = optLevel >= 2;
  // Full unrolling of the many small constant-trip loops of a static-shape
  // model made O2 take seconds (tiny BERT: 14 s -> see the note); the loop
  // vectorizer interleaves the hot loops anyway.
  pto.LoopUnrolling = false;
  llvm::PassBuilder pb(&tm, pto);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::OptimizationLevel level = optLevel >= 3   ? llvm::OptimizationLevel::O3
                                  : optLevel == 2 ? llvm::OptimizationLevel::O2
                                  : optLevel == 1 ? llvm::OptimizationLevel::O1
                                                  : llvm::OptimizationLevel::O0;
  llvm::ModulePassManager mpm = optLevel == 0
                                    ? pb.buildO0DefaultPipeline(level)
                                    : pb.buildPerModuleDefaultPipeline(level);
  mpm.run(m, mam);
}

llvm::Expected<std::string> emitMachineCode(llvm::Module &m,
                                            llvm::TargetMachine &tm,
                                            bool assembly) {
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, os, nullptr,
                             assembly ? llvm::CodeGenFileType::AssemblyFile
                                      : llvm::CodeGenFileType::ObjectFile))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "the target cannot emit this file type");
  pm.run(m);
  return std::string(buffer.begin(), buffer.end());
}

} // namespace txc::codegen
