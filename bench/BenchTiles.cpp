//===- BenchTiles.cpp - register-tile shapes of the GEMM, side by side ----===//
//
// txc-bench-tiles: how fast each candidate register tile runs whole GEMMs on
// this machine, so that a tile is chosen by measurement on each ISA (the
// AVX-512 one was chosen by reference: no development machine had it yet).
// The variants are the ISA files compiled again with other MR x NV (see
// TileVariant.cpp and the list in bench/CMakeLists.txt) next to the
// library's defaults. For every case, all variants of an ISA run in
// interleaved blocks (a shared machine's slow phases hit them alike); each
// variant's C is checked against the default's before its time counts.
//
// Output, one line per variant and case:
//   tile isa=avx2 shape=6x16 kunroll=4 default=1 case=bert M=128 N=768
//        K=768 batch=1 threads=1 gflops=.. vs_default=..
//
//===----------------------------------------------------------------------===//
#include "BenchBuffers.h"
#include "ThreadPool.h"
#include "ukernels/Gemm.h"
#include "ukernels/GemmAbi.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

using namespace txc::ukernels;

#define TXC_TILE(name, is512, mr, nv, ku)                                        \
  extern "C" int32_t txc_uk_mr_##name(void);                                 \
  extern "C" int32_t txc_uk_nr_##name(void);                                 \
  extern "C" int64_t txc_uk_packb_size_##name(int64_t K, int64_t N);         \
  extern "C" void txc_uk_packb_##name(const float *B, int64_t ldb,            \
                                      int64_t K, int64_t N, int32_t bIsNK,   \
                                      float *dst);                           \
  extern "C" void txc_uk_sgemm_##name(const TxcGemmArgs *args);
#include "TileVariants.h"
#undef TXC_TILE

namespace {

struct Variant {
  const char *name;
  Isa isa;
  bool isDefault;
  int kUnroll;
  int32_t (*mr)();
  int32_t (*nr)();
  int64_t (*packbSize)(int64_t, int64_t);
  void (*packb)(const float *, int64_t, int64_t, int64_t, int32_t, float *);
  void (*sgemm)(const TxcGemmArgs *);
};

const Variant kVariants[] = {
    // kUnroll 4: the library default, TXC_UK_KUNROLL in GemmImpl.h.
    {"avx2", Isa::Avx2, true, 4, txc_uk_mr_avx2, txc_uk_nr_avx2,
     txc_uk_packb_size_avx2, txc_uk_packb_avx2, txc_uk_sgemm_avx2},
    {"avx512", Isa::Avx512, true, 4, txc_uk_mr_avx512, txc_uk_nr_avx512,
     txc_uk_packb_size_avx512, txc_uk_packb_avx512, txc_uk_sgemm_avx512},
#define TXC_TILE(name, is512, mr, nv, ku)                                        \
  {#name,                                                                    \
   is512 ? Isa::Avx512 : Isa::Avx2,                                          \
   false,                                                                    \
   ku,                                                                       \
   txc_uk_mr_##name,                                                         \
   txc_uk_nr_##name,                                                         \
   txc_uk_packb_size_##name,                                                 \
   txc_uk_packb_##name,                                                      \
   txc_uk_sgemm_##name},
#include "TileVariants.h"
#undef TXC_TILE
};

struct Case {
  const char *name;
  int64_t batch, M, N, K;
  bool packed; // pre-packed weight; else run-time B^T (attention's Q x K^T)
};

// Near-kernel speed (B in L2), BERT shapes, small M and attention.
const Case kCases[] = {
    {"l2", 1, 96, 256, 256, true},        {"bert", 1, 128, 768, 768, true},
    {"bert_ffn1", 1, 512, 3072, 768, true}, {"bert_ffn2", 1, 128, 768, 3072, true},
    {"small_m", 1, 16, 3072, 768, true},  {"attention_qk", 12, 512, 512, 64, false},
    {"attention_qk128", 12, 128, 128, 64, false},
};

using txc::bench::alloc;
using txc::bench::Buffer;
using txc::bench::randomBuffer;

double now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Options {
  int runs = 30;
  int threads = 1;
  std::string only; // run only cases whose name contains this
};

Options parse(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return txc::bench::optionValue(argc, argv, i); };
    if (a == "--runs")
      o.runs = std::max(5, std::atoi(next()));
    else if (a == "--threads")
      o.threads = std::max(1, std::atoi(next()));
    else if (a == "--case")
      o.only = next();
    else {
      std::fprintf(stderr,
                   "usage: %s [--runs N] [--threads N] [--case NAME-PART]\n",
                   argv[0]);
      std::exit(a == "--help" ? 0 : 2);
    }
  }
  return o;
}

