//===- CompileCommand.cpp - txc import / txc compile ----------------------===//

#include "Commands.h"

#include "ir/TxcDialect.h"
#include "passes/Pipeline.h"
#include "codegen/Compiler.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"

#include <chrono>

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <map>
#include <optional>

#include "mlir/IR/DialectResourceBlobManager.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Support/FileUtilities.h"

namespace txc::tool {

static mlir::OpPrintingFlags printingFlags(const Args &args) {
  mlir::OpPrintingFlags flags;
  if (!args.has("print-weights"))
    flags.elideLargeElementsAttrs(16).elideLargeResourceString(1);
  if (args.has("print-locations"))
    flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false);
  return flags;
}

/// Moves the weight blobs of `module` aside for as long as it lives. MLIR
/// hex-encodes every blob before deciding to elide it (on BERT-base: 2.5 s
/// and +550 MB to print an IR whose weights are elided anyway), so dumps
/// without weights print empty blobs, elided, instead.
class DetachedWeights {
public:
  explicit DetachedWeights(mlir::ModuleOp module) {
    module.walk([&](ConstantOp c) {
      auto attr = llvm::dyn_cast<mlir::DenseResourceElementsAttr>(c.getValue());
      if (!attr)
        return;
      auto *entry = attr.getRawHandle().getResource();
      mlir::AsmResourceBlob *blob = entry ? entry->getBlob() : nullptr;
      if (!blob || blob->getData().empty())
        return;
      saved_.emplace_back(entry, std::move(*blob));
      entry->setBlob(mlir::AsmResourceBlob());
    });
  }
  ~DetachedWeights() {
    for (auto &[entry, blob] : saved_)
      entry->setBlob(std::move(blob));
  }

private:
  std::vector<std::pair<mlir::DialectResourceBlobManager::BlobEntry *,
                        mlir::AsmResourceBlob>>
      saved_;
};

static int writeModule(mlir::ModuleOp module, const Args &args) {
  std::string out = args.get("o", "-");
  std::string error;
  auto file = mlir::openOutputFile(out, &error);
  if (!file) {
    llvm::errs() << "txc: " << error << "\n";
    return kBadInput;
  }
  std::optional<DetachedWeights> detached;
  if (!args.has("print-weights"))
    detached.emplace(module);
  module->print(file->os(), printingFlags(args));
  file->os() << "\n";
  file->keep();
  return kOk;
}

/// `txc import --summary`: op counts and weight bytes instead of the IR.
static void printSummary(mlir::ModuleOp module) {
  std::map<std::string, int> ops;
  int64_t weightBytes = 0, weights = 0;
  module.walk([&](mlir::Operation *op) {
    if (llvm::isa<mlir::ModuleOp, mlir::func::FuncOp, mlir::func::ReturnOp>(op))
      return;
    ops[op->getName().getStringRef().str()]++;
    if (auto c = llvm::dyn_cast<ConstantOp>(op)) {
      auto t = llvm::cast<mlir::ShapedType>(c.getValue().getType());
      weightBytes += t.getNumElements() *
                     std::max<int64_t>(1, t.getElementTypeBitWidth() / 8);
      ++weights;
    }
  });
  for (auto func : module.getOps<mlir::func::FuncOp>()) {
    llvm::outs() << "function @" << func.getName() << ": "
                 << func.getNumArguments() << " inputs, "
                 << func.getNumResults() << " outputs\n";
    for (unsigned i = 0; i < func.getNumArguments(); ++i)
      llvm::outs() << "  input  " << func.getArgAttrOfType<mlir::StringAttr>(i, "txc.name")
                   << ": " << func.getArgument(i).getType() << "\n";
    for (unsigned i = 0; i < func.getNumResults(); ++i)
      llvm::outs() << "  output " << func.getResultAttrOfType<mlir::StringAttr>(i, "txc.name")
                   << ": " << func.getResultTypes()[i] << "\n";
  }
  llvm::outs() << "constants: " << weights << " (" << weightBytes << " bytes)\n";
  for (auto &kv : ops)
    llvm::outs() << "  " << kv.first << ": " << kv.second << "\n";
}

