//===- Transpose8x8.h - 8 x 8 fp32 block transposes for B packing -*- C++ -*-===//
//
// dst[k * ldd + r] = scale * src[r * lds + k] for r, k in [0, 8): packs 8 columns x
// 8 k steps of a B stored [N, K] (Gemm transB=1 weights, attention's K in
// Q x K^T) into the k-major panel layout. Internal linkage: each ISA file
// includes this inside its own target pragma, so the AVX2 and AVX-512 files
// get their own copies (nothing is shared between ISAs).
//
//===----------------------------------------------------------------------===//
#ifndef TXC_UKERNELS_TRANSPOSE8X8_H
#define TXC_UKERNELS_TRANSPOSE8X8_H

#include <cstdint>

#include <immintrin.h>

/// AVX: 8 row loads, 3 shuffle stages (unpack, shuffle, 128-bit permute),
/// 8 row stores, instead of 64 scalar strided moves. Every element is
/// multiplied by `scale` on the way (GEMM's alpha, folded into packed B).
static inline void txcTranspose8x8Avx(const float *src, int64_t lds,
                                      float *dst, int64_t ldd, float scale) {
  const __m256 s = _mm256_set1_ps(scale);
  const __m256 r0 = _mm256_mul_ps(_mm256_loadu_ps(src + 0 * lds), s);
  const __m256 r1 = _mm256_mul_ps(_mm256_loadu_ps(src + 1 * lds), s);
  const __m256 r2 = _mm256_mul_ps(_mm256_loadu_ps(src + 2 * lds), s);
  const __m256 r3 = _mm256_mul_ps(_mm256_loadu_ps(src + 3 * lds), s);
  const __m256 r4 = _mm256_mul_ps(_mm256_loadu_ps(src + 4 * lds), s);
  const __m256 r5 = _mm256_mul_ps(_mm256_loadu_ps(src + 5 * lds), s);
  const __m256 r6 = _mm256_mul_ps(_mm256_loadu_ps(src + 6 * lds), s);
  const __m256 r7 = _mm256_mul_ps(_mm256_loadu_ps(src + 7 * lds), s);
  // t: pairs of rows interleaved (r0 r1 alternating per 128-bit lane).
  const __m256 t0 = _mm256_unpacklo_ps(r0, r1);
  const __m256 t1 = _mm256_unpackhi_ps(r0, r1);
  const __m256 t2 = _mm256_unpacklo_ps(r2, r3);
  const __m256 t3 = _mm256_unpackhi_ps(r2, r3);
  const __m256 t4 = _mm256_unpacklo_ps(r4, r5);
  const __m256 t5 = _mm256_unpackhi_ps(r4, r5);
  const __m256 t6 = _mm256_unpacklo_ps(r6, r7);
  const __m256 t7 = _mm256_unpackhi_ps(r6, r7);
  // u: 4-row columns within each 128-bit lane.
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
  // Low lanes hold k 0..3, high lanes k 4..7.
  _mm256_storeu_ps(dst + 0 * ldd, _mm256_permute2f128_ps(u0, u4, 0x20));
  _mm256_storeu_ps(dst + 1 * ldd, _mm256_permute2f128_ps(u1, u5, 0x20));
  _mm256_storeu_ps(dst + 2 * ldd, _mm256_permute2f128_ps(u2, u6, 0x20));
  _mm256_storeu_ps(dst + 3 * ldd, _mm256_permute2f128_ps(u3, u7, 0x20));
  _mm256_storeu_ps(dst + 4 * ldd, _mm256_permute2f128_ps(u0, u4, 0x31));
  _mm256_storeu_ps(dst + 5 * ldd, _mm256_permute2f128_ps(u1, u5, 0x31));
  _mm256_storeu_ps(dst + 6 * ldd, _mm256_permute2f128_ps(u2, u6, 0x31));
  _mm256_storeu_ps(dst + 7 * ldd, _mm256_permute2f128_ps(u3, u7, 0x31));
}

#endif // TXC_UKERNELS_TRANSPOSE8X8_H
