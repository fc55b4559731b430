//===- ThreadPoolTest.cpp - libtxcrt thread pool --------------------------===//
#include "ThreadPool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using txc::ThreadPool;
using Schedule = ThreadPool::Schedule;

namespace {

/// Checks every index of [begin, end) is visited exactly once.
void expectExactlyOnce(ThreadPool &pool, int64_t begin, int64_t end,
                       Schedule s, int64_t chunk) {
  const int64_t n = end > begin ? end - begin : 0;
  std::unique_ptr<std::atomic<int>[]> hits(new std::atomic<int>[n + 1]);
  for (int64_t i = 0; i < n; ++i)
    hits[i].store(0);
  std::atomic<int64_t> outside{0};
  pool.parallelFor(
      begin, end,
      [&](int64_t b, int64_t e) {
        if (b < begin || e > end || b >= e)
          outside.fetch_add(1);
        for (int64_t i = b; i < e; ++i)
          if (i >= begin && i < end)
            hits[i - begin].fetch_add(1);
      },
      s, chunk);
  EXPECT_EQ(outside.load(), 0);
  int64_t wrong = 0;
  for (int64_t i = 0; i < n; ++i)
    wrong += hits[i].load() != 1;
  EXPECT_EQ(wrong, 0) << "range [" << begin << "," << end << ") chunk "
                      << chunk;
}

TEST(ThreadPool, EveryIndexExactlyOnce) {
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.numThreads(), threads);
    const int64_t ranges[][2] = {{0, 0},  {0, 1},    {0, 2},   {5, 8},
                                 {-7, 6}, {0, 1000}, {3, 100003}};
    for (const auto &r : ranges) {
      expectExactlyOnce(pool, r[0], r[1], Schedule::Static, 0);
      expectExactlyOnce(pool, r[0], r[1], Schedule::Static, 7);
      expectExactlyOnce(pool, r[0], r[1], Schedule::Dynamic, 0);
      expectExactlyOnce(pool, r[0], r[1], Schedule::Dynamic, 1);
      expectExactlyOnce(pool, r[0], r[1], Schedule::Dynamic, 333);
    }
  }
}

TEST(ThreadPool, StaticGivesOneContiguousBlockPerThread) {
  ThreadPool pool(2);
  std::atomic<int> calls{0};
  pool.parallelFor(0, 100, [&](int64_t b, int64_t e) {
    calls.fetch_add(1);
    EXPECT_TRUE((b == 0 && e == 50) || (b == 50 && e == 100));
  });
  EXPECT_EQ(calls.load(), 2);
}

TEST(ThreadPool, TenThousandBackToBackCalls) {
  ThreadPool pool(2);
  std::atomic<int64_t> sum{0};
  for (int it = 0; it < 10000; ++it)
    pool.parallelFor(
        0, 64,
        [&](int64_t b, int64_t e) {
          int64_t s = 0;
          for (int64_t i = b; i < e; ++i)
            s += i;
          sum.fetch_add(s, std::memory_order_relaxed);
        },
        it % 2 ? Schedule::Dynamic : Schedule::Static);
  EXPECT_EQ(sum.load(), int64_t(10000) * (63 * 64 / 2));
}

TEST(ThreadPool, NestedCallRunsSeriallyAndNeverDeadlocks) {
  ThreadPool pool(2);
  std::atomic<int64_t> inner{0};
  std::atomic<int> innerCallsOnOtherThreads{0};
  pool.parallelFor(0, 8, [&](int64_t b, int64_t e) {
    EXPECT_TRUE(ThreadPool::inTask());
    for (int64_t i = b; i < e; ++i) {
      const auto me = std::this_thread::get_id();
      pool.parallelFor(0, 100, [&](int64_t ib, int64_t ie) {
        if (std::this_thread::get_id() != me)
          innerCallsOnOtherThreads.fetch_add(1);
        inner.fetch_add(ie - ib);
      }, Schedule::Dynamic, 3);
    }
  });
  EXPECT_EQ(inner.load(), 800);
  EXPECT_EQ(innerCallsOnOtherThreads.load(), 0);
  EXPECT_FALSE(ThreadPool::inTask());
}

