// Unit tests of the attention reference kernels: attention, rotary_embedding.
#include "TestUtil.h"
#include "reference/Kernel.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace txc::ref;

namespace {

using testutil::F;
using testutil::expectValues;
using testutil::runOp;

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// Keys k0 = [1,0], k1 = [0,1]; values 1 and 3; head size 2.
const double kS = 1.0 / std::sqrt(2.0);
Tensor keys() { return F({1, 0, 0, 1}, {1, 1, 2, 2}); }
Tensor values() { return F({1, 3}, {1, 1, 2, 1}); }
// Query [1,0] scores [kS, 0]; query [0,1] scores [0, kS].
double yFirst() { return sigmoid(kS) * 1 + (1 - sigmoid(kS)) * 3; }
double ySecond() { return (1 - sigmoid(kS)) * 1 + sigmoid(kS) * 3; }

} // namespace

TEST(Attention, Basic4D) {
  auto r = runOp("attention", {F({1, 0}, {1, 1, 1, 2}), keys(), values()}, {}, 4);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].shape(), (Shape{1, 1, 1, 1}));
  expectValues(r[0], {yFirst()});
  EXPECT_EQ(r[1].shape(), (Shape{1, 1, 2, 2})); // present_key = K
  expectValues(r[1], {1, 0, 0, 1});
  expectValues(r[2], {1, 3});
  EXPECT_EQ(r[3].shape(), (Shape{1, 1, 1, 2})); // qk_matmul_output, mode 0
  expectValues(r[3], {kS, 0});
}

TEST(Attention, Causal) {
  Attrs a;
  a.set("is_causal", int64_t(1));
  Tensor y = runOp("attention", {F({1, 0, 0, 1}, {1, 1, 2, 2}), keys(), values()}, a)[0];
  expectValues(y, {1, ySecond()}); // query 0 sees key 0 only
}

TEST(Attention, CausalWithPast) {
  // past: key [0,0] value 5; new key [1,0] value 1; one query [1,0].
  Attrs a;
  a.set("is_causal", int64_t(1));
  auto r = runOp("attention",
                {F({1, 0}, {1, 1, 1, 2}), F({1, 0}, {1, 1, 1, 2}), F({1}, {1, 1, 1, 1}),
                 Tensor(), F({0, 0}, {1, 1, 1, 2}), F({5}, {1, 1, 1, 1})},
                a, 3);
  double p = sigmoid(kS); // scores [0, kS]: the query (at position 1) sees both
  expectValues(r[0], {5 * (1 - p) + 1 * p});
  EXPECT_EQ(r[1].shape(), (Shape{1, 1, 2, 2}));
  expectValues(r[1], {0, 0, 1, 0});
  expectValues(r[2], {5, 1});
}

TEST(Attention, Masks) {
  Tensor q = F({1, 0}, {1, 1, 1, 2});
  Tensor boolMask = Tensor::fromInts({1, 0}, {1, 2}, DType::Bool);
  expectValues(runOp("attention", {q, keys(), values(), boolMask})[0], {1});
  // Additive float mask.
  double y = runOp("attention", {q, keys(), values(), F({0, 1}, {2})})[0].getDouble(0);
  double p = sigmoid(kS - 1);
  EXPECT_NEAR(y, p * 1 + (1 - p) * 3, 1e-6);
  // A mask shorter than the total length is padded with "masked".
  expectValues(runOp("attention", {q, keys(), values(), F({0}, {1, 1})})[0], {1});
  // nonpad_kv_seqlen = 1 hides key 1.
  expectValues(runOp("attention", {q, keys(), values(), Tensor(), Tensor(), Tensor(),
                                  Tensor::fromInts({1}, {1})})[0],
               {1});
  // A fully masked row is NaN, as softmax over all -inf is in ONNX.
  Tensor none = Tensor::fromInts({0, 0}, {2}, DType::Bool);
  EXPECT_TRUE(std::isnan(runOp("attention", {q, keys(), values(), none})[0].getDouble(0)));
}

TEST(Attention, GroupedQueryAnd3D) {
  // Two query heads sharing one kv head.
  Tensor q4 = F({1, 0, 0, 1}, {1, 2, 1, 2});
  Tensor y4 = runOp("attention", {q4, keys(), values()})[0];
  EXPECT_EQ(y4.shape(), (Shape{1, 2, 1, 1}));
  expectValues(y4, {yFirst(), ySecond()});
  // The same in 3-D layout: [batch, seq, heads * head_size].
  Attrs a;
  a.set("q_num_heads", int64_t(2));
  a.set("kv_num_heads", int64_t(1));
  auto r = runOp("attention", {F({1, 0, 0, 1}, {1, 1, 4}), F({1, 0, 0, 1}, {1, 2, 2}),
                              F({1, 3}, {1, 2, 1})},
                a, 3);
  EXPECT_EQ(r[0].shape(), (Shape{1, 1, 2}));
  expectValues(r[0], {yFirst(), ySecond()});
  EXPECT_EQ(r[1].shape(), (Shape{1, 1, 2, 2})); // present_key is 4-D
  // float16 in, float16 out.
  Tensor yh = runOp("attention", {q4.cast(DType::F16), keys().cast(DType::F16),
                                 values().cast(DType::F16)})[0];
  EXPECT_EQ(yh.dtype(), DType::F16);
  expectValues(yh, {yFirst(), ySecond()}, 2e-3);
}

