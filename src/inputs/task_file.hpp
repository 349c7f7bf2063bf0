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
// What was read of a task file: its size and an FNV-1a hash of its bytes,
// so a second pass can tell whether it read the same file.
struct TaskFileContent {
  std::uint64_t bytes = 0;
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  bool operator==(const TaskFileContent&) const = default;
  void add(const char* data, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
      hash = (hash ^ static_cast<unsigned char>(data[i])) * 0x100000001b3ULL;
    bytes += n;
  }
  // "task-file bytes=1234 fnv1a64=0123456789abcdef": the journal's fingerprint
  // of the file's content (not its name: a moved file still resumes).
  std::string fingerprint() const;
};

// What the second pass over a checked file tells: other bytes than the first
// pass read (content), or a size that changed since (lines appended, not run);
// `what` names the entries ("lines", "commands"). nullopt when neither.
std::optional<InputChange> second_pass_change(const std::string& path, const TaskFileContent& first,
                                              const TaskFileContent& second, std::string_view what);

struct TaskFileSummary {
  std::uint64_t tasks = 0;
  std::vector<std::uint64_t> per_kind;  // by KindId
  TaskFileContent content;              // what the validating pass read
  std::uint32_t max_cores = 0;          // the most cores a task asks for (KindOps::cores_of)
  std::uint64_t tagged = 0;             // tasks with a "tag": the rows then have a tag column
};
// Reads the whole file once; throws InputError for a missing, unreadable or
// non-regular file and for the first bad line.
TaskFileSummary validate_task_file(const std::string& path);

// Streams a (validated) task file, one batch at a time.
class TaskFileSource final : public TaskSource {
 public:
  // Throws InputError when the file cannot be opened. With `checked` (what
  // the validating pass read), the source reads no more bytes than that pass
  // did and then tells whether it read the same ones (input_change).
  TaskFileSource(std::string path, std::optional<std::uint64_t> total,
                 std::optional<TaskFileContent> checked = std::nullopt);
  std::optional<std::uint64_t> total() const override;
  std::optional<KindId> peek_kind() override;
  bool next_batch(std::size_t max_tasks, TaskBatch& batch) override;
  std::uint64_t next_id() const override { return next_id_; }
  void skip_to(std::uint64_t id) override;
  std::optional<TaskSpec> spec_of(std::uint64_t) const override { return std::nullopt; }
  std::optional<InputChange> input_change() const override { return change_; }
  void set_batch_limit(BatchLimit* limit) override { limit_ = limit; }

 private:
  BatchLimit* limit_ = nullptr;
  bool fill_lookahead();  // reads the next non-blank line into lookahead_
  void check_content();   // at the end of what the check read: the same bytes?

  std::string path_;
  std::optional<std::uint64_t> total_;
  std::ifstream in_;
  std::string line_;
  std::uint64_t line_no_ = 0;
  std::uint64_t next_id_ = 0;
  std::optional<TaskSpec> lookahead_;
  std::optional<TaskFileContent> checked_;
  TaskFileContent read_;
  std::optional<InputChange> change_;
};

}  // namespace drover
