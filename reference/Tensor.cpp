//===- Tensor.cpp - Reference evaluator tensors ---------------------------===//

#include "Tensor.h"

#include "ir/semantics/DTypes.h"
#include "ir/semantics/Limits.h"

#include <cmath>
#include <new>
#include <cstring>
#include <limits>
#include <sstream>

namespace txc::ref {

// Everything about a dtype comes from the one table, ir/semantics/DTypes.h,
// whose rows are in DType's order.
static const semantics::DTypeRow &row(DType t) {
  static_assert(semantics::kNumDTypes == size_t(DType::Bool) + 1,
                "ir/semantics/DTypes.h has one row per DType, in order");
  return semantics::kDTypes[static_cast<size_t>(t)];
}

size_t dtypeSize(DType t) { return row(t).byteSize(); }
const char *dtypeName(DType t) { return row(t).name; }
bool isFloat(DType t) { return row(t).kind == semantics::ElemKind::Float; }
bool isSignedInt(DType t) { return row(t).kind == semantics::ElemKind::Signed; }
bool isUnsignedInt(DType t) {
  return row(t).kind == semantics::ElemKind::Unsigned ||
         row(t).kind == semantics::ElemKind::Bool;
}

bool dtypeFromOnnx(int64_t onnxType, DType &out) {
  const semantics::DTypeRow *r = semantics::dtypeByOnnxCode(onnxType);
  if (!r)
    return false;
  out = static_cast<DType>(semantics::dtypeIndex(r));
  return true;
}

int onnxTypeOf(DType t) { return row(t).onnxCode; }

float halfToFloat(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else { // subnormal: renormalize
      exp = 127 - 15 + 1;
      while (!(man & 0x400)) { man <<= 1; --exp; }
      man &= 0x3ff;
      bits = sign | (exp << 23) | (man << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (man << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t floatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t absx = x & 0x7fffffffu;
  if (absx >= 0x7f800000u) // inf or nan
    return sign | 0x7c00u | (absx > 0x7f800000u ? 0x200u : 0);
  if (absx >= 0x477ff000u) // rounds to >= 65520: overflow to inf
    return sign | 0x7c00u;
  if (absx < 0x38800000u) { // result is subnormal or zero
    float a;
    std::memcpy(&a, &absx, 4);
    // 2^-24 is the smallest half subnormal; rint does round-to-nearest-even.
    return sign | static_cast<uint16_t>(std::nearbyint(a * 16777216.0f));
  }
  uint32_t mant = absx & 0x7fffff;
  uint32_t exp = (absx >> 23) - 127 + 15;
  uint32_t h = (exp << 10) | (mant >> 13);
  uint32_t rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (h & 1)))
    ++h;
  return sign | h;
}

float bf16ToFloat(uint16_t h) {
  uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t floatToBf16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7fffffffu) > 0x7f800000u)
    return static_cast<uint16_t>((x >> 16) | 0x40); // quiet nan
  uint32_t lsb = (x >> 16) & 1;
  x += 0x7fff + lsb;
  return static_cast<uint16_t>(x >> 16);
}

int64_t numElements(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0)
      throw EvalError("negative dimension in tensor shape " + shapeToString(shape));
    if (__builtin_mul_overflow(n, d, &n))
      throw EvalError("the element count of shape " + shapeToString(shape) +
                      " overflows 64 bits");
  }
  return n;
}

uint64_t maxTensorBytes() { return semantics::maxTensorBytes(); }
void setMaxTensorBytes(uint64_t bytes) { semantics::setMaxTensorBytes(bytes); }

size_t checkedByteSize(DType dtype, const Shape &shape, const std::string &what) {
  uint64_t n = 1, bytes = 0;
  bool overflow = false;
  for (int64_t d : shape) {
    if (d < 0)
      throw EvalError(what + ": negative dimension in shape " + shapeToString(shape));
    overflow |= __builtin_mul_overflow(n, static_cast<uint64_t>(d), &n);
  }
  overflow |= __builtin_mul_overflow(n, uint64_t(dtypeSize(dtype)), &bytes);
  if (overflow || bytes > maxTensorBytes())
    throw EvalError(what + " of shape " + shapeToString(shape) + " (" + dtypeName(dtype) +
                    ") needs " +
                    (overflow ? std::string("more than 2^64") : std::to_string(bytes)) +
                    " bytes, above the limit of " + std::to_string(maxTensorBytes()) +
                    " bytes (--max-tensor-bytes)");
  return static_cast<size_t>(bytes);
}

std::string shapeToString(const Shape &shape) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < shape.size(); ++i)
    os << (i ? "," : "") << shape[i];
  os << ']';
  return os.str();
}

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  size_t bytes = std::max<size_t>(1, checkedByteSize(dtype_, shape_, "a tensor"));
  std::shared_ptr<uint8_t[]> buf(new (std::nothrow) uint8_t[bytes]());
  if (!buf)
    throw EvalError("out of memory allocating " + std::to_string(bytes) +
                    " bytes for a tensor of shape " + shapeToString(shape_));
  data_ = buf.get();
  storage_ = std::shared_ptr<const void>(buf, buf.get());
  owned_ = true;
}

