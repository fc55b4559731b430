//===- ArtifactCommands.cpp - txc run / bench / inspect on model.txc ------===//
//
// These commands only use the runtime (txc.h) and the artifact format: no
// MLIR. Inputs come from .npy files or are generated (seeded) for the
// compiled shapes; --dim gives the size of a dynamic dim.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

#include "reference/Npy.h"
#include "reference/Tensor.h"
#include "runtime/src/Artifact.h"
#include "txc/txc.hpp"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <set>

namespace txc::tool {

namespace {

ref::DType dtypeFromCode(int32_t code) {
  ref::DType dt;
  if (!ref::dtypeFromOnnx(code, dt))
    throw std::runtime_error(std::string("unsupported dtype ") + txc_dtype_name(code));
  return dt;
}

/// Inputs for one run: from --input files, else seeded random data.
struct PreparedInputs {
  std::vector<ref::Tensor> tensors;
  std::vector<TxcTensor> views;
};

int prepareInputs(const Model &model, const Args &args, PreparedInputs &out) {
  std::map<std::string, std::string> files;
  for (const std::string &s : args.getAll("input")) {
    size_t eq = s.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == s.size()) {
      llvm::errs() << "txc: --input expects name=file.npy, got '" << s << "'\n";
      return kUsage;
    }
    if (!files.emplace(s.substr(0, eq), s.substr(eq + 1)).second) {
      llvm::errs() << "txc: --input '" << s.substr(0, eq) << "' is given twice\n";
      return kUsage;
    }
  }
  llvm::StringMap<int64_t> dims;
  for (const std::string &s : args.getAll("dim")) {
    auto [name, value] = llvm::StringRef(s).split('=');
    int64_t v;
    if (name.empty() || value.getAsInteger(10, v) || v < 1 || v > INT32_MAX) {
      llvm::errs() << "txc: --dim expects name=N with N a positive integer below "
                      "2^31, got '" << s << "'\n";
      return kUsage;
    }
    dims[name] = v;
  }
  uint64_t seed = 0;
  if (args.has("seed") && llvm::StringRef(args.get("seed")).getAsInteger(10, seed)) {
    llvm::errs() << "txc: --seed expects an integer\n";
    return kUsage;
  }
  std::mt19937_64 rng(seed);
  std::vector<std::string> missing;
  for (size_t i = 0; i < model.numInputs(); ++i) {
    TxcTensorInfo info = model.input(i);
    auto it = files.find(info.name);
    if (it != files.end()) {
      try {
        out.tensors.push_back(ref::readNpy(it->second));
      } catch (const std::exception &e) {
        llvm::errs() << "txc: input '" << info.name << "': " << e.what() << "\n";
        return kBadInput;
      }
      files.erase(it);
      continue;
    }
    ref::Shape shape;
    for (int32_t d = 0; d < info.rank; ++d) {
      if (info.dims[d] >= 0) {
        shape.push_back(info.dims[d]);
        continue;
      }
      std::string dn = info.dim_names[d];
      if (!dn.empty() && dims.count(dn)) {
        shape.push_back(dims[dn]);
      } else {
        missing.push_back("input '" + std::string(info.name) + "' dim " +
                          std::to_string(d) + (dn.empty() ? "" : " ('" + dn + "')"));
        shape.push_back(1);
      }
    }
    try {
      ref::DType dt = dtypeFromCode(info.dtype);
      ref::Tensor t(dt, shape);
      std::uniform_real_distribution<double> real(-1.0, 1.0);
      std::uniform_int_distribution<int64_t> small(0, 9);
      for (int64_t e = 0; e < t.numel(); ++e) {
        if (ref::isFloat(dt))
          t.setDouble(e, real(rng));
        else if (dt == ref::DType::Bool)
          t.setInt(e, small(rng) % 2);
        else
          t.setInt(e, small(rng));
      }
      out.tensors.push_back(std::move(t));
    } catch (const std::exception &e) {
      llvm::errs() << "txc: cannot generate input '" << info.name << "': " << e.what() << "\n";
      return kBadInput;
    }
  }
  if (!missing.empty()) {
    llvm::errs() << "txc: cannot generate inputs without the size of:\n";
    for (auto &m : missing)
      llvm::errs() << "  " << m << "\n";
    llvm::errs() << "pass --dim <name>=<value> (or the input with --input)\n";
    return kBadInput;
  }
  for (auto &kv : files) {
    llvm::errs() << "txc: the model has no input named '" << kv.first << "'\n";
    return kBadInput;
  }
  for (const ref::Tensor &t : out.tensors) {
    TxcTensor v;
    v.dtype = ref::onnxTypeOf(t.dtype());
    v.rank = static_cast<int32_t>(t.rank());
    v.shape = t.shape().data();
    v.data = t.raw();
    v.bytes = t.byteSize();
    out.views.push_back(v);
  }
  return kOk;
}

int loadModel(const std::string &path, std::unique_ptr<Model> &model) {
  try {
    model = std::make_unique<Model>(Model::load(path));
    return kOk;
  } catch (const Error &e) {
    llvm::errs() << "txc: " << e.what() << "\n";
    return kBadInput;
  }
}

double peakRssMB() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0; // ru_maxrss is in KiB on Linux
}

} // namespace

