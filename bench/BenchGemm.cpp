//===- BenchGemm.cpp - txc-bench-gemm: txc GEMM vs OpenBLAS, same run -----===//
//
// Measures, in one run and with the same thread counts:
//   - the machine's fp32 FMA peak for the detected ISA (FMA-throughput loop),
//   - the DRAM read bandwidth (each thread streams its own buffer, 4-8
//     streams per thread, buffers totalling >= 4 x L3),
//   - OpenBLAS cblas_sgemm and txc's gemmPacked / gemmBatched,
// and prints one line per case plus a summary of the minima.
//
// Every figure is a median of at least --runs timed runs (more for short
// cases) after --warmup runs; the engines (and txc with and without the
// epilogue) are sampled in interleaved blocks, so machine noise hits all
// of them alike. Machine peak and bandwidth are the best of 11 / 10 trials.
// An M = 1 line's bw_gbps is not the machine figure but a read of the same
// weight copies by the same pool, interleaved with the GEMV runs (median).
// Packing time is reported on its own `pack` line.
//
// Usage: txc-bench-gemm [--runs N] [--warmup N] [--threads 1,2]
//                       [--case all|bert|lmhead|decode|attention]
//                       [--mc N --kc N --nc N] [--no-blas]
//                       [--shape MxNxK]... (extra packed cases, case=custom;
//                                           alone, they replace --case all)
//                       [--cold-weights | --warm-weights] (--shape weights
//                         from DRAM or from the caches; default: DRAM for
//                         M <= 16, as in decoding)
//                       [--act gelu_erf|gelu_tanh|relu|silu|none] (the
//                         activation after the bias on the epilogue lines,
//                         which keep the label "bias+gelu"; default gelu_erf)
//                       [--blas-core match|native] (default match: when
//                         txc runs its AVX2 path, OpenBLAS is made to run
//                         its AVX2 (Haswell) kernels too, see matchBlasCore)
//
//===----------------------------------------------------------------------===//
#include "BenchBuffers.h"
#include "ThreadPool.h"
#include "ukernels/Gemm.h"

#include <cblas.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <immintrin.h>
#include <unistd.h>

extern "C" void openblas_set_num_threads(int);
extern "C" char *openblas_get_corename(void);

using namespace txc::ukernels;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  int runs = 30;
  int warmup = 3;
  std::vector<int> threads = {1, 2};
  std::string cases = "all";
  int64_t mc = 0, kc = 0, nc = 0;
  bool blas = true;
  bool matchBlasCore = true; // --blas-core match|native
  // --shape cases: weights read from DRAM (rotating copies, 1), from the
  // caches (one copy, 0), or DRAM for M <= 16 only (-1, the default).
  int coldWeights = -1;
  std::vector<std::array<int64_t, 3>> shapes; // --shape MxNxK (case=custom)
  uint32_t act = kEpiGeluErf; // activation of the "bias+gelu" lines (--act)
};

double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// Medians of the wall times of several functions (e.g. txc, txc with an
/// epilogue, OpenBLAS on the same case), measured in interleaved blocks:
/// `kRounds` rounds, each running every function for a block of samples, so
/// that a slow phase of this shared machine hits all of them alike and
/// their ratios stay meaningful. Each function gets at least `runs` samples
/// after `warmup` runs; short ones get more (up to ~0.3 s of samples, at
/// most 2000). after(i) runs after each block of function i (outside the
/// timing), e.g. to let OpenBLAS's spinning workers go to sleep.
std::vector<double>
timeInterleaved(const std::vector<std::function<void()>> &fns, int runs,
                int warmup, const std::function<void(size_t)> &after = {}) {
  constexpr int kRounds = 5;
  std::vector<int> perBlock(fns.size());
  for (size_t f = 0; f < fns.size(); ++f) {
    for (int i = 0; i < warmup; ++i)
      fns[f]();
    const auto a = Clock::now();
    fns[f]();
    const double once = seconds(a, Clock::now());
    int n = runs;
    if (once > 0)
      n = std::max(n, int(std::min(2000.0, 0.3 / once)));
    perBlock[f] = (n + kRounds - 1) / kRounds;
    if (after)
      after(f);
  }
  std::vector<std::vector<double>> t(fns.size());
  for (int r = 0; r < kRounds; ++r)
    for (size_t f = 0; f < fns.size(); ++f) {
      fns[f](); // re-warm after the other functions' blocks
      for (int i = 0; i < perBlock[f]; ++i) {
        const auto a = Clock::now();
        fns[f]();
        t[f].push_back(seconds(a, Clock::now()));
      }
      if (after)
        after(f);
    }
  std::vector<double> med;
  for (auto &v : t)
    med.push_back(median(v));
  return med;
}

