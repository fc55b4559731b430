//===- InputFiles.cpp - Checks of model files before they are read --------===//

#include "frontend/InputFiles.h"

#include <cerrno>
#include <cstring>
#include <sys/stat.h>

namespace txc {

bool checkRegularFile(const std::string &path, std::string &error) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    error = "cannot open '" + path + "': " + std::strerror(errno);
    return false;
  }
  if (S_ISREG(st.st_mode))
    return true;
  error = "'" + path + "' is not a regular file (" +
          (S_ISDIR(st.st_mode)    ? "a directory"
           : S_ISFIFO(st.st_mode) ? "a FIFO"
           : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                                                        : "not a file") +
          ")";
  return false;
}

bool checkMlirNesting(llvm::StringRef text, unsigned maxDepth, std::string &error) {
  unsigned depth = 0, line = 1;
  for (size_t i = 0, n = text.size(); i < n; ++i) {
    char c = text[i];
    switch (c) {
    case '\n':
      ++line;
      break;
    case '"': // a string literal, with backslash escapes
      for (++i; i < n && text[i] != '"'; ++i) {
        if (text[i] == '\\')
          ++i;
        else if (text[i] == '\n')
          ++line;
      }
      break;
    case '/':
      if (i + 1 < n && text[i + 1] == '/')
        while (i + 1 < n && text[i + 1] != '\n')
          ++i;
      break;
    case '(': case '[': case '{': case '<':
      if (++depth > maxDepth) {
        error = "line " + std::to_string(line) + ": the IR nests deeper than " +
                std::to_string(maxDepth) + " levels of brackets; refusing to parse it";
        return false;
      }
      break;
    case ')': case ']': case '}':
      depth -= depth > 0;
      break;
    case '>':
      if (i == 0 || text[i - 1] != '-') // not the '->' of a function type
        depth -= depth > 0;
      break;
    default:
      break;
    }
  }
  return true;
}

} // namespace txc
