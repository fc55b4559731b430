// Unit tests of the neural-net reference kernels: conv, pools, normalizations.
#include "TestUtil.h"
#include "reference/Kernel.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace txc::ref;

namespace {

using testutil::F;
using testutil::expectValues;
using testutil::runOp;
using testutil::runOp1;

Tensor iota(Shape s, float start = 0) {
  std::vector<float> v(numElements(s));
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = start + static_cast<float>(i);
  return F(v, s);
}

Attrs ints(std::initializer_list<std::pair<const char *, std::vector<int64_t>>> l) {
  Attrs a;
  for (auto &p : l)
    a.set(p.first, p.second);
  return a;
}

} // namespace

// From ONNX test_basic_conv_{with,without}_padding: X = 0..24 (5x5), W = 1.
TEST(NN, ConvBasic) {
  Tensor x = iota({1, 1, 5, 5}), w = F(std::vector<float>(9, 1.0f), {1, 1, 3, 3});
  Tensor y = runOp1("conv", {x, w}, ints({{"kernel_shape", {3, 3}}}));
  EXPECT_EQ(y.shape(), (Shape{1, 1, 3, 3}));
  expectValues(y, {54, 63, 72, 99, 108, 117, 144, 153, 162});
  Tensor yp = runOp1("conv", {x, w}, ints({{"pads", {1, 1, 1, 1}}}));
  EXPECT_EQ(yp.shape(), (Shape{1, 1, 5, 5}));
  expectValues(yp, {12, 21, 27, 33, 24, 33, 54, 63, 72, 51, 63, 99, 108,
                    117, 81, 93, 144, 153, 162, 111, 72, 111, 117, 123, 84});
}

TEST(NN, ConvStridesBiasGroupsDilation) {
  Tensor x = iota({1, 1, 5, 5}), w = F(std::vector<float>(9, 1.0f), {1, 1, 3, 3});
  // ONNX test_conv_with_strides_padding.
  Tensor y = runOp1("conv", {x, w}, ints({{"pads", {1, 1, 1, 1}}, {"strides", {2, 2}}}));
  expectValues(y, {12, 27, 24, 63, 108, 81, 72, 117, 84});
  // Bias and SAME_UPPER (output = ceil(5/2) = 3, same as above).
  Attrs same = ints({{"strides", {2, 2}}});
  same.set("auto_pad", std::string("SAME_UPPER"));
  Tensor yb = runOp1("conv", {x, w, F({1}, {1})}, same);
  expectValues(yb, {13, 28, 25, 64, 109, 82, 73, 118, 85});
  // Depthwise 1-D conv (group = 2) with dilation 2: y[c][i] = x[i] + x[i+2].
  Tensor x1 = F({1, 2, 3, 4, 10, 20, 30, 40}, {1, 2, 4});
  Tensor w1 = F({1, 1, 1, -1}, {2, 1, 2});
  Attrs g;
  g.set("group", int64_t(2));
  g.set("dilations", std::vector<int64_t>{2});
  Tensor y1 = runOp1("conv", {x1, w1}, g);
  EXPECT_EQ(y1.shape(), (Shape{1, 2, 2}));
  expectValues(y1, {4, 6, -20, -20});
}

TEST(NN, Conv3D) {
  Tensor x = iota({1, 1, 2, 2, 2}), w = F(std::vector<float>(8, 1.0f), {1, 1, 2, 2, 2});
  Tensor y = runOp1("conv", {x, w});
  EXPECT_EQ(y.shape(), (Shape{1, 1, 1, 1, 1}));
  expectValues(y, {28});
}

TEST(NN, ConvErrors) {
  Tensor x = iota({1, 2, 3, 3});
  EXPECT_THROW(runOp1("conv", {x, iota({1, 3, 2, 2})}), EvalError); // channels
  EXPECT_THROW(runOp1("conv", {x, iota({1, 2, 4, 4})}), EvalError); // kernel too big
  EXPECT_THROW(runOp1("conv", {x, iota({1, 2, 2})}), EvalError);    // rank
  Attrs g;
  g.set("group", int64_t(3));
  EXPECT_THROW(runOp1("conv", {x, iota({3, 1, 1, 1})}, g), EvalError);
  Attrs bad;
  bad.set("auto_pad", std::string("SIDEWAYS"));
  EXPECT_THROW(runOp1("conv", {x, iota({1, 2, 1, 1})}, bad), EvalError);
  EXPECT_THROW(runOp1("conv", {x, iota({1, 2, 1, 1}), F({1, 2}, {2})}), EvalError);
}

