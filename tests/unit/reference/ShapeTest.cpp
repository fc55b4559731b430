//===- ShapeTest.cpp - Reference shape-manipulation kernels ---------------===//

#include "TestUtil.h"
#include "reference/Kernel.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

using namespace txc::ref;

namespace {

using testutil::i64;
using testutil::iota;
using testutil::makeArgs;
using testutil::run1;

using Ints = std::vector<int64_t>;
using Floats = std::vector<double>;

Tensor i64s(int64_t v) { return Tensor::fromInts({v}, {}); }

} // namespace

TEST(ShapeReshape, InfersAndCopiesDims) {
  KernelArgs a = makeArgs({iota({2, 3, 4}), i64({0, -1, 2})});
  Tensor r = run1("reshape", a);
  EXPECT_EQ(r.shape(), (Shape{2, 6, 2}));
  EXPECT_EQ(r.getDouble(23), 23.0);
}

TEST(ShapeReshape, AllowZeroKeepsZero) {
  KernelArgs a = makeArgs({Tensor(DType::F32, {0, 3, 4}), i64({3, 4, 0})});
  a.attrs.set("allowzero", int64_t(1));
  EXPECT_EQ(run1("reshape", a).shape(), (Shape{3, 4, 0}));
}

TEST(ShapeReshape, Errors) {
  EXPECT_THROW(runKernel("reshape", makeArgs({iota({2, 3}), i64({4, -1})})), EvalError);
  EXPECT_THROW(runKernel("reshape", makeArgs({iota({2, 3}), i64({-1, -1})})), EvalError);
  EXPECT_THROW(runKernel("reshape", makeArgs({iota({2, 3}), i64({7})})), EvalError);
  EXPECT_THROW(runKernel("reshape", makeArgs({iota({6}), i64({0, 0})})), EvalError);
  KernelArgs a = makeArgs({iota({2, 3}), i64({0, -1})});
  a.attrs.set("allowzero", int64_t(1));
  EXPECT_THROW(runKernel("reshape", a), EvalError);
  EXPECT_THROW(runKernel("reshape", makeArgs({iota({2, 3})})), EvalError);
}

TEST(ShapeFlatten, AxesIncludingNegativeAndZero) {
  KernelArgs a = makeArgs({iota({2, 3, 4, 5})});
  EXPECT_EQ(run1("flatten", a).shape(), (Shape{2, 60}));
  a.attrs.set("axis", int64_t(0));
  EXPECT_EQ(run1("flatten", a).shape(), (Shape{1, 120}));
  a.attrs.set("axis", int64_t(-1));
  EXPECT_EQ(run1("flatten", a).shape(), (Shape{24, 5}));
  a.attrs.set("axis", int64_t(4));
  EXPECT_EQ(run1("flatten", a).shape(), (Shape{120, 1}));
  a.attrs.set("axis", int64_t(5));
  EXPECT_THROW(runKernel("flatten", a), EvalError);
}

TEST(ShapeSqueeze, ExplicitAndAllAxes) {
  Tensor x = iota({1, 3, 1, 2});
  EXPECT_EQ(run1("squeeze", makeArgs({x, i64({-2})})).shape(), (Shape{1, 3, 2}));
  EXPECT_EQ(run1("squeeze", makeArgs({x})).shape(), (Shape{3, 2}));
  EXPECT_THROW(runKernel("squeeze", makeArgs({x, i64({1})})), EvalError);
  EXPECT_THROW(runKernel("squeeze", makeArgs({x, i64({4})})), EvalError);
}

TEST(ShapeUnsqueeze, UnsortedAndNegativeAxes) {
  Tensor x = iota({3, 4});
  EXPECT_EQ(run1("unsqueeze", makeArgs({x, i64({3, 0})})).shape(), (Shape{1, 3, 4, 1}));
  EXPECT_EQ(run1("unsqueeze", makeArgs({x, i64({-1})})).shape(), (Shape{3, 4, 1}));
  EXPECT_THROW(runKernel("unsqueeze", makeArgs({x, i64({1, 1})})), EvalError);
  EXPECT_THROW(runKernel("unsqueeze", makeArgs({x, i64({4})})), EvalError);
  EXPECT_THROW(runKernel("unsqueeze", makeArgs({x})), EvalError);
}

