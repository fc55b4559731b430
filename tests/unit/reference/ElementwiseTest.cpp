// Unit tests of the elementwise reference kernels (Elementwise.cpp).
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

Tensor B(std::vector<int64_t> v, Shape s) { return Tensor::fromInts(v, std::move(s), DType::Bool); }

Tensor run1(const std::string &op, std::vector<Tensor> in) { return run1(op, makeArgs(std::move(in))); }

void expectInts(const Tensor &t, const std::vector<int64_t> &want) {
  EXPECT_EQ(t.toInts(), want);
}

const double kPi = 3.14159265358979323846;

} // namespace

TEST(Elementwise, FloatUnaryMath) {
  struct Case {
    const char *op;
    std::vector<float> in;
    std::vector<double> out;
  };
  const std::vector<Case> cases = {
      {"exp", {0, 1, -1}, {1, 2.718281828, 0.3678794412}},
      {"log", {1, 2.718281828f, 10}, {0, 1, 2.302585093}},
      {"sqrt", {4, 0, 2}, {2, 0, 1.414213562}},
      {"reciprocal", {4, -0.5f}, {0.25, -2}},
      {"floor", {-1.5f, 1.5f, 2}, {-2, 1, 2}},
      {"ceil", {-1.5f, 1.2f, 2}, {-1, 2, 2}},
      // Round half to even.
      {"round", {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 2.4f}, {0, 2, 2, -0.0, -2, 2}},
      {"erf", {0, 1, -2}, {0, 0.8427007929, -0.9953222650}},
      {"tanh", {0, 1}, {0, 0.7615941560}},
      {"sigmoid", {0, 2, -1000}, {0.5, 0.8807970780, 0}},
      {"sin", {0, static_cast<float>(kPi / 2)}, {0, 1}},
      {"cos", {0, static_cast<float>(kPi)}, {1, -1}},
      {"tan", {0, static_cast<float>(kPi / 4)}, {0, 1}},
      {"asin", {1, 0}, {kPi / 2, 0}},
      {"acos", {1, 0}, {0, kPi / 2}},
      {"atan", {1, 0}, {kPi / 4, 0}},
      {"sinh", {1}, {1.1752011936}},
      {"cosh", {1}, {1.5430806348}},
      {"asinh", {1}, {0.8813735870}},
      {"acosh", {2}, {1.3169578969}},
      {"atanh", {0.5f}, {0.5493061443}},
      {"softplus", {0, 1, 100}, {0.6931471806, 1.3132616875, 100}},
      {"softsign", {1, -3}, {0.5, -0.75}},
      {"hard_swish", {1, -4, 4}, {0.6666666667, 0, 4}},
      {"mish", {1, 0}, {0.8650983882, 0}},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.op);
    Tensor r = run1(c.op, {F(c.in, {static_cast<int64_t>(c.in.size())})});
    EXPECT_EQ(r.dtype(), DType::F32);
    EXPECT_EQ(r.shape(), (Shape{static_cast<int64_t>(c.in.size())}));
    expectNear(r, c.out);
  }
}

TEST(Elementwise, RoundHalfToEvenKeepsSignOfZero) {
  Tensor r = run1("round", {F({-0.5f}, {1})});
  EXPECT_TRUE(std::signbit(r.getDouble(0)));
}

TEST(Elementwise, UnaryKeepsShapeAndDType) {
  Tensor x(DType::F64, {2, 1, 2});
  for (int i = 0; i < 4; ++i)
    x.setDouble(i, i);
  Tensor r = run1("exp", {x});
  EXPECT_EQ(r.dtype(), DType::F64);
  EXPECT_EQ(r.shape(), (Shape{2, 1, 2}));
  expectNear(r, {1, 2.718281828459045, 7.38905609893065, 20.085536923187668}, 1e-12);
}

