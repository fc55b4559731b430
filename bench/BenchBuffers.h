//===- BenchBuffers.h - buffers and argument reading for the benchmarks ---===//
//
// Shared by txc-bench-gemm and txc-bench-tiles: float buffers allocated the
// way txc allocates packed weights (ukernels::allocFloats: 64-byte aligned,
// huge pages from 2 MB on), so every operand of both engines streams through
// the same kind of page, and the value reader of their command lines.
//
//===----------------------------------------------------------------------===//
#ifndef TXC_BENCH_BENCHBUFFERS_H
#define TXC_BENCH_BENCHBUFFERS_H

#include "ukernels/Gemm.h"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>

namespace txc {
namespace bench {

struct FreeFloats {
  void operator()(float *p) const { std::free(p); }
};
using Buffer = std::unique_ptr<float[], FreeFloats>;

inline Buffer alloc(size_t n) { return Buffer(ukernels::allocFloats(n)); }

/// n floats uniform in [-1, 1), reproducible from seed.
inline Buffer randomBuffer(size_t n, unsigned seed) {
  Buffer b = alloc(n);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  for (size_t i = 0; i < n; ++i)
    b[i] = d(rng);
  return b;
}

/// The value after option argv[i] (advancing i); exits with status 2 and a
/// message when it is missing.
inline const char *optionValue(int argc, char **argv, int &i) {
  if (i + 1 >= argc) {
    std::fprintf(stderr, "missing value after %s\n", argv[i]);
    std::exit(2);
  }
  return argv[++i];
}

} // namespace bench
} // namespace txc

#endif // TXC_BENCH_BENCHBUFFERS_H