TEST(ShapeTranspose, PermAndDefault) {
  Tensor x = iota({2, 3});
  Tensor t = run1("transpose", makeArgs({x}));
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  EXPECT_EQ(t.toDoubles(), (Floats{0, 3, 1, 4, 2, 5}));
  KernelArgs a = makeArgs({iota({2, 3, 4}, DType::I64)});
  a.attrs.set("perm", Ints{1, 2, 0});
  Tensor p = run1("transpose", a);
  EXPECT_EQ(p.shape(), (Shape{3, 4, 2}));
  // p[i][j][k] = x[k][i][j] = k*12 + i*4 + j
  EXPECT_EQ(p.getInt(((2 * 4) + 3) * 2 + 1), 12 + 2 * 4 + 3);
  a.attrs.set("perm", Ints{0, 0, 1});
  EXPECT_THROW(runKernel("transpose", a), EvalError);
  a.attrs.set("perm", Ints{0, 1});
  EXPECT_THROW(runKernel("transpose", a), EvalError);
}

TEST(ShapeConcat, Axis1AndNegativeAndEmpty) {
  Tensor x = Tensor::fromFloats({1, 2, 3, 4}, {2, 2});
  Tensor y = Tensor::fromFloats({5, 6}, {2, 1});
  Tensor e(DType::F32, {2, 0});
  KernelArgs a = makeArgs({x, e, y});
  a.attrs.set("axis", int64_t(-1));
  Tensor r = run1("concat", a);
  EXPECT_EQ(r.shape(), (Shape{2, 3}));
  EXPECT_EQ(r.toDoubles(), (Floats{1, 2, 5, 3, 4, 6}));
  a.attrs.set("axis", int64_t(0));
  EXPECT_THROW(runKernel("concat", a), EvalError); // dims differ off-axis
  KernelArgs b = makeArgs({x, iota({2, 2}, DType::I64)});
  b.attrs.set("axis", int64_t(0));
  EXPECT_THROW(runKernel("concat", b), EvalError); // dtypes differ
}

TEST(ShapeSplit, ExplicitSizesAndUnevenNumOutputs) {
  Tensor x = Tensor::fromFloats({1, 2, 3, 4, 5, 6, 7}, {7});
  KernelArgs a = makeArgs({x, i64({2, 5})}, 2);
  std::vector<Tensor> r = runKernel("split", a);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].toDoubles(), (Floats{1, 2}));
  EXPECT_EQ(r[1].toDoubles(), (Floats{3, 4, 5, 6, 7}));
  KernelArgs b = makeArgs({x}, 4);
  b.attrs.set("num_outputs", int64_t(4));
  r = runKernel("split", b);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[3].toDoubles(), (Floats{7}));
  EXPECT_EQ(r[2].toDoubles(), (Floats{5, 6}));
  // 2-D along axis 1 with a zero-size part.
  KernelArgs c = makeArgs({iota({2, 3}), i64({0, 3})}, 2);
  c.attrs.set("axis", int64_t(-1));
  r = runKernel("split", c);
  EXPECT_EQ(r[0].shape(), (Shape{2, 0}));
  EXPECT_EQ(r[1].toDoubles(), (Floats{0, 1, 2, 3, 4, 5}));
  EXPECT_THROW(runKernel("split", makeArgs({x, i64({2, 4})}, 2)), EvalError);
  EXPECT_THROW(runKernel("split", makeArgs({x, i64({7})}, 2)), EvalError);
  EXPECT_THROW(runKernel("split", makeArgs({iota({5})}, 4)), EvalError);
}