using txc::bench::alloc;
using txc::bench::Buffer;
using txc::bench::randomBuffer;

//===----------------------------------------------------------------------===//
// Machine peak and bandwidth
//===----------------------------------------------------------------------===//

/// Keeps a value alive so the optimizer cannot drop the loop computing it.
inline void consume(double v) { __asm__ volatile("" : : "x"(v) : "memory"); }

__attribute__((target("avx2,fma"))) double fmaLoopAvx2(int64_t iters) {
  __m256 a[12];
  for (int i = 0; i < 12; ++i)
    a[i] = _mm256_set1_ps(float(i) * 1e-3f);
  const __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it) {
    for (int i = 0; i < 12; ++i)
      a[i] = _mm256_fmadd_ps(a[i], x, y);
    __asm__ volatile("" : "+x"(a[0]), "+x"(a[1]), "+x"(a[2]), "+x"(a[3]),
                     "+x"(a[4]), "+x"(a[5]), "+x"(a[6]), "+x"(a[7]),
                     "+x"(a[8]), "+x"(a[9]), "+x"(a[10]), "+x"(a[11]));
  }
  __m256 s = a[0];
  for (int i = 1; i < 12; ++i)
    s = _mm256_add_ps(s, a[i]);
  consume(_mm256_cvtss_f32(s));
  return double(iters) * 12 * 8 * 2;
}

__attribute__((target("avx512f"))) double fmaLoopAvx512(int64_t iters) {
  __m512 a[24];
  for (int i = 0; i < 24; ++i)
    a[i] = _mm512_set1_ps(float(i) * 1e-3f);
  const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it) {
    for (int i = 0; i < 24; ++i)
      a[i] = _mm512_fmadd_ps(a[i], x, y);
    __asm__ volatile("" : "+v"(a[0]), "+v"(a[1]), "+v"(a[2]), "+v"(a[3]),
                     "+v"(a[4]), "+v"(a[5]), "+v"(a[6]), "+v"(a[7]),
                     "+v"(a[8]), "+v"(a[9]), "+v"(a[10]), "+v"(a[11]));
    __asm__ volatile("" : "+v"(a[12]), "+v"(a[13]), "+v"(a[14]), "+v"(a[15]),
                     "+v"(a[16]), "+v"(a[17]), "+v"(a[18]), "+v"(a[19]),
                     "+v"(a[20]), "+v"(a[21]), "+v"(a[22]), "+v"(a[23]));
  }
  __m512 s = a[0];
  for (int i = 1; i < 24; ++i)
    s = _mm512_add_ps(s, a[i]);
  consume(_mm512_reduce_add_ps(s));
  return double(iters) * 24 * 16 * 2;
}

double fmaLoopScalar(int64_t iters) {
  float a[8];
  for (int i = 0; i < 8; ++i)
    a[i] = float(i);
  for (int64_t it = 0; it < iters; ++it)
    for (int i = 0; i < 8; ++i)
      a[i] = a[i] * 0.999999f + 1e-7f;
  consume(a[0] + a[7]);
  return double(iters) * 16;
}

/// Runs fn on `threads` threads at once (started together); returns the
/// wall time of the slowest.
double runConcurrently(int threads, const std::function<void(int)> &fn) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> ts;
  Clock::time_point start;
  for (int t = 1; t < threads; ++t)
    ts.emplace_back([&, t] {
      ready.fetch_add(1);
      while (!go.load())
        ;
      fn(t);
    });
  while (ready.load() != threads - 1)
    ;
  start = Clock::now();
  go.store(true);
  fn(0);
  for (auto &t : ts)
    t.join();
  return seconds(start, Clock::now());
}

