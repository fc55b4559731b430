//===- CompileCommand.cpp - txc import / txc compile ----------------------===//

#include "Commands.h"

#include "ir/TxcDialect.h"
#include "passes/Pipeline.h"

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
  if (!parseArgs(argc, argv, 2, {"o", "dim", "print-ir-after", "print-ir-before", "emit"},
                 {"help", "print-weights", "print-locations", "print-ir-after-all",
                  "print-ir-before-all", "mlir-timing"},
                 args, error)) {
    llvm::errs() << "txc compile: " << error << "\n";
    return kUsage;
  }
  if (args.has("help")) {
    llvm::outs() << R"(Usage: txc compile <model.onnx|model.mlir> [options]

Imports the model and runs the txc pipeline: fix dims, canonicalize (constant
and shape folding, DCE), shape inference, CSE. Prints the resulting IR.

Options:
  -o <file>                 write the result to <file> (default: stdout)
  --emit=ir                 what to emit (only 'ir' until code generation lands)
  --dim <name>=<value>      fix a named (symbolic) dim, e.g. --dim sequence=128
  --print-ir-after-all      print the IR after every pass (to stderr)
  --print-ir-before-all     print the IR before every pass (to stderr)
  --print-ir-after=<pass>   print the IR after the named pass (e.g. canonicalize,
                            txc-shape-inference, cse, txc-set-dims)
  --print-ir-before=<pass>  likewise, before the pass
  --mlir-timing             report the time of each pass
  --print-weights           print weights in full (default: elided)
  --print-locations         print op locations (ONNX node names)
)";
    return kOk;
  }
  if (args.positional.size() != 1) {
    llvm::errs() << "txc compile: expected exactly one model file\n";
    return kUsage;
  }
  std::string emit = args.get("emit", "ir");
  if (emit != "ir") {
    llvm::errs() << "txc compile: --emit=" << emit
                 << " is not available yet (code generation has not landed); "
                    "use --emit=ir\n";
    return kUsage;
  }
  mlir::MLIRContext ctx;
  auto diag = installDiagnosticHandler(ctx);
  auto module = loadModel(ctx, args.positional[0]);
  if (!module)
    return kBadInput;

  PipelineOptions popts;
  popts.dims = args.getAll("dim");
  for (const std::string &d : popts.dims)
    if (d.find('=') == std::string::npos) {
      llvm::errs() << "txc compile: --dim expects name=value, got '" << d << "'\n";
      return kUsage;
    }
  mlir::PassManager pm(&ctx, mlir::ModuleOp::getOperationName());
  buildDefaultPipeline(pm, popts);
  std::string after = args.get("print-ir-after"), before = args.get("print-ir-before");
  bool afterAll = args.has("print-ir-after-all"), beforeAll = args.has("print-ir-before-all");
  if (afterAll || beforeAll || !after.empty() || !before.empty()) {
    ctx.disableMultithreading(); // IR printing needs a stable order
    auto matches = [](const std::string &want, mlir::Pass *p) {
      return !want.empty() && (p->getArgument() == want || p->getName() == want);
    };
    pm.enableIRPrinting(
        [=](mlir::Pass *p, mlir::Operation *) { return beforeAll || matches(before, p); },
        [=](mlir::Pass *p, mlir::Operation *) { return afterAll || matches(after, p); },
        /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false,
        /*printAfterOnlyOnFailure=*/false, llvm::errs(), printingFlags(args));
  }
  if (args.has("mlir-timing"))
    pm.enableTiming();
  if (mlir::failed(pm.run(*module)))
    return kBadInput;
  return writeModule(*module, args);
}

} // namespace txc::tool