TEST(NN, ConvTranspose) {
  // 1-D: y = sum of shifted copies of the kernel.
  Tensor x = F({1, 2}, {1, 1, 2}), w = F({1, 1, 1}, {1, 1, 3});
  expectValues(runOp1("conv_transpose", {x, w}), {1, 3, 3, 2});
  // Stride 2 with bias, and output_padding adds a trailing output.
  Attrs s = ints({{"strides", {2}}});
  expectValues(runOp1("conv_transpose", {x, w, F({1}, {1})}, s), {2, 2, 4, 3, 3});
  Attrs sp = ints({{"strides", {2}}, {"output_padding", {1}}});
  expectValues(runOp1("conv_transpose", {x, w}, sp), {1, 1, 3, 2, 2, 0});
  // pads crop the output.
  Attrs p = ints({{"pads", {1, 1}}});
  expectValues(runOp1("conv_transpose", {x, w}, p), {3, 3});
  EXPECT_THROW(runOp1("conv_transpose", {x, F({1, 1, 1, 1, 1, 1}, {2, 1, 3})}), EvalError);
}

TEST(NN, MaxPoolWithIndices) {
  Tensor x = F({1, 5, 3, 4, 2, 6, 9, 0, 7}, {1, 1, 3, 3});
  Attrs a = ints({{"kernel_shape", {2, 2}}});
  auto r = runOp("max_pool", {x}, a, 2);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].shape(), (Shape{1, 1, 2, 2}));
  expectValues(r[0], {5, 6, 9, 7});
  EXPECT_EQ(r[1].dtype(), DType::I64);
  EXPECT_EQ(r[1].toInts(), (std::vector<int64_t>{1, 5, 6, 8}));
  // Column-major indices.
  a.set("storage_order", int64_t(1));
  EXPECT_EQ(runOp("max_pool", {x}, a, 2)[1].toInts(),
            (std::vector<int64_t>{3, 7, 2, 8}));
  // ceil_mode with stride 2: 3 -> 2 outputs; padding never wins.
  Attrs c = ints({{"kernel_shape", {2, 2}}, {"strides", {2, 2}}});
  c.set("ceil_mode", int64_t(1));
  expectValues(runOp1("max_pool", {F({-1, -2, -3, -4, -5, -6, -7, -8, -9}, {1, 1, 3, 3})}, c),
               {-1, -3, -7, -9});
  // uint8 input keeps its dtype.
  Tensor u = Tensor::fromInts({1, 200, 3, 4}, {1, 1, 2, 2}, DType::U8);
  Tensor yu = runOp1("max_pool", {u}, ints({{"kernel_shape", {2, 2}}}));
  EXPECT_EQ(yu.dtype(), DType::U8);
  EXPECT_EQ(yu.toInts(), (std::vector<int64_t>{200}));
}

TEST(NN, AveragePoolPadding) {
  Tensor x = F({1, 2, 3, 4}, {1, 1, 2, 2});
  Attrs a = ints({{"kernel_shape", {2, 2}}, {"pads", {1, 1, 1, 1}}, {"strides", {2, 2}}});
  // Windows: {1}, {2}, {3}, {4} when padding is not counted.
  expectValues(runOp1("average_pool", {x}, a), {1, 2, 3, 4});
  a.set("count_include_pad", int64_t(1));
  expectValues(runOp1("average_pool", {x}, a), {0.25, 0.5, 0.75, 1});
  // 1-D, default stride 1.
  expectValues(runOp1("average_pool", {F({1, 2, 3, 4}, {1, 1, 4})},
                    ints({{"kernel_shape", {2}}})),
               {1.5, 2.5, 3.5});
}

