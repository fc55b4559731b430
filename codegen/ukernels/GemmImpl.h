//===- GemmImpl.h - ISA-generic body of the fp32 GEMM -----------*- C++ -*-===//
//
// Included once by each per-ISA translation unit, after it has defined, inside
// namespace txc::ukernels::detail::TXC_UK_NS:
//   struct VT   vector traits (V, W, load/store/partial/fma/... and exp)
//   constexpr int MR, NV   register tile: MR rows x NV vectors (NR = NV * W)
// and while the ISA's `#pragma clang attribute push(target(...))` is active,
// so every function here is compiled for that ISA. Each ISA gets its own
// namespace, so nothing here is shared (ODR-merged) between ISAs.
//
// Layouts
//   packed B: ceil(N/NR) panels; panel p holds columns [p*NR, p*NR+NR) as K
//             rows of NR contiguous floats (zero padded past N).
//   packed A: per (MC x KC) block, micro-panels of MR rows stored k-major
//             ([k][MR]), so the kernel broadcasts from one stream.
//
// Loop nest per task region: kb (K blocks) > mb (M blocks) > jr (one NR-wide
// B panel) > ir (MR rows) > kernel. With pre-packed B there is normally one
// K block (K <= kc, the panel K x NR stays in L2) and one M block (A read in
// place), i.e. each panel is streamed from memory once and every tile
// accumulates its whole sum in registers, applies the epilogue and stores C
// once; the first tile of a panel prefetches the next panel. See runRegion
// for the run-time B variant (packed per K block, A packed when it pays).
// No NC loop: TxcGemmBlocking::nc is accepted for ABI stability and ignored.
//
//===----------------------------------------------------------------------===//

#ifndef TXC_UK_NS
#error "define TXC_UK_NS and the traits before including GemmImpl.h"
#endif

