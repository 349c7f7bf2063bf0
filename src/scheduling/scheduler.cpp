// Rank 0's scheduler as a pure state machine: events in, messages out through a Transport.
#include "scheduling/scheduler.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "model/batch_slice.hpp"
#include "model/kinds.hpp"

namespace drover {

namespace {
constexpr std::size_t kNoWorker = static_cast<std::size_t>(-1);

// Seconds a worker's pool spent on a batch, from its own timing.
double busy_seconds(const ResultBatch& results) {
  std::int64_t busy_us = 0;
  for (const Span& s : results.spans) busy_us += s.end_us - s.start_us;
  return static_cast<double>(busy_us) * 1e-6;
}
}  // namespace

Scheduler::Scheduler(SchedulerConfig config, TaskSource& source, Transport& transport,
                     ResultConsumer& consumer, ResultConsumer* journal, JournalReplay* replay)
    : config_(std::move(config)),
      source_(source),
      transport_(transport),
      consumer_(consumer),
      reorder_(consumer),
      journal_(journal),
      work_(config_.use_work_hints) {
  source_.set_batch_limit(&work_);
  reorder_.set_replay(replay);
  if (config_.workers.empty()) throw std::invalid_argument("scheduler: no workers");
  for (const WorkerSlot& slot : config_.workers) {
    if (slot.rank < 0 || slot.threads == 0) throw std::invalid_argument("scheduler: bad worker");
    if (static_cast<std::size_t>(slot.rank) >= worker_of_rank_.size()) {
      worker_of_rank_.resize(slot.rank + 1, kNoWorker);
    }
    worker_of_rank_[slot.rank] = workers_.size();
    workers_.push_back(WorkerState{slot});
    total_threads_ += slot.threads;
  }
  config_.max_batch = std::max<std::uint32_t>(config_.max_batch, 1);
  config_.batches_per_thread = std::max<std::uint32_t>(config_.batches_per_thread, 1);
  // One probe credit per thread, interleaved by rank: rank 0's first, rank
  // 1's first, ..., then everyone's second, so the first round spreads over
  // every rank. Results widen the window (return_credit).
  std::uint32_t most = 0;
  for (WorkerState& w : workers_) {
    w.cpu_credits = std::min(credits_of(w), w.slot.threads);
    most = std::max(most, w.cpu_credits);
  }
  for (std::uint32_t round = 0; round < most; ++round) {
    for (std::size_t i = 0; i < workers_.size(); ++i) {
      if (workers_[i].cpu_credits > round) cpu_credits_.push_back(i);
    }
  }
  config_.io_window = std::max<std::uint32_t>(config_.io_window, 1);
  cost_.assign(all_kinds().size(), -1.0);
  for (const WorkerState& w : workers_) recent_cap_ += credits_of(w);
  batch_seconds_ = std::max(config_.target_batch_seconds,
                            2.0 * total_threads_ * config_.leader_seconds_per_batch);
}

Scheduler::~Scheduler() {
  source_.set_batch_limit(nullptr);  // the source may outlive the scheduler
}

void Scheduler::start() {
  if (config_.ordered) reorder_.release();  // a resumed run may start with journal batches
  dispatch();
  if (done()) stop_all(false);
}

void Scheduler::poke() {
  if (stopped_) return;
  dispatch();
  if (done()) stop_all(false);
}

bool Scheduler::done() const {
  return (exhausted_ || draining_) && in_flight_.empty() && retries_.empty() &&
         taken_back_.empty() && !stopped_;
}

void Scheduler::on_results(ResultBatch&& results) {
  std::optional<InFlight> taken = in_flight_.take(results.seq);
  if (!taken) {
    throw std::logic_error("scheduler: results for batch " + std::to_string(results.seq) +
                           " which is not in flight");
  }
  InFlight& flight = *taken;
  if (results.size() != flight.batch.size()) {
    throw std::logic_error("scheduler: batch " + std::to_string(results.seq) + " sent " +
                           std::to_string(flight.batch.size()) + " tasks but got " +
                           std::to_string(results.size()) + " results");
  }

  WorkerState& worker = workers_[flight.worker];
  const double busy = busy_seconds(results);
  if (flight.batch.lane == Lane::cpu) {
    worker.cpu_tasks -= static_cast<std::uint32_t>(flight.batch.size());
    --worker.cpu_batches;
    return_credit(flight.worker, busy);
  } else {
    worker.io_tasks -= static_cast<std::uint32_t>(flight.batch.size());
    if (worker.slot.io_slots != 0 && results.size() != 0) {
      const double per_task = busy / static_cast<double>(results.size());
      command_seconds_ = command_seconds_ < 0 ? per_task : 0.75 * command_seconds_ + 0.25 * per_task;
    }
  }
  learn_cost(flight.kind, busy, results.size());
  if (flight.work && *flight.work > 0) work_.learn(flight.kind, busy, *flight.work);
  if (flight.retry) {
    settle_retry(flight, std::move(results));
  } else if (flight.batch.size() != 0) {  // 0: every task was taken back (on_revoked)
    settle(flight, std::move(results));
  }

  dispatch();
  if (flight.batch.lane == Lane::cpu) steal_for(flight.worker);
  // A Revoke not answered before the results (a fake transport): its thief asks again.
  if (flight.thief < workers_.size()) {
    workers_[flight.thief].stealing = false;
    steal_for(flight.thief);
  }
  if (done()) stop_all(false);
}

// A batch is final unless some of its tasks failed and may run again: then
// it is cut around them, the rest goes on now, and each such task waits for
// its retry as a batch of one.
void Scheduler::settle(InFlight& flight, ResultBatch&& results) {
  if (results.failures.size() < results.size()) record_success(flight.worker);
  // Cut out of the batch: tasks not started (left unfinished), and with
  // retries the failed ones (run again, unless stopping).
  const auto cut = [this](const Failure& f) { return config_.retries > 0 || f.type == kNotStarted; };
  if (std::none_of(results.failures.begin(), results.failures.end(), cut)) {
    finalize(std::move(flight.batch), std::move(results));
    return;
  }
  const std::vector<Failure> failures = results.failures;
  std::size_t begin = 0;
  for (const Failure& f : failures) {
    if (!cut(f)) continue;
    if (f.index > begin) {
      TaskBatch piece_tasks;
      ResultBatch piece_results;
      slice_batch(flight.batch, results, begin, f.index, piece_tasks, piece_results);
      finalize(std::move(piece_tasks), std::move(piece_results));
    }
    begin = f.index + 1;
    if (f.type == kNotStarted) {
      ++not_started_;
      continue;
    }
    const std::uint64_t id = flight.batch.first_id + f.index;
    std::optional<TaskSpec> spec = flight.batch.is_range()
                                       ? source_.spec_of(id)
                                       : std::optional(flight.batch.tasks[f.index].spec);
    if (!spec) throw std::logic_error("scheduler: cannot rebuild task " + std::to_string(id));
    // While stopping, a failed task is left unfinished: --resume runs it again.
    if (!draining_)
      retries_.push_back(Retry{Task{id, std::move(*spec)}, 2, results.rank, results.rank});
  }
  if (begin < flight.batch.size()) {
    TaskBatch piece_tasks;
    ResultBatch piece_results;
    slice_batch(flight.batch, results, begin, flight.batch.size(), piece_tasks, piece_results);
    finalize(std::move(piece_tasks), std::move(piece_results));
  }
}

void Scheduler::finalize(TaskBatch&& tasks, ResultBatch&& results) {
  if (journal_ != nullptr) journal_->consume(tasks, results);
  if (config_.ordered) {
    reorder_.push(std::move(tasks), std::move(results));
  } else {
    consumer_.consume_last(tasks, std::move(results));
  }
}

std::optional<double> Scheduler::cost_estimate(KindId kind) const {
  const double c = cost_.at(kind);
  if (c < 0) return std::nullopt;
  return c;
}

void Scheduler::dispatch() {
  held_for_order_ = false;
  if (draining_) return;
  // Retries first, and before the back-pressure check: an ordered run may be
  // waiting on exactly these tasks.
  while (!retries_.empty() && !stopped_ && dispatch_retry()) {
  }
  while (!taken_back_.empty() && !stopped_ && dispatch_taken_back()) {
  }
  while (!exhausted_ && !stopped_) {
    // An ordered run stops feeding while too much finished work waits behind a
    // slow batch; the slow batch is in flight, so this always drains.
    held_for_order_ =
        config_.ordered && (reorder_.buffered_tasks() >= config_.max_buffered_tasks ||
                            reorder_.buffered_bytes() >= config_.max_buffered_bytes);
    if (held_for_order_) return;
    const std::optional<KindId> kind = source_.peek_kind();
    if (!kind) {
      exhausted_ = !source_.may_grow();
      source_dry_ = true;  // nothing to send now: an idle thread may take back queued work
      return;
    }
    source_dry_ = false;
    if (fast_kind_info(*kind).barrier) {
      if (!pass_barrier()) return;  // results of the tasks before it will call again
      continue;
    }
    const Lane lane = fast_kind_info(*kind).lane;
    const std::optional<Pick> pick = pick_worker(lane, -1);
    if (!pick) return;  // no credit anywhere: wait for results

    InFlight flight{pick->worker, *kind, TaskBatch{}, std::nullopt, std::nullopt};
    work_.arm(batch_seconds_);
    if (!source_.next_batch(batch_size(*kind, lane, workers_[pick->worker]), flight.batch)) {
      exhausted_ = true;
      return;
    }
    flight.work = work_.units();
    dispatched_tasks_ += flight.batch.size();
    send(*pick, std::move(flight));
  }
}

void Scheduler::send(const Pick& pick, InFlight&& flight) {
  WorkerState& worker = workers_[pick.worker];
  ++dispatched_batches_;
  const bool stealable = flight.batch.lane == Lane::cpu && !flight.retry;
  if (flight.batch.lane == Lane::cpu) {
    cpu_credits_.erase(cpu_credits_.begin() + static_cast<std::ptrdiff_t>(pick.credit));
    worker.cpu_tasks += static_cast<std::uint32_t>(flight.batch.size());
    ++worker.cpu_batches;
  } else {
    worker.io_tasks += static_cast<std::uint32_t>(flight.batch.size());
  }
  std::uint64_t seq = 0;
  InFlight& stored = in_flight_.insert(std::move(flight), seq);
  stored.batch.seq = seq;
  if (stealable && config_.steal) {
    recent_cpu_.push_back(seq);
    if (recent_cpu_.size() > recent_cap_) recent_cpu_.pop_front();  // long back, in all likelihood
  }
  transport_.send_work(worker.slot.rank, stored.batch);
}

// CPU: the oldest free credit (O(1) unless a rank must be avoided). IO:
// round-robin from the cursor over ranks with room in their window; IO
// batches are few and large, so a scan costs nothing that matters.
std::optional<Scheduler::Pick> Scheduler::pick_worker(Lane lane, int avoid_rank) {
  if (lane == Lane::cpu) {
    for (std::size_t pos = 0; pos < cpu_credits_.size(); ++pos) {
      if (workers_[cpu_credits_[pos]].slot.rank != avoid_rank) return Pick{cpu_credits_[pos], pos};
    }
    return std::nullopt;
  }
  for (std::size_t step = 0; step < workers_.size(); ++step) {
    const std::size_t i = (next_worker_ + step) % workers_.size();
    const WorkerState& w = workers_[i];
    if (!w.excluded && w.slot.rank != avoid_rank && w.io_tasks < io_window_of(w)) {
      next_worker_ = (i + 1) % workers_.size();
      return Pick{i, 0};
    }
  }
  return std::nullopt;
}

// A barrier is a task that runs nowhere: once every task before it has
// finished (none in flight, no retry waiting), it is final at once, ok, with
// an empty output, and dispatch goes on behind it.
bool Scheduler::pass_barrier() {
  if (!in_flight_.empty() || !retries_.empty()) return false;
  TaskBatch batch;
  if (!source_.next_batch(1, batch)) {
    exhausted_ = true;
    return true;
  }
  ResultBatch results;
  results.count = static_cast<std::uint32_t>(batch.size());
  results.ends.assign(results.count, 0);
  for (std::uint32_t i = 0; i < results.count; ++i) {
    results.spans.push_back(Span{.first = i, .count = 1});
  }
  dispatched_tasks_ += results.count;
  ++barriers_passed_;
  finalize(std::move(batch), std::move(results));
  return true;
}

void Scheduler::stop_all(bool abandon) {
  for (const WorkerState& w : workers_) transport_.send_stop(w.slot.rank, abandon);
  stopped_ = true;
}

void Scheduler::stop_dispatch() {
  // Queued tasks on the ranks would still start: each is told to hand them back.
  if (!draining_) {
    for (const WorkerState& w : workers_) transport_.send_drain(w.slot.rank);
  }
  draining_ = true;
  retries_.clear();
  taken_back_.clear();  // left unfinished, as queued tasks are
  if (done()) stop_all(false);
}

void Scheduler::abandon() {
  if (stopped_) return;
  draining_ = true;
  retries_.clear();
  taken_back_.clear();
  stop_all(true);
}

}  // namespace drover
