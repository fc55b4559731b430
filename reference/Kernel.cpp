//===- Kernel.cpp - Reference kernel registry and attribute access --------===//

#include "Kernel.h"

namespace txc::ref {

const AttrValue &Attrs::lookup(const std::string &name) const {
  auto it = map_.find(name);
  if (it == map_.end())
    throw EvalError("missing required attribute '" + name + "'");
  return it->second;
}

template <typename T>
static const T &as(const AttrValue &v, const std::string &name,
                   const char *kind) {
  if (auto *p = std::get_if<T>(&v))
    return *p;
  throw EvalError("attribute '" + name + "' is not " + kind);
}

int64_t Attrs::getInt(const std::string &name) const {
  const AttrValue &v = lookup(name);
  if (auto *d = std::get_if<double>(&v))
    return static_cast<int64_t>(*d);
  return as<int64_t>(v, name, "an integer");
}
int64_t Attrs::getInt(const std::string &name, int64_t dflt) const {
  return has(name) ? getInt(name) : dflt;
}
double Attrs::getFloat(const std::string &name) const {
  const AttrValue &v = lookup(name);
  if (auto *i = std::get_if<int64_t>(&v))
    return static_cast<double>(*i);
  return as<double>(v, name, "a float");
}
double Attrs::getFloat(const std::string &name, double dflt) const {
  return has(name) ? getFloat(name) : dflt;
}
std::string Attrs::getString(const std::string &name) const {
  return as<std::string>(lookup(name), name, "a string");
}
std::string Attrs::getString(const std::string &name,
                             const std::string &dflt) const {
  return has(name) ? getString(name) : dflt;
}
std::vector<int64_t> Attrs::getInts(const std::string &name) const {
  const AttrValue &v = lookup(name);
  if (auto *d = std::get_if<std::vector<double>>(&v)) {
    if (d->empty())
      return {};
  }
  return as<std::vector<int64_t>>(v, name, "a list of integers");
}
std::vector<int64_t> Attrs::getInts(const std::string &name,
                                    const std::vector<int64_t> &dflt) const {
  return has(name) ? getInts(name) : dflt;
}
std::vector<double> Attrs::getFloats(const std::string &name,
                                     const std::vector<double> &dflt) const {
  if (!has(name))
    return dflt;
  const AttrValue &v = lookup(name);
  if (auto *i = std::get_if<std::vector<int64_t>>(&v))
    return std::vector<double>(i->begin(), i->end());
  return as<std::vector<double>>(v, name, "a list of floats");
}
std::vector<std::string> Attrs::getStrings(const std::string &name) const {
  return as<std::vector<std::string>>(lookup(name), name, "a list of strings");
}
const Tensor &Attrs::getTensor(const std::string &name) const {
  return as<Tensor>(lookup(name), name, "a tensor");
}

static const Tensor &nullTensor() {
  static const Tensor t;
  return t;
}

const Tensor &KernelArgs::input(size_t i) const {
  return i < inputs.size() ? inputs[i] : nullTensor();
}

const Tensor &KernelArgs::required(size_t i, const char *what) const {
  const Tensor &t = input(i);
  if (t.isNull())
    throw EvalError(std::string("missing required input '") + what + "'");
  return t;
}

void KernelRegistry::add(std::string_view name, KernelFn fn) {
  kernels_[std::string(name)] = fn;
}

KernelFn KernelRegistry::lookup(std::string_view name) const {
  auto it = kernels_.find(name);
  return it == kernels_.end() ? nullptr : it->second;
}

std::vector<std::string> KernelRegistry::names() const {
  std::vector<std::string> out;
  for (auto &kv : kernels_)
    out.push_back(kv.first);
  return out;
}

const KernelRegistry &kernelRegistry() {
  static const KernelRegistry registry = [] {
    KernelRegistry r;
    registerElementwiseKernels(r);
    registerReductionKernels(r);
    registerShapeKernels(r);
    registerIndexingKernels(r);
    registerLinalgKernels(r);
    registerNNKernels(r);
    registerQuantKernels(r);
    registerAttentionKernels(r);
    return r;
  }();
  return registry;
}

std::vector<Tensor> runKernel(std::string_view name, const KernelArgs &args) {
  KernelFn fn = kernelRegistry().lookup(name);
  if (!fn)
    throw EvalError("no reference kernel for op '" + std::string(name) + "'");
  return fn(args);
}

} // namespace txc::ref
