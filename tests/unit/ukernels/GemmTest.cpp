//===- GemmTest.cpp - fp32 GEMM micro-kernels vs a double reference ------===//
//
// Every ISA path is run when the CPU has it and reported as skipped (with the
// reason) when it does not.
//
// Tolerance. The reference accumulates in double. For an output element with
// magnitude scale S = |alpha| * sum_k |a_k b_k| + |bias| the kernels' fp32
// FMA sums differ from it by about sqrt(K) * u * S for random-sign data
// (u = 2^-24); we allow
//     tol = (4 sqrt(K) + 16) u S  (x 1.2 through an activation, whose slope is
//     below 1.2)  +  1e-6 (1 + |pre-activation|)  (erf/exp approximations)
//     +  4 u |result|  (+ the residual's own magnitude).
// This is tight enough to catch one dropped or duplicated k term even at
// K = 4096 (a term is ~S / K > tol).
//
//===----------------------------------------------------------------------===//
#include "ukernels/Gemm.h"
#include "ThreadPool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace txc::ukernels;

namespace txc {
namespace ukernels {
// Readable test names and messages ("avx2" rather than a byte dump).
void PrintTo(Isa isa, std::ostream *os) { *os << isaName(isa); }
} // namespace ukernels
} // namespace txc

namespace {

constexpr double kU = 1.0 / (1 << 24);

double actRef(uint32_t kind, double x) {
  switch (kind & TXC_EPI_ACT_MASK) {
  case kEpiRelu:
    return x > 0 ? x : 0;
  case kEpiGeluErf:
    return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
  case kEpiGeluTanh:
    return 0.5 * x *
           (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
  case kEpiSilu:
    return x / (1.0 + std::exp(-x));
  default:
    return x;
  }
}

std::vector<float> randomVec(size_t n, std::mt19937 &rng, float lo = -1.f,
                             float hi = 1.f) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto &x : v)
    x = d(rng);
  return v;
}

/// One problem with explicit strides; B(k, n) read through getB.
struct RefProblem {
  int64_t M, N, K;
  float alpha;
  const float *A;
  int64_t lda;
  const float *B;
  int64_t ldb;
  bool bIsNK;
  const float *C; // result to check
  int64_t ldc;
  Epilogue epi;
  const float *residualOrig; // residual values before the call (may alias C)
};

::testing::AssertionResult checkAgainstRef(const RefProblem &p) {
  int64_t bad = 0;
  std::ostringstream first;
  double worst = 0;
  for (int64_t m = 0; m < p.M; ++m)
    for (int64_t n = 0; n < p.N; ++n) {
      double s = 0, sa = 0;
      for (int64_t k = 0; k < p.K; ++k) {
        const double a = p.A[m * p.lda + k];
        const double b = p.bIsNK ? p.B[n * p.ldb + k] : p.B[k * p.ldb + n];
        s += a * b;
        sa += std::fabs(a * b);
      }
      double pre = double(p.alpha) * s;
      double scale = std::fabs(double(p.alpha)) * sa;
      if (p.epi.kind & kEpiBias) {
        pre += p.epi.bias[n];
        scale += std::fabs(p.epi.bias[n]);
      }
      const bool hasAct = (p.epi.kind & TXC_EPI_ACT_MASK) != 0;
      double ref = actRef(p.epi.kind, pre);
      double tol = (4.0 * std::sqrt(double(p.K)) + 16.0) * kU * scale *
                   (hasAct ? 1.2 : 1.0);
      if (hasAct)
        tol += 1e-6 * (1.0 + std::fabs(pre));
      if (p.epi.kind & kEpiResidual) {
        const double r = p.residualOrig[m * p.epi.ldResidual + n];
        ref += r;
        tol += 4 * kU * std::fabs(r);
      }
      tol += 4 * kU * std::fabs(ref) + 1e-30;
      const double got = p.C[m * p.ldc + n];
      const double err = std::fabs(got - ref);
      if (!(err <= tol)) { // also catches NaN
        if (bad == 0)
          first << "first mismatch at (m=" << m << ", n=" << n
                << "): got " << got << ", want " << ref << ", |err| " << err
                << " > tol " << tol;
        ++bad;
      }
      worst = std::max(worst, tol > 0 ? err / tol : 0.0);
    }
  if (bad == 0)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << bad << " of " << p.M * p.N << " elements wrong; " << first.str();
}

std::string shapeStr(int64_t M, int64_t N, int64_t K, bool nk, uint32_t epi) {
  std::ostringstream os;
  os << "M=" << M << " N=" << N << " K=" << K << (nk ? " B=[N,K]" : " B=[K,N]")
     << " epilogue=" << epilogueName(epi);
  return os.str();
}

const uint32_t kAllEpilogues[] = {
    kEpiNone,
    kEpiBias,
    kEpiResidual,
    kEpiRelu,
    kEpiGeluErf,
    kEpiGeluTanh,
    kEpiSilu,
    kEpiBias | kEpiRelu,
    kEpiBias | kEpiGeluErf,
    kEpiBias | kEpiGeluTanh,
    kEpiBias | kEpiSilu,
    kEpiBias | kEpiResidual,
    kEpiBias | kEpiGeluErf | kEpiResidual,
};