TEST(ShapeExpand, BidirectionalBroadcast) {
  Tensor x = Tensor::fromFloats({1, 2, 3}, {3, 1});
  Tensor r = run1("expand", makeArgs({x, i64({2, 1, 2})}));
  EXPECT_EQ(r.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(r.toDoubles(), (Floats{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}));
  // shape smaller than the input keeps the input dims.
  EXPECT_EQ(run1("expand", makeArgs({x, i64({1})})).shape(), (Shape{3, 1}));
  EXPECT_THROW(runKernel("expand", makeArgs({x, i64({2, 2})})), EvalError);
}

TEST(ShapeTile, RepeatsEachAxis) {
  Tensor x = Tensor::fromFloats({1, 2, 3, 4}, {2, 2});
  Tensor r = run1("tile", makeArgs({x, i64({1, 2})}));
  EXPECT_EQ(r.shape(), (Shape{2, 4}));
  EXPECT_EQ(r.toDoubles(), (Floats{1, 2, 1, 2, 3, 4, 3, 4}));
  Tensor z = run1("tile", makeArgs({x, i64({0, 2})}));
  EXPECT_EQ(z.shape(), (Shape{0, 4}));
  EXPECT_THROW(runKernel("tile", makeArgs({x, i64({2})})), EvalError);
}

TEST(ShapeShapeAndSize, StartEndClamping) {
  Tensor x(DType::F32, {3, 4, 5});
  Tensor s = run1("shape", makeArgs({x}));
  EXPECT_EQ(s.dtype(), DType::I64);
  EXPECT_EQ(s.toInts(), (Ints{3, 4, 5}));
  KernelArgs a = makeArgs({x});
  a.attrs.set("start", int64_t(-10));
  a.attrs.set("end", int64_t(-1));
  EXPECT_EQ(run1("shape", a).toInts(), (Ints{3, 4}));
  a.attrs.set("start", int64_t(2));
  a.attrs.set("end", int64_t(1));
  EXPECT_EQ(run1("shape", a).shape(), (Shape{0}));
  Tensor n = run1("size", makeArgs({x}));
  EXPECT_EQ(n.shape(), (Shape{}));
  EXPECT_EQ(n.getInt(0), 60);
}

TEST(ShapeConstantOfShape, ValueAndDefault) {
  Tensor d = run1("constant_of_shape", makeArgs({i64({2, 3})}));
  EXPECT_EQ(d.dtype(), DType::F32);
  EXPECT_EQ(d.toDoubles(), Floats(6, 0.0));
  KernelArgs a = makeArgs({i64({2})});
  a.attrs.set("value", Tensor::fromInts({7}, {1}, DType::I32));
  Tensor v = run1("constant_of_shape", a);
  EXPECT_EQ(v.dtype(), DType::I32);
  EXPECT_EQ(v.toInts(), (Ints{7, 7}));
  EXPECT_EQ(run1("constant_of_shape", makeArgs({i64({})})).shape(), (Shape{}));
  EXPECT_THROW(runKernel("constant_of_shape", makeArgs({i64({-1})})), EvalError);
}

TEST(ShapeRange, FloatAndIntegerNegativeDelta) {
  Tensor r = run1("range", makeArgs({Tensor::scalarF32(1), Tensor::scalarF32(5),
                                     Tensor::scalarF32(1.5f)}));
  EXPECT_EQ(r.toDoubles(), (Floats{1, 2.5, 4}));
  Tensor a = Tensor::fromInts({10}, {}, DType::I32);
  Tensor b = Tensor::fromInts({6}, {}, DType::I32);
  Tensor c = Tensor::fromInts({-3}, {}, DType::I32);
  Tensor ri = run1("range", makeArgs({a, b, c}));
  EXPECT_EQ(ri.dtype(), DType::I32);
  EXPECT_EQ(ri.toInts(), (Ints{10, 7}));
  EXPECT_EQ(run1("range", makeArgs({b, a, c})).shape(), (Shape{0}));
  Tensor zero = Tensor::fromInts({0}, {}, DType::I32);
  EXPECT_THROW(runKernel("range", makeArgs({a, b, zero})), EvalError);
  EXPECT_THROW(runKernel("range", makeArgs({a, b, Tensor::scalarF32(1)})), EvalError);
}

TEST(ShapeDropout, InferenceIsIdentityWithTrueMask) {
  Tensor x = Tensor::fromFloats({1, -2, 3}, {3});
  Tensor ratio = Tensor::scalarF32(0.3f);
  std::vector<Tensor> r = runKernel("dropout", makeArgs({x, ratio}, 2));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].toDoubles(), (Floats{1, -2, 3}));
  EXPECT_EQ(r[1].dtype(), DType::Bool);
  EXPECT_EQ(r[1].toInts(), (Ints{1, 1, 1}));
  Tensor train = Tensor::fromInts({1}, {}, DType::Bool);
  // training with ratio 0 is still the identity.
  r = runKernel("dropout", makeArgs({x, Tensor::scalarF32(0), train}, 2));
  EXPECT_EQ(r[0].toDoubles(), (Floats{1, -2, 3}));
  EXPECT_THROW(runKernel("dropout", makeArgs({x, Tensor::scalarF32(1), train}, 2)),
               EvalError);
}

