//===- IndexingTest.cpp - Reference gather/scatter/slice/resize kernels ---===//

#include "TestUtil.h"
#include "reference/Kernel.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

using namespace txc::ref;

namespace {

using testutil::expectValues;
using testutil::i64;
using testutil::iota;
using testutil::makeArgs;
using testutil::run1;

using Ints = std::vector<int64_t>;
using Floats = std::vector<double>;

Tensor f32(std::vector<float> v) {
  return Tensor::fromFloats(v, {static_cast<int64_t>(v.size())});
}

} // namespace

TEST(IndexingGather, Axis0And1WithNegativeIndices) {
  Tensor data = Tensor::fromFloats({1, 2, 3, 4, 5, 6}, {3, 2});
  Tensor idx = Tensor::fromInts({0, -1, 1, 0}, {2, 2}, DType::I32);
  Tensor r = run1("gather", makeArgs({data, idx}));
  EXPECT_EQ(r.shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(r.toDoubles(), (Floats{1, 2, 5, 6, 3, 4, 1, 2}));
  KernelArgs a = makeArgs({data, i64({1})});
  a.attrs.set("axis", int64_t(-1));
  Tensor c = run1("gather", a);
  EXPECT_EQ(c.shape(), (Shape{3, 1}));
  EXPECT_EQ(c.toDoubles(), (Floats{2, 4, 6}));
  // scalar index drops the axis
  Tensor s = run1("gather", makeArgs({data, Tensor::fromInts({2}, {})}));
  EXPECT_EQ(s.shape(), (Shape{2}));
  EXPECT_EQ(s.toDoubles(), (Floats{5, 6}));
}

TEST(IndexingGather, Errors) {
  Tensor data = iota({5});
  try {
    runKernel("gather", makeArgs({data, i64({7})}));
    FAIL() << "expected EvalError";
  } catch (const EvalError &e) {
    EXPECT_STREQ(e.what(), "gather: index 7 is out of range for axis 0 of size 5");
  }
  EXPECT_THROW(runKernel("gather", makeArgs({data, i64({-6})})), EvalError);
  EXPECT_THROW(runKernel("gather", makeArgs({data, f32({0})})), EvalError);
  KernelArgs a = makeArgs({data, i64({0})});
  a.attrs.set("axis", int64_t(1));
  EXPECT_THROW(runKernel("gather", a), EvalError);
}

TEST(IndexingGatherElements, SpecExample) {
  // ONNX example: data [[1,2],[3,4]], indices [[0,0],[1,0]], axis 1.
  Tensor data = Tensor::fromFloats({1, 2, 3, 4}, {2, 2});
  KernelArgs a = makeArgs({data, Tensor::fromInts({0, 0, 1, 0}, {2, 2})});
  a.attrs.set("axis", int64_t(1));
  EXPECT_EQ(run1("gather_elements", a).toDoubles(), (Floats{1, 1, 4, 3}));
  KernelArgs b = makeArgs({data, Tensor::fromInts({-1, 0}, {1, 2})});
  EXPECT_EQ(run1("gather_elements", b).toDoubles(), (Floats{3, 2}));
  EXPECT_THROW(runKernel("gather_elements", makeArgs({data, Tensor::fromInts({2, 0}, {1, 2})})),
               EvalError);
  EXPECT_THROW(runKernel("gather_elements", makeArgs({data, i64({0})})), EvalError);
}

TEST(IndexingGatherND, PlainAndBatchDims) {
  Tensor data = Tensor::fromInts({0, 1, 2, 3}, {2, 2}, DType::I32);
  Tensor r = run1("gather_nd", makeArgs({data, Tensor::fromInts({0, 0, 1, 1}, {2, 2})}));
  EXPECT_EQ(r.toInts(), (Ints{0, 3}));
  Tensor rows = run1("gather_nd", makeArgs({data, Tensor::fromInts({1, 0}, {2, 1})}));
  EXPECT_EQ(rows.shape(), (Shape{2, 2}));
  EXPECT_EQ(rows.toInts(), (Ints{2, 3, 0, 1}));
  // batch_dims = 1 (ONNX example 5).
  KernelArgs a = makeArgs({iota({2, 2, 2}, DType::I32), Tensor::fromInts({1, 0}, {2, 1})});
  a.attrs.set("batch_dims", int64_t(1));
  Tensor b = run1("gather_nd", a);
  EXPECT_EQ(b.shape(), (Shape{2, 2}));
  EXPECT_EQ(b.toInts(), (Ints{2, 3, 4, 5}));
  EXPECT_THROW(runKernel("gather_nd", makeArgs({data, Tensor::fromInts({0, 2}, {1, 2})})),
               EvalError);
  EXPECT_THROW(runKernel("gather_nd", makeArgs({data, Tensor::fromInts({0, 0, 0}, {1, 3})})),
               EvalError);
}

TEST(IndexingScatterElements, NoneAndReductions) {
  Tensor data = Tensor::fromFloats({1, 2, 3, 4, 5}, {1, 5});
  Tensor idx = Tensor::fromInts({1, 3, -2}, {1, 3});
  Tensor upd = Tensor::fromFloats({1.1f, 2.1f, 3.0f}, {1, 3});
  KernelArgs a = makeArgs({data, idx, upd});
  a.attrs.set("axis", int64_t(1));
  expectValues(run1("scatter_elements", a), {1, 1.1, 3, 3.0, 5});
  a.attrs.set("reduction", std::string("add"));
  expectValues(run1("scatter_elements", a), {1, 3.1, 3, 9.1, 5});
  a.attrs.set("reduction", std::string("mul"));
  expectValues(run1("scatter_elements", a), {1, 2.2, 3, 25.2, 5}, 1e-4);
  a.attrs.set("reduction", std::string("max"));
  expectValues(run1("scatter_elements", a), {1, 2, 3, 4, 5});
  a.attrs.set("reduction", std::string("min"));
  expectValues(run1("scatter_elements", a), {1, 1.1, 3, 2.1, 5});
  a.attrs.set("reduction", std::string("avg"));
  EXPECT_THROW(runKernel("scatter_elements", a), EvalError);
  KernelArgs bad = makeArgs({data, Tensor::fromInts({5}, {1, 1}), Tensor::fromFloats({0}, {1, 1})});
  bad.attrs.set("axis", int64_t(1));
  EXPECT_THROW(runKernel("scatter_elements", bad), EvalError);
}

TEST(IndexingScatterND, UpdateSlicesAndAdd) {
  Tensor data = Tensor::fromFloats({1, 2, 3, 4, 5, 6, 7, 8}, {8});
  Tensor idx = Tensor::fromInts({4, 3, 1, 7}, {4, 1});
  Tensor upd = Tensor::fromFloats({9, 10, 11, 12}, {4});
  EXPECT_EQ(run1("scatter_nd", makeArgs({data, idx, upd})).toDoubles(),
            (Floats{1, 11, 3, 10, 9, 6, 7, 12}));
  Tensor m = iota({2, 2});
  KernelArgs a = makeArgs({m, Tensor::fromInts({1, 1}, {2, 1}),
                           Tensor::fromFloats({10, 20, 1, 2}, {2, 2})});
  a.attrs.set("reduction", std::string("add"));
  EXPECT_EQ(run1("scatter_nd", a).toDoubles(), (Floats{0, 1, 13, 25}));
  EXPECT_THROW(runKernel("scatter_nd", makeArgs({data, idx, f32({1, 2})})), EvalError);
  EXPECT_THROW(runKernel("scatter_nd", makeArgs({data, Tensor::fromInts({8}, {1, 1}), f32({1})})),
               EvalError);
}

TEST(IndexingSlice, StepsAxesAndClamping) {
  // ONNX example: data [[1,2,3,4],[5,6,7,8]], starts [1,0], ends [2,3],
  // axes [0,1], steps [1,2] -> [[5,7]].
  Tensor data = Tensor::fromFloats({1, 2, 3, 4, 5, 6, 7, 8}, {2, 4});
  Tensor r = run1("slice", makeArgs({data, i64({1, 0}), i64({2, 3}), i64({0, 1}), i64({1, 2})}));
  EXPECT_EQ(r.shape(), (Shape{1, 2}));
  EXPECT_EQ(r.toDoubles(), (Floats{5, 7}));
  // starts [0,1], ends [-1,1000] -> [[2,3,4]].
  Tensor e = run1("slice", makeArgs({data, i64({0, 1}), i64({-1, 1000})}));
  EXPECT_EQ(e.toDoubles(), (Floats{2, 3, 4}));
  // Negative step with INT64_MIN end reverses the whole axis.
  int64_t lo = std::numeric_limits<int64_t>::min();
  Tensor rev = run1("slice", makeArgs({data, i64({-1}), i64({lo}), i64({-1}), i64({-1})}));
  EXPECT_EQ(rev.toDoubles(), (Floats{4, 3, 2, 1, 8, 7, 6, 5}));
  // start beyond the end yields an empty axis.
  Tensor z = run1("slice", makeArgs({data, i64({1000}), i64({1001}), i64({1})}));
  EXPECT_EQ(z.shape(), (Shape{2, 0}));
  EXPECT_THROW(runKernel("slice", makeArgs({data, i64({0}), i64({1}), i64({0}), i64({0})})),
               EvalError);
  EXPECT_THROW(runKernel("slice", makeArgs({data, i64({0, 0}), i64({1})})), EvalError);
  EXPECT_THROW(runKernel("slice", makeArgs({data, i64({0}), i64({1}), i64({2})})), EvalError);
}

TEST(IndexingOneHot, AxisAndNegativeIndices) {
  Tensor idx = f32({0, -1, 2, 5});
  Tensor depth = Tensor::fromInts({3}, {});
  Tensor values = f32({0, 1});
  Tensor r = run1("onehot", makeArgs({idx, depth, values}));
  EXPECT_EQ(r.shape(), (Shape{4, 3}));
  EXPECT_EQ(r.toDoubles(), (Floats{1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0}));
  KernelArgs a = makeArgs({Tensor::fromInts({1, 0}, {2}), depth,
                           Tensor::fromInts({-1, 7}, {2}, DType::I32)});
  a.attrs.set("axis", int64_t(0));
  Tensor t = run1("onehot", a);
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  EXPECT_EQ(t.dtype(), DType::I32);
  EXPECT_EQ(t.toInts(), (Ints{-1, 7, 7, -1, -1, -1}));
  EXPECT_THROW(runKernel("onehot", makeArgs({idx, depth, f32({1})})), EvalError);
  EXPECT_THROW(runKernel("onehot", makeArgs({idx, Tensor::fromInts({0}, {}), values})),
               EvalError);
}

TEST(IndexingNonZero, Coordinates) {
  Tensor x = Tensor::fromInts({1, 0, 1, 1}, {2, 2}, DType::Bool);
  Tensor r = run1("nonzero", makeArgs({x}));
  EXPECT_EQ(r.shape(), (Shape{2, 3}));
  EXPECT_EQ(r.toInts(), (Ints{0, 1, 1, 0, 0, 1}));
  EXPECT_EQ(run1("nonzero", makeArgs({Tensor(DType::F32, {3})})).shape(), (Shape{1, 0}));
}

TEST(IndexingCompress, AxisAndFlattened) {
  Tensor x = Tensor::fromFloats({1, 2, 3, 4, 5, 6}, {3, 2});
  Tensor cond = Tensor::fromInts({0, 1, 1}, {3}, DType::Bool);
  KernelArgs a = makeArgs({x, cond});
  a.attrs.set("axis", int64_t(0));
  Tensor r = run1("compress", a);
  EXPECT_EQ(r.shape(), (Shape{2, 2}));
  EXPECT_EQ(r.toDoubles(), (Floats{3, 4, 5, 6}));
  Tensor f = run1("compress", makeArgs({x, cond}));
  EXPECT_EQ(f.toDoubles(), (Floats{2, 3}));
  a.attrs.set("axis", int64_t(-1));
  EXPECT_THROW(runKernel("compress", a), EvalError); // selects index 2 of 2
}

TEST(IndexingReverseSequence, BatchAndTimeAxes) {
  // ONNX example: time_axis 0, batch_axis 1, input 4x4, lens [4,3,2,1].
  Tensor x = Tensor::fromFloats({0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15}, {4, 4});
  KernelArgs a = makeArgs({x, i64({4, 3, 2, 1})});
  EXPECT_EQ(run1("reverse_sequence", a).toDoubles(),
            (Floats{3, 6, 9, 12, 2, 5, 8, 13, 1, 4, 10, 14, 0, 7, 11, 15}));
  KernelArgs b = makeArgs({iota({2, 3}), i64({3, 1})});
  b.attrs.set("batch_axis", int64_t(0));
  b.attrs.set("time_axis", int64_t(1));
  EXPECT_EQ(run1("reverse_sequence", b).toDoubles(), (Floats{2, 1, 0, 3, 4, 5}));
  EXPECT_THROW(runKernel("reverse_sequence", makeArgs({x, i64({5, 1, 1, 1})})), EvalError);
  EXPECT_THROW(runKernel("reverse_sequence", makeArgs({x, i64({1, 1})})), EvalError);
}

TEST(IndexingEinsum, MatmulTransposeTraceAndImplicit) {
  Tensor a = Tensor::fromFloats({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = Tensor::fromFloats({1, 0, 0, 1, 1, 1}, {3, 2});
  KernelArgs mm = makeArgs({a, b});
  mm.attrs.set("equation", std::string("ij,jk->ik"));
  EXPECT_EQ(run1("einsum", mm).toDoubles(), (Floats{4, 5, 10, 11}));
  KernelArgs tr = makeArgs({a});
  tr.attrs.set("equation", std::string("ij"));
  EXPECT_EQ(run1("einsum", tr).shape(), (Shape{2, 3}));
  tr.attrs.set("equation", std::string("ji")); // implicit output is sorted: ij
  Tensor t = run1("einsum", tr);
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  EXPECT_EQ(t.toDoubles(), (Floats{1, 4, 2, 5, 3, 6}));
  KernelArgs tc = makeArgs({iota({3, 3})});
  tc.attrs.set("equation", std::string("ii"));
  Tensor trace = run1("einsum", tc);
  EXPECT_EQ(trace.shape(), (Shape{}));
  EXPECT_EQ(trace.getDouble(0), 0 + 4 + 8);
  KernelArgs sum = makeArgs({a});
  sum.attrs.set("equation", std::string("ij->"));
  EXPECT_EQ(run1("einsum", sum).getDouble(0), 21);
}

TEST(IndexingEinsum, EllipsisDiagonalAndErrors) {
  KernelArgs d = makeArgs({iota({2, 2, 2})});
  d.attrs.set("equation", std::string("...ii ->...i"));
  Tensor r = run1("einsum", d);
  EXPECT_EQ(r.shape(), (Shape{2, 2}));
  EXPECT_EQ(r.toDoubles(), (Floats{0, 3, 4, 7}));
  // Batched matmul with broadcasting ellipsis.
  KernelArgs bm = makeArgs({iota({2, 1, 2}), Tensor::fromFloats({1, 1}, {2, 1})});
  bm.attrs.set("equation", std::string("...ij,jk"));
  Tensor m = run1("einsum", bm);
  EXPECT_EQ(m.shape(), (Shape{2, 1, 1}));
  EXPECT_EQ(m.toDoubles(), (Floats{1, 5}));
  KernelArgs bad = makeArgs({iota({2, 3}), iota({2, 3})});
  bad.attrs.set("equation", std::string("ij,jk->ik"));
  EXPECT_THROW(runKernel("einsum", bad), EvalError);
  bad.attrs.set("equation", std::string("ij->ik"));
  EXPECT_THROW(runKernel("einsum", bad), EvalError);
  bad.attrs.set("equation", std::string("ijk,ij->i"));
  EXPECT_THROW(runKernel("einsum", bad), EvalError);
}

TEST(IndexingResize, NearestAndLinear) {
  // ONNX test_resize_upsample_scales_nearest / _linear.
  Tensor x = Tensor::fromFloats({1, 2, 3, 4}, {1, 1, 2, 2});
  KernelArgs n = makeArgs({x, Tensor(), f32({1, 1, 2, 3})});
  Tensor rn = run1("resize", n);
  EXPECT_EQ(rn.shape(), (Shape{1, 1, 4, 6}));
  EXPECT_EQ(rn.toDoubles(), (Floats{1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2,
                                    3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4}));
  KernelArgs l = makeArgs({x, Tensor(), f32({1, 1, 2, 2})});
  l.attrs.set("mode", std::string("linear"));
  expectValues(run1("resize", l), {1.0, 1.25, 1.75, 2.0, 1.5, 1.75, 2.25, 2.5, 2.5,
                                 2.75, 3.25, 3.5, 3.0, 3.25, 3.75, 4.0});
  l.attrs.set("coordinate_transformation_mode", std::string("align_corners"));
  Tensor ac = run1("resize", l);
  expectValues(ac, {1, 4.0 / 3, 5.0 / 3, 2, 5.0 / 3, 2, 7.0 / 3, 8.0 / 3, 7.0 / 3,
                  8.0 / 3, 3, 10.0 / 3, 3, 10.0 / 3, 11.0 / 3, 4});
}

TEST(IndexingResize, CubicAndCropAndSizesWithAxes) {
  // ONNX test_resize_downsample_scales_cubic.
  Tensor x = iota({1, 1, 4, 4});
  for (int64_t i = 0; i < 16; ++i)
    x.setDouble(i, i + 1);
  KernelArgs c = makeArgs({x, Tensor(), f32({1, 1, 0.8f, 0.8f})});
  c.attrs.set("mode", std::string("cubic"));
  expectValues(run1("resize", c), {1.47119140625, 2.78125, 4.08251953125, 6.71142578125,
                                 8.021484375, 9.32275390625, 11.91650390625, 13.2265625,
                                 14.52783203125}, 1e-4);
  // ONNX test_resize_tf_crop_and_resize.
  KernelArgs t = makeArgs({x, f32({0, 0, 0.4f, 0.6f, 1, 1, 0.6f, 0.8f}), Tensor(),
                           i64({1, 1, 3, 3})});
  t.attrs.set("mode", std::string("linear"));
  t.attrs.set("coordinate_transformation_mode", std::string("tf_crop_and_resize"));
  expectValues(run1("resize", t), {7.6, 7.9, 8.2, 8.8, 9.1, 9.4, 10.0, 10.3, 10.6}, 1e-4);
  // sizes on axes {3, 2} (nearest, not_larger keeps the aspect ratio).
  KernelArgs s = makeArgs({x, Tensor(), Tensor(), i64({3, 2})});
  s.attrs.set("axes", Ints{3, 2});
  s.attrs.set("keep_aspect_ratio_policy", std::string("not_larger"));
  Tensor rs = run1("resize", s);
  EXPECT_EQ(rs.shape(), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(rs.toDoubles(), (Floats{1, 3, 9, 11}));
}

TEST(IndexingResize, Errors) {
  Tensor x = iota({1, 1, 2, 2});
  EXPECT_THROW(runKernel("resize", makeArgs({x})), EvalError);
  EXPECT_THROW(runKernel("resize", makeArgs({x, Tensor(), f32({1, 1, 2, 2}), i64({1, 1, 4, 4})})),
               EvalError);
  EXPECT_THROW(runKernel("resize", makeArgs({x, Tensor(), f32({2, 2})})), EvalError);
  KernelArgs m = makeArgs({x, Tensor(), f32({1, 1, 2, 2})});
  m.attrs.set("mode", std::string("area"));
  EXPECT_THROW(runKernel("resize", m), EvalError);
}

TEST(IndexingUnique, SortedUnsortedAndAxis) {
  Tensor x = f32({2, 1, 1, 3, 4, 3});
  KernelArgs u = makeArgs({x}, 4);
  u.attrs.set("sorted", int64_t(0));
  std::vector<Tensor> r = runKernel("unique", u);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].toDoubles(), (Floats{2, 1, 3, 4}));
  EXPECT_EQ(r[1].toInts(), (Ints{0, 1, 3, 4}));
  EXPECT_EQ(r[2].toInts(), (Ints{0, 1, 1, 2, 3, 2}));
  EXPECT_EQ(r[3].toInts(), (Ints{1, 2, 2, 1}));
  u.attrs.set("sorted", int64_t(1));
  r = runKernel("unique", u);
  EXPECT_EQ(r[0].toDoubles(), (Floats{1, 2, 3, 4}));
  EXPECT_EQ(r[1].toInts(), (Ints{1, 0, 3, 4}));
  EXPECT_EQ(r[2].toInts(), (Ints{1, 0, 0, 2, 3, 2}));
  EXPECT_EQ(r[3].toInts(), (Ints{2, 1, 2, 1}));
  // rows of [[1,0,0],[1,0,0],[2,3,4]] along axis 0.
  KernelArgs ax = makeArgs({Tensor::fromFloats({1, 0, 0, 1, 0, 0, 2, 3, 4}, {3, 3})}, 4);
  ax.attrs.set("axis", int64_t(0));
  r = runKernel("unique", ax);
  EXPECT_EQ(r[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(r[0].toDoubles(), (Floats{1, 0, 0, 2, 3, 4}));
  EXPECT_EQ(r[2].toInts(), (Ints{0, 0, 1}));
  ax.attrs.set("axis", int64_t(2));
  EXPECT_THROW(runKernel("unique", ax), EvalError);
}

TEST(IndexingKernels, AllRegistered) {
  for (const char *n : {"gather", "gather_elements", "gather_nd", "scatter_elements",
                        "scatter_nd", "slice", "onehot", "nonzero", "compress",
                        "reverse_sequence", "einsum", "resize", "unique"})
    EXPECT_NE(kernelRegistry().lookup(n), nullptr) << n;
}
