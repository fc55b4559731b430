//===- ThreadPool.cpp - libtxcrt's thread pool ------------------*- C++ -*-===//
#include "ThreadPool.h"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TXC_CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define TXC_CPU_RELAX() __asm__ volatile("yield")
#else
#define TXC_CPU_RELAX() ((void)0)
#endif

namespace txc {

namespace {
/// How long an idle worker spins before it sleeps, and how long the caller
/// spins waiting for workers before it starts yielding the CPU.
constexpr auto kSpinBudget = std::chrono::microseconds(200);
constexpr int kSpinsPerClockCheck = 64;
constexpr int kMaxThreads = 4095; // TXC_NUM_THREADS above this is a typo

thread_local int tlsTaskDepth = 0;

struct TaskScope {
  TaskScope() { ++tlsTaskDepth; }
  ~TaskScope() { --tlsTaskDepth; }
};
} // namespace

int ThreadPool::resolveThreadCount(int requested) {
  if (requested > 0)
    return requested;
  if (const char *s = std::getenv("TXC_NUM_THREADS")) {
    char *endp = nullptr;
    const long v = std::strtol(s, &endp, 10);
    while (endp != s && std::isspace(static_cast<unsigned char>(*endp)))
      ++endp;
    if (endp != s && *endp == '\0' && v > 0 && v <= kMaxThreads)
      return static_cast<int>(v);
    // A typo here would otherwise silently change the thread count.
    std::fprintf(stderr,
                 "txc: ignoring TXC_NUM_THREADS='%s' (want an integer from 1 "
                 "to %d); using the number of hardware threads\n",
                 s, kMaxThreads);
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

ThreadPool::ThreadPool(int numThreads)
    : numThreads_(resolveThreadCount(numThreads)) {
  workers_.reserve(numThreads_ - 1);
  for (int i = 1; i < numThreads_; ++i)
    workers_.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (auto &t : workers_)
    t.join();
}

bool ThreadPool::inTask() { return tlsTaskDepth > 0; }

void ThreadPool::workerLoop(int index) {
  uint64_t seen = 0;
  for (;;) {
    uint64_t g = generation_.load(std::memory_order_acquire);
    if (g == seen) {
      const auto start = std::chrono::steady_clock::now();
      int spins = 0;
      while ((g = generation_.load(std::memory_order_acquire)) == seen) {
        TXC_CPU_RELAX();
        if (++spins % kSpinsPerClockCheck == 0 &&
            std::chrono::steady_clock::now() - start > kSpinBudget) {
          std::unique_lock<std::mutex> lock(mutex_);
          sleepers_.fetch_add(1);
          while ((g = generation_.load()) == seen)
            wake_.wait(lock);
          sleepers_.fetch_sub(1);
          break;
        }
      }
    }
    seen = g;
    if (stop_.load(std::memory_order_acquire))
      return;
    runPart(index);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

void ThreadPool::runPart(int part) noexcept {
  const Job &j = job_;
  TaskScope scope;
  try {
    if (j.schedule == Schedule::Dynamic) {
      for (;;) {
        const int64_t b = next_.fetch_add(j.chunk, std::memory_order_relaxed);
        if (b >= j.end)
          break;
        const int64_t e = j.end - b < j.chunk ? j.end : b + j.chunk;
        j.fn(j.ctx, b, e);
      }
    } else if (j.chunk <= 0) {
      const int64_t len = j.end - j.begin;
      const int64_t b = j.begin + len * part / numThreads_;
      const int64_t e = j.begin + len * (part + 1) / numThreads_;
      if (b < e)
        j.fn(j.ctx, b, e);
    } else {
      for (int64_t b = j.begin + part * j.chunk; b < j.end;
           b += numThreads_ * j.chunk) {
        const int64_t e = j.end - b < j.chunk ? j.end : b + j.chunk;
        j.fn(j.ctx, b, e);
      }
    }
  } catch (...) {
    if (!hasError_.exchange(true))
      error_ = std::current_exception();
  }
}

void ThreadPool::runSerial(int64_t begin, int64_t end, RangeFn fn,
                           void *ctx) {
  TaskScope scope;
  fn(ctx, begin, end);
}

void ThreadPool::parallelForRaw(int64_t begin, int64_t end, RangeFn fn,
                                void *ctx, Schedule schedule, int64_t chunk) {
  if (end <= begin)
    return;
  // Serial when there is nothing to share, or the pool is taken (nested call
  // from a task, or a concurrent call from another thread).
  if (numThreads_ == 1 || end - begin == 1 ||
      busy_.exchange(true, std::memory_order_acquire)) {
    runSerial(begin, end, fn, ctx);
    return;
  }
  if (schedule == Schedule::Dynamic && chunk <= 0) {
    chunk = (end - begin) / (int64_t(numThreads_) * 8);
    if (chunk < 1)
      chunk = 1;
  }
  job_.fn = fn;
  job_.ctx = ctx;
  job_.begin = begin;
  job_.end = end;
  job_.chunk = chunk;
  job_.schedule = schedule;
  next_.store(begin, std::memory_order_relaxed);
  pending_.store(numThreads_ - 1, std::memory_order_relaxed);
  generation_.fetch_add(1); // seq_cst: publishes the job
  if (sleepers_.load() > 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    wake_.notify_all();
  }
  runPart(0);
  int spins = 0;
  while (pending_.load(std::memory_order_acquire) != 0) {
    if (++spins < 4096)
      TXC_CPU_RELAX();
    else
      std::this_thread::yield();
  }
  std::exception_ptr err;
  if (hasError_.load(std::memory_order_acquire)) {
    err = error_;
    error_ = nullptr;
    hasError_.store(false, std::memory_order_relaxed);
  }
  busy_.store(false, std::memory_order_release);
  if (err)
    std::rethrow_exception(err);
}

void ThreadPool::runTasks(void *pool, int64_t n, TaskFn task, void *arg) {
  struct Ctx {
    TaskFn task;
    void *arg;
  } c{task, arg};
  static_cast<ThreadPool *>(pool)->parallelForRaw(
      0, n,
      [](void *p, int64_t b, int64_t e) {
        const Ctx &c = *static_cast<Ctx *>(p);
        for (int64_t i = b; i < e; ++i)
          c.task(c.arg, i);
      },
      &c, Schedule::Static, 0);
}

} // namespace txc
