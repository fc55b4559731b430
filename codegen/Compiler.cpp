//===- Compiler.cpp - From the optimized txc dialect to an artifact -------===//

#include "codegen/Compiler.h"

#include "codegen/Passes.h"
#include "codegen/artifact/ArtifactWriter.h"
#include "codegen/llvm/Backend.h"
#include "ir/Dims.h"
#include "ir/TxcDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include <chrono>

using namespace mlir;

namespace txc::codegen {

namespace {

llvm::Error makeError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

class PhaseTimer {
public:
  PhaseTimer(std::vector<PhaseTime> &out, std::string name)
      : out_(out), name_(std::move(name)), start_(std::chrono::steady_clock::now()) {}
  ~PhaseTimer() {
    std::chrono::duration<double> d = std::chrono::steady_clock::now() - start_;
    out_.push_back({name_, d.count()});
  }

private:
  std::vector<PhaseTime> &out_;
  std::string name_;
  std::chrono::steady_clock::time_point start_;
};

format::TensorInfo tensorInfo(Type type, StringAttr name, const std::string &fallback) {
  format::TensorInfo t;
  t.name = name ? name.getValue().str() : fallback;
  auto rt = llvm::cast<RankedTensorType>(type);
  t.dtype = static_cast<int32_t>(onnxTypeOf(rt.getElementType()));
  for (const Dim &d : getDims(rt)) {
    format::DimInfo di;
    di.size = d.isStatic() ? d.size : -1;
    if (d.isNamed())
      di.name = d.name.getValue().str();
    di.lo = 0;
    di.hi = -1;
    t.dims.push_back(di);
  }
  return t;
}

/// The bytes of a weight constant; dense splats and bools are expanded into
/// `owned` (kept alive until the artifact is written).
llvm::Expected<artifact::WeightBlob> weightBytes(Attribute attr,
                                                 std::vector<std::string> &owned) {
  auto type = llvm::cast<ShapedType>(llvm::cast<TypedAttr>(attr).getType());
  int64_t n = type.getNumElements();
  unsigned bits = type.getElementTypeBitWidth();
  uint64_t esize = bits == 1 ? 1 : bits / 8;
  if (auto res = llvm::dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob)
      return makeError("a weight refers to a missing resource blob");
    ArrayRef<char> data = blob->getData();
    if (data.size() < static_cast<uint64_t>(n) * esize)
      return makeError("a weight blob is smaller than its type");
    return artifact::WeightBlob{data.data(), static_cast<uint64_t>(n) * esize};
  }
  auto dense = llvm::dyn_cast<DenseElementsAttr>(attr);
  if (!dense)
    return makeError("unsupported weight attribute kind");
  if (bits == 1) {
    std::string &buf = owned.emplace_back(n, '\0');
    int64_t i = 0;
    for (bool b : dense.getValues<bool>())
      buf[i++] = b ? 1 : 0;
    return artifact::WeightBlob{buf.data(), static_cast<uint64_t>(n)};
  }
  ArrayRef<char> raw = dense.getRawData();
  if (dense.isSplat()) {
    std::string &buf = owned.emplace_back();
    buf.resize(n * esize);
    for (int64_t i = 0; i < n; ++i)
      std::memcpy(&buf[i * esize], raw.data(), esize);
    return artifact::WeightBlob{buf.data(), buf.size()};
  }
  return artifact::WeightBlob{raw.data(), raw.size()};
}

uint64_t requiredFeatures(llvm::TargetMachine &tm) {
  const llvm::MCSubtargetInfo *sti = tm.getMCSubtargetInfo();
  uint64_t mask = 0;
  for (const auto &f : format::kFeatureNames)
    if (sti->checkFeatures(std::string("+") + f.name))
      mask |= f.bit;
  return mask;
}

std::string printOp(Operation *op) {
  std::string s;
  llvm::raw_string_ostream os(s);
  OpPrintingFlags flags;
  flags.elideLargeElementsAttrs(16);
  op->print(os, flags);
  return s;
}

} // namespace

