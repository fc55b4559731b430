//===- OnnxTensor.cpp - ONNX TensorProto conversion -----------------------===//

#include "frontend/OnnxTensor.h"
#include "frontend/LeanModelReader.h"
#include "ir/TxcDialect.h"

#include "onnx/onnx_pb.h"

#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Path.h"

#include <cstring>
#include <fstream>

using namespace mlir;

namespace txc {

/// Bytes of the tensor's data in little-endian element layout (bool = 1 byte,
/// f16/bf16 = 2 bytes), whichever field holds it.
static bool gatherBytes(const onnx::TensorProto &t, ref::DType dt, int64_t n,
                        const std::string &baseDir, std::string &out,
                        std::string &error) {
  size_t esize = ref::dtypeSize(dt);
  size_t want = static_cast<size_t>(n) * esize;
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    std::string location;
    int64_t offset = 0, length = -1;
    for (const auto &kv : t.external_data()) {
      if (kv.key() == "location") location = kv.value();
      else if (kv.key() == "offset") offset = std::atoll(kv.value().c_str());
      else if (kv.key() == "length") length = std::atoll(kv.value().c_str());
    }
    if (location.empty()) {
      error = "external data without a location";
      return false;
    }
    llvm::SmallString<256> path(baseDir);
    llvm::sys::path::append(path, location);
    std::ifstream in(std::string(path), std::ios::binary);
    if (!in) {
      error = "cannot open external data file '" + std::string(path) + "'";
      return false;
    }
    if (length >= 0 && static_cast<size_t>(length) != want) {
      error = "external data length " + std::to_string(length) +
              " does not match the tensor size " + std::to_string(want);
      return false;
    }
    out.resize(want);
    in.seekg(offset);
    if (!in.read(out.data(), want)) {
      error = "external data file '" + std::string(path) +
              "' is too short for the tensor";
      return false;
    }
    return true;
  }
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
  switch (dt) {
  case ref::DType::F32:
    if (!check(t.float_data_size())) return false;
    std::memcpy(p, t.float_data().data(), want);
    return true;
  case ref::DType::F64:
    if (!check(t.double_data_size())) return false;
    std::memcpy(p, t.double_data().data(), want);
    return true;
  case ref::DType::I64:
    if (!check(t.int64_data_size())) return false;
    std::memcpy(p, t.int64_data().data(), want);
    return true;
  case ref::DType::U32:
  case ref::DType::U64:
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

static bool shapeOf(const onnx::TensorProto &t, ref::Shape &shape,
                    std::string &error) {
  for (int64_t d : t.dims()) {
    if (d < 0) {
      error = "negative dim " + std::to_string(d);
      return false;
    }
    shape.push_back(d);
  }
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
  ref::DType dt;
  if (!ref::dtypeFromOnnx(t.data_type(), dt)) {
    error = "unsupported tensor dtype " +
            onnx::TensorProto::DataType_Name(
                static_cast<onnx::TensorProto::DataType>(t.data_type()));
    return {};
  }
  ref::Shape shape;
  if (!shapeOf(t, shape, error))
    return {};
  int64_t n = ref::numElements(shape);
  Type elem = elementTypeFromOnnx(ctx, t.data_type());
  auto type = RankedTensorType::get(shape, elem);

  size_t byteSize = static_cast<size_t>(n) * ref::dtypeSize(dt);
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
    if (n > rc.resourceThreshold && dt != ref::DType::Bool) {
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

  if (n > rc.resourceThreshold && dt != ref::DType::Bool) {
    // Move raw_data into the blob when it is already in the right layout.
    auto holder = std::make_unique<std::string>();
    if (t.has_raw_data() && t.data_location() != onnx::TensorProto::EXTERNAL &&
        t.raw_data().size() == static_cast<size_t>(n) * ref::dtypeSize(dt)) {
      *holder = std::move(*t.mutable_raw_data());
      t.clear_raw_data();
    } else if (!gatherBytes(t, dt, n, rc.baseDir, *holder, error)) {
      return {};
    }
    std::string *raw = holder.release();
    ArrayRef<char> data(raw->data(), raw->size());
    AsmResourceBlob blob = UnmanagedAsmResourceBlob::allocateWithAlign(
        data, ref::dtypeSize(dt),
        [raw](void *, size_t, size_t) { delete raw; });
    return DenseResourceElementsAttr::get(type, resourceKey(t.name()),
                                          std::move(blob));
  }

  std::string bytes;
  if (!gatherBytes(t, dt, n, rc.baseDir, bytes, error))
    return {};
  if (dt == ref::DType::Bool) {
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

ref::Tensor tensorFromProto(const onnx::TensorProto &t, const std::string &baseDir) {
  ref::DType dt;
  if (!ref::dtypeFromOnnx(t.data_type(), dt))
    throw ref::EvalError(
        "unsupported tensor dtype " +
        onnx::TensorProto::DataType_Name(
            static_cast<onnx::TensorProto::DataType>(t.data_type())));
  ref::Shape shape;
  std::string error;
  if (!shapeOf(t, shape, error))
    throw ref::EvalError(error);
  ref::Tensor out(dt, shape);
  std::string bytes;
  if (!gatherBytes(t, dt, out.numel(), baseDir, bytes, error))
    throw ref::EvalError("tensor '" + t.name() + "': " + error);
  if (!bytes.empty())
    std::memcpy(out.mutableRaw(), bytes.data(), bytes.size());
  return out;
}

ref::Tensor readTensorFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw ref::EvalError("cannot open '" + path + "'");
  onnx::TensorProto t;
  if (!t.ParseFromIstream(&in))
    throw ref::EvalError("'" + path + "' is not a valid serialized TensorProto");
  return tensorFromProto(t, llvm::sys::path::parent_path(path).str());
}

} // namespace txc