Tensor Tensor::view(DType dtype, Shape shape, const void *data,
                    std::shared_ptr<const void> owner) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.data_ = data;
  t.storage_ = std::move(owner);
  t.owned_ = false;
  return t;
}

int64_t Tensor::dim(int64_t i) const {
  int64_t r = rank();
  if (i < 0)
    i += r;
  if (i < 0 || i >= r)
    throw EvalError("dimension index out of range for rank " +
                    std::to_string(r));
  return shape_[i];
}

void *Tensor::mutableRaw() {
  if (!owned_ || (storage_ && storage_.use_count() > 1)) {
    // Copy-on-write: never modify a borrowed weight or a shared buffer.
    Tensor copy = clone();
    *this = copy;
  }
  return const_cast<void *>(data_);
}

template <typename F> static auto dispatchRead(DType t, const void *p, int64_t i, F f) {
  switch (t) {
  case DType::F32: return f(static_cast<const float *>(p)[i]);
  case DType::F64: return f(static_cast<const double *>(p)[i]);
  case DType::F16: return f(halfToFloat(static_cast<const uint16_t *>(p)[i]));
  case DType::BF16: return f(bf16ToFloat(static_cast<const uint16_t *>(p)[i]));
  case DType::I8: return f(static_cast<const int8_t *>(p)[i]);
  case DType::U8: return f(static_cast<const uint8_t *>(p)[i]);
  case DType::I16: return f(static_cast<const int16_t *>(p)[i]);
  case DType::U16: return f(static_cast<const uint16_t *>(p)[i]);
  case DType::I32: return f(static_cast<const int32_t *>(p)[i]);
  case DType::U32: return f(static_cast<const uint32_t *>(p)[i]);
  case DType::I64: return f(static_cast<const int64_t *>(p)[i]);
  case DType::U64: return f(static_cast<const uint64_t *>(p)[i]);
  case DType::Bool: return f(static_cast<const uint8_t *>(p)[i] != 0);
  }
  return f(0);
}

double Tensor::getDouble(int64_t i) const {
  return dispatchRead(dtype_, data_, i, [](auto v) { return static_cast<double>(v); });
}

int64_t Tensor::getInt(int64_t i) const {
  return dispatchRead(dtype_, data_, i, [](auto v) -> int64_t {
    using V = decltype(v);
    if constexpr (std::is_floating_point_v<V>) {
      if (std::isnan(v))
        return 0;
      if (v >= 9.2233720368547758e18)
        return std::numeric_limits<int64_t>::max();
      if (v <= -9.2233720368547758e18)
        return std::numeric_limits<int64_t>::min();
    }
    return static_cast<int64_t>(v);
  });
}

template <typename T> static T wrapFromDouble(double v) {
  // Float -> int: truncate toward zero; out-of-range values wrap through
  // int64 like a C cast on common hardware does for the narrow types.
  if (std::isnan(v))
    return T(0);
  if constexpr (std::is_same_v<T, uint64_t>) {
    if (v >= 18446744073709551616.0) return std::numeric_limits<uint64_t>::max();
    if (v >= 9.2233720368547758e18) return static_cast<uint64_t>(v);
  }
  if (v >= 9.2233720368547758e18)
    return static_cast<T>(std::numeric_limits<int64_t>::max());
  if (v <= -9.2233720368547758e18)
    return static_cast<T>(std::numeric_limits<int64_t>::min());
  return static_cast<T>(static_cast<int64_t>(v));
}

void Tensor::setDouble(int64_t i, double v) {
  void *p = mutableRaw();
  switch (dtype_) {
  case DType::F32: static_cast<float *>(p)[i] = static_cast<float>(v); break;
  case DType::F64: static_cast<double *>(p)[i] = v; break;
  case DType::F16: static_cast<uint16_t *>(p)[i] = floatToHalf(static_cast<float>(v)); break;
  case DType::BF16: static_cast<uint16_t *>(p)[i] = floatToBf16(static_cast<float>(v)); break;
  case DType::I8: static_cast<int8_t *>(p)[i] = wrapFromDouble<int8_t>(v); break;
  case DType::U8: static_cast<uint8_t *>(p)[i] = wrapFromDouble<uint8_t>(v); break;
  case DType::I16: static_cast<int16_t *>(p)[i] = wrapFromDouble<int16_t>(v); break;
  case DType::U16: static_cast<uint16_t *>(p)[i] = wrapFromDouble<uint16_t>(v); break;
  case DType::I32: static_cast<int32_t *>(p)[i] = wrapFromDouble<int32_t>(v); break;
  case DType::U32: static_cast<uint32_t *>(p)[i] = wrapFromDouble<uint32_t>(v); break;
  case DType::I64: static_cast<int64_t *>(p)[i] = wrapFromDouble<int64_t>(v); break;
  case DType::U64: static_cast<uint64_t *>(p)[i] = wrapFromDouble<uint64_t>(v); break;
  case DType::Bool: static_cast<uint8_t *>(p)[i] = v != 0.0; break;
  }
}