class GemmIsa : public ::testing::TestWithParam<Isa> {
protected:
  void SetUp() override {
    if (!isaSupported(GetParam()))
      GTEST_SKIP() << "this CPU/OS lacks " << isaName(GetParam())
                   << " (cpuid feature bits or xgetbv register state)";
    cfg_ = makeGemmConfig(GetParam(), detectCaches());
    shape_ = kernelShape(GetParam());
  }

  /// Runs gemmPacked on a fresh random problem and checks it.
  void runPacked(int64_t M, int64_t N, int64_t K, bool nk, uint32_t epi,
                 float alpha = 1.0f, const TxcParallel *par = nullptr,
                 const GemmConfig *cfgOverride = nullptr, int64_t padA = 3,
                 int64_t padC = 5) {
    SCOPED_TRACE(shapeStr(M, N, K, nk, epi));
    std::mt19937 rng(static_cast<unsigned>(M * 7919 + N * 104729 + K * 31 +
                                           epi));
    const int64_t lda = K + padA, ldc = N + padC;
    auto A = randomVec(size_t(std::max<int64_t>(M * lda, 1)), rng);
    auto B = randomVec(size_t(std::max<int64_t>(K * N, 1)), rng);
    auto bias = randomVec(size_t(N), rng);
    auto res = randomVec(size_t(M * (N + 2)), rng);
    std::vector<float> C(size_t(M * ldc), std::nanf(""));
    const GemmConfig &cfg = cfgOverride ? *cfgOverride : cfg_;
    PackedB pb = PackedB::pack(cfg.isa, B.data(), K, N, nk);
    Epilogue e;
    e.kind = epi;
    e.bias = bias.data();
    e.residual = res.data();
    e.ldResidual = N + 2;
    gemmPacked(cfg, M, N, K, alpha, A.data(), lda, pb, C.data(), ldc, e, par);
    RefProblem rp{M, N, K, alpha, A.data(), lda, B.data(), nk ? K : N, nk,
                  C.data(), ldc, e, res.data()};
    EXPECT_TRUE(checkAgainstRef(rp));
    // Padding columns of C are untouched.
    for (int64_t m = 0; m < M; ++m)
      for (int64_t n = N; n < ldc; ++n)
        ASSERT_TRUE(std::isnan(C[m * ldc + n])) << "wrote past N at m=" << m;
  }

  GemmConfig cfg_;
  KernelShape shape_{};
};

TEST_P(GemmIsa, ReportsShape) {
  EXPECT_GE(shape_.mr, 1);
  EXPECT_GE(shape_.nr, 1);
  EXPECT_EQ(packedBSize(GetParam(), 10, 1), 10 * shape_.nr);
  std::cout << "[ isa      ] " << isaName(GetParam()) << " tile " << shape_.mr
            << "x" << shape_.nr << " blocking mc=" << cfg_.blocking.mc
            << " kc=" << cfg_.blocking.kc << " nc=" << cfg_.blocking.nc
            << "\n";
}

/// Every combination of M and N tails around the tile size, both weight
/// layouts, K across a block boundary. The N tails past a quarter, a half
/// and three quarters of a panel take the kernels that compute only part of
/// the panel's vectors.
TEST_P(GemmIsa, TileTails) {
  const int mr = shape_.mr, nr = shape_.nr;
  std::vector<int64_t> Ms = {1, 2, 3, int64_t(mr) - 1, mr, mr + 1, 2 * mr + 3};
  std::vector<int64_t> Ns = {1,      5,          int64_t(nr) - 1,
                             nr,     nr + 1,     2 * nr + 7,
                             nr / 4 + 1, nr / 2 + 1, nr * 3 / 4 + 1};
  for (auto &v : Ms)
    v = std::max<int64_t>(v, 1);
  for (auto &v : Ns)
    v = std::max<int64_t>(v, 1);
  for (int64_t M : Ms)
    for (int64_t N : Ns)
      for (bool nk : {false, true})
        runPacked(M, N, 19, nk, kEpiNone);
}

TEST_P(GemmIsa, PrimesAndOnes) {
  const int64_t shapes[][3] = {{1, 1, 1},   {1, 13, 1},   {7, 1, 1},
                               {13, 17, 1}, {1, 1, 97},   {17, 19, 23},
                               {37, 41, 43}, {53, 29, 257}, {97, 101, 3},
                               {2, 131, 61}, {131, 2, 67}, {5, 3, 0}};
  for (const auto &s : shapes)
    for (bool nk : {false, true})
      runPacked(s[0], s[1], s[2], nk, nk ? kEpiBias | kEpiGeluErf : kEpiNone);
  // K = 0 with no A at all: C = epilogue(0), here relu(bias).
  const int64_t M = 7, N = shape_.nr + 3;
  std::vector<float> bias(static_cast<size_t>(N));
  std::vector<float> C(static_cast<size_t>(M * N), 5.0f);
  for (int64_t n = 0; n < N; ++n)
    bias[size_t(n)] = float(n % 3) - 1.0f;
  PackedB pb = PackedB::pack(cfg_.isa, nullptr, 0, N, false);
  gemmPacked(cfg_, M, N, 0, 1.0f, nullptr, 0, pb, C.data(), N,
             Epilogue::withBias(bias.data(), kEpiRelu));
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n)
      ASSERT_EQ(C[size_t(m * N + n)], std::max(0.0f, bias[size_t(n)]))
          << m << "," << n;
}