int runArtifact(const Args &args) {
  const std::string &path = args.positional[0];
  if (llvm::StringRef(path).ends_with(".onnx") || llvm::StringRef(path).ends_with(".mlir")) {
    llvm::errs() << "txc run: '" << path << "' is a model, not an artifact: compile it "
                 << "with 'txc compile' first, or pass --reference\n";
    return kUsage;
  }
  std::unique_ptr<Model> model;
  if (int rc = loadModel(path, model))
    return rc;
  PreparedInputs in;
  if (int rc = prepareInputs(*model, args, in))
    return rc;
  int printCount = 8;
  if (args.has("print") && llvm::StringRef(args.get("print")).getAsInteger(10, printCount)) {
    llvm::errs() << "txc run: --print expects an integer\n";
    return kUsage;
  }
  try {
    int threads = 0;
    Session session(*model, threads);
    session.run(in.views);
    std::string outDir = args.get("output-dir");
    if (!outDir.empty())
      if (auto ec = llvm::sys::fs::create_directories(outDir)) {
        llvm::errs() << "txc run: cannot create '" << outDir << "': " << ec.message() << "\n";
        return kBadInput;
      }
    std::set<std::string> used;
    for (size_t i = 0; i < model->numOutputs(); ++i) {
      TxcTensorInfo info = model->output(i);
      TxcOutput o = session.output(i);
      ref::Shape shape(o.shape, o.shape + o.rank);
      ref::Tensor view = ref::Tensor::view(dtypeFromCode(o.dtype), shape, o.data, nullptr);
      printSummary(info.name, view, printCount);
      if (outDir.empty())
        continue;
      std::string base = fileNameFor(info.name), file = base;
      for (int k = 1; !used.insert(file).second; ++k)
        file = base + "_" + std::to_string(k);
      if (file != base)
        llvm::errs() << "txc run: note: output '" << info.name << "' is written to '"
                     << file << ".npy' ('" << base << ".npy' is another output's)\n";
      llvm::SmallString<256> p(outDir);
      llvm::sys::path::append(p, file + ".npy");
      ref::writeNpy(std::string(p), view);
    }
  } catch (const Error &e) {
    llvm::errs() << "txc run: " << e.what() << "\n";
    return e.status() == TXC_ERROR_INVALID_ARGUMENT ? kUsage : kBadInput;
  } catch (const std::exception &e) {
    llvm::errs() << "txc run: " << e.what() << "\n";
    return kBadInput;
  }
  return kOk;
}

int runBench(int argc, char **argv) {
  Args args;
  std::string error;
  if (!parseArgs(argc, argv, 2, {"input", "dim", "seed", "threads", "runs", "warmup"},
                 {"help"}, args, error)) {
    llvm::errs() << "txc bench: " << error << "\n";
    return kUsage;
  }
  if (args.has("help")) {
    llvm::outs() << R"(Usage: txc bench <model.txc> [options]

Runs the artifact repeatedly and ends with one line
  median <X> ms p90 <Y> ms peak_rss <Z> MB

Options:
  --threads <n>            threads of the session (default: TXC_NUM_THREADS
                           or the hardware threads)
  --runs <n>               timed runs (default 20)
  --warmup <n>             untimed runs first (default 3)
  --input <name>=<file.npy>, --dim <name>=<value>, --seed <n>: as for txc run
)";
    return kOk;
  }
  if (args.positional.size() != 1) {
    llvm::errs() << "txc bench: expected exactly one artifact\n";
    return kUsage;
  }
  auto intOpt = [&](const char *name, int dflt, int lo, int &out) {
    out = dflt;
    if (!args.has(name))
      return true;
    if (llvm::StringRef(args.get(name)).getAsInteger(10, out) || out < lo) {
      llvm::errs() << "txc bench: --" << name << " expects an integer >= " << lo << "\n";
      return false;
    }
    return true;
  };
  int threads, runs, warmup;
  if (!intOpt("threads", 0, 0, threads) || !intOpt("runs", 20, 1, runs) ||
      !intOpt("warmup", 3, 0, warmup))
    return kUsage;
  std::unique_ptr<Model> model;
  if (int rc = loadModel(args.positional[0], model))
    return rc;
  PreparedInputs in;
  if (int rc = prepareInputs(*model, args, in))
    return rc;
  try {
    Session session(*model, threads);
    for (int i = 0; i < warmup; ++i)
      session.run(in.views);
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      session.run(in.views);
      ms.push_back(std::chrono::duration<double, std::milli>(
                       std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    double median = ms.size() % 2 ? ms[ms.size() / 2]
                                  : 0.5 * (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]);
    double p90 = ms[std::min(ms.size() - 1, static_cast<size_t>(0.9 * ms.size()))];
    llvm::outs() << "runs " << runs << " warmup " << warmup << " min "
                 << llvm::format("%.3f", ms.front()) << " ms max "
                 << llvm::format("%.3f", ms.back()) << " ms\n";
    llvm::outs() << "median " << llvm::format("%.3f", median) << " ms p90 "
                 << llvm::format("%.3f", p90) << " ms peak_rss "
                 << llvm::format("%.1f", peakRssMB()) << " MB\n";
  } catch (const Error &e) {
    llvm::errs() << "txc bench: " << e.what() << "\n";
    return kBadInput;
  }
  return kOk;
}

