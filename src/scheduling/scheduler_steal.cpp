// The scheduler's end game: queued CPU work taken back from one rank and run by an idle one.
//
// Why take back rather than let ranks steal from each other: rank 0 already
// knows every batch in flight and which rank has an idle thread, so one
// Revoke to the rank holding the newest queued batch, and the tail sent on,
// is two messages and needs no worker-to-worker traffic (a rank would have
// to poll its peers, and exactly one thread per rank talks to MPI). Only
// once the source has nothing ready (exhausted, or a library caller's
// submissions all sent): before that, new work fills an idle thread.
#include <algorithm>
#include <utility>

#include "model/batch_slice.hpp"
#include "scheduling/scheduler.hpp"

namespace drover {

bool Scheduler::worth_revoking(const InFlight& flight) const {
  if (flight.revoked || flight.retry || flight.batch.lane != Lane::cpu) return false;
  const WorkerState& owner = workers_[flight.worker];
  // A lone task on a rank with a thread for it has started: nothing to take.
  if (flight.batch.size() < 2 && owner.cpu_batches <= owner.slot.threads) return false;
  double predicted = -1;  // the whole batch's seconds; < 0: no estimate yet
  if (flight.work) {
    if (const std::optional<double> unit = work_.unit_seconds(flight.kind)) {
      predicted = *flight.work * *unit;
    }
  }
  if (predicted < 0 && cost_.at(flight.kind) >= 0) {
    predicted = cost_.at(flight.kind) * static_cast<double>(flight.batch.size());
  }
  return predicted < 0 || predicted >= config_.steal_min_seconds;
}

// One Revoke at a time per idle worker, for the newest batch elsewhere: the
// newest is the likeliest to be queued whole. Batches never worth it again
// (back already, asked once, too short) leave the list as they are met, so
// the scan costs what it drops plus the thief's own few batches.
void Scheduler::steal_for(std::size_t thief) {
  WorkerState& w = workers_[thief];
  if (!config_.steal || !(exhausted_ || source_dry_) || draining_ || stopped_ || w.excluded ||
      w.stealing) {
    return;
  }
  if (w.cpu_tasks >= w.slot.threads) return;  // every thread has a task
  for (std::size_t i = recent_cpu_.size(); i-- > 0;) {
    const std::uint64_t seq = recent_cpu_[i];
    InFlight* flight = in_flight_.find(seq);
    if (flight != nullptr && flight->worker == thief) continue;  // behind its own work: no gain
    recent_cpu_.erase(recent_cpu_.begin() + static_cast<std::ptrdiff_t>(i));
    if (flight == nullptr || !worth_revoking(*flight)) continue;
    flight->revoked = true;
    flight->thief = thief;
    w.stealing = true;
    ++revokes_sent_;
    transport_.send_revoke(workers_[flight->worker].slot.rank, seq);
    return;
  }
  if (!w.idle_listed) {  // asked again when a tail is resent (retry_idle)
    w.idle_listed = true;
    idle_.push_back(thief);
  }
}

void Scheduler::on_revoked(std::uint64_t seq, bool taken, std::uint32_t kept) {
  InFlight* flight = in_flight_.find(seq);
  if (flight == nullptr || flight->thief >= workers_.size()) return;  // back already
  const std::size_t thief = flight->thief;
  flight->thief = static_cast<std::size_t>(-1);
  workers_[thief].stealing = false;
  const std::size_t size = flight->batch.size();
  if (taken && kept < size && !draining_ && !stopped_) {
    InFlight tail{thief, flight->kind, split_off(flight->batch, kept), std::nullopt, std::nullopt};
    const std::size_t moved = size - kept;
    if (flight->work) {
      tail.work = *flight->work * static_cast<double>(moved) / static_cast<double>(size);
      *flight->work -= *tail.work;
    }
    workers_[flight->worker].cpu_tasks -= static_cast<std::uint32_t>(moved);
    tasks_taken_back_ += moved;
    taken_back_.push_back(std::move(tail));  // flight is not used past here: the table may move
    dispatch();
  } else if (taken && kept < size) {
    // Stopping: the rank will not run them, and neither will another.
    split_off(flight->batch, kept);
    workers_[flight->worker].cpu_tasks -= static_cast<std::uint32_t>(size - kept);
  }
  steal_for(thief);
  if (done()) stop_all(false);
}

// The thief's own free credit when it still has one, else any.
bool Scheduler::dispatch_taken_back() {
  InFlight& next = taken_back_.front();
  std::optional<Pick> pick;
  if (!workers_[next.worker].excluded) {
    for (std::size_t pos = cpu_credits_.size(); pos-- > 0;) {  // its credit came back last
      if (cpu_credits_[pos] == next.worker) {
        pick = Pick{next.worker, pos};
        break;
      }
    }
  }
  if (!pick) pick = pick_worker(Lane::cpu, -1);
  if (!pick) return false;
  InFlight flight = std::move(next);
  taken_back_.pop_front();
  flight.worker = pick->worker;
  send(*pick, std::move(flight));
  retry_idle();  // a new batch queued: idle workers may take part of it
  return true;
}

void Scheduler::retry_idle() {
  std::vector<std::size_t> idle;
  idle.swap(idle_);
  for (const std::size_t i : idle) {
    workers_[i].idle_listed = false;
    steal_for(i);
  }
}

}  // namespace drover