/// Runs one case for the variants of one ISA; returns false if a variant's
/// result differs from the default's.
bool runCase(const Case &c, const std::vector<const Variant *> &vs,
             const Options &opt, const TxcParallel *par) {
  const int64_t sA = c.M * c.K, sB = c.N * c.K, sC = c.M * c.N;
  Buffer A = randomBuffer(size_t(c.batch * sA), 1);
  Buffer B = randomBuffer(size_t(c.batch * sB), 2);
  std::vector<Buffer> packed, Cs;
  for (const Variant *v : vs) {
    if (c.packed) {
      packed.push_back(alloc(size_t(v->packbSize(c.K, c.N))));
      v->packb(B.get(), c.N, c.K, c.N, 0, packed.back().get());
    }
    Cs.push_back(alloc(size_t(c.batch * sC)));
  }
  auto call = [&](size_t i) {
    TxcGemmArgs a;
    std::memset(&a, 0, sizeof a);
    a.batch = c.batch;
    a.M = c.M;
    a.N = c.N;
    a.K = c.K;
    a.alpha = 1.0f;
    a.A = A.get();
    a.lda = c.K;
    a.strideA = sA;
    if (c.packed) {
      a.packedB = packed[i].get();
      a.strideB = vs[i]->packbSize(c.K, c.N);
    } else {
      a.B = B.get(); // [N, K] per batch: Q x K^T
      a.ldb = c.K;
      a.strideB = sB;
      a.transB = 1;
    }
    a.C = Cs[i].get();
    a.ldc = c.N;
    a.strideC = sC;
    a.parallel = par;
    vs[i]->sgemm(&a);
  };
  // Every variant must agree with the default (vs[0]): the sums are the
  // same products in a possibly different order.
  bool ok = true;
  for (size_t i = 0; i < vs.size(); ++i)
    call(i);
  const double tol = 1e-5 * double(c.K) + 1e-5;
  for (size_t i = 1; i < vs.size(); ++i) {
    int64_t bad = 0, firstBad = -1;
    for (int64_t j = 0; j < c.batch * sC; ++j) {
      const double d = std::fabs(double(Cs[i][size_t(j)]) -
                                 double(Cs[0][size_t(j)]));
      if (!(d <= tol) && bad++ == 0) // NaN (an unwritten C) counts too
        firstBad = j;
    }
    if (bad) {
      std::fprintf(stderr,
                   "error: tile %s differs from %s on %s in %lld of %lld "
                   "elements (first at %lld: %g vs %g)\n",
                   vs[i]->name, vs[0]->name, c.name, (long long)bad,
                   (long long)(c.batch * sC), (long long)firstBad,
                   double(Cs[i][size_t(firstBad)]),
                   double(Cs[0][size_t(firstBad)]));
      ok = false;
    }
  }
  // Interleaved blocks: 5 rounds, each running every variant runs/5 times
  // after one unmeasured call.
  const int rounds = 5, perBlock = (opt.runs + rounds - 1) / rounds;
  std::vector<std::vector<double>> t(vs.size());
  for (int r = 0; r < rounds; ++r)
    for (size_t i = 0; i < vs.size(); ++i) {
      call(i);
      for (int k = 0; k < perBlock; ++k) {
        const double s = now();
        call(i);
        t[i].push_back(now() - s);
      }
    }
  const double flops = 2.0 * double(c.batch * c.M) * double(c.N * c.K);
  std::vector<double> g(vs.size());
  for (size_t i = 0; i < vs.size(); ++i) {
    std::sort(t[i].begin(), t[i].end());
    g[i] = flops / t[i][t[i].size() / 2] * 1e-9;
  }
  for (size_t i = 0; i < vs.size(); ++i)
    std::printf("tile isa=%s shape=%dx%d kunroll=%d default=%d case=%s "
                "M=%lld N=%lld "
                "K=%lld batch=%lld threads=%d gflops=%.1f vs_default=%.3f\n",
                isaName(vs[i]->isa), vs[i]->mr(), vs[i]->nr(),
                vs[i]->kUnroll, vs[i]->isDefault ? 1 : 0, c.name, (long long)c.M,
                (long long)c.N, (long long)c.K, (long long)c.batch,
                opt.threads, g[i], g[i] / g[0]);
  std::fflush(stdout);
  return ok;
}

} // namespace

int main(int argc, char **argv) {
  const Options opt = parse(argc, argv);
  txc::ThreadPool pool(opt.threads);
  const TxcParallel par{&pool, pool.numThreads(),
                        &txc::ThreadPool::runTasks};
  bool ok = true;
  for (Isa isa : {Isa::Avx2, Isa::Avx512}) {
    std::vector<const Variant *> vs;
    for (const Variant &v : kVariants)
      if (v.isa == isa)
        vs.push_back(&v);
    if (!isaSupported(isa)) {
      std::printf("tile isa=%s skipped: this CPU/OS lacks it (%zu shapes "
                  "not measured)\n",
                  isaName(isa), vs.size());
      continue;
    }
    for (const Case &c : kCases)
      if (opt.only.empty() || std::strstr(c.name, opt.only.c_str()))
        ok = runCase(c, vs, opt, opt.threads > 1 ? &par : nullptr) && ok;
  }
  return ok ? 0 : 1;
}