TEST_P(GemmIsa, EveryEpilogue) {
  for (uint32_t epi : kAllEpilogues)
    for (bool nk : {false, true}) {
      runPacked(29, 45, 71, nk, epi, 0.75f);           // one K block
      runPacked(11, 37, 600, nk, epi);                 // small-M path, KC=K
    }
}

/// Every row count of the register tile with every K remainder of the
/// kernel's K unrolling (4), including K shorter than one unrolled step.
TEST_P(GemmIsa, KUnrollTails) {
  for (int64_t M = 1; M <= shape_.mr; ++M)
    for (int64_t K : {1, 2, 3, 4, 5, 6, 7, 8, 9, 13})
      runPacked(M, shape_.nr + 3, K, false, kEpiBias | kEpiGeluErf, 0.5f);
}

/// M = 1 with a pre-packed weight takes the multi-panel GEMV kernel (up to 4
/// NR-wide panels at once): every group size 1..4, a partial last panel,
/// several groups, both layouts, every epilogue.
TEST_P(GemmIsa, SingleRowMultiPanel) {
  const int64_t nr = shape_.nr;
  for (int64_t N : {int64_t(1), int64_t(5), nr - 1, nr, nr + 1, 2 * nr + 7,
                    3 * nr, 4 * nr - 1, 4 * nr, 4 * nr + 1, 5 * nr + 3,
                    8 * nr, 9 * nr - 2, 13 * nr + 11})
    for (int64_t K : {1, 3, 19, 601})
      for (bool nk : {false, true})
        runPacked(1, std::max<int64_t>(N, 1), K, nk, kEpiNone);
  for (uint32_t epi : kAllEpilogues)
    for (bool nk : {false, true}) {
      runPacked(1, 4 * nr + 5, 71, nk, epi, 0.75f);
      runPacked(1, 6 * nr, 300, nk, epi);
    }
}

/// The vector activations over the float range: C = act(x) with K = 1,
/// A = 1 and B holding x, through both the single-row (GEMV) kernel and the
/// register-tile kernel. GELU: |error| <= 1e-6 + 4 u |act(x)| everywhere
/// (piecewise polynomials on |x| < 5.6 / 5.3, saturated beyond), +-inf and
/// NaN handled.
TEST_P(GemmIsa, ActivationsOverFloatRange) {
  std::vector<float> xs;
  for (double x = -12.0; x <= 12.0; x += 1.0 / 1024) // every interval edge
    xs.push_back(float(x));
  for (double x = 1e-30; x < 1e30; x *= 1.37) {
    xs.push_back(float(x));
    xs.push_back(float(-x));
  }
  for (float x : {0.0f, -0.0f, 3.0e38f, -3.0e38f, 1.0e-38f, -1.0e-38f})
    xs.push_back(x);
  const int64_t N = int64_t(xs.size());
  for (uint32_t act : {uint32_t(kEpiRelu), uint32_t(kEpiGeluErf),
                       uint32_t(kEpiGeluTanh), uint32_t(kEpiSilu)})
    for (int64_t M : {1, 3}) {
      SCOPED_TRACE(epilogueName(act) + " M=" + std::to_string(M));
      std::vector<float> A(size_t(M), 1.0f);
      PackedB pb = PackedB::pack(cfg_.isa, xs.data(), 1, N, false);
      std::vector<float> C(size_t(M * N));
      Epilogue e;
      e.kind = act;
      gemmPacked(cfg_, M, N, 1, 1.0f, A.data(), 1, pb, C.data(), N, e);
      int64_t bad = 0;
      for (int64_t m = 0; m < M; ++m)
        for (int64_t n = 0; n < N; ++n) {
          const double ref = actRef(act, xs[size_t(n)]);
          const double got = C[size_t(m * N + n)];
          const double err = std::fabs(got - ref);
          // GELU: 1e-6 absolute; SiLU (rational tanh): the file's usual
          // 1e-6 (1 + |x|), its 1 + tanh(x / 2) cancels for x << 0.
          const double tol =
              (act == kEpiSilu ? 1e-6 * (1.0 + std::fabs(xs[size_t(n)]))
                               : 1e-6) +
              4 * kU * std::fabs(ref);
          if (!(err <= tol) && bad++ < 5)
            ADD_FAILURE() << "x=" << xs[size_t(n)] << ": got " << got
                          << ", want " << ref;
        }
      EXPECT_EQ(bad, 0);
    }
  // GELU and ReLU at +-inf and NaN (SiLU's h + h tanh(h) form gives NaN at
  // -inf). ReLU keeps NaN on every ISA, as the reference's v < 0 ? 0 : v
  // does (x86 max returns its second operand when either is NaN).
  const float nan = std::nanf("");
  std::vector<float> sp = {INFINITY, -INFINITY, nan};
  PackedB pb = PackedB::pack(cfg_.isa, sp.data(), 1, 3, false);
  for (uint32_t act : {uint32_t(kEpiGeluErf), uint32_t(kEpiGeluTanh),
                       uint32_t(kEpiRelu)})
    for (int64_t M : {1, 3}) {
      std::vector<float> A(size_t(M), 1.0f), C(size_t(M * 3));
      Epilogue e;
      e.kind = act;
      gemmPacked(cfg_, M, 3, 1, 1.0f, A.data(), 1, pb, C.data(), 3, e);
      for (int64_t m = 0; m < M; ++m) {
        EXPECT_EQ(C[size_t(m * 3)], INFINITY) << epilogueName(act);
        if (act == kEpiRelu)
          EXPECT_EQ(C[size_t(m * 3 + 1)], 0.0f);
        else
          EXPECT_LE(std::fabs(C[size_t(m * 3 + 1)]), 1e-6)
              << epilogueName(act);
        EXPECT_TRUE(std::isnan(C[size_t(m * 3 + 2)])) << epilogueName(act);
      }
    }
}

