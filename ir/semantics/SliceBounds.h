//===- SliceBounds.h - ONNX Slice bounds of one axis (MLIR-free) -*- C++ -*-===//
//
// The one place that turns an ONNX Slice (start, end, step) on a dim of a
// given size into the first index and the element count, with ONNX's
// clamping rules. Used by the lowering; the shape rule and the reference
// kernel compute the same (to be switched over to this header).
//
//===----------------------------------------------------------------------===//
#ifndef TXC_IR_SEMANTICS_SLICEBOUNDS_H
#define TXC_IR_SEMANTICS_SLICEBOUNDS_H

#include <algorithm>
#include <cstdint>

namespace txc::semantics {

struct SliceAxis {
  int64_t start; // first index read
  int64_t count; // elements in the result
  int64_t step;  // non-zero
};

/// step must be non-zero.
inline SliceAxis sliceBounds(int64_t size, int64_t start, int64_t end,
                             int64_t step) {
  if (start < 0)
    start += size;
  if (end < 0)
    end += size;
  int64_t count;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, size);
    end = std::clamp<int64_t>(end, 0, size);
    count = end > start ? (end - start + step - 1) / step : 0;
  } else {
    start = std::clamp<int64_t>(start, 0, size - 1);
    end = std::clamp<int64_t>(end, -1, size - 1);
    count = start > end ? (start - end + (-step) - 1) / (-step) : 0;
  }
  return {start, count, step};
}

} // namespace txc::semantics

#endif
