// ThreadPool: every job runs, futures carry values and exceptions, indices, draining shutdown.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <latch>
#include <memory>
#include <set>
#include <stdexcept>
#include <vector>

#include "execution/thread_pool.hpp"

namespace drover {
namespace {

TEST(ThreadPool, RunsEveryExecutedJob) {
  std::atomic<int> ran{0};
  {
    ThreadPool pool(4);
    EXPECT_EQ(pool.size(), 4u);
    for (int i = 0; i < 10000; ++i) {
      pool.execute([&ran]() noexcept { ran.fetch_add(1, std::memory_order_relaxed); });
    }
  }
  EXPECT_EQ(ran.load(), 10000);
}

TEST(ThreadPool, ZeroThreadsMeansOne) {
  ThreadPool pool(0);
  EXPECT_EQ(pool.size(), 1u);
  EXPECT_EQ(pool.submit([] { return 7; }).get(), 7);
}

TEST(ThreadPool, FuturesCarryValues) {
  ThreadPool pool(3);
  std::vector<std::future<long>> futures;
  for (long i = 0; i < 100; ++i) futures.push_back(pool.submit([i] { return i * i; }));
  for (long i = 0; i < 100; ++i) EXPECT_EQ(futures[static_cast<std::size_t>(i)].get(), i * i);
  auto done = pool.submit([] {});
  done.get();
}

TEST(ThreadPool, FuturesCarryExceptions) {
  ThreadPool pool(2);
  // Shared, so this thread keeps the state (and the exception) until the end:
  // with a plain future, get() lets go of it and the pool thread frees the
  // exception, ordered only by libstdc++'s exception refcount, which TSan does
  // not see (a false report under -fsanitize=thread).
  std::shared_future<int> failing =
      pool.submit([]() -> int { throw std::runtime_error("boom"); }).share();
  try {
    failing.get();
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "boom");
  }
  // The pool survives a throwing job.
  EXPECT_EQ(pool.submit([] { return 1; }).get(), 1);
}

TEST(ThreadPool, AcceptsMoveOnlyCallables) {
  ThreadPool pool(2);
  auto value = std::make_unique<int>(41);
  auto future = pool.submit([v = std::move(value)] { return *v + 1; });
  EXPECT_EQ(future.get(), 42);
  std::promise<int> promise;
  auto result = promise.get_future();
  auto boxed = std::make_unique<int>(5);
  pool.execute(
      [b = std::move(boxed), p = std::move(promise)]() mutable noexcept { p.set_value(*b); });
  EXPECT_EQ(result.get(), 5);
}

TEST(ThreadPool, ThreadIndicesAreInRange) {
  EXPECT_EQ(ThreadPool::current_thread_index(), ThreadPool::kNotInPool);
  ThreadPool pool(4);
  std::vector<std::future<unsigned>> futures;
  for (int i = 0; i < 200; ++i) {
    futures.push_back(pool.submit([] { return ThreadPool::current_thread_index(); }));
  }
  for (auto& f : futures) EXPECT_LT(f.get(), 4u);
}

TEST(ThreadPool, AllThreadsRunAtOnceWithDistinctIndices) {
  constexpr unsigned kThreads = 4;
  ThreadPool pool(kThreads);
  // Each job waits for all the others: this only completes if the pool really
  // runs kThreads jobs side by side, one per thread.
  std::latch all_started(kThreads);
  std::vector<std::future<unsigned>> futures;
  for (unsigned i = 0; i < kThreads; ++i) {
    futures.push_back(pool.submit([&all_started] {
      all_started.arrive_and_wait();
      return ThreadPool::current_thread_index();
    }));
  }
  std::set<unsigned> indices;
  for (auto& f : futures) indices.insert(f.get());
  EXPECT_EQ(indices, (std::set<unsigned>{0, 1, 2, 3}));
}

TEST(ThreadPool, DestructorDrainsQueuedJobs) {
  std::atomic<int> ran{0};
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  {
    ThreadPool pool(1);
    // The only thread is held up, so the jobs below are still queued when the
    // destructor starts.
    pool.execute([released]() noexcept { released.wait(); });
    for (int i = 0; i < 100; ++i) pool.execute([&ran]() noexcept { ++ran; });
    release.set_value();
  }
  EXPECT_EQ(ran.load(), 100);
}

// The pool may already be stopping when the job queues its follow-ups; they run either way.
TEST(ThreadPool, JobsQueuedByRunningJobsRun) {
  std::atomic<int> ran{0};
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  {
    ThreadPool pool(2);
    pool.execute([&pool, &ran, released]() noexcept {
      released.wait();
      for (int i = 0; i < 50; ++i) pool.execute([&ran]() noexcept { ++ran; });
    });
    release.set_value();
  }
  EXPECT_EQ(ran.load(), 50);
}

}  // namespace
}  // namespace drover