namespace txc {
namespace ukernels {
namespace detail {
namespace TXC_UK_NS {

using V = VT::V;
constexpr int W = VT::W;
constexpr int NR = NV * W;

constexpr int64_t kKcMax = 512;
// One packed B micro-panel (kc x NR) and as much packed A as the rest of the
// stack budget holds: 48K floats for NR <= 32, less for the wide tiles that
// txc-bench-tiles tries.
constexpr int64_t kBCap = kKcMax * (NR > 32 ? NR : 32);
constexpr int64_t kAStackFloats = TXC_UK_MAX_STACK_BYTES / 4 - kBCap;
constexpr int64_t kACap =
    (kAStackFloats < 48 * 1024 ? kAStackFloats : 48 * 1024) / 64 * 64;
static_assert((kACap + kBCap) * 4 <= TXC_UK_MAX_STACK_BYTES, "stack budget");
static_assert(kACap >= kKcMax * MR, "room for one A micro-panel");
constexpr int64_t kSmallM = 16; // M at or below this: no A packing, KC = K
constexpr int64_t kPackAMinPanels = 32;
// Software prefetch of the next pre-packed B panel (see runRegion), on
// ISAs whose VT::kPrefetchNextPanel is set: none for M at or below
// kNoPrefetchM; the panel's tiles share it when there are
// more than kPrefetchShareMinTiles of them, else the first tile does it all.
constexpr int64_t kNoPrefetchM = 4;
constexpr int64_t kPrefetchShareMinTiles = 3;

template <class T> static inline T minOf(T a, T b) { return a < b ? a : b; }
template <class T> static inline T maxOf(T a, T b) { return a < b ? b : a; }
static inline int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
static inline int64_t roundUp(int64_t a, int64_t b) { return ceilDiv(a, b) * b; }

//===----------------------------------------------------------------------===//
// Activations on vectors
//===----------------------------------------------------------------------===//

// SiLU uses a rational tanh fitted for this file (linearized least squares
// on Chebyshev nodes, coefficients rounded to float): about 14 FMA-pipe
// operations and one division per vector. Both GELU forms use cheaper
// piecewise polynomials (below). Inputs are clamped where the function is
// flat to float precision, so nothing overflows and no intermediate is
// denormal (denormals cost a microcode assist per element on x86). The
// portable path uses the exact <cmath> functions.

/// tanh(u) = u P(u^2) / Q(u^2) on [-9, 9] (|error| <= 1.2e-7), +-1 beyond.
template <class T = VT>
static inline typename T::V tanhApprox(typename T::V u) {
  using TV = typename T::V;
  u = T::max(T::min(u, T::set1(9.0f)), T::set1(-9.0f));
  const TV s = T::mul(u, u);
  TV p = T::set1(1.985241485e-11f);
  p = T::fma(p, s, T::set1(-1.345840950e-08f));
  p = T::fma(p, s, T::set1(9.509181837e-06f));
  p = T::fma(p, s, T::set1(2.948375884e-03f));
  p = T::fma(p, s, T::set1(1.294529438e-01f));
  p = T::fma(p, s, T::set1(1.0f));
  TV q = T::set1(2.318520710e-04f);
  q = T::fma(q, s, T::set1(2.387738042e-02f));
  q = T::fma(q, s, T::set1(4.627861083e-01f));
  q = T::fma(q, s, T::set1(1.0f));
  return T::div(T::mul(u, p), q);
}

// GELU(x) = x F(x) with F(-x) = 1 - F(x) for both forms (F the normal CDF,
// or sigmoid(2 sqrt(2/pi) (x + 0.044715 x^3))), hence
//   GELU(x) = max(x, 0) - g(|x|),  g(a) = a F(-a),
// and g is smooth, small and decays to 0: g(5.6) = 6e-8 (erf form),
// g(5.3) = 3e-8 (tanh form). g on [0, L] is split into 8 intervals centred
// on i h (h = L / 7.5); each holds a degree-5 polynomial in the offset
// u = a / h - i in [-1/2, 1/2]. The tables are printed by
// tools/fit_gelu_tables.py (least-squares fits on Chebyshev nodes; interval
// 0 is fitted as u q(u), so g(0) = 0 exactly). The interval index is in the
// low mantissa bits of a / h + 1.5 * 2^23 (round to nearest, one FMA) and
// picks each coefficient with one permute (VT::lut8).
//
// Why this shape: the epilogue's cost in a K = 768 GEMM tracks its
// instruction count, not its FMA count or latency (Zen 3, kernel timed
// alone: the 4-interval degree-7 form with 8 in-lane permutes, Estrin or
// Horner, and variants without the permutes or without the FMAs all cost
// about 0.5 cycle per instruction). 8 intervals x degree 5 needs 6
// lookups and 5 FMAs instead of 8 and 7; with the FMA rounding and the
// one-vector-at-a-time store (activateAndStore) a fused bias+GELU went from
// ~3.1% to ~2.4% over bias alone. Max |error| against double on a 2^-16
// grid over [-12, 12], final rounding included: 5.0e-7 (erf form), 4.0e-7
// (tanh form); a / h is clamped below
// 7.49 (also for +-inf), where g < 1e-7; nothing is denormal unless
// |x| < 1e-37; NaN propagates (max(0, x) returns x when x is NaN);
// GELU(+inf) = +inf, GELU(-inf) = -g(L) ~ -6e-8.
// Tables: coefficient k of interval i at [k][i], repeated over 16 lanes.
// Erf form: L = 5.6, max |fit error| 4.4e-07, g(L) = 6.0e-08
alignas(64) static const float kGeluErfLut[6][16] = {
    {0.000000000e+00f, 1.699657142e-01f, 1.010617092e-01f, 2.810169384e-02f,
     4.211684223e-03f, 3.527417430e-04f, 1.672555663e-05f, 4.516113279e-07f,
     0.000000000e+00f, 1.699657142e-01f, 1.010617092e-01f, 2.810169384e-02f,
     4.211684223e-03f, 3.527417430e-04f, 1.672555663e-05f, 4.516113279e-07f},
    {3.733320832e-01f, 1.659354311e-03f, -9.533281624e-02f, -4.492369294e-02f,
     -9.232628159e-03f, -9.755733772e-04f, -5.570830763e-05f, -1.756976758e-06f,
     3.733320832e-01f, 1.659354311e-03f, -9.533281624e-02f, -4.492369294e-02f,
     -9.232628159e-03f, -9.755733772e-04f, -5.570830763e-05f, -1.756976758e-06f},
    {-2.223798931e-01f, -1.214039996e-01f, 8.358993568e-03f, 2.731484920e-02f,
     8.902300149e-03f, 1.247955370e-03f, 8.768189582e-05f, 3.251863063e-06f,
     -2.223798931e-01f, -1.214039996e-01f, 8.358993568e-03f, 2.731484920e-02f,
     8.902300149e-03f, 1.247955370e-03f, 8.768189582e-05f, 3.251863063e-06f},
    {-3.218747734e-04f, 5.381707847e-02f, 2.399899997e-02f, -5.130337551e-03f,
     -4.704911727e-03f, -9.661783115e-04f, -8.718554454e-05f, -3.920079052e-06f,
     -3.218747734e-04f, 5.381707847e-02f, 2.399899997e-02f, -5.130337551e-03f,
     -4.704911727e-03f, -9.661783115e-04f, -8.718554454e-05f, -3.920079052e-06f},
    {2.197322249e-02f, 1.743827364e-03f, -1.092608552e-02f, -2.609515563e-03f,
     1.209000242e-03f, 4.989685840e-04f, 6.452592061e-05f, 3.806138920e-06f,
     2.197322249e-02f, 1.743827364e-03f, -1.092608552e-02f, -2.609515563e-03f,
     1.209000242e-03f, 4.989685840e-04f, 6.452592061e-05f, 3.806138920e-06f},
    {-2.434702590e-03f, -5.153146572e-03f, 5.068477476e-04f, 1.665421412e-03f,
     3.532508345e-05f, -1.582977275e-04f, -3.154220030e-05f, -2.382857701e-06f,
     -2.434702590e-03f, -5.153146572e-03f, 5.068477476e-04f, 1.665421412e-03f,
     3.532508345e-05f, -1.582977275e-04f, -3.154220030e-05f, -2.382857701e-06f},
};
constexpr float kGeluErfInvH = 1.339285731e+00f; // 7.5 / 5.6
// Tanh form: L = 5.3, max |fit error| 3.4e-07, g(L) = 2.7e-08
alignas(64) static const float kGeluTanhLut[6][16] = {
    {0.000000000e+00f, 1.695771664e-01f, 1.115727797e-01f, 3.584516048e-02f,
     6.186567713e-03f, 5.400354858e-04f, 2.122868318e-05f, 3.284088734e-07f,
     0.000000000e+00f, 1.695771664e-01f, 1.115727797e-01f, 3.584516048e-02f,
     6.186567713e-03f, 5.400354858e-04f, 2.122868318e-05f, 3.284088734e-07f},
    {3.533324301e-01f, 1.450176444e-02f, -9.115140885e-02f, -5.174837634e-02f,
     -1.287581399e-02f, -1.520590624e-03f, -7.810826355e-05f, -1.535847787e-06f,
     3.533324301e-01f, 1.450176444e-02f, -9.115140885e-02f, -5.174837634e-02f,
     -1.287581399e-02f, -1.520590624e-03f, -7.810826355e-05f, -1.535847787e-06f},
    {-1.991970837e-01f, -1.163000017e-01f, -5.550454953e-04f, 2.640699036e-02f,
     1.130879484e-02f, 1.925627585e-03f, 1.332533429e-04f, 3.349001872e-06f,
     -1.991970837e-01f, -1.163000017e-01f, -5.550454953e-04f, 2.640699036e-02f,
     1.130879484e-02f, 1.925627585e-03f, 1.332533429e-04f, 3.349001872e-06f},
    {-2.383265237e-04f, 4.514455050e-02f, 2.435689606e-02f, -2.284960821e-03f,
     -5.039733369e-03f, -1.416128245e-03f, -1.401912305e-04f, -4.753303529e-06f,
     -2.383265237e-04f, 4.514455050e-02f, 2.435689606e-02f, -2.284960821e-03f,
     -5.039733369e-03f, -1.416128245e-03f, -1.401912305e-04f, -4.753303529e-06f},
    {1.762967184e-02f, 2.386541106e-03f, -8.730864152e-03f, -3.301247722e-03f,
     7.983988617e-04f, 6.386872265e-04f, 1.052633306e-04f, 5.465635240e-06f,
     1.762967184e-02f, 2.386541106e-03f, -8.730864152e-03f, -3.301247722e-03f,
     7.983988617e-04f, 6.386872265e-04f, 1.052633306e-04f, 5.465635240e-06f},
    {-1.796753029e-03f, -4.012899008e-03f, -7.541670584e-06f, 1.376673346e-03f,
     2.474959765e-04f, -1.530546579e-04f, -4.996125790e-05f, -3.797585123e-06f,
     -1.796753029e-03f, -4.012899008e-03f, -7.541670584e-06f, 1.376673346e-03f,
     2.474959765e-04f, -1.530546579e-04f, -4.996125790e-05f, -3.797585123e-06f},
};
constexpr float kGeluTanhInvH = 1.415094376e+00f; // 7.5 / 5.3

template <class T = VT>
static inline typename T::V geluPiecewise(typename T::V x,
                                          const float (*lut)[16],
                                          float invH) {
  using TV = typename T::V;
  const TV magic = T::set1(12582912.0f); // 1.5 * 2^23
  const TV scale = T::set1(invH);
  const TV a = T::min(T::abs(x), T::set1(7.49f / invH));
  const TV r = T::fma(a, scale, magic);         // low 3 bits: round(a / h)
  const TV u = T::fma(a, scale, T::sub(magic, r)); // a / h - round(a / h)
  TV p = T::lut8(lut[5], r);
  for (int k = 4; k >= 0; --k)
    p = T::fma(p, u, T::lut8(lut[k], r));
  return T::sub(T::max(T::zero(), x), p);
}

/// 0.5 x (1 + erf(x / sqrt 2)).
template <class T = VT>
static inline typename T::V geluErf(typename T::V x) {
  if constexpr (T::kScalar) {
    x = x < -30.0f ? -30.0f : x; // GELU(-inf) = 0, not -inf * 0; keeps NaN
    return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
  } else {
    return geluPiecewise<T>(x, kGeluErfLut, kGeluErfInvH);
  }
}

/// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
template <class T = VT>
static inline typename T::V geluTanh(typename T::V x) {
  if constexpr (T::kScalar) {
    x = x < -30.0f ? -30.0f : x; // GELU(-inf) = 0, not -inf * 0; keeps NaN
    const float u = 0.7978845608028654f * (x + 0.044715f * x * x * x);
    return 0.5f * x * (1.0f + std::tanh(u));
  } else {
    return geluPiecewise<T>(x, kGeluTanhLut, kGeluTanhInvH);
  }
}

/// x sigmoid(x) = h + h tanh(h) with h = x / 2.
template <class T = VT>
static inline typename T::V silu(typename T::V x) {
  if constexpr (T::kScalar) {
    return x / (1.0f + std::exp(-x));
  } else {
    const typename T::V h = T::mul(x, T::set1(0.5f));
    return T::fma(h, tanhApprox<T>(h), h);
  }
}

//===----------------------------------------------------------------------===//
// Micro-kernel
//===----------------------------------------------------------------------===//

/// What to do with a finished tile (pointers already offset to the tile).
struct TileEpi {
  float alpha;
  bool accumulate; // add the tile to what C holds (a previous K block)
  uint32_t flags;  // TXC_EPI_* to apply now (0 for an intermediate block)
  const float *bias;
  const float *res;
  int64_t ldr;
  /// Rows of the next B panel to prefetch while this tile runs, one NR-row
  /// per k step over the tile's first prefetchRows steps (null: none). The
  /// tiles of a panel share the next panel's rows between them (see
  /// runRegion), so it arrives while they compute, not in one burst.
  const float *prefetchB;
  int64_t prefetchRows;
};

static inline V loadN(const float *p, int cols) {
  return cols >= W ? VT::load(p) : VT::loadPartial(p, cols);
}
static inline void storeN(float *p, V v, int cols) {
  if (cols >= W)
    VT::store(p, v);
  else
    VT::storePartial(p, v, cols);
}

/// act(v) for one of the TXC_EPI_* activation flags (0: identity).
template <uint32_t Act> static inline V activate(V v) {
  if constexpr (Act == TXC_EPI_RELU)
    return VT::max(VT::zero(), v); // NaN stays NaN (max returns operand 2)
  else if constexpr (Act == TXC_EPI_GELU_ERF)
    return geluErf(v);
  else if constexpr (Act == TXC_EPI_GELU_TANH)
    return geluTanh(v);
  else if constexpr (Act == TXC_EPI_SILU)
    return silu(v);
  else
    return v;
}

/// The activation, the residual and the store, one vector at a time: each
/// result goes straight to C, so the activation's constants and temporaries
/// do not compete with a dozen finished vectors for the registers (applying
/// the activation to the whole tile first spilled them to the stack).
template <int M, uint32_t Act>
__attribute__((always_inline)) static inline void
activateAndStore(V (&acc)[M][NV], float *C, int64_t ldc, int ncols,
                 const TileEpi &e) {
  const bool residual = (e.flags & TXC_EPI_RESIDUAL) != 0;
  if (ncols == NR) {
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < NV; ++j) {
        V v = activate<Act>(acc[i][j]);
        if (residual)
          v = VT::add(v, VT::load(e.res + i * e.ldr + j * W));
        VT::store(C + i * ldc + j * W, v);
      }
    return;
  }
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < NV; ++j)
      if (j * W < ncols) {
        V v = activate<Act>(acc[i][j]);
        if (residual)
          v = VT::add(v, loadN(e.res + i * e.ldr + j * W, ncols - j * W));
        storeN(C + i * ldc + j * W, v, ncols - j * W);
      }
}

/// The activation epilogues, out of line with the tile in memory. Inlined,
/// their loops (one activation per vector, too big to unroll fully) index
/// the accumulators at run time, and clang then keeps every kernel's
/// accumulators on the stack: a 1.5 KB memset plus 24 zmm loads and stores
/// around each tile's k loop, about 150 cycles a tile, 15% of a K = 64 tile
/// (attention's Q x K^T). A call and one round trip through memory cost an
/// activation epilogue far less than that.
template <int M, uint32_t Act>
__attribute__((noinline)) static void
activateAndStoreOutOfLine(V (&acc)[M][NV], float *C, int64_t ldc, int ncols,
                          const TileEpi &e) {
  activateAndStore<M, Act>(acc, C, ldc, ncols, e);
}

template <int M>
__attribute__((always_inline)) static inline void
finishTile(V (&acc)[M][NV], float *C, int64_t ldc, int ncols,
           const TileEpi &e) {
  if (e.alpha != 1.0f) {
    const V a = VT::set1(e.alpha);
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < NV; ++j)
        acc[i][j] = VT::mul(acc[i][j], a);
  }
  if (e.accumulate)
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < NV; ++j)
        if (j * W < ncols)
          acc[i][j] =
              VT::add(acc[i][j], loadN(C + i * ldc + j * W, ncols - j * W));
  const uint32_t f = e.flags;
  if (f & TXC_EPI_BIAS) {
    V b[NV];
    for (int j = 0; j < NV; ++j)
      b[j] = j * W < ncols ? loadN(e.bias + j * W, ncols - j * W) : VT::zero();
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < NV; ++j)
        acc[i][j] = VT::add(acc[i][j], b[j]);
  }
  const uint32_t act = f & TXC_EPI_ACT_MASK;
  if (act == 0)
    return activateAndStore<M, 0>(acc, C, ldc, ncols, e);
  V tile[M][NV]; // the accumulators stay in registers up to here
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < NV; ++j)
      tile[i][j] = acc[i][j];
  switch (act) {
  case TXC_EPI_RELU:
    return activateAndStoreOutOfLine<M, TXC_EPI_RELU>(tile, C, ldc, ncols, e);
  case TXC_EPI_GELU_ERF:
    return activateAndStoreOutOfLine<M, TXC_EPI_GELU_ERF>(tile, C, ldc, ncols,
                                                          e);
  case TXC_EPI_GELU_TANH:
    return activateAndStoreOutOfLine<M, TXC_EPI_GELU_TANH>(tile, C, ldc,
                                                           ncols, e);
  default:
    return activateAndStoreOutOfLine<M, TXC_EPI_SILU>(tile, C, ldc, ncols, e);
  }
}

