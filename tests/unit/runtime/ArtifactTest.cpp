//===- ArtifactTest.cpp - The artifact reader refuses damaged files -------===//
//
// Builds artifacts with the writer (codegen/artifact, MLIR-free) and checks
// that libtxcrt's loader refuses truncated, corrupted, newer-version and
// wrong-CPU files with the right status and a message naming the problem.
//
//===----------------------------------------------------------------------===//

#include "codegen/artifact/ArtifactWriter.h"
#include "txc/format.h"
#include "txc/txc.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace {

using namespace txc;

std::string sampleArtifact(uint64_t features = 0, std::string so = "not an ELF file") {
  format::Metadata m;
  m.producer = "test";
  m.entrySymbol = "txc_entry";
  format::TensorInfo in;
  in.name = "x";
  in.dtype = 1;
  in.dims = {{2, "", 1, -1}, {-1, "seq", 1, 64}};
  m.inputs.push_back(in);
  m.outputs.push_back(in);
  static const float w[4] = {1, 2, 3, 4};
  m.weights.push_back({0, 16, 1, {4}});
  return artifact::buildArtifact(m, so, {{w, sizeof w}}, features);
}

TxcStatus load(const std::string &bytes, std::string &message) {
  TxcModel *model = nullptr;
  TxcStatus s = txc_model_load_from_memory(bytes.data(), bytes.size(), &model);
  message = s == TXC_OK ? "" : txc_last_error();
  txc_model_free(model);
  return s;
}

TEST(Artifact, MetadataRoundTrips) {
  std::string a = sampleArtifact();
  format::FileHeader h;
  std::memcpy(&h, a.data(), sizeof h);
  EXPECT_EQ(h.fileSize, a.size());
  EXPECT_EQ(h.formatVersion, format::kFormatVersion);
  // The weights are page-aligned in the file.
  format::SectionEntry e[3];
  std::memcpy(e, a.data() + h.sectionTable, sizeof e);
  EXPECT_EQ(e[2].kind, format::kSectionWeights);
  EXPECT_EQ(e[2].offset % format::kWeightAlignment, 0u);
  float w[4];
  std::memcpy(w, a.data() + e[2].offset, sizeof w);
  EXPECT_EQ(w[3], 4.0f);
  format::Metadata m = format::parseMetadata(a.data() + e[0].offset, e[0].size);
  ASSERT_EQ(m.inputs.size(), 1u);
  EXPECT_EQ(m.inputs[0].dims[1].name, "seq");
  EXPECT_EQ(m.inputs[0].dims[1].hi, 64);
  EXPECT_EQ(m.weights[0].shape, std::vector<int64_t>{4});
}

TEST(Artifact, RefusesTruncatedFiles) {
  std::string a = sampleArtifact(), msg;
  for (size_t len : {size_t(0), size_t(10), size_t(63), size_t(64), a.size() / 2, a.size() - 1}) {
    EXPECT_EQ(load(a.substr(0, len), msg), TXC_ERROR_FORMAT) << len;
    EXPECT_FALSE(msg.empty());
  }
  load(a.substr(0, a.size() - 1), msg);
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
}

TEST(Artifact, RefusesCorruptedBytes) {
  std::string a = sampleArtifact(), msg;
  for (size_t at : {size_t(100), a.size() / 2, a.size() - 1}) {
    std::string b = a;
    b[at] ^= 0x5a;
    EXPECT_EQ(load(b, msg), TXC_ERROR_FORMAT) << at;
    EXPECT_NE(msg.find("checksum"), std::string::npos) << msg;
  }
  std::string b = a;
  b[0] = 'X';
  EXPECT_EQ(load(b, msg), TXC_ERROR_FORMAT);
  EXPECT_NE(msg.find("magic"), std::string::npos) << msg;
}

TEST(Artifact, RefusesNewerVersions) {
  std::string a = sampleArtifact(), msg;
  format::FileHeader h;
  std::memcpy(&h, a.data(), sizeof h);
  h.formatVersion = format::kFormatVersion + 1;
  std::memcpy(&a[0], &h, sizeof h);
  EXPECT_EQ(load(a, msg), TXC_ERROR_FORMAT);
  EXPECT_NE(msg.find("newer"), std::string::npos) << msg;
}

TEST(Artifact, RefusesMissingCpuFeatures) {
  // A feature bit beyond the known ones, which no host reports (a test
  // cannot rely on the machine lacking any real feature).
  std::string a = sampleArtifact(uint64_t(1) << 40), msg;
  EXPECT_EQ(load(a, msg), TXC_ERROR_UNSUPPORTED_CPU);
  EXPECT_NE(msg.find("CPU features"), std::string::npos) << msg;
}

TEST(Artifact, RefusesCodeThatDoesNotLoad) {
  std::string msg;
  EXPECT_EQ(load(sampleArtifact(), msg), TXC_ERROR_RUNTIME);
  EXPECT_NE(msg.find("cannot load the model code"), std::string::npos) << msg;
}

TEST(Artifact, NullArgumentsAreErrors) {
  TxcModel *m = nullptr;
  EXPECT_EQ(txc_model_load(nullptr, &m), TXC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(txc_model_load("/nonexistent/model.txc", &m), TXC_ERROR_IO);
  EXPECT_NE(std::string(txc_last_error()).find("/nonexistent/model.txc"), std::string::npos);
  EXPECT_EQ(txc_model_load("/dev/null", &m), TXC_ERROR_IO); // not a regular file
  EXPECT_EQ(txc_session_run(nullptr, nullptr, 0), TXC_ERROR_INVALID_ARGUMENT);
}

} // namespace
