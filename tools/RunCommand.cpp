//===- RunCommand.cpp - txc run -------------------------------------------===//

#include "Commands.h"

#include "ir/Dims.h"
#include "ir/TxcDialect.h"
#include "reference/Npy.h"
#include "reference/interpreter/Interpreter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <random>

namespace txc::tool {

/// The smallest size of a Gather axis that `v` indexes (following casts and
/// reshapes), so that generated token ids stay inside the embedding table;
/// `dflt` when `v` is not used as indices.
static int64_t indexBound(mlir::Value v, int64_t dflt, int depth = 0) {
  int64_t bound = dflt;
  if (depth > 8)
    return bound;
  for (mlir::OpOperand &use : v.getUses()) {
    mlir::Operation *user = use.getOwner();
    if (auto g = llvm::dyn_cast<GatherOp>(user)) {
      auto data = llvm::dyn_cast<mlir::RankedTensorType>(g.getData().getType());
      if (use.getOperandNumber() == 1 && data) {
        int64_t axis = g.getAxis() < 0 ? g.getAxis() + data.getRank() : g.getAxis();
        if (axis >= 0 && axis < data.getRank() && !data.isDynamicDim(axis))
          bound = std::min(bound, data.getDimSize(axis));
      }
    } else if (llvm::isa<CastOp, UnsqueezeOp, SqueezeOp, ReshapeOp, IdentityOp,
                         FlattenOp>(user) && use.getOperandNumber() == 0) {
      bound = std::min(bound, indexBound(user->getResult(0), dflt, depth + 1));
    }
  }
  return bound;
}

/// Seeded random data: floats in [-1, 1), integers in [0, intBound), bools.
static ref::Tensor randomTensor(ref::DType dt, const ref::Shape &shape,
                                int64_t intBound, std::mt19937_64 &rng) {
  ref::Tensor t(dt, shape);
  std::uniform_real_distribution<double> real(-1.0, 1.0);
  std::uniform_int_distribution<int64_t> integer(0, std::max<int64_t>(intBound, 1) - 1);
  for (int64_t i = 0; i < t.numel(); ++i) {
    if (ref::isFloat(dt))
      t.setDouble(i, real(rng));
    else if (dt == ref::DType::Bool)
      t.setInt(i, integer(rng) % 2);
    else
      t.setInt(i, integer(rng));
  }
  return t;
}

std::string fileNameFor(const std::string &name) {
  std::string s = name;
  for (char &c : s)
    if (c == '/' || c == '\\' || c == ':' || c == ' ' || c == '\0' ||
        static_cast<unsigned char>(c) < 0x20)
      c = '_';
  if (s.empty() || s == "." || s == "..")
    s = "output" + s;
  if (s.size() > 200) // a file name's limit is 255 bytes
    s = s.substr(0, 200);
  return s;
}

void printSummary(const std::string &name, const ref::Tensor &t, int count) {
  llvm::outs() << name << ": " << ref::dtypeName(t.dtype()) << " "
               << ref::shapeToString(t.shape());
  int64_t n = std::min<int64_t>(t.numel(), count);
  if (n > 0) {
    llvm::outs() << " [";
    for (int64_t i = 0; i < n; ++i) {
      if (i)
        llvm::outs() << ", ";
      if (ref::isFloat(t.dtype()))
        llvm::outs() << llvm::format("%.6g", t.getDouble(i));
      else
        llvm::outs() << t.getInt(i);
    }
    llvm::outs() << (t.numel() > n ? ", ...]" : "]");
  }
  llvm::outs() << "\n";
}

int runRun(int argc, char **argv) {
  Args args;
  std::string error;
  if (!parseArgs(argc, argv, 2, {"input", "output-dir", "dim", "seed", "print"},
                 {"help", "reference"}, args, error)) {
    llvm::errs() << "txc run: " << error << "\n";
    return kUsage;
  }
  if (args.has("help")) {
    llvm::outs() << R"(Usage: txc run <model.txc> [options]
       txc run --reference <model.onnx|model.mlir> [options]

Runs a compiled artifact through the runtime (libtxcrt), or the model with
the reference evaluator (--reference), and writes one .npy per output,
named after the output. Inputs not given get seeded random data of the right
dtype and shape (floats in [-1, 1), integers in [0, 10), or below the table
size for integers used as Gather indices, e.g. token ids); their symbolic dims
must then be fixed with --dim.

Options:
  --reference              run the model (.onnx/.mlir) with the reference
                           evaluator instead of a compiled artifact
  --input <name>=<file.npy>  an input tensor (repeatable)
  --output-dir <dir>       where to write <output name>.npy files
  --dim <name>=<value>     size of a named dim for generated inputs
  --seed <n>               seed of generated inputs (default 0)
  --print <n>              values of each output to print (default 8)
)";
    return kOk;
  }
  if (args.positional.size() != 1) {
    llvm::errs() << "txc run: expected exactly one model file\n";
    return kUsage;
  }
  if (!args.has("reference"))
    return runArtifact(args);
  std::map<std::string, std::string> inputFiles;
  for (const std::string &s : args.getAll("input")) {
    size_t eq = s.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == s.size()) {
      llvm::errs() << "txc run: --input expects name=file.npy, got '" << s << "'\n";
      return kUsage;
    }
    if (!inputFiles.emplace(s.substr(0, eq), s.substr(eq + 1)).second) {
      llvm::errs() << "txc run: --input '" << s.substr(0, eq) << "' is given twice\n";
      return kUsage;
    }
  }
  // A dim is a positive integer below 2^31 (larger tensors are refused by
  // size anyway; this keeps every product of a few dims from overflowing).
  llvm::StringMap<int64_t> dims;
  for (const std::string &s : args.getAll("dim")) {
    auto [name, value] = llvm::StringRef(s).split('=');
    int64_t v;
    if (name.empty() || value.getAsInteger(10, v) || v < 1 || v > INT32_MAX) {
      llvm::errs() << "txc run: --dim expects name=N with N a positive integer "
                      "below 2^31, got '"
                   << s << "'\n";
      return kUsage;
    }
    auto [it, inserted] = dims.try_emplace(name, v);
    if (!inserted && it->second != v) {
      llvm::errs() << "txc run: --dim " << name << " is given twice, as "
                   << it->second << " and " << v << "\n";
      return kUsage;
    }
  }
  uint64_t seed = 0;
  if (args.has("seed") && llvm::StringRef(args.get("seed")).getAsInteger(10, seed)) {
    llvm::errs() << "txc run: --seed expects an integer\n";
    return kUsage;
  }
  int printCount = 8;
  if (args.has("print") && llvm::StringRef(args.get("print")).getAsInteger(10, printCount)) {
    llvm::errs() << "txc run: --print expects an integer\n";
    return kUsage;
  }

  mlir::MLIRContext ctx;
  auto diag = installDiagnosticHandler(ctx);
  auto module = loadModel(ctx, args.positional[0]);
  if (!module)
    return kBadInput;
  auto func = module->lookupSymbol<mlir::func::FuncOp>("main");
  if (!func) {
    llvm::errs() << "txc run: the module has no function @main\n";
    return kBadInput;
  }

  std::mt19937_64 rng(seed);
  std::vector<ref::Tensor> inputs;
  std::vector<std::string> missingDims;
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    auto nameAttr = func.getArgAttrOfType<mlir::StringAttr>(i, "txc.name");
    std::string name = nameAttr ? nameAttr.str() : "arg" + std::to_string(i);
    auto it = inputFiles.find(name);
    if (it != inputFiles.end()) {
      try {
        inputs.push_back(ref::readNpy(it->second));
      } catch (const std::exception &e) {
        llvm::errs() << "txc run: input '" << name << "': " << e.what() << "\n";
        return kBadInput;
      }
      inputFiles.erase(it);
      continue;
    }
    auto type = llvm::dyn_cast<mlir::RankedTensorType>(func.getArgument(i).getType());
    if (!type) {
      llvm::errs() << "txc run: input '" << name
                   << "' has an unknown rank; pass it with --input\n";
      return kBadInput;
    }
    auto dt = dtypeOf(type.getElementType());
    if (!dt) {
      llvm::errs() << "txc run: input '" << name << "': "
                   << llvm::toString(dt.takeError()) << "\n";
      return kBadInput;
    }
    ref::Shape shape;
    for (const Dim &d : getDims(type)) {
      if (d.isStatic()) {
        shape.push_back(d.size);
      } else if (d.isNamed() && dims.count(d.name.getValue())) {
        shape.push_back(dims[d.name.getValue()]);
      } else {
        missingDims.push_back("input '" + name + "' dim " + dimToString(d));
        shape.push_back(1);
      }
    }
    try {
      inputs.push_back(randomTensor(*dt, shape, indexBound(func.getArgument(i), 10), rng));
    } catch (const std::exception &e) { // e.g. above --max-tensor-bytes
      llvm::errs() << "txc run: cannot generate input '" << name << "': " << e.what()
                   << "\n";
      return kBadInput;
    }
  }
  if (!missingDims.empty()) {
    llvm::errs() << "txc run: cannot generate inputs without the size of:\n";
    for (auto &m : missingDims)
      llvm::errs() << "  " << m << "\n";
    llvm::errs() << "pass --dim <name>=<value> (or the input with --input)\n";
    return kBadInput;
  }
  for (auto &kv : inputFiles) {
    llvm::errs() << "txc run: the model has no input named '" << kv.first << "'\n";
    return kBadInput;
  }

  auto outputs = evaluate(func, inputs);
  if (!outputs) {
    llvm::errs() << "txc run: " << llvm::toString(outputs.takeError()) << "\n";
    return kBadInput;
  }
  std::string outDir = args.get("output-dir");
  if (!outDir.empty())
    if (auto ec = llvm::sys::fs::create_directories(outDir)) {
      llvm::errs() << "txc run: cannot create '" << outDir << "': " << ec.message() << "\n";
      return kBadInput;
    }
  // Output names whose sanitized file names collide ("a/b" and "a_b") get
  // a numbered suffix instead of overwriting each other; a note says so.
  llvm::StringSet<> usedFiles;
  for (auto [i, t] : llvm::enumerate(*outputs)) {
    auto nameAttr = func.getResultAttrOfType<mlir::StringAttr>(i, "txc.name");
    std::string name = nameAttr ? nameAttr.str() : "output" + std::to_string(i);
    printSummary(name, t, printCount);
    if (!outDir.empty()) {
      std::string base = fileNameFor(name), file = base;
      for (int k = 1; !usedFiles.insert(file).second; ++k)
        file = base + "_" + std::to_string(k);
      if (file != base)
        llvm::errs() << "txc run: note: output '" << name << "' is written to '" << file
                     << ".npy' ('" << base << ".npy' is another output's)\n";
      llvm::SmallString<256> path(outDir);
      llvm::sys::path::append(path, file + ".npy");
      try {
        ref::writeNpy(std::string(path), t);
      } catch (const std::exception &e) {
        llvm::errs() << "txc run: " << e.what() << "\n";
        return kBadInput;
      }
    }
  }
  return kOk;
}

} // namespace txc::tool