double measurePeakGflops(Isa isa, int threads) {
  auto loop = [isa](int64_t it) {
    return isa == Isa::Avx512 ? fmaLoopAvx512(it)
           : isa == Isa::Avx2 ? fmaLoopAvx2(it)
                              : fmaLoopScalar(it);
  };
  const int64_t iters = isa == Isa::Portable ? 20000000 : 4000000;
  const double perIter = isa == Isa::Avx512 ? 24 * 16 * 2
                         : isa == Isa::Avx2 ? 12 * 8 * 2
                                            : 16;
  std::vector<double> g;
  for (int r = 0; r < 11; ++r) {
    const double t = runConcurrently(threads, [&](int) { loop(iters); });
    g.push_back(double(threads) * double(iters) * perIter / t * 1e-9);
  }
  // The best of 11: noise from other processes only ever lowers a
  // throughput sample, so the maximum is the machine's capability (and the
  // conservative denominator for pct_peak).
  return *std::max_element(g.begin(), g.end());
}

/// Sums S equal parts of [p, p + n) concurrently (S read streams, 128 bytes
/// of each per step). One hardware-prefetched stream per core leaves DRAM
/// bandwidth unused (a core only has so many L2 misses in flight per stream
/// the prefetcher tracks); the GEMM's M = 1 path reads a weight panel while
/// software-prefetching the next one, so the probe must use several streams
/// too or it under-reads (measured on Zen 3: 1 stream 34 GB/s, 4-8 streams
/// 45-53 GB/s with 2 threads).
template <int S>
__attribute__((target("avx2"), noinline)) double sumStreamsAvx2(const float *p,
                                                                 int64_t n) {
  __m256 s[S];
  for (int k = 0; k < S; ++k)
    s[k] = _mm256_setzero_ps();
  const int64_t part = n / S / 32 * 32;
  for (int64_t i = 0; i < part; i += 32)
    for (int k = 0; k < S; ++k) {
      const float *q = p + k * part + i;
      const __m256 a = _mm256_add_ps(_mm256_load_ps(q), _mm256_load_ps(q + 8));
      const __m256 b =
          _mm256_add_ps(_mm256_load_ps(q + 16), _mm256_load_ps(q + 24));
      s[k] = _mm256_add_ps(s[k], _mm256_add_ps(a, b));
    }
  __m256 t = s[0];
  for (int k = 1; k < S; ++k)
    t = _mm256_add_ps(t, s[k]);
  return _mm256_cvtss_f32(t);
}
template <int S>
__attribute__((noinline)) double sumStreamsScalar(const float *p, int64_t n) {
  float s[S][8] = {};
  const int64_t part = n / S / 8 * 8;
  for (int64_t i = 0; i < part; i += 8)
    for (int k = 0; k < S; ++k)
      for (int j = 0; j < 8; ++j)
        s[k][j] += p[k * part + i + j];
  float t = 0;
  for (int k = 0; k < S; ++k)
    t += s[k][0] + s[k][7];
  return t;
}

/// Sum of n floats read as 4 or 8 concurrent sequential streams.
double sumStreams(Isa isa, bool eight, const float *p, int64_t n) {
  if (isa == Isa::Portable)
    return eight ? sumStreamsScalar<8>(p, n) : sumStreamsScalar<4>(p, n);
  return eight ? sumStreamsAvx2<8>(p, n) : sumStreamsAvx2<4>(p, n);
}

/// DRAM read bandwidth in GB/s with `threads` threads: each thread streams
/// its own buffer (allocated and first touched by that thread, so it is
/// local to its node) of max(256 MiB / threads, 2 x L3) bytes, i.e. the
/// buffers total at least 4 x L3 and nothing is served from cache. Best of
/// 10 trials alternating 4 and 8 streams per thread, as for peak.
double measureReadGbps(Isa isa, int threads, int64_t l3) {
  const int64_t perThread =
      std::max<int64_t>((256ll << 20) / threads, 2 * l3) / 4096 * 4096;
  const int64_t n = perThread / 4;
  std::vector<Buffer> bufs(static_cast<size_t>(threads));
  runConcurrently(threads, [&](int tid) {
    Buffer b = alloc(size_t(n));
    for (int64_t i = 0; i < n; ++i) // touch every page, non-constant data
      b[size_t(i)] = float(i & 255);
    bufs[size_t(tid)] = std::move(b);
  });
  std::vector<double> g;
  for (int r = 0; r < 10; ++r) {
    const bool eight = r % 2;
    const double t = runConcurrently(threads, [&](int tid) {
      consume(sumStreams(isa, eight, bufs[size_t(tid)].get(), n));
    });
    if (getenv("TXC_BENCH_DEBUG"))
      std::fprintf(stderr, "bw run %d (%d streams): %g s\n", r,
                   eight ? 8 : 4, t);
    g.push_back(double(perThread) * threads / t * 1e-9);
  }
  return *std::max_element(g.begin(), g.end());
}