TEST(ThreadPool, ConcurrentCallersBothComplete) {
  ThreadPool pool(2);
  std::atomic<int64_t> total{0};
  auto caller = [&] {
    for (int it = 0; it < 500; ++it)
      pool.parallelFor(0, 32, [&](int64_t b, int64_t e) {
        total.fetch_add(e - b);
      });
  };
  std::thread t1(caller), t2(caller);
  t1.join();
  t2.join();
  EXPECT_EQ(total.load(), 2 * 500 * 32);
}

TEST(ThreadPool, WakesAfterWorkersSleep) {
  ThreadPool pool(3);
  for (int round = 0; round < 3; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20)); // > spin budget
    std::atomic<int> distinctThreads{0};
    std::atomic<int> seen[3] = {{0}, {0}, {0}};
    std::vector<std::thread::id> ids(3);
    pool.parallelFor(0, 3, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        seen[i].fetch_add(1);
      distinctThreads.fetch_add(1);
    });
    for (auto &s : seen)
      EXPECT_EQ(s.load(), 1);
    EXPECT_EQ(distinctThreads.load(), 3);
  }
}

TEST(ThreadPool, ExceptionPropagatesAndPoolStaysUsable) {
  ThreadPool pool(2);
  EXPECT_THROW(pool.parallelFor(0, 10,
                                [](int64_t b, int64_t) {
                                  if (b >= 5)
                                    throw std::runtime_error("boom");
                                }),
               std::runtime_error);
  expectExactlyOnce(pool, 0, 1000, Schedule::Dynamic, 0);
}

TEST(ThreadPool, ThreadCountFromArgumentOrEnvironment) {
  EXPECT_EQ(ThreadPool::resolveThreadCount(3), 3);
  const char *old = std::getenv("TXC_NUM_THREADS");
  std::string saved = old ? old : "";
  setenv("TXC_NUM_THREADS", "3", 1);
  EXPECT_EQ(ThreadPool::resolveThreadCount(0), 3);
  {
    ThreadPool pool;
    EXPECT_EQ(pool.numThreads(), 3);
  }
  setenv("TXC_NUM_THREADS", " 5 ", 1);
  EXPECT_EQ(ThreadPool::resolveThreadCount(0), 5);
  const int hw = std::max(1u, std::thread::hardware_concurrency());
  // A bad value falls back to the hardware threads and says so.
  for (const char *bad : {"garbage", "4x", "0", "-2", "", "99999"}) {
    setenv("TXC_NUM_THREADS", bad, 1);
    testing::internal::CaptureStderr();
    EXPECT_EQ(ThreadPool::resolveThreadCount(0), hw) << "'" << bad << "'";
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("ignoring TXC_NUM_THREADS='" + std::string(bad) + "'"),
              std::string::npos)
        << err;
  }
  EXPECT_EQ(ThreadPool::resolveThreadCount(2), 2); // argument wins
  if (old)
    setenv("TXC_NUM_THREADS", saved.c_str(), 1);
  else
    unsetenv("TXC_NUM_THREADS");
}

TEST(ThreadPool, RunTasksAdapter) {
  ThreadPool pool(2);
  std::atomic<int> hits[5] = {{0}, {0}, {0}, {0}, {0}};
  ThreadPool::runTasks(
      &pool, 5,
      [](void *arg, int64_t i) {
        static_cast<std::atomic<int> *>(arg)[i].fetch_add(1);
      },
      hits);
  for (auto &h : hits)
    EXPECT_EQ(h.load(), 1);
}

TEST(ThreadPool, CreateAndDestroyRepeatedly) {
  for (int i = 0; i < 50; ++i) {
    ThreadPool pool(2);
    if (i % 2)
      expectExactlyOnce(pool, 0, 10, Schedule::Static, 0);
  }
}

} // namespace