TEST_P(GemmIsa, LargeKAcrossBlocks) {
  // K = 4096 spans many KC blocks for M > 16; small M streams with KC = K.
  runPacked(37, 53, 4096, false, kEpiBias | kEpiGeluTanh);
  runPacked(3, 70, 4096, true, kEpiBias | kEpiResidual);
  runPacked(20, 33, 1025, true, kEpiSilu, -1.5f);
}

TEST_P(GemmIsa, WeightsOfSeveralMegabytes) {
  // Packed buffers of 2 MB and more are allocated 2 MB aligned for huge
  // pages: 2.5 MB and 3.1 MB here (the last panel ragged), both layouts, the
  // M = 1 streaming path and the tiled one.
  runPacked(1, 161, 4096, true, kEpiBias);
  runPacked(7, 197, 4000, false, kEpiGeluErf);
  const std::vector<float> zeros(4096 * 161, 0.0f);
  PackedB pb = PackedB::pack(GetParam(), zeros.data(), 4096, 161, false);
  EXPECT_GE(pb.sizeInFloats() * 4, int64_t(2) << 20);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(pb.data()) % (uintptr_t(2) << 20), 0u);
}

TEST_P(GemmIsa, SmallBlockingExercisesEveryLoop) {
  // Tiny blocks so that mb, nb and kb loops all iterate on small shapes.
  GemmConfig tiny = cfg_;
  tiny.blocking = {shape_.mr, 8, shape_.nr};
  for (uint32_t epi : {uint32_t(kEpiNone), kEpiBias | kEpiGeluErf,
                       kEpiBias | kEpiResidual})
    for (bool nk : {false, true})
      runPacked(3 * shape_.mr + 2, 3 * shape_.nr + 3, 29, nk, epi, 1.0f,
                nullptr, &tiny);
  // Wide enough that A is packed (>= 32 panels), with every loop iterating.
  for (bool nk : {false, true})
    runPacked(3 * shape_.mr + 2, 32 * shape_.nr + 5, 29, nk,
              kEpiBias | kEpiGeluTanh, 1.0f, nullptr, &tiny);
  GemmConfig odd = cfg_;
  odd.blocking = {2 * shape_.mr, 40, 2 * shape_.nr};
  runPacked(200, 150, 130, false, kEpiBias | kEpiRelu, 1.0f, nullptr, &odd);
  // Huge blocks mean "do not block" (they used to overflow the K-block
  // arithmetic into a division by zero).
  GemmConfig huge = cfg_;
  huge.blocking = {INT64_MAX, INT64_MAX, INT64_MAX};
  runPacked(20, 40, 100, false, kEpiBias | kEpiGeluErf, 1.0f, nullptr, &huge);
  runPacked(1, 40, 100, true, kEpiNone, 1.0f, nullptr, &huge);
}

TEST_P(GemmIsa, InPlaceResidual) {
  // residual == C, several K blocks: linear epilogues go into the first block.
  const int64_t M = 33, N = 47, K = 700;
  std::mt19937 rng(7);
  auto A = randomVec(size_t(M * K), rng);
  auto B = randomVec(size_t(K * N), rng);
  auto bias = randomVec(size_t(N), rng);
  auto C = randomVec(size_t(M * N), rng);
  const auto residual = C;
  GemmConfig cfg = cfg_;
  cfg.blocking.kc = 128;
  PackedB pb = PackedB::pack(cfg.isa, B.data(), K, N, false);
  Epilogue e = Epilogue::biasResidual(bias.data(), C.data(), N);
  gemmPacked(cfg, M, N, K, 1.0f, A.data(), K, pb, C.data(), N, e);
  Epilogue er = e;
  RefProblem rp{M, N, K, 1.0f, A.data(), K, B.data(), N, false,
                C.data(), N, er, residual.data()};
  EXPECT_TRUE(checkAgainstRef(rp));
}

