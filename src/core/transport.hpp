// The scheduler's only way out: messages to ranks, recorded by a fake in tests.
#pragma once

#include "task.hpp"

namespace drover {

// Rank 0 is a worker too; a transport delivers to it without MPI.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual void send_work(int rank, const TaskBatch& batch) = 0;
  virtual void send_stop(int rank) = 0;
};

}  // namespace drover
