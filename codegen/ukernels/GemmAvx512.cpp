//===- GemmAvx512.cpp - AVX-512F fp32 GEMM micro-kernels --------*- C++ -*-===//
//
// Register tile 6 x 64 (24 zmm accumulators, 4 for B, 1 broadcast), chosen
// by measurement on Zen 4 (EPYC, family 25 model 17) with
// build/bench/txc-bench-tiles against 12x32, 14x32, 8x48, 5x64 and 8x32:
// within 3% of the best variant on every case at 1 and 2 threads (Zen 4
// double-pumps zmm FMAs, so all good tiles reach ~97% of the same peak);
// 12 x 32 unrolled by 1 matches it on BERT shapes but is 9-11% slower on
// attention's Q x K^T and at K = 3072, 14 x 32 23% slower at K = 3072.
// 12 x 32, the Skylake-X shape of BLIS and oneDNN, ran at 0.6x of it with
// the k loop unrolled by 4: reading A in place needs 12 row pointers, and
// with them clang-19 ran out of general registers and moved every broadcast
// through the stack (48 zmm stores and loads per 4 k steps). Build with
// -DTXC_UK_AVX512_MR=.. -DTXC_UK_AVX512_NV=.. to try others. Compiled for
// AVX-512 through a target pragma and only dispatched when cpuid and
// xgetbv report AVX-512F with OS support for the zmm state.
//
//===----------------------------------------------------------------------===//
#include "GemmAbi.h"

#include <cmath>
#include <cstdint>
#include <utility>

#include <immintrin.h>

#pragma clang attribute push(                                                \
    __attribute__((target("avx,avx2,fma,avx512f,avx512dq,avx512vl,avx512bw"))), \
    apply_to = function)

#include "Transpose8x8.h"

namespace txc {
namespace ukernels {
namespace detail {
namespace avx512 {

#ifndef TXC_UK_AVX512_MR
#define TXC_UK_AVX512_MR 6
#define TXC_UK_AVX512_NV 4
#endif
constexpr int MR = TXC_UK_AVX512_MR;
constexpr int NV = TXC_UK_AVX512_NV;

struct VT {
  using V = __m512;
  static constexpr int W = 16;
  static constexpr bool kScalar = false;
  static constexpr int64_t kDefaultKc = 4096;
  static constexpr int64_t kDefaultMc = 120;
  static constexpr int64_t kDefaultNc = 256;
  // No software prefetch of the next pre-packed B panel (runRegion): the
  // hardware prefetchers stream the 64-wide panels better alone. Zen 4,
  // interleaved runs, N = 3072 K = 768: weights from DRAM, M = 6 / 8 / 16
  // 62-66 / 72-74 / 86-88 -> 100 / 100-101 / 107-109 GFLOP/s at 1 thread,
  // M = 64 108-110 -> 113; weights in L3, M = 6-64 unchanged; LM head
  // 110 -> 111-114 (1 thread), 218 -> 225 (2 threads). A sparse prefetch
  // (one line every 4 to 64 k rows instead of all 4 lines of each row)
  // measured the same as none. AVX2 keeps it.
  static constexpr bool kPrefetchNextPanel = false;

  static inline V zero() { return _mm512_setzero_ps(); }
  static inline V set1(float x) { return _mm512_set1_ps(x); }
  static inline V load(const float *p) { return _mm512_loadu_ps(p); }
  static inline void store(float *p, V v) { _mm512_storeu_ps(p, v); }
  static inline __mmask16 mask(int n) {
    return static_cast<__mmask16>((1u << n) - 1u);
  }
  static inline V loadPartial(const float *p, int n) {
    return _mm512_maskz_loadu_ps(mask(n), p);
  }
  static inline void storePartial(float *p, V v, int n) {
    _mm512_mask_storeu_ps(p, mask(n), v);
  }
  static inline V bcast(const float *p) { return _mm512_set1_ps(*p); }
  static inline V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static inline V add(V a, V b) { return _mm512_add_ps(a, b); }
  static inline V sub(V a, V b) { return _mm512_sub_ps(a, b); }
  static inline V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static inline V div(V a, V b) { return _mm512_div_ps(a, b); }
  static inline V max(V a, V b) { return _mm512_max_ps(a, b); }
  static inline V min(V a, V b) { return _mm512_min_ps(a, b); }
  static inline V neg(V a) {
    return _mm512_castsi512_ps(_mm512_xor_si512(
        _mm512_castps_si512(a), _mm512_set1_epi32(int32_t(0x80000000u))));
  }
  static inline V abs(V a) { return _mm512_abs_ps(a); }
  static inline V selectNeg(V x, V a, V b) {
    const __mmask16 m = _mm512_movepi32_mask(_mm512_castps_si512(x));
    return _mm512_mask_blend_ps(m, b, a);
  }
  /// dst[k * ldd + r] = scale * src[r * lds + k], r, k < 8 (transposed B
  /// packing, alpha folded in; ymm code: a 64-wide panel is eight blocks).
  static inline void transpose8x8(const float *src, int64_t lds, float *dst,
                                  int64_t ldd, float scale) {
    txcTranspose8x8Avx(src, lds, dst, ldd, scale);
  }
  /// Lane l: table[bits(idx)[l] & 15], table = 8 floats repeated to 16
  /// (64-byte aligned); one vpermps. Indices are below 8 here.
  static inline V lut8(const float *table, V idx) {
    return _mm512_permutexvar_ps(_mm512_castps_si512(idx),
                                 _mm512_load_ps(table));
  }
  static inline V exp(V x) {
    x = _mm512_min_ps(_mm512_max_ps(x, set1(-87.0f)), set1(88.0f));
    const V n = _mm512_roundscale_ps(
        _mm512_mul_ps(x, set1(1.44269504088896341f)),
        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    V r = _mm512_fnmadd_ps(n, set1(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, set1(-2.12194440e-4f), r);
    V p = set1(1.9875691500e-4f);
    p = fma(p, r, set1(1.3981999507e-3f));
    p = fma(p, r, set1(8.3334519073e-3f));
    p = fma(p, r, set1(4.1665795894e-2f));
    p = fma(p, r, set1(1.6666665459e-1f));
    p = fma(p, r, set1(5.0000001201e-1f));
    p = fma(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, set1(1.0f)));
    const __m512i e = _mm512_slli_epi32(
        _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(p, _mm512_castsi512_ps(e));
  }
};

} // namespace avx512
} // namespace detail
} // namespace ukernels
} // namespace txc

#define TXC_UK_NS avx512
#include "GemmImpl.h"

TXC_UK_DEFINE_ENTRY_POINTS(avx512)

#pragma clang attribute pop