TEST(Elementwise, HalfPrecisionUnary) {
  Tensor x = F({0.0f, 1.0f}, {2}).cast(DType::F16);
  Tensor r = run1("exp", {x});
  EXPECT_EQ(r.dtype(), DType::F16);
  expectNear(r, {1.0, 2.71875}, 1e-3); // e rounded to half
  Tensor xb = F({1.0f}, {1}).cast(DType::BF16);
  Tensor rb = run1("sigmoid", {xb});
  EXPECT_EQ(rb.dtype(), DType::BF16);
  expectNear(rb, {0.73046875}, 1e-6); // 0.7310586 rounded to bf16
}

TEST(Elementwise, FloatOnlyOpsRejectIntegers) {
  EXPECT_THROW(run1("exp", {I({1}, {1})}), EvalError);
  EXPECT_THROW(run1("sigmoid", {I({1}, {1}, DType::I32)}), EvalError);
  EXPECT_THROW(run1("isnan", {I({1}, {1})}), EvalError);
  EXPECT_THROW(run1("exp", std::vector<Tensor>{}), EvalError); // missing input
}

TEST(Elementwise, IntegerAwareUnary) {
  expectInts(run1("abs", {I({-3, 4, 0}, {3}, DType::I32)}), {3, 4, 0});
  expectInts(run1("neg", {I({-3, 4}, {2}, DType::I64)}), {3, -4});
  expectInts(run1("sign", {I({-7, 0, 9}, {3}, DType::I8)}), {-1, 0, 1});
  expectInts(run1("relu", {I({-7, 0, 9}, {3}, DType::I32)}), {0, 0, 9});
  // Floats through the same kernels.
  expectNear(run1("abs", {F({-1.5f, 2}, {2})}), {1.5, 2});
  expectNear(run1("neg", {F({-1.5f, 2}, {2})}), {1.5, -2});
  expectNear(run1("sign", {F({-0.1f, 0, 3, NAN}, {4})}), {-1, 0, 1, NAN});
  expectNear(run1("relu", {F({-1, 0.5f}, {2})}), {0, 0.5});
  // Integer floor/ceil/round are the identity.
  expectInts(run1("floor", {I({-3, 5}, {2}, DType::I32)}), {-3, 5});
  expectInts(run1("round", {I({(int64_t(1) << 60) + 1}, {1})}), {(int64_t(1) << 60) + 1});
  // Bool is not numeric.
  EXPECT_THROW(run1("abs", {B({1}, {1})}), EvalError);
}

TEST(Elementwise, ActivationsWithAttributes) {
  {
    KernelArgs a = makeArgs({F({-1, 0, 2}, {3})});
    a.attrs.set("alpha", 2.0);
    expectNear(run1("elu", a), {2 * (std::exp(-1.0) - 1), 0, 2});
  }
  // ONNX example: elu default alpha 1.
  expectNear(run1("elu", {F({-1, 0, 1}, {3})}), {-0.63212055, 0, 1});
  // ONNX example: selu(alpha=2, gamma=3) of [-1, 0, 1] = [-3.79272318, 0, 3].
  {
    KernelArgs a = makeArgs({F({-1, 0, 1}, {3})});
    a.attrs.set("alpha", 2.0);
    a.attrs.set("gamma", 3.0);
    expectNear(run1("selu", a), {-3.79272318, 0, 3});
  }
  expectNear(run1("selu", {F({-1, 2}, {2})}), {-1.1113307, 2.1014020});
  {
    KernelArgs a = makeArgs({F({-1, 3}, {2})});
    a.attrs.set("alpha", 2.0);
    expectNear(run1("celu", a), {2 * (std::exp(-0.5) - 1), 3});
  }
  {
    KernelArgs a = makeArgs({F({-2, 3}, {2})});
    a.attrs.set("alpha", 0.1);
    expectNear(run1("leaky_relu", a), {-0.2, 3});
  }
  expectNear(run1("leaky_relu", {F({-1}, {1})}), {-0.01}); // default alpha
  expectNear(run1("thresholded_relu", {F({0.5f, 1, 2}, {3})}), {0, 0, 2});
  {
    KernelArgs a = makeArgs({F({-1, 0, 1}, {3})});
    a.attrs.set("alpha", 0.5);
    a.attrs.set("beta", 0.6);
    // ONNX example: clip(0.5x + 0.6, 0, 1) = [0.1, 0.6, 1].
    expectNear(run1("hard_sigmoid", a), {0.1, 0.6, 1});
  }
  expectNear(run1("hard_sigmoid", {F({1, -3, 3}, {3})}), {0.7, 0, 1});
  expectNear(run1("gelu", {F({1, -1, 0}, {3})}), {0.8413447461, -0.1586552539, 0});
  {
    KernelArgs a = makeArgs({F({1, -1}, {2})});
    a.attrs.set("approximate", std::string("tanh"));
    expectNear(run1("gelu", a), {0.8411919906, -0.1588080094});
    a.attrs.set("approximate", std::string("fast"));
    EXPECT_THROW(run1("gelu", a), EvalError);
  }
  {
    KernelArgs a = makeArgs({F({-2, -1, 0, 1, 2}, {5})});
    a.attrs.set("lambd", 1.5);
    a.attrs.set("bias", 0.5);
    expectNear(run1("shrink", a), {-1.5, 0, 0, 0, 1.5});
  }
  // Swish: x * sigmoid(alpha * x), alpha default 1.
  expectNear(run1("swish", {F({1, -2, 0}, {3})}), {0.7310585786, -0.2384058440, 0});
  {
    KernelArgs a = makeArgs({F({1}, {1})});
    a.attrs.set("alpha", 2.0);
    expectNear(run1("swish", a), {0.8807970780});
  }
  // Shrink default lambd 0.5, bias 0 (hard shrink).
  expectNear(run1("shrink", {F({-1, 0.4f, 1}, {3})}), {-1, 0, 1});
}

