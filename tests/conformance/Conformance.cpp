//===- Conformance.cpp - ONNX node tests through import + evaluator -------===//
//
// For every folder of the ONNX backend node suite: import model.onnx, run
// the reference evaluator on test_data_set_*/input_*.pb and compare with
// output_*.pb (with --pipeline, after the default pass pipeline too, so
// that every pass is checked numerically on the whole suite). Prints
// "N passed, M failed, K unsupported". A failure that is
// not in the known-failures list (each entry with a reason) fails the run.
//
//===----------------------------------------------------------------------===//

#include "frontend/OnnxImporter.h"
#include "passes/Pipeline.h"
#include "ir/TxcDialect.h"
#include "reference/interpreter/Interpreter.h"
#include "tests/support/OnnxTestData.h"
#include "codegen/Compiler.h"
#include "txc/txc.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <sys/wait.h>
#include <unistd.h>

namespace {

enum class Outcome { Passed, Failed, Unsupported };

struct Result {
  Outcome outcome;
  std::string detail;
};

bool exists(const std::string &p) { return llvm::sys::fs::exists(p); }

/// Compares with ONNX's tolerances (rtol 1e-3, atol 1e-7), loosened to atol
/// 1e-5 for float32 round-off of the reference loops; NaNs must match.
bool compare(const txc::ref::Tensor &got, const txc::ref::Tensor &want,
             std::string &why) {
  using namespace txc::ref;
  if (got.shape() != want.shape()) {
    why = "shape " + shapeToString(got.shape()) + " != expected " +
          shapeToString(want.shape());
    return false;
  }
  if (got.dtype() != want.dtype()) {
    why = std::string("dtype ") + dtypeName(got.dtype()) + " != expected " +
          dtypeName(want.dtype());
    return false;
  }
  double rtol = 1e-3, atol = 1e-5;
  if (want.dtype() == DType::F16 || want.dtype() == DType::BF16)
    rtol = 1e-2, atol = 1e-3;
  for (int64_t i = 0; i < want.numel(); ++i) {
    if (isFloat(want.dtype())) {
      double a = got.getDouble(i), b = want.getDouble(i);
      if (std::isnan(a) && std::isnan(b))
        continue;
      if (std::isinf(b) && a == b)
        continue;
      if (!(std::fabs(a - b) <= atol + rtol * std::fabs(b))) {
        std::ostringstream os;
        os << "element " << i << ": " << a << " != expected " << b;
        why = os.str();
        return false;
      }
    } else if (got.getInt(i) != want.getInt(i)) {
      std::ostringstream os;
      os << "element " << i << ": " << got.getInt(i) << " != expected "
         << want.getInt(i);
      why = os.str();
      return false;
    }
  }
  return true;
}

/// Runs `inputs` through a compiled artifact (in memory) via libtxcrt.
std::vector<txc::ref::Tensor> runCompiled(TxcModel *model,
                                          const std::vector<txc::ref::Tensor> &inputs,
                                          std::string &error) {
  std::vector<TxcTensor> views;
  for (const auto &t : inputs)
    views.push_back({txc::ref::onnxTypeOf(t.dtype()), static_cast<int32_t>(t.rank()),
                     t.shape().data(), t.raw(), t.byteSize()});
  TxcSession *session = nullptr;
  std::vector<txc::ref::Tensor> out;
  if (txc_session_create(model, nullptr, &session) != TXC_OK ||
      txc_session_run(session, views.data(), views.size()) != TXC_OK) {
    error = txc_last_error();
    txc_session_free(session);
    return out;
  }
  for (size_t i = 0; i < txc_model_num_outputs(model); ++i) {
    TxcOutput o;
    txc_session_output(session, i, &o);
    txc::ref::DType dt;
    txc::ref::dtypeFromOnnx(o.dtype, dt);
    txc::ref::Tensor t(dt, txc::ref::Shape(o.shape, o.shape + o.rank));
    if (o.bytes)
      std::memcpy(t.mutableRaw(), o.data, o.bytes);
    out.push_back(std::move(t));
  }
  txc_session_free(session);
  return out;
}

Result runOne(const std::string &dir, bool pipeline, bool compiled) {
  mlir::MLIRContext ctx;
  std::string diags;
  mlir::ScopedDiagnosticHandler handler(&ctx, [&](mlir::Diagnostic &d) {
    llvm::raw_string_ostream os(diags);
    os << d << "\n";
    return mlir::success();
  });
  auto module = txc::importOnnxFile(&ctx, dir + "/model.onnx");
  if (!module) {
    bool unsupported = diags.find("unsupported part") != std::string::npos ||
                       diags.find("is not supported") != std::string::npos;
    return {unsupported ? Outcome::Unsupported : Outcome::Failed,
            "import: " + diags};
  }
  if (pipeline) {
    mlir::PassManager pm(&ctx, mlir::ModuleOp::getOperationName());
    txc::buildDefaultPipeline(pm, {});
    if (mlir::failed(pm.run(*module)))
      return {Outcome::Failed, "default pipeline: " + diags};
  }
  auto func = module->lookupSymbol<mlir::func::FuncOp>("main");
  unsigned numArgs = func.getNumArguments();
  TxcModel *model = nullptr;
  std::unique_ptr<TxcModel, void (*)(TxcModel *)> modelOwner(nullptr, txc_model_free);
  if (compiled) {
    txc::codegen::CompileOptions copts;
    txc::codegen::CompileResult cres;
    if (llvm::Error err = txc::codegen::compileModule(*module, copts, cres)) {
      std::string msg = diags + llvm::toString(std::move(err));
      bool unsupported = msg.find("no native lowering") != std::string::npos ||
                         msg.find("data-dependent") != std::string::npos;
      return {unsupported ? Outcome::Unsupported : Outcome::Failed, "compile: " + msg};
    }
    if (txc_model_load_from_memory(cres.output.data(), cres.output.size(), &model) != TXC_OK)
      return {Outcome::Failed, std::string("load: ") + txc_last_error()};
    modelOwner.reset(model);
  }
  int sets = 0;
  for (int s = 0;; ++s) {
    std::string set = dir + "/test_data_set_" + std::to_string(s);
    if (!exists(set))
      break;
    ++sets;
    std::vector<txc::ref::Tensor> inputs, expected;
    try {
      for (unsigned i = 0;; ++i) {
        std::string p = set + "/input_" + std::to_string(i) + ".pb";
        if (!exists(p))
          break;
        inputs.push_back(txc::readTensorFile(p));
      }
      for (unsigned i = 0;; ++i) {
        std::string p = set + "/output_" + std::to_string(i) + ".pb";
        if (!exists(p))
          break;
        expected.push_back(txc::readTensorFile(p));
      }
    } catch (const std::exception &e) {
      return {Outcome::Unsupported, std::string("test data: ") + e.what()};
    }
    // Optional trailing inputs may be omitted from the test data.
    if (inputs.size() != numArgs)
      return {Outcome::Failed, "test data has " + std::to_string(inputs.size()) +
                                   " inputs, model has " + std::to_string(numArgs)};
    if (compiled) {
      std::string error;
      auto got = runCompiled(model, inputs, error);
      if (!error.empty())
        return {Outcome::Failed, "run: " + error};
      if (got.size() < expected.size())
        return {Outcome::Failed, "too few outputs"};
      for (size_t i = 0; i < expected.size(); ++i) {
        std::string why;
        if (!compare(got[i], expected[i], why))
          return {Outcome::Failed, "output " + std::to_string(i) + ": " + why};
      }
      continue;
    }
    auto outputs = txc::evaluate(func, inputs);
    if (!outputs) {
      std::string msg = llvm::toString(outputs.takeError());
      bool unsupported = msg.find("no reference kernel") != std::string::npos;
      return {unsupported ? Outcome::Unsupported : Outcome::Failed,
              "eval: " + msg};
    }
    if (outputs->size() < expected.size())
      return {Outcome::Failed, "too few outputs"};
    for (size_t i = 0; i < expected.size(); ++i) {
      std::string why;
      if (!compare((*outputs)[i], expected[i], why))
        return {Outcome::Failed, "output " + std::to_string(i) + ": " + why};
    }
  }
  if (sets == 0)
    return {Outcome::Unsupported, "no test data"};
  return {Outcome::Passed, ""};
}

/// Runs one folder in a child process, so that a crash or hang of compiled
/// code is one failed test, not the end of the run.
Result runIsolated(const std::string &dir, bool pipeline, bool compiled) {
  int fds[2];
  if (pipe(fds) != 0)
    return runOne(dir, pipeline, compiled);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    alarm(120);
    Result r = runOne(dir, pipeline, compiled);
    std::string msg = std::to_string(static_cast<int>(r.outcome)) + "\n" + r.detail;
    size_t off = 0;
    while (off < msg.size()) {
      ssize_t n = write(fds[1], msg.data() + off, msg.size() - off);
      if (n <= 0)
        break;
      off += static_cast<size_t>(n);
    }
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  std::string msg;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0)
    msg.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || msg.empty())
    return {Outcome::Failed, WIFSIGNALED(status)
                                 ? "crashed with signal " + std::to_string(WTERMSIG(status))
                                 : "child failed"};
  size_t nl = msg.find('\n');
  return {static_cast<Outcome>(std::stoi(msg.substr(0, nl))), msg.substr(nl + 1)};
}

