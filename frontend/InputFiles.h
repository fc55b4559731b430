//===- InputFiles.h - Checks of model files before they are read -*- C++ -*-===//
//
// Untrusted files are checked before a parser sees them: a model must be a
// regular file (a FIFO, a device such as /dev/zero or a directory is refused
// without reading it), and MLIR text must not nest deeper than the parser's
// recursion can take (it would overflow the stack).
//
//===----------------------------------------------------------------------===//
#ifndef TXC_FRONTEND_INPUTFILES_H
#define TXC_FRONTEND_INPUTFILES_H

#include "llvm/ADT/StringRef.h"

#include <string>

namespace txc {

/// The deepest bracket nesting accepted in .mlir input.
constexpr unsigned kMaxMlirNesting = 256;

/// True if `path` names a regular file; otherwise sets `error` (naming the
/// file and what it is) without opening it.
bool checkRegularFile(const std::string &path, std::string &error);

/// True if the brackets ( [ { < of MLIR text (outside strings and comments)
/// nest at most `maxDepth` deep; otherwise sets `error` with the line.
bool checkMlirNesting(llvm::StringRef text, unsigned maxDepth, std::string &error);

} // namespace txc

#endif