//===----------------------------------------------------------------------===//
// Cases
//===----------------------------------------------------------------------===//

/// OpenBLAS worker threads busy-wait for ~2^28 cycles after a call
/// (THREAD_TIMEOUT); measuring txc then would share the core with them.
/// (With one thread OpenBLAS wakes no workers, so there is nothing to wait.)
void quiesceBlas() { std::this_thread::sleep_for(std::chrono::milliseconds(250)); }

struct Machine {
  Isa isa;
  CacheInfo caches;
  std::vector<double> peak; // by thread count index
  std::vector<double> bw;
};

struct Summary {
  double minPct1 = 1e9, minPct2 = 1e9, minRatio2 = 1e9, minBwPct = 1e9,
         minAttnPct512 = 1e9, maxEpiOverheadPct = -1e9;
  int64_t failures = 0;
};

struct Runner {
  Options opt;
  Machine mach;
  GemmConfig cfg;
  Summary sum;
  std::vector<std::string> packLines;

  double peakFor(int t) const { return mach.peak[size_t(t)]; }

  /// A shared VM can starve one of the threads for the whole peak
  /// measurement (seen: 2-thread peak 100 GFLOP/s, i.e. one core's worth,
  /// then GEMMs at "139% of peak"). A product faster than the recorded peak
  /// proves the peak low: measure it again and keep the larger figure.
  void revisitPeak(int t, double observedGflops) {
    if (observedGflops <= mach.peak[size_t(t)])
      return;
    const double again = measurePeakGflops(mach.isa, t);
    std::fprintf(stderr,
                 "note: %.1f GFLOP/s at %d threads exceeds the measured peak "
                 "%.1f; peak re-measured: %.1f\n",
                 observedGflops, t, mach.peak[size_t(t)], again);
    mach.peak[size_t(t)] = std::max(mach.peak[size_t(t)], again);
  }

  TxcParallel parallelFor(txc::ThreadPool &pool) {
    return TxcParallel{&pool, pool.numThreads(), &txc::ThreadPool::runTasks};
  }

  void printLine(const char *cs, int64_t M, int64_t N, int64_t K, int t,
                 const std::string &epi, double txcG, double blasG,
                 double txcGbps = -1, double bwGbps = -1) {
    revisitPeak(t, std::max(txcG, blasG));
    const double peak = peakFor(t);
    const double pct = 100.0 * txcG / peak;
    const double ratio = blasG > 0 ? txcG / blasG : 0;
    std::printf("gemm case=%s M=%lld N=%lld K=%lld threads=%d epilogue=%s "
                "txc_gflops=%.1f blas_gflops=%.1f peak_gflops=%.1f "
                "pct_peak=%.1f ratio_vs_blas=%.2f",
                cs, (long long)M, (long long)N, (long long)K, t, epi.c_str(),
                txcG, blasG, peak, pct, ratio);
    if (txcGbps >= 0)
      std::printf(" txc_gbps=%.1f bw_gbps=%.1f", txcGbps, bwGbps);
    std::printf("\n");
    std::fflush(stdout);
    if (M >= 128 && std::string(cs) != "attention") {
      if (t == 1)
        sum.minPct1 = std::min(sum.minPct1, pct);
      if (t == 2) {
        sum.minPct2 = std::min(sum.minPct2, pct);
        if (blasG > 0)
          sum.minRatio2 = std::min(sum.minRatio2, ratio);
      }
    }
    if (txcGbps >= 0 && bwGbps > 0)
      sum.minBwPct = std::min(sum.minBwPct, 100.0 * txcGbps / bwGbps);
    if (std::string(cs) == "attention" && M == 512)
      sum.minAttnPct512 = std::min(sum.minAttnPct512, pct);
  }

