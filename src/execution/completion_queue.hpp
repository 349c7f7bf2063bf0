// Hands finished work from pool and lane threads to the one thread that talks to MPI.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace drover {

// Many producers, one consumer. The consumer drains everything at once so the
// lock is taken once per wake-up, not once per item.
template <class T>
class CompletionQueue {
 public:
  void push(T&& item) {
    {
      std::lock_guard lock(mutex_);
      items_.push_back(std::move(item));
    }
    ready_.notify_one();
  }

  std::optional<T> try_pop() {
    std::lock_guard lock(mutex_);
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    return item;
  }

  // Moves every queued item into `out` (appending); returns how many.
  template <class Container>
  std::size_t drain_into(Container& out) {
    std::lock_guard lock(mutex_);
    const std::size_t n = items_.size();
    for (auto& item : items_) out.push_back(std::move(item));
    items_.clear();
    return n;
  }

  // Blocks until an item is queued, notify() is called, or `timeout` passes;
  // true if an item is queued.
  bool wait_for(std::chrono::microseconds timeout) {
    std::unique_lock lock(mutex_);
    ready_.wait_for(lock, timeout, [&] { return !items_.empty() || poked_; });
    poked_ = false;
    return !items_.empty();
  }

  // Wakes a wait_for without queueing anything: news of another kind.
  void notify() {
    {
      std::lock_guard lock(mutex_);
      poked_ = true;
    }
    ready_.notify_one();
  }

  bool empty() const {
    std::lock_guard lock(mutex_);
    return items_.empty();
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<T> items_;
  bool poked_ = false;
};

}  // namespace drover