/// Independent accumulator sets so that a tile of few vectors (m rows x
/// nv vectors) still has enough FMA chains in flight (FMA latency x pipes
/// is about 8 on Zen 3 / Skylake).
constexpr int unrollFor(int vecs) {
  return vecs >= 8 ? 1 : (vecs * 2 >= 8 ? 2 : 4);
}

/// k steps per kernel loop iteration (at least U). Unrolled by 4, the body
/// is only loads, broadcasts and FMAs with constant offsets from the
/// pointers: 1.85 instead of 2.25 instructions per FMA for the 6 x 16 AVX2
/// tile. On an idle Zen 3 core both run at ~97% of peak, but on a cloud VM
/// whose core is busy with other work (an SMT sibling, presumably: an
/// FMA-only loop still ran at full speed) fewer instructions per FMA is what
/// counts: there one L1-resident 6 x 16 tile ran at 68 GFLOP/s with no
/// unroll and 80 with 4, at K = 768 (B panel from L2) 75 and 88, and 8 was
/// no better than 4. Override with -DTXC_UK_KUNROLL=N.
#ifndef TXC_UK_KUNROLL
#define TXC_UK_KUNROLL 4
#endif

/// Next-panel prefetch into L2 (locality 2: prefetcht1), not L1: a panel is
/// prefetched a whole panel ahead (K x NR floats, 196 KB at K = 768 on
/// AVX-512), far more than L1 holds. Zen 4, 1 thread, L2 instead of L1: LM
/// head 102 -> 106 GFLOP/s (AVX-512) and 104 -> 110 (AVX2), 128 x 3072 x 768
/// 99-103 -> 109; 2 threads LM head 198-203 -> 213-215.
template <bool PF> static inline void prefetchRow(const float *p) {
  if constexpr (PF)
    for (int l = 0; l < NR * 4; l += 64)
      __builtin_prefetch(reinterpret_cast<const char *>(p) + l, 0, 2);
}

