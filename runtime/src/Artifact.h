//===- Artifact.h - Validating and splitting a model.txc image --*- C++ -*-===//
#ifndef TXC_RUNTIME_ARTIFACT_H
#define TXC_RUNTIME_ARTIFACT_H

#include "txc/format.h"

#include <cstdint>
#include <string>

namespace txc::rt {

/// The parts of a validated artifact image (pointers into the image).
struct ArtifactView {
  format::FileHeader header;
  format::Metadata metadata;
  const char *sharedObject = nullptr;
  uint64_t sharedObjectSize = 0;
  const char *weights = nullptr;
  uint64_t weightsSize = 0;
  uint64_t weightsOffset = 0; // in the file
};

/// Checks magic, version, sizes, section bounds, the checksum and the
/// metadata; throws format::FormatError with a message naming the problem.
/// `checkFeatures`: also refuse code built for CPU features the host lacks
/// (the message names them; status UNSUPPORTED_CPU).
ArtifactView parseArtifact(const char *data, uint64_t size);

/// CPU feature bits (format::CpuFeature) this host can run.
uint64_t hostCpuFeatures();
/// "avx512f, avx512bw" for a mask of features.
std::string featureList(uint64_t mask);

} // namespace txc::rt

#endif
