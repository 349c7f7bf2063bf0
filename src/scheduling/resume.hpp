// Resuming from a journal: skip the tasks it holds, and hand its batches back in task order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "journal/journal.hpp"
#include "model/task_source.hpp"
#include "scheduling/consumer.hpp"

namespace drover {

// A source that hands out only the tasks the journal does not hold: batches
// are cut at every finished range, so they still cover consecutive ids.
class ResumeSource final : public TaskSource {
 public:
  // `done` is JournalScan::entries: sorted by first id, not overlapping.
  ResumeSource(TaskSource& inner, std::vector<JournalScan::Entry> done);
  std::optional<std::uint64_t> total() const override;
  std::optional<KindId> peek_kind() override;
  bool next_batch(std::size_t max_tasks, TaskBatch& batch) override;
  std::uint64_t next_id() const override { return inner_.next_id(); }
  void skip_to(std::uint64_t id) override { inner_.skip_to(id); }
  std::optional<TaskSpec> spec_of(std::uint64_t id) const override { return inner_.spec_of(id); }
  std::optional<InputChange> input_change() const override { return inner_.input_change(); }
  void set_batch_limit(BatchLimit* limit) override { inner_.set_batch_limit(limit); }

 private:
  void skip_done();  // moves past finished ranges at the inner source's position

  TaskSource& inner_;
  std::vector<JournalScan::Entry> done_;
  std::size_t next_done_ = 0;  // first finished range not yet behind us
  std::uint64_t done_tasks_ = 0;
};

// Journal batches handed back for the ordered output, one read at a time, in
// task-id order, whenever the output reaches one: memory stays flat however
// long the journal.
class JournalReplay {
 public:
  JournalReplay(std::string path, std::vector<JournalScan::Entry> entries)
      : path_(std::move(path)), entries_(std::move(entries)) {}
  // If a journal batch starts at `id`, hands it to `out` and returns its size; else 0.
  std::size_t replay_at(std::uint64_t id, ResultConsumer& out);
  // Hands every batch to `out` in id order (unordered runs replay up front).
  std::uint64_t replay_all(ResultConsumer& out);

 private:
  std::string path_;
  std::vector<JournalScan::Entry> entries_;
  std::size_t next_ = 0;
};

}  // namespace drover
