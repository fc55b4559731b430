//===- Interpreter.cpp - Reference evaluation of txc functions ------------===//

#include "reference/interpreter/Interpreter.h"
#include "ir/Dims.h"
#include "ir/TxcDialect.h"
#include "reference/Kernel.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

#include <cstring>

using namespace mlir;

namespace txc {

static llvm::Error makeError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

static std::string locName(Location loc) {
  if (auto n = llvm::dyn_cast<NameLoc>(loc))
    return n.getName().str();
  std::string s;
  llvm::raw_string_ostream os(s);
  loc.print(os);
  return s;
}

llvm::Expected<ref::DType> dtypeOf(Type t) {
  ref::DType dt;
  if (!ref::dtypeFromOnnx(onnxTypeOf(t), dt)) {
    std::string s;
    llvm::raw_string_ostream os(s);
    t.print(os);
    return makeError("unsupported element type " + s);
  }
  return dt;
}

llvm::Expected<ref::Tensor> tensorFromAttr(ElementsAttr attr) {
  auto type = llvm::cast<ShapedType>(attr.getType());
  auto dt = dtypeOf(type.getElementType());
  if (!dt)
    return dt.takeError();
  ref::Shape shape(type.getShape().begin(), type.getShape().end());
  if (auto res = llvm::dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob)
      return makeError("constant refers to a missing resource blob");
    ArrayRef<char> data = blob->getData();
    size_t want = ref::numElements(shape) * ref::dtypeSize(*dt);
    if (data.size() < want)
      return makeError("resource blob is smaller than its tensor type");
    return ref::Tensor::view(*dt, shape, data.data(), nullptr);
  }
  auto dense = llvm::dyn_cast<DenseElementsAttr>(attr);
  if (!dense)
    return makeError("unsupported constant attribute kind");
  ref::Tensor t(*dt, shape);
  int64_t n = t.numel();
  Type et = type.getElementType();
  if (et.isInteger(1)) {
    int64_t i = 0;
    for (bool b : dense.getValues<bool>())
      t.setInt(i++, b);
    return t;
  }
  ArrayRef<char> raw = dense.getRawData();
  size_t esize = ref::dtypeSize(*dt);
  if (dense.isSplat()) {
    for (int64_t i = 0; i < n; ++i)
      std::memcpy(static_cast<char *>(t.mutableRaw()) + i * esize, raw.data(), esize);
  } else if (n) {
    if (raw.size() != n * esize)
      return makeError("dense constant has unexpected storage size");
    std::memcpy(t.mutableRaw(), raw.data(), raw.size());
  }
  return t;
}

/// MLIR attribute -> reference kernel attribute value.
static llvm::Expected<ref::AttrValue> convertAttr(Attribute a) {
  if (auto i = llvm::dyn_cast<IntegerAttr>(a))
    return ref::AttrValue(i.getInt());
  if (auto f = llvm::dyn_cast<FloatAttr>(a))
    return ref::AttrValue(f.getValueAsDouble());
  if (auto s = llvm::dyn_cast<StringAttr>(a))
    return ref::AttrValue(s.str());
  if (auto e = llvm::dyn_cast<ElementsAttr>(a)) {
    auto t = tensorFromAttr(e);
    if (!t)
      return t.takeError();
    return ref::AttrValue(*t);
  }
  if (auto arr = llvm::dyn_cast<ArrayAttr>(a)) {
    if (arr.empty())
      return ref::AttrValue(std::vector<int64_t>{});
    if (llvm::isa<IntegerAttr>(arr[0])) {
      std::vector<int64_t> v;
      for (Attribute x : arr)
        v.push_back(llvm::cast<IntegerAttr>(x).getInt());
      return ref::AttrValue(v);
    }
    if (llvm::isa<FloatAttr>(arr[0])) {
      std::vector<double> v;
      for (Attribute x : arr)
        v.push_back(llvm::cast<FloatAttr>(x).getValueAsDouble());
      return ref::AttrValue(v);
    }
    if (llvm::isa<StringAttr>(arr[0])) {
      std::vector<std::string> v;
      for (Attribute x : arr)
        v.push_back(llvm::cast<StringAttr>(x).str());
      return ref::AttrValue(v);
    }
  }
  if (auto d = llvm::dyn_cast<DenseI64ArrayAttr>(a))
    return ref::AttrValue(std::vector<int64_t>(d.asArrayRef().begin(), d.asArrayRef().end()));
  return makeError("unsupported attribute kind");
}

