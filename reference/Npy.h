//===- Npy.h - NumPy .npy file reading and writing --------------*- C++ -*-===//
#ifndef TXC_REFERENCE_NPY_H
#define TXC_REFERENCE_NPY_H

#include "Tensor.h"

#include <string>

namespace txc::ref {

/// Reads a .npy file (format 1.0-3.0, C order, little-endian). Throws
/// EvalError naming the file and the problem on anything else.
Tensor readNpy(const std::string &path);
/// Writes `t` as a version 1.0 .npy file. Throws EvalError on I/O failure.
void writeNpy(const std::string &path, const Tensor &t);

} // namespace txc::ref

#endif
