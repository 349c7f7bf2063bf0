// Map semantics: hands finished batches on in task-id order, whatever order they finish in.
#pragma once

#include <cstdint>
#include <map>

#include "model/task.hpp"
#include "scheduling/consumer.hpp"
#include "scheduling/resume.hpp"

namespace drover {

// Batches cover consecutive ids, so the buffer works per batch, not per task:
// a batch waits only while some batch with smaller ids is still out.
class ReorderBuffer {
 public:
  explicit ReorderBuffer(ResultConsumer& out) : out_(out) {}

  // Emits this batch and every buffered one it unblocks, or keeps it.
  void push(TaskBatch&& tasks, ResultBatch&& results);
  // On --resume: batches from the journal fill their place in the order, read
  // when the output reaches them. Call release() once after setting it.
  void set_replay(JournalReplay* replay) { replay_ = replay; }
  // Emits whatever is next in order and ready: buffered or journal batches.
  void release();

  std::uint64_t next_id() const { return next_id_; }
  // Tasks held back waiting for an earlier batch (the back-pressure measure).
  std::uint64_t buffered_tasks() const { return buffered_tasks_; }
  // About how much memory those hold: inputs, outputs and per-task arrays.
  std::uint64_t buffered_bytes() const { return buffered_bytes_; }
  // Of those, the failed ones (progress counts finished tasks, written or not).
  std::uint64_t buffered_failures() const { return buffered_failures_; }
  bool empty() const { return pending_.empty(); }

 private:
  struct Entry {
    TaskBatch tasks;
    ResultBatch results;
  };
  void emit(const TaskBatch& tasks, const ResultBatch& results);

  ResultConsumer& out_;
  std::uint64_t next_id_ = 0;
  std::uint64_t buffered_tasks_ = 0;
  std::uint64_t buffered_bytes_ = 0;
  std::uint64_t buffered_failures_ = 0;
  std::map<std::uint64_t, Entry> pending_;  // keyed by first_id
  JournalReplay* replay_ = nullptr;
};

}  // namespace drover