TEST(Elementwise, PredicatesAndLogicalUnary) {
  Tensor x = F({1, NAN, INFINITY, -INFINITY}, {4});
  Tensor n = run1("isnan", {x});
  EXPECT_EQ(n.dtype(), DType::Bool);
  expectInts(n, {0, 1, 0, 0});
  expectInts(run1("isinf", {x}), {0, 0, 1, 1});
  KernelArgs a = makeArgs({x});
  a.attrs.set("detect_negative", int64_t(0));
  expectInts(run1("isinf", a), {0, 0, 1, 0});
  a.attrs.set("detect_negative", int64_t(1));
  a.attrs.set("detect_positive", int64_t(0));
  expectInts(run1("isinf", a), {0, 0, 0, 1});

  Tensor nb = run1("not", {B({1, 0, 1}, {3})});
  EXPECT_EQ(nb.dtype(), DType::Bool);
  expectInts(nb, {0, 1, 0});
  EXPECT_THROW(run1("not", {F({1}, {1})}), EvalError);

  expectInts(run1("bitwise_not", {I({5, -1, 0}, {3}, DType::I8)}), {-6, 0, -1});
  expectInts(run1("bitwise_not", {I({0, 255, 15}, {3}, DType::U8)}), {255, 0, 240});
  EXPECT_THROW(run1("bitwise_not", {F({1}, {1})}), EvalError);
}

TEST(Elementwise, IdentityReturnsInput) {
  Tensor x = I({1, 2, 3}, {3}, DType::U16);
  Tensor r = run1("identity", {x});
  EXPECT_EQ(r.dtype(), DType::U16);
  expectInts(r, {1, 2, 3});
}

