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
};

}  // namespace drover
