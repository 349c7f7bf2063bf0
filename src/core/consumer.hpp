// The interface through which the scheduler hands finished batches onward.
#pragma once

#include "task.hpp"

namespace drover {

// Receives each finished batch with the tasks it answers: in task-id order
// when the run is ordered, in arrival order otherwise.
class ResultConsumer {
 public:
  virtual ~ResultConsumer() = default;
  virtual void consume(const TaskBatch& tasks, const ResultBatch& results) = 0;
};

}  // namespace drover
