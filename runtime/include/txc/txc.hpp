//===- txc.hpp - C++ RAII wrapper of the txc runtime C API ------*- C++ -*-===//
//
// Header-only; errors become txc::Error exceptions on the C++ side of the
// API (the C API itself never throws).
//
//===----------------------------------------------------------------------===//
#ifndef TXC_TXC_HPP
#define TXC_TXC_HPP

#include "txc/txc.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace txc {

class Error : public std::runtime_error {
public:
  Error(TxcStatus status, const std::string &message)
      : std::runtime_error(message), status_(status) {}
  TxcStatus status() const { return status_; }

private:
  TxcStatus status_;
};

inline void check(TxcStatus s) {
  if (s != TXC_OK)
    throw Error(s, txc_last_error());
}

class Model {
public:
  static Model load(const std::string &path) {
    TxcModel *m = nullptr;
    check(txc_model_load(path.c_str(), &m));
    return Model(m);
  }
  static Model fromMemory(const void *data, size_t size) {
    TxcModel *m = nullptr;
    check(txc_model_load_from_memory(data, size, &m));
    return Model(m);
  }
  Model(Model &&o) noexcept : m_(o.m_) { o.m_ = nullptr; }
  Model &operator=(Model &&o) noexcept {
    std::swap(m_, o.m_);
    return *this;
  }
  Model(const Model &) = delete;
  Model &operator=(const Model &) = delete;
  ~Model() { txc_model_free(m_); }

  size_t numInputs() const { return txc_model_num_inputs(m_); }
  size_t numOutputs() const { return txc_model_num_outputs(m_); }
  TxcTensorInfo input(size_t i) const {
    TxcTensorInfo info;
    check(txc_model_input(m_, i, &info));
    return info;
  }
  TxcTensorInfo output(size_t i) const {
    TxcTensorInfo info;
    check(txc_model_output(m_, i, &info));
    return info;
  }
  TxcModel *get() const { return m_; }

private:
  explicit Model(TxcModel *m) : m_(m) {}
  TxcModel *m_;
};

class Session {
public:
  explicit Session(const Model &model, int numThreads = 0) {
    TxcSessionOptions opts{numThreads};
    check(txc_session_create(model.get(), &opts, &s_));
  }
  Session(Session &&o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;
  ~Session() { txc_session_free(s_); }

  void run(const std::vector<TxcTensor> &inputs) {
    check(txc_session_run(s_, inputs.data(), inputs.size()));
  }
  TxcOutput output(size_t i) const {
    TxcOutput o;
    check(txc_session_output(s_, i, &o));
    return o;
  }
  TxcSession *get() const { return s_; }

private:
  TxcSession *s_ = nullptr;
};

} // namespace txc

#endif
