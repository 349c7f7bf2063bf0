// Where tasks come from: a lazy generator by id, or a JSON Lines task file, streamed.
#pragma once

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "task.hpp"

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
};

// Produces range batches of a Generator.
class GeneratedSource final : public TaskSource {
 public:
  explicit GeneratedSource(const Generator& generator);
  std::optional<std::uint64_t> total() const override;
  std::optional<KindId> peek_kind() override;
  bool next_batch(std::size_t max_tasks, TaskBatch& batch) override;
  std::uint64_t next_id() const override { return next_id_; }
  void skip_to(std::uint64_t id) override;
  std::optional<TaskSpec> spec_of(std::uint64_t id) const override;

 private:
  Generator generator_;
  std::uint64_t next_id_ = 0;
};

// Parses one task-file line (a JSON object with a "kind" field and the kind's
// fields). Throws InputError "<file>:<line>: <what>".
TaskSpec parse_task_line(std::string_view text, const std::string& file, std::uint64_t line);

// Blank lines (only whitespace) are skipped; every other line is one task and
// the n-th task has id n-1.
struct TaskFileSummary {
  std::uint64_t tasks = 0;
  std::vector<std::uint64_t> per_kind;  // by KindId
};
// Reads the whole file once; throws InputError for a missing, unreadable or
// non-regular file and for the first bad line.
TaskFileSummary validate_task_file(const std::string& path);

// Streams a (validated) task file, one batch at a time.
class TaskFileSource final : public TaskSource {
 public:
  // Throws InputError when the file cannot be opened.
  TaskFileSource(std::string path, std::optional<std::uint64_t> total);
  std::optional<std::uint64_t> total() const override;
  std::optional<KindId> peek_kind() override;
  bool next_batch(std::size_t max_tasks, TaskBatch& batch) override;
  std::uint64_t next_id() const override { return next_id_; }
  void skip_to(std::uint64_t id) override;
  std::optional<TaskSpec> spec_of(std::uint64_t) const override { return std::nullopt; }

 private:
  bool fill_lookahead();  // reads the next non-blank line into lookahead_

  std::string path_;
  std::optional<std::uint64_t> total_;
  std::ifstream in_;
  std::string line_;
  std::uint64_t line_no_ = 0;
  std::uint64_t next_id_ = 0;
  std::optional<TaskSpec> lookahead_;
};

}  // namespace drover
