// Unit tests of the reduction-family reference kernels (Reduction.cpp).
// Expected values are computed by hand or taken from the ONNX node tests.

#include "TestUtil.h"
#include "reference/Kernel.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

using namespace txc::ref;

namespace {

using testutil::F;
using testutil::I;
using testutil::expectNear;
using testutil::makeArgs;
using testutil::run1;

Tensor axes(std::vector<int64_t> v) {
  return Tensor::fromInts(v, {static_cast<int64_t>(v.size())});
}

std::vector<Tensor> runAll(const std::string &op, const KernelArgs &a) { return runKernel(op, a); }

// The data of the ONNX Reduce* "example" node tests, shape [3, 2, 2].
Tensor onnxExample() {
  return F({5, 1, 20, 2, 30, 1, 40, 2, 55, 1, 60, 2}, {3, 2, 2});
}

KernelArgs reduceArgs(Tensor x, std::vector<int64_t> ax, int64_t keepdims = 1) {
  KernelArgs a = makeArgs({std::move(x), axes(std::move(ax))});
  a.attrs.set("keepdims", keepdims);
  return a;
}

} // namespace

TEST(Reduction, ReduceOnOnnxExampleAxis1) {
  struct Case {
    const char *op;
    std::vector<double> out; // shape [3, 1, 2]
  };
  const std::vector<Case> cases = {
      {"reduce_sum", {25, 3, 70, 3, 115, 3}},
      {"reduce_mean", {12.5, 1.5, 35, 1.5, 57.5, 1.5}},
      {"reduce_max", {20, 2, 40, 2, 60, 2}},
      {"reduce_min", {5, 1, 30, 1, 55, 1}},
      {"reduce_prod", {100, 2, 1200, 2, 3300, 2}},
      {"reduce_l1", {25, 3, 70, 3, 115, 3}},
      {"reduce_l2", {20.615528128, 2.236067977, 50, 2.236067977, 81.394102980, 2.236067977}},
      {"reduce_log_sum", {3.218875825, 1.098612289, 4.248495242, 1.098612289, 4.744932128,
                          1.098612289}},
      {"reduce_log_sum_exp", {20.000000306, 2.313261687, 40.000045400, 2.313261687,
                              60.006715348, 2.313261687}},
      {"reduce_sum_square", {425, 5, 2500, 5, 6625, 5}},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.op);
    Tensor r = run1(c.op, reduceArgs(onnxExample(), {1}));
    EXPECT_EQ(r.dtype(), DType::F32);
    EXPECT_EQ(r.shape(), (Shape{3, 1, 2}));
    expectNear(r, c.out);
  }
}

TEST(Reduction, ReduceKeepdimsNegativeAndDefaultAxes) {
  // keepdims = 0 drops the reduced axes.
  Tensor r = run1("reduce_sum", reduceArgs(onnxExample(), {1}, 0));
  EXPECT_EQ(r.shape(), (Shape{3, 2}));
  expectNear(r, {25, 3, 70, 3, 115, 3});
  // Negative axes.
  Tensor n = run1("reduce_mean", reduceArgs(onnxExample(), {-2}));
  EXPECT_EQ(n.shape(), (Shape{3, 1, 2}));
  expectNear(n, {12.5, 1.5, 35, 1.5, 57.5, 1.5});
  // Several axes.
  Tensor m = run1("reduce_max", reduceArgs(onnxExample(), {0, 2}, 0));
  EXPECT_EQ(m.shape(), (Shape{2}));
  expectNear(m, {55, 60});
  // No axes input: reduce everything (keepdims default 1).
  Tensor all = run1("reduce_sum", makeArgs({onnxExample()}));
  EXPECT_EQ(all.shape(), (Shape{1, 1, 1}));
  expectNear(all, {219});
  // An empty axes tensor means the same.
  KernelArgs e = makeArgs({onnxExample(), axes({})});
  e.attrs.set("keepdims", int64_t(0));
  Tensor alls = run1("reduce_prod", e);
  EXPECT_EQ(alls.shape(), (Shape{}));
  expectNear(alls, {100.0 * 2 * 1200 * 2 * 3300 * 2});
}

