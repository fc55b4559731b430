//===- ThreadPool.h - libtxcrt's thread pool --------------------*- C++ -*-===//
//
// Workers are created once; parallelFor splits a range over them and the
// calling thread (static or dynamic chunking). Waiting workers spin for a
// short while (so back-to-back operator calls pay no wake-up) and then sleep
// on a condition variable. A call never allocates.
//
// A call made while the pool is already running one (from inside a task, or
// concurrently from another thread) runs serially on the calling thread:
// it can never deadlock.
//
//===----------------------------------------------------------------------===//
#ifndef TXC_RUNTIME_THREADPOOL_H
#define TXC_RUNTIME_THREADPOOL_H

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace txc {

class ThreadPool {
public:
  enum class Schedule {
    Static, ///< chunk 0: one contiguous block per thread; else round-robin
    Dynamic ///< threads grab `chunk` indices at a time from a shared counter
  };
  using RangeFn = void (*)(void *ctx, int64_t begin, int64_t end);
  using TaskFn = void (*)(void *arg, int64_t index);

  /// numThreads <= 0: TXC_NUM_THREADS if set (an integer from 1 to 4095;
  /// anything else is reported on stderr and ignored), else the number of
  /// hardware threads. The pool uses numThreads - 1 workers plus the caller.
  explicit ThreadPool(int numThreads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  int numThreads() const { return numThreads_; }

  /// Thread count the pool would pick for `requested` (see constructor).
  static int resolveThreadCount(int requested);

  /// Calls body(b, e) on disjoint sub-ranges covering [begin, end) and
  /// returns when all are done. The first exception thrown by a body is
  /// rethrown here (after every thread has finished).
  template <class F>
  void parallelFor(int64_t begin, int64_t end, F &&body,
                   Schedule schedule = Schedule::Static, int64_t chunk = 0) {
    using Fn = std::remove_reference_t<F>;
    parallelForRaw(
        begin, end,
        [](void *ctx, int64_t b, int64_t e) { (*static_cast<Fn *>(ctx))(b, e); },
        const_cast<void *>(static_cast<const void *>(&body)), schedule, chunk);
  }

  void parallelForRaw(int64_t begin, int64_t end, RangeFn fn, void *ctx,
                      Schedule schedule = Schedule::Static, int64_t chunk = 0);

  /// C-style adapter: runs task(arg, i) for i in [0, n). Signature matches
  /// TxcParallel::run of codegen/ukernels/GemmAbi.h, with ctx = the pool.
  static void runTasks(void *pool, int64_t n, TaskFn task, void *arg);

  /// True while the calling thread is executing a task of any pool.
  static bool inTask();

private:
  struct Job {
    RangeFn fn = nullptr;
    void *ctx = nullptr;
    int64_t begin = 0, end = 0, chunk = 0;
    Schedule schedule = Schedule::Static;
  };

  void workerLoop(int index);
  void runPart(int part) noexcept;
  void runSerial(int64_t begin, int64_t end, RangeFn fn, void *ctx);

  int numThreads_ = 1;
  std::vector<std::thread> workers_;
  Job job_;
  alignas(64) std::atomic<uint64_t> generation_{0};
  alignas(64) std::atomic<int64_t> next_{0};
  alignas(64) std::atomic<int> pending_{0};
  alignas(64) std::atomic<bool> busy_{false};
  std::atomic<bool> stop_{false};
  std::atomic<int> sleepers_{0};
  std::atomic<bool> hasError_{false};
  std::exception_ptr error_;
  std::mutex mutex_;
  std::condition_variable wake_;
};

} // namespace txc

#endif // TXC_RUNTIME_THREADPOOL_H
