//===- Gemm.cpp - run-time dispatch and packed weights ----------*- C++ -*-===//
#include "Gemm.h"

#include <cstdint>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <string>

#ifdef __linux__
#include <sys/mman.h>
#endif

namespace txc {
namespace ukernels {

std::string epilogueName(uint32_t kind) {
  std::string s;
  auto add = [&](const char *part) {
    if (!s.empty())
      s += '+';
    s += part;
  };
  if (kind & kEpiBias)
    add("bias");
  if (kind & kEpiRelu)
    add("relu");
  if (kind & kEpiGeluErf)
    add("gelu_erf");
  if (kind & kEpiGeluTanh)
    add("gelu_tanh");
  if (kind & kEpiSilu)
    add("silu");
  if (kind & kEpiResidual)
    add("residual");
  return s.empty() ? "none" : s;
}

int64_t packedBSize(Isa isa, int64_t K, int64_t N) {
  switch (isa) {
  case Isa::Avx512:
    return txc_uk_packb_size_avx512(K, N);
  case Isa::Avx2:
    return txc_uk_packb_size_avx2(K, N);
  case Isa::Portable:
    break;
  }
  return txc_uk_packb_size_portable(K, N);
}

namespace {

[[noreturn]] void invalid(const std::string &msg) {
  throw std::invalid_argument(msg);
}

/// Leading dimension check for a row-major [rows, cols] operand: rows after
/// the first must start at least `cols` elements apart.
void checkLd(const char *fn, const char *name, int64_t ld, int64_t rows,
             int64_t cols) {
  if (rows > 1 && ld < cols)
    invalid(std::string(fn) + ": " + name + " = " + std::to_string(ld) +
            " is smaller than its row length " + std::to_string(cols));
}

/// The ISA's packed layout, with plain loops: used when this CPU cannot run
/// the ISA's own packer (a compiler packing weights for another machine).
void packBPlain(int nr, const float *B, int64_t ldb, int64_t K, int64_t N,
                bool bIsNK, float *dst) {
  for (int64_t n0 = 0; n0 < N; n0 += nr) {
    const int64_t cols = N - n0 < nr ? N - n0 : nr;
    float *panel = dst + (n0 / nr) * K * nr;
    for (int64_t k = 0; k < K; ++k) {
      float *d = panel + k * nr;
      for (int64_t c = 0; c < cols; ++c)
        d[c] = bIsNK ? B[(n0 + c) * ldb + k] : B[k * ldb + n0 + c];
      for (int64_t c = cols; c < nr; ++c)
        d[c] = 0.0f;
    }
  }
}

} // namespace

void packBInto(Isa isa, const float *B, int64_t K, int64_t N, bool bIsNK,
               float *dst, int64_t ldb) {
  if (K < 0 || N < 0)
    invalid("packB: negative shape " + std::to_string(K) + " x " +
            std::to_string(N));
  if (K == 0 || N == 0)
    return;
  if (!B || !dst)
    invalid("packB: null weight or destination");
  if (ldb <= 0)
    ldb = bIsNK ? K : N;
  if (bIsNK)
    checkLd("packB", "ldb", ldb, N, K);
  else
    checkLd("packB", "ldb", ldb, K, N);
  if (!isaSupported(isa))
    return packBPlain(kernelShape(isa).nr, B, ldb, K, N, bIsNK, dst);
  switch (isa) {
  case Isa::Avx512:
    return txc_uk_packb_avx512(B, ldb, K, N, bIsNK, dst);
  case Isa::Avx2:
    return txc_uk_packb_avx2(B, ldb, K, N, bIsNK, dst);
  case Isa::Portable:
    break;
  }
  txc_uk_packb_portable(B, ldb, K, N, bIsNK, dst);
}

void PackedB::Free::operator()(float *p) const { std::free(p); }

/// Huge pages are honoured when THP is "always" or "madvise". Packed weights
/// are streamed panel after panel, so with 4 KB pages small-M products spend
/// part of their time in TLB misses and packing in page faults. Measured on Zen 3 (KVM guest): M=1 GEMV +6-8%,
/// M=4 +11-13%, M >= 128 unchanged; packing a 9 MB weight 7.5 -> 2 ms, the
/// 154 MB GPT-2 LM head 100-140 -> 33-43 ms once the process has huge pages.
/// The first ones cost more in that VM: 580-614 ms instead of ~130 ms for
/// the first LM-head pack (they come from guest memory the host has not
/// backed yet), a one-time price paid at model load.
float *allocFloats(size_t n) {
  constexpr size_t kHuge = size_t(2) << 20;
  const size_t bytes = (n * 4 + 63) / 64 * 64;
  if (bytes < kHuge) {
    void *p = std::aligned_alloc(64, bytes ? bytes : 64);
    if (!p)
      throw std::bad_alloc();
    return static_cast<float *>(p);
  }
  const size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
  void *p = std::aligned_alloc(kHuge, rounded);
  if (!p)
    throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  (void)madvise(p, rounded, MADV_HUGEPAGE); // advisory: failure is harmless
#endif
  return static_cast<float *>(p);
}

PackedB PackedB::pack(Isa isa, const float *B, int64_t K, int64_t N,
                      bool bIsNK, int64_t ldb) {
  PackedB pb;
  pb.size_ = packedBSize(isa, K, N);
  float *p = allocFloats(static_cast<size_t>(pb.size_));
  pb.buf_.reset(p);
  packBInto(isa, B, K, N, bIsNK, p, ldb);
  pb.view_ = {isa, K, N, p};
  return pb;
}

/// Whether the M x N float blocks at r and c, both with leading dimension ld,
/// share a byte: with d = r - c and everything in bytes, some row shift t in
/// (-M, M) with |d - t ld| < N. (Addresses, not pointer differences: r and
/// c need not be in one array.)
static bool blocksOverlap(const float *r, const float *c, int64_t ld,
                          int64_t M, int64_t N) {
  const int64_t d = static_cast<int64_t>(reinterpret_cast<uintptr_t>(r) -
                                         reinterpret_cast<uintptr_t>(c));
  const int64_t nb = N * int64_t(sizeof(float));
  const int64_t lb = ld * int64_t(sizeof(float));
  if (lb <= 0)
    return d > -nb && d < nb;
  const int64_t t0 = d >= 0 ? d / lb : -((-d + lb - 1) / lb); // floor(d / lb)
  for (int64_t t : {t0, t0 + 1})
    if (t > -M && t < M && d - t * lb > -nb && d - t * lb < nb)
      return true;
  return false;
}

/// Everything the kernels assume about their arguments and cannot check
/// cheaply themselves. The extern "C" entry points (what generated code
/// calls, with shapes the compiler has verified) do not repeat it.
static void validate(Isa isa, const TxcGemmArgs &a) {
  const char *fn = a.packedB ? "gemmPacked" : "gemmBatched";
  if (!isaSupported(isa))
    invalid(std::string(fn) + ": this CPU cannot run " + isaName(isa) +
            " kernels");
  if (a.batch < 0 || a.M < 0 || a.N < 0 || a.K < 0)
    invalid(std::string(fn) + ": negative shape (batch " +
            std::to_string(a.batch) + ", M " + std::to_string(a.M) + ", N " +
            std::to_string(a.N) + ", K " + std::to_string(a.K) + ")");
  if (a.batch == 0 || a.M == 0 || a.N == 0)
    return;
  if (!a.C)
    invalid(std::string(fn) + ": null C");
  checkLd(fn, "ldc", a.ldc, a.M, a.N);
  if (a.K > 0) {
    if (!a.A)
      invalid(std::string(fn) + ": null A");
    checkLd(fn, "lda", a.lda, a.M, a.K);
    if (!a.packedB) {
      if (!a.B)
        invalid(std::string(fn) + ": null B");
      if (a.transB)
        checkLd(fn, "ldb", a.ldb, a.N, a.K);
      else
        checkLd(fn, "ldb", a.ldb, a.K, a.N);
    }
  }
  if ((a.epilogue & TXC_EPI_BIAS) && !a.bias)
    invalid(std::string(fn) + ": bias epilogue without a bias");
  if (a.epilogue & TXC_EPI_RESIDUAL) {
    if (!a.residual)
      invalid(std::string(fn) + ": residual epilogue without a residual");
    checkLd(fn, "ldResidual", a.ldResidual, a.M, a.N);
    if ((a.epilogue & TXC_EPI_ACT_MASK) && a.residual == a.C)
      invalid(std::string(fn) +
              ": a residual that aliases C cannot follow an activation");
    if (a.residual == a.C &&
        (a.ldResidual != a.ldc ||
         (a.batch > 1 && a.strideResidual != a.strideC)))
      invalid(std::string(fn) + ": a residual that aliases C must have C's "
                                "leading dimension and batch stride");
    if (a.residual != a.C && a.ldResidual == a.ldc &&
        blocksOverlap(a.residual, a.C, a.ldc, a.M, a.N))
      invalid(std::string(fn) + ": the residual overlaps C without being C");
  }
  const uint32_t act = a.epilogue & TXC_EPI_ACT_MASK;
  if (act & (act - 1))
    invalid(std::string(fn) + ": more than one activation");
  if (a.epilogue & ~uint32_t(TXC_EPI_BIAS | TXC_EPI_RESIDUAL |
                             TXC_EPI_ACT_MASK))
    invalid(std::string(fn) + ": unknown epilogue flags");
}

void sgemmRaw(Isa isa, const TxcGemmArgs &args) {
  validate(isa, args);
  switch (isa) {
  case Isa::Avx512:
    return txc_uk_sgemm_avx512(&args);
  case Isa::Avx2:
    return txc_uk_sgemm_avx2(&args);
  case Isa::Portable:
    break;
  }
  txc_uk_sgemm_portable(&args);
}

namespace {
TxcGemmArgs baseArgs(const GemmConfig &cfg, int64_t M, int64_t N, int64_t K,
                     float alpha, const float *A, int64_t lda, float *C,
                     int64_t ldc, const Epilogue &epi,
                     const TxcParallel *par) {
  TxcGemmArgs a{};
  a.batch = 1;
  a.M = M;
  a.N = N;
  a.K = K;
  a.alpha = alpha;
  a.A = A;
  a.lda = lda;
  a.C = C;
  a.ldc = ldc;
  a.epilogue = epi.kind;
  a.bias = epi.bias;
  a.residual = epi.residual;
  a.ldResidual = epi.ldResidual;
  a.strideResidual = epi.residualBatchStride;
  a.blocking = cfg.blocking;
  a.parallel = par;
  return a;
}
} // namespace

void gemmPacked(const GemmConfig &cfg, int64_t M, int64_t N, int64_t K,
                float alpha, const float *A, int64_t lda, const PackedBView &B,
                float *C, int64_t ldc, const Epilogue &epi,
                const TxcParallel *par) {
  if (B.isa != cfg.isa)
    invalid(std::string("gemmPacked: weight packed for ") + isaName(B.isa) +
            ", config runs " + isaName(cfg.isa));
  if (B.K != K || B.N != N)
    invalid("gemmPacked: packed weight is " + std::to_string(B.K) + " x " +
            std::to_string(B.N) + ", the product needs " + std::to_string(K) +
            " x " + std::to_string(N));
  if (!B.data && K > 0 && N > 0)
    invalid("gemmPacked: null packed weight");
  TxcGemmArgs a = baseArgs(cfg, M, N, K, alpha, A, lda, C, ldc, epi, par);
  a.packedB = B.data;
  sgemmRaw(cfg.isa, a);
}

void gemmBatched(const GemmConfig &cfg, int64_t batch, int64_t M, int64_t N,
                 int64_t K, float alpha, const float *A, int64_t lda,
                 int64_t strideA, const float *B, int64_t ldb, int64_t strideB,
                 bool transB, float *C, int64_t ldc, int64_t strideC,
                 const Epilogue &epi, const TxcParallel *par) {
  TxcGemmArgs a = baseArgs(cfg, M, N, K, alpha, A, lda, C, ldc, epi, par);
  a.batch = batch;
  a.strideA = strideA;
  a.B = B;
  a.ldb = ldb;
  a.strideB = strideB;
  a.transB = transB;
  a.strideC = strideC;
  sgemmRaw(cfg.isa, a);
}

} // namespace ukernels
} // namespace txc
