// What the scheduler pulls tasks from (TaskSource), and a generated workload: the input of any id.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "model/task.hpp"

namespace drover {

// A generated workload: task id -> input, a pure function of the kind's
// generate() over encoded parameters, so ranks can rebuild any task of a
// range batch from the id alone.
struct Generator {
  KindId kind = 0;
  std::uint64_t total = 0;  // number of tasks
  std::string params;       // the kind's generator parameters, encoded
  bool operator==(const Generator&) const = default;

  TaskSpec make(std::uint64_t id) const;
  // make(id).input into a reused buffer.
  void input_of(std::uint64_t id, std::string& input) const;
};

// A source's input found other than it was when checked at the start (a task
// file edited or appended to while the run read it).
struct InputChange {
  std::string message;  // one line, naming the file
  bool content = false;  // bytes already run differ: the results do not match the file
};

// What a batch of explicit tasks may hold besides a count: the scheduler's
// predicted work, so that a few expensive tasks among many cheap ones do not
// travel in one batch. A source that hands out explicit tasks calls begin()
// with a batch's first task and admits() before each further one.
class BatchLimit {
 public:
  virtual ~BatchLimit() = default;
  virtual void begin(const TaskSpec& first) = 0;
  // False: the batch ends before `next`.
  virtual bool admits(const TaskSpec& next) = 0;
};

// The scheduler pulls batches from a source; sources never hold all tasks.
class TaskSource {
 public:
  virtual ~TaskSource() = default;
  // Total task count when known up front (generators; validated task files).
  virtual std::optional<std::uint64_t> total() const = 0;
  // Kind of the next task, or nullopt when there is none now.
  virtual std::optional<KindId> peek_kind() = 0;
  // Whether tasks may still come after peek_kind() found none: a library's
  // queue, open until the runtime shuts down. Files and generators end.
  virtual bool may_grow() const { return false; }
  // Replaces `batch`'s contents (seq untouched) with up to max_tasks (>= 1) of
  // the next tasks, all on the lane of the next task; ids are consecutive.
  // Returns false, leaving batch empty, when exhausted.
  virtual bool next_batch(std::size_t max_tasks, TaskBatch& batch) = 0;
  // The id the next batch starts at.
  virtual std::uint64_t next_id() const = 0;
  // Passes over tasks up to `id` (exclusive) without handing them out: they
  // finished in an earlier run (resume). Never moves backwards.
  virtual void skip_to(std::uint64_t id) = 0;
  // The spec of task `id` when the source can rebuild it from the id alone
  // (generated work, for retrying one task of a range batch); else nullopt.
  virtual std::optional<TaskSpec> spec_of(std::uint64_t id) const = 0;
  // Once exhausted: whether the input changed under the run, else nullopt.
  virtual std::optional<InputChange> input_change() const { return std::nullopt; }
  // The limit next_batch asks about explicit tasks (null: none). Sources of
  // ranges (generated, uniform by construction) and of commands (one a batch)
  // have no use for it.
  virtual void set_batch_limit(BatchLimit* /*limit*/) {}
};

}  // namespace drover
