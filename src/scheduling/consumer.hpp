// The interface through which the scheduler hands finished batches onward.
#pragma once

#include <utility>
#include <vector>

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

// Hands each batch to several consumers in the order they were added; the
// last may take the outputs (consume_last), the others see them first.
class ConsumerFanout final : public ResultConsumer {
 public:
  void add(ResultConsumer* c) {
    if (c != nullptr) consumers_.push_back(c);
  }
  void consume(const TaskBatch& tasks, const ResultBatch& results) override {
    for (ResultConsumer* c : consumers_) c->consume(tasks, results);
  }
  void consume_last(const TaskBatch& tasks, ResultBatch&& results) override {
    if (consumers_.empty()) return;
    for (std::size_t i = 0; i + 1 < consumers_.size(); ++i) consumers_[i]->consume(tasks, results);
    consumers_.back()->consume_last(tasks, std::move(results));
  }
  void consume_replayed(const JournalBatch& batch) override {
    for (ResultConsumer* c : consumers_) c->consume_replayed(batch);
  }

 private:
  std::vector<ResultConsumer*> consumers_;
};

}  // namespace drover