llvm::Error compileModule(ModuleOp module, const CompileOptions &opts,
                          CompileResult &result) {
  MLIRContext *ctx = module.getContext();
  registerCodegenDialects(*ctx);
  auto func = module.lookupSymbol<func::FuncOp>("main");
  if (!func)
    return makeError("the module has no @main function");
  for (unsigned i = 0; i < func.getNumResults(); ++i)
    if (!llvm::isa<RankedTensorType>(func.getResultTypes()[i])) {
      auto name = func.getResultAttrOfType<StringAttr>(i, "txc.name");
      return makeError("output '" + (name ? name.getValue() : "?") +
                       "' has a data-dependent rank (its shape comes from input "
                       "values): not supported by code generation yet");
    }
  for (Type t : func.getArgumentTypes())
    if (!llvm::isa<RankedTensorType>(t))
      return makeError("every input needs a known rank to compile");

  format::Metadata meta;
  meta.producer = "txc 0.2";
  meta.options = opts.optionsText;
  meta.entrySymbol = kEntrySymbol;
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    meta.inputs.push_back(tensorInfo(func.getArgumentTypes()[i],
                                     func.getArgAttrOfType<StringAttr>(i, "txc.name"),
                                     "input_" + std::to_string(i)));
  for (unsigned i = 0; i < func.getNumResults(); ++i)
    meta.outputs.push_back(tensorInfo(func.getResultTypes()[i],
                                      func.getResultAttrOfType<StringAttr>(i, "txc.name"),
                                      "output_" + std::to_string(i)));
  module.walk([&](Operation *op) {
    if (op->getDialect() && op->getDialect()->getNamespace() == "txc" &&
        !llvm::isa<ConstantOp, NoneOp>(op))
      ++meta.opCount;
  });
  result.opCount = meta.opCount;

  auto tmOr = createTargetMachine({opts.target, opts.optLevel});
  if (!tmOr)
    return tmOr.takeError();
  std::unique_ptr<llvm::TargetMachine> tm = std::move(*tmOr);
  meta.targetCpu = tm->getTargetCPU().str();

  // Weights become arguments; remember their bytes before lowering.
  std::vector<artifact::WeightBlob> weights;
  std::vector<std::string> ownedWeights;
  {
    PhaseTimer t(result.phases, "lower");
    PassManager pm(ctx, ModuleOp::getOperationName());
    pm.nest<func::FuncOp>().addPass(createOutlineWeights());
    if (failed(pm.run(module)))
      return makeError("weight outlining failed");
    if (auto list = func->getAttrOfType<ArrayAttr>("txc.weights")) {
      for (Attribute a : list) {
        auto blob = weightBytes(a, ownedWeights);
        if (!blob)
          return blob.takeError();
        weights.push_back(*blob);
        result.weightBytes += blob->bytes;
      }
      func->removeAttr("txc.weights");
    }
    unsigned nInputs = meta.inputs.size();
    for (unsigned i = nInputs; i < func.getNumArguments(); ++i) {
      format::WeightInfo w;
      auto rt = llvm::cast<RankedTensorType>(func.getArgumentTypes()[i]);
      w.dtype = static_cast<int32_t>(onnxTypeOf(rt.getElementType()));
      w.shape.assign(rt.getShape().begin(), rt.getShape().end());
      meta.weights.push_back(w);
    }
    // Only bufferization's own argument attributes survive into lowering.
    for (unsigned i = 0; i < func.getNumArguments(); ++i) {
      func.removeArgAttr(i, "txc.name");
      func.removeArgAttr(i, "txc.weight");
      if (i < nInputs)
        func.setArgAttr(i, "bufferization.writable", BoolAttr::get(ctx, false));
    }
    for (unsigned i = 0; i < func.getNumResults(); ++i)
      func.removeResultAttr(i, StringAttr::get(ctx, "txc.name"));
    func->setAttr("llvm.emit_c_interface", UnitAttr::get(ctx));

    PassManager linalgPm(ctx, ModuleOp::getOperationName());
    buildLinalgPipeline(linalgPm);
    if (opts.configurePassManager)
      opts.configurePassManager(linalgPm);
    if (failed(linalgPm.run(module)))
      return makeError("lowering to linalg failed");
    std::map<std::string, int> kernels;
    module.walk([&](linalg::LinalgOp op) {
      ++result.kernelCount;
      kernels[op->getName().getStringRef().str()]++;
    });
    for (auto &kv : kernels)
      meta.kernels.push_back(kv.first + " x" + std::to_string(kv.second));
    result.kernels = meta.kernels;

    PassManager llvmPm(ctx, ModuleOp::getOperationName());
    buildLLVMPipeline(llvmPm);
    if (opts.configurePassManager)
      opts.configurePassManager(llvmPm);
    if (failed(llvmPm.run(module)))
      return makeError("lowering to the LLVM dialect failed");
  }
  if (opts.emit == Emit::Mlir) {
    result.output = printOp(module);
    return llvm::Error::success();
  }

  llvm::LLVMContext llvmCtx;
  std::unique_ptr<llvm::Module> llvmModule;
  {
    PhaseTimer t(result.phases, "llvm");
    auto m = translateToLLVMIR(module, llvmCtx, "main", *tm);
    if (!m)
      return m.takeError();
    llvmModule = std::move(*m);
    optimizeModule(*llvmModule, *tm, opts.optLevel);
  }
  if (opts.emit == Emit::Llvm) {
    llvm::raw_string_ostream os(result.output);
    llvmModule->print(os, nullptr);
    return llvm::Error::success();
  }
  std::string object;
  {
    PhaseTimer t(result.phases, "codegen");
    auto obj = emitMachineCode(*llvmModule, *tm, opts.emit == Emit::Asm);
    if (!obj)
      return obj.takeError();
    object = std::move(*obj);
  }
  if (opts.emit == Emit::Asm || opts.emit == Emit::Obj) {
    result.output = std::move(object);
    return llvm::Error::success();
  }
  std::string so;
  {
    PhaseTimer t(result.phases, "link");
    auto linked = linkSharedObject(object);
    if (!linked)
      return linked.takeError();
    so = std::move(*linked);
  }
  {
    PhaseTimer t(result.phases, "write");
    result.output = artifact::buildArtifact(std::move(meta), so, weights,
                                            requiredFeatures(*tm));
  }
  return llvm::Error::success();
}

} // namespace txc::codegen