TEST_P(GemmIsa, ThreadsGiveIdenticalResults) {
  txc::ThreadPool pool2(2), pool3(3);
  TxcParallel p2{&pool2, pool2.numThreads(), &txc::ThreadPool::runTasks};
  TxcParallel p3{&pool3, pool3.numThreads(), &txc::ThreadPool::runTasks};
  // M = 1: the GEMV kernel's panel groups fall differently per thread.
  // M = 7: with 2 threads one task gets a single row (must not take the
  // M = 1 path, whose sums are ordered differently).
  const int64_t shapes[][3] = {{1, 333, 128}, {1, 333, 700}, {1, 1000, 301},
                               {5, 77, 64},   {7, 300, 200}, {64, 200, 96},
                               {97, 31, 50},  {130, 257, 300}};
  for (const auto &s : shapes) {
    const int64_t M = s[0], N = s[1], K = s[2];
    SCOPED_TRACE(shapeStr(M, N, K, false, kEpiBias | kEpiGeluErf));
    std::mt19937 rng(11);
    auto A = randomVec(size_t(M * K), rng);
    auto B = randomVec(size_t(K * N), rng);
    auto bias = randomVec(size_t(N), rng);
    PackedB pb = PackedB::pack(cfg_.isa, B.data(), K, N, false);
    Epilogue e = Epilogue::withBias(bias.data(), kEpiGeluErf);
    std::vector<float> c1(size_t(M * N)), c2(c1.size()), c3(c1.size());
    gemmPacked(cfg_, M, N, K, 1.0f, A.data(), K, pb, c1.data(), N, e);
    gemmPacked(cfg_, M, N, K, 1.0f, A.data(), K, pb, c2.data(), N, e, &p2);
    gemmPacked(cfg_, M, N, K, 1.0f, A.data(), K, pb, c3.data(), N, e, &p3);
    EXPECT_EQ(0, std::memcmp(c1.data(), c2.data(), c1.size() * 4));
    EXPECT_EQ(0, std::memcmp(c1.data(), c3.data(), c1.size() * 4));
    RefProblem rp{M, N, K, 1.0f, A.data(), K, B.data(), N, false,
                  c2.data(), N, e, nullptr};
    EXPECT_TRUE(checkAgainstRef(rp));
  }
}

TEST_P(GemmIsa, ThreadsGiveIdenticalResultsRuntimeB) {
  // Run-time B, one batch item (tasks split the tile grid): N spans more
  // than kPackAMinPanels (32) panels in total but fewer per task, so a
  // per-task choice of packing A would change the summation order.
  txc::ThreadPool pool2(2), pool3(3);
  TxcParallel p2{&pool2, pool2.numThreads(), &txc::ThreadPool::runTasks};
  TxcParallel p3{&pool3, pool3.numThreads(), &txc::ThreadPool::runTasks};
  const int64_t nr = shape_.nr;
  const int64_t shapes[][3] = {{50, 40 * nr + 5, 100}, {20, 33 * nr, 70},
                               {37, 3 * nr + 1, 600}};
  for (const auto &s : shapes)
    for (bool transB : {false, true}) {
      const int64_t M = s[0], N = s[1], K = s[2];
      SCOPED_TRACE(shapeStr(M, N, K, transB, kEpiBias | kEpiGeluTanh));
      std::mt19937 rng(13);
      auto A = randomVec(size_t(M * K), rng);
      auto B = randomVec(size_t(K * N), rng);
      auto bias = randomVec(size_t(N), rng);
      const Epilogue e = Epilogue::withBias(bias.data(), kEpiGeluTanh);
      const int64_t ldb = transB ? K : N;
      std::vector<float> c1(size_t(M * N)), c2(c1.size()), c3(c1.size());
      gemmBatched(cfg_, 1, M, N, K, 0.7f, A.data(), K, 0, B.data(), ldb, 0,
                  transB, c1.data(), N, 0, e);
      gemmBatched(cfg_, 1, M, N, K, 0.7f, A.data(), K, 0, B.data(), ldb, 0,
                  transB, c2.data(), N, 0, e, &p2);
      gemmBatched(cfg_, 1, M, N, K, 0.7f, A.data(), K, 0, B.data(), ldb, 0,
                  transB, c3.data(), N, 0, e, &p3);
      EXPECT_EQ(0, std::memcmp(c1.data(), c2.data(), c1.size() * 4));
      EXPECT_EQ(0, std::memcmp(c1.data(), c3.data(), c1.size() * 4));
      RefProblem rp{M, N, K, 0.7f, A.data(), K, B.data(), ldb, transB,
                    c2.data(), N, e, nullptr};
      EXPECT_TRUE(checkAgainstRef(rp));
    }
}

/// A serial TxcParallel that records how many tasks a GEMM asked for.
struct CountingRunner {
  int64_t lastTasks = 0;
  static void run(void *ctx, int64_t numTasks, TxcTaskFn task, void *arg) {
    static_cast<CountingRunner *>(ctx)->lastTasks = numTasks;
    for (int64_t i = numTasks - 1; i >= 0; --i) // any order must do
      task(arg, i);
  }
};

