//===- GemmPortable.cpp - portable fp32 GEMM (any CPU) ----------*- C++ -*-===//
//
// Plain C++ with the same packing and loop structure as the vector paths:
// a 4 x 8 scalar register tile the compiler may auto-vectorize, exact
// std::erf / std::tanh / std::exp in the epilogues. Correct everywhere; the
// reference the SIMD paths fall back to when the CPU lacks AVX2+FMA.
//
//===----------------------------------------------------------------------===//
#include "GemmAbi.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>

namespace txc {
namespace ukernels {
namespace detail {
namespace portable {

constexpr int MR = 4;
constexpr int NV = 8;

struct VT {
  using V = float;
  static constexpr int W = 1;
  static constexpr bool kScalar = true;
  static constexpr int64_t kDefaultKc = 1024;
  static constexpr int64_t kDefaultMc = 64;
  static constexpr int64_t kDefaultNc = 256;
  static constexpr bool kPrefetchNextPanel = true; // see GemmAvx2.cpp

  static inline V zero() { return 0.0f; }
  static inline V set1(float x) { return x; }
  static inline V load(const float *p) { return *p; }
  static inline void store(float *p, V v) { *p = v; }
  static inline V loadPartial(const float *p, int) { return *p; }
  static inline void storePartial(float *p, V v, int) { *p = v; }
  static inline V bcast(const float *p) { return *p; }
  static inline void transpose8x8(const float *src, int64_t lds, float *dst,
                                  int64_t ldd, float scale) {
    for (int r = 0; r < 8; ++r)
      for (int k = 0; k < 8; ++k)
        dst[k * ldd + r] = scale * src[r * lds + k];
  }
  static inline V fma(V a, V b, V c) { return a * b + c; }
  static inline V add(V a, V b) { return a + b; }
  static inline V sub(V a, V b) { return a - b; }
  static inline V mul(V a, V b) { return a * b; }
  static inline V div(V a, V b) { return a / b; }
  // x86 maxps / minps semantics: the second operand when either is NaN.
  static inline V max(V a, V b) { return a > b ? a : b; }
  static inline V min(V a, V b) { return a < b ? a : b; }
  static inline V neg(V a) { return -a; }
  static inline V abs(V a) { return std::fabs(a); }
  static inline V selectNeg(V x, V a, V b) { return std::signbit(x) ? a : b; }
  static inline V exp(V x) { return std::exp(x); }
};

} // namespace portable
} // namespace detail
} // namespace ukernels
} // namespace txc

#define TXC_UK_NS portable
#include "GemmImpl.h"

TXC_UK_DEFINE_ENTRY_POINTS(portable)