int runImport(int argc, char **argv) {
  Args args;
  std::string error;
  if (!parseArgs(argc, argv, 2, {"o"},
                 {"help", "print-weights", "print-locations", "summary"},
                 args, error)) {
    llvm::errs() << "txc import: " << error << "\n";
    return kUsage;
  }
  if (args.has("help")) {
    llvm::outs() << R"(Usage: txc import <model.onnx> [options]

Imports an ONNX model into the txc dialect and prints the IR.

Options:
  -o <file>          write the IR to <file> (default: stdout)
  --print-weights    print weights in full (default: large ones are elided)
  --print-locations  print op locations (ONNX node names)
  --summary          print inputs, outputs, op counts and weight bytes only
)";
    return kOk;
  }
  if (args.positional.size() != 1) {
    llvm::errs() << "txc import: expected exactly one model file\n";
    return kUsage;
  }
  mlir::MLIRContext ctx;
  auto diag = installDiagnosticHandler(ctx);
  auto module = loadModel(ctx, args.positional[0]);
  if (!module)
    return kBadInput;
  if (args.has("summary")) {
    printSummary(*module);
    return kOk;
  }
  return writeModule(*module, args);
}

int runCompile(int argc, char **argv) {
  Args args;
  std::string error;
  if (!parseArgs(argc, argv, 2,
                 {"o", "dim", "print-ir-after", "print-ir-before", "emit", "target", "O"},
                 {"help", "print-weights", "print-locations", "print-ir-after-all",
                  "print-ir-before-all", "mlir-timing", "quiet"},
                 args, error)) {
    llvm::errs() << "txc compile: " << error << "\n";
    return kUsage;
  }
  if (args.has("help")) {
    llvm::outs() << R"(Usage: txc compile <model.onnx|model.mlir> [options]

Compiles the model into one artifact (model.txc: native code, weights and
metadata) that libtxcrt loads. Phases: import, optimize (the txc pipeline:
fix dims, canonicalize with constant and shape folding, shape inference,
CSE), lower (txc -> linalg -> LLVM dialect), llvm (translation and the
O2 pipeline for the target CPU), codegen (object code), link (lld), write.

Options:
  -o <file>                 output file (default: <model>.txc; '-' for stdout
                            with --emit=ir|mlir|llvm|asm)
  --emit=<what>             artifact (default) | ir (txc dialect after the
                            optimization pipeline) | mlir (LLVM dialect) |
                            llvm (LLVM IR after optimization) | asm | obj
  --target=<cpu>            native (default: this machine's CPU) | x86-64-v3
                            (AVX2+FMA) | x86-64-v4 (AVX-512)
  -O <0-3>                  LLVM optimization level (default 2)
  --dim <name>=<value>      fix a named (symbolic) dim, e.g. --dim sequence=128
  --print-ir-after-all      print the IR after every pass (to stderr)
  --print-ir-before-all     print the IR before every pass (to stderr)
  --print-ir-after=<pass>   print the IR after the named pass (e.g. canonicalize,
                            txc-shape-inference, cse, txc-set-dims,
                            txc-lower-to-linalg, one-shot-bufferize)
  --print-ir-before=<pass>  likewise, before the pass
  --mlir-timing             report the time of each pass
  --print-weights           print weights in full (default: elided)
  --print-locations         print op locations (ONNX node names)
  --quiet                   do not print phases and the summary
)";
    return kOk;
  }
  if (args.positional.size() != 1) {
    llvm::errs() << "txc compile: expected exactly one model file\n";
    return kUsage;
  }
  std::string emit = args.get("emit", "artifact");
  static const std::map<std::string, codegen::Emit> emits = {
      {"artifact", codegen::Emit::Artifact}, {"mlir", codegen::Emit::Mlir},
      {"llvm", codegen::Emit::Llvm}, {"asm", codegen::Emit::Asm},
      {"obj", codegen::Emit::Obj}};
  if (emit != "ir" && !emits.count(emit)) {
    llvm::errs() << "txc compile: unknown --emit=" << emit
                 << " (expected artifact, ir, mlir, llvm, asm or obj)\n";
    return kUsage;
  }
  codegen::CompileOptions copts;
  copts.target = args.get("target", "native");
  std::string olevel = args.get("O", "2");
  if (olevel.size() != 1 || olevel[0] < '0' || olevel[0] > '3') {
    llvm::errs() << "txc compile: -O expects 0, 1, 2 or 3, got '" << olevel << "'\n";
    return kUsage;
  }
  copts.optLevel = olevel[0] - '0';
  const std::string &input = args.positional[0];
  std::string out = args.get("o");
  if (out.empty())
    out = emit == "ir" ? "-"
                       : (llvm::sys::path::stem(input) + (emit == "artifact" ? ".txc"
                          : emit == "obj" ? ".o" : emit == "asm" ? ".s"
                          : emit == "llvm" ? ".ll" : ".mlir")).str();
  if ((emit == "artifact" || emit == "obj") && out == "-") {
    llvm::errs() << "txc compile: --emit=" << emit << " writes a binary file: give -o <file>\n";
    return kUsage;
  }
  bool quiet = args.has("quiet") || emit != "artifact";
  for (int i = 2; i < argc; ++i)
    copts.optionsText += std::string(i > 2 ? " " : "") + argv[i];

  using Clock = std::chrono::steady_clock;
  std::vector<codegen::PhaseTime> phases;
  auto since = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };
  mlir::MLIRContext ctx;
  auto diag = installDiagnosticHandler(ctx);
  auto t0 = Clock::now();
  auto module = loadModel(ctx, input);
  if (!module)
    return kBadInput;
  phases.push_back({"import", since(t0)});

  PipelineOptions popts;
  popts.dims = args.getAll("dim");
  for (const std::string &d : popts.dims)
    if (d.find('=') == std::string::npos) {
      llvm::errs() << "txc compile: --dim expects name=value, got '" << d << "'\n";
      return kUsage;
    }
  std::string after = args.get("print-ir-after"), before = args.get("print-ir-before");
  bool afterAll = args.has("print-ir-after-all"), beforeAll = args.has("print-ir-before-all");
  mlir::OpPrintingFlags pflags = printingFlags(args);
  bool timing = args.has("mlir-timing");
  auto configure = [&](mlir::PassManager &pm) {
    if (afterAll || beforeAll || !after.empty() || !before.empty()) {
      ctx.disableMultithreading(); // IR printing needs a stable order
      auto matches = [](const std::string &want, mlir::Pass *p) {
        return !want.empty() && (p->getArgument() == want || p->getName() == want);
      };
      pm.enableIRPrinting(
          [=](mlir::Pass *p, mlir::Operation *) { return beforeAll || matches(before, p); },
          [=](mlir::Pass *p, mlir::Operation *) { return afterAll || matches(after, p); },
          /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false,
          /*printAfterOnlyOnFailure=*/false, llvm::errs(), pflags);
    }
    if (timing)
      pm.enableTiming();
  };
  t0 = Clock::now();
  mlir::PassManager pm(&ctx, mlir::ModuleOp::getOperationName());
  buildDefaultPipeline(pm, popts);
  configure(pm);
  if (mlir::failed(pm.run(*module)))
    return kBadInput;
  phases.push_back({"optimize", since(t0)});
  if (emit == "ir") {
    args.options.push_back({"o", out});
    return writeModule(*module, args);
  }

  copts.emit = emits.at(emit);
  copts.configurePassManager = configure;
  codegen::CompileResult result;
  if (llvm::Error err = codegen::compileModule(*module, copts, result)) {
    llvm::errs() << "txc compile: error: " << llvm::toString(std::move(err)) << "\n";
    return kBadInput;
  }
  phases.insert(phases.end(), result.phases.begin(), result.phases.end());
  t0 = Clock::now();
  std::string werr;
  auto file = mlir::openOutputFile(out, &werr);
  if (!file) {
    llvm::errs() << "txc compile: " << werr << "\n";
    return kBadInput;
  }
  file->os() << result.output;
  file->os().flush();
  if (file->os().has_error()) {
    llvm::errs() << "txc compile: cannot write '" << out << "'\n";
    file->os().clear_error();
    return kBadInput;
  }
  file->keep();
  if (!quiet) {
    double total = 0;
    for (auto &p : phases) {
      if (p.name == "write")
        p.seconds += since(t0);
      llvm::outs() << llvm::format("  %-9s %8.3f s\n", p.name.c_str(), p.seconds);
      total += p.seconds;
    }
    llvm::outs() << "compiled " << input << " -> " << out << ": " << result.opCount
                 << " ops, " << result.kernelCount << " kernels, weights "
                 << result.weightBytes << " bytes, artifact " << result.output.size()
                 << " bytes, " << llvm::format("%.2f", total) << " s\n";
  }
  return kOk;
}

} // namespace txc::tool
