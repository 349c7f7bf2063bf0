// A fixed-size thread pool whose jobs are coarse chunks of tasks, with futures or no-throw jobs.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <future>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "execution/unique_job.hpp"

namespace drover {

// One shared queue under a mutex rather than per-thread deques with stealing:
// the executor queues a handful of chunk jobs per batch (about one per
// thread), so the lock is taken a few times per thousands of tasks and never
// shows up in profiles, while stealing would add complexity and subtle
// memory-ordering code for no measurable gain.
class ThreadPool {
 public:
  // What current_thread_index() returns on a thread that is not a pool thread.
  static constexpr unsigned kNotInPool = std::numeric_limits<unsigned>::max();

  // Starts `threads` threads (at least one).
  explicit ThreadPool(unsigned threads);
  // Calls drain().
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Runs every queued job (including jobs queued by running jobs), then joins
  // the threads. Afterwards nothing may be queued. Not from a pool thread; a
  // second call does nothing.
  void drain();

  unsigned size() const noexcept { return static_cast<unsigned>(workers_.size()); }

  // 0..size()-1 on a thread of the pool running a job; kNotInPool elsewhere.
  // With several pools, the index is relative to the pool that owns the thread.
  static unsigned current_thread_index() noexcept;

  // Queues `f`; its result, or the exception it threw, arrives through the future.
  template <class F, class R = std::invoke_result_t<std::decay_t<F>&>>
  [[nodiscard]] std::future<R> submit(F&& f) {
    std::packaged_task<R()> task(std::forward<F>(f));
    std::future<R> result = task.get_future();
    // packaged_task stores the callable's exception in the future; it only
    // throws itself on misuse (no state, run twice), which cannot happen here.
    enqueue(UniqueJob([task = std::move(task)]() mutable noexcept { task(); }));
    return result;
  }

  // Queues `f` with nothing to wait for. It must be noexcept, so that no
  // exception can ever be lost: the caller handles failures inside `f`.
  template <class F>
  void execute(F&& f) {
    static_assert(std::is_nothrow_invocable_v<std::decay_t<F>&>,
                  "ThreadPool::execute needs a noexcept callable; use submit() to get "
                  "exceptions through a future");
    enqueue(UniqueJob(std::forward<F>(f)));
  }

 private:
  void enqueue(UniqueJob job);
  void worker_loop(unsigned index) noexcept;

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<UniqueJob> jobs_;
  std::size_t active_ = 0;  // jobs being run; a draining pool waits for them too
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace drover
