//===- TestUtil.h - Helpers shared by the reference kernel tests -*- C++ -*-===//
//
// Tensor construction, kernel invocation and value comparison helpers used
// by several *Test.cpp files of the reference kernels. Files pull in the
// ones they use with using-declarations.
//
//===----------------------------------------------------------------------===//
#ifndef TXC_TESTS_UNIT_REFERENCE_TESTUTIL_H
#define TXC_TESTS_UNIT_REFERENCE_TESTUTIL_H

#include "reference/Kernel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace txc::ref::testutil {

/// A float32 tensor of shape `s` holding `v`.
inline Tensor F(std::vector<float> v, Shape s) {
  return Tensor::fromFloats(v, std::move(s));
}

/// An integer (default int64) tensor of shape `s` holding `v`.
inline Tensor I(std::vector<int64_t> v, Shape s, DType dt = DType::I64) {
  return Tensor::fromInts(v, std::move(s), dt);
}

/// A 1-D int64 tensor holding `v`.
inline Tensor i64(std::vector<int64_t> v) {
  return Tensor::fromInts(v, {static_cast<int64_t>(v.size())});
}

/// A tensor of shape `shape` and dtype `dt` holding 0, 1, 2, ...
inline Tensor iota(Shape shape, DType dt = DType::F32) {
  Tensor t(dt, shape);
  for (int64_t i = 0; i < t.numel(); ++i)
    t.setInt(i, i);
  return t;
}

/// KernelArgs with the given inputs and number of outputs (no attributes).
inline KernelArgs makeArgs(std::vector<Tensor> inputs, int numOutputs = 1) {
  KernelArgs a;
  a.inputs = std::move(inputs);
  a.numOutputs = numOutputs;
  return a;
}

/// Runs kernel `op`, expecting exactly one result, and returns it.
inline Tensor run1(const std::string &op, const KernelArgs &a) {
  std::vector<Tensor> r = runKernel(op, a);
  EXPECT_EQ(r.size(), 1u) << op;
  return r.at(0);
}

/// Runs kernel `name` on `in` with `attrs` and returns all its results.
inline std::vector<Tensor> runOp(const char *name, std::vector<Tensor> in,
                                 Attrs attrs = {}, int numOutputs = 1) {
  KernelArgs a;
  a.inputs = std::move(in);
  a.attrs = std::move(attrs);
  a.numOutputs = numOutputs;
  return runKernel(name, a);
}

/// Runs kernel `name` on `in` with `attrs` and returns its first result.
inline Tensor runOp1(const char *name, std::vector<Tensor> in, Attrs attrs = {}) {
  return runOp(name, std::move(in), std::move(attrs)).at(0);
}

/// Expects `t` to hold `want`, each element within absolute tolerance `tol`.
inline void expectValues(const Tensor &t, const std::vector<double> &want,
                         double tol = 1e-5) {
  ASSERT_EQ(t.numel(), static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(t.getDouble(i), want[i], tol) << "element " << i;
}

/// Expects `t` to hold `want` within relative tolerance `tol` (absolute below
/// 1); NaN and infinite expectations must match exactly.
inline void expectNear(const Tensor &t, const std::vector<double> &want,
                       double tol = 1e-5) {
  ASSERT_EQ(t.numel(), static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i) {
    double g = t.getDouble(i);
    if (std::isnan(want[i]))
      EXPECT_TRUE(std::isnan(g)) << "element " << i;
    else if (std::isinf(want[i]))
      EXPECT_EQ(g, want[i]) << "element " << i;
    else
      EXPECT_NEAR(g, want[i], tol * std::max(1.0, std::fabs(want[i])))
          << "element " << i;
  }
}

} // namespace txc::ref::testutil

#endif // TXC_TESTS_UNIT_REFERENCE_TESTUTIL_H