/// C[M x ncols] (+)= A[M x K] x Bpanel[K x NR]. PA: A is a packed micro-panel
/// ([k][MR]); otherwise A is row-major with leading dimension lda. PF:
/// prefetch e.prefetchB alongside. NA: vectors of the panel computed
/// (ncols <= NA * W); fewer than NV only for a narrow last panel, whose
/// padding would otherwise cost as much as real columns.
template <int M, bool PA, bool PF, int NA = NV>
static void kernel(int64_t K, const float *__restrict A, int64_t lda,
                   const float *__restrict B, float *C, int64_t ldc, int ncols,
                   const TileEpi &e) {
  constexpr int U = VT::kScalar ? 1 : unrollFor(M * NA);
  V acc[U][M][NV];
  for (int u = 0; u < U; ++u)
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < NV; ++j)
        acc[u][i][j] = VT::zero();
  const float *a[M];
  for (int i = 0; i < M; ++i)
    a[i] = PA ? A + i : A + i * lda;
  constexpr int64_t aStep = PA ? MR : 1;
  const float *pf = e.prefetchB;
  // The tile's C lines, for write, before the k loop: a short-K tile
  // (attention's Q x K^T, K = 64) otherwise ends in a burst of stores to
  // lines not in cache. Zen 4, 12 heads of 512 x 512 x 64: AVX-512 6 x 64
  // 71-75 -> 87-94 GFLOP/s at 1 thread (24 zmm stores a tile, 48 of the
  // 64 store-queue entries); AVX2 6 x 16 unchanged. Without "prfchw" in
  // the target this is prefetcht0; with it (prefetchw) Q x K^T measured the
  // same or 1-3% slower (Zen 4), so it stays off.
  for (int i = 0; i < M; ++i)
    for (int l = 0; l < ncols; l += 64 / int(sizeof(float)))
      __builtin_prefetch(C + i * ldc + l, 1, 3);
  // KU k steps per loop iteration (U divides KU) with constant offsets from
  // the pointers.
  constexpr int KU = TXC_UK_KUNROLL > U ? TXC_UK_KUNROLL : U;
  static_assert(KU % U == 0, "k unroll must cover the accumulator sets");
  // Prefetching stops after the tile's share of the next panel (a
  // predictable branch: a second copy of the loop without prefetch made
  // clang-19 spill the accumulators).
  const int64_t kPf = PF ? e.prefetchRows : 0;
  int64_t k = 0;
  for (; k + KU <= K; k += KU) {
    for (int q = 0; q < KU; ++q) {
      const int u = q % U;
      V b[NA];
      for (int j = 0; j < NA; ++j)
        b[j] = VT::load(B + q * NR + j * W);
      if (PF && k + q < kPf)
        prefetchRow<PF>(pf + q * NR);
      for (int i = 0; i < M; ++i) {
        const V av = VT::bcast(a[i] + q * aStep);
        for (int j = 0; j < NA; ++j)
          acc[u][i][j] = VT::fma(av, b[j], acc[u][i][j]);
      }
    }
    for (int i = 0; i < M; ++i)
      a[i] += KU * aStep;
    B += KU * NR;
    if constexpr (PF)
      pf += KU * NR;
  }
  for (; k < K; ++k) {
    V b[NA];
    for (int j = 0; j < NA; ++j)
      b[j] = VT::load(B + j * W);
    for (int i = 0; i < M; ++i) {
      const V av = VT::bcast(a[i]);
      for (int j = 0; j < NA; ++j)
        acc[0][i][j] = VT::fma(av, b[j], acc[0][i][j]);
      a[i] += aStep;
    }
    B += NR;
  }
  if constexpr (U > 1) {
    for (int u = 1; u < U; ++u)
      for (int i = 0; i < M; ++i)
        for (int j = 0; j < NA; ++j)
          acc[0][i][j] = VT::add(acc[0][i][j], acc[u][i][j]);
  }
  finishTile<M>(acc[0], C, ldc, ncols, e);
}

