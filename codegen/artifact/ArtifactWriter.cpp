//===- ArtifactWriter.cpp - Writes model.txc ------------------------------===//

#include "codegen/artifact/ArtifactWriter.h"

#include <cstdio>
#include <cstring>
#include <fstream>

namespace txc::artifact {

using namespace format;

namespace {

uint64_t alignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

/// Everything but the weights, with the checksum left for the caller.
Layout layout(Metadata &meta, std::string_view so,
              const std::vector<WeightBlob> &weights) {
  uint64_t w = 0;
  meta.weights.resize(weights.size());
  for (size_t i = 0; i < weights.size(); ++i) {
    w = alignUp(w, 64);
    meta.weights[i].offset = w;
    meta.weights[i].bytes = weights[i].bytes;
    w += weights[i].bytes;
  }
  std::string metaBytes = serializeMetadata(meta);
  const uint32_t sections = 3;
  uint64_t tableOffset = sizeof(FileHeader);
  uint64_t metaOffset = tableOffset + sections * sizeof(SectionEntry);
  uint64_t soOffset = alignUp(metaOffset + metaBytes.size(), 64);
  uint64_t weightsOffset = alignUp(soOffset + so.size(), kWeightAlignment);
  uint64_t weightsBytes = alignUp(w, 64);

  Layout l;
  l.weightsOffset = weightsOffset;
  l.weightsBytes = weightsBytes;
  l.fileSize = weightsOffset + weightsBytes;
  l.head.assign(weightsOffset, '\0');
  FileHeader h{};
  std::memcpy(h.magic, kMagic, sizeof(kMagic));
  h.formatVersion = kFormatVersion;
  h.headerSize = sizeof(FileHeader);
  h.fileSize = l.fileSize;
  h.sectionTable = tableOffset;
  h.sectionCount = sections;
  SectionEntry table[sections] = {
      {kSectionMetadata, 0, metaOffset, metaBytes.size()},
      {kSectionSharedObject, 0, soOffset, so.size()},
      {kSectionWeights, 0, weightsOffset, weightsBytes}};
  std::memcpy(&l.head[0], &h, sizeof(h));
  std::memcpy(&l.head[tableOffset], table, sizeof(table));
  std::memcpy(&l.head[metaOffset], metaBytes.data(), metaBytes.size());
  if (!so.empty())
    std::memcpy(&l.head[soOffset], so.data(), so.size());
  return l;
}

void finishHeader(std::string &file, uint64_t features) {
  FileHeader h;
  std::memcpy(&h, file.data(), sizeof(h));
  h.cpuFeatures = features;
  h.checksum = checksum64(file.data() + sizeof(h), file.size() - sizeof(h));
  std::memcpy(&file[0], &h, sizeof(h));
}

} // namespace

std::string buildArtifact(Metadata meta, std::string_view so,
                          const std::vector<WeightBlob> &weights,
                          uint64_t cpuFeatures) {
  Layout l = layout(meta, so, weights);
  std::string file = std::move(l.head);
  file.resize(l.fileSize, '\0');
  for (size_t i = 0; i < weights.size(); ++i)
    if (weights[i].bytes)
      std::memcpy(&file[l.weightsOffset + meta.weights[i].offset], weights[i].data,
                  weights[i].bytes);
  finishHeader(file, cpuFeatures);
  return file;
}

std::string writeArtifact(const std::string &path, Metadata meta,
                          std::string_view so,
                          const std::vector<WeightBlob> &weights,
                          uint64_t cpuFeatures) {
  // The checksum covers the weights, so the whole image is built once in
  // memory; weights are copied into it exactly once.
  std::string file = buildArtifact(std::move(meta), so, weights, cpuFeatures);
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out)
      return "cannot write '" + tmp + "'";
    out.write(file.data(), static_cast<std::streamsize>(file.size()));
    if (!out)
      return "cannot write '" + tmp + "' (disk full?)";
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return "cannot rename '" + tmp + "' to '" + path + "'";
  }
  return "";
}

} // namespace txc::artifact
