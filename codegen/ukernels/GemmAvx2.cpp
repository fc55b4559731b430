//===- GemmAvx2.cpp - AVX2+FMA fp32 GEMM micro-kernels ----------*- C++ -*-===//
//
// Register tile 6 x 16 (12 ymm accumulators, 2 for B, 1 broadcast), chosen by
// measurement on Zen 3 against 5x16, 4x24, 3x32 and 8x8 (build with
// -DTXC_UK_AVX2_MR=.. -DTXC_UK_AVX2_NV=.. to try others). 4x24 needs all 16
// ymm registers (12 accumulators, 3 B vectors, 1 broadcast) and clang-19
// spills an accumulator inside the k loop (43 GFLOP/s on Zen 3); 3x32 needs
// 17 and runs at 52. 6x16 leaves one register free and its loop has no
// spill (checked with objdump).
// Compiled for AVX2+FMA through a target pragma (not per-file -m flags) so
// that standard-library inline functions used here stay baseline code.
//
//===----------------------------------------------------------------------===//
#include "GemmAbi.h"

#include <cmath>
#include <cstdint>
#include <utility>

#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx,avx2,fma"))),        \
                             apply_to = function)

#include "Transpose8x8.h"

namespace txc {
namespace ukernels {
namespace detail {
namespace avx2 {

#ifndef TXC_UK_AVX2_MR
#define TXC_UK_AVX2_MR 6
#define TXC_UK_AVX2_NV 2
#endif
constexpr int MR = TXC_UK_AVX2_MR;
constexpr int NV = TXC_UK_AVX2_NV;

struct VT {
  using V = __m256;
  static constexpr int W = 8;
  static constexpr bool kScalar = false;
  static constexpr int64_t kDefaultKc = 4096;
  static constexpr int64_t kDefaultMc = 96;
  static constexpr int64_t kDefaultNc = 256;
  // Software prefetch of the next pre-packed B panel (runRegion). Zen 4,
  // N = 3072 K = 768, weights from DRAM, 1 thread: M = 6 / 16 58 / 81 ->
  // 95-104 / 105-107 GFLOP/s with it; LM head 106 -> 110 (2 threads 209 ->
  // 220). The AVX-512 path measured the opposite.
  static constexpr bool kPrefetchNextPanel = true;

  static inline V zero() { return _mm256_setzero_ps(); }
  static inline V set1(float x) { return _mm256_set1_ps(x); }
  static inline V load(const float *p) { return _mm256_loadu_ps(p); }
  static inline void store(float *p, V v) { _mm256_storeu_ps(p, v); }
  static inline __m256i mask(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static inline V loadPartial(const float *p, int n) {
    return _mm256_maskload_ps(p, mask(n));
  }
  static inline void storePartial(float *p, V v, int n) {
    _mm256_maskstore_ps(p, mask(n), v);
  }
  static inline V bcast(const float *p) { return _mm256_broadcast_ss(p); }
  static inline V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static inline V add(V a, V b) { return _mm256_add_ps(a, b); }
  static inline V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static inline V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static inline V div(V a, V b) { return _mm256_div_ps(a, b); }
  static inline V max(V a, V b) { return _mm256_max_ps(a, b); }
  static inline V min(V a, V b) { return _mm256_min_ps(a, b); }
  static inline V neg(V a) { return _mm256_xor_ps(a, _mm256_set1_ps(-0.0f)); }
  static inline V abs(V a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
  /// x < 0 (sign bit set) ? a : b
  static inline V selectNeg(V x, V a, V b) { return _mm256_blendv_ps(b, a, x); }
  /// dst[k * ldd + r] = scale * src[r * lds + k], r, k < 8 (transposed B
  /// packing, alpha folded in).
  static inline void transpose8x8(const float *src, int64_t lds, float *dst,
                                  int64_t ldd, float scale) {
    txcTranspose8x8Avx(src, lds, dst, ldd, scale);
  }
  /// Lane l: table[bits(idx)[l] & 7], table = 8 floats (repeated to 16,
  /// 32-byte aligned); one vpermps.
  static inline V lut8(const float *table, V idx) {
    return _mm256_permutevar8x32_ps(_mm256_load_ps(table),
                                    _mm256_castps_si256(idx));
  }
  /// exp(x), relative error ~2 ulp over [-87, 88]; clamps outside.
  static inline V exp(V x) {
    x = _mm256_min_ps(_mm256_max_ps(x, set1(-87.0f)), set1(88.0f));
    const V n = _mm256_round_ps(_mm256_mul_ps(x, set1(1.44269504088896341f)),
                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    V r = _mm256_fnmadd_ps(n, set1(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, set1(-2.12194440e-4f), r);
    V p = set1(1.9875691500e-4f);
    p = fma(p, r, set1(1.3981999507e-3f));
    p = fma(p, r, set1(8.3334519073e-3f));
    p = fma(p, r, set1(4.1665795894e-2f));
    p = fma(p, r, set1(1.6666665459e-1f));
    p = fma(p, r, set1(5.0000001201e-1f));
    p = fma(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, set1(1.0f)));
    const __m256i e = _mm256_slli_epi32(
        _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
  }
};

} // namespace avx2
} // namespace detail
} // namespace ukernels
} // namespace txc

#define TXC_UK_NS avx2
#include "GemmImpl.h"

TXC_UK_DEFINE_ENTRY_POINTS(avx2)

#pragma clang attribute pop
