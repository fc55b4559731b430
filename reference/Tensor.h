//===- Tensor.h - Reference evaluator tensors -------------------*- C++ -*-===//
//
// A plain, dependency-free tensor for the reference evaluator: a dtype, a
// shape and a byte buffer (owned, or borrowed from a weight blob without a
// copy). Kernels read elements through typed pointers or through the
// double/int64 accessors below, which are slow but obviously correct.
//
//===----------------------------------------------------------------------===//
#ifndef TXC_REFERENCE_TENSOR_H
#define TXC_REFERENCE_TENSOR_H

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace txc::ref {

enum class DType : uint8_t {
  F32, F64, F16, BF16, I8, U8, I16, U16, I32, U32, I64, U64, Bool
};

size_t dtypeSize(DType t);
const char *dtypeName(DType t);
bool isFloat(DType t);
bool isSignedInt(DType t);
bool isUnsignedInt(DType t);
inline bool isInteger(DType t) { return isSignedInt(t) || isUnsignedInt(t); }

/// ONNX TensorProto.DataType codes (FLOAT=1, UINT8=2, ..., BFLOAT16=16).
/// Returns false for codes with no DType (string, complex, float8, int4...).
bool dtypeFromOnnx(int64_t onnxType, DType &out);
int onnxTypeOf(DType t);

/// Half-precision conversions (round to nearest even).
float halfToFloat(uint16_t h);
uint16_t floatToHalf(float f);
float bf16ToFloat(uint16_t h);
uint16_t floatToBf16(float f);

/// Thrown by kernels on bad input; the interpreter turns it into a
/// diagnostic attached to the op being evaluated.
class EvalError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

using Shape = std::vector<int64_t>;
/// The element count; throws EvalError on a negative dim or on overflow.
int64_t numElements(const Shape &shape);

/// The largest tensor (in bytes) the evaluator, the importer and the input
/// readers allocate; larger ones are refused with an EvalError naming the
/// shape. Default: the machine's physical memory. Set by --max-tensor-bytes.
uint64_t maxTensorBytes();
void setMaxTensorBytes(uint64_t bytes);
/// numElements(shape) * dtypeSize(dtype), checked for overflow and against
/// maxTensorBytes(); throws EvalError naming `what` and the shape.
size_t checkedByteSize(DType dtype, const Shape &shape, const std::string &what);
std::string shapeToString(const Shape &shape);

class Tensor {
public:
  /// A null tensor stands for an absent optional input.
  Tensor() = default;
  /// A zero-filled tensor that owns its storage.
  Tensor(DType dtype, Shape shape);
  /// A tensor viewing `data`, kept alive by `owner` (may be null for
  /// storage that outlives the tensor, e.g. a module's weight blobs).
  static Tensor view(DType dtype, Shape shape, const void *data,
                     std::shared_ptr<const void> owner);

  bool isNull() const { return !storage_ && !data_; }
  explicit operator bool() const { return !isNull(); }
  DType dtype() const { return dtype_; }
  const Shape &shape() const { return shape_; }
  int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
  int64_t dim(int64_t i) const;  // negative i counts from the back
  int64_t numel() const { return numElements(shape_); }
  size_t byteSize() const { return numel() * dtypeSize(dtype_); }

  const void *raw() const { return data_; }
  /// Mutable access; a view is copied into owned storage first.
  void *mutableRaw();
  template <typename T> const T *data() const {
    return static_cast<const T *>(data_);
  }
  template <typename T> T *mutableData() {
    return static_cast<T *>(mutableRaw());
  }

  /// Element i (flat, row-major) converted to double / int64 / bool.
  double getDouble(int64_t i) const;
  int64_t getInt(int64_t i) const;
  /// Stores v converted to this dtype (float->int truncates toward zero,
  /// as a C cast; ints wrap as the ONNX Cast op does).
  void setDouble(int64_t i, double v);
  void setInt(int64_t i, int64_t v);

  /// Same data, new shape (element count must match). Shares storage.
  Tensor reshaped(Shape newShape) const;
  /// A deep copy with owned storage.
  Tensor clone() const;
  /// Converts to another dtype with ONNX Cast semantics.
  Tensor cast(DType to) const;

  /// All values as doubles / int64s (small tensors: shapes, axes).
  std::vector<double> toDoubles() const;
  std::vector<int64_t> toInts() const;

  static Tensor scalarF32(float v);
  static Tensor fromInts(const std::vector<int64_t> &v, Shape shape,
                         DType dt = DType::I64);
  static Tensor fromFloats(const std::vector<float> &v, Shape shape);

private:
  DType dtype_ = DType::F32;
  Shape shape_;
  std::shared_ptr<const void> storage_; // keeps data_ alive
  const void *data_ = nullptr;
  bool owned_ = false;
};

/// Row-major strides of a shape, in elements.
std::vector<int64_t> stridesOf(const Shape &shape);
/// Numpy-style broadcast of two shapes; throws EvalError if incompatible.
Shape broadcastShapes(const Shape &a, const Shape &b);
/// Normalizes an axis in [-rank, rank) to [0, rank); throws if out of range.
int64_t normalizeAxis(int64_t axis, int64_t rank, const char *what = "axis");

} // namespace txc::ref

#endif // TXC_REFERENCE_TENSOR_H
