//===- Runtime.cpp - libtxcrt: the C API of txc.h -------------------------===//
//
// A model is a validated artifact image (mapped read-only from its file, or
// copied from memory), its shared object loaded from a memfd, and the
// weights left in place in the image. A session binds inputs as memref
// descriptors, calls the entry point, and keeps the outputs until the next
// run.
//
//===----------------------------------------------------------------------===//

#include "txc/txc.h"

#include "Artifact.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <vector>

namespace {

thread_local std::string lastError;

TxcStatus fail(TxcStatus s, std::string msg) {
  lastError = std::move(msg);
  return s;
}

/// An error with its status, thrown inside the implementation only.
struct ApiError {
  TxcStatus status;
  std::string message;
};

using EntryFn = void (*)(void **);

/// Tensor info with the storage its C view points into.
struct TensorInfoStorage {
  std::vector<int64_t> dims, lo, hi;
  std::vector<const char *> names;
};

} // namespace

struct TxcModel {
  // The artifact image: a read-only file mapping or an owned copy.
  void *map = nullptr;
  size_t mapSize = 0;
  std::unique_ptr<char[]> copy;
  const char *image = nullptr;
  uint64_t imageSize = 0;

  txc::rt::ArtifactView view;
  void *library = nullptr;
  EntryFn entry = nullptr;
  std::vector<TensorInfoStorage> inputInfo, outputInfo;

  ~TxcModel() {
    if (library)
      dlclose(library);
    if (map)
      munmap(map, mapSize);
  }
};

struct TxcSession {
  TxcModel *model = nullptr;
  int numThreads = 1;
  std::vector<std::vector<char>> outputs;
  std::vector<std::vector<int64_t>> outputShapes;
  bool haveOutputs = false;
  // Descriptor storage reused across runs.
  std::vector<std::vector<int64_t>> argDescriptors;
  std::vector<int64_t> resultWords;
  std::vector<void *> argv;
};

