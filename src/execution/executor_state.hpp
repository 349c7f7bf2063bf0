// Internals shared by the executor's CPU and IO halves: a batch in progress, and clock helpers.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "execution/async_lane.hpp"
#include "execution/executor.hpp"
#include "model/kinds.hpp"

namespace drover {

inline std::int64_t now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

// The wall-clock microseconds of a steady-clock instant, without a second
// clock read per call: the offset between the clocks is taken once.
inline std::int64_t now_us_from(std::chrono::steady_clock::time_point t) {
  using namespace std::chrono;
  static const std::int64_t offset_us =
      now_us() - duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
  return offset_us + duration_cast<microseconds>(t.time_since_epoch()).count();
}

// "std::invalid_argument": the demangled dynamic type, for the caller's remote_error.
std::string exception_type_name(const std::exception& e);

inline Span task_span(std::uint32_t index, unsigned thread, std::int64_t start_us,
                      std::int64_t end_us) {
  return Span{.first = index, .count = 1, .thread = thread, .start_us = start_us, .end_us = end_us};
}

struct LocalExecutor::BatchState : std::enable_shared_from_this<BatchState> {
  BatchState() = default;
  // An inline batch: the caller's batch outlives the state, so it is not copied.
  explicit BatchState(const TaskBatch& caller_batch) : batch(caller_batch) {}
  BatchState(const BatchState&) = delete;
  BatchState& operator=(const BatchState&) = delete;

  TaskBatch owned;                 // the batch, for one that outlives submit()
  const TaskBatch& batch = owned;  // what runs: owned, or the inline caller's
  ResultBatch result;
  const KindInfo* kind = nullptr;          // the one kind of every task, or null for a mixed batch
  std::atomic<std::size_t> units_left{0};  // chunks, task claimers, or 1 for an IO batch
  // First unclaimed task (per-task CPU work) or chunk (block kernels). A
  // revoke sets it to kRevoked plus what was claimed, so no later claim succeeds.
  std::atomic<std::size_t> next_task{0};
  static constexpr std::size_t kRevoked = std::size_t{1} << 62;
  std::size_t grain = 1;        // tasks claimed at a time
  std::size_t chunks = 0;       // block kernels: the chunks the batch is cut into; 0: per task
  std::uint32_t kept = 0;       // tasks left to run here after a revoke (set before finish runs)
  std::size_t kept_chunks = 0;  // ...and, for block kernels, chunks
  bool revocable = false;       // listed in LocalExecutor::revocable_
  bool counted = false;         // in LocalExecutor::in_flight_ (every batch but an inline one)
  std::mutex failures_mutex;    // failures are rare: a lock each is fine
  // Outputs of a batch without a stride, one per task, packed when it ends.
  std::vector<std::string> pieces;
  // IO batches (lane thread only): one view per kind, tasks not yet done.
  std::vector<std::unique_ptr<IoView>> views;
  std::size_t io_left = 0;
  // An IO batch owns itself until its last task is done: a kind may hold its
  // IoBatch without a pending wait (exec, between a spawn and the exit).
  std::shared_ptr<BatchState> self;

  const KindInfo& kind_of(std::size_t i) const {
    return kind != nullptr ? *kind : fast_kind_info(batch.tasks[i].spec.kind);
  }
  // Stores task i's output, checked against the kind's declared size.
  void store(std::size_t i, std::span<const char> output) {
    if (result.stride == 0) {
      pieces[i].assign(output.data(), output.size());
      return;
    }
    if (output.size() != result.stride) {
      fail(static_cast<std::uint32_t>(i),
           "kind " + kind_of(i).name + " produced " + std::to_string(output.size()) +
               " bytes of output, not the " + std::to_string(result.stride) + " it declares");
      return;
    }
    std::memcpy(result.outputs.data() + i * result.stride, output.data(), output.size());
  }
  // Runs `body` for task `index`; what it throws becomes the task's failure.
  template <class F>
  void guarded(std::uint32_t index, F&& body) noexcept {
    try {
      body();
    } catch (const std::exception& e) {
      fail(index, e.what(), exception_type_name(e));
    } catch (...) {
      fail(index, "unknown exception", "");
    }
  }
  void fail(std::uint32_t index, std::string_view message, std::string type = {}) noexcept {
    if (result.stride != 0) {
      std::memset(result.outputs.data() + std::size_t{index} * result.stride, 0, result.stride);
    } else {
      pieces[index].clear();
    }
    std::lock_guard lock(failures_mutex);
    result.failures.push_back(Failure{index, std::string(message), std::move(type)});
  }
};

// The tasks of one IO kind within a batch, as that kind sees them. Lives in
// its BatchState until the batch is done; every call is on the lane thread.
class LocalExecutor::IoView final : public IoBatch {
 public:
  IoView(LocalExecutor& executor, BatchState& state, KindId kind,
         std::vector<std::uint32_t> indices)
      : executor_(executor), state_(state), kind_(kind), indices_(std::move(indices)) {
    done_.assign(indices_.size(), false);
  }

