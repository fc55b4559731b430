//===- Commands.h - txc subcommands -----------------------------*- C++ -*-===//
#ifndef TXC_TOOLS_COMMANDS_H
#define TXC_TOOLS_COMMANDS_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OwningOpRef.h"

#include <memory>

#include <string>
#include <vector>

namespace txc::ref {
class Tensor;
}

namespace txc::tool {

/// A file name for an output name (no path separators or control bytes).
std::string fileNameFor(const std::string &name);
/// Prints "name: dtype shape [first values]".
void printSummary(const std::string &name, const ref::Tensor &t, int count);

/// Exit codes of every subcommand.
enum ExitCode { kOk = 0, kBadInput = 1, kUsage = 2 };

/// A minimal argument list: positional arguments and --flag[=value] options
/// (also "--flag value" for options that take one).
struct Args {
  std::vector<std::string> positional;
  std::vector<std::pair<std::string, std::string>> options;
  bool has(const std::string &name) const;
  std::string get(const std::string &name, const std::string &dflt = "") const;
  std::vector<std::string> getAll(const std::string &name) const;
};

/// Parses argv[first..]; `valued` lists options that take a value. Returns
/// false and sets `error` on an unknown option.
bool parseArgs(int argc, char **argv, int first,
               const std::vector<std::string> &valued,
               const std::vector<std::string> &flags, Args &out,
               std::string &error);

/// Prints diagnostics as "txc: error: node 'name': message", naming the
/// ONNX node from the op location. Notes that dump the failing op are kept
/// only when TXC_VERBOSE_ERRORS is set. Lives as long as the returned handle.
std::unique_ptr<mlir::ScopedDiagnosticHandler>
installDiagnosticHandler(mlir::MLIRContext &ctx);

/// Loads a model: .onnx is imported, anything else parsed as MLIR.
mlir::OwningOpRef<mlir::ModuleOp> loadModel(mlir::MLIRContext &ctx,
                                            const std::string &path);

int runImport(int argc, char **argv);
int runCompile(int argc, char **argv);
int runRun(int argc, char **argv);
int runBench(int argc, char **argv);
int runInspect(int argc, char **argv);
/// `txc run model.txc`: runs a compiled artifact through libtxcrt.
int runArtifact(const Args &args);

} // namespace txc::tool

#endif