  /// Packed-weight GEMM: M x K activations times a K x N weight.
  /// Returns txc time for epilogue none (for the overhead figure).
  void packedCase(const char *cs, int64_t M, int64_t N, int64_t K, bool nk,
                  bool withGelu, bool rotate) {
    // Rotating copies (decode): the weights stream from DRAM, not L3. The
    // copies total at least 4 x L3 (at least 2 copies), so a copy has been
    // evicted by the others long before it comes round again.
    const int64_t wBytes = packedBSize(cfg.isa, K, N) * 4;
    int copies = 1;
    if (rotate)
      copies = int(std::max<int64_t>(2, (4 * mach.caches.l3 + wBytes - 1) /
                                             wBytes));
    std::vector<Buffer> Bs;
    std::vector<PackedB> Ps;
    Buffer A = randomBuffer(size_t(M * K), 1);
    Buffer C = alloc(size_t(M * N)), C2 = alloc(size_t(M * N));
    Buffer bias = randomBuffer(size_t(N), 3);
    double packMs = 0;
    for (int c = 0; c < copies; ++c) {
      Bs.push_back(randomBuffer(size_t(K * N), 2 + c));
      const auto a = Clock::now();
      Ps.push_back(PackedB::pack(cfg.isa, Bs.back().get(), K, N, nk));
      if (c == 0)
        packMs = seconds(a, Clock::now()) * 1e3;
    }
    char pl[256];
    std::snprintf(pl, sizeof pl,
                  "pack case=%s N=%lld K=%lld layout=%s isa=%s ms=%.2f", cs,
                  (long long)N, (long long)K, nk ? "NK" : "KN",
                  isaName(cfg.isa), packMs);
    std::printf("%s\n", pl);
    const double flops = 2.0 * M * N * K;
    for (int t : opt.threads) {
      txc::ThreadPool pool(t);
      TxcParallel par = parallelFor(pool);
      // txc without and with the epilogue, and OpenBLAS's plain GEMM (it
      // has no fused epilogue; its figure is the one both lines compare to).
      const Epilogue epis[2] = {Epilogue::none(),
                                Epilogue::withBias(bias.get(), opt.act)};
      const int nEpi = withGelu ? 2 : 1;
      std::vector<int> idx(3, 0);
      std::vector<std::function<void()>> fns;
      for (int k = 0; k < nEpi; ++k)
        fns.push_back([&, k] {
          int &i = idx[size_t(k)];
          gemmPacked(cfg, M, N, K, 1.0f, A.get(), K, Ps[size_t(i)], C.get(),
                     N, epis[k], &par);
          i = (i + 1) % copies;
        });
      if (opt.blas) {
        openblas_set_num_threads(t);
        fns.push_back([&] {
          int &i = idx[2];
          cblas_sgemm(CblasRowMajor, CblasNoTrans,
                      nk ? CblasTrans : CblasNoTrans, int(M), int(N), int(K),
                      1.0f, A.get(), int(K), Bs[size_t(i)].get(),
                      nk ? int(K) : int(N), 0.0f, C2.get(), int(N));
          i = (i + 1) % copies;
        });
      }
      // M = 1: the read bandwidth the GEMV is held to, measured alongside
      // it: the same weight copies in the same rotation, read by the same
      // pool (same dispatch cost), each thread streaming its share with 4
      // or with 8 concurrent streams (two functions; the faster median
      // counts). The machine probe (best of 10 at start-up) is printed on
      // the machine line; memory bandwidth in this VM drifts by up to 1.6x
      // within a minute, so only a probe interleaved with the GEMM runs is
      // comparable to them.
      const size_t probeAt = fns.size();
      std::vector<int> probeIdx(2, 0);
      const int64_t wFloats = packedBSize(cfg.isa, K, N);
      if (M == 1)
        for (int eight = 0; eight < 2; ++eight)
          fns.push_back([&, eight] {
            int &i = probeIdx[size_t(eight)];
            const float *w = Ps[size_t(i)].data();
            std::vector<double> part(size_t(t), 0.0);
            pool.parallelFor(0, t, [&](int64_t b, int64_t e) {
              for (int64_t tid = b; tid < e; ++tid) {
                const int64_t lo = wFloats * tid / t / 32 * 32;
                const int64_t hi = wFloats * (tid + 1) / t / 32 * 32;
                part[size_t(tid)] =
                    sumStreams(cfg.isa, eight, w + lo, hi - lo);
              }
            });
            consume(part.front() + part.back());
            i = (i + 1) % copies;
          });
      const std::vector<double> med = timeInterleaved(
          fns, opt.runs, opt.warmup, [&](size_t f) {
            if (opt.blas && int(f) == nEpi && t > 1)
              quiesceBlas();
          });
      const double tb = opt.blas ? med[size_t(nEpi)] : 0;
      const double gb = tb > 0 ? flops / tb * 1e-9 : 0;
      for (int withEpi = 0; withEpi < nEpi; ++withEpi) {
        const double tt = med[size_t(withEpi)];
        const double g = flops / tt * 1e-9;
        if (M == 1) {
          const double bytes = double(wFloats) * 4 + (M * K + M * N) * 4.0;
          const double bw = double(wFloats) * 4 /
                            std::min(med[probeAt], med[probeAt + 1]) * 1e-9;
          printLine(cs, M, N, K, t, withEpi ? "bias+gelu" : "none", g, gb,
                    bytes / tt * 1e-9, bw);
        } else {
          printLine(cs, M, N, K, t, withEpi ? "bias+gelu" : "none", g, gb);
        }
        if (withEpi == 1)
          sum.maxEpiOverheadPct = std::max(sum.maxEpiOverheadPct,
                                           100.0 * (tt / med[0] - 1.0));
      }
    }
  }

