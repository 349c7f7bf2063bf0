// JSON Lines task files: one-line parsing, a validating pass, and a streaming TaskSource.
#pragma once

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/task_source.hpp"

namespace drover {

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
