//===- Gemm.cpp - run-time dispatch and packed weights ----------*- C++ -*-===//
#include "Gemm.h"

#include <cstdlib>
#include <new>
#include <stdexcept>

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

void packBInto(Isa isa, const float *B, int64_t K, int64_t N, bool bIsNK,
               float *dst, int64_t ldb) {
  if (ldb <= 0)
    ldb = bIsNK ? K : N;
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

void sgemmRaw(Isa isa, const TxcGemmArgs &args) {
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
  if ((epi.kind & kEpiBias) && !epi.bias)
    throw std::invalid_argument("gemm: bias epilogue without a bias");
  if ((epi.kind & kEpiResidual) && !epi.residual)
    throw std::invalid_argument("gemm: residual epilogue without a residual");
  const uint32_t act = epi.kind & TXC_EPI_ACT_MASK;
  if (act & (act - 1))
    throw std::invalid_argument("gemm: more than one activation");
  return a;
}
} // namespace

void gemmPacked(const GemmConfig &cfg, int64_t M, int64_t N, int64_t K,
                float alpha, const float *A, int64_t lda, const PackedBView &B,
                float *C, int64_t ldc, const Epilogue &epi,
                const TxcParallel *par) {
  if (B.isa != cfg.isa)
    throw std::invalid_argument("gemmPacked: weight packed for another ISA");
  if (B.K != K || B.N != N)
    throw std::invalid_argument("gemmPacked: packed weight shape mismatch");
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