namespace {

void buildInfo(const txc::format::TensorInfo &t, TensorInfoStorage &s) {
  for (const auto &d : t.dims) {
    s.dims.push_back(d.size);
    s.names.push_back(d.name.c_str());
    s.lo.push_back(d.lo);
    s.hi.push_back(d.hi);
  }
}

/// Loads the shared object from memory: memfd + dlopen of /proc/self/fd/N.
void loadLibrary(TxcModel &m) {
  const auto &v = m.view;
  int fd = memfd_create("txc-model", MFD_CLOEXEC);
  if (fd < 0)
    throw ApiError{TXC_ERROR_RUNTIME,
                   std::string("memfd_create failed: ") + std::strerror(errno)};
  const char *p = v.sharedObject;
  uint64_t left = v.sharedObjectSize;
  while (left > 0) {
    ssize_t n = write(fd, p, left);
    if (n <= 0) {
      close(fd);
      throw ApiError{TXC_ERROR_RUNTIME, "cannot write the model code to a memfd"};
    }
    p += n;
    left -= static_cast<uint64_t>(n);
  }
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  m.library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  close(fd);
  if (!m.library)
    throw ApiError{TXC_ERROR_RUNTIME,
                   std::string("cannot load the model code: ") + dlerror()};
  m.entry = reinterpret_cast<EntryFn>(
      dlsym(m.library, v.metadata.entrySymbol.c_str()));
  if (!m.entry)
    throw ApiError{TXC_ERROR_FORMAT, "the model code lacks its entry point '" +
                                         v.metadata.entrySymbol + "'"};
}

void finishLoad(TxcModel &m) {
  try {
    m.view = txc::rt::parseArtifact(m.image, m.imageSize);
  } catch (const txc::format::FormatError &e) {
    throw ApiError{TXC_ERROR_FORMAT, e.what()};
  }
  uint64_t missing = m.view.header.cpuFeatures & ~txc::rt::hostCpuFeatures();
  if (missing)
    throw ApiError{TXC_ERROR_UNSUPPORTED_CPU,
                   "the artifact was compiled for CPU features this machine lacks (" +
                       txc::rt::featureList(missing) +
                       "): recompile it here or with --target=x86-64-v3"};
  for (const auto &t : m.view.metadata.inputs)
    buildInfo(t, m.inputInfo.emplace_back());
  for (const auto &t : m.view.metadata.outputs)
    buildInfo(t, m.outputInfo.emplace_back());
  loadLibrary(m);
}

TxcStatus toStatus(const ApiError &e) { return fail(e.status, e.message); }

template <typename F> TxcStatus guarded(F &&f) {
  try {
    f();
    return TXC_OK;
  } catch (const ApiError &e) {
    return toStatus(e);
  } catch (const std::bad_alloc &) {
    return fail(TXC_ERROR_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception &e) {
    return fail(TXC_ERROR_RUNTIME, e.what());
  }
}

std::string shapeString(const int64_t *shape, int64_t rank) {
  std::string s = "[";
  for (int64_t i = 0; i < rank; ++i)
    s += (i ? "x" : "") + std::to_string(shape[i]);
  return s + "]";
}

void fillInfo(const txc::format::TensorInfo &t, const TensorInfoStorage &s,
              TxcTensorInfo *info) {
  info->name = t.name.c_str();
  info->dtype = t.dtype;
  info->rank = static_cast<int32_t>(t.dims.size());
  info->dims = s.dims.data();
  info->dim_names = s.names.data();
  info->dim_min = s.lo.data();
  info->dim_max = s.hi.data();
}

/// Checks one input against the model's signature; records named dims.
void checkInput(const txc::format::TensorInfo &want, const TxcTensor &t,
                std::map<std::string, std::pair<int64_t, std::string>> &named) {
  const std::string what = "input '" + want.name + "'";
  if (t.dtype != want.dtype)
    throw ApiError{TXC_ERROR_SHAPE, what + " has dtype " +
                                        txc_dtype_name(t.dtype) + ", the model expects " +
                                        txc_dtype_name(want.dtype)};
  if (t.rank < 0 || static_cast<size_t>(t.rank) != want.dims.size())
    throw ApiError{TXC_ERROR_SHAPE, what + " has rank " + std::to_string(t.rank) +
                                        ", the model expects " +
                                        std::to_string(want.dims.size())};
  if (t.rank > 0 && !t.shape)
    throw ApiError{TXC_ERROR_INVALID_ARGUMENT, what + " has a null shape"};
  uint64_t numel = 1;
  for (int32_t i = 0; i < t.rank; ++i) {
    const auto &d = want.dims[i];
    int64_t got = t.shape[i];
    std::string dimWhat = what + " dim " + std::to_string(i) +
                          (d.name.empty() ? "" : " ('" + d.name + "')");
    if (got < 0)
      throw ApiError{TXC_ERROR_SHAPE, dimWhat + " is negative"};
    if (d.size >= 0 && got != d.size)
      throw ApiError{TXC_ERROR_SHAPE, dimWhat + " is " + std::to_string(got) +
                                          ", the model was compiled for " +
                                          std::to_string(d.size) + " (shape " +
                                          shapeString(t.shape, t.rank) + ")"};
    if (d.size < 0 && (got < d.lo || (d.hi >= 0 && got > d.hi)))
      throw ApiError{TXC_ERROR_SHAPE,
                     dimWhat + " is " + std::to_string(got) + ", outside the compiled range " +
                         std::to_string(d.lo) + ".." +
                         (d.hi >= 0 ? std::to_string(d.hi) : std::string("inf"))};
    if (!d.name.empty()) {
      auto it = named.find(d.name);
      if (it == named.end())
        named[d.name] = {got, dimWhat};
      else if (it->second.first != got)
        throw ApiError{TXC_ERROR_SHAPE, dimWhat + " is " + std::to_string(got) +
                                            " but " + it->second.second + " is " +
                                            std::to_string(it->second.first)};
    }
    if (got && numel > UINT64_MAX / static_cast<uint64_t>(got))
      throw ApiError{TXC_ERROR_SHAPE, what + " has too many elements"};
    numel *= static_cast<uint64_t>(got);
  }
  size_t esize = txc_dtype_size(t.dtype);
  if (numel > SIZE_MAX / esize || t.bytes < numel * esize)
    throw ApiError{TXC_ERROR_SHAPE, what + " buffer has " + std::to_string(t.bytes) +
                                        " bytes, its shape " +
                                        shapeString(t.shape, t.rank) + " needs " +
                                        std::to_string(numel * esize)};
  if (!t.data && numel > 0)
    throw ApiError{TXC_ERROR_INVALID_ARGUMENT, what + " has a null data pointer"};
}

/// A memref descriptor {allocated, aligned, offset, sizes[r], strides[r]}.
void makeDescriptor(std::vector<int64_t> &words, const void *data,
                    const int64_t *shape, size_t rank) {
  static const int64_t dummy = 0; // memrefs of 0 elements still need a pointer
  const void *p = data ? data : &dummy;
  words.assign(3 + 2 * rank, 0);
  std::memcpy(&words[0], &p, sizeof(p));
  std::memcpy(&words[1], &p, sizeof(p));
  int64_t stride = 1;
  for (size_t i = rank; i-- > 0;) {
    words[3 + i] = shape[i];
    words[3 + rank + i] = stride;
    stride *= std::max<int64_t>(shape[i], 1);
  }
}

} // namespace

extern "C" {

const char *txc_last_error(void) { return lastError.c_str(); }
const char *txc_dtype_name(int32_t dtype) { return txc::format::dtypeName(dtype); }
size_t txc_dtype_size(int32_t dtype) { return txc::format::dtypeBytes(dtype); }

TxcStatus txc_model_load(const char *path, TxcModel **model) {
  if (!path || !model)
    return fail(TXC_ERROR_INVALID_ARGUMENT, "txc_model_load: null argument");
  *model = nullptr;
  return guarded([&] {
    auto m = std::make_unique<TxcModel>();
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      throw ApiError{TXC_ERROR_IO, std::string("cannot open '") + path +
                                       "': " + std::strerror(errno)};
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      close(fd);
      throw ApiError{TXC_ERROR_IO, std::string("'") + path + "' is not a regular file"};
    }
    if (st.st_size == 0) {
      close(fd);
      throw ApiError{TXC_ERROR_FORMAT, std::string("'") + path + "' is empty"};
    }
    m->mapSize = static_cast<size_t>(st.st_size);
    m->map = mmap(nullptr, m->mapSize, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m->map == MAP_FAILED) {
      m->map = nullptr;
      throw ApiError{TXC_ERROR_IO, std::string("cannot map '") + path +
                                       "': " + std::strerror(errno)};
    }
    m->image = static_cast<const char *>(m->map);
    m->imageSize = m->mapSize;
    try {
      finishLoad(*m);
    } catch (ApiError &e) {
      e.message = std::string(path) + ": " + e.message;
      throw;
    }
    *model = m.release();
  });
}

TxcStatus txc_model_load_from_memory(const void *data, size_t size, TxcModel **model) {
  if (!data || !model)
    return fail(TXC_ERROR_INVALID_ARGUMENT, "txc_model_load_from_memory: null argument");
  *model = nullptr;
  return guarded([&] {
    auto m = std::make_unique<TxcModel>();
    // Page-aligned copy, so the weights keep their alignment.
    size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    size_t mapped = (size + page - 1) / page * page;
    void *p = mmap(nullptr, mapped ? mapped : page, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
      throw ApiError{TXC_ERROR_OUT_OF_MEMORY, "cannot allocate the artifact copy"};
    std::memcpy(p, data, size);
    m->map = p;
    m->mapSize = mapped ? mapped : page;
    m->image = static_cast<const char *>(p);
    m->imageSize = size;
    finishLoad(*m);
    *model = m.release();
  });
}

void txc_model_free(TxcModel *model) { delete model; }

size_t txc_model_num_inputs(const TxcModel *m) {
  return m ? m->view.metadata.inputs.size() : 0;
}
size_t txc_model_num_outputs(const TxcModel *m) {
  return m ? m->view.metadata.outputs.size() : 0;
}

TxcStatus txc_model_input(const TxcModel *m, size_t i, TxcTensorInfo *info) {
  if (!m || !info)
    return fail(TXC_ERROR_INVALID_ARGUMENT, "txc_model_input: null argument");
  if (i >= m->view.metadata.inputs.size())
    return fail(TXC_ERROR_INVALID_ARGUMENT, "input index " + std::to_string(i) +
                                                " out of range");
  fillInfo(m->view.metadata.inputs[i], m->inputInfo[i], info);
  return TXC_OK;
}

TxcStatus txc_model_output(const TxcModel *m, size_t i, TxcTensorInfo *info) {
  if (!m || !info)
    return fail(TXC_ERROR_INVALID_ARGUMENT, "txc_model_output: null argument");
  if (i >= m->view.metadata.outputs.size())
    return fail(TXC_ERROR_INVALID_ARGUMENT, "output index " + std::to_string(i) +
                                                " out of range");
  fillInfo(m->view.metadata.outputs[i], m->outputInfo[i], info);
  return TXC_OK;
}

int64_t txc_model_find_input(const TxcModel *m, const char *name) {
  if (!m || !name)
    return -1;
  for (size_t i = 0; i < m->view.metadata.inputs.size(); ++i)
    if (m->view.metadata.inputs[i].name == name)
      return static_cast<int64_t>(i);
  return -1;
}

int64_t txc_model_find_output(const TxcModel *m, const char *name) {
  if (!m || !name)
    return -1;
  for (size_t i = 0; i < m->view.metadata.outputs.size(); ++i)
    if (m->view.metadata.outputs[i].name == name)
      return static_cast<int64_t>(i);
  return -1;
}

TxcStatus txc_session_create(TxcModel *model, const TxcSessionOptions *options,
                             TxcSession **session) {
  if (!model || !session)
    return fail(TXC_ERROR_INVALID_ARGUMENT, "txc_session_create: null argument");
  *session = nullptr;
  return guarded([&] {
    auto s = std::make_unique<TxcSession>();
    s->model = model;
    s->numThreads = options && options->num_threads > 0 ? options->num_threads : 0;
    size_t nOut = model->view.metadata.outputs.size();
    s->outputs.resize(nOut);
    s->outputShapes.resize(nOut);
    *session = s.release();
  });
}

void txc_session_free(TxcSession *session) { delete session; }

TxcStatus txc_session_run(TxcSession *s, const TxcTensor *inputs, size_t numInputs) {
  if (!s)
    return fail(TXC_ERROR_INVALID_ARGUMENT, "txc_session_run: null session");
  const auto &meta = s->model->view.metadata;
  if (numInputs != meta.inputs.size())
    return fail(TXC_ERROR_INVALID_ARGUMENT,
                "the model has " + std::to_string(meta.inputs.size()) +
                    " inputs, " + std::to_string(numInputs) + " were given");
  if (numInputs && !inputs)
    return fail(TXC_ERROR_INVALID_ARGUMENT, "txc_session_run: null inputs");
  return guarded([&] {
    std::map<std::string, std::pair<int64_t, std::string>> named;
    for (size_t i = 0; i < numInputs; ++i)
      checkInput(meta.inputs[i], inputs[i], named);
    size_t nArgs = numInputs + meta.weights.size();
    s->argDescriptors.resize(nArgs);
    for (size_t i = 0; i < numInputs; ++i)
      makeDescriptor(s->argDescriptors[i], inputs[i].data, inputs[i].shape,
                     static_cast<size_t>(inputs[i].rank));
    const char *weights = s->model->view.weights;
    for (size_t i = 0; i < meta.weights.size(); ++i) {
      const auto &w = meta.weights[i];
      makeDescriptor(s->argDescriptors[numInputs + i], weights + w.offset,
                     w.shape.data(), w.shape.size());
    }
    size_t resultWords = 0;
    for (const auto &o : meta.outputs)
      resultWords += 3 + 2 * o.dims.size();
    s->resultWords.assign(resultWords, 0);
    s->argv.assign(1 + nArgs, nullptr);
    s->argv[0] = s->resultWords.data();
    for (size_t i = 0; i < nArgs; ++i)
      s->argv[1 + i] = s->argDescriptors[i].data();

    s->model->entry(s->argv.data());

    // Copy each result out of its descriptor and free its buffer (the
    // caller owns every returned buffer).
    size_t at = 0;
    for (size_t o = 0; o < meta.outputs.size(); ++o) {
      size_t rank = meta.outputs[o].dims.size();
      const int64_t *w = &s->resultWords[at];
      at += 3 + 2 * rank;
      void *allocated, *aligned;
      std::memcpy(&allocated, &w[0], sizeof(void *));
      std::memcpy(&aligned, &w[1], sizeof(void *));
      int64_t offset = w[2];
      const int64_t *sizes = w + 3, *strides = w + 3 + rank;
      size_t esize = txc_dtype_size(meta.outputs[o].dtype);
      std::vector<int64_t> &shape = s->outputShapes[o];
      shape.assign(sizes, sizes + rank);
      uint64_t numel = 1;
      for (size_t i = 0; i < rank; ++i)
        numel *= static_cast<uint64_t>(sizes[i]);
      std::vector<char> &out = s->outputs[o];
      out.resize(numel * esize);
      const char *src = static_cast<const char *>(aligned) + offset * esize;
      bool contiguous = true;
      int64_t expect = 1;
      for (size_t i = rank; i-- > 0;) {
        if (sizes[i] != 1 && strides[i] != expect)
          contiguous = false;
        expect *= sizes[i];
      }
      if (contiguous) {
        if (numel)
          std::memcpy(out.data(), src, numel * esize);
      } else {
        std::vector<int64_t> idx(rank, 0);
        for (uint64_t e = 0; e < numel; ++e) {
          int64_t off = 0;
          for (size_t i = 0; i < rank; ++i)
            off += idx[i] * strides[i];
          std::memcpy(out.data() + e * esize, src + off * esize, esize);
          for (size_t i = rank; i-- > 0;) {
            if (++idx[i] < sizes[i])
              break;
            idx[i] = 0;
          }
        }
      }
      std::free(allocated);
    }
    s->haveOutputs = true;
  });
}

TxcStatus txc_session_output(const TxcSession *s, size_t index, TxcOutput *out) {
  if (!s || !out)
    return fail(TXC_ERROR_INVALID_ARGUMENT, "txc_session_output: null argument");
  if (!s->haveOutputs)
    return fail(TXC_ERROR_INVALID_ARGUMENT, "txc_session_output: no run has completed");
  if (index >= s->outputs.size())
    return fail(TXC_ERROR_INVALID_ARGUMENT, "output index " + std::to_string(index) +
                                                " out of range");
  const auto &info = s->model->view.metadata.outputs[index];
  out->dtype = info.dtype;
  out->rank = static_cast<int32_t>(info.dims.size());
  out->shape = s->outputShapes[index].data();
  out->data = s->outputs[index].data();
  out->bytes = s->outputs[index].size();
  return TXC_OK;
}

} // extern "C"