void Tensor::setInt(int64_t i, int64_t v) {
  void *p = mutableRaw();
  switch (dtype_) {
  case DType::F32: static_cast<float *>(p)[i] = static_cast<float>(v); break;
  case DType::F64: static_cast<double *>(p)[i] = static_cast<double>(v); break;
  case DType::F16: static_cast<uint16_t *>(p)[i] = floatToHalf(static_cast<float>(v)); break;
  case DType::BF16: static_cast<uint16_t *>(p)[i] = floatToBf16(static_cast<float>(v)); break;
  case DType::I8: static_cast<int8_t *>(p)[i] = static_cast<int8_t>(v); break;
  case DType::U8: static_cast<uint8_t *>(p)[i] = static_cast<uint8_t>(v); break;
  case DType::I16: static_cast<int16_t *>(p)[i] = static_cast<int16_t>(v); break;
  case DType::U16: static_cast<uint16_t *>(p)[i] = static_cast<uint16_t>(v); break;
  case DType::I32: static_cast<int32_t *>(p)[i] = static_cast<int32_t>(v); break;
  case DType::U32: static_cast<uint32_t *>(p)[i] = static_cast<uint32_t>(v); break;
  case DType::I64: static_cast<int64_t *>(p)[i] = v; break;
  case DType::U64: static_cast<uint64_t *>(p)[i] = static_cast<uint64_t>(v); break;
  case DType::Bool: static_cast<uint8_t *>(p)[i] = v != 0; break;
  }
}

Tensor Tensor::reshaped(Shape newShape) const {
  if (numElements(newShape) != numel())
    throw EvalError("cannot reshape " + shapeToString(shape_) + " to " +
                    shapeToString(newShape));
  Tensor t = *this;
  t.shape_ = std::move(newShape);
  return t;
}

Tensor Tensor::clone() const {
  Tensor t(dtype_, shape_);
  if (byteSize())
    std::memcpy(const_cast<void *>(t.data_), data_, byteSize());
  return t;
}

Tensor Tensor::cast(DType to) const {
  if (to == dtype_)
    return *this;
  Tensor out(to, shape_);
  int64_t n = numel();
  bool intToInt = isInteger(dtype_) && isInteger(to);
  for (int64_t i = 0; i < n; ++i) {
    if (intToInt || (isInteger(dtype_) && !isFloat(to)))
      out.setInt(i, getInt(i));
    else if (dtype_ == DType::U64 && isFloat(to))
      out.setDouble(i, static_cast<double>(static_cast<const uint64_t *>(data_)[i]));
    else
      out.setDouble(i, getDouble(i));
  }
  return out;
}

std::vector<double> Tensor::toDoubles() const {
  std::vector<double> v(numel());
  for (int64_t i = 0; i < numel(); ++i)
    v[i] = getDouble(i);
  return v;
}

std::vector<int64_t> Tensor::toInts() const {
  std::vector<int64_t> v(numel());
  for (int64_t i = 0; i < numel(); ++i)
    v[i] = getInt(i);
  return v;
}

Tensor Tensor::scalarF32(float v) {
  Tensor t(DType::F32, {});
  *t.mutableData<float>() = v;
  return t;
}

Tensor Tensor::fromInts(const std::vector<int64_t> &v, Shape shape, DType dt) {
  Tensor t(dt, std::move(shape));
  if (static_cast<int64_t>(v.size()) != t.numel())
    throw EvalError("fromInts: value count does not match shape");
  for (size_t i = 0; i < v.size(); ++i)
    t.setInt(i, v[i]);
  return t;
}

Tensor Tensor::fromFloats(const std::vector<float> &v, Shape shape) {
  Tensor t(DType::F32, std::move(shape));
  if (static_cast<int64_t>(v.size()) != t.numel())
    throw EvalError("fromFloats: value count does not match shape");
  std::memcpy(t.mutableRaw(), v.data(), v.size() * 4);
  return t;
}

std::vector<int64_t> stridesOf(const Shape &shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    s[i] = s[i + 1] * shape[i + 1];
  return s;
}

Shape broadcastShapes(const Shape &a, const Shape &b) {
  size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da != db && da != 1 && db != 1)
      throw EvalError("shapes " + shapeToString(a) + " and " +
                      shapeToString(b) + " are not broadcastable");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

int64_t normalizeAxis(int64_t axis, int64_t rank, const char *what) {
  int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= std::max<int64_t>(rank, 1))
    throw EvalError(std::string(what) + " " + std::to_string(axis) +
                    " is out of range for rank " + std::to_string(rank));
  return a;
}

} // namespace txc::ref
