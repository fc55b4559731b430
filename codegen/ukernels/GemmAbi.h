//===- GemmAbi.h - C ABI of the per-ISA fp32 GEMM micro-kernels -*- C++ -*-===//
//
// The per-ISA translation units (GemmPortable.cpp, GemmAvx2.cpp,
// GemmAvx512.cpp) export only the extern "C" entry points declared here. The
// same sources are compiled (a) into the static library txc_ukernels and (b)
// into one LLVM bitcode file per ISA level that code generation links into a
// model's module, so this header is plain C with fixed-width types and no
// dependency beyond <stdint.h>.
//
// The entry points do not check their arguments (generated code calls them
// with shapes the compiler has verified); the C++ API in Gemm.h does.
//
// Every entry point is reentrant: no global mutable state, no allocation (the
// scratch buffers for packing live on the caller's stack, at most
// TXC_UK_MAX_STACK_BYTES per task).
//
//===----------------------------------------------------------------------===//
#ifndef TXC_UKERNELS_GEMMABI_H
#define TXC_UKERNELS_GEMMABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Upper bound on the stack a GEMM task uses for its packing buffers.
#define TXC_UK_MAX_STACK_BYTES (256 * 1024)

/// Epilogue flags. Applied to each tile while it is in registers, in this
/// order: v = alpha * (A x B); v += bias[n]; v = act(v); v += residual[m, n].
/// At most one activation flag may be set.
enum {
  TXC_EPI_NONE = 0,
  TXC_EPI_BIAS = 1u << 0,      ///< per-column bias (length N)
  TXC_EPI_RESIDUAL = 1u << 1,  ///< add residual[m * ldResidual + n]
  TXC_EPI_RELU = 1u << 2,      ///< max(v, 0)
  TXC_EPI_GELU_ERF = 1u << 3,  ///< 0.5 v (1 + erf(v / sqrt 2))
  TXC_EPI_GELU_TANH = 1u << 4, ///< 0.5 v (1 + tanh(sqrt(2/pi)(v + 0.044715 v^3)))
  TXC_EPI_SILU = 1u << 5,      ///< v * sigmoid(v)
};
#define TXC_EPI_ACT_MASK                                                     \
  (TXC_EPI_RELU | TXC_EPI_GELU_ERF | TXC_EPI_GELU_TANH | TXC_EPI_SILU)

/// Runs task(arg, i) for every i in [0, numTasks), possibly concurrently, and
/// returns when all have finished. numThreads is how many tasks the runner can
/// run at once; the GEMM creates at most that many tasks.
typedef void (*TxcTaskFn)(void *arg, int64_t index);
typedef struct TxcParallel {
  void *ctx;
  int32_t numThreads;
  void (*run)(void *ctx, int64_t numTasks, TxcTaskFn task, void *arg);
} TxcParallel;

/// Cache blocking (elements). kc: K block (run-time B: at most 512); mc: rows
/// of a packed A block (run-time B only, multiple of MR, scaled to keep
/// mc x 512 floats); nc is reserved (ignored). Zero fields take the ISA's
/// defaults for a 32K/512K cache.
typedef struct TxcGemmBlocking {
  int64_t mc, kc, nc;
} TxcGemmBlocking;

/// C[M,N] = epilogue(alpha * A[M,K] x B[K,N]) for one problem, or `batch`
/// problems whose operands are `stride*` elements apart.
///
/// B is either pre-packed (packedB != 0, made by txc_uk_packb_<isa> of the
/// same ISA) or a run-time operand (packedB == 0): row-major [K,N] with leading
/// dimension ldb, or, if transB, row-major [N,K] (element (k,n) at
/// B[n * ldb + k]).
typedef struct TxcGemmArgs {
  int64_t batch;
  int64_t M, N, K;
  float alpha;
  const float *A;
  int64_t lda, strideA;
  const float *packedB; ///< packed panels; strideB is then the packed size
  const float *B;       ///< run-time B (when packedB == 0)
  int64_t ldb, strideB;
  int32_t transB;
  float *C;
  int64_t ldc, strideC;
  uint32_t epilogue; ///< TXC_EPI_* flags
  const float *bias; ///< [N], same for every batch
  const float *residual;
  int64_t ldResidual, strideResidual;
  TxcGemmBlocking blocking;
  const TxcParallel *parallel; ///< null: run on the calling thread
} TxcGemmArgs;

#define TXC_UK_DECLARE_ISA(isa)                                              \
  /* Kernel tile shape of this ISA: rows (MR) and panel width (NR). */       \
  int32_t txc_uk_mr_##isa(void);                                             \
  int32_t txc_uk_nr_##isa(void);                                             \
  /* Floats needed to pack a K x N weight (panels of NR, zero padded). */    \
  int64_t txc_uk_packb_size_##isa(int64_t K, int64_t N);                     \
  /* Packs B ([K,N] row-major, or [N,K] if bIsNK) with leading dim ldb. */   \
  void txc_uk_packb_##isa(const float *B, int64_t ldb, int64_t K, int64_t N, \
                          int32_t bIsNK, float *dst);                        \
  void txc_uk_sgemm_##isa(const TxcGemmArgs *args);

TXC_UK_DECLARE_ISA(portable)
TXC_UK_DECLARE_ISA(avx2)
TXC_UK_DECLARE_ISA(avx512)

#ifdef __cplusplus
}
#endif

#endif // TXC_UKERNELS_GEMMABI_H
