// The interface through which the scheduler hands finished batches onward.
#pragma once

#include "journal/journal.hpp"
#include "model/task.hpp"

namespace drover {

// Receives each finished batch with the tasks it answers: in task-id order
// when the run is ordered, in arrival order otherwise.
class ResultConsumer {
 public:
  virtual ~ResultConsumer() = default;
  virtual void consume(const TaskBatch& tasks, const ResultBatch& results) = 0;
  // The same batch when nobody needs it after this consumer (an unordered
  // run's last step): a consumer that keeps the outputs may take them.
  virtual void consume_last(const TaskBatch& tasks, ResultBatch&& results) {
    consume(tasks, results);
  }
  // A batch read back from the journal on --resume: its host and pid are in
  // the batch, not in this run's rank table. Consumers that show provenance
  // override this; the rest treat it as any other batch.
  virtual void consume_replayed(const JournalBatch& batch) { consume(batch.tasks, batch.results); }
};

}  // namespace drover
