// The scheduler's failure rules: retries on another rank, and ranks excluded as bad nodes.
#include <string>

#include "model/kinds.hpp"
#include "scheduling/scheduler.hpp"

namespace drover {

// Places the oldest retry, preferring any rank but the one it failed on.
// Returns false when it cannot be placed now (no credit of the right kind).
bool Scheduler::dispatch_retry() {
  Retry& retry = retries_.front();
  const KindId kind = retry.task.spec.kind;
  const Lane lane = fast_kind_info(kind).lane;
  std::optional<Pick> pick = pick_worker(lane, retry.failed_on);
  if (!pick && healthy_workers() == 1) pick = pick_worker(lane, -1);  // nowhere else to go
  if (!pick) return false;

  InFlight flight{pick->worker, kind, TaskBatch{}, retry, std::nullopt};
  flight.batch.first_id = retry.task.id;
  flight.batch.lane = lane;
  flight.batch.attempt = retry.attempt;
  flight.batch.tasks.push_back(retry.task);
  retries_.pop_front();
  ++retries_sent_;
  send(*pick, std::move(flight));
  return true;
}

void Scheduler::settle_retry(InFlight& flight, ResultBatch&& results) {
  const Retry& retry = *flight.retry;
  results.attempts.assign(1, retry.attempt);
  const bool failed = !results.failures.empty();
  if (failed && results.failures.front().type == kNotStarted) {
    ++not_started_;
    return;  // the run is stopping: unfinished, for --resume
  }
  if (failed && retry.attempt <= config_.retries) {
    Retry again = retry;
    ++again.attempt;
    again.failed_on = results.rank;
    if (!draining_) retries_.push_back(std::move(again));  // else: unfinished, for --resume
    return;
  }
  if (!failed) {
    record_success(flight.worker);
    // It failed on one rank and ran fine on another: the first rank's fault.
    if (retry.first_failed_on != results.rank) blame(retry.first_failed_on);
  }
  finalize(std::move(flight.batch), std::move(results));
}

void Scheduler::record_success(std::size_t worker) {
  workers_[worker].blamed = 0;
}

void Scheduler::blame(int rank) {
  if (rank < 0 || static_cast<std::size_t>(rank) >= worker_of_rank_.size()) return;
  const std::size_t w = worker_of_rank_[rank];
  if (w >= workers_.size() || workers_[w].excluded) return;
  WorkerState& worker = workers_[w];
  ++worker.blamed;
  if (config_.exclude_after != 0 && worker.blamed >= config_.exclude_after &&
      healthy_workers() > 1) {
    exclude(w,
            std::to_string(worker.blamed) + " failures in a row that succeeded on retry elsewhere");
  }
}

// Its batches in flight finish normally; it only gets no new ones.
void Scheduler::exclude(std::size_t w, std::string reason) {
  workers_[w].excluded = true;
  std::erase(cpu_credits_, w);
  excluded_.emplace_back(workers_[w].slot.rank, std::move(reason));
}

std::size_t Scheduler::healthy_workers() const {
  std::size_t n = 0;
  for (const WorkerState& w : workers_) n += w.excluded ? 0 : 1;
  return n;
}

}  // namespace drover