TEST(ShapeDropout, TrainingModeIsSeededLikeOnnxReference) {
  // The mask of ONNX's test_training_dropout (seed 0, ratio 0.75): its first
  // 12 outputs are nonzero exactly at 7, 8 and 10, scaled by 1 / (1 - 0.75).
  Tensor x = Tensor::fromFloats(std::vector<float>(12, 1.0f), {12});
  Tensor train = Tensor::fromInts({1}, {}, DType::Bool);
  KernelArgs a = makeArgs({x, Tensor::scalarF32(0.75f), train}, 2);
  a.attrs.set("seed", int64_t(0));
  std::vector<Tensor> r = runKernel("dropout", a);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].toDoubles(), (Floats{0, 0, 0, 0, 0, 0, 0, 4, 4, 0, 4, 0}));
  EXPECT_EQ(r[1].toInts(), (Ints{0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 0}));
}

TEST(ShapePad, ConstantReflectEdgeWrap) {
  // ONNX spec examples on [[1.0, 1.2], [2.3, 3.4], [4.5, 5.7]], pads [0,2,0,0].
  Tensor x = Tensor::fromFloats({1.0f, 1.2f, 2.3f, 3.4f, 4.5f, 5.7f}, {3, 2});
  Tensor pads = i64({0, 2, 0, 0});
  KernelArgs a = makeArgs({x, pads});
  Tensor c = run1("pad", a);
  EXPECT_EQ(c.shape(), (Shape{3, 4}));
  EXPECT_FLOAT_EQ(c.getDouble(0), 0);
  EXPECT_FLOAT_EQ(c.getDouble(3), 1.2f);
  a.attrs.set("mode", std::string("reflect"));
  Tensor r = run1("pad", a);
  std::vector<float> want = {1.0f, 1.2f, 1.0f, 1.2f, 2.3f, 3.4f, 2.3f, 3.4f,
                             4.5f, 5.7f, 4.5f, 5.7f};
  for (int i = 0; i < 12; ++i)
    EXPECT_FLOAT_EQ(r.getDouble(i), want[i]) << i;
  a.attrs.set("mode", std::string("edge"));
  Tensor e = run1("pad", a);
  want = {1.0f, 1.0f, 1.0f, 1.2f, 2.3f, 2.3f, 2.3f, 3.4f, 4.5f, 4.5f, 4.5f, 5.7f};
  for (int i = 0; i < 12; ++i)
    EXPECT_FLOAT_EQ(e.getDouble(i), want[i]) << i;
  KernelArgs w = makeArgs({Tensor::fromFloats({1, 2, 3}, {3}), i64({2, 1})});
  w.attrs.set("mode", std::string("wrap"));
  EXPECT_EQ(run1("pad", w).toDoubles(), (Floats{2, 3, 1, 2, 3, 1}));
}

TEST(ShapePad, ConstantValueAxesAndCropping) {
  Tensor x = Tensor::fromInts({1, 2, 3, 4}, {2, 2}, DType::I32);
  Tensor cv = Tensor::fromInts({9}, {}, DType::I32);
  Tensor r = run1("pad", makeArgs({x, i64({1, -1}), cv, i64({-1})}));
  EXPECT_EQ(r.shape(), (Shape{2, 2}));
  EXPECT_EQ(r.toInts(), (Ints{9, 1, 9, 3}));
  EXPECT_THROW(runKernel("pad", makeArgs({x, i64({1, 1})})), EvalError);
  EXPECT_THROW(runKernel("pad", makeArgs({x, i64({0, -3, 0, 0})})), EvalError);
  KernelArgs bad = makeArgs({x, i64({0, 0, 0, 0})});
  bad.attrs.set("mode", std::string("mirror"));
  EXPECT_THROW(runKernel("pad", bad), EvalError);
}

