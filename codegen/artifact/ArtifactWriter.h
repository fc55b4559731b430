//===- ArtifactWriter.h - Writes model.txc ----------------------*- C++ -*-===//
//
// MLIR-free: takes the metadata, the linked shared object and the weight
// blobs (pointers into the weights the importer loaded, never copied) and
// writes the file described in runtime/include/txc/format.h.
//
//===----------------------------------------------------------------------===//
#ifndef TXC_CODEGEN_ARTIFACT_ARTIFACTWRITER_H
#define TXC_CODEGEN_ARTIFACT_ARTIFACTWRITER_H

#include "txc/format.h"

#include <string>
#include <string_view>
#include <vector>

namespace txc::artifact {

struct WeightBlob {
  const void *data;
  uint64_t bytes;
};

/// Lays the artifact out: fills `meta.weights[i].offset` (aligned) and
/// returns the file bytes without the weights (header, section table,
/// metadata, shared object, padding); `weightsOffset` gets the file offset of
/// the weights section. Kept separate so the writer can stream weights.
struct Layout {
  std::string head;          // everything before the weights
  uint64_t weightsOffset = 0;
  uint64_t weightsBytes = 0; // section size including padding
  uint64_t fileSize = 0;
};

/// Writes the artifact to `path` (atomically: a temporary file renamed).
/// Returns an error message, or "" on success.
std::string writeArtifact(const std::string &path, format::Metadata meta,
                          std::string_view sharedObject,
                          const std::vector<WeightBlob> &weights,
                          uint64_t cpuFeatures);

/// Same, into memory (tests, in-process compile-and-run).
std::string buildArtifact(format::Metadata meta, std::string_view sharedObject,
                          const std::vector<WeightBlob> &weights,
                          uint64_t cpuFeatures);

} // namespace txc::artifact

#endif
