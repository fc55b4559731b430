#include "reference/Kernel.h"
#include "reference/Npy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

using namespace txc::ref;

TEST(Tensor, HalfRoundTrip) {
  for (float f : {0.0f, 1.0f, -2.5f, 65504.0f, 6.1035156e-05f, 5.9604645e-08f})
    EXPECT_EQ(halfToFloat(floatToHalf(f)), f) << f;
  EXPECT_TRUE(std::isinf(halfToFloat(floatToHalf(70000.0f))));
  EXPECT_TRUE(std::isnan(halfToFloat(floatToHalf(NAN))));
  // 1 + 2^-11 is halfway between 1 and the next half: ties to even (1.0).
  EXPECT_EQ(halfToFloat(floatToHalf(1.0f + 0.00048828125f)), 1.0f);
}

TEST(Tensor, BF16RoundTrip) {
  EXPECT_EQ(bf16ToFloat(floatToBf16(1.0f)), 1.0f);
  EXPECT_EQ(bf16ToFloat(floatToBf16(-3.0f)), -3.0f);
  EXPECT_NEAR(bf16ToFloat(floatToBf16(3.14159f)), 3.140625f, 1e-6);
}

TEST(Tensor, CastWrapsAndTruncates) {
  Tensor f = Tensor::fromFloats({1.7f, -1.7f, 300.0f}, {3});
  Tensor i = f.cast(DType::I32);
  EXPECT_EQ(i.toInts(), (std::vector<int64_t>{1, -1, 300}));
  Tensor u = Tensor::fromInts({300, -1}, {2}).cast(DType::U8);
  EXPECT_EQ(u.toInts(), (std::vector<int64_t>{44, 255}));
}

TEST(Tensor, ViewsAreCopiedOnWrite) {
  float weights[2] = {1.0f, 2.0f};
  Tensor v = Tensor::view(DType::F32, {2}, weights, nullptr);
  v.setDouble(0, 5.0);
  EXPECT_EQ(weights[0], 1.0f);
  EXPECT_EQ(v.getDouble(0), 5.0);
}

TEST(Tensor, BroadcastShapes) {
  EXPECT_EQ(broadcastShapes({2, 1, 3}, {4, 1}), (Shape{2, 4, 3}));
  EXPECT_THROW(broadcastShapes({2, 3}, {4}), EvalError);
}

TEST(Npy, RoundTripAndErrors) {
  std::string path = ::testing::TempDir() + "/t.npy";
  Tensor t = Tensor::fromFloats({1, 2, 3, 4, 5, 6}, {2, 3});
  writeNpy(path, t);
  Tensor r = readNpy(path);
  EXPECT_EQ(r.shape(), t.shape());
  EXPECT_EQ(r.toDoubles(), t.toDoubles());
  // Truncated file: clear error, no crash.
  std::FILE *f = std::fopen(path.c_str(), "r+b");
  ASSERT_TRUE(f);
  std::fclose(f);
  std::string trunc = ::testing::TempDir() + "/trunc.npy";
  {
    std::FILE *in = std::fopen(path.c_str(), "rb");
    std::FILE *out = std::fopen(trunc.c_str(), "wb");
    char buf[80];
    size_t n = std::fread(buf, 1, sizeof buf, in);
    std::fwrite(buf, 1, n - 4, out);
    std::fclose(in);
    std::fclose(out);
  }
  EXPECT_THROW(readNpy(trunc), EvalError);
  EXPECT_THROW(readNpy(::testing::TempDir() + "/missing.npy"), EvalError);
}

TEST(Registry, UnknownKernelIsAnError) {
  KernelArgs args;
  EXPECT_THROW(runKernel("no_such_op", args), EvalError);
}