  /// Attention: heads x (S x S x D) Q x K^T and heads x (S x D x S) P x V.
  void attentionCase(int64_t S) {
    const int64_t H = 12, D = 64;
    Buffer Q = randomBuffer(size_t(H * S * D), 5),
           Kt = randomBuffer(size_t(H * S * D), 6),
           V = randomBuffer(size_t(H * S * D), 7),
           P = randomBuffer(size_t(H * S * S), 8);
    Buffer O = alloc(size_t(H * S * S)), O2 = alloc(size_t(H * S * S));
    const float scale = 0.125f;
    for (int t : opt.threads) {
      txc::ThreadPool pool(t);
      TxcParallel par = parallelFor(pool);
      for (int which = 0; which < 2; ++which) {
        const bool qk = which == 0;
        const int64_t M = S, N = qk ? S : D, K = qk ? D : S;
        const float *A = qk ? Q.get() : P.get();
        const float *B = qk ? Kt.get() : V.get();
        const int64_t lda = K, sA = M * K, ldb = qk ? D : D, sB = S * D;
        std::vector<std::function<void()>> fns;
        fns.push_back([&] {
          gemmBatched(cfg, H, M, N, K, qk ? scale : 1.0f, A, lda, sA, B, ldb,
                      sB, qk, O.get(), N, M * N, Epilogue(), &par);
        });
        if (opt.blas) {
          openblas_set_num_threads(t);
          fns.push_back([&] {
            for (int64_t h = 0; h < H; ++h)
              cblas_sgemm(CblasRowMajor, CblasNoTrans,
                          qk ? CblasTrans : CblasNoTrans, int(M), int(N),
                          int(K), qk ? scale : 1.0f, A + h * sA, int(lda),
                          B + h * sB, int(ldb), 0.0f, O2.get() + h * M * N,
                          int(N));
          });
        }
        const std::vector<double> med = timeInterleaved(
            fns, opt.runs, opt.warmup, [&](size_t f) {
              if (f == 1 && t > 1)
                quiesceBlas();
            });
        const double tt = med[0], tb = opt.blas ? med[1] : 0;
        const double flops = 2.0 * H * M * N * K;
        const double g = flops / tt * 1e-9, gb = tb > 0 ? flops / tb * 1e-9 : 0;
        printLine("attention", M, N, K, t, qk ? "qkT" : "pv", g, gb);
      }
    }
  }

};

std::vector<int> parseList(const char *s) {
  std::vector<int> v;
  std::string str(s);
  size_t pos = 0;
  while (pos < str.size()) {
    size_t c = str.find(',', pos);
    if (c == std::string::npos)
      c = str.size();
    v.push_back(std::atoi(str.substr(pos, c - pos).c_str()));
    pos = c + 1;
  }
  return v;
}

bool wants(const Options &o, const char *c) {
  return o.cases == "all" || o.cases.find(c) != std::string::npos;
}