/// One row of A times P consecutive pre-packed B panels (panel q at
/// B + q * panelStride), for M = 1 (decode): the panels are read as P
/// concurrent sequential streams. A single stream leaves most of a core's
/// DRAM bandwidth unused (the hardware prefetcher keeps only so many lines
/// of one stream in flight, and software prefetch measured slower); P = 4
/// gets close to a multi-stream read probe (1 thread on Zen 3: 20 -> 29
/// GB/s; P = 2 and 6 measured lower). P x NV accumulators (8 on AVX2 and
/// AVX-512) cover the FMA latency. Panel q's epilogue and store use columns
/// [q NR, q NR + min(NR, ncols - q NR)). Each column is one FMA chain over
/// k in order, so the result does not depend on P.
constexpr int kGemvPanels = 4;
template <int P>
static void gemvPanels(int64_t K, const float *__restrict A,
                       const float *__restrict B, int64_t panelStride,
                       float *C, int ncols, const TileEpi &e) {
  V acc[P][1][NV];
  for (int q = 0; q < P; ++q)
    for (int j = 0; j < NV; ++j)
      acc[q][0][j] = VT::zero();
  const float *b[P];
  for (int q = 0; q < P; ++q)
    b[q] = B + q * panelStride;
  for (int64_t k = 0; k < K; ++k) {
    const V av = VT::bcast(A + k);
    for (int q = 0; q < P; ++q)
      for (int j = 0; j < NV; ++j)
        acc[q][0][j] = VT::fma(av, VT::load(b[q] + k * NR + j * W),
                               acc[q][0][j]);
  }
  for (int q = 0; q < P; ++q) {
    if (q * NR >= ncols)
      break;
    TileEpi eq = e;
    if (eq.bias)
      eq.bias += q * NR;
    if (eq.res)
      eq.res += q * NR;
    finishTile<1>(acc[q], C + q * NR, 0, minOf(NR, ncols - q * NR), eq);
  }
}

using GemvFn = void (*)(int64_t, const float *, const float *, int64_t,
                        float *, int, const TileEpi &);
template <int... I>
static GemvFn pickGemv(int panels, std::integer_sequence<int, I...>) {
  static constexpr GemvFn table[] = {&gemvPanels<I + 1>...};
  return table[panels - 1];
}
/// gemvPanels<panels> for panels in [1, kGemvPanels].
static inline GemvFn gemvFor(int panels) {
  return pickGemv(panels, std::make_integer_sequence<int, kGemvPanels>{});
}

using KernelFn = void (*)(int64_t, const float *, int64_t, const float *,
                          float *, int64_t, int, const TileEpi &);

template <bool PA, bool PF, int... I>
static KernelFn pickKernel(int m, std::integer_sequence<int, I...>) {
  static constexpr KernelFn table[] = {&kernel<I + 1, PA, PF>...};
  return table[m - 1];
}
template <bool PA, bool PF = false> static inline KernelFn kernelFor(int m) {
  return pickKernel<PA, PF>(m, std::make_integer_sequence<int, MR>{});
}

template <int... I>
static KernelFn pickNarrowKernel(int m, int na,
                                 std::integer_sequence<int, I...>) {
  static constexpr KernelFn table[] = {
      &kernel<I % MR + 1, false, false, I / MR + 1>...};
  return table[(na - 1) * MR + m - 1];
}
/// The kernel for m rows of unpacked A times a panel with ncols columns,
/// without prefetch: only ceil(ncols / W) vectors of it computed (vector
/// ISAs; the scalar path's padding is cheap). A narrow last panel matters
/// when N is a few panels, as in attention's P x V with head dim 80 or 96
/// on AVX-512 (NR = 64), where A is not packed. Zen 4, 12 x 512 x N x 512
/// with run-time B, 1 thread: N = 80 62 -> 93 GFLOP/s, N = 96 76 -> 93.
static inline KernelFn narrowKernelFor(int m, int ncols) {
  if constexpr (VT::kScalar || NV == 1)
    return kernelFor<false>(m);
  else
    return pickNarrowKernel(m, static_cast<int>(ceilDiv(ncols, W)),
                            std::make_integer_sequence<int, MR * NV>{});
}

//===----------------------------------------------------------------------===//
// Packing
//===----------------------------------------------------------------------===//

