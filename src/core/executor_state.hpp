// Internals shared by the executor's CPU and IO halves: a batch in progress, and clock helpers.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "async_lane.hpp"
#include "executor.hpp"

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

inline Span task_span(std::uint32_t index, unsigned thread, std::int64_t start_us,
                      std::int64_t end_us) {
  return Span{.first = index, .count = 1, .thread = thread, .start_us = start_us, .end_us = end_us};
}

struct LocalExecutor::BatchState {
  TaskBatch batch;
  ResultBatch result;
  std::atomic<std::size_t> units_left{0};  // chunks, task claimers or downloads still running
  std::atomic<std::size_t> next_task{0};   // first unclaimed task, for per-task CPU work
  std::size_t grain = 1;                   // tasks claimed at a time
  std::mutex failures_mutex;               // failures are rare: a lock each is fine

  // IO batches: every download's deadline, soonest first, and the next one due.
  struct Due {
    AsyncLane::Clock::time_point deadline;
    std::uint32_t index;
  };
  std::vector<Due> due;
  std::size_t next_due = 0;
  AsyncLane::Clock::time_point io_started;
  std::int64_t io_start_us = 0;

  // Runs `body` for task `index`; what it throws becomes the task's failure.
  template <class F>
  void guarded(std::uint32_t index, F&& body) noexcept {
    try {
      body();
    } catch (const std::exception& e) {
      fail(index, e.what());
    } catch (...) {
      fail(index, "unknown exception");
    }
  }
  void fail(std::uint32_t index, std::string_view message) noexcept {
    result.values[index] = 0;
    std::lock_guard lock(failures_mutex);
    result.failures.push_back(Failure{index, std::string(message)});
  }
};

}  // namespace drover
