//===- Gemm.h - fp32 GEMM with packed weights and fused epilogues -*- C++ -*-===//
//
// C = epilogue(alpha * A x B) on the CPU, with AVX-512, AVX2+FMA and portable
// micro-kernels selected at run time.
//
//   A  activations, row-major [M,K], any leading dimension.
//   B  either a weight packed once (packB / packBInto, from [K,N] or [N,K])
//      or a run-time operand (gemmBatched: batched, strided, optionally
//      transposed, e.g. attention's Q x K^T and P x V).
//   epilogue  applied to each tile while it is in registers:
//      v = alpha * acc; v += bias[n]; v = act(v); v += residual[m, n].
//      A residual may be C itself (in-place residual add, same leading
//      dimension and batch stride) when no activation is set; otherwise it
//      must not overlap C.
//
// Threads: pass a TxcParallel (see ThreadPool::parallel() in runtime/), the
// GEMM splits its tiles in a balanced 2D grid over numThreads tasks. The
// result is bitwise the same for any thread count (each element's sum runs
// in the same order whatever the split). The kernels never allocate and
// hold no global state.
//
//===----------------------------------------------------------------------===//
#ifndef TXC_UKERNELS_GEMM_H
#define TXC_UKERNELS_GEMM_H

#include "GemmAbi.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace txc {
namespace ukernels {

//===----------------------------------------------------------------------===//
// CPU
//===----------------------------------------------------------------------===//

enum class Isa : int { Portable = 0, Avx2 = 1, Avx512 = 2 };

const char *isaName(Isa isa);
/// True if this CPU and OS can run `isa` (cpuid feature bits + xgetbv state).
bool isaSupported(Isa isa);
/// Best supported ISA. TXC_ISA=portable|avx2|avx512 in the environment caps it.
Isa detectIsa();

/// Data cache sizes in bytes (per core for L1d/L2, shared L3), from cpuid
/// (leaf 0x8000001D on AMD, leaf 4 on Intel), else sysconf, else defaults
/// 32 KiB / 512 KiB / 8 MiB.
struct CacheInfo {
  int64_t l1d = 32 * 1024;
  int64_t l2 = 512 * 1024;
  int64_t l3 = 8 * 1024 * 1024;
};
CacheInfo detectCaches();

/// Register tile of an ISA's kernel.
struct KernelShape {
  int mr, nr;
};
KernelShape kernelShape(Isa isa);

/// What gemm* needs to know about the machine. Build it once (detection runs
/// cpuid, which traps to the hypervisor in a VM) and reuse it.
struct GemmConfig {
  Isa isa = Isa::Portable;
  TxcGemmBlocking blocking = {0, 0, 0}; // elements; 0 = ISA default
};
/// Cache blocking for `isa` from cache sizes:
///   kc: K block for pre-packed B, a kc x NR panel fills half of L2 (so most
///       products run unblocked in K); run-time B uses min(kc, 512);
///   mc: rows of a packed A block (run-time B only) of mc x 512 floats,
///       about 3/8 of L2.
/// (nc is reserved and left 0.)
GemmConfig makeGemmConfig(Isa isa, const CacheInfo &caches);
/// makeGemmConfig(detectIsa(), detectCaches()).
GemmConfig hostGemmConfig();

//===----------------------------------------------------------------------===//
// Epilogue
//===----------------------------------------------------------------------===//

enum EpilogueKind : uint32_t {
  kEpiNone = TXC_EPI_NONE,
  kEpiBias = TXC_EPI_BIAS,
  kEpiResidual = TXC_EPI_RESIDUAL,
  kEpiRelu = TXC_EPI_RELU,
  kEpiGeluErf = TXC_EPI_GELU_ERF,
  kEpiGeluTanh = TXC_EPI_GELU_TANH,
  kEpiSilu = TXC_EPI_SILU,
};

struct Epilogue {
  uint32_t kind = kEpiNone; ///< OR of EpilogueKind, at most one activation
  const float *bias = nullptr;     ///< [N]
  const float *residual = nullptr; ///< element (m,n) at residual[m*ld + n]
  int64_t ldResidual = 0;
  int64_t residualBatchStride = 0; ///< gemmBatched only