TEST(ShapeDepthToSpace, DCRAndCRD) {
  // ONNX example: x = arange(16).reshape(1, 4, 2, 2), blocksize 2.
  Tensor x = iota({1, 4, 2, 2});
  KernelArgs a = makeArgs({x});
  a.attrs.set("blocksize", int64_t(2));
  Tensor d = run1("depth_to_space", a);
  EXPECT_EQ(d.shape(), (Shape{1, 1, 4, 4}));
  EXPECT_EQ(d.toDoubles(),
            (Floats{0, 4, 1, 5, 8, 12, 9, 13, 2, 6, 3, 7, 10, 14, 11, 15}));
  a.attrs.set("mode", std::string("CRD"));
  Tensor c = run1("depth_to_space", a);
  // CRD with a single output channel: channel index = block row*2 + col.
  EXPECT_EQ(c.toDoubles(),
            (Floats{0, 4, 1, 5, 8, 12, 9, 13, 2, 6, 3, 7, 10, 14, 11, 15}));
  // space_to_depth inverts DCR depth_to_space.
  KernelArgs s = makeArgs({d});
  s.attrs.set("blocksize", int64_t(2));
  Tensor back = run1("space_to_depth", s);
  EXPECT_EQ(back.shape(), (Shape{1, 4, 2, 2}));
  EXPECT_EQ(back.toDoubles(), x.toDoubles());
  a.attrs.set("blocksize", int64_t(3));
  EXPECT_THROW(runKernel("depth_to_space", a), EvalError);
  s.attrs.set("blocksize", int64_t(3));
  EXPECT_THROW(runKernel("space_to_depth", s), EvalError);
}

TEST(ShapeDepthToSpace, CRDDiffersFromDCR) {
  Tensor x = iota({1, 8, 1, 1});
  KernelArgs a = makeArgs({x});
  a.attrs.set("blocksize", int64_t(2));
  a.attrs.set("mode", std::string("CRD"));
  Tensor c = run1("depth_to_space", a);
  EXPECT_EQ(c.shape(), (Shape{1, 2, 2, 2}));
  EXPECT_EQ(c.toDoubles(), (Floats{0, 1, 2, 3, 4, 5, 6, 7}));
  a.attrs.set("mode", std::string("DCR"));
  EXPECT_EQ(run1("depth_to_space", a).toDoubles(), (Floats{0, 2, 4, 6, 1, 3, 5, 7}));
}

TEST(ShapeEyeLike, OffsetAndDtype) {
  KernelArgs a = makeArgs({Tensor(DType::I32, {3, 4})});
  a.attrs.set("k", int64_t(1));
  Tensor e = run1("eye_like", a);
  EXPECT_EQ(e.dtype(), DType::I32);
  EXPECT_EQ(e.toInts(), (Ints{0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}));
  a.attrs.set("dtype", int64_t(11));
  a.attrs.set("k", int64_t(-2));
  Tensor f = run1("eye_like", a);
  EXPECT_EQ(f.dtype(), DType::F64);
  EXPECT_EQ(f.toDoubles(), (Floats{0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0}));
  EXPECT_THROW(runKernel("eye_like", makeArgs({Tensor(DType::F32, {3})})), EvalError);
}

TEST(ShapeTrilu, UpperLowerWithK) {
  Tensor x = iota({3, 3});
  Tensor u = run1("trilu", makeArgs({x}));
  EXPECT_EQ(u.toDoubles(), (Floats{0, 1, 2, 0, 4, 5, 0, 0, 8}));
  KernelArgs l = makeArgs({x, i64s(-1)});
  l.attrs.set("upper", int64_t(0));
  EXPECT_EQ(run1("trilu", l).toDoubles(), (Floats{0, 0, 0, 3, 0, 0, 6, 7, 0}));
  // batched, k beyond the matrix keeps nothing.
  Tensor b = run1("trilu", makeArgs({iota({2, 2, 2}), i64s(5)}));
  EXPECT_EQ(b.toDoubles(), Floats(8, 0.0));
  EXPECT_THROW(runKernel("trilu", makeArgs({iota({3})})), EvalError);
}

TEST(ShapeKernels, AllRegistered) {
  for (const char *n : {"reshape", "flatten", "squeeze", "unsqueeze", "transpose",
                        "concat", "split", "expand", "tile", "shape", "size",
                        "constant_of_shape", "range", "dropout", "pad",
                        "depth_to_space", "space_to_depth", "eye_like", "trilu"})
    EXPECT_NE(kernelRegistry().lookup(n), nullptr) << n;
}