TEST(Attention, ScaleSoftcapAndQkOutputModes) {
  Tensor q = F({1, 0}, {1, 1, 1, 2});
  Tensor mask = F({0, -1}, {2});
  double c = 0.5 * std::tanh(2.0); // softcap 0.5 of score 1
  auto qkOut = [&](int64_t mode) {
    Attrs a;
    a.set("scale", 1.0);
    a.set("softcap", 0.5);
    a.set("qk_matmul_output_mode", mode);
    return runOp("attention", {q, keys(), values(), mask}, a, 4);
  };
  expectValues(qkOut(0)[3], {1, 0});
  expectValues(qkOut(1)[3], {c, 0});
  expectValues(qkOut(2)[3], {c, -1});
  double p = sigmoid(c + 1);
  auto r3 = qkOut(3);
  expectValues(r3[3], {p, 1 - p});
  expectValues(r3[0], {p * 1 + (1 - p) * 3});
}

TEST(Attention, Errors) {
  Tensor q = F({1, 0}, {1, 1, 1, 2});
  // 3 query heads cannot share 2 kv heads.
  EXPECT_THROW(runOp("attention", {Tensor(DType::F32, {1, 3, 1, 2}),
                                  Tensor(DType::F32, {1, 2, 2, 2}),
                                  Tensor(DType::F32, {1, 2, 2, 1})}),
               EvalError);
  // 3-D input without head counts.
  EXPECT_THROW(runOp("attention", {F({1, 0}, {1, 1, 2}), F({1, 0}, {1, 1, 2}),
                                  F({1, 0}, {1, 1, 2})}),
               EvalError);
  // Head-size mismatch between Q and K.
  EXPECT_THROW(runOp("attention", {q, Tensor(DType::F32, {1, 1, 2, 3}), values()}),
               EvalError);
  // Mask with a wrong query dimension, or longer than the total length.
  EXPECT_THROW(runOp("attention", {q, keys(), values(), F({0, 0, 0, 0}, {2, 2})}),
               EvalError);
  EXPECT_THROW(runOp("attention", {q, keys(), values(), F({0, 0, 0}, {3})}), EvalError);
  // past_key without past_value.
  EXPECT_THROW(runOp("attention", {q, keys(), values(), Tensor(), F({0, 0}, {1, 1, 1, 2})}),
               EvalError);
  EXPECT_THROW(runOp("attention", {q, keys()}), EvalError);
}

TEST(Attention, RotaryEmbedding) {
  Tensor x = F({1, 2, 3, 4}, {1, 1, 1, 4});
  Tensor cosC = F({1, 1, 0.6f, 0}, {2, 2}), sinC = F({0, 0, 0.8f, 1}, {2, 2});
  Tensor pos1 = Tensor::fromInts({1}, {1, 1});
  Tensor y = runOp("rotary_embedding", {x, cosC, sinC, pos1})[0];
  EXPECT_EQ(y.shape(), x.shape());
  expectValues(y, {-1.8, -4, 2.6, 2});
  // Position 0 (cos 1, sin 0) is the identity.
  expectValues(runOp("rotary_embedding", {x, cosC, sinC, Tensor::fromInts({0}, {1, 1})})[0],
               {1, 2, 3, 4});
  Attrs inter;
  inter.set("interleaved", int64_t(1));
  expectValues(runOp("rotary_embedding", {x, cosC, sinC, pos1}, inter)[0], {-1, 2, -4, 3});
  // Rotate only the first two dims (rotary_embedding_dim = 2).
  Attrs part;
  part.set("rotary_embedding_dim", int64_t(2));
  expectValues(runOp("rotary_embedding", {x, cosC, sinC, pos1}, part)[0], {-1, 2, 3, 4});
}

TEST(Attention, RotaryEmbedding3DAndNoPositionIds) {
  Attrs a;
  a.set("num_heads", int64_t(2));
  Tensor x = F({1, 2, 3, 4, 1, 2, 3, 4}, {1, 1, 8});
  // Caches given per [batch, seq] when position_ids is absent.
  Tensor cosC = F({0.6f, 0}, {1, 1, 2}), sinC = F({0.8f, 1}, {1, 1, 2});
  Tensor y = runOp("rotary_embedding", {x, cosC, sinC}, a)[0];
  EXPECT_EQ(y.shape(), (Shape{1, 1, 8}));
  expectValues(y, {-1.8, -4, 2.6, 2, -1.8, -4, 2.6, 2});
}

TEST(Attention, RotaryEmbeddingErrors) {
  Tensor x = F({1, 2, 3, 4}, {1, 1, 1, 4});
  Tensor cosC = F({1, 1, 0.6f, 0}, {2, 2}), sinC = F({0, 0, 0.8f, 1}, {2, 2});
  EXPECT_THROW(runOp("rotary_embedding", {x, cosC, sinC, Tensor::fromInts({2}, {1, 1})}),
               EvalError);
  EXPECT_THROW(runOp("rotary_embedding", {F({1, 2, 3, 4}, {1, 1, 4}), cosC, sinC,
                                         Tensor::fromInts({0}, {1, 1})}),
               EvalError); // 3-D without num_heads
  Attrs odd;
  odd.set("rotary_embedding_dim", int64_t(3));
  EXPECT_THROW(runOp("rotary_embedding", {x, cosC, sinC, Tensor::fromInts({0}, {1, 1})}, odd),
               EvalError);
  EXPECT_THROW(runOp("rotary_embedding", {x, cosC, sinC}), EvalError); // 2-D cache, no ids
}
