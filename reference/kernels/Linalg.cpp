//===- Linalg.cpp - Reference kernels: MatMul, Gemm -----------------------===//
//
// matmul follows numpy.matmul: 1-D operands are promoted (a leading 1 for A,
// a trailing 1 for B) and the promoted dimension is removed from the result;
// batch dimensions broadcast. Float32 and float64 have typed paths that walk
// rows of B in i-k-j order and accumulate each output row in double; the
// narrow float types go through double, the integer types through int64
// (wrapping like the ONNX reference does for int32 overflow).
//
//===----------------------------------------------------------------------===//

#include "../Kernel.h"

#include <cstring>
#include <string>
#include <vector>

namespace txc::ref {
namespace {

/// C[M,N] = A[M,K] * B[K,N], row-major, accumulated in double row by row.
template <typename T>
void gemmRowsDouble(const T *a, const T *b, T *c, int64_t m, int64_t k,
                    int64_t n, std::vector<double> &acc) {
  acc.assign(n, 0.0);
  for (int64_t i = 0; i < m; ++i) {
    std::fill(acc.begin(), acc.end(), 0.0);
    const T *arow = a + i * k;
    for (int64_t p = 0; p < k; ++p) {
      double av = static_cast<double>(arow[p]);
      if (av == 0.0)
        continue; // exact: 0 * finite adds nothing (inf/nan handled below)
      const T *brow = b + p * n;
      for (int64_t j = 0; j < n; ++j)
        acc[j] += av * static_cast<double>(brow[j]);
    }
    T *crow = c + i * n;
    for (int64_t j = 0; j < n; ++j)
      crow[j] = static_cast<T>(acc[j]);
  }
}

/// Skipping zeros in A is only exact when B holds no inf/nan.
template <typename T> bool allFinite(const T *p, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    if (!(p[i] - p[i] == 0))
      return false;
  return true;
}

template <typename T>
void gemmRows(const T *a, const T *b, T *c, int64_t m, int64_t k, int64_t n,
              std::vector<double> &acc, bool bFinite) {
  if (bFinite) {
    gemmRowsDouble(a, b, c, m, k, n, acc);
    return;
  }
  acc.assign(n, 0.0);
  for (int64_t i = 0; i < m; ++i) {
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int64_t p = 0; p < k; ++p) {
      double av = static_cast<double>(a[i * k + p]);
      const T *brow = b + p * n;
      for (int64_t j = 0; j < n; ++j)
        acc[j] += av * static_cast<double>(brow[j]);
    }
    for (int64_t j = 0; j < n; ++j)
      c[i * n + j] = static_cast<T>(acc[j]);
  }
}

void gemmRowsInt(const int64_t *a, const int64_t *b, int64_t *c, int64_t m,
                 int64_t k, int64_t n) {
  for (int64_t i = 0; i < m; ++i) {
    uint64_t *crow = reinterpret_cast<uint64_t *>(c + i * n);
    for (int64_t j = 0; j < n; ++j)
      crow[j] = 0;
    for (int64_t p = 0; p < k; ++p) {
      uint64_t av = static_cast<uint64_t>(a[i * k + p]);
      const int64_t *brow = b + p * n;
      for (int64_t j = 0; j < n; ++j)
        crow[j] += av * static_cast<uint64_t>(brow[j]);
    }
  }
}

bool matmulDTypeOk(DType t) { return t != DType::Bool; }

struct MatmulPlan {
  Shape outShape;        // final result shape (promoted dims removed)
  Shape batch;           // broadcast batch shape
  Shape aBatch, bBatch;  // operand batch shapes (rank-aligned to batch)
  int64_t m = 0, k = 0, n = 0;
};

MatmulPlan planMatmul(const char *op, const Shape &as, const Shape &bs) {
  if (as.empty() || bs.empty())
    throw EvalError(std::string(op) + ": operands must have rank >= 1, got " +
                    shapeToString(as) + " and " + shapeToString(bs));
  Shape a = as, b = bs;
  bool aVec = a.size() == 1, bVec = b.size() == 1;
  if (aVec)
    a.insert(a.begin(), 1);
  if (bVec)
    b.push_back(1);
  MatmulPlan p;
  p.m = a[a.size() - 2];
  p.k = a.back();
  p.n = b.back();
  if (b[b.size() - 2] != p.k)
    throw EvalError(std::string(op) + ": inner dimensions do not match: " +
                    shapeToString(as) + " x " + shapeToString(bs));
  Shape ab(a.begin(), a.end() - 2), bb(b.begin(), b.end() - 2);
  p.batch = broadcastShapes(ab, bb);
  size_t r = p.batch.size();
  p.aBatch = Shape(r - ab.size(), 1);
  p.aBatch.insert(p.aBatch.end(), ab.begin(), ab.end());
  p.bBatch = Shape(r - bb.size(), 1);
  p.bBatch.insert(p.bBatch.end(), bb.begin(), bb.end());
  p.outShape = p.batch;
  if (!aVec)
    p.outShape.push_back(p.m);
  if (!bVec)
    p.outShape.push_back(p.n);
  return p;
}

/// Flat batch offset (in matrices) of operand batch shape `sub` for the
/// broadcast batch index `idx`.
int64_t batchOffset(const Shape &sub, const std::vector<int64_t> &idx) {
  int64_t off = 0;
  for (size_t d = 0; d < sub.size(); ++d)
    off = off * sub[d] + (sub[d] == 1 ? 0 : idx[d]);
  return off;
}

template <typename T, typename Fn>
void forEachBatch(const MatmulPlan &p, Fn fn) {
  int64_t nb = numElements(p.batch);
  std::vector<int64_t> idx(p.batch.size(), 0);
  for (int64_t bi = 0; bi < nb; ++bi) {
    fn(bi, batchOffset(p.aBatch, idx), batchOffset(p.bBatch, idx));
    for (int64_t d = static_cast<int64_t>(idx.size()) - 1; d >= 0; --d) {
      if (++idx[d] < p.batch[d])
        break;
      idx[d] = 0;
    }
  }
}

template <typename T>
void runTyped(const MatmulPlan &p, const T *a, const T *b, T *c) {
  std::vector<double> acc;
  int64_t bElems = numElements(p.bBatch) * p.k * p.n;
  bool finite = allFinite(b, bElems);
  forEachBatch<T>(p, [&](int64_t bi, int64_t ao, int64_t bo) {
    gemmRows(a + ao * p.m * p.k, b + bo * p.k * p.n, c + bi * p.m * p.n, p.m,
             p.k, p.n, acc, finite);
  });
}

void runInt(const MatmulPlan &p, const int64_t *a, const int64_t *b,
            int64_t *c) {
  forEachBatch<int64_t>(p, [&](int64_t bi, int64_t ao, int64_t bo) {
    gemmRowsInt(a + ao * p.m * p.k, b + bo * p.k * p.n, c + bi * p.m * p.n,
                p.m, p.k, p.n);
  });
}

/// Runs the planned matmul on any supported dtype.
Tensor matmulImpl(const char *op, const Tensor &A, const Tensor &B) {
  if (A.dtype() != B.dtype())
    throw EvalError(std::string(op) + ": operand dtypes differ (" +
                    dtypeName(A.dtype()) + " vs " + dtypeName(B.dtype()) + ")");
  if (!matmulDTypeOk(A.dtype()))
    throw EvalError(std::string(op) + ": unsupported dtype " +
                    dtypeName(A.dtype()));
  MatmulPlan p = planMatmul(op, A.shape(), B.shape());
  Shape full = p.batch;
  full.push_back(p.m);
  full.push_back(p.n);
  DType dt = A.dtype();
  if (dt == DType::F32) {
    Tensor out(DType::F32, full);
    runTyped(p, A.data<float>(), B.data<float>(), out.mutableData<float>());
    return out.reshaped(p.outShape);
  }
  if (dt == DType::F64) {
    Tensor out(DType::F64, full);
    runTyped(p, A.data<double>(), B.data<double>(), out.mutableData<double>());
    return out.reshaped(p.outShape);
  }
  if (isFloat(dt)) { // f16 / bf16: compute in double, round once
    Tensor a64 = A.cast(DType::F64), b64 = B.cast(DType::F64);
    Tensor out(DType::F64, full);
    runTyped(p, a64.data<double>(), b64.data<double>(),
             out.mutableData<double>());
    return out.cast(dt).reshaped(p.outShape);
  }
  Tensor a64 = A.cast(DType::I64), b64 = B.cast(DType::I64);
  Tensor out(DType::I64, full);
  runInt(p, a64.data<int64_t>(), b64.data<int64_t>(), out.mutableData<int64_t>());
  return out.cast(dt).reshaped(p.outShape);
}

std::vector<Tensor> matmulKernel(const KernelArgs &args) {
  const Tensor &A = args.required(0, "matmul: input A");
  const Tensor &B = args.required(1, "matmul: input B");
  return {matmulImpl("matmul", A, B)};
}

/// 2-D transpose of a [r, c] tensor (any dtype).
Tensor transpose2d(const Tensor &t) {
  int64_t r = t.dim(0), c = t.dim(1);
  Tensor out(t.dtype(), {c, r});
  size_t es = dtypeSize(t.dtype());
  const auto *src = static_cast<const uint8_t *>(t.raw());
  auto *dst = static_cast<uint8_t *>(out.mutableRaw());
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < c; ++j)
      std::memcpy(dst + (j * r + i) * es, src + (i * c + j) * es, es);
  return out;
}

