// Result rows and the streamed writers for them: JSON Lines and CSV.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/json_text.hpp"
#include "model/task.hpp"

namespace drover {

enum class OutputFormat { jsonl, csv };

// The fields a row can have, in the default order. Names (column_name) are
// the JSONL keys and CSV header fields, and what --columns accepts.
enum class Column : std::uint8_t {
  id,
  kind,
  input,
  ok,
  value,
  metric,
  error,
  attempts,
  rank,
  host,
  pid,
  thread,
  start_us,
  end_us,
  // A kind's own named figures (KindOps::field_names), null for kinds without
  // that name: the exec kind's signal, CPU times, peak RSS and captured stdout.
  signal,
  user_s,
  sys_s,
  max_rss_kib,
  captured,
  // The task line's "tag" (TaskSpec::tag), null without one; in the default
  // columns when the task file has tags (with_tag_column).
  tag,
};

// Every column up to end_us, in the order above: the rows of any run.
const std::vector<Column>& default_columns();
// The default columns and the kinds' named figures: the rows of a run of commands.
const std::vector<Column>& command_columns();
// `columns` with tag added at the end unless it is there already.
std::vector<Column> with_tag_column(std::vector<Column> columns);
std::string_view column_name(Column column);
// "id,value,error" -> those columns in that order (spaces around names are
// ignored). Throws InputError for an empty list, an unknown name (listing the
// known ones) or a name given twice.
std::vector<Column> parse_columns(std::string_view list);

// One result, with its provenance. Views point into the batch being written.
struct ResultRow {
  std::uint64_t id = 0;
  const TaskSpec* spec = nullptr;
  bool ok = true;
  // The kind's encoded output. Of a failed task, only a kind of variable-size
  // output keeps one (a command's exit code and times); else it is ignored.
  std::span<const char> output;
  std::string_view error;        // empty when ok
  std::uint32_t attempts = 1;    // times the task ran: more than 1 after retries
  std::int32_t rank = 0;
  std::string_view host;
  std::int32_t pid = 0;
  std::uint32_t thread = 0;
  std::int64_t start_us = 0;
  std::int64_t end_us = 0;
};

// Writes rows as they come (buffered, never holding the whole run).
class ResultSink {
 public:
  virtual ~ResultSink() = default;
  virtual void write(const ResultRow& row) = 0;
  // Flushes and closes; throws std::runtime_error when the data cannot be written.
  virtual void close() = 0;
};

// Opens `path` for writing ("-" is stdout); rows have `columns`, in that
// order. Throws InputError naming the path when it cannot be created.
std::unique_ptr<ResultSink> open_sink(const std::string& path, OutputFormat format,
                                      const std::vector<Column>& columns = default_columns());
// A sink over an already open stream, not closed by the sink (tests, stdout).
std::unique_ptr<ResultSink> make_sink(std::FILE* stream, OutputFormat format,
                                      const std::vector<Column>& columns = default_columns());

}  // namespace drover