TEST_P(GemmIsa, UsesEveryThreadTheShapeCanFeed) {
  // More threads than tiles in one dimension: the grid still uses the other
  // (it used to fall back to one task when T / n exceeded the row tiles),
  // never more tasks than threads or tiles, and the result is right.
  CountingRunner counter;
  const int64_t mr = shape_.mr, nr = shape_.nr;
  struct Case {
    int threads;
    int64_t M, N;
    int64_t minTasks;
  };
  const Case cases[] = {{5, 2 * mr, nr, 2},       {3, 2 * mr, nr, 2},
                        {8, 3 * mr, 2 * nr, 6},   {4, 17 * mr, 3 * nr, 4},
                        {7, mr, 5 * nr, 5},       {2, 1, 3 * nr, 2}};
  for (const Case &c : cases) {
    TxcParallel par{&counter, c.threads, &CountingRunner::run};
    counter.lastTasks = 1;
    // Enough work to be worth threads (the GEMM runs tiny ones serially).
    const int64_t K = std::max<int64_t>(37, 300000 / (2 * c.M * c.N) + 1);
    runPacked(c.M, c.N, K, false, kEpiBias, 1.0f, &par);
    const int64_t tiles = ((c.M + mr - 1) / mr) * ((c.N + nr - 1) / nr);
    EXPECT_GE(counter.lastTasks, c.minTasks)
        << c.threads << " threads, " << c.M << " x " << c.N;
    EXPECT_LE(counter.lastTasks, std::min<int64_t>(c.threads, tiles));
  }
}

/// Run-time B: batched, strided (padded leading dims and batch strides),
/// transposed or not, serial and threaded (batch split and 2D split).
TEST_P(GemmIsa, BatchedRuntimeB) {
  txc::ThreadPool pool(2);
  TxcParallel par{&pool, pool.numThreads(), &txc::ThreadPool::runTasks};
  struct Case {
    int64_t batch, M, N, K;
    bool transB;
    uint32_t epi;
    float alpha;
  };
  const Case cases[] = {
      {3, 17, 29, 64, true, kEpiNone, 0.125f},   // Q x K^T, scaled
      {3, 17, 64, 29, false, kEpiNone, 1.0f},    // P x V
      {1, 67, 67, 64, true, kEpiResidual, 0.125f}, // + additive mask
      {2, 1, 45, 600, false, kEpiBias | kEpiSilu, 1.0f},
      {5, 40, 33, 7, true, kEpiBias | kEpiGeluErf, 1.0f},
      {4, 1, 1, 1, false, kEpiNone, 2.0f},
      {1, 70, 90, 700, false, kEpiRelu, 1.0f}, // K over several blocks
      // A packed (>= 32 panels, or rows >= 2048 floats apart):
      {2, 23, 32 * 16 + 9, 40, true, kEpiBias | kEpiGeluTanh, 1.0f},
      {1, 30, 20, 2100, false, kEpiBias | kEpiResidual, 0.5f},
      // alpha is folded into the packed panels: every packing path (full
      // and partial panels, 8 x 8 blocks and their k / column edges, several
      // K blocks) with an alpha that is not a power of two, before a bias.
      {2, 13, 64 + 11, 70, true, kEpiBias | kEpiGeluErf, 0.3f},
      {2, 13, 128 + 5, 600, false, kEpiBias, -1.7f},
  };
  for (const Case &c : cases)
    for (const TxcParallel *pp : {(const TxcParallel *)nullptr,
                                  (const TxcParallel *)&par}) {
      SCOPED_TRACE(shapeStr(c.M, c.N, c.K, c.transB, c.epi) +
                   " batch=" + std::to_string(c.batch) +
                   (pp ? " threads=2" : " threads=1"));
      std::mt19937 rng(unsigned(c.M * 13 + c.N * 17 + c.K + c.batch));
      const int64_t lda = c.K + 4, ldb = (c.transB ? c.K : c.N) + 3,
                    ldc = c.N + 2, ldr = c.N + 1;
      const int64_t sA = c.M * lda + 5;
      const int64_t sB = (c.transB ? c.N : c.K) * ldb + 7;
      const int64_t sC = c.M * ldc + 1, sR = c.M * ldr + 3;
      auto A = randomVec(size_t(c.batch * sA), rng);
      auto B = randomVec(size_t(c.batch * sB), rng);
      auto bias = randomVec(size_t(c.N), rng);
      auto R = randomVec(size_t(c.batch * sR), rng);
      std::vector<float> C(size_t(c.batch * sC), std::nanf(""));
      Epilogue e;
      e.kind = c.epi;
      e.bias = bias.data();
      e.residual = R.data();
      e.ldResidual = ldr;
      e.residualBatchStride = sR;
      gemmBatched(cfg_, c.batch, c.M, c.N, c.K, c.alpha, A.data(), lda, sA,
                  B.data(), ldb, sB, c.transB, C.data(), ldc, sC, e, pp);
      for (int64_t b = 0; b < c.batch; ++b) {
        Epilogue eb = e;
        eb.residual = R.data() + b * sR;
        RefProblem rp{c.M, c.N, c.K, c.alpha, A.data() + b * sA, lda,
                      B.data() + b * sB, ldb, c.transB, C.data() + b * sC,
                      ldc, eb, R.data() + b * sR};
        EXPECT_TRUE(checkAgainstRef(rp)) << "batch item " << b;
      }
    }
}

