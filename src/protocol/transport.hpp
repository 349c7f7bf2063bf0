// The scheduler's only way out: messages to ranks, recorded by a fake in tests.
#pragma once

#include "model/task.hpp"

namespace drover {

// Rank 0 is a worker too; a transport delivers to it without MPI.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual void send_work(int rank, const TaskBatch& batch) = 0;
  // The last message to a rank. abandon: tasks still running there are left
  // unfinished (a clean stop whose grace ran out).
  virtual void send_stop(int rank, bool abandon) = 0;
  // The run is stopping (a signal, the time limit, --halt): the rank starts
  // none of the tasks it holds queued and returns them not started (see
  // kNotStarted), so that a stop starts no new command. Fakes may ignore it.
  virtual void send_drain(int /*rank*/) {}
  // Take back the tasks of CPU batch `seq` that `rank` has not started: it
  // answers with Scheduler::on_revoked. A fake that ignores it loses only
  // the rebalancing: the batch's results come back whole.
  virtual void send_revoke(int /*rank*/, std::uint64_t /*seq*/) {}
};

}  // namespace drover
