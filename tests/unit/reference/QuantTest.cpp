// Unit tests of the quantization reference kernels.
#include "TestUtil.h"
#include "reference/Kernel.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace txc::ref;

namespace {

using testutil::F;
using testutil::I;
using testutil::runOp;
using testutil::runOp1;

} // namespace

// ONNX test_quantizelinear: rounding half to even and saturation.
TEST(Quant, QuantizeLinearPerTensor) {
  Tensor x = F({0, 2, 3, 1000, -254, -1000}, {6});
  Tensor y = runOp1("quantize_linear", {x, Tensor::scalarF32(2), I({128}, {}, DType::U8)});
  EXPECT_EQ(y.dtype(), DType::U8);
  EXPECT_EQ(y.toInts(), (std::vector<int64_t>{128, 129, 130, 255, 1, 0}));
  // Ties to even: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -0.5 -> 0, -1.5 -> -2.
  Tensor t = F({0.5f, 1.5f, 2.5f, -0.5f, -1.5f}, {5});
  Tensor yi = runOp1("quantize_linear", {t, Tensor::scalarF32(1), I({0}, {}, DType::I8)});
  EXPECT_EQ(yi.dtype(), DType::I8);
  EXPECT_EQ(yi.toInts(), (std::vector<int64_t>{0, 2, 2, 0, -2}));
  // No zero point and no output_dtype: uint8.
  Tensor yu = runOp1("quantize_linear", {F({-3, 3.4f, 300}, {3}), Tensor::scalarF32(1)});
  EXPECT_EQ(yu.dtype(), DType::U8);
  EXPECT_EQ(yu.toInts(), (std::vector<int64_t>{0, 3, 255}));
}

TEST(Quant, QuantizeLinearPerAxisAndBlocked) {
  // ONNX test_quantizelinear_axis, first values of each channel.
  Tensor x = F({-162, 10, -100, 232, -20, -50}, {1, 3, 2});
  Tensor s = F({2, 4, 5}, {3});
  Tensor z = I({84, 24, 196}, {3}, DType::U8);
  EXPECT_EQ(runOp1("quantize_linear", {x, s, z}).toInts(),
            (std::vector<int64_t>{3, 89, 0, 82, 192, 186}));
  // Negative axis selects the same dimension.
  Attrs neg;
  neg.set("axis", int64_t(-2));
  EXPECT_EQ(runOp1("quantize_linear", {x, s, z}, neg).toInts(),
            (std::vector<int64_t>{3, 89, 0, 82, 192, 186}));
  // ONNX test_quantizelinear_blocked_symmetric (int16 via output_dtype).
  Tensor xb = F({6, -8, -10, 5, 1, 8, 4, 5, 0, 20, 10, 4}, {3, 4});
  Tensor sb = F({1.5f, 2.5f, 3, 4.9f, 5.1f, 6.9f}, {3, 2});
  Attrs blk;
  blk.set("axis", int64_t(1));
  blk.set("block_size", int64_t(2));
  blk.set("output_dtype", int64_t(5));
  Tensor yb = runOp1("quantize_linear", {xb, sb}, blk);
  EXPECT_EQ(yb.dtype(), DType::I16);
  EXPECT_EQ(yb.toInts(),
            (std::vector<int64_t>{4, -5, -4, 2, 0, 3, 1, 1, 0, 4, 1, 1}));
}

TEST(Quant, QuantizeLinearErrors) {
  Tensor x = F({1, 2, 3, 4}, {2, 2});
  EXPECT_THROW(runOp1("quantize_linear", {x, F({1, 2, 3}, {3})}), EvalError);
  EXPECT_THROW(runOp1("quantize_linear", {x, Tensor::scalarF32(1), I({0, 0}, {2}, DType::U8)}),
               EvalError);
  Attrs bad;
  bad.set("output_dtype", int64_t(1)); // float is not a quantized type
  EXPECT_THROW(runOp1("quantize_linear", {x, Tensor::scalarF32(1)}, bad), EvalError);
  Attrs blk;
  blk.set("block_size", int64_t(2));
  EXPECT_THROW(runOp1("quantize_linear", {x, F({1, 2, 3}, {1, 3})}, blk), EvalError);
  EXPECT_THROW(runOp1("quantize_linear", {x}), EvalError);
}

