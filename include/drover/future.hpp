// A task's result to come: drover::future<T> from Pool::submit, when_all and as_completed.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "drover/detail/channel.hpp"
#include "drover/errors.hpp"
#include "drover/serialize.hpp"

namespace drover {

namespace detail {

// Futures that report to one waiter as they complete (as_completed).
struct Completions {
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<std::size_t> done;
  void push(std::size_t tag) {
    {
      std::lock_guard lock(mutex);
      done.push_back(tag);
    }
    ready.notify_one();
  }
};

// One submitted task's channel: the comm thread fills it, get() reads it.
class FutureState final : public Channel {
 public:
  void deliver(Piece&& piece) override { settle(std::move(piece), {}, false); }
  void abort(const std::string& why, bool stopped) override { settle(Piece{}, why, stopped); }
  void wait() {
    std::unique_lock lock(mutex_);
    ready_cv_.wait(lock, [&] { return ready_; });
  }
  bool ready() const {
    std::lock_guard lock(mutex_);
    return ready_;
  }
  // After wait(): the piece of one result, or why there is none.
  const Piece& piece() const { return piece_; }
  const std::string& aborted() const { return aborted_; }
  bool stopped() const { return stopped_; }
  void report_to(std::shared_ptr<Completions> completions, std::size_t tag) {
    std::lock_guard lock(mutex_);
    if (ready_) {
      completions->push(tag);
      return;
    }
    completions_ = std::move(completions);
    tag_ = tag;
  }

 private:
  void settle(Piece&& piece, std::string why, bool stopped) {
    std::shared_ptr<Completions> completions;
    {
      std::lock_guard lock(mutex_);
      piece_ = std::move(piece);
      aborted_ = std::move(why);
      stopped_ = stopped;
      ready_ = true;
      completions = std::move(completions_);
    }
    ready_cv_.notify_all();
    if (completions) completions->push(tag_);
  }

  mutable std::mutex mutex_;
  std::condition_variable ready_cv_;
  bool ready_ = false;
  Piece piece_;
  std::string aborted_;
  bool stopped_ = false;
  std::shared_ptr<Completions> completions_;
  std::size_t tag_ = 0;
};

}  // namespace detail

// The result of one submitted task. get() waits for it and returns it, or
// rethrows what the task threw as drover::remote_error. Copies share one
// result; it can be got more than once.
template <class T>
class [[nodiscard]] future {
 public:
  future() = default;
  explicit future(std::shared_ptr<detail::FutureState> state) : state_(std::move(state)) {}

  bool valid() const noexcept { return state_ != nullptr; }
  bool ready() const { return state_->ready(); }
  void wait() const { state_->wait(); }
  T get() const {
    state_->wait();
    const detail::Piece& p = state_->piece();
    if (!state_->aborted().empty()) detail::throw_aborted(state_->aborted(), state_->stopped());
    if (!p.failures.empty()) throw p.error(p.failures.front());
    return decode<T>(p.output(0));
  }
  // For as_completed.
  const std::shared_ptr<detail::FutureState>& state() const noexcept { return state_; }

 private:
  std::shared_ptr<detail::FutureState> state_;
};

// Every result, in the futures' order; rethrows the first failure (by position).
template <class T>
std::vector<T> when_all(const std::vector<future<T>>& futures) {
  std::vector<T> out;
  out.reserve(futures.size());
  for (const future<T>& f : futures) f.wait();
  for (const future<T>& f : futures) out.push_back(f.get());
  return out;
}

// Calls on_done(index, future) for each future as it completes, soonest first.
template <class T, class F>
void as_completed(const std::vector<future<T>>& futures, F&& on_done) {
  auto completions = std::make_shared<detail::Completions>();
  for (std::size_t i = 0; i < futures.size(); ++i) futures[i].state()->report_to(completions, i);
  for (std::size_t seen = 0; seen < futures.size(); ++seen) {
    std::size_t index = 0;
    {
      std::unique_lock lock(completions->mutex);
      completions->ready.wait(lock, [&] { return !completions->done.empty(); });
      index = completions->done.front();
      completions->done.pop_front();
    }
    on_done(index, futures[index]);
  }
}

}  // namespace drover
