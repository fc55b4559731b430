//===- Npy.cpp - NumPy .npy file reading and writing ----------------------===//

#include "Npy.h"

#include "ir/semantics/DTypes.h"

#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <fstream>
#include <sstream>

namespace txc::ref {

static const char *npyDescr(DType t) {
  return semantics::kDTypes[static_cast<size_t>(t)].npyDescr;
}

static bool dtypeFromDescr(const std::string &d, DType &out) {
  const semantics::DTypeRow *r = semantics::dtypeByNpyDescr(d);
  if (!r)
    return false;
  out = static_cast<DType>(semantics::dtypeIndex(r));
  return true;
}

static std::string headerValue(const std::string &h, const std::string &key) {
  size_t k = h.find("'" + key + "'");
  if (k == std::string::npos)
    return "";
  size_t colon = h.find(':', k);
  if (colon == std::string::npos)
    return "";
  size_t start = h.find_first_not_of(' ', colon + 1);
  if (start == std::string::npos)
    return "";
  if (h[start] == '\'') {
    size_t end = h.find('\'', start + 1);
    return end == std::string::npos ? "" : h.substr(start + 1, end - start - 1);
  }
  if (h[start] == '(') {
    size_t end = h.find(')', start);
    return end == std::string::npos ? "" : h.substr(start, end - start + 1);
  }
  size_t end = h.find_first_of(",}", start);
  return h.substr(start, end - start);
}

Tensor readNpy(const std::string &path) {
  // A FIFO, a device or a directory is refused before it is opened (opening
  // a FIFO blocks; /dev/zero never ends).
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    throw EvalError("cannot open '" + path + "': " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    throw EvalError("'" + path + "' is not a regular file");
  uint64_t fileSize = static_cast<uint64_t>(st.st_size);
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw EvalError("cannot open '" + path + "'");
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    throw EvalError("'" + path + "' is not a .npy file (bad magic)");
  uint32_t headerLen = 0;
  if (magic[6] == 1) {
    unsigned char b[2];
    if (!in.read(reinterpret_cast<char *>(b), 2))
      throw EvalError("'" + path + "': truncated header");
    headerLen = b[0] | (b[1] << 8);
  } else {
    unsigned char b[4];
    if (!in.read(reinterpret_cast<char *>(b), 4))
      throw EvalError("'" + path + "': truncated header");
    headerLen = b[0] | (b[1] << 8) | (b[2] << 16) | (uint32_t(b[3]) << 24);
  }
  if (headerLen > (1u << 20))
    throw EvalError("'" + path + "': header too large");
  std::string header(headerLen, '\0');
  if (!in.read(header.data(), headerLen))
    throw EvalError("'" + path + "': truncated header");
  std::string descr = headerValue(header, "descr");
  std::string order = headerValue(header, "fortran_order");
  std::string shapeStr = headerValue(header, "shape");
  DType dt;
  if (!dtypeFromDescr(descr, dt))
    throw EvalError("'" + path + "': unsupported dtype '" + descr + "'");
  if (order.find("True") != std::string::npos)
    throw EvalError("'" + path + "': Fortran-order arrays are not supported");
  if (shapeStr.empty() || shapeStr[0] != '(')
    throw EvalError("'" + path + "': missing shape in header");
  Shape shape;
  std::stringstream ss(shapeStr.substr(1, shapeStr.size() - 2));
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t b = item.find_first_not_of(' ');
    if (b == std::string::npos)
      continue;
    std::string digits = item.substr(b, item.find_last_not_of(' ') + 1 - b);
    int64_t d = 0;
    bool ok = !digits.empty() && digits.size() <= 18;
    for (char c : digits)
      ok = ok && c >= '0' && c <= '9';
    if (ok)
      d = std::stoll(digits);
    if (!ok)
      throw EvalError("'" + path + "': bad shape '" + shapeStr +
                      "' (dims must be non-negative integers)");
    shape.push_back(d);
  }
  size_t want = checkedByteSize(dt, shape, "'" + path + "': the array");
  uint64_t dataStart = 8 + (magic[6] == 1 ? 2 : 4) + uint64_t(headerLen);
  if (fileSize < dataStart || fileSize - dataStart < want)
    throw EvalError("'" + path + "': truncated data (expected " + std::to_string(want) +
                    " bytes for shape " + shapeToString(shape) + ", the file has " +
                    std::to_string(fileSize < dataStart ? 0 : fileSize - dataStart) + ")");
  Tensor t(dt, shape);
  if (t.byteSize() &&
      !in.read(static_cast<char *>(t.mutableRaw()), t.byteSize()))
    throw EvalError("'" + path + "': truncated data (expected " +
                    std::to_string(t.byteSize()) + " bytes for shape " +
                    shapeToString(shape) + ")");
  return t;
}

void writeNpy(const std::string &path, const Tensor &t) {
  std::ostringstream h;
  h << "{'descr': '" << npyDescr(t.dtype()) << "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < t.shape().size(); ++i)
    h << t.shape()[i] << (t.shape().size() == 1 ? "," : (i + 1 < t.shape().size() ? ", " : ""));
  h << "), }";
  std::string header = h.str();
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::ofstream out(path, std::ios::binary);
  if (!out)
    throw EvalError("cannot write '" + path + "'");
  out.write("\x93NUMPY\x01\x00", 8);
  uint16_t len = static_cast<uint16_t>(header.size());
  char lb[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
  out.write(lb, 2);
  out.write(header.data(), header.size());
  out.write(static_cast<const char *>(t.raw()), t.byteSize());
  if (!out)
    throw EvalError("error writing '" + path + "'");
}

} // namespace txc::ref