/// Checks a runtime tensor against a static type; `sizes` binds named dims.
static llvm::Error checkAgainstType(const ref::Tensor &t, Type type,
                                   llvm::StringMap<int64_t> *sizes,
                                   const std::string &what) {
  auto shaped = llvm::dyn_cast<ShapedType>(type);
  if (!shaped)
    return llvm::Error::success();
  auto dt = dtypeOf(shaped.getElementType());
  if (!dt)
    return dt.takeError();
  if (t.dtype() != *dt)
    return makeError(what + " has dtype " + ref::dtypeName(t.dtype()) +
                     ", expected " + ref::dtypeName(*dt));
  auto ranked = llvm::dyn_cast<RankedTensorType>(type);
  if (!ranked)
    return llvm::Error::success();
  if (t.rank() != ranked.getRank())
    return makeError(what + " has shape " + ref::shapeToString(t.shape()) +
                     ", expected rank " + std::to_string(ranked.getRank()) +
                     " " + dimsToString(getDims(ranked)));
  DimList dims = getDims(ranked);
  for (int64_t i = 0; i < ranked.getRank(); ++i) {
    if (dims[i].isStatic() && dims[i].size != t.shape()[i])
      return makeError(what + " has shape " + ref::shapeToString(t.shape()) +
                       ", expected " + dimsToString(dims));
    if (sizes && dims[i].isNamed()) {
      auto [it, inserted] = sizes->try_emplace(dims[i].name.getValue(), t.shape()[i]);
      if (!inserted && it->second != t.shape()[i])
        return makeError(what + " has " + dims[i].name.getValue().str() + " = " +
                         std::to_string(t.shape()[i]) + " but another input has " +
                         dims[i].name.getValue().str() + " = " +
                         std::to_string(it->second));
    }
  }
  return llvm::Error::success();
}

static std::string describeOp(Operation *op) {
  return "op '" + op->getName().getStringRef().str() + "' at '" +
         locName(op->getLoc()) + "'";
}

llvm::Expected<std::vector<ref::Tensor>>
evaluateOp(Operation *op, const std::vector<ref::Tensor> &inputs) {
  std::string where = describeOp(op);
  if (!llvm::isa<TxcDialect>(op->getDialect()))
    return makeError(where + ": the reference evaluator only runs txc ops");
  StringRef kernelName = op->getName().getStringRef().drop_front(4); // "txc."
  ref::KernelFn fn = ref::kernelRegistry().lookup(kernelName);
  if (!fn)
    return makeError(where + ": no reference kernel for '" + kernelName + "'");
  ref::KernelArgs args;
  args.inputs = inputs;
  for (NamedAttribute na : op->getAttrs()) {
    auto v = convertAttr(na.getValue());
    if (!v)
      return makeError(where + ": attribute '" + na.getName().str() + "': " +
                       llvm::toString(v.takeError()));
    args.attrs.set(na.getName().str(), *v);
  }
  args.numOutputs = op->getNumResults();
  std::vector<ref::Tensor> results;
  try {
    results = fn(args);
  } catch (const std::exception &e) {
    return makeError(where + ": " + e.what());
  }
  if (results.size() != op->getNumResults())
    return makeError(where + ": kernel returned " + std::to_string(results.size()) +
                     " results, the op has " + std::to_string(op->getNumResults()));
  for (auto [i, r] : llvm::enumerate(op->getResults())) {
    if (results[i].isNull() && r.use_empty())
      continue;
    if (auto err = checkAgainstType(results[i], r.getType(), nullptr,
                                    where + " result #" + std::to_string(i)))
      return std::move(err);
  }
  return results;
}

DenseElementsAttr tensorToAttr(const ref::Tensor &t, RankedTensorType type) {
  if (type.getElementType().isInteger(1)) {
    SmallVector<bool> values;
    for (int64_t i = 0; i < t.numel(); ++i)
      values.push_back(t.getInt(i) != 0);
    return DenseElementsAttr::get(type, values);
  }
  return DenseElementsAttr::getFromRawBuffer(
      type, ArrayRef<char>(static_cast<const char *>(t.raw()), t.byteSize()));
}

llvm::Expected<std::vector<ref::Tensor>>
evaluate(func::FuncOp func, const std::vector<ref::Tensor> &inputs) {
  if (inputs.size() != func.getNumArguments())
    return makeError("expected " + std::to_string(func.getNumArguments()) +
                     " inputs, got " + std::to_string(inputs.size()));
  llvm::DenseMap<Value, ref::Tensor> env;
  llvm::StringMap<int64_t> sizes;
  for (auto [i, arg] : llvm::enumerate(func.getArguments())) {
    std::string name = "input #" + std::to_string(i);
    if (auto n = func.getArgAttrOfType<StringAttr>(i, "txc.name"))
      name = "input '" + n.str() + "'";
    if (auto err = checkAgainstType(inputs[i], arg.getType(), &sizes, name))
      return std::move(err);
    env[arg] = inputs[i];
  }
  std::vector<ref::Tensor> outputs;
  for (Operation &op : func.getBody().front()) {
    if (auto ret = llvm::dyn_cast<func::ReturnOp>(op)) {
      for (Value v : ret.getOperands())
        outputs.push_back(env.lookup(v));
      break;
    }
    if (llvm::isa<NoneOp>(op)) {
      env[op.getResult(0)] = ref::Tensor();
      continue;
    }
    if (auto c = llvm::dyn_cast<ConstantOp>(op)) {
      auto t = tensorFromAttr(c.getValue());
      if (!t)
        return makeError(describeOp(&op) + ": " + llvm::toString(t.takeError()));
      env[c.getResult()] = *t;
      continue;
    }
    std::vector<ref::Tensor> args;
    for (Value v : op.getOperands())
      args.push_back(env.lookup(v));
    auto results = evaluateOp(&op, args);
    if (!results)
      return results.takeError();
    for (auto [i, r] : llvm::enumerate(op.getResults()))
      env[r] = std::move((*results)[i]);
  }
  return outputs;
}

} // namespace txc