std::map<std::string, std::string> readKnownFailures(const std::string &path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    size_t hash = line.find('#');
    std::string name = line.substr(0, line.find_first_of(" \t#"));
    out[name] = hash == std::string::npos ? "" : line.substr(hash + 1);
  }
  return out;
}

} // namespace

int main(int argc, char **argv) {
  std::string root = "../shared/testdata/onnx-node", known, filter;
  int minPass = 0;
  bool verbose = false, pipeline = false, compiled = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char *flag) -> std::string {
      std::string f = std::string(flag) + "=";
      return a.rfind(f, 0) == 0 ? a.substr(f.size()) : "";
    };
    if (!value("--root").empty()) root = value("--root");
    else if (!value("--known-failures").empty()) known = value("--known-failures");
    else if (!value("--filter").empty()) filter = value("--filter");
    else if (!value("--min-pass").empty()) minPass = std::stoi(value("--min-pass"));
    else if (a == "-v" || a == "--verbose") verbose = true;
    else if (a == "--pipeline") pipeline = true;
    else if (a == "--compiled") compiled = pipeline = true;
    else {
      llvm::errs() << "usage: txc-conformance [--root=DIR] [--known-failures=FILE] "
                      "[--filter=SUBSTR] [--min-pass=N] [--pipeline] [--compiled] [-v]\n"
                      "  --pipeline: run the default pass pipeline after import\n"
                      "  --compiled: compile (pipeline + codegen) and run through libtxcrt\n";
      return 2;
    }
  }
  std::vector<std::string> dirs;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(root, ec), end; it != end && !ec;
       it.increment(ec)) {
    std::string name = llvm::sys::path::filename(it->path()).str();
    if (name.rfind("test_", 0) == 0 && name.find(filter) != std::string::npos)
      dirs.push_back(name);
  }
  if (ec || dirs.empty()) {
    llvm::errs() << "txc-conformance: no test folders under '" << root << "'\n";
    return 2;
  }
  std::sort(dirs.begin(), dirs.end());
  auto knownFailures = known.empty() ? std::map<std::string, std::string>()
                                     : readKnownFailures(known);
  int passed = 0, failed = 0, unsupported = 0, unexpected = 0, fixed = 0;
  std::map<std::string, int> unsupportedReasons;
  for (const std::string &d : dirs) {
    Result r = compiled ? runIsolated(root + "/" + d, pipeline, compiled)
                        : runOne(root + "/" + d, pipeline, compiled);
    bool isKnown = knownFailures.count(d) != 0;
    switch (r.outcome) {
    case Outcome::Passed:
      ++passed;
      if (isKnown) {
        ++fixed;
        llvm::outs() << "FIXED " << d << " (remove it from the known failures)\n";
      }
      break;
    case Outcome::Failed:
      ++failed;
      if (!isKnown) {
        ++unexpected;
        llvm::outs() << "FAIL " << d << ": " << r.detail << "\n";
      } else if (verbose) {
        llvm::outs() << "XFAIL " << d << ": " << r.detail << "\n";
      }
      break;
    case Outcome::Unsupported:
      ++unsupported;
      if (verbose)
        llvm::outs() << "UNSUPPORTED " << d << ": " << r.detail << "\n";
      break;
    }
  }
  if (compiled)
    llvm::outs() << "compiled: " << passed << " passed, " << failed << " failed, "
                 << unsupported << " unsupported\n";
  llvm::outs() << passed << " passed, " << failed << " failed, " << unsupported
               << " unsupported (" << dirs.size() << " folders; " << unexpected
               << " unexpected failures)\n";
  if (unexpected)
    return 1;
  if (passed < minPass) {
    llvm::outs() << "expected at least " << minPass << " passes\n";
    return 1;
  }
  return 0;
}
