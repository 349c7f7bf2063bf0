// The scheduler's sizing rules: credits, the CPU and IO windows, batch sizes, learned costs.
#include <algorithm>
#include <cmath>
#include <limits>

#include "scheduling/scheduler.hpp"

namespace drover {

std::uint32_t Scheduler::io_window_of(const WorkerState& worker) const {
  const std::uint32_t slots = worker.slot.io_slots;
  if (slots == 0) return config_.io_window;
  std::uint32_t queued = 1;
  if (command_seconds_ > 0) {
    const double cover = std::ceil(config_.io_cover_seconds * slots / command_seconds_);
    queued = static_cast<std::uint32_t>(std::clamp(cover, 1.0, 8.0 * slots));
  }
  return slots + queued;
}

std::uint32_t Scheduler::credits_of(const WorkerState& worker) const {
  return config_.batches_per_thread * worker.slot.threads;
}

// Batches in circulation a worker should hold, from how long the batch just
// back took on one thread: enough queued behind the running one to cover
// queue_seconds, none when a batch is long.
std::uint32_t Scheduler::window_of(const WorkerState& worker, double seconds) const {
  std::uint32_t queued = config_.batches_per_thread - 1;
  if (seconds >= config_.no_queue_seconds) {
    queued = 0;
  } else if (seconds > 0) {
    queued = static_cast<std::uint32_t>(
        std::min<double>(queued, std::max(1.0, std::ceil(config_.queue_seconds / seconds))));
  }
  return std::min(credits_of(worker), (queued + 1) * worker.slot.threads);
}

// A CPU credit comes back: it goes round again, and the window grows at once
// or shrinks by this one credit toward what the batch's length asks for.
void Scheduler::return_credit(std::size_t index, double busy) {
  WorkerState& worker = workers_[index];
  if (worker.excluded) return;  // an excluded rank's credits are not handed out again
  const std::uint32_t window = window_of(worker, busy);
  if (worker.cpu_credits > window) {
    --worker.cpu_credits;
    return;
  }
  cpu_credits_.push_back(index);
  for (; worker.cpu_credits < window; ++worker.cpu_credits) cpu_credits_.push_back(index);
}

std::size_t Scheduler::batch_size(KindId kind, Lane lane, const WorkerState& worker) const {
  std::size_t size = config_.fixed_batch;
  if (size == 0) {
    size = lane == Lane::io ? io_batch_size() : cpu_batch_size(kind);
  }
  if (lane == Lane::io) {
    size = std::min<std::size_t>(size, io_window_of(worker) - worker.io_tasks);
    if (config_.io_batch_max != 0) size = std::min<std::size_t>(size, config_.io_batch_max);
  }
  return std::max<std::size_t>(size, 1);
}

std::size_t Scheduler::cpu_batch_size(KindId kind) const {
  const double cost = cost_.at(kind);
  std::size_t size = 0;
  if (work_.hinted(kind) && work_.unit_seconds(kind)) {
    // The WorkBudget ends a batch of explicit tasks at the target. (Generated
    // ranges, uniform by construction, never measure a unit: the per-task
    // cost below sizes them.)
    size = config_.max_batch;
  } else if (cost < 0) {
    size = 1;  // probe: one task until its cost is known
  } else if (cost * config_.max_batch <= batch_seconds_) {
    size = config_.max_batch;
  } else {
    size = static_cast<std::size_t>(batch_seconds_ / cost);
  }
  // Guided self-scheduling: near the end batches shrink, so the last task
  // does not wait behind a large batch while other threads idle.
  size = std::min<std::uint64_t>(size, guided_share(2 * total_threads_));
  return std::clamp<std::size_t>(size, 1, config_.max_batch);
}

// IO tasks wait concurrently on the lane, so a batch of them takes as long as
// its longest, not the sum: their cost says nothing about batch size. What
// matters is getting them all in flight fast (one message per download would
// make dispatch the bottleneck at 100,000 downloads) while still spreading
// them over the ranks, hence a guided share per rank.
std::size_t Scheduler::io_batch_size() const {
  return std::clamp<std::size_t>(guided_share(4 * workers_.size()), 1, config_.max_batch);
}

// ceil(remaining / parts), or unbounded when the source cannot say.
std::uint64_t Scheduler::guided_share(std::uint64_t parts) const {
  const auto total = source_.total();
  if (!total) return std::numeric_limits<std::uint64_t>::max();
  const std::uint64_t remaining = *total - std::min(*total, dispatched_tasks_);
  return (remaining + parts - 1) / parts;
}

// Cost per task from the worker's own timing, smoothed so one noisy batch
// does not swing the batch size.
void Scheduler::learn_cost(KindId kind, double busy, std::size_t tasks) {
  if (tasks == 0) return;
  const double per_task = std::max(0.0, busy / static_cast<double>(tasks));
  double& c = cost_.at(kind);
  c = c < 0 ? per_task : 0.75 * c + 0.25 * per_task;
}

}  // namespace drover