TEST(NN, LpAndGlobalPools) {
  Tensor x = F({3, 4, -6, 8}, {1, 1, 2, 2});
  Attrs a = ints({{"kernel_shape", {1, 2}}});
  expectValues(runOp1("lp_pool", {x}, a), {5, 10}); // p = 2
  a.set("p", int64_t(1));
  expectValues(runOp1("lp_pool", {x}, a), {7, 14});
  Tensor g = F({1, 2, 3, 4, 5, 6, 7, 8}, {1, 2, 2, 2});
  Tensor ga = runOp1("global_average_pool", {g});
  EXPECT_EQ(ga.shape(), (Shape{1, 2, 1, 1}));
  expectValues(ga, {2.5, 6.5});
  expectValues(runOp1("global_max_pool", {g}), {4, 8});
  EXPECT_THROW(runOp1("global_max_pool", {F({1, 2}, {2})}), EvalError);
  EXPECT_THROW(runOp1("max_pool", {x}), EvalError); // kernel_shape missing
}

TEST(NN, BatchNormalizationInference) {
  // ONNX test_batchnorm_example style: per-channel affine.
  Tensor x = F({-1, 0, 1, 2, 3, 4}, {1, 2, 3});
  Tensor s = F({1, 1.5}, {2}), b = F({0, 1}, {2});
  Tensor m = F({0, 3}, {2}), v = F({1, 1.5}, {2});
  auto r = runOp("batch_normalization", {x, s, b, m, v}, {}, 3);
  double i0 = 1 / std::sqrt(1 + 1e-5), i1 = 1 / std::sqrt(1.5 + 1e-5);
  expectValues(r[0], {-i0, 0, i0, -1.5 * i1 + 1, 1, 1.5 * i1 + 1});
  expectValues(r[1], {0, 3});
  expectValues(r[2], {1, 1.5});
}

TEST(NN, BatchNormalizationTraining) {
  Tensor x = F({1, 3, 2, 6}, {2, 1, 2}); // channel 0 values: 1,3,2,6
  Attrs a;
  a.set("training_mode", int64_t(1));
  a.set("epsilon", 0.0);
  auto r = runOp("batch_normalization",
                {x, F({1}, {1}), F({0}, {1}), F({10}, {1}), F({1}, {1})}, a, 3);
  // mean 3, population variance (4+0+1+9)/4 = 3.5
  double sd = std::sqrt(3.5);
  expectValues(r[0], {-2 / sd, 0, -1 / sd, 3 / sd});
  expectValues(r[1], {10 * 0.9 + 3 * 0.1});
  expectValues(r[2], {1 * 0.9 + 3.5 * 0.1});
  EXPECT_THROW(runOp("batch_normalization", {x, F({1, 1}, {2}), F({0}, {1}),
                                            F({0}, {1}), F({1}, {1})}),
               EvalError);
}

TEST(NN, InstanceNormalization) {
  Tensor x = F({1, 3, 10, 20}, {1, 2, 2});
  Tensor y = runOp1("instance_normalization", {x, F({1, 2}, {2}), F({0, 1}, {2})});
  double e = 1e-5;
  expectValues(y, {-1 / std::sqrt(1 + e), 1 / std::sqrt(1 + e),
                   -10 / std::sqrt(25 + e) + 1, 10 / std::sqrt(25 + e) + 1});
}

TEST(NN, LayerNormalization) {
  Tensor x = F({1, 2, 3, 4, 6, 8}, {2, 3});
  Tensor s = F({1, 2, 1}, {3}), b = F({0, 0, 1}, {3});
  Attrs a;
  a.set("epsilon", 0.0);
  auto r = runOp("layer_normalization", {x, s, b}, a, 3);
  double sd0 = std::sqrt(2.0 / 3), sd1 = std::sqrt(8.0 / 3);
  expectValues(r[0], {-1 / sd0, 0, 1 / sd0 + 1, -2 / sd1, 0, 2 / sd1 + 1});
  EXPECT_EQ(r[1].shape(), (Shape{2, 1}));
  EXPECT_EQ(r[1].dtype(), DType::F32);
  expectValues(r[1], {2, 6});
  expectValues(r[2], {1 / sd0, 1 / sd1});
  // axis = -2 normalizes everything; no bias input.
  Attrs all;
  all.set("axis", int64_t(-2));
  auto r2 = runOp("layer_normalization", {x, F({1}, {1})}, all, 3);
  EXPECT_EQ(r2[1].shape(), (Shape{1, 1}));
  expectValues(r2[1], {4});
  // float16 input: Y float16, statistics float32 (stash_type 1).
  auto rh = runOp("layer_normalization", {x.cast(DType::F16), s.cast(DType::F16)}, a, 3);
  EXPECT_EQ(rh[0].dtype(), DType::F16);
  EXPECT_EQ(rh[1].dtype(), DType::F32);
  expectValues(rh[0], {-1 / sd0, 0, 1 / sd0, -2 / sd1, 0, 2 / sd1}, 2e-3);
  Attrs badAxis;
  badAxis.set("axis", int64_t(2));
  EXPECT_THROW(runOp("layer_normalization", {x, s}, badAxis), EvalError);
  EXPECT_THROW(runOp("layer_normalization", {x, F({1, 2}, {2})}), EvalError);
}

