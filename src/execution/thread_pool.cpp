// ThreadPool: the worker loop, start-up and the draining shutdown.
#include "execution/thread_pool.hpp"

#include <algorithm>

namespace drover {

namespace {
thread_local unsigned t_pool_index = ThreadPool::kNotInPool;
}  // namespace

ThreadPool::ThreadPool(unsigned threads) {
  const unsigned count = std::max(threads, 1u);
  workers_.reserve(count);
  try {
    for (unsigned i = 0; i < count; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
  } catch (...) {
    // A failed thread start must not leave joinable threads behind, which
    // would call std::terminate from ~thread.
    drain();
    throw;
  }
}

ThreadPool::~ThreadPool() {
  drain();
}

void ThreadPool::drain() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

unsigned ThreadPool::current_thread_index() noexcept {
  return t_pool_index;
}

void ThreadPool::enqueue(UniqueJob job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  ready_.notify_one();
}

void ThreadPool::worker_loop(unsigned index) noexcept {
  t_pool_index = index;
  std::unique_lock lock(mutex_);
  for (;;) {
    // A stopping pool still waits for running jobs: they may queue more work.
    ready_.wait(lock, [&] { return !jobs_.empty() || (stopping_ && active_ == 0); });
    if (jobs_.empty()) {
      // Wake the other workers, which went back to sleep while jobs were running.
      ready_.notify_all();
      break;
    }
    UniqueJob job = std::move(jobs_.front());
    jobs_.pop_front();
    ++active_;
    lock.unlock();
    job.run();
    // Destroy the job's captures (possibly the last owner of a batch) outside the lock.
    job = UniqueJob();
    lock.lock();
    --active_;
  }
  t_pool_index = kNotInPool;
}

}  // namespace drover