/// Packs columns [n0, n0+ncols) and rows [k0, k0+kc) of B, times `scale`,
/// into one NR-wide panel (kc x NR), zero padding columns past ncols.
static void packPanel(const float *B, int64_t ldb, bool bIsNK, int64_t k0,
                      int64_t kc, int64_t n0, int ncols, float *dst,
                      float scale = 1.0f) {
  if (!bIsNK) {
    const float *src = B + k0 * ldb + n0;
    if (ncols == NR) {
      const V s = VT::set1(scale);
      for (int64_t k = 0; k < kc; ++k, src += ldb, dst += NR)
        for (int j = 0; j < NV; ++j)
          VT::store(dst + j * W, VT::mul(VT::load(src + j * W), s));
    } else {
      for (int64_t k = 0; k < kc; ++k, src += ldb, dst += NR) {
        int c = 0;
        for (; c < ncols; ++c)
          dst[c] = scale * src[c];
        for (; c < NR; ++c)
          dst[c] = 0.0f;
      }
    }
  } else {
    // B is [N, K]: column n of the logical B is row n of the storage.
    // Blocks of 8 columns x 8 k steps are transposed in registers; the
    // ragged edges (k % 8, ncols % 8) and the zero padding go one by one.
    int c = 0;
    for (; c + 8 <= ncols; c += 8) {
      const float *src = B + (n0 + c) * ldb + k0;
      int64_t k = 0;
      for (; k + 8 <= kc; k += 8)
        VT::transpose8x8(src + k, ldb, dst + k * NR + c, NR, scale);
      for (; k < kc; ++k)
        for (int r = 0; r < 8; ++r)
          dst[k * NR + c + r] = scale * src[r * ldb + k];
    }
    for (; c < NR; ++c) {
      float *d = dst + c;
      if (c < ncols) {
        const float *src = B + (n0 + c) * ldb + k0;
        for (int64_t k = 0; k < kc; ++k)
          d[k * NR] = scale * src[k];
      } else {
        for (int64_t k = 0; k < kc; ++k)
          d[k * NR] = 0.0f;
      }
    }
  }
}

static void packB(const float *B, int64_t ldb, int64_t K, int64_t N,
                  bool bIsNK, float *dst) {
  for (int64_t n0 = 0; n0 < N; n0 += NR) {
    const int ncols = static_cast<int>(minOf<int64_t>(NR, N - n0));
    packPanel(B, ldb, bIsNK, 0, K, n0, ncols, dst + (n0 / NR) * K * NR);
  }
}

/// Packs rows [0, mc) x cols [0, kc) of A (leading dim lda) into MR-row
/// micro-panels, each kc x MR k-major. Rows past mc in the last micro-panel
/// are left unset (the kernel for a short tile never reads them).
static void packA(const float *A, int64_t lda, int64_t mc, int64_t kc,
                  float *dst) {
  int64_t i0 = 0;
  for (; i0 + MR <= mc; i0 += MR, dst += MR * kc) {
    const float *src[MR];
    for (int i = 0; i < MR; ++i)
      src[i] = A + (i0 + i) * lda;
    for (int64_t k = 0; k < kc; ++k)
      for (int i = 0; i < MR; ++i)
        dst[k * MR + i] = src[i][k];
  }
  if (i0 < mc) {
    const int rows = static_cast<int>(mc - i0);
    for (int i = 0; i < rows; ++i) {
      const float *s = A + (i0 + i) * lda;
      for (int64_t k = 0; k < kc; ++k)
        dst[k * MR + i] = s[k];
    }
  }
}

//===----------------------------------------------------------------------===//
// Driver
//===----------------------------------------------------------------------===//

struct Blocking {
  int64_t mc, kc, nc;
};

static Blocking normalize(const TxcGemmBlocking &in) {
  Blocking b;
  // Huge values mean "do not block": clamped so that the block arithmetic
  // (ceilDiv, roundUp) cannot overflow.
  constexpr int64_t kHuge = int64_t(1) << 40;
  b.kc = in.kc > 0 ? in.kc : VT::kDefaultKc;
  b.kc = minOf(maxOf<int64_t>(b.kc, 8), kHuge);
  b.mc = in.mc > 0 ? in.mc : VT::kDefaultMc;
  b.mc = minOf<int64_t>(b.mc, (kACap / kKcMax) / MR * MR);
  b.mc = maxOf<int64_t>(b.mc / MR * MR, MR);
  b.nc = in.nc > 0 ? minOf(in.nc, kHuge) : VT::kDefaultNc;
  b.nc = maxOf<int64_t>(b.nc / NR * NR, NR);
  return b;
}

/// One GEMM (one batch item).
struct Problem {
  int64_t M, N, K;
  float alpha;
  const float *A;
  int64_t lda;
  const float *packedB;
  const float *B;
  int64_t ldb;
  bool transB;
  float *C;
  int64_t ldc;
  uint32_t epi;
  const float *bias;
  const float *res;
  int64_t ldr;
};