std::vector<Tensor> gemmKernel(const KernelArgs &args) {
  Tensor A = args.required(0, "gemm: input A");
  Tensor B = args.required(1, "gemm: input B");
  const Tensor &C = args.input(2);
  double alpha = args.attrs.getFloat("alpha", 1.0);
  double beta = args.attrs.getFloat("beta", 1.0);
  int64_t transA = args.attrs.getInt("transA", 0);
  int64_t transB = args.attrs.getInt("transB", 0);
  if (A.rank() != 2 || B.rank() != 2)
    throw EvalError("gemm: A and B must be 2-D, got " +
                    shapeToString(A.shape()) + " and " +
                    shapeToString(B.shape()));
  if (transA)
    A = transpose2d(A);
  if (transB)
    B = transpose2d(B);
  if (A.dim(1) != B.dim(0))
    throw EvalError("gemm: inner dimensions do not match: " +
                    shapeToString(A.shape()) + " x " +
                    shapeToString(B.shape()) + " (after transposes)");
  Tensor Y = matmulImpl("gemm", A, B);
  int64_t m = Y.dim(0), n = Y.dim(1);
  bool useC = !C.isNull() && beta != 0.0;
  if (!C.isNull()) {
    if (C.dtype() != Y.dtype())
      throw EvalError(std::string("gemm: C dtype ") + dtypeName(C.dtype()) +
                      " differs from A's " + dtypeName(Y.dtype()));
    if (C.rank() > 2)
      throw EvalError("gemm: C must have rank <= 2, got " +
                      shapeToString(C.shape()));
    // Unidirectional broadcast of C to [M, N].
    Shape cs = C.shape();
    while (cs.size() < 2)
      cs.insert(cs.begin(), 1);
    if ((cs[0] != 1 && cs[0] != m) || (cs[1] != 1 && cs[1] != n))
      throw EvalError("gemm: C of shape " + shapeToString(C.shape()) +
                      " cannot be broadcast to [" + std::to_string(m) + "," +
                      std::to_string(n) + "]");
  }
  if (alpha == 1.0 && !useC)
    return {Y};
  Shape cs = C.isNull() ? Shape{1, 1} : C.shape();
  while (cs.size() < 2)
    cs.insert(cs.begin(), 1);
  auto cIndex = [&](int64_t i, int64_t j) {
    return (cs[0] == 1 ? 0 : i) * cs[1] + (cs[1] == 1 ? 0 : j);
  };
  if (Y.dtype() == DType::F32) {
    float *y = Y.mutableData<float>();
    const float *c = useC ? C.data<float>() : nullptr;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double v = alpha * y[i * n + j];
        if (useC)
          v += beta * c[cIndex(i, j)];
        y[i * n + j] = static_cast<float>(v);
      }
    return {Y};
  }
  bool intType = isInteger(Y.dtype());
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      if (intType && alpha == 1.0 && beta == 1.0) {
        int64_t v = Y.getInt(i * n + j) + (useC ? C.getInt(cIndex(i, j)) : 0);
        Y.setInt(i * n + j, v);
        continue;
      }
      double v = alpha * Y.getDouble(i * n + j);
      if (useC)
        v += beta * C.getDouble(cIndex(i, j));
      Y.setDouble(i * n + j, v);
    }
  return {Y};
}

} // namespace

void registerLinalgKernels(KernelRegistry &r) {
  r.add("matmul", matmulKernel);
  r.add("gemm", gemmKernel);
}

} // namespace txc::ref