TEST(Reduction, NoopWithEmptyAxes) {
  KernelArgs a = makeArgs({F({1, -2, 3}, {3}), axes({})});
  a.attrs.set("noop_with_empty_axes", int64_t(1));
  Tensor s = run1("reduce_sum", a);
  EXPECT_EQ(s.shape(), (Shape{3}));
  expectNear(s, {1, -2, 3});
  // Like the ONNX reference: each element reduced on its own.
  expectNear(run1("reduce_sum_square", a), {1, 4, 9});
  expectNear(run1("reduce_l1", a), {1, 2, 3});
  // Absent axes input with noop also leaves the data unreduced.
  KernelArgs b = makeArgs({F({1, -2, 3}, {3})});
  b.attrs.set("noop_with_empty_axes", int64_t(1));
  expectNear(run1("reduce_max", b), {1, -2, 3});
}

TEST(Reduction, ReduceEmptySet) {
  // ONNX test_reduce_*_empty_set: data [2, 0, 4], axes [1], keepdims 1.
  Tensor x(DType::F32, {2, 0, 4});
  struct Case {
    const char *op;
    double value;
  };
  const double inf = std::numeric_limits<double>::infinity();
  for (const Case &c : std::vector<Case>{{"reduce_sum", 0},
                                         {"reduce_prod", 1},
                                         {"reduce_max", -inf},
                                         {"reduce_min", inf},
                                         {"reduce_l1", 0},
                                         {"reduce_l2", 0},
                                         {"reduce_log_sum", -inf},
                                         {"reduce_log_sum_exp", -inf},
                                         {"reduce_sum_square", 0}}) {
    SCOPED_TRACE(c.op);
    Tensor r = run1(c.op, reduceArgs(x, {1}));
    EXPECT_EQ(r.shape(), (Shape{2, 1, 4}));
    expectNear(r, std::vector<double>(8, c.value));
  }
  // Reducing a non-empty axis of an empty tensor gives an empty result.
  Tensor z = run1("reduce_sum", reduceArgs(Tensor(DType::F32, {2, 0, 4}), {2}));
  EXPECT_EQ(z.shape(), (Shape{2, 0, 1}));
  // Integer max over an empty set is the dtype's minimum.
  Tensor im = run1("reduce_max", reduceArgs(Tensor(DType::I32, {0, 2}), {0}, 0));
  EXPECT_EQ(im.shape(), (Shape{2}));
  EXPECT_EQ(im.toInts(), (std::vector<int64_t>{std::numeric_limits<int32_t>::min(),
                                               std::numeric_limits<int32_t>::min()}));
}

TEST(Reduction, ReduceIntegersAndBool) {
  Tensor x = I({1, 2, 3, 4, 5, 6}, {2, 3}, DType::I32);
  Tensor s = run1("reduce_sum", reduceArgs(x, {1}, 0));
  EXPECT_EQ(s.dtype(), DType::I32);
  EXPECT_EQ(s.toInts(), (std::vector<int64_t>{6, 15}));
  EXPECT_EQ(run1("reduce_prod", reduceArgs(x, {0}, 0)).toInts(),
            (std::vector<int64_t>{4, 10, 18}));
  EXPECT_EQ(run1("reduce_min", reduceArgs(x, {0, 1}, 0)).toInts(), (std::vector<int64_t>{1}));
  // Mean of integers truncates (numpy mean then cast).
  EXPECT_EQ(run1("reduce_mean", reduceArgs(x, {1}, 0)).toInts(), (std::vector<int64_t>{2, 5}));
  // int64 sums are exact beyond 2^53.
  Tensor big = I({(int64_t(1) << 60) + 1, 1}, {2});
  EXPECT_EQ(run1("reduce_sum", reduceArgs(big, {0}, 0)).toInts(),
            (std::vector<int64_t>{(int64_t(1) << 60) + 2}));
  // ONNX test_reduce_max_bool_inputs / test_reduce_min_bool_inputs.
  Tensor b = I({1, 1, 1, 0, 0, 1, 0, 0}, {4, 2}, DType::Bool);
  Tensor bm = run1("reduce_max", reduceArgs(b, {1}));
  EXPECT_EQ(bm.dtype(), DType::Bool);
  EXPECT_EQ(bm.toInts(), (std::vector<int64_t>{1, 1, 1, 0}));
  EXPECT_EQ(run1("reduce_min", reduceArgs(b, {1})).toInts(), (std::vector<int64_t>{1, 0, 0, 0}));
  EXPECT_THROW(run1("reduce_sum", reduceArgs(b, {1})), EvalError);
}

