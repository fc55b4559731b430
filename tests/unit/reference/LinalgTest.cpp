// Unit tests of the linear-algebra reference kernels: matmul, gemm.
#include "reference/Kernel.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace txc::ref;

namespace {

Tensor lf(std::vector<float> v, Shape s) { return Tensor::fromFloats(v, s); }

void expectValues(const Tensor &t, const std::vector<double> &want,
                  double tol = 1e-6) {
  ASSERT_EQ(t.numel(), static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(t.getDouble(i), want[i], tol) << "element " << i;
}

Tensor run1(const char *name, std::vector<Tensor> in, Attrs attrs = {}) {
  KernelArgs a;
  a.inputs = std::move(in);
  a.attrs = std::move(attrs);
  return runKernel(name, a).at(0);
}

} // namespace

TEST(Linalg, Matmul2D) {
  Tensor y = run1("matmul", {lf({1, 2, 3, 4}, {2, 2}), lf({5, 6, 7, 8}, {2, 2})});
  EXPECT_EQ(y.shape(), (Shape{2, 2}));
  EXPECT_EQ(y.dtype(), DType::F32);
  expectValues(y, {19, 22, 43, 50});
}

TEST(Linalg, MatmulVectorOperands) {
  Tensor dot = run1("matmul", {lf({1, 2, 3}, {3}), lf({4, 5, 6}, {3})});
  EXPECT_EQ(dot.shape(), Shape{});
  expectValues(dot, {32});
  Tensor left = run1("matmul", {lf({1, 2}, {2}), lf({1, 2, 3, 4, 5, 6}, {2, 3})});
  EXPECT_EQ(left.shape(), (Shape{3}));
  expectValues(left, {9, 12, 15});
  Tensor right = run1("matmul", {lf({1, 2, 3, 4, 5, 6}, {2, 3}), lf({1, 1, 1}, {3})});
  EXPECT_EQ(right.shape(), (Shape{2}));
  expectValues(right, {6, 15});
  // 1-D x 3-D: [2] x [2, 2, 1] -> [2, 1]
  Tensor b3 = run1("matmul", {lf({1, 2}, {2}), lf({1, 2, 3, 4}, {2, 2, 1})});
  EXPECT_EQ(b3.shape(), (Shape{2, 1}));
  expectValues(b3, {5, 11});
}

TEST(Linalg, MatmulBatchBroadcast) {
  // A: [2,1,1,2], B: [3,2,1] -> [2,3,1,1]
  Tensor a = lf({1, 2, 3, 4}, {2, 1, 1, 2});
  Tensor b = lf({1, 0, 0, 1, 1, 1}, {3, 2, 1});
  Tensor y = run1("matmul", {a, b});
  EXPECT_EQ(y.shape(), (Shape{2, 3, 1, 1}));
  expectValues(y, {1, 2, 3, 3, 4, 7});
}

TEST(Linalg, MatmulOtherDTypes) {
  Tensor ai = Tensor::fromInts({2, 3}, {1, 2}, DType::I32);
  Tensor bi = Tensor::fromInts({4, 5}, {2, 1}, DType::I32);
  Tensor yi = run1("matmul", {ai, bi});
  EXPECT_EQ(yi.dtype(), DType::I32);
  EXPECT_EQ(yi.toInts(), (std::vector<int64_t>{23}));
  // int32 overflow wraps.
  Tensor big = Tensor::fromInts({2147483647, 1}, {1, 2}, DType::I32);
  Tensor ones = Tensor::fromInts({1, 1}, {2, 1}, DType::I32);
  EXPECT_EQ(run1("matmul", {big, ones}).toInts(),
            (std::vector<int64_t>{-2147483648LL}));
  Tensor ah = lf({1, 2, 3, 4}, {2, 2}).cast(DType::F16);
  Tensor yh = run1("matmul", {ah, ah});
  EXPECT_EQ(yh.dtype(), DType::F16);
  expectValues(yh, {7, 10, 15, 22});
  Tensor ad = lf({1.5f, 2}, {1, 2}).cast(DType::F64);
  Tensor bd = lf({2, 4}, {2, 1}).cast(DType::F64);
  Tensor yd = run1("matmul", {ad, bd});
  EXPECT_EQ(yd.dtype(), DType::F64);
  expectValues(yd, {11});
}

TEST(Linalg, MatmulZeroTimesInfIsNaN) {
  float inf = std::numeric_limits<float>::infinity();
  Tensor y = run1("matmul", {lf({0, 1}, {1, 2}), lf({inf, 2}, {2, 1})});
  EXPECT_TRUE(std::isnan(y.getDouble(0)));
}

TEST(Linalg, MatmulEmpty) {
  Tensor y = run1("matmul", {Tensor(DType::F32, {0, 3}), Tensor(DType::F32, {3, 2})});
  EXPECT_EQ(y.shape(), (Shape{0, 2}));
  Tensor z = run1("matmul", {Tensor(DType::F32, {2, 0}), Tensor(DType::F32, {0, 3})});
  EXPECT_EQ(z.shape(), (Shape{2, 3}));
  expectValues(z, {0, 0, 0, 0, 0, 0});
}

TEST(Linalg, MatmulErrors) {
  EXPECT_THROW(run1("matmul", {lf({1, 2, 3}, {1, 3}), lf({1, 2}, {2, 1})}), EvalError);
  EXPECT_THROW(run1("matmul", {Tensor::scalarF32(1), lf({1}, {1})}), EvalError);
  EXPECT_THROW(run1("matmul", {lf({1, 2}, {1, 2}),
                               Tensor::fromInts({1, 2}, {2, 1}, DType::I32)}),
               EvalError);
  // Batch dims that do not broadcast.
  EXPECT_THROW(run1("matmul", {Tensor(DType::F32, {2, 1, 1}), Tensor(DType::F32, {3, 1, 1})}),
               EvalError);
  EXPECT_THROW(run1("matmul", {lf({1}, {1})}), EvalError); // missing B
}

TEST(Linalg, GemmDefaultsAndBias) {
  Tensor a = lf({1, 2, 3, 4}, {2, 2}), b = lf({1, 0, 0, 1}, {2, 2});
  expectValues(run1("gemm", {a, b}), {1, 2, 3, 4});
  // Scalar, row-vector, column and full-matrix C.
  expectValues(run1("gemm", {a, b, Tensor::scalarF32(10)}), {11, 12, 13, 14});
  expectValues(run1("gemm", {a, b, lf({10, 20}, {2})}), {11, 22, 13, 24});
  expectValues(run1("gemm", {a, b, lf({10, 20}, {2, 1})}), {11, 12, 23, 24});
  expectValues(run1("gemm", {a, b, lf({1, 1, 1, 1}, {2, 2})}), {2, 3, 4, 5});
}

TEST(Linalg, GemmAttributes) {
  // A^T is [[1,3],[2,4]]; B^T of [[1,2],[3,4]] is [[1,3],[2,4]].
  Tensor a = lf({1, 2, 3, 4}, {2, 2}), b = lf({1, 2, 3, 4}, {2, 2});
  Attrs at;
  at.set("transA", int64_t(1));
  at.set("transB", int64_t(1));
  at.set("alpha", 0.5);
  at.set("beta", 2.0);
  // A^T B^T = [[1,3],[2,4]] x [[1,3],[2,4]] = [[7,15],[10,22]]
  Tensor y = run1("gemm", {a, b, lf({1, 1}, {1, 2})}, at);
  expectValues(y, {5.5, 9.5, 7, 13});
  // Non-square with transA: A [3,2] -> A^T [2,3], B [3,1].
  Attrs ta;
  ta.set("transA", int64_t(1));
  Tensor y2 = run1("gemm", {lf({1, 2, 3, 4, 5, 6}, {3, 2}), lf({1, 1, 1}, {3, 1})}, ta);
  EXPECT_EQ(y2.shape(), (Shape{2, 1}));
  expectValues(y2, {9, 12});
}

TEST(Linalg, GemmErrors) {
  Tensor a = lf({1, 2, 3, 4}, {2, 2});
  EXPECT_THROW(run1("gemm", {a, lf({1, 2, 3}, {3, 1})}), EvalError);
  EXPECT_THROW(run1("gemm", {lf({1, 2}, {2}), a}), EvalError);
  EXPECT_THROW(run1("gemm", {a, a, lf({1, 2, 3}, {3})}), EvalError);
  EXPECT_THROW(run1("gemm", {a, a, lf({1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 2})}), EvalError);
}