  std::size_t size() const override { return indices_.size(); }

  std::span<const char> input(std::size_t i) override {
    const std::uint32_t index = indices_.at(i);
    if (!state_.batch.is_range()) return state_.batch.tasks[index].spec.input;
    const TaskBatch& batch = state_.batch;
    scratch_.clear();
    fast_kind_info(batch.kind).generate(batch.params, batch.first_item + index, scratch_);
    return scratch_;
  }

  void finish(std::size_t i, std::span<const char> output, Clock::time_point started,
              Clock::time_point ended) override {
    if (!claim(i)) return;
    const std::uint32_t index = indices_[i];
    state_.store(index, output);
    state_.result.spans[index] =
        task_span(index, executor_.config_.threads, now_us_from(started), now_us_from(ended));
    task_done();
  }

  void fail(std::size_t i, std::string_view message) override {
    if (!claim(i)) return;
    const std::uint32_t index = indices_[i];
    state_.fail(index, message);
    const std::int64_t now = now_us();
    state_.result.spans[index] = task_span(index, executor_.config_.threads, now, now);
    task_done();
  }

  void not_started(std::size_t i) override {
    if (!claim(i)) return;
    const std::uint32_t index = indices_[i];
    state_.fail(index, "not started: drover is stopping", std::string(kNotStarted));
    const std::int64_t now = now_us();
    state_.result.spans[index] = task_span(index, executor_.config_.threads, now, now);
    task_done();
  }

  void fail_with_output(std::size_t i, std::string_view message, std::span<const char> output,
                        Clock::time_point started, Clock::time_point ended) override {
    if (!claim(i)) return;
    const std::uint32_t index = indices_[i];
    state_.fail(index, message);
    // A fixed-size output keeps fail()'s zeros: its rows do not show a failed value.
    if (state_.result.stride == 0) state_.pieces[index].assign(output.data(), output.size());
    state_.result.spans[index] =
        task_span(index, executor_.config_.threads, now_us_from(started), now_us_from(ended));
    task_done();
  }

  std::uint64_t task_id(std::size_t i) const override {
    return state_.batch.first_id + indices_.at(i);
  }
  std::uint32_t attempt(std::size_t) const override { return state_.batch.attempt; }
  int rank() const override { return executor_.config_.rank; }
  unsigned threads() const override { return executor_.config_.threads; }
  boost::asio::io_context& io_context() override { return executor_.lane_->io_context(); }
  std::shared_ptr<void>& lane_state() override { return executor_.lane_states_.at(kind_); }
  std::string_view settings() const override { return executor_.config_.kind_settings.at(kind_); }
  std::function<void(bool, std::string_view)> line_writer() override {
    LocalExecutor* executor = &executor_;
    return [executor](bool to_stderr, std::string_view lines) {
      executor->write_lines(to_stderr, lines);
    };
  }

  void at(Clock::time_point deadline, std::function<void()> then) override {
    // The wait keeps the batch alive; what the kind's callback throws fails
    // the tasks it has not finished.
    executor_.lane_->at(deadline, [this, keep = state_.shared_from_this(),
                                   then = std::move(then)]() noexcept { guarded(then); });
  }

  bool announcing() const override { return executor_.config_.announce; }
  void announce(std::string_view line) override { executor_.announce(line); }

  // Runs a call into the kind; an exception fails every task not yet done.
  template <class F>
  void guarded(F&& body) noexcept {
    try {
      body();
      return;
    } catch (const std::exception& e) {
      fail_rest(e.what());
    } catch (...) {
      fail_rest("unknown exception");
    }
  }

 private:
  bool claim(std::size_t i) {
    if (i >= done_.size() || done_[i]) return false;  // a kind's bug: the first word counts
    done_[i] = true;
    return true;
  }
  void fail_rest(std::string_view message) {
    for (std::size_t i = 0; i < done_.size(); ++i) {
      if (!done_[i]) fail(i, message);
    }
  }
  void task_done() {
    if (--state_.io_left != 0) return;
    // The last task: the batch may go once its results are out, and `this` with it.
    const std::shared_ptr<BatchState> keep = std::move(state_.self);
    executor_.unit_done(*keep);
  }

  LocalExecutor& executor_;
  BatchState& state_;
  KindId kind_;
  std::vector<std::uint32_t> indices_;
  std::vector<bool> done_;
  std::string scratch_;  // a range task's generated input
};

}  // namespace drover