TEST_P(GemmIsa, PackedLeadingDimension) {
  // Weight stored inside a wider matrix (ldb > N or > K).
  const int64_t K = 40, N = 21;
  std::mt19937 rng(3);
  auto big = randomVec(size_t(K * 64), rng);
  auto A = randomVec(size_t(9 * K), rng);
  for (bool nk : {false, true}) {
    const int64_t ldb = 64;
    PackedB pb = PackedB::pack(cfg_.isa, big.data(), K, N, nk, ldb);
    std::vector<float> C(size_t(9 * N));
    gemmPacked(cfg_, 9, N, K, 1.0f, A.data(), K, pb, C.data(), N);
    RefProblem rp{9, N, K, 1.0f, A.data(), K, big.data(), ldb, nk,
                  C.data(), N, Epilogue(), nullptr};
    EXPECT_TRUE(checkAgainstRef(rp)) << (nk ? "[N,K]" : "[K,N]");
  }
}

/// Runs f, expects std::invalid_argument whose message contains `what`.
template <class F> void expectInvalid(F f, const std::string &what) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one about '" << what << "'";
  } catch (const std::invalid_argument &e) {
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos)
        << "message '" << e.what() << "' does not name '" << what << "'";
  }
}

TEST_P(GemmIsa, RejectsMisuse) {
  std::vector<float> B(64, 1.0f), A(64, 1.0f), C(64), R(64);
  PackedB pb = PackedB::pack(cfg_.isa, B.data(), 4, 4, false);
  const float *a = A.data();
  float *c = C.data();
  Epilogue e;
  e.kind = kEpiBias; // no bias pointer
  expectInvalid([&] { gemmPacked(cfg_, 4, 4, 4, 1.f, a, 4, pb, c, 4, e); },
                "without a bias");
  e.kind = kEpiRelu | kEpiSilu;
  expectInvalid([&] { gemmPacked(cfg_, 4, 4, 4, 1.f, a, 4, pb, c, 4, e); },
                "more than one activation");
  e.kind = 1u << 12;
  expectInvalid([&] { gemmPacked(cfg_, 4, 4, 4, 1.f, a, 4, pb, c, 4, e); },
                "unknown epilogue");
  e = Epilogue::biasResidual(nullptr, c, 4);
  e.kind |= kEpiGeluErf;
  expectInvalid([&] { gemmPacked(cfg_, 4, 4, 4, 1.f, a, 4, pb, c, 4, e); },
                "aliases C");
  e = Epilogue::biasResidual(nullptr, R.data(), 3);
  expectInvalid([&] { gemmPacked(cfg_, 4, 4, 4, 1.f, a, 4, pb, c, 4, e); },
                "ldResidual");
  // A residual in C's buffer: C itself with another leading dimension, or
  // shifted onto C's elements, is refused; interleaved with C it is fine.
  std::vector<float> big(128, 1.0f);
  e = Epilogue::biasResidual(nullptr, big.data(), 8);
  expectInvalid([&] {
    gemmPacked(cfg_, 4, 4, 4, 1.f, a, 4, pb, big.data(), 4, e);
  }, "leading dimension and batch stride");
  for (int64_t shift : {1, 3, 5, 8, 27, -1, -27}) {
    float *cc = big.data() + 28;
    e = Epilogue::biasResidual(nullptr, cc + shift, 8);
    expectInvalid([&] { gemmPacked(cfg_, 4, 4, 4, 1.f, a, 4, pb, cc, 8, e); },
                  "overlaps C");
  }
  for (int64_t shift : {4, -4, 32, -32}) { // disjoint: beside or below C
    float *cc = big.data() + 48;
    e = Epilogue::biasResidual(nullptr, cc + shift, 8);
    EXPECT_NO_THROW(gemmPacked(cfg_, 4, 4, 4, 1.f, a, 4, pb, cc, 8, e))
        << "shift " << shift;
  }
  expectInvalid([&] { gemmPacked(cfg_, 4, 4, 3, 1.f, a, 4, pb, c, 4); },
                "4 x 4");
  expectInvalid([&] { gemmPacked(cfg_, 4, 4, 4, 1.f, a, 3, pb, c, 4); },
                "lda");
  expectInvalid([&] { gemmPacked(cfg_, 4, 4, 4, 1.f, a, 4, pb, c, 2); },
                "ldc");
  expectInvalid([&] { gemmPacked(cfg_, -1, 4, 4, 1.f, a, 4, pb, c, 4); },
                "negative shape");
  expectInvalid([&] { gemmPacked(cfg_, 4, 4, 4, 1.f, nullptr, 4, pb, c, 4); },
                "null A");
  const Isa other = cfg_.isa == Isa::Portable ? Isa::Avx2 : Isa::Portable;
  PackedB foreign = PackedB::pack(other, B.data(), 4, 4, false);
  expectInvalid([&] { gemmPacked(cfg_, 4, 4, 4, 1.f, a, 4, foreign, c, 4); },
                "packed for");
  // Run-time B: [K,N] needs ldb >= N, transposed [N,K] needs ldb >= K.
  auto batched = [&](int64_t N, int64_t K, int64_t ldb, bool transB,
                     const float *b) {
    gemmBatched(cfg_, 2, 3, N, K, 1.f, a, K, 0, b, ldb, 0, transB, c, N, 0);
  };
  expectInvalid([&] { batched(5, 4, 4, false, B.data()); }, "ldb");
  expectInvalid([&] { batched(4, 5, 4, true, B.data()); }, "ldb");
  expectInvalid([&] { batched(4, 4, 4, false, nullptr); }, "null B");
  // Degenerate shapes that are fine: nothing to compute or M = 1 with any ld.
  gemmPacked(cfg_, 0, 4, 4, 1.f, nullptr, 0, pb, nullptr, 0);
  gemmPacked(cfg_, 1, 4, 4, 1.f, a, 0, pb, c, 0);
  EXPECT_EQ(C[0], 4.0f);
  expectInvalid([&] { packBInto(cfg_.isa, B.data(), 4, 4, false, c, 3); },
                "ldb");
}