TEST(NN, RmsNormalization) {
  Tensor x = F({3, 4, 1, 1}, {2, 2});
  Attrs a;
  a.set("epsilon", 0.0);
  Tensor y = runOp1("rms_normalization", {x, F({1, 2}, {2})}, a);
  double r0 = std::sqrt(12.5);
  expectValues(y, {3 / r0, 8 / r0, 1, 2});
  a.set("axis", int64_t(0));
  double r = std::sqrt(27.0 / 4);
  expectValues(runOp1("rms_normalization", {x, F({1}, {1})}, a),
               {3 / r, 4 / r, 1 / r, 1 / r});
}

TEST(NN, GroupNormalization) {
  // N=1, C=4, 1 spatial, 2 groups: {1,3} and {10,20}; per-channel affine.
  Tensor x = F({1, 3, 10, 20}, {1, 4, 1});
  Attrs a;
  a.set("num_groups", int64_t(2));
  a.set("epsilon", 0.0);
  Tensor y = runOp1("group_normalization",
                  {x, F({1, 2, 1, 1}, {4}), F({0, 0, 0, 5}, {4})}, a);
  expectValues(y, {-1, 2, -1, 6});
  a.set("num_groups", int64_t(3));
  EXPECT_THROW(runOp1("group_normalization",
                    {x, F({1, 2, 1, 1}, {4}), F({0, 0, 0, 5}, {4})}, a),
               EvalError);
}

TEST(NN, Lrn) {
  Tensor x = F({1, 2, 3}, {1, 3, 1});
  Attrs a;
  a.set("size", int64_t(3));
  a.set("alpha", 3.0);
  a.set("beta", 1.0);
  a.set("bias", 1.0);
  // square sums over neighbours: {1+4, 1+4+9, 4+9}; y = x / (1 + ss).
  expectValues(runOp1("lrn", {x}, a), {1.0 / 6, 2.0 / 15, 3.0 / 14});
}

TEST(NN, MeanVarianceNormalization) {
  Tensor x = F({1, 3, 5, 5}, {2, 1, 2});
  Attrs a;
  a.set("axes", std::vector<int64_t>{-1});
  expectValues(runOp1("mean_variance_normalization", {x}, a), {-1, 1, 0, 0}, 1e-6);
  // Default axes [0, 2, 3] on a 4-D input: mean 2, std 1 for channel 0.
  Tensor x4 = F({1, 3, 1, 3}, {2, 1, 1, 2});
  expectValues(runOp1("mean_variance_normalization", {x4}), {-1, 1, -1, 1}, 1e-6);
}

// ONNX test_maxunpool_export_{without,with}_output_shape.
TEST(NN, MaxUnpool) {
  Tensor x = F({1, 2, 3, 4}, {1, 1, 2, 2});
  Tensor idx = Tensor::fromInts({5, 7, 13, 15}, {1, 1, 2, 2});
  Attrs a = ints({{"kernel_shape", {2, 2}}, {"strides", {2, 2}}});
  Tensor y = runOp1("max_unpool", {x, idx}, a);
  EXPECT_EQ(y.shape(), (Shape{1, 1, 4, 4}));
  expectValues(y, {0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4});
  Tensor y5 = runOp1("max_unpool", {x, idx, Tensor::fromInts({1, 1, 5, 5}, {4})}, a);
  EXPECT_EQ(y5.shape(), (Shape{1, 1, 5, 5}));
  std::vector<double> want(25, 0.0);
  want[6] = 1;
  want[8] = 2;
  want[16] = 3;
  want[18] = 4;
  expectValues(y5, want);
  EXPECT_THROW(runOp1("max_unpool", {x, Tensor::fromInts({5, 7, 13, 16}, {1, 1, 2, 2})}, a),
               EvalError);
}
