//===- Link.cpp - In-process lld link of one object into a shared object --===//

#include "codegen/llvm/Backend.h"

#include "lld/Common/Driver.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <mutex>

LLD_HAS_DRIVER(elf)

namespace txc::codegen {

namespace {
/// Removes a temporary file when it goes out of scope.
struct TempFile {
  llvm::SmallString<128> path;
  ~TempFile() {
    if (!path.empty())
      llvm::sys::fs::remove(path);
  }
};
} // namespace

llvm::Expected<std::string> linkSharedObject(llvm::StringRef object) {
  auto fail = [](const llvm::Twine &msg) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
  };
  TempFile obj, so;
  int fd;
  if (auto ec = llvm::sys::fs::createTemporaryFile("txc-model", "o", fd, obj.path))
    return fail("cannot create a temporary object file: " + ec.message());
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << object;
    if (os.has_error())
      return fail("cannot write the temporary object file " + obj.path);
  }
  if (auto ec = llvm::sys::fs::createTemporaryFile("txc-model", "so", so.path))
    return fail("cannot create a temporary shared object: " + ec.message());

  std::vector<const char *> args = {"ld.lld", "-shared", "--hash-style=gnu",
                                    "-z", "noexecstack", "--as-needed",
                                    "-o", so.path.c_str(), obj.path.c_str()};
  // The model's calls into libm/libc (expf, memcpy, malloc) resolve against
  // these at load time; name them so the .so does not rely on its loader.
  for (const char *lib : {"/lib/x86_64-linux-gnu/libm.so.6",
                          "/lib/x86_64-linux-gnu/libc.so.6"})
    if (llvm::sys::fs::exists(lib))
      args.push_back(lib);

  std::string out, err;
  llvm::raw_string_ostream outOS(out), errOS(err);
  static std::mutex lldMutex; // lld keeps global state
  {
    std::lock_guard<std::mutex> lock(lldMutex);
    lld::Result r = lld::lldMain(args, outOS, errOS, {{lld::Gnu, &lld::elf::link}});
    if (r.retCode != 0)
      return fail("lld failed: " + errOS.str());
  }
  auto buffer = llvm::MemoryBuffer::getFile(so.path);
  if (!buffer)
    return fail("cannot read the linked shared object: " +
                buffer.getError().message());
  return (*buffer)->getBuffer().str();
}

} // namespace txc::codegen
