//===- Artifact.cpp - Validating and splitting a model.txc image ----------===//

#include "Artifact.h"

#include <cpuid.h>

namespace txc::rt {

using format::FormatError;

namespace {
uint64_t xgetbv0() {
  uint32_t a, d;
  __asm__ volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
  return (static_cast<uint64_t>(d) << 32) | a;
}
} // namespace

uint64_t hostCpuFeatures() {
  using namespace format;
  unsigned a, b, c, d;
  uint64_t f = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d))
    return 0;
  bool osxsave = c & (1u << 27);
  uint64_t xcr0 = osxsave ? xgetbv0() : 0;
  bool ymm = (xcr0 & 0x6) == 0x6, zmm = (xcr0 & 0xe6) == 0xe6;
  if (c & (1u << 20)) f |= kFeatureSSE42;
  if (ymm && (c & (1u << 28))) f |= kFeatureAVX;
  if (ymm && (c & (1u << 12))) f |= kFeatureFMA;
  if (ymm && (c & (1u << 29))) f |= kFeatureF16C;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
    if (ymm && (b & (1u << 5))) f |= kFeatureAVX2;
    if (b & (1u << 8)) f |= kFeatureBMI2;
    if (zmm) {
      if (b & (1u << 16)) f |= kFeatureAVX512F;
      if (b & (1u << 17)) f |= kFeatureAVX512DQ;
      if (b & (1u << 30)) f |= kFeatureAVX512BW;
      if (b & (1u << 31)) f |= kFeatureAVX512VL;
      if (c & (1u << 11)) f |= kFeatureAVX512VNNI;
      if (__get_cpuid_count(7, 1, &a, &b, &c, &d) && (a & (1u << 5)))
        f |= kFeatureAVX512BF16;
    }
  }
  return f;
}

std::string featureList(uint64_t mask) {
  std::string s;
  for (const auto &fn : format::kFeatureNames)
    if (mask & fn.bit)
      s += (s.empty() ? "" : ", ") + std::string(fn.name);
  return s;
}

ArtifactView parseArtifact(const char *data, uint64_t size) {
  using namespace format;
  ArtifactView v;
  if (size < sizeof(FileHeader))
    throw FormatError("not a txc artifact: " + std::to_string(size) +
                      " bytes is shorter than the 64-byte header");
  std::memcpy(&v.header, data, sizeof(FileHeader));
  const FileHeader &h = v.header;
  if (std::memcmp(h.magic, kMagic, sizeof(kMagic)) != 0)
    throw FormatError("not a txc artifact (bad magic)");
  if (h.formatVersion > kFormatVersion)
    throw FormatError("artifact format version " + std::to_string(h.formatVersion) +
                      " is newer than this runtime's " +
                      std::to_string(kFormatVersion) + ": rebuild with a matching txc");
  if (h.formatVersion != kFormatVersion)
    throw FormatError("artifact format version " + std::to_string(h.formatVersion) +
                      " is not supported (this runtime reads version " +
                      std::to_string(kFormatVersion) + ")");
  if (h.headerSize != sizeof(FileHeader))
    throw FormatError("artifact header size " + std::to_string(h.headerSize) +
                      " is not 64");
  if (h.fileSize != size)
    throw FormatError("artifact is truncated or padded: the header says " +
                      std::to_string(h.fileSize) + " bytes, the file has " +
                      std::to_string(size));
  uint64_t sum = checksum64(data + sizeof(FileHeader), size - sizeof(FileHeader));
  if (sum != h.checksum)
    throw FormatError("artifact checksum mismatch: the file is corrupted");
  if (h.sectionTable > size || h.sectionCount > (size - h.sectionTable) / sizeof(SectionEntry))
    throw FormatError("artifact section table lies outside the file");
  bool haveMeta = false, haveSo = false;
  for (uint32_t i = 0; i < h.sectionCount; ++i) {
    SectionEntry e;
    std::memcpy(&e, data + h.sectionTable + i * sizeof(SectionEntry), sizeof(e));
    if (e.offset > size || e.size > size - e.offset)
      throw FormatError("artifact section " + std::to_string(i) +
                        " lies outside the file");
    const char *p = data + e.offset;
    switch (e.kind) {
    case kSectionMetadata:
      v.metadata = parseMetadata(p, e.size);
      haveMeta = true;
      break;
    case kSectionSharedObject:
      v.sharedObject = p;
      v.sharedObjectSize = e.size;
      haveSo = true;
      break;
    case kSectionWeights:
      v.weights = p;
      v.weightsSize = e.size;
      v.weightsOffset = e.offset;
      break;
    default:
      break; // unknown sections are skipped (forward compatible)
    }
  }
  if (!haveMeta || !haveSo)
    throw FormatError("artifact lacks its metadata or code section");
  for (const WeightInfo &w : v.metadata.weights)
    if (w.offset > v.weightsSize || w.bytes > v.weightsSize - w.offset)
      throw FormatError("artifact weight lies outside the weights section");
  return v;
}

} // namespace txc::rt
