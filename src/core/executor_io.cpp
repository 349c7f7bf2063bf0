// LocalExecutor's IO half: downloads wait on the async lane, a batch at a time, never on a pool
// thread.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "executor_state.hpp"
#include "kinds.hpp"

namespace drover {

void LocalExecutor::run_io(std::shared_ptr<BatchState> state) {
  state->result.spans.resize(state->batch.size());
  // The whole batch is one unit: everything after this runs on the lane thread.
  state->units_left.store(1, std::memory_order_relaxed);
  // Starting on the lane keeps submit() cheap and every announcement on one thread.
  lane_->post(
      [this, state = std::move(state)]() mutable noexcept { start_downloads(std::move(state)); });
}

// A batch's downloads start together, as an async client issues a batch of
// requests: each deadline is that instant plus the download's duration. The
// batch then waits on the lane as one list sorted by deadline, with one
// pending wait for its next deadline, so a download in flight costs 16 bytes
// and no allocation, and 100,000 of them start in a few milliseconds.
void LocalExecutor::start_downloads(std::shared_ptr<BatchState> state) noexcept {
  BatchState& s = *state;
  const TaskBatch& batch = s.batch;
  const std::size_t n = batch.size();
  s.io_started = AsyncLane::Clock::now();
  s.io_start_us = now_us_from(s.io_started);
  s.due.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto index = static_cast<std::uint32_t>(i);
    const KindId kind = batch.is_range() ? config_.generator.kind : batch.tasks[i].spec.kind;
    if (kind_info(kind).lane != Lane::io) {
      s.fail(index, "kind " + std::string(kind_info(kind).name) + " does not run on the IO lane");
      s.result.spans[i] = task_span(index, config_.threads, s.io_start_us, s.io_start_us);
      continue;
    }
    const double planned = batch.is_range() ? config_.generator.download_seconds(batch.first_id + i)
                                            : batch.tasks[i].spec.seconds;
    // Inputs are validated upstream; clamping keeps the duration cast defined regardless.
    const double seconds = planned >= 0 ? std::min(planned, kMaxDownloadSeconds) : 0.0;
    s.result.values[i] = std::llround(seconds * 1000);
    if (config_.announce) announce(false, download_name(s, index), seconds);
    const auto wait = std::chrono::duration_cast<AsyncLane::Clock::duration>(
        std::chrono::duration<double>(seconds));
    s.due.push_back(BatchState::Due{s.io_started + wait, index});
  }
  std::sort(s.due.begin(), s.due.end(), [](const BatchState::Due& a, const BatchState::Due& b) {
    return a.deadline != b.deadline ? a.deadline < b.deadline : a.index < b.index;
  });
  wait_for_next(std::move(state));
}

void LocalExecutor::wait_for_next(std::shared_ptr<BatchState> state) noexcept {
  BatchState& s = *state;
  if (s.next_due == s.due.size()) {
    s.due = {};  // the batch is over: give the memory back before the results travel
    unit_done(s);
    return;
  }
  const auto deadline = s.due[s.next_due].deadline;
  lane_->at(deadline,
            [this, state = std::move(state)]() mutable noexcept { finish_due(std::move(state)); });
}

// Finishes every download of the batch whose deadline has passed: under load
// one wake-up serves many, so late wake-ups do not pile up.
void LocalExecutor::finish_due(std::shared_ptr<BatchState> state) noexcept {
  BatchState& s = *state;
  const auto now = AsyncLane::Clock::now();
  const std::int64_t end_us = now_us_from(now);
  const double waited = std::chrono::duration<double>(now - s.io_started).count();
  while (s.next_due < s.due.size() && s.due[s.next_due].deadline <= now) {
    const std::uint32_t index = s.due[s.next_due++].index;
    if (!s.result.metrics.empty()) s.result.metrics[index] = waited;
    s.result.spans[index] = task_span(index, config_.threads, s.io_start_us, end_us);
    if (config_.announce) announce(true, download_name(s, index), waited);
  }
  wait_for_next(std::move(state));
}

std::string_view LocalExecutor::download_name(BatchState& state, std::uint32_t index) {
  if (!state.batch.is_range()) return state.batch.tasks[index].spec.name;
  lane_scratch_ = config_.generator.make(state.batch.first_id + index);
  return lane_scratch_.name;
}

void LocalExecutor::announce(bool finished, std::string_view name, double seconds) noexcept {
  char tail[64];
  std::snprintf(tail, sizeof tail, finished ? " in %.2f s" : " (%.2f s)", seconds);
  std::string& line = announce_line_;
  line.assign(announce_prefix_).append(finished ? "finished " : "downloading ").append(name);
  line.append(tail);
  if (config_.announce_sink) {
    try {
      config_.announce_sink(line);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "drover: announce sink failed: %s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "drover: announce sink failed: unknown exception\n");
    }
    return;
  }
  // One fwrite per line so lines from several ranks on one pipe do not
  // interleave mid-line; flushed because mpirun's pipe would otherwise hold them.
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

}  // namespace drover
