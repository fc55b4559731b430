//===- Limits.h - Size limits for untrusted models --------------*- C++ -*-===//
//
// The largest tensor, in bytes, that txc allocates or accepts in a type: the
// importer (initializers, constants, inputs, inferred intermediates), the
// reference evaluator and the input readers refuse larger ones before
// allocating, naming the tensor and its shape. Default: the machine's
// physical memory; `--max-tensor-bytes` sets it. Header-only, MLIR-free.
//
//===----------------------------------------------------------------------===//
#ifndef TXC_IR_SEMANTICS_LIMITS_H
#define TXC_IR_SEMANTICS_LIMITS_H

#include <atomic>
#include <cstdint>
#include <unistd.h>

namespace txc::semantics {

namespace detail {
inline std::atomic<uint64_t> &maxTensorBytesSlot() {
  static std::atomic<uint64_t> slot{0};
  return slot;
}
} // namespace detail

inline uint64_t physicalMemoryBytes() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0)
    return uint64_t(1) << 34; // 16 GiB when the machine does not say
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page);
}

inline uint64_t maxTensorBytes() {
  uint64_t v = detail::maxTensorBytesSlot().load(std::memory_order_relaxed);
  return v ? v : physicalMemoryBytes();
}

inline void setMaxTensorBytes(uint64_t bytes) {
  detail::maxTensorBytesSlot().store(bytes, std::memory_order_relaxed);
}

} // namespace txc::semantics

#endif
