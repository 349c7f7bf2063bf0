// Where tasks come from: a lazy generator by id, or a JSON Lines task file, streamed.
#pragma once

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>

#include "task.hpp"

namespace drover {

// A generated workload: task id -> spec, a pure function, so ranks can rebuild
// any task of a range batch from the id alone.
struct Generator {
  KindId kind = KindId::square;
  std::uint64_t total = 0;    // number of tasks
  std::int64_t from = 0;      // square: input of task 0 (task i squares from + i)
  std::int64_t count = 0;     // crunch: increments per task
  double min_seconds = 5.0;   // download: durations drawn uniformly from
  double max_seconds = 10.0;  //   [min_seconds, max_seconds] ...
  std::uint64_t seed = 0;     //   ... by a hash of (seed, id): deterministic
  bool operator==(const Generator&) const = default;

  // Download names are file-0001.bin, file-0002.bin, ... (id + 1, at least 4 digits).
  TaskSpec make(std::uint64_t id) const;
  // make(id).seconds without building the name: the lane starts 100,000s of these.
  double download_seconds(std::uint64_t id) const;
};

// The scheduler pulls batches from a source; sources never hold all tasks.
class TaskSource {
 public:
  virtual ~TaskSource() = default;
  // Total task count when known up front (generators; validated task files).
  virtual std::optional<std::uint64_t> total() const = 0;
  // Kind of the next task, or nullopt when the source is exhausted.
  virtual std::optional<KindId> peek_kind() = 0;
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
  std::uint64_t per_kind[kKindCount] = {};
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
