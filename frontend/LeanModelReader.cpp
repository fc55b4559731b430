//===- LeanModelReader.cpp - Parse ONNX without copying weights -----------===//

#include "frontend/LeanModelReader.h"

#include "onnx/onnx_pb.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace txc {

namespace {

// Field numbers of the path ModelProto.graph(7).initializer(5).raw_data(9).
constexpr uint32_t kModelGraph = 7, kGraphInitializer = 5, kTensorRawData = 9;

/// A cursor over protobuf wire-format bytes.
struct Wire {
  const uint8_t *p, *end;
  bool ok = true;

  bool atEnd() const { return p >= end; }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p >= end) {
        ok = false;
        return 0;
      }
      uint8_t b = *p++;
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80))
        return v;
    }
    ok = false;
    return 0;
  }
  /// Skips a field's payload; returns [start, end) of it in `span`.
  bool skip(uint32_t wireType, const uint8_t *&start, const uint8_t *&stop) {
    start = p;
    switch (wireType) {
    case 0: varint(); break;
    case 1: p += 8; break;
    case 5: p += 4; break;
    case 2: {
      uint64_t n = varint();
      if (!ok || n > uint64_t(end - p))
        return ok = false;
      start = p;
      p += n;
      break;
    }
    default:
      return ok = false;
    }
    stop = p;
    return ok = ok && p <= end;
  }
};

void putVarint(std::string &out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

/// Copies a message's fields to `out`, recursing into the fields on the
/// path to raw_data and dropping raw_data itself (its range is recorded).
bool strip(const uint8_t *begin, const uint8_t *end, int depth,
           const uint8_t *fileBase, std::vector<RawDataRange> &ranges,
           std::string &out) {
  Wire w{begin, end};
  RawDataRange *current = nullptr;
  if (depth == 2) {
    ranges.emplace_back();
    current = &ranges.back();
  }
  while (!w.atEnd()) {
    const uint8_t *fieldStart = w.p;
    uint64_t tag = w.varint();
    if (!w.ok)
      return false;
    uint32_t field = static_cast<uint32_t>(tag >> 3), type = tag & 7;
    const uint8_t *s, *e;
    if (!w.skip(type, s, e))
      return false;
    bool descend = type == 2 && ((depth == 0 && field == kModelGraph) ||
                                 (depth == 1 && field == kGraphInitializer));
    if (descend) {
      std::string inner;
      if (!strip(s, e, depth + 1, fileBase, ranges, inner))
        return false;
      putVarint(out, tag);
      putVarint(out, inner.size());
      out += inner;
    } else if (depth == 2 && field == kTensorRawData && type == 2) {
      current = &ranges.back(); // ranges may have grown: refresh
      current->present = true;
      current->offset = static_cast<uint64_t>(s - fileBase);
      current->length = static_cast<uint64_t>(e - s);
    } else {
      out.append(reinterpret_cast<const char *>(fieldStart), w.p - fieldStart);
    }
  }
  return true;
}

} // namespace

std::unique_ptr<LeanModel> LeanModel::open(const std::string &path,
                                           onnx::ModelProto &model,
                                           std::string &error) {
  std::unique_ptr<LeanModel> lean(new LeanModel());
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused
  // below, as are devices (/dev/zero) and directories, before any read.
  lean->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (lean->fd_ < 0) {
    error = "cannot open '" + path + "': " + std::strerror(errno);
    return nullptr;
  }
  struct stat st;
  if (fstat(lean->fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    error = "'" + path + "' is not a regular file (" +
            (S_ISDIR(st.st_mode)    ? "a directory"
             : S_ISFIFO(st.st_mode) ? "a FIFO"
             : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                                                          : "not a file") +
            ")";
    return nullptr;
  }
  size_t size = static_cast<size_t>(st.st_size);
  std::string stripped;
  bool ok = size > 0;
  if (ok) {
    void *map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, lean->fd_, 0);
    if (map == MAP_FAILED) {
      error = "cannot map '" + path + "'";
      return nullptr;
    }
    auto *base = static_cast<const uint8_t *>(map);
    ok = strip(base, base + size, 0, base, lean->ranges_, stripped);
    munmap(map, size);
  }
  if (!ok || !model.ParseFromString(stripped)) {
    error = "'" + path + "' is not a valid ONNX model (protobuf parse "
            "failed; is the file truncated or not an .onnx file?)";
    return nullptr;
  }
  if (lean->ranges_.size() != static_cast<size_t>(model.graph().initializer_size())) {
    error = "'" + path + "': initializer count mismatch while parsing";
    return nullptr;
  }
  return lean;
}

LeanModel::~LeanModel() {
  if (fd_ >= 0)
    ::close(fd_);
}

const RawDataRange &LeanModel::rawData(size_t i) const {
  static const RawDataRange none;
  return i < ranges_.size() ? ranges_[i] : none;
}

bool LeanModel::read(uint64_t offset, uint64_t length, char *dst) const {
  while (length > 0) {
    ssize_t n = pread(fd_, dst, length, static_cast<off_t>(offset));
    if (n <= 0)
      return false;
    dst += n;
    offset += n;
    length -= n;
  }
  return true;
}

} // namespace txc