/// Computes rows [m0, m1) x columns [n0, n1) of C; n0 is a multiple of NR.
static void runRegion(const Problem &p, const Blocking &blk, int64_t m0,
                      int64_t m1, int64_t n0, int64_t n1, float *abuf,
                      float *bbuf) {
  if (m0 >= m1 || n0 >= n1)
    return;
  const bool smallM = p.M <= kSmallM;
  const int64_t K = p.K;
  // Pre-packed B: A is read in place and K is blocked only past blk.kc (a
  // K x NR panel then still sits in L2), so a tile usually computes its whole
  // sum in registers and C is written exactly once. Measured on Zen 3 this
  // beats packing A into MC x KC blocks with KC = 256..512 by 1-3% of peak on
  // every BERT shape (and by 15% on the GPT-2 LM head, whose 26 MB C made
  // the per-K-block C round trips expensive).
  //
  // Run-time B: each K block of a panel is packed into an on-stack buffer
  // (kc <= kKcMax); A is packed too when many panels reuse it or its rows
  // are far apart (TLB / cache-set conflicts), with the A block kept at
  // blk.mc x 512 floats. Measured: N = 64 (attention P x V) is 10% faster
  // with A unpacked; K >= 3072 5% faster packed.
  // Decided on the whole N, not this task's columns, so that every tile
  // runs the same kernel (same summation order) whatever the thread split.
  const bool packedA = !p.packedB && !smallM &&
                       (ceilDiv(p.N, NR) >= kPackAMinPanels || p.lda >= 2048);
  int64_t kc = p.packedB ? blk.kc : minOf(blk.kc, kKcMax);
  if (smallM && p.packedB)
    kc = maxOf<int64_t>(K, 1); // stream each panel once, C written once
  // Balanced K blocks: 768 with kc 512 becomes 384 + 384, not 512 + 256.
  if (K > 0)
    kc = roundUp(ceilDiv(K, ceilDiv(K, kc)), 8);
  const int64_t kEff = maxOf<int64_t>(minOf(kc, K), 1);
  // A block of blk.mc x 512 floats whatever kc is, so that a short-K product
  // (attention's Q x K^T, K = 64) takes all of M in one block and each
  // run-time B panel is packed once.
  const int64_t mc =
      packedA ? maxOf<int64_t>(minOf(blk.mc * kKcMax / kEff, kACap / kEff) /
                                   MR * MR,
                               MR)
              : roundUp(m1 - m0, MR);
  const bool nonlinear = (p.epi & TXC_EPI_ACT_MASK) != 0;

  if (K == 0) {
    // C = epilogue(0): run the epilogue on zero tiles.
    for (int64_t ir = m0; ir < m1; ir += MR) {
      const int rows = static_cast<int>(minOf<int64_t>(MR, m1 - ir));
      for (int64_t jr = n0; jr < n1; jr += NR) {
        const int cols = static_cast<int>(minOf<int64_t>(NR, n1 - jr));
        TileEpi e{p.alpha, false, p.epi, p.bias ? p.bias + jr : nullptr,
                  p.res ? p.res + ir * p.ldr + jr : nullptr, p.ldr, nullptr, 0};
        // A may be null when K = 0: the kernel gets a valid dummy pointer.
        kernelFor<false>(rows)(0, bbuf, 0, bbuf, p.C + ir * p.ldc + jr,
                               p.ldc, cols, e);
      }
    }
    return;
  }

  const bool gemv = p.packedB && p.M == 1 && kc >= K;
  // Balanced M blocks: e.g. 128 rows with mc 126 become 66 + 62, not 126 + 2.
  const int64_t mblocks = ceilDiv(m1 - m0, mc);
  const int64_t mcBal = roundUp(ceilDiv(m1 - m0, mblocks), MR);
  for (int64_t kb = 0; kb < K; kb += kc) {
    const int64_t kcur = minOf(kc, K - kb);
    const bool first = kb == 0, last = kb + kcur == K;
    // Linear epilogues (bias, residual) go into the first K block so that a
    // residual may alias C; activations need the complete sum.
    const uint32_t flags = nonlinear ? (last ? p.epi : 0u)
                                     : (first ? p.epi : 0u);
    // Run-time B is packed times alpha, so its tiles skip the scaling:
    // attention's Q x K^T (alpha = 1/sqrt(d), K = 64) spent ~5% of its time
    // in the tiles' alpha multiplies (Zen 4, 12 x 128 x 128 x 64).
    const float tileAlpha = p.packedB ? p.alpha : 1.0f;
    for (int64_t mb = m0; mb < m1; mb += mcBal) {
      const int64_t mend = minOf(mb + mcBal, m1);
      if (packedA)
        packA(p.A + mb * p.lda + kb, p.lda, mend - mb, kcur, abuf);
      int64_t jr = n0;
      if (gemv) {
        // M = 1 with pre-packed B (one K block): up to kGemvPanels panels at
        // once, the last group may be shorter. Every column is one FMA chain
        // over k in order whatever the group, so results do not depend on
        // how the columns are split over threads.
        for (; jr < n1; jr += kGemvPanels * NR) {
          const int cols =
              static_cast<int>(minOf<int64_t>(kGemvPanels * NR, n1 - jr));
          TileEpi e{p.alpha, false, flags, p.bias ? p.bias + jr : nullptr,
                    p.res ? p.res + mb * p.ldr + jr : nullptr, p.ldr,
                    nullptr, 0};
          gemvFor(static_cast<int>(ceilDiv(cols, NR)))(
              K, p.A + mb * p.lda, p.packedB + (jr / NR) * K * NR, K * NR,
              p.C + mb * p.ldc + jr, cols, e);
        }
      }
      for (; jr < n1; jr += NR) {
        const int cols = static_cast<int>(minOf<int64_t>(NR, n1 - jr));
        const float *bp;
        if (p.packedB) {
          bp = p.packedB + (jr / NR) * K * NR + kb * NR;
        } else {
          packPanel(p.B, p.ldb, p.transB, kb, kcur, jr, cols, bbuf, p.alpha);
          bp = bbuf;
        }
        // A pre-packed panel comes from L3 or DRAM. While the tiles of
        // this panel run, they prefetch the next panel's rows of this K
        // block, so it is in L1/L2 when its first tile starts. With many
        // tiles per panel each prefetches an equal share (memory is read at
        // an even rate); with a few (small M) the first prefetches it all.
        // Measured on Zen 3 (N=3072, K=768): M=8 and 16 +10-18% with the
        // first tile prefetching all, equal shares -10% at M=8 and +1% at
        // M >= 128; M <= kNoPrefetchM is as fast or faster without (the
        // hardware prefetcher keeps up with a stream this simple).
        const float *next = VT::kPrefetchNextPanel && p.packedB &&
                                    jr + NR < n1 && p.M > kNoPrefetchM
                                ? bp + K * NR
                                : nullptr;
        const int64_t tiles = ceilDiv(mend - mb, MR);
        const int64_t sharers = tiles > kPrefetchShareMinTiles ? tiles : 1;
        for (int64_t ir = mb, t = 0; ir < mend; ir += MR, ++t) {
          const int rows = static_cast<int>(minOf<int64_t>(MR, mend - ir));
          const int64_t pf0 = t < sharers ? kcur * t / sharers : kcur;
          const int64_t pf1 = t < sharers ? kcur * (t + 1) / sharers : kcur;
          const bool pf = next && pf1 > pf0;
          TileEpi e{tileAlpha, !first, flags, p.bias ? p.bias + jr : nullptr,
                    p.res ? p.res + ir * p.ldr + jr : nullptr, p.ldr,
                    pf ? next + pf0 * NR : nullptr, pf1 - pf0};
          float *c = p.C + ir * p.ldc + jr;
          if (packedA) {
            const float *ap = abuf + (ir - mb) * kcur;
            (pf ? kernelFor<true, true>(rows) : kernelFor<true>(rows))(
                kcur, ap, MR, bp, c, p.ldc, cols, e);
          } else {
            const float *ap = p.A + ir * p.lda + kb;
            (pf ? kernelFor<false, true>(rows) : narrowKernelFor(rows, cols))(
                kcur, ap, p.lda, bp, c, p.ldc, cols, e);
          }
        }
      }
    }
  }
}

