//===- txc.cpp - The txc command-line driver ------------------------------===//

#include "Commands.h"

#include "frontend/OnnxImporter.h"
#include "ir/TxcDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>

namespace txc::tool {

bool Args::has(const std::string &name) const {
  for (auto &kv : options)
    if (kv.first == name)
      return true;
  return false;
}

std::string Args::get(const std::string &name, const std::string &dflt) const {
  for (auto &kv : options)
    if (kv.first == name)
      return kv.second;
  return dflt;
}

std::vector<std::string> Args::getAll(const std::string &name) const {
  std::vector<std::string> out;
  for (auto &kv : options)
    if (kv.first == name)
      out.push_back(kv.second);
  return out;
}

bool parseArgs(int argc, char **argv, int first,
               const std::vector<std::string> &valued,
               const std::vector<std::string> &flags, Args &out,
               std::string &error) {
  auto contains = [](const std::vector<std::string> &v, const std::string &s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a.size() < 2 || a[0] != '-') {
      out.positional.push_back(a);
      continue;
    }
    std::string name = a.substr(a[1] == '-' ? 2 : 1), value;
    size_t eq = name.find('=');
    bool hasValue = eq != std::string::npos;
    if (hasValue) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (contains(valued, name)) {
      if (!hasValue) {
        if (i + 1 >= argc) {
          error = "option --" + name + " needs a value";
          return false;
        }
        value = argv[++i];
      }
    } else if (contains(flags, name)) {
      if (hasValue) {
        error = "option --" + name + " takes no value";
        return false;
      }
    } else {
      error = "unknown option '" + a + "'";
      return false;
    }
    out.options.emplace_back(name, value);
  }
  return true;
}

static std::string describeLocation(mlir::Location loc) {
  if (auto n = llvm::dyn_cast<mlir::NameLoc>(loc))
    return "node '" + n.getName().str() + "'";
  if (auto f = llvm::dyn_cast<mlir::FileLineColLoc>(loc)) {
    std::string s = f.getFilename().str();
    if (f.getLine())
      s += ":" + std::to_string(f.getLine()) + ":" + std::to_string(f.getColumn());
    return s;
  }
  if (auto fused = llvm::dyn_cast<mlir::FusedLoc>(loc))
    if (!fused.getLocations().empty())
      return describeLocation(fused.getLocations().front());
  return "";
}

std::unique_ptr<mlir::ScopedDiagnosticHandler>
installDiagnosticHandler(mlir::MLIRContext &ctx) {
  bool verbose = std::getenv("TXC_VERBOSE_ERRORS") != nullptr;
  return std::make_unique<mlir::ScopedDiagnosticHandler>(
      &ctx, [verbose](mlir::Diagnostic &d) {
        const char *kind = d.getSeverity() == mlir::DiagnosticSeverity::Error
                               ? "error"
                           : d.getSeverity() == mlir::DiagnosticSeverity::Warning
                               ? "warning"
                               : "note";
        std::string where = describeLocation(d.getLocation());
        llvm::errs() << "txc: " << kind << ": " << (where.empty() ? "" : where + ": ")
                     << d.str() << "\n";
        for (mlir::Diagnostic &note : d.getNotes())
          if (verbose || !llvm::StringRef(note.str()).starts_with("see current operation"))
            llvm::errs() << "txc: note: " << note.str() << "\n";
        return mlir::success();
      });
}

mlir::OwningOpRef<mlir::ModuleOp> loadModel(mlir::MLIRContext &ctx,
                                            const std::string &path) {
  ctx.loadDialect<TxcDialect, mlir::func::FuncDialect>();
  if (llvm::StringRef(path).ends_with(".onnx"))
    return importOnnxFile(&ctx, path);
  return mlir::parseSourceFile<mlir::ModuleOp>(path, &ctx);
}

static void printMainHelp() {
  llvm::outs() << R"(txc - ahead-of-time compiler for transformer models

Usage: txc <command> [options]

Commands:
  import   Import an ONNX model and print its txc dialect IR
  compile  Compile a model into one artifact, model.txc (or emit its IR)
  run      Run an artifact (or a model with the reference evaluator, --reference)
  bench    Time an artifact's runs: median, p90, peak RSS
  inspect  Print an artifact's header, inputs, outputs, memory plan, kernels

Run 'txc <command> --help' for the options of a command.
Exit codes: 0 success, 1 bad input (model, data), 2 usage error.
)";
}

} // namespace txc::tool

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  using namespace txc::tool;
  if (argc < 2) {
    printMainHelp();
    return kUsage;
  }
  std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    printMainHelp();
    return kOk;
  }
  if (cmd == "import")
    return runImport(argc, argv);
  if (cmd == "compile")
    return runCompile(argc, argv);
  if (cmd == "run")
    return runRun(argc, argv);
  if (cmd == "bench")
    return runBench(argc, argv);
  if (cmd == "inspect")
    return runInspect(argc, argv);
  llvm::errs() << "txc: unknown command '" << cmd << "'\n";
  printMainHelp();
  return kUsage;
}
