//===- Kernel.h - Reference evaluator kernel interface ----------*- C++ -*-===//
//
// Reference kernels are plain C++ functions keyed by the txc op name without
// the dialect prefix (e.g. "matmul", "layer_normalization"). Inputs are
// positional as in ONNX (an absent optional input is a null Tensor), and
// attributes arrive as a name -> value map carrying ONNX attribute names.
// They know nothing of MLIR, so they build and test without it.
//
//===----------------------------------------------------------------------===//
#ifndef TXC_REFERENCE_KERNEL_H
#define TXC_REFERENCE_KERNEL_H

#include "Tensor.h"

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace txc::ref {

using AttrValue =
    std::variant<int64_t, double, std::string, std::vector<int64_t>,
                 std::vector<double>, std::vector<std::string>, Tensor>;

/// ONNX-style attributes of one op. Getters with a default return it when the
/// attribute is absent; getters without one throw EvalError.
class Attrs {
public:
  void set(std::string name, AttrValue v) { map_[std::move(name)] = std::move(v); }
  bool has(const std::string &name) const { return map_.count(name) != 0; }
  int64_t getInt(const std::string &name) const;
  int64_t getInt(const std::string &name, int64_t dflt) const;
  double getFloat(const std::string &name) const;
  double getFloat(const std::string &name, double dflt) const;
  std::string getString(const std::string &name) const;
  std::string getString(const std::string &name, const std::string &dflt) const;
  std::vector<int64_t> getInts(const std::string &name) const;
  std::vector<int64_t> getInts(const std::string &name,
                               const std::vector<int64_t> &dflt) const;
  std::vector<double> getFloats(const std::string &name,
                                const std::vector<double> &dflt = {}) const;
  std::vector<std::string> getStrings(const std::string &name) const;
  const Tensor &getTensor(const std::string &name) const;
  const std::map<std::string, AttrValue> &all() const { return map_; }

private:
  const AttrValue &lookup(const std::string &name) const;
  std::map<std::string, AttrValue> map_;
};

struct KernelArgs {
  std::vector<Tensor> inputs; // positional; null Tensor = absent optional
  Attrs attrs;
  int numOutputs = 1;         // how many results the op has

  /// Input i, or a null tensor if i is past the end.
  const Tensor &input(size_t i) const;
  /// Input i, throwing EvalError naming `what` if absent.
  const Tensor &required(size_t i, const char *what) const;
};

using KernelFn = std::vector<Tensor> (*)(const KernelArgs &);

class KernelRegistry {
public:
  void add(std::string_view name, KernelFn fn);
  KernelFn lookup(std::string_view name) const;
  std::vector<std::string> names() const;

private:
  std::map<std::string, KernelFn, std::less<>> kernels_;
};

/// The registry with every kernel family registered (built once).
const KernelRegistry &kernelRegistry();

/// Convenience for tests and tools: runs kernel `name` or throws EvalError.
std::vector<Tensor> runKernel(std::string_view name, const KernelArgs &args);

// One registration function per kernel family (one .cpp file each).
void registerElementwiseKernels(KernelRegistry &r);
void registerReductionKernels(KernelRegistry &r);
void registerShapeKernels(KernelRegistry &r);
void registerIndexingKernels(KernelRegistry &r);
void registerLinalgKernels(KernelRegistry &r);
void registerNNKernels(KernelRegistry &r);
void registerQuantKernels(KernelRegistry &r);
void registerAttentionKernels(KernelRegistry &r);

} // namespace txc::ref

#endif // TXC_REFERENCE_KERNEL_H