TEST(Quant, DequantizeLinear) {
  // ONNX test_dequantizelinear.
  Tensor x = I({0, 3, 128, 255}, {4}, DType::U8);
  Tensor y = runOp1("dequantize_linear", {x, Tensor::scalarF32(2), I({128}, {}, DType::U8)});
  EXPECT_EQ(y.dtype(), DType::F32);
  EXPECT_EQ(y.toDoubles(), (std::vector<double>{-256, -250, 0, 254}));
  // Per-axis.
  Tensor xa = I({3, 89, 34, 200}, {1, 2, 2}, DType::U8);
  Tensor ya = runOp1("dequantize_linear", {xa, F({2, 4}, {2}), I({84, 24}, {2}, DType::U8)});
  EXPECT_EQ(ya.toDoubles(), (std::vector<double>{-162, 10, 40, 704}));
  // Blocked along axis 0 with block 2, int16 input, no zero point.
  Attrs blk;
  blk.set("axis", int64_t(0));
  blk.set("block_size", int64_t(2));
  Tensor xb = I({1, 2, 3, -4}, {4}, DType::I16);
  EXPECT_EQ(runOp1("dequantize_linear", {xb, F({10, 100}, {2})}, blk).toDoubles(),
            (std::vector<double>{10, 20, 300, -400}));
  // int32 input; float16 scale gives float16 output.
  Tensor yh = runOp1("dequantize_linear",
                 {I({-7}, {1}, DType::I32), F({0.5f}, {}).cast(DType::F16)});
  EXPECT_EQ(yh.dtype(), DType::F16);
  EXPECT_EQ(yh.getDouble(0), -3.5);
  EXPECT_THROW(runOp1("dequantize_linear", {F({1}, {1}), Tensor::scalarF32(1)}), EvalError);
  EXPECT_THROW(runOp1("dequantize_linear", {x, Tensor::scalarF32(1), I({1}, {}, DType::I8)}),
               EvalError);
}

// ONNX test_dynamicquantizelinear and _max_adjusted.
TEST(Quant, DynamicQuantizeLinear) {
  auto r = runOp("dynamic_quantize_linear", {F({0, 2, -3, -2.5f, 1.34f, 0.5f}, {6})}, {}, 3);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].dtype(), DType::U8);
  EXPECT_EQ(r[0].toInts(), (std::vector<int64_t>{153, 255, 0, 26, 221, 179}));
  EXPECT_NEAR(r[1].getDouble(0), 0.019607844, 1e-8);
  EXPECT_EQ(r[1].dtype(), DType::F32);
  EXPECT_EQ(r[2].toInts(), (std::vector<int64_t>{153}));
  auto m = runOp("dynamic_quantize_linear", {F({-1, -2.1f, -1.3f, -2.5f, -3.34f, -4}, {6})}, {}, 3);
  EXPECT_EQ(m[0].toInts(), (std::vector<int64_t>{191, 121, 172, 96, 42, 0}));
  EXPECT_EQ(m[2].toInts(), (std::vector<int64_t>{255}));
  // All zeros: scale 0, everything 0 (no NaN).
  auto z = runOp("dynamic_quantize_linear", {F({0, 0}, {2})}, {}, 3);
  EXPECT_EQ(z[0].toInts(), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(z[1].getDouble(0), 0.0);
  EXPECT_THROW(runOp("dynamic_quantize_linear", {I({1}, {1}, DType::U8)}), EvalError);
}

