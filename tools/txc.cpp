//===- txc.cpp - The txc command-line driver ------------------------------===//

#include "Commands.h"

#include "frontend/InputFiles.h"
#include "frontend/OnnxImporter.h"
#include "ir/TxcDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/PrettyStackTrace.h"
#include "ir/semantics/Limits.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <unistd.h>

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
  // Untrusted .mlir: a regular file (not a FIFO or /dev/zero) whose nesting
  // the recursive parser can take.
  std::string error;
  if (!checkRegularFile(path, error)) {
    llvm::errs() << "txc: error: " << error << "\n";
    return nullptr;
  }
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/true);
  if (!buffer) {
    llvm::errs() << "txc: error: cannot read '" << path
                 << "': " << buffer.getError().message() << "\n";
    return nullptr;
  }
  if (!checkMlirNesting((*buffer)->getBuffer(), kMaxMlirNesting, error)) {
    llvm::errs() << "txc: error: " << path << ": " << error << "\n";
    return nullptr;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
  return mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &ctx);
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
Every command takes --max-tensor-bytes N[K|M|G]: the largest tensor (weight,
input or intermediate) it accepts (default: the machine's memory).
Exit codes: 0 success, 1 bad input (model, data), 2 usage error.
)";
}

} // namespace txc::tool

namespace txc::tool {

// --- Fatal errors (issue 15): txc's own messages, never LLVM's "report a
// bug" text, and exit 1 for a failed allocation or an I/O error. ---

static void fatalErrorHandler(void *, const char *reason, bool) {
  // Called by report_fatal_error (e.g. an I/O error writing output).
  llvm::errs() << "txc: error: " << reason << "\n";
  llvm::errs().flush();
  ::_exit(kBadInput);
}

static void badAllocHandler(void *, const char *reason, bool) {
  static const char msg[] = "txc: error: out of memory\n";
  (void)!::write(2, msg, sizeof msg - 1);
  (void)reason;
  ::_exit(kBadInput);
}

static void newHandler() {
  static const char msg[] = "txc: error: out of memory (an allocation failed; "
                            "--max-tensor-bytes bounds the tensors txc allocates)\n";
  (void)!::write(2, msg, sizeof msg - 1);
  ::_exit(kBadInput);
}

static void installFatalHandlers() {
  llvm::install_fatal_error_handler(fatalErrorHandler);
  llvm::install_bad_alloc_error_handler(badAllocHandler);
  std::set_new_handler(newHandler);
  llvm::setBugReportMsg("txc crashed: this is a bug in txc, not in your model; "
                        "please report it with the model and command line\n");
}

/// Takes --max-tensor-bytes=N (or "--max-tensor-bytes N", N with an optional
/// K/M/G suffix) out of argv for every subcommand. False on a bad value.
static bool takeMaxTensorBytes(int &argc, char **argv) {
  for (int i = 2; i < argc; ++i) {
    llvm::StringRef a(argv[i]);
    if (!a.consume_front("--max-tensor-bytes"))
      continue;
    int used = 1;
    llvm::StringRef value;
    if (a.consume_front("=")) {
      value = a;
    } else if (a.empty() && i + 1 < argc) {
      value = argv[i + 1];
      used = 2;
    } else if (!a.empty()) {
      continue; // some other option with this prefix
    }
    uint64_t scale = 1;
    if (value.consume_back("K") || value.consume_back("k")) scale = 1ull << 10;
    else if (value.consume_back("M")) scale = 1ull << 20;
    else if (value.consume_back("G")) scale = 1ull << 30;
    uint64_t n = 0, bytes = 0;
    if (value.empty() || value.getAsInteger(10, n) || n == 0 ||
        __builtin_mul_overflow(n, scale, &bytes)) {
      llvm::errs() << "txc: --max-tensor-bytes expects a positive byte count "
                      "(with an optional K, M or G suffix), got '"
                   << (used == 2 || a.starts_with("=") ? value : a) << "'\n";
      return false;
    }
    txc::semantics::setMaxTensorBytes(bytes);
    for (int j = i; j + used < argc; ++j)
      argv[j] = argv[j + used];
    argc -= used;
    --i;
  }
  return true;
}

} // namespace txc::tool

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  using namespace txc::tool;
  installFatalHandlers();
  if (!takeMaxTensorBytes(argc, argv))
    return kUsage;
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