TEST(Elementwise, AddSubMulWithBroadcasting) {
  Tensor a = F({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor r = run1("add", {a, F({10, 20, 30}, {3})});
  EXPECT_EQ(r.shape(), (Shape{2, 3}));
  expectNear(r, {11, 22, 33, 14, 25, 36});
  // [2,1] op [1,3] -> [2,3]
  Tensor c = run1("sub", {F({10, 20}, {2, 1}), F({1, 2, 3}, {1, 3})});
  EXPECT_EQ(c.shape(), (Shape{2, 3}));
  expectNear(c, {9, 8, 7, 19, 18, 17});
  // Scalar operand on either side.
  expectNear(run1("mul", {Tensor::scalarF32(2), a}), {2, 4, 6, 8, 10, 12});
  expectNear(run1("sub", {a, Tensor::scalarF32(1)}), {0, 1, 2, 3, 4, 5});
  // Rank-3 broadcast through the generic iterator: [2,1,2] * [3,1].
  Tensor m = run1("mul", {F({1, 2, 3, 4}, {2, 1, 2}), F({1, 10, 100}, {3, 1})});
  EXPECT_EQ(m.shape(), (Shape{2, 3, 2}));
  expectNear(m, {1, 2, 10, 20, 100, 200, 3, 4, 30, 40, 300, 400});
  // Integers, with wrap-around.
  expectInts(run1("add", {I({100, -5}, {2}, DType::I8), I({100, 3}, {2}, DType::I8)}),
             {-56, -2});
  expectInts(run1("mul", {I({3, -4}, {2}, DType::I32), I({5}, {1}, DType::I32)}), {15, -20});
  // float16 result is float16.
  Tensor h = run1("add", {F({1.5f}, {1}).cast(DType::F16), F({2.25f}, {1}).cast(DType::F16)});
  EXPECT_EQ(h.dtype(), DType::F16);
  expectNear(h, {3.75});
}

TEST(Elementwise, BinaryErrors) {
  EXPECT_THROW(run1("add", {F({1, 2}, {2}), F({1, 2, 3}, {3})}), EvalError);
  EXPECT_THROW(run1("add", {F({1}, {1}), I({1}, {1})}), EvalError);
  EXPECT_THROW(run1("add", {F({1}, {1})}), EvalError);
  EXPECT_THROW(run1("add", {B({1}, {1}), B({1}, {1})}), EvalError);
}

TEST(Elementwise, EmptyTensors) {
  Tensor e(DType::F32, {0, 3});
  Tensor r = run1("add", {e, F({1, 2, 3}, {3})});
  EXPECT_EQ(r.shape(), (Shape{0, 3}));
  Tensor u = run1("relu", {e});
  EXPECT_EQ(u.shape(), (Shape{0, 3}));
}

TEST(Elementwise, Div) {
  expectNear(run1("div", {F({3, 4}, {2}), F({2, 8}, {2})}), {1.5, 0.5});
  expectNear(run1("div", {F({1, -1}, {2}), F({0}, {1})}), {INFINITY, -INFINITY});
  // Integers truncate toward zero, like C.
  expectInts(run1("div", {I({7, -7, 7, -7}, {4}, DType::I32), I({2, 2, -2, -2}, {4}, DType::I32)}),
             {3, -3, -3, 3});
  expectInts(run1("div", {I({std::numeric_limits<int64_t>::min()}, {1}), I({-1}, {1})}),
             {std::numeric_limits<int64_t>::min()});
  EXPECT_THROW(run1("div", {I({1}, {1}), I({0}, {1})}), EvalError);
}

TEST(Elementwise, Mod) {
  // fmod = 0 on integers: Python sign rules (sign of the divisor).
  Tensor x = I({-4, 7, 5, -7}, {4}, DType::I32);
  Tensor y = I({3, -3, 3, -3}, {4}, DType::I32);
  expectInts(run1("mod", {x, y}), {2, -2, 2, -1});
  KernelArgs a = makeArgs({x, y});
  a.attrs.set("fmod", int64_t(1));
  expectInts(run1("mod", a), {-1, 1, 2, -1});
  // ONNX example test_mod_mixed_sign_float32 (fmod = 1).
  KernelArgs f = makeArgs({F({-4.3f, 7.2f, 5.0f, 4.3f, -7.2f, 8.0f}, {6}),
                       F({2.1f, -3.4f, 8.0f, -2.1f, 3.4f, 5.0f}, {6})});
  f.attrs.set("fmod", int64_t(1));
  expectNear(run1("mod", f), {-0.1, 0.4, 5.0, 0.1, -0.4, 3.0}, 1e-4);
  // Unsigned and broadcast.
  expectInts(run1("mod", {I({10, 11, 12}, {3}, DType::U8), I({4}, {1}, DType::U8)}), {2, 3, 0});
  EXPECT_THROW(run1("mod", {I({1}, {1}), I({0}, {1})}), EvalError);
}

TEST(Elementwise, Pow) {
  expectNear(run1("pow", {F({1, 2, 3}, {3}), F({4, 5, 6}, {3})}), {1, 32, 729});
  // ONNX test_pow_bcast_array: [[1,2,3],[4,5,6]] ^ [1,2,3].
  expectNear(run1("pow", {F({1, 2, 3, 4, 5, 6}, {2, 3}), F({1, 2, 3}, {3})}),
             {1, 4, 27, 4, 25, 216});
  // Integer base, float exponent: result has the base dtype.
  Tensor r = run1("pow", {I({4, 9, 2}, {3}, DType::I32), F({0.5f, 0.5f, 3}, {3})});
  EXPECT_EQ(r.dtype(), DType::I32);
  expectInts(r, {2, 3, 8});
  // Float base, integer exponent.
  Tensor q = run1("pow", {F({2, 3}, {2}), I({3, -1}, {2})});
  EXPECT_EQ(q.dtype(), DType::F32);
  expectNear(q, {8, 1.0 / 3});
  // Integer ** integer is exact.
  expectInts(run1("pow", {I({3}, {1}), I({39}, {1})}), {4052555153018976267LL});
}

TEST(Elementwise, VariadicMinMaxSumMean) {
  Tensor a = F({3, 2, 1}, {3}), b = F({1, 4, 4}, {3}), c = F({2, 5, 3}, {3});
  expectNear(run1("max", {a, b, c}), {3, 5, 4});
  expectNear(run1("min", {a, b, c}), {1, 2, 1});
  expectNear(run1("sum", {a, b, c}), {6, 11, 8});
  expectNear(run1("mean", {a, b, c}), {2, 11.0 / 3, 8.0 / 3});
  // One input: the input itself.
  expectNear(run1("max", {a}), {3, 2, 1});
  expectNear(run1("mean", {a}), {3, 2, 1});
  // Broadcasting across inputs.
  Tensor m = run1("max", {F({1, 2, 3, 4}, {2, 2}), F({2.5f}, {1}), F({0, 3}, {2})});
  EXPECT_EQ(m.shape(), (Shape{2, 2}));
  expectNear(m, {2.5, 3, 3, 4});
  // NaN propagates.
  expectNear(run1("min", {F({NAN, 1}, {2}), F({0, NAN}, {2})}), {NAN, NAN});
  // Integers.
  expectInts(run1("max", {I({1, -5}, {2}, DType::I16), I({0, -1}, {2}, DType::I16)}), {1, -1});
  expectInts(run1("sum", {I({1, 2}, {2}, DType::U32), I({3, 4}, {2}, DType::U32)}), {4, 6});
  // Errors.
  EXPECT_THROW(run1("sum", std::vector<Tensor>{}), EvalError);
  EXPECT_THROW(run1("max", {a, I({1}, {1})}), EvalError);
  EXPECT_THROW(run1("min", {F({1, 2}, {2}), F({1, 2, 3}, {3})}), EvalError);
}

TEST(Elementwise, Comparisons) {
  Tensor x = F({1, 2, 3}, {3}), y = F({2, 2, 2}, {3});
  Tensor eq = run1("equal", {x, y});
  EXPECT_EQ(eq.dtype(), DType::Bool);
  expectInts(eq, {0, 1, 0});
  expectInts(run1("less", {x, y}), {1, 0, 0});
  expectInts(run1("less_or_equal", {x, y}), {1, 1, 0});
  expectInts(run1("greater", {x, y}), {0, 0, 1});
  expectInts(run1("greater_or_equal", {x, y}), {0, 1, 1});
  // Broadcast and integer / bool operands.
  Tensor g = run1("greater", {I({1, 5, 2, 7}, {2, 2}, DType::I32), I({3}, {1}, DType::I32)});
  EXPECT_EQ(g.shape(), (Shape{2, 2}));
  expectInts(g, {0, 1, 0, 1});
  expectInts(run1("equal", {B({1, 0}, {2}), B({1, 1}, {2})}), {1, 0});
  // NaN compares unequal.
  expectInts(run1("equal", {F({NAN}, {1}), F({NAN}, {1})}), {0});
  EXPECT_THROW(run1("less", {x, I({1}, {1})}), EvalError);
}

TEST(Elementwise, LogicalOps) {
  Tensor a = B({1, 1, 0, 0}, {2, 2});
  Tensor b = B({1, 0}, {2});
  Tensor r = run1("and", {a, b});
  EXPECT_EQ(r.dtype(), DType::Bool);
  EXPECT_EQ(r.shape(), (Shape{2, 2}));
  expectInts(r, {1, 0, 0, 0});
  expectInts(run1("or", {a, b}), {1, 1, 1, 0});
  expectInts(run1("xor", {a, b}), {0, 1, 1, 0});
  EXPECT_THROW(run1("and", {a, I({1}, {1})}), EvalError);
}

TEST(Elementwise, BitwiseAndShift) {
  Tensor x = I({12, 10, -1}, {3}, DType::I32), y = I({10, 6, 5}, {3}, DType::I32);
  expectInts(run1("bitwise_and", {x, y}), {8, 2, 5});
  expectInts(run1("bitwise_or", {x, y}), {14, 14, -1});
  expectInts(run1("bitwise_xor", {x, y}), {6, 12, -6});
  EXPECT_THROW(run1("bitwise_and", {F({1}, {1}), F({1}, {1})}), EvalError);

  KernelArgs l = makeArgs({I({1, 2, 255}, {3}, DType::U8), I({1, 2, 1}, {3}, DType::U8)});
  l.attrs.set("direction", std::string("LEFT"));
  expectInts(run1("bit_shift", l), {2, 8, 254});
  // ONNX example test_bitshift_right_uint32: [16, 4, 1] >> [1, 2, 3].
  KernelArgs rr = makeArgs({I({16, 4, 1}, {3}, DType::U32), I({1, 2, 3}, {3}, DType::U32)});
  rr.attrs.set("direction", std::string("RIGHT"));
  expectInts(run1("bit_shift", rr), {8, 1, 0});
  // Shifting by the bit width or more gives 0.
  KernelArgs big = makeArgs({I({1}, {1}, DType::U16), I({16}, {1}, DType::U16)});
  big.attrs.set("direction", std::string("LEFT"));
  expectInts(run1("bit_shift", big), {0});
  big.attrs.set("direction", std::string("UP"));
  EXPECT_THROW(run1("bit_shift", big), EvalError);
  KernelArgs none = makeArgs({I({1}, {1}, DType::U8), I({1}, {1}, DType::U8)});
  EXPECT_THROW(run1("bit_shift", none), EvalError); // direction is required
}

TEST(Elementwise, PRelu) {
  Tensor x = F({-1, 2, -3, 4, -5, 6}, {2, 3});
  expectNear(run1("prelu", {x, F({0.1f, 0.2f, 0.3f}, {3})}), {-0.1, 2, -0.9, 4, -1.0, 6});
  expectNear(run1("prelu", {x, F({0.5f}, {1})}), {-0.5, 2, -1.5, 4, -2.5, 6});
  expectInts(run1("prelu", {I({-4, 4}, {2}, DType::I32), I({2}, {1}, DType::I32)}), {-8, 4});
  // Slope must broadcast to X's shape (unidirectionally).
  EXPECT_THROW(run1("prelu", {F({-1}, {1}), F({1, 2}, {2})}), EvalError);
  EXPECT_THROW(run1("prelu", {x, F({1, 2}, {2})}), EvalError);
}

TEST(Elementwise, Where) {
  Tensor c = B({1, 0}, {2, 1});
  Tensor x = F({1, 2, 3}, {1, 3});
  Tensor y = Tensor::scalarF32(-1);
  Tensor r = run1("where", {c, x, y});
  EXPECT_EQ(r.shape(), (Shape{2, 3}));
  EXPECT_EQ(r.dtype(), DType::F32);
  expectNear(r, {1, 2, 3, -1, -1, -1});
  // ONNX example test_where_example.
  expectNear(run1("where", {B({1, 0, 1, 1}, {2, 2}), F({1, 2, 3, 4}, {2, 2}),
                            F({9, 8, 7, 6}, {2, 2})}),
             {1, 8, 3, 4});
  // Any dtype, including float16 and int64.
  Tensor h = run1("where", {B({0, 1}, {2}), F({1, 2}, {2}).cast(DType::F16),
                            F({5, 6}, {2}).cast(DType::F16)});
  EXPECT_EQ(h.dtype(), DType::F16);
  expectNear(h, {5, 2});
  expectInts(run1("where", {B({1, 0}, {2}), I({7, 8}, {2}), I({-7, -8}, {2})}), {7, -8});
  EXPECT_THROW(run1("where", {I({1}, {1}), x, x}), EvalError);
  EXPECT_THROW(run1("where", {B({1}, {1}), x, I({1}, {1})}), EvalError);
  EXPECT_THROW(run1("where", {B({1, 0}, {2}), F({1, 2, 3}, {3}), y}), EvalError);
}

TEST(Elementwise, Clip) {
  Tensor x = F({-2, 0, 2, NAN}, {4});
  expectNear(run1("clip", {x, Tensor::scalarF32(-1), Tensor::scalarF32(1)}), {-1, 0, 1, NAN});
  expectNear(run1("clip", {x, Tensor::scalarF32(-1)}), {-1, 0, 2, NAN});       // min only
  expectNear(run1("clip", {x, Tensor(), Tensor::scalarF32(1)}), {-2, 0, 1, NAN}); // max only
  expectNear(run1("clip", {x}), {-2, 0, 2, NAN});                               // neither
  // min > max: everything becomes max (numpy.clip).
  expectNear(run1("clip", {F({-5, 0, 5}, {3}), Tensor::scalarF32(2), Tensor::scalarF32(1)}),
             {1, 1, 1});
  Tensor lo = I({0}, {}, DType::I32), hi = I({10}, {}, DType::I32);
  expectInts(run1("clip", {I({-5, 5, 50}, {3}, DType::I32), lo, hi}), {0, 5, 10});
  expectInts(run1("clip", {I({-5, 5, 50}, {3}, DType::U8).cast(DType::U8), Tensor(),
                           I({7}, {}, DType::U8)}),
             {7, 5, 7}); // -5 wraps to 251 in uint8
  EXPECT_THROW(run1("clip", {x, F({0, 1}, {2})}), EvalError);
  EXPECT_THROW(run1("clip", {x, lo}), EvalError);
}

TEST(Elementwise, CastAndCastLike) {
  Tensor x = F({1.7f, -1.7f, 0.0f, NAN}, {2, 2});
  KernelArgs a = makeArgs({x});
  a.attrs.set("to", int64_t(6)); // INT32
  Tensor i = run1("cast", a);
  EXPECT_EQ(i.dtype(), DType::I32);
  EXPECT_EQ(i.shape(), (Shape{2, 2}));
  expectInts(i, {1, -1, 0, 0});
  a.attrs.set("to", int64_t(9)); // BOOL
  Tensor b = run1("cast", a);
  EXPECT_EQ(b.dtype(), DType::Bool);
  expectInts(b, {1, 1, 0, 1});
  a.attrs.set("to", int64_t(10)); // FLOAT16
  Tensor h = run1("cast", a);
  EXPECT_EQ(h.dtype(), DType::F16);
  expectNear(h, {1.7001953125, -1.7001953125, 0, NAN});
  a.attrs.set("to", int64_t(17)); // FLOAT8E4M3FN: not supported
  EXPECT_THROW(run1("cast", a), EvalError);
  KernelArgs noTo = makeArgs({x});
  EXPECT_THROW(run1("cast", noTo), EvalError);

  Tensor l = run1("cast_like", {I({3, -2}, {2}, DType::I8), Tensor(DType::F64, {0})});
  EXPECT_EQ(l.dtype(), DType::F64);
  expectNear(l, {3, -2});
  EXPECT_THROW(run1("cast_like", {x}), EvalError);
}