/// Debian's OpenBLAS is a DYNAMIC_ARCH build that picks its kernels from
/// the CPU, so on an AVX-512 machine it runs AVX-512 kernels even when txc
/// is forced onto its AVX2 path (TXC_ISA=avx2), and ratio_vs_blas would
/// compare two ISAs. OpenBLAS reads OPENBLAS_CORETYPE only when it is
/// loaded, so to compare like with like this re-executes the bench with
/// OPENBLAS_CORETYPE=Haswell (its AVX2+FMA kernels). An OPENBLAS_CORETYPE
/// the user set is left alone. Returns only if no re-exec was needed or
/// possible.
void matchBlasCore(Isa isa, char **argv) {
  if (isa != Isa::Avx2 || std::getenv("OPENBLAS_CORETYPE"))
    return;
  setenv("OPENBLAS_CORETYPE", "Haswell", 1);
  std::fflush(nullptr);
  execv("/proc/self/exe", argv);
  std::fprintf(stderr, "note: could not re-execute with "
                       "OPENBLAS_CORETYPE=Haswell (%s); OpenBLAS keeps its "
                       "own choice of kernels\n",
               std::strerror(errno));
}

} // namespace

int main(int argc, char **argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return txc::bench::optionValue(argc, argv, i); };
    if (a == "--runs")
      opt.runs = std::max(1, std::atoi(next()));
    else if (a == "--warmup")
      opt.warmup = std::max(0, std::atoi(next()));
    else if (a == "--threads")
      opt.threads = parseList(next());
    else if (a == "--case")
      opt.cases = next();
    else if (a == "--mc")
      opt.mc = std::atoll(next());
    else if (a == "--kc")
      opt.kc = std::atoll(next());
    else if (a == "--nc")
      opt.nc = std::atoll(next());
    else if (a == "--no-blas")
      opt.blas = false;
    else if (a == "--cold-weights")
      opt.coldWeights = 1;
    else if (a == "--warm-weights")
      opt.coldWeights = 0;
    else if (a == "--blas-core") {
      const std::string v = next();
      if (v != "match" && v != "native") {
        std::fprintf(stderr, "--blas-core wants match|native\n");
        return 2;
      }
      opt.matchBlasCore = v == "match";
    }
    else if (a == "--act") {
      const std::string v = next();
      if (v == "gelu_erf")
        opt.act = kEpiGeluErf;
      else if (v == "gelu_tanh")
        opt.act = kEpiGeluTanh;
      else if (v == "relu")
        opt.act = kEpiRelu;
      else if (v == "silu")
        opt.act = kEpiSilu;
      else if (v == "none")
        opt.act = kEpiNone;
      else {
        std::fprintf(stderr, "--act wants gelu_erf|gelu_tanh|relu|silu|none\n");
        return 2;
      }
    } else if (a == "--shape") {
      long long m = 0, n = 0, k = 0;
      if (std::sscanf(next(), "%lldx%lldx%lld", &m, &n, &k) != 3 || m <= 0 ||
          n <= 0 || k <= 0) {
        std::fprintf(stderr, "--shape wants MxNxK\n");
        return 2;
      }
      opt.shapes.push_back({m, n, k});
      if (opt.cases == "all")
        opt.cases = "custom";
    }
    else {
      std::fprintf(stderr,
                   "usage: %s [--runs N] [--warmup N] [--threads 1,2] "
                   "[--case all|bert|lmhead|decode|attention] [--mc N] "
                   "[--kc N] [--nc N] [--no-blas] [--shape MxNxK]... "
                   "[--cold-weights|--warm-weights] "
                   "[--act gelu_erf|gelu_tanh|relu|silu|none] "
                   "[--blas-core match|native]\n",
                   argv[0]);
      return a == "--help" || a == "-h" ? 0 : 2;
    }
  }

  Runner r;
  r.opt = opt;
  r.mach.isa = detectIsa();
  if (opt.blas && opt.matchBlasCore)
    matchBlasCore(r.mach.isa, argv);
  r.mach.caches = detectCaches();
  r.cfg = makeGemmConfig(r.mach.isa, r.mach.caches);
  if (opt.mc)
    r.cfg.blocking.mc = opt.mc;
  if (opt.kc)
    r.cfg.blocking.kc = opt.kc;
  if (opt.nc)
    r.cfg.blocking.nc = opt.nc;
  const int maxT = *std::max_element(opt.threads.begin(), opt.threads.end());
  r.mach.peak.assign(size_t(maxT) + 1, 0);
  r.mach.bw.assign(size_t(maxT) + 1, 0);
  const KernelShape ks = kernelShape(r.cfg.isa);
  std::printf("machine isa=%s tile=%dx%d L1d=%lld L2=%lld L3=%lld "
              "mc=%lld kc=%lld nc=%lld runs=%d blas_core=%s\n",
              isaName(r.cfg.isa), ks.mr, ks.nr, (long long)r.mach.caches.l1d,
              (long long)r.mach.caches.l2, (long long)r.mach.caches.l3,
              (long long)r.cfg.blocking.mc, (long long)r.cfg.blocking.kc,
              (long long)r.cfg.blocking.nc, opt.runs,
              opt.blas ? openblas_get_corename() : "none");
  for (int t : opt.threads) {
    r.mach.peak[size_t(t)] = measurePeakGflops(r.mach.isa, t);
    // The FMA loop scales linearly with cores; far less means a thread was
    // starved (shared VM). Try again a few times, a moment apart.
    const double onePeak = t > 1 ? r.mach.peak[1] : 0;
    for (int retry = 0; retry < 4 && r.mach.peak[size_t(t)] < 0.9 * t * onePeak;
         ++retry) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      r.mach.peak[size_t(t)] = std::max(r.mach.peak[size_t(t)],
                                        measurePeakGflops(r.mach.isa, t));
    }
    if (r.mach.peak[size_t(t)] < 0.9 * t * onePeak)
      std::fprintf(stderr,
                   "note: the %d-thread FMA peak (%.1f) stays below %d x the "
                   "1-thread peak (%.1f): threads share a core or are starved\n",
                   t, r.mach.peak[size_t(t)], t, onePeak);
    r.mach.bw[size_t(t)] = measureReadGbps(r.mach.isa, t, r.mach.caches.l3);
    std::printf("machine threads=%d peak_gflops=%.1f read_gbps=%.1f\n", t,
                r.mach.peak[size_t(t)], r.mach.bw[size_t(t)]);
  }
  std::fflush(stdout);

  const int64_t bertNK[][2] = {{768, 768}, {2304, 768}, {3072, 768},
                               {768, 3072}};
  if (wants(opt, "bert"))
    for (int64_t M : {128, 512})
      for (const auto &nk : bertNK)
        r.packedCase("bert", M, nk[0], nk[1], false, true, false);
  if (wants(opt, "lmhead"))
    r.packedCase("lmhead", 128, 50257, 768, true, false, false);
  if (wants(opt, "decode"))
    for (const auto &nk : bertNK)
      r.packedCase("decode", 1, nk[0], nk[1], false, false, true);
  if (wants(opt, "attention"))
    for (int64_t S : {128, 512})
      r.attentionCase(S);
  for (const auto &s : opt.shapes)
    r.packedCase("custom", s[0], s[1], s[2], false, true,
                 opt.coldWeights == 1 || (opt.coldWeights < 0 && s[0] <= 16));

  auto fmt = [](double v) {
    char b[32];
    if (v > 1e8 || v < -1e8)
      std::snprintf(b, sizeof b, "n/a");
    else
      std::snprintf(b, sizeof b, "%.1f", v);
    return std::string(b);
  };
  auto fmt2 = [](double v) {
    char b[32];
    if (v > 1e8)
      std::snprintf(b, sizeof b, "n/a");
    else
      std::snprintf(b, sizeof b, "%.2f", v);
    return std::string(b);
  };
  std::printf("gemm summary: isa=%s min_pct_peak_t1=%s min_pct_peak_t2=%s "
              "min_ratio_vs_blas_t2=%s min_pct_bw_m1=%s "
              "max_bias_gelu_overhead_pct=%s min_attention_pct_peak_s512=%s\n",
              isaName(r.cfg.isa), fmt(r.sum.minPct1).c_str(),
              fmt(r.sum.minPct2).c_str(), fmt2(r.sum.minRatio2).c_str(),
              fmt(r.sum.minBwPct).c_str(),
              fmt(r.sum.maxEpiOverheadPct).c_str(),
              fmt(r.sum.minAttnPct512).c_str());
  return 0;
}