TEST(Reduction, ReduceNaNPropagates) {
  Tensor x = F({1, NAN, 3, 2}, {2, 2});
  expectNear(run1("reduce_max", reduceArgs(x, {1}, 0)), {NAN, 3});
  expectNear(run1("reduce_min", reduceArgs(x, {1}, 0)), {NAN, 2});
}

TEST(Reduction, ReduceErrors) {
  EXPECT_THROW(run1("reduce_sum", reduceArgs(onnxExample(), {3})), EvalError);
  EXPECT_THROW(run1("reduce_sum", reduceArgs(onnxExample(), {-4})), EvalError);
  EXPECT_THROW(run1("reduce_sum", reduceArgs(onnxExample(), {1, -2})), EvalError); // repeated
  EXPECT_THROW(run1("reduce_sum", makeArgs({onnxExample(), F({1}, {1})})), EvalError); // float axes
  EXPECT_THROW(run1("reduce_sum", makeArgs({})), EvalError);
}

TEST(Reduction, ArgMaxArgMin) {
  Tensor x = F({2, 1, 3, 10}, {2, 2});
  KernelArgs a = makeArgs({x});
  Tensor r = run1("argmax", a); // axis 0, keepdims 1
  EXPECT_EQ(r.dtype(), DType::I64);
  EXPECT_EQ(r.shape(), (Shape{1, 2}));
  EXPECT_EQ(r.toInts(), (std::vector<int64_t>{1, 1}));
  a.attrs.set("axis", int64_t(-1));
  a.attrs.set("keepdims", int64_t(0));
  Tensor r1 = run1("argmax", a);
  EXPECT_EQ(r1.shape(), (Shape{2}));
  EXPECT_EQ(r1.toInts(), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(run1("argmin", a).toInts(), (std::vector<int64_t>{1, 0}));
  // Ties: first index, or last with select_last_index.
  KernelArgs t = makeArgs({F({2, 2, 3, 10, 3, 3}, {2, 3})});
  t.attrs.set("axis", int64_t(1));
  EXPECT_EQ(run1("argmax", t).toInts(), (std::vector<int64_t>{2, 0}));
  EXPECT_EQ(run1("argmin", t).toInts(), (std::vector<int64_t>{0, 1}));
  t.attrs.set("select_last_index", int64_t(1));
  EXPECT_EQ(run1("argmax", t).toInts(), (std::vector<int64_t>{2, 0}));
  EXPECT_EQ(run1("argmin", t).toInts(), (std::vector<int64_t>{1, 2}));
  // Integers.
  KernelArgs i = makeArgs({I({5, -9, 7}, {3}, DType::I32)});
  EXPECT_EQ(run1("argmax", i).toInts(), (std::vector<int64_t>{2}));
  EXPECT_EQ(run1("argmin", i).toInts(), (std::vector<int64_t>{1}));
  // Errors: axis out of range; empty axis.
  a.attrs.set("axis", int64_t(2));
  EXPECT_THROW(run1("argmax", a), EvalError);
  EXPECT_THROW(run1("argmin", makeArgs({Tensor(DType::F32, {0, 3})})), EvalError);
}

TEST(Reduction, SoftmaxFamily) {
  Tensor x = F({1, 2, 3, 1, 1, 1}, {2, 3});
  Tensor s = run1("softmax", makeArgs({x}));
  EXPECT_EQ(s.shape(), (Shape{2, 3}));
  expectNear(s, {0.09003057, 0.24472847, 0.66524096, 1.0 / 3, 1.0 / 3, 1.0 / 3});
  expectNear(run1("log_softmax", makeArgs({x})),
             {-2.40760596, -1.40760596, -0.40760596, -1.09861229, -1.09861229, -1.09861229});
  // Along axis 0.
  KernelArgs a0 = makeArgs({x});
  a0.attrs.set("axis", int64_t(0));
  expectNear(run1("softmax", a0), {0.5, 0.73105858, 0.88079708, 0.5, 0.26894142, 0.11920292});
  // Numerically stable for large inputs.
  expectNear(run1("softmax", makeArgs({F({1000, 1000}, {2})})), {0.5, 0.5});
  // Hardmax: the first maximum wins.
  Tensor h = run1("hardmax", makeArgs({F({3, 1, 3, 0, 4, 4}, {2, 3})}));
  expectNear(h, {1, 0, 0, 0, 1, 0});
  a0.attrs.set("axis", int64_t(0));
  expectNear(run1("hardmax", a0), {1, 1, 1, 0, 0, 0});
  // float64 keeps its dtype.
  Tensor d(DType::F64, {2});
  d.setDouble(0, 0);
  d.setDouble(1, std::log(3.0));
  Tensor sd = run1("softmax", makeArgs({d}));
  EXPECT_EQ(sd.dtype(), DType::F64);
  expectNear(sd, {0.25, 0.75}, 1e-12);
  // Errors.
  KernelArgs bad = makeArgs({x});
  bad.attrs.set("axis", int64_t(2));
  EXPECT_THROW(run1("softmax", bad), EvalError);
  EXPECT_THROW(run1("softmax", makeArgs({I({1, 2}, {2})})), EvalError);
}

TEST(Reduction, CumSum) {
  Tensor x = F({1, 2, 3, 4, 5}, {5});
  Tensor ax = I({0}, {}, DType::I32);
  expectNear(run1("cumsum", makeArgs({x, ax})), {1, 3, 6, 10, 15});
  KernelArgs e = makeArgs({x, ax});
  e.attrs.set("exclusive", int64_t(1));
  expectNear(run1("cumsum", e), {0, 1, 3, 6, 10});
  KernelArgs r = makeArgs({x, ax});
  r.attrs.set("reverse", int64_t(1));
  expectNear(run1("cumsum", r), {15, 14, 12, 9, 5});
  r.attrs.set("exclusive", int64_t(1));
  expectNear(run1("cumsum", r), {14, 12, 9, 5, 0});
  // 2-D, along axis 1 and axis -2; integer data.
  Tensor m = I({1, 2, 3, 4, 5, 6}, {2, 3}, DType::I64);
  Tensor c1 = run1("cumsum", makeArgs({m, I({1}, {1})}));
  EXPECT_EQ(c1.dtype(), DType::I64);
  EXPECT_EQ(c1.toInts(), (std::vector<int64_t>{1, 3, 6, 4, 9, 15}));
  EXPECT_EQ(run1("cumsum", makeArgs({m, I({-2}, {})})).toInts(),
            (std::vector<int64_t>{1, 2, 3, 5, 7, 9}));
  // Errors.
  EXPECT_THROW(run1("cumsum", makeArgs({x, I({1}, {})})), EvalError);
  EXPECT_THROW(run1("cumsum", makeArgs({x, I({0, 0}, {2})})), EvalError);
  EXPECT_THROW(run1("cumsum", makeArgs({x})), EvalError);
}

TEST(Reduction, CumProd) {
  Tensor x = F({1, 2, 3, 4, 5}, {5});
  Tensor ax = I({0}, {});
  expectNear(run1("cum_prod", makeArgs({x, ax})), {1, 2, 6, 24, 120});
  KernelArgs e = makeArgs({x, ax});
  e.attrs.set("exclusive", int64_t(1));
  expectNear(run1("cum_prod", e), {1, 1, 2, 6, 24});
  e.attrs.set("reverse", int64_t(1));
  expectNear(run1("cum_prod", e), {120, 60, 20, 5, 1});
  Tensor m = I({1, 2, 3, 4, 5, 6}, {2, 3}, DType::I32);
  Tensor c0 = run1("cum_prod", makeArgs({m, I({0}, {1}, DType::I32)}));
  EXPECT_EQ(c0.dtype(), DType::I32);
  EXPECT_EQ(c0.toInts(), (std::vector<int64_t>{1, 2, 3, 4, 10, 18}));
  EXPECT_THROW(run1("cum_prod", makeArgs({x, F({0}, {1})})), EvalError);
}

TEST(Reduction, TopK) {
  Tensor x = F({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {3, 4});
  std::vector<Tensor> r = runAll("topk", makeArgs({x, I({3}, {1})}));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].shape(), (Shape{3, 3}));
  EXPECT_EQ(r[0].dtype(), DType::F32);
  EXPECT_EQ(r[1].dtype(), DType::I64);
  expectNear(r[0], {3, 2, 1, 7, 6, 5, 11, 10, 9});
  EXPECT_EQ(r[1].toInts(), (std::vector<int64_t>{3, 2, 1, 3, 2, 1, 3, 2, 1}));
  // Smallest, along axis 0.
  KernelArgs s = makeArgs({x, I({2}, {1})});
  s.attrs.set("largest", int64_t(0));
  s.attrs.set("axis", int64_t(0));
  r = runAll("topk", s);
  EXPECT_EQ(r[0].shape(), (Shape{2, 4}));
  expectNear(r[0], {0, 1, 2, 3, 4, 5, 6, 7});
  EXPECT_EQ(r[1].toInts(), (std::vector<int64_t>{0, 0, 0, 0, 1, 1, 1, 1}));
  // Ties resolve to the lower index; integer data.
  r = runAll("topk", makeArgs({I({1, 3, 3, 2, 3}, {5}, DType::I32), I({3}, {1})}));
  EXPECT_EQ(r[0].dtype(), DType::I32);
  EXPECT_EQ(r[0].toInts(), (std::vector<int64_t>{3, 3, 3}));
  EXPECT_EQ(r[1].toInts(), (std::vector<int64_t>{1, 2, 4}));
  // K = 0 gives empty outputs.
  r = runAll("topk", makeArgs({x, I({0}, {1})}));
  EXPECT_EQ(r[0].shape(), (Shape{3, 0}));
  // Errors.
  EXPECT_THROW(runAll("topk", makeArgs({x, I({5}, {1})})), EvalError);
  EXPECT_THROW(runAll("topk", makeArgs({x, I({-1}, {1})})), EvalError);
  EXPECT_THROW(runAll("topk", makeArgs({x})), EvalError);
}

TEST(Reduction, LpNormalization) {
  Tensor x = F({3, 4, 0, 0}, {2, 2});
  expectNear(run1("lp_normalization", makeArgs({x})), {0.6, 0.8, 0, 0});
  KernelArgs p1 = makeArgs({F({1, 3, 2, 6}, {2, 2})});
  p1.attrs.set("p", int64_t(1));
  expectNear(run1("lp_normalization", p1), {0.25, 0.75, 0.25, 0.75});
  p1.attrs.set("axis", int64_t(0));
  expectNear(run1("lp_normalization", p1), {1.0 / 3, 1.0 / 3, 2.0 / 3, 2.0 / 3});
  p1.attrs.set("p", int64_t(3));
  EXPECT_THROW(run1("lp_normalization", p1), EvalError);
}