/// Splits T threads into a tm x tn grid over the MR x NR tiles minimizing
/// the largest per-thread tile count; ties go to splitting N (each thread
/// then streams its own part of B).
static void choosePartition(int64_t M, int64_t N, int T, int &tm, int &tn) {
  const int64_t mt = ceilDiv(M, MR), nt = ceilDiv(N, NR);
  int64_t best = -1;
  tm = tn = 1;
  for (int n = 1; n <= T && n <= nt; ++n) {
    // Threads beyond the row tiles would idle: T = 5 over 2 row tiles and
    // one panel is a 2 x 1 grid, not (as before) a single task.
    const int m = static_cast<int>(minOf<int64_t>(T / n, mt));
    const int64_t cost = ceilDiv(mt, m) * ceilDiv(nt, n);
    if (best < 0 || cost < best || (cost == best && n > tn)) {
      best = cost;
      tm = m;
      tn = n;
    }
  }
}

struct Job {
  const TxcGemmArgs *args;
  Blocking blk;
  int tm, tn;        // 2D grid within every batch item (splitBatch == false)
  bool splitBatch;   // tasks take whole batch items
  int64_t numTasks;
};

static Problem problemFor(const TxcGemmArgs &a, int64_t b) {
  Problem p;
  p.M = a.M;
  p.N = a.N;
  p.K = a.K;
  p.alpha = a.alpha;
  p.A = a.A + b * a.strideA;
  p.lda = a.lda;
  p.packedB = a.packedB ? a.packedB + b * a.strideB : nullptr;
  p.B = a.B ? a.B + b * a.strideB : nullptr;
  p.ldb = a.ldb;
  p.transB = a.transB != 0;
  p.C = a.C + b * a.strideC;
  p.ldc = a.ldc;
  p.epi = a.epilogue;
  p.bias = (a.epilogue & TXC_EPI_BIAS) ? a.bias : nullptr;
  p.res = (a.epilogue & TXC_EPI_RESIDUAL) ? a.residual + b * a.strideResidual
                                          : nullptr;
  p.ldr = a.ldResidual;
  return p;
}

static void runTask(void *arg, int64_t t) {
  const Job &job = *static_cast<const Job *>(arg);
  const TxcGemmArgs &a = *job.args;
  alignas(64) float abuf[kACap];
  alignas(64) float bbuf[kBCap];
  if (job.splitBatch) {
    const int64_t b0 = a.batch * t / job.numTasks;
    const int64_t b1 = a.batch * (t + 1) / job.numTasks;
    for (int64_t b = b0; b < b1; ++b)
      runRegion(problemFor(a, b), job.blk, 0, a.M, 0, a.N, abuf, bbuf);
    return;
  }
  const int64_t mt = ceilDiv(a.M, MR), nt = ceilDiv(a.N, NR);
  const int64_t im = t / job.tn, in = t % job.tn;
  const int64_t m0 = minOf(mt * im / job.tm * MR, a.M);
  const int64_t m1 = minOf(mt * (im + 1) / job.tm * MR, a.M);
  const int64_t n0 = minOf(nt * in / job.tn * NR, a.N);
  const int64_t n1 = minOf(nt * (in + 1) / job.tn * NR, a.N);
  for (int64_t b = 0; b < a.batch; ++b)
    runRegion(problemFor(a, b), job.blk, m0, m1, n0, n1, abuf, bbuf);
}

static void sgemm(const TxcGemmArgs &a) {
  if (a.batch <= 0 || a.M <= 0 || a.N <= 0)
    return;
  Job job;
  job.args = &a;
  job.blk = normalize(a.blocking);
  int T = a.parallel && a.parallel->run ? a.parallel->numThreads : 1;
  const double flops = 2.0 * a.batch * a.M * a.N * (a.K > 0 ? a.K : 1);
  if (flops < 2.0e5)
    T = 1;
  T = maxOf(T, 1);
  // Whole batch items per task when they divide evenly (or are many);
  // otherwise every task takes the same 2D region of each item.
  job.splitBatch = T > 1 && (a.batch % T == 0 || a.batch >= 4 * T);
  job.tm = job.tn = 1;
  if (job.splitBatch) {
    job.numTasks = T;
  } else {
    choosePartition(a.M, a.N, T, job.tm, job.tn);
    job.numTasks = static_cast<int64_t>(job.tm) * job.tn;
  }
  if (job.numTasks <= 1) {
    runTask(&job, 0);
    return;
  }
  a.parallel->run(a.parallel->ctx, job.numTasks, &runTask, &job);
}

} // namespace TXC_UK_NS
} // namespace detail
} // namespace ukernels
} // namespace txc

/// Defines the extern "C" entry points of GemmAbi.h for one ISA.
#define TXC_UK_DEFINE_ENTRY_POINTS(isa)                                      \
  extern "C" int32_t txc_uk_mr_##isa(void) {                                 \
    return txc::ukernels::detail::isa::MR;                                   \
  }                                                                          \
  extern "C" int32_t txc_uk_nr_##isa(void) {                                 \
    return txc::ukernels::detail::isa::NR;                                   \
  }                                                                          \
  extern "C" int64_t txc_uk_packb_size_##isa(int64_t K, int64_t N) {         \
    using namespace txc::ukernels::detail::isa;                              \
    return ceilDiv(N, NR) * NR * K;                                          \
  }                                                                          \
  extern "C" void txc_uk_packb_##isa(const float *B, int64_t ldb, int64_t K, \
                                     int64_t N, int32_t bIsNK, float *dst) { \
    txc::ukernels::detail::isa::packB(B, ldb, K, N, bIsNK != 0, dst);        \
  }                                                                          \
  extern "C" void txc_uk_sgemm_##isa(const TxcGemmArgs *args) {              \
    txc::ukernels::detail::isa::sgemm(*args);                                \
  }