INSTANTIATE_TEST_SUITE_P(AllIsas, GemmIsa,
                         ::testing::Values(Isa::Portable, Isa::Avx2,
                                           Isa::Avx512),
                         [](const ::testing::TestParamInfo<Isa> &info) {
                           return std::string(isaName(info.param));
                         });

/// The packed layout of GemmImpl.h, element by element: panel p holds
/// columns [p*NR, p*NR+NR) as K rows of NR floats, zero padded past N.
TEST(PackB, EveryIsaLayoutOnAnyCpu) {
  // An ISA this CPU lacks is packed by plain loops (a compiler packing for
  // another machine); one it has by its own packer. Both must give the layout.
  std::mt19937 rng(7);
  for (Isa isa : {Isa::Portable, Isa::Avx2, Isa::Avx512}) {
    const int nr = kernelShape(isa).nr;
    for (bool nk : {false, true}) {
      for (auto [K, N] : {std::pair<int64_t, int64_t>{13, 2 * nr + 5},
                          {16, nr}, {1, 3}, {9, nr + 8}}) {
        SCOPED_TRACE(std::string(isaName(isa)) + (nk ? " [N,K] " : " [K,N] ") +
                     std::to_string(K) + "x" + std::to_string(N));
        const int64_t ldb = (nk ? K : N) + 2;
        auto B = randomVec(size_t((nk ? N : K) * ldb), rng);
        std::vector<float> packed(size_t(packedBSize(isa, K, N)), NAN);
        ASSERT_EQ(int64_t(packed.size()), (N + nr - 1) / nr * nr * K);
        packBInto(isa, B.data(), K, N, nk, packed.data(), ldb);
        for (int64_t n = 0; n < int64_t(packed.size()) / K; ++n)
          for (int64_t k = 0; k < K; ++k) {
            const float want =
                n >= N ? 0.0f : (nk ? B[n * ldb + k] : B[k * ldb + n]);
            ASSERT_EQ(packed[(n / nr) * K * nr + k * nr + n % nr], want)
                << "n=" << n << " k=" << k;
          }
      }
    }
  }
}

TEST(Cpu, RefusesAnIsaItLacks) {
  for (Isa isa : {Isa::Avx2, Isa::Avx512}) {
    if (isaSupported(isa))
      continue;
    std::vector<float> A(16, 1.f), B(16, 1.f), C(16);
    PackedB pb = PackedB::pack(isa, B.data(), 4, 4, false);
    GemmConfig cfg = makeGemmConfig(isa, detectCaches());
    expectInvalid([&] {
      gemmPacked(cfg, 4, 4, 4, 1.f, A.data(), 4, pb, C.data(), 4);
    }, "cannot run");
    return;
  }
  GTEST_SKIP() << "this CPU has every ISA txc builds for";
}

TEST(Cpu, IsaOverrideFromEnvironment) {
  const char *old = std::getenv("TXC_ISA");
  const std::string saved = old ? old : "";
  unsetenv("TXC_ISA");
  const Isa best = detectIsa();
  setenv("TXC_ISA", "portable", 1);
  EXPECT_EQ(detectIsa(), Isa::Portable);
  setenv("TXC_ISA", "avx512", 1); // a cap, never more than the CPU has
  EXPECT_EQ(detectIsa(), best);
  setenv("TXC_ISA", "avx-512", 1); // a typo is reported, not obeyed
  testing::internal::CaptureStderr();
  EXPECT_EQ(detectIsa(), best);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("ignoring TXC_ISA='avx-512'"), std::string::npos) << err;
  if (old)
    setenv("TXC_ISA", saved.c_str(), 1);
  else
    unsetenv("TXC_ISA");
}

TEST(Cpu, DetectionIsSane) {
  const Isa best = detectIsa();
  EXPECT_TRUE(isaSupported(best));
  EXPECT_TRUE(isaSupported(Isa::Portable));
  const CacheInfo c = detectCaches();
  EXPECT_GE(c.l1d, 8 * 1024);
  EXPECT_GE(c.l2, c.l1d);
  EXPECT_GE(c.l3, c.l2);
  std::cout << "[ cpu      ] best isa " << isaName(best) << ", L1d " << c.l1d
            << " L2 " << c.l2 << " L3 " << c.l3 << "\n";
  const GemmConfig g = hostGemmConfig();
  EXPECT_EQ(g.blocking.mc % kernelShape(g.isa).mr, 0);
  EXPECT_GT(g.blocking.kc, 0);
}

} // namespace
