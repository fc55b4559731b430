//===- OnnxTensor.cpp - ONNX TensorProto conversion -----------------------===//

#include "frontend/OnnxTensor.h"
#include "frontend/LeanModelReader.h"
#include "ir/TxcDialect.h"
#include "ir/semantics/DTypes.h"
#include "ir/semantics/Limits.h"

#include "onnx/onnx_pb.h"

#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Path.h"

#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fstream>

using namespace mlir;

namespace txc {

/// A decimal integer without sign, spaces or suffix that fits in 63 bits.
static bool parseOffset(const std::string &s, uint64_t &out) {
  if (s.empty() || s.size() > 18)
    return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return false;
    out = out * 10 + uint64_t(c - '0');
  }
  return true;
}

/// Opens external data file `location` of a model in `baseDir`: only a
/// relative path that stays inside the model's folder (after following
/// symlinks) and names a regular file. Returns the fd or -1 with `error`.
static int openExternalFile(const std::string &baseDir, const std::string &location,
                            uint64_t &fileSize, std::string &error) {
  auto refuse = [&](const std::string &why) {
    error = "external data file '" + location + "' is refused: " + why;
    return -1;
  };
  if (location.find('\0') != std::string::npos)
    return refuse("the location contains a NUL byte");
  if (llvm::sys::path::is_absolute(location) || location[0] == '/' || location[0] == '~')
    return refuse("an absolute path; external data must lie in the model's folder");
  for (auto it = llvm::sys::path::begin(location), e = llvm::sys::path::end(location);
       it != e; ++it)
    if (*it == "..")
      return refuse("'..' leads out of the model's folder");
  std::string base = baseDir.empty() ? "." : baseDir;
  llvm::SmallString<256> joined(base);
  llvm::sys::path::append(joined, location);
  char resolvedBase[PATH_MAX], resolvedFile[PATH_MAX];
  if (!::realpath(base.c_str(), resolvedBase)) {
    error = "cannot resolve the model's folder '" + base + "': " + std::strerror(errno);
    return -1;
  }
  if (!::realpath(joined.c_str(), resolvedFile)) {
    error = "cannot open external data file '" + std::string(joined) +
            "': " + std::strerror(errno);
    return -1;
  }
  std::string root = resolvedBase;
  if (root.back() != '/')
    root += '/';
  if (root == std::string(resolvedFile) + "/")
    return refuse("it names the model's folder itself, not a regular file");
  if (std::strncmp(resolvedFile, root.c_str(), root.size()) != 0)
    return refuse("it resolves to '" + std::string(resolvedFile) +
                  "', outside the model's folder '" + std::string(resolvedBase) +
                  "' (through a symlink)");
  int fd = ::open(resolvedFile, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
  if (fd < 0) {
    error = "cannot open external data file '" + std::string(joined) +
            "': " + std::strerror(errno);
    return -1;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return refuse("not a regular file");
  }
  fileSize = static_cast<uint64_t>(st.st_size);
  return fd;
}

static bool readExternalData(const onnx::TensorProto &t, size_t want,
                             const std::string &baseDir, std::string &out,
                             std::string &error) {
  std::string location;
  uint64_t offset = 0, length = 0;
  bool hasLength = false;
  llvm::StringSet<> seen;
  for (const auto &kv : t.external_data()) {
    if (!seen.insert(kv.key()).second) {
      error = "external data key '" + kv.key() + "' is given twice";
      return false;
    }
    if (kv.key() == "location") {
      location = kv.value();
    } else if (kv.key() == "offset") {
      if (!parseOffset(kv.value(), offset)) {
        error = "external data offset '" + kv.value() + "' is not a non-negative integer";
        return false;
      }
    } else if (kv.key() == "length") {
      if (!parseOffset(kv.value(), length)) {
        error = "external data length '" + kv.value() + "' is not a non-negative integer";
        return false;
      }
      hasLength = true;
    }
  }
  if (location.empty()) {
    error = "external data without a location";
    return false;
  }
  if (hasLength && length != want) {
    error = "external data length " + std::to_string(length) +
            " does not match the tensor size " + std::to_string(want);
    return false;
  }
  uint64_t fileSize = 0;
  int fd = openExternalFile(baseDir, location, fileSize, error);
  if (fd < 0)
    return false;
  if (offset > fileSize || fileSize - offset < want) {
    ::close(fd);
    error = "external data file '" + location + "' has " + std::to_string(fileSize) +
            " bytes, too short for " + std::to_string(want) + " bytes at offset " +
            std::to_string(offset);
    return false;
  }
  out.resize(want);
  char *dst = out.data();
  size_t left = want;
  while (left > 0) {
    ssize_t n = ::pread(fd, dst, left, static_cast<off_t>(offset));
    if (n <= 0) {
      ::close(fd);
      error = "cannot read external data file '" + location + "'";
      return false;
    }
    dst += n;
    offset += n;
    left -= n;
  }
  ::close(fd);
  return true;
}

/// Bytes of the tensor's data in little-endian element layout (bool = 1 byte,
/// f16/bf16 = 2 bytes), whichever field holds it. `n` elements, checked by
/// the caller to fit in memory.
static bool gatherBytes(const onnx::TensorProto &t, const semantics::DTypeRow &dt,
                        int64_t n, const std::string &baseDir, std::string &out,
                        std::string &error) {
  size_t esize = dt.byteSize();
  size_t want = static_cast<size_t>(n) * esize;
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    return readExternalData(t, want, baseDir, out, error);
  if (t.has_raw_data()) {
    if (t.raw_data().size() != want) {
      error = "raw_data has " + std::to_string(t.raw_data().size()) +
              " bytes, expected " + std::to_string(want);
      return false;
    }
    out = t.raw_data();
    return true;
  }
  out.assign(want, '\0');
  char *p = out.data();
  auto check = [&](int64_t have) {
    if (have != n) {
      error = "tensor has " + std::to_string(have) + " values for " +
              std::to_string(n) + " elements";
      return false;
    }
    return true;
  };
  switch (dt.onnxCode) {
  case onnx::TensorProto::FLOAT:
    if (!check(t.float_data_size())) return false;
    std::memcpy(p, t.float_data().data(), want);
    return true;
  case onnx::TensorProto::DOUBLE:
    if (!check(t.double_data_size())) return false;
    std::memcpy(p, t.double_data().data(), want);
    return true;
  case onnx::TensorProto::INT64:
    if (!check(t.int64_data_size())) return false;
    std::memcpy(p, t.int64_data().data(), want);
    return true;
  case onnx::TensorProto::UINT32:
  case onnx::TensorProto::UINT64:
    if (!check(t.uint64_data_size())) return false;
    for (int64_t i = 0; i < n; ++i) {
      uint64_t v = t.uint64_data(i);
      std::memcpy(p + i * esize, &v, esize); // little-endian truncation
    }
    return true;
  default: // int32_data carries int32 and every narrower type
    if (!check(t.int32_data_size())) return false;
    for (int64_t i = 0; i < n; ++i) {
      int32_t v = t.int32_data(i);
      std::memcpy(p + i * esize, &v, esize);
    }
    return true;
  }
}

/// The tensor's shape, refused when a dim is negative or the byte count
/// overflows or exceeds `maxBytes` (before anything is allocated).
static std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

static bool shapeOf(const onnx::TensorProto &t, const semantics::DTypeRow &dt,
                    uint64_t maxBytes, std::vector<int64_t> &shape, int64_t &numel,
                    std::string &error) {
  uint64_t n = 1;
  bool overflow = false;
  for (int64_t d : t.dims()) {
    if (d < 0) {
      error = "negative dim " + std::to_string(d);
      return false;
    }
    overflow |= __builtin_mul_overflow(n, static_cast<uint64_t>(d), &n);
    shape.push_back(d);
  }
  uint64_t bytes = 0;
  overflow |= __builtin_mul_overflow(n, uint64_t(dt.byteSize()), &bytes);
  if (overflow || bytes > maxBytes) {
    error = "shape " + shapeString(shape) + " (" + dt.name + ") needs " +
            (overflow ? std::string("more than 2^64") : std::to_string(bytes)) +
            " bytes, above the limit of " + std::to_string(maxBytes) +
            " bytes (--max-tensor-bytes)";
    return false;
  }
  numel = static_cast<int64_t>(n);
  return true;
}

/// A dense_resource key the MLIR parser can read back: ONNX names such as
/// "onnx::MatMul_1458" or "layer/0/w:0" become "onnx__MatMul_1458".
static std::string resourceKey(const std::string &name) {
  if (name.empty())
    return "weight";
  std::string key = name;
  for (char &c : key)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.')
      c = '_';
  if (std::isdigit(static_cast<unsigned char>(key[0])))
    key = "w" + key;
  return key;
}

ElementsAttr convertTensor(MLIRContext *ctx, onnx::TensorProto &t,
                           const TensorReadContext &rc, std::string &error) {
  const semantics::DTypeRow *row = semantics::dtypeByOnnxCode(t.data_type());
  if (!row) {
    error = "unsupported tensor dtype " +
            onnx::TensorProto::DataType_Name(
                static_cast<onnx::TensorProto::DataType>(t.data_type()));
    return {};
  }
  const semantics::DTypeRow &dt = *row;
  bool isBool = dt.kind == semantics::ElemKind::Bool;
  std::vector<int64_t> shape;
  int64_t n = 0;
  if (!shapeOf(t, dt,
               rc.maxTensorBytes ? rc.maxTensorBytes : semantics::maxTensorBytes(),
               shape, n, error))
    return {};
  Type elem = elementTypeFromOnnx(ctx, t.data_type());
  auto type = RankedTensorType::get(shape, elem);

  size_t byteSize = static_cast<size_t>(n) * dt.byteSize();
  if (rc.raw && rc.raw->present) {
    // raw_data left in the file by LeanModel: read it once into a 64-byte
    // aligned buffer that the blob (or, for small tensors, this function)
    // owns.
    if (rc.raw->length != byteSize) {
      error = "raw_data has " + std::to_string(rc.raw->length) +
              " bytes, expected " + std::to_string(byteSize);
      return {};
    }
    char *buf = static_cast<char *>(
        ::operator new(std::max<size_t>(byteSize, 1), std::align_val_t(64)));
    if (!rc.lean->read(rc.raw->offset, byteSize, buf)) {
      ::operator delete(buf, std::align_val_t(64));
      error = "cannot read the tensor's data from the model file";
      return {};
    }
    if (n > rc.resourceThreshold && !isBool) {
      AsmResourceBlob blob = UnmanagedAsmResourceBlob::allocateWithAlign(
          ArrayRef<char>(buf, byteSize), 64, [](void *p, size_t, size_t) {
            ::operator delete(p, std::align_val_t(64));
          });
      return DenseResourceElementsAttr::get(type, resourceKey(t.name()),
                                            std::move(blob));
    }
    t.set_raw_data(buf, byteSize); // small: fall through to a dense attr
    ::operator delete(buf, std::align_val_t(64));
  }

  if (n > rc.resourceThreshold && !isBool) {
    // Move raw_data into the blob when it is already in the right layout.
    auto holder = std::make_unique<std::string>();
    if (t.has_raw_data() && t.data_location() != onnx::TensorProto::EXTERNAL &&
        t.raw_data().size() == static_cast<size_t>(n) * dt.byteSize()) {
      *holder = std::move(*t.mutable_raw_data());
      t.clear_raw_data();
    } else if (!gatherBytes(t, dt, n, rc.baseDir, *holder, error)) {
      return {};
    }
    std::string *raw = holder.release();
    ArrayRef<char> data(raw->data(), raw->size());
    AsmResourceBlob blob = UnmanagedAsmResourceBlob::allocateWithAlign(
        data, dt.byteSize(),
        [raw](void *, size_t, size_t) { delete raw; });
    return DenseResourceElementsAttr::get(type, resourceKey(t.name()),
                                          std::move(blob));
  }

  std::string bytes;
  if (!gatherBytes(t, dt, n, rc.baseDir, bytes, error))
    return {};
  if (isBool) {
    SmallVector<bool> values;
    for (int64_t i = 0; i < n; ++i)
      values.push_back(bytes[i] != 0);
    return DenseElementsAttr::get(type, values);
  }
  bool detectedSplat = false;
  if (!DenseElementsAttr::isValidRawBuffer(type, ArrayRef<char>(bytes.data(), bytes.size()),
                                           detectedSplat)) {
    error = "tensor data does not match its type";
    return {};
  }
  return DenseElementsAttr::getFromRawBuffer(
      type, ArrayRef<char>(bytes.data(), bytes.size()));
}

bool tensorData(const onnx::TensorProto &t, const std::string &baseDir,
                uint64_t maxBytes, TensorData &out, std::string &error) {
  const semantics::DTypeRow *row = semantics::dtypeByOnnxCode(t.data_type());
  if (!row) {
    error = "unsupported tensor dtype " +
            onnx::TensorProto::DataType_Name(
                static_cast<onnx::TensorProto::DataType>(t.data_type()));
    return false;
  }
  int64_t n = 0;
  out.onnxType = row->onnxCode;
  out.shape.clear();
  if (!shapeOf(t, *row, maxBytes ? maxBytes : semantics::maxTensorBytes(), out.shape, n,
               error))
    return false;
  return gatherBytes(t, *row, n, baseDir, out.bytes, error);
}

} // namespace txc