// ONNX test_matmulinteger.
TEST(Quant, MatmulInteger) {
  Tensor a = I({11, 7, 3, 10, 6, 2, 9, 5, 1, 8, 4, 0}, {4, 3}, DType::U8);
  Tensor b = I({1, 4, 2, 5, 3, 6}, {3, 2}, DType::U8);
  Tensor y = runOp1("matmul_integer", {a, b, I({12}, {}, DType::U8), I({0}, {}, DType::U8)});
  EXPECT_EQ(y.dtype(), DType::I32);
  EXPECT_EQ(y.toInts(), (std::vector<int64_t>{-38, -83, -44, -98, -50, -113, -56, -128}));
  // Per-row A zero points and per-column B zero points, int8.
  Tensor a8 = I({1, 2, 3, 4}, {2, 2}, DType::I8);
  Tensor b8 = I({1, 0, 0, 1}, {2, 2}, DType::I8);
  Tensor yz = runOp1("matmul_integer", {a8, b8, I({1, 3}, {2}, DType::I8),
                                    I({0, 1}, {2}, DType::I8)});
  // A - azp = [[0,1],[0,1]]; B - bzp = [[1,-1],[0,0]].
  EXPECT_EQ(yz.toInts(), (std::vector<int64_t>{0, 0, 0, 0}));
  Tensor yn = runOp1("matmul_integer", {a8, b8});
  EXPECT_EQ(yn.toInts(), (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_THROW(runOp1("matmul_integer", {a8, I({1, 2, 3}, {3, 1}, DType::I8)}), EvalError);
  EXPECT_THROW(runOp1("matmul_integer", {F({1}, {1, 1}), b8}), EvalError);
}

// ONNX test_qlinearmatmul_2D_uint8_float32.
TEST(Quant, QLinearMatmul) {
  Tensor a = I({208, 236, 0, 238, 3, 214, 255, 29}, {2, 4}, DType::U8);
  Tensor b = I({152, 51, 244, 60, 26, 255, 0, 127, 246, 127, 254, 247}, {4, 3}, DType::U8);
  Tensor y = runOp1("qlinear_matmul",
                {a, F({0.0066f}, {1}), I({113}, {1}, DType::U8), b,
                 F({0.00705f}, {1}), I({114}, {1}, DType::U8),
                 F({0.0107f}, {1}), I({118}, {1}, DType::U8)});
  EXPECT_EQ(y.dtype(), DType::U8);
  EXPECT_EQ(y.toInts(), (std::vector<int64_t>{168, 115, 255, 1, 66, 151}));
  EXPECT_THROW(runOp1("qlinear_matmul", {a, F({0.0066f}, {1})}), EvalError);
}

// ONNX test_convinteger_without_padding / with_padding.
TEST(Quant, ConvInteger) {
  Tensor x = I({2, 3, 4, 5, 6, 7, 8, 9, 10}, {1, 1, 3, 3}, DType::U8);
  Tensor w = I({1, 1, 1, 1}, {1, 1, 2, 2}, DType::U8);
  Tensor y = runOp1("conv_integer", {x, w, I({1}, {}, DType::U8)});
  EXPECT_EQ(y.dtype(), DType::I32);
  EXPECT_EQ(y.toInts(), (std::vector<int64_t>{12, 16, 24, 28}));
  // Per-output-channel weight zero point.
  Tensor w2 = I({1, 1, 1, 1, 2, 2, 2, 2}, {2, 1, 2, 2}, DType::U8);
  Tensor y2 = runOp1("conv_integer", {x, w2, I({1}, {}, DType::U8), I({0, 1}, {2}, DType::U8)});
  EXPECT_EQ(y2.toInts(), (std::vector<int64_t>{12, 16, 24, 28, 12, 16, 24, 28}));
  EXPECT_THROW(runOp1("conv_integer", {x, w, I({1, 2}, {2}, DType::U8)}), EvalError);
}

TEST(Quant, QLinearConv) {
  // x = [2, 4] (scale 0.5, zp 0 -> 1, 2), w = [3] (scale 1, zp 1 -> 2),
  // y = 2 * [1, 2] = [2, 4] at scale 0.5, zp 10 -> [14, 18]; bias 2 (in
  // units of 0.5 * 1) adds 1.0 -> [16, 20].
  Tensor x = I({2, 4}, {1, 1, 2}, DType::U8);
  Tensor w = I({3}, {1, 1, 1}, DType::U8);
  std::vector<Tensor> in = {x, Tensor::scalarF32(0.5f), I({0}, {}, DType::U8),
                            w, F({1}, {1}), I({1}, {1}, DType::U8),
                            Tensor::scalarF32(0.5f), I({10}, {}, DType::U8)};
  EXPECT_EQ(runOp1("qlinear_conv", in).toInts(), (std::vector<int64_t>{14, 18}));
  in.push_back(I({2}, {1}, DType::I32));
  EXPECT_EQ(runOp1("qlinear_conv", in).toInts(), (std::vector<int64_t>{16, 20}));
  in[8] = I({2}, {1}, DType::U8);
  EXPECT_THROW(runOp1("qlinear_conv", in), EvalError);
}