int runInspect(int argc, char **argv) {
  Args args;
  std::string error;
  if (!parseArgs(argc, argv, 2, {}, {"help"}, args, error)) {
    llvm::errs() << "txc inspect: " << error << "\n";
    return kUsage;
  }
  if (args.has("help")) {
    llvm::outs() << "Usage: txc inspect <model.txc>\n\nPrints the artifact's header, "
                    "inputs, outputs, weights, memory plan and kernels.\n";
    return kOk;
  }
  if (args.positional.size() != 1) {
    llvm::errs() << "txc inspect: expected exactly one artifact\n";
    return kUsage;
  }
  const std::string &path = args.positional[0];
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf) {
    llvm::errs() << "txc inspect: cannot read '" << path << "': "
                 << buf.getError().message() << "\n";
    return kBadInput;
  }
  rt::ArtifactView v;
  try {
    v = rt::parseArtifact((*buf)->getBufferStart(), (*buf)->getBufferSize());
  } catch (const std::exception &e) {
    llvm::errs() << "txc inspect: " << path << ": " << e.what() << "\n";
    return kBadInput;
  }
  const format::Metadata &m = v.metadata;
  auto &os = llvm::outs();
  os << "artifact " << path << "\n";
  os << "  format version " << v.header.formatVersion << ", " << v.header.fileSize
     << " bytes, producer '" << m.producer << "'\n";
  os << "  target cpu " << m.targetCpu << ", requires: "
     << (v.header.cpuFeatures ? rt::featureList(v.header.cpuFeatures) : "baseline x86-64")
     << "\n";
  uint64_t missing = v.header.cpuFeatures & ~rt::hostCpuFeatures();
  if (missing)
    os << "  this machine lacks: " << rt::featureList(missing) << "\n";
  os << "  options: " << (m.options.empty() ? "(none)" : m.options) << "\n";
  os << "  code " << v.sharedObjectSize << " bytes, weights " << m.weights.size()
     << " tensors in " << v.weightsSize << " bytes, " << m.opCount << " ops\n";
  auto printTensor = [&](const char *kind, const format::TensorInfo &t) {
    os << "  " << kind << " " << t.name << ": " << format::dtypeName(t.dtype) << " [";
    for (size_t i = 0; i < t.dims.size(); ++i) {
      const auto &d = t.dims[i];
      os << (i ? ", " : "");
      if (d.size >= 0)
        os << d.size;
      else
        os << (d.name.empty() ? "?" : d.name) << (d.hi >= 0 ? "=" + std::to_string(d.lo) +
                                                              ".." + std::to_string(d.hi)
                                                        : "");
    }
    os << "]\n";
  };
  for (const auto &t : m.inputs)
    printTensor("input ", t);
  for (const auto &t : m.outputs)
    printTensor("output", t);
  os << "memory plan: arena " << m.arenaBytes << " bytes (lower bound "
     << m.arenaLowerBound << "), " << m.plan.size() << " buffers\n";
  for (size_t i = 0; i < m.plan.size(); ++i)
    os << "  buffer " << i << ": " << m.plan[i].bytes << " bytes at " << m.plan[i].offset
       << ", ops " << m.plan[i].firstUse << ".." << m.plan[i].lastUse << "\n";
  os << "kernels:\n";
  for (const auto &k : m.kernels)
    os << "  " << k << "\n";
  return kOk;
}

} // namespace txc::tool
