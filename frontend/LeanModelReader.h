//===- LeanModelReader.h - Parse ONNX without copying weights ---*- C++ -*-===//
//
// Protobuf would copy every initializer's raw_data into a std::string (and
// over-allocate while doing so: a 435 MB BERT-base peaks above 1 GB). This
// reader walks the wire format of the memory-mapped file, parses a copy of
// the model with the initializers' raw_data left out, and remembers where
// each one lies in the file; the importer then reads each weight once,
// straight into the buffer its blob owns.
//
//===----------------------------------------------------------------------===//
#ifndef TXC_FRONTEND_LEANMODELREADER_H
#define TXC_FRONTEND_LEANMODELREADER_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace onnx {
class ModelProto;
}

namespace txc {

/// Where the raw_data of graph initializer #i lies in the model file.
struct RawDataRange {
  bool present = false;
  uint64_t offset = 0;
  uint64_t length = 0;
};

class LeanModel {
public:
  /// Parses `path`. On failure returns null and sets `error`.
  static std::unique_ptr<LeanModel> open(const std::string &path,
                                         onnx::ModelProto &model,
                                         std::string &error);
  ~LeanModel();

  /// raw_data location of the i-th graph initializer (in file order).
  const RawDataRange &rawData(size_t initializerIndex) const;
  /// Reads `length` bytes at `offset` of the file into `dst`.
  bool read(uint64_t offset, uint64_t length, char *dst) const;

private:
  LeanModel() = default;
  int fd_ = -1;
  std::vector<RawDataRange> ranges_;
};

} // namespace txc

#endif