  static Epilogue none() { return {}; }
  static Epilogue withBias(const float *b, uint32_t act = kEpiNone) {
    Epilogue e;
    e.kind = kEpiBias | act;
    e.bias = b;
    return e;
  }
  static Epilogue biasResidual(const float *b, const float *r, int64_t ld) {
    Epilogue e;
    e.kind = (b ? kEpiBias : 0u) | kEpiResidual;
    e.bias = b;
    e.residual = r;
    e.ldResidual = ld;
    return e;
  }
};
/// "none", "bias", "bias+gelu_erf", "residual", ... (for logs and benches).
std::string epilogueName(uint32_t kind);

//===----------------------------------------------------------------------===//
// Packed weights
//===----------------------------------------------------------------------===//

/// Floats needed for a K x N weight packed for `isa`.
int64_t packedBSize(Isa isa, int64_t K, int64_t N);
/// Packs B into dst (packedBSize floats, 64-byte alignment recommended).
/// bIsNK: B is stored [N,K] (ONNX Gemm transB=1, i.e. a Linear weight);
/// otherwise [K,N] (ONNX MatMul). ldb: leading dimension of the storage
/// (0 = dense: N for [K,N], K for [N,K]). Works for every ISA on any CPU (an
/// ISA this CPU lacks is packed with plain loops, so a compiler can pack
/// weights for another machine). Throws std::invalid_argument on a negative
/// shape, a null pointer or an ldb shorter than a row.
void packBInto(Isa isa, const float *B, int64_t K, int64_t N, bool bIsNK,
               float *dst, int64_t ldb = 0);

/// Non-owning view of a packed weight (e.g. stored in a model artifact).
struct PackedBView {
  Isa isa = Isa::Portable;
  int64_t K = 0, N = 0;
  const float *data = nullptr;
};

/// n floats, 64-byte aligned; from 2 MB on, 2 MB aligned and marked for
/// transparent huge pages (Linux), as packed weights are. Release with
/// std::free. Throws std::bad_alloc.
float *allocFloats(size_t n);

/// A packed weight owning its 64-byte aligned buffer.
class PackedB {
public:
  PackedB() = default;
  static PackedB pack(Isa isa, const float *B, int64_t K, int64_t N,
                      bool bIsNK, int64_t ldb = 0);
  Isa isa() const { return view_.isa; }
  int64_t K() const { return view_.K; }
  int64_t N() const { return view_.N; }
  const float *data() const { return view_.data; }
  int64_t sizeInFloats() const { return size_; }
  PackedBView view() const { return view_; }
  operator PackedBView() const { return view_; }

private:
  struct Free {
    void operator()(float *p) const;
  };
  std::unique_ptr<float, Free> buf_;
  PackedBView view_;
  int64_t size_ = 0;
};

//===----------------------------------------------------------------------===//
// GEMM
//===----------------------------------------------------------------------===//
//
// Any alignment and leading dimension is correct, but full speed needs A, B
// and C 64-byte aligned with leading dimensions that keep rows aligned (a
// multiple of 16 floats): measured on Zen 3, attention's Q x K^T (S = 512,
// K = 64, so C stores are a large share of the work) lost 17% with C 16
// bytes off and 30% with all three off. txc's runtime allocates aligned.

/// C[M,N] = epilogue(alpha * A[M,K] x B) with B packed for config.isa (the
/// ISA of `B` must match config.isa). par may be null (calling thread only).
void gemmPacked(const GemmConfig &config, int64_t M, int64_t N, int64_t K,
                float alpha, const float *A, int64_t lda, const PackedBView &B,
                float *C, int64_t ldc, const Epilogue &epi = Epilogue(),
                const TxcParallel *par = nullptr);

/// For b in [0, batch): C_b = epilogue(alpha * A_b x op(B_b)), with
/// X_b = X + b * strideX. op(B) = B ([K,N], leading dim ldb) or, if transB,
/// B^T where B is stored [N,K] with leading dim ldb.
void gemmBatched(const GemmConfig &config, int64_t batch, int64_t M,
                 int64_t N, int64_t K, float alpha, const float *A,
                 int64_t lda, int64_t strideA, const float *B, int64_t ldb,
                 int64_t strideB, bool transB, float *C, int64_t ldc,
                 int64_t strideC, const Epilogue &epi = Epilogue(),
                 const TxcParallel *par = nullptr);

/// gemmPacked, gemmBatched and sgemmRaw check their arguments and throw
/// std::invalid_argument naming the problem: an ISA this CPU cannot run, a
/// negative shape, a null operand, a leading dimension shorter than its row,
/// a bias or residual flag without its pointer, more than one activation or
/// an unknown flag, a residual aliasing C behind an activation or with
/// another leading dimension or batch stride, a residual with C's leading
/// dimension overlapping C without being C (overlaps with other leading
/// dimensions are not detected). The extern
/// "C" txc_uk_sgemm_<isa> entry points (GemmAbi.h) trust their caller.

/// The per-ISA entry point behind gemmPacked and gemmBatched.
void sgemmRaw(Isa isa, const TxcGemmArgs &args);

} // namespace ukernels
} // namespace txc

#endif // TXC_UKERNELS_GEMM_H
