//===- format.h - The model.txc artifact format ------------------*- C++ -*-===//
//
// One file: a fixed header, a table of sections, and the sections: metadata
// (inputs, outputs, weights, options), the model's shared object, and the
// weights (page-aligned so the runtime can map them read-only). A checksum
// covers everything after the header. Shared by the writer (codegen/artifact)
// and the loader (runtime/src); MLIR-free, no dependencies beyond the C++
// standard library. All integers are little-endian.
//
//===----------------------------------------------------------------------===//
#ifndef TXC_FORMAT_H
#define TXC_FORMAT_H

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace txc::format {

inline constexpr char kMagic[8] = {'T', 'X', 'C', 'M', 'O', 'D', 'E', 'L'};
/// Bumped whenever the layout or the meaning of a field changes.
inline constexpr uint32_t kFormatVersion = 1;
/// Alignment of the weights section and of each weight inside it.
inline constexpr uint64_t kWeightAlignment = 4096;

enum SectionKind : uint32_t {
  kSectionMetadata = 1,
  kSectionSharedObject = 2,
  kSectionWeights = 3,
};

/// CPU features a compiled artifact may require (bit mask).
enum CpuFeature : uint64_t {
  kFeatureSSE42 = 1u << 0,
  kFeatureAVX = 1u << 1,
  kFeatureAVX2 = 1u << 2,
  kFeatureFMA = 1u << 3,
  kFeatureF16C = 1u << 4,
  kFeatureAVX512F = 1u << 5,
  kFeatureAVX512BW = 1u << 6,
  kFeatureAVX512DQ = 1u << 7,
  kFeatureAVX512VL = 1u << 8,
  kFeatureAVX512VNNI = 1u << 9,
  kFeatureAVX512BF16 = 1u << 10,
  kFeatureBMI2 = 1u << 11,
};
struct FeatureName {
  CpuFeature bit;
  const char *name; // as LLVM and /proc/cpuinfo spell it
};
inline constexpr FeatureName kFeatureNames[] = {
    {kFeatureSSE42, "sse4.2"},         {kFeatureAVX, "avx"},
    {kFeatureAVX2, "avx2"},            {kFeatureFMA, "fma"},
    {kFeatureF16C, "f16c"},            {kFeatureAVX512F, "avx512f"},
    {kFeatureAVX512BW, "avx512bw"},    {kFeatureAVX512DQ, "avx512dq"},
    {kFeatureAVX512VL, "avx512vl"},    {kFeatureAVX512VNNI, "avx512vnni"},
    {kFeatureAVX512BF16, "avx512bf16"}, {kFeatureBMI2, "bmi2"},
};

/// The fixed-size file header (64 bytes).
struct FileHeader {
  char magic[8];
  uint32_t formatVersion;
  uint32_t headerSize;   // sizeof(FileHeader)
  uint64_t fileSize;     // whole file, bytes
  uint64_t checksum;     // checksum64 of bytes [headerSize, fileSize)
  uint64_t cpuFeatures;  // CpuFeature bits the code needs
  uint64_t sectionTable; // offset of the section table
  uint32_t sectionCount;
  uint32_t reserved0;
  uint64_t reserved1;
};
static_assert(sizeof(FileHeader) == 64, "header layout");

struct SectionEntry {
  uint32_t kind;
  uint32_t reserved;
  uint64_t offset;
  uint64_t size;
};
static_assert(sizeof(SectionEntry) == 24, "section layout");

/// A fast 64-bit checksum (four interleaved multiply-xor lanes over 8-byte
/// words, then the tail). Detects truncation and corruption; not a MAC.
inline uint64_t checksum64(const void *data, uint64_t size) {
  const unsigned char *p = static_cast<const unsigned char *>(data);
  const uint64_t k = 0x9E3779B97F4A7C15ull;
  uint64_t h[4] = {k ^ size, k * 3, k * 5, k * 7};
  uint64_t i = 0;
  for (; i + 32 <= size; i += 32)
    for (int l = 0; l < 4; ++l) {
      uint64_t w;
      std::memcpy(&w, p + i + 8 * l, 8);
      h[l] = (h[l] ^ w) * k;
      h[l] ^= h[l] >> 29;
    }
  uint64_t r = h[0] ^ (h[1] << 1) ^ (h[2] << 2) ^ (h[3] << 3);
  for (; i < size; ++i)
    r = (r ^ p[i]) * 0x100000001B3ull;
  r ^= r >> 31;
  return r * k;
}

// --- Metadata ---------------------------------------------------------------

/// One dim of an input or output: a static size, or a named/unnamed dynamic
/// dim with bounds [lo, hi] (hi = -1: unbounded).
struct DimInfo {
  int64_t size = -1; // -1: dynamic
  std::string name;
  int64_t lo = 1, hi = -1;
};

struct TensorInfo {
  std::string name;
  int32_t dtype = 1; // ONNX TensorProto.DataType code
  std::vector<DimInfo> dims;
};

struct WeightInfo {
  uint64_t offset = 0; // within the weights section
  uint64_t bytes = 0;
  int32_t dtype = 1;
  std::vector<int64_t> shape;
};

/// A buffer of the memory plan (for `txc inspect`).
struct PlanBuffer {
  uint64_t offset = 0, bytes = 0;
  int32_t firstUse = 0, lastUse = 0;
};

struct Metadata {
  std::string producer;    // "txc <version>"
  std::string options;     // compile options, as given
  std::string targetCpu;   // LLVM CPU name the code was built for
  std::string entrySymbol; // "txc_entry"
  std::vector<TensorInfo> inputs, outputs;
  std::vector<WeightInfo> weights;
  std::vector<std::string> kernels; // notable kernels/op families used
  uint64_t arenaBytes = 0, arenaLowerBound = 0;
  std::vector<PlanBuffer> plan;
  uint64_t opCount = 0;
};

/// Append-only little-endian writer.
class Writer {
public:
  void u32(uint32_t v) { raw(&v, 4); }
  void i32(int32_t v) { raw(&v, 4); }
  void u64(uint64_t v) { raw(&v, 8); }
  void i64(int64_t v) { raw(&v, 8); }
  void str(const std::string &s) {
    u64(s.size());
    raw(s.data(), s.size());
  }
  void raw(const void *p, size_t n) {
    const char *c = static_cast<const char *>(p);
    buf_.insert(buf_.end(), c, c + n);
  }
  std::string &bytes() { return buf_; }

private:
  std::string buf_;
};

/// Bounds-checked reader; every read past the end throws FormatError.
class FormatError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

class Reader {
public:
  Reader(const void *data, uint64_t size)
      : p_(static_cast<const char *>(data)), size_(size) {}
  uint32_t u32() { return get<uint32_t>(); }
  int32_t i32() { return get<int32_t>(); }
  uint64_t u64() { return get<uint64_t>(); }
  int64_t i64() { return get<int64_t>(); }
  std::string str() {
    uint64_t n = u64();
    need(n, "string");
    std::string s(p_ + pos_, n);
    pos_ += n;
    return s;
  }
  /// A count of items that each take at least `minItemBytes`: refuses counts
  /// the remaining bytes cannot hold (so a corrupt count never allocates).
  uint64_t count(uint64_t minItemBytes, const char *what) {
    uint64_t n = u64();
    if (minItemBytes && n > (size_ - pos_) / minItemBytes)
      throw FormatError(std::string("metadata: ") + what + " count " +
                        std::to_string(n) + " exceeds the section");
    return n;
  }
  bool atEnd() const { return pos_ == size_; }

private:
  template <typename T> T get() {
    need(sizeof(T), "field");
    T v;
    std::memcpy(&v, p_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  void need(uint64_t n, const char *what) {
    if (n > size_ - pos_)
      throw FormatError(std::string("metadata: truncated ") + what);
  }
  const char *p_;
  uint64_t size_, pos_ = 0;
};

inline void writeTensorInfo(Writer &w, const TensorInfo &t) {
  w.str(t.name);
  w.i32(t.dtype);
  w.u64(t.dims.size());
  for (const DimInfo &d : t.dims) {
    w.i64(d.size);
    w.str(d.name);
    w.i64(d.lo);
    w.i64(d.hi);
  }
}

inline TensorInfo readTensorInfo(Reader &r) {
  TensorInfo t;
  t.name = r.str();
  t.dtype = r.i32();
  uint64_t rank = r.count(32, "dim");
  if (rank > 64)
    throw FormatError("metadata: rank " + std::to_string(rank) + " of '" +
                      t.name + "' is above 64");
  for (uint64_t i = 0; i < rank; ++i) {
    DimInfo d;
    d.size = r.i64();
    d.name = r.str();
    d.lo = r.i64();
    d.hi = r.i64();
    t.dims.push_back(d);
  }
  return t;
}

inline std::string serializeMetadata(const Metadata &m) {
  Writer w;
  w.str(m.producer);
  w.str(m.options);
  w.str(m.targetCpu);
  w.str(m.entrySymbol);
  w.u64(m.inputs.size());
  for (const TensorInfo &t : m.inputs)
    writeTensorInfo(w, t);
  w.u64(m.outputs.size());
  for (const TensorInfo &t : m.outputs)
    writeTensorInfo(w, t);
  w.u64(m.weights.size());
  for (const WeightInfo &x : m.weights) {
    w.u64(x.offset);
    w.u64(x.bytes);
    w.i32(x.dtype);
    w.u64(x.shape.size());
    for (int64_t d : x.shape)
      w.i64(d);
  }
  w.u64(m.kernels.size());
  for (const std::string &k : m.kernels)
    w.str(k);
  w.u64(m.arenaBytes);
  w.u64(m.arenaLowerBound);
  w.u64(m.plan.size());
  for (const PlanBuffer &b : m.plan) {
    w.u64(b.offset);
    w.u64(b.bytes);
    w.i32(b.firstUse);
    w.i32(b.lastUse);
  }
  w.u64(m.opCount);
  return std::move(w.bytes());
}

inline Metadata parseMetadata(const void *data, uint64_t size) {
  Reader r(data, size);
  Metadata m;
  m.producer = r.str();
  m.options = r.str();
  m.targetCpu = r.str();
  m.entrySymbol = r.str();
  for (uint64_t i = 0, n = r.count(20, "input"); i < n; ++i)
    m.inputs.push_back(readTensorInfo(r));
  for (uint64_t i = 0, n = r.count(20, "output"); i < n; ++i)
    m.outputs.push_back(readTensorInfo(r));
  for (uint64_t i = 0, n = r.count(28, "weight"); i < n; ++i) {
    WeightInfo x;
    x.offset = r.u64();
    x.bytes = r.u64();
    x.dtype = r.i32();
    uint64_t rank = r.count(8, "weight dim");
    for (uint64_t j = 0; j < rank; ++j)
      x.shape.push_back(r.i64());
    m.weights.push_back(x);
  }
  for (uint64_t i = 0, n = r.count(8, "kernel"); i < n; ++i)
    m.kernels.push_back(r.str());
  m.arenaBytes = r.u64();
  m.arenaLowerBound = r.u64();
  for (uint64_t i = 0, n = r.count(24, "plan buffer"); i < n; ++i) {
    PlanBuffer b;
    b.offset = r.u64();
    b.bytes = r.u64();
    b.firstUse = r.i32();
    b.lastUse = r.i32();
    m.plan.push_back(b);
  }
  m.opCount = r.u64();
  if (!r.atEnd())
    throw FormatError("metadata: trailing bytes");
  return m;
}

/// Bytes of one element of an ONNX dtype (0 for unsupported codes).
inline size_t dtypeBytes(int32_t onnx) {
  switch (onnx) {
  case 1: case 6: case 12: return 4;        // float, int32, uint32
  case 2: case 3: case 9: return 1;         // uint8, int8, bool
  case 4: case 5: case 10: case 16: return 2; // uint16, int16, f16, bf16
  case 7: case 11: case 13: return 8;       // int64, double, uint64
  default: return 0;
  }
}

inline const char *dtypeName(int32_t onnx) {
  switch (onnx) {
  case 1: return "float32"; case 2: return "uint8"; case 3: return "int8";
  case 4: return "uint16"; case 5: return "int16"; case 6: return "int32";
  case 7: return "int64"; case 9: return "bool"; case 10: return "float16";
  case 11: return "float64"; case 12: return "uint32"; case 13: return "uint64";
  case 16: return "bfloat16";
  default: return "unknown";
  }
}

} // namespace txc::format

#endif // TXC_FORMAT_H
