// Result writers: rows are formatted into a byte buffer and written in large blocks.
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "model/errors.hpp"
#include "model/kinds.hpp"
#include "outputs/sinks.hpp"

namespace drover {
namespace {

// Large enough that fwrite costs vanish, small enough to be harmless on rank 0.
constexpr std::size_t kFlushBytes = std::size_t{1} << 20;

// Numbers are formatted straight into the output buffer: formatting into a
// stack buffer and appending that copy made JSONL rows about 8% slower
// (bench_sinks). 20 chars hold any 64-bit integer, sign included.
template <typename Int>
void append_int(Int value, std::string& out) {
  const std::size_t at = out.size();
  out.resize(at + 20);
  char* const begin = out.data();
  const auto end = std::to_chars(begin + at, begin + out.size(), value).ptr;
  out.resize(static_cast<std::size_t>(end - begin));
}

// RFC 4180: a field holding a comma, quote or line break is quoted, quotes doubled.
void append_csv_text(std::string_view text, std::string& out) {
  // A plain loop: find_first_of calls memchr once per character of text.
  const auto special = [](char c) { return c == ',' || c == '"' || c == '\r' || c == '\n'; };
  if (std::none_of(text.begin(), text.end(), special)) {
    out += text;
    return;
  }
  out += '"';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

// stdio need not set errno on every failure; never report "Success".
int last_error() {
  return errno != 0 ? errno : EIO;
}

// Whether the row's output is there to show: every successful task's, and a
// failed one's when its kind's output has no fixed size and it left one
// (a command that exited 3 still has its exit code and times).
bool has_output(const ResultRow& row) {
  if (row.spec == nullptr) return false;
  if (row.ok) return true;
  return !row.output.empty() && fast_kind_info(row.spec->kind).output_size == 0;
}

// The row's metric as a JSON value, when its kind has one; false otherwise.
bool append_metric(const ResultRow& row, std::string& out) {
  if (!has_output(row)) return false;
  const KindInfo& kind = fast_kind_info(row.spec->kind);
  return kind.metric_json && kind.metric_json(row.output, out);
}

// One of the kind's named figures (KindOps::field_names) as a JSON value;
// false when the kind has none of that name or the row no output.
bool append_field(Column column, const ResultRow& row, std::string& out) {
  if (!has_output(row)) return false;
  const KindInfo& kind = fast_kind_info(row.spec->kind);
  if (!kind.field_json) return false;
  const std::string_view name = column_name(column);
  for (std::size_t i = 0; i < kind.field_names.size(); ++i) {
    if (kind.field_names[i] == name) return kind.field_json(row.output, i, out);
  }
  return false;
}

// A JSON value as a CSV cell: a string is its text (so a name reads as in
// the task file), null is empty, and anything else is its JSON text.
void append_csv_json(std::string_view json, std::string& out) {
  if (json == "null") return;
  if (json.size() >= 2 && json.front() == '"' && json.find('\\') == std::string_view::npos) {
    return append_csv_text(json.substr(1, json.size() - 2), out);
  }
  if (!json.empty() && json.front() == '"') {
    return append_csv_text(nlohmann::json::parse(json).get<std::string>(), out);
  }
  append_csv_text(json, out);
}

// One field of a row as a JSON value.
void append_json_value(Column column, const ResultRow& row, std::string& out) {
  switch (column) {
    case Column::id:
      return append_int(row.id, out);
    case Column::kind:
      if (row.spec == nullptr) {
        out += "null";
      } else {
        out += '"';
        out += fast_kind_info(row.spec->kind).name;
        out += '"';
      }
      return;
    case Column::input:
      if (row.spec == nullptr) {
        out += "null";
      } else {
        fast_kind_info(row.spec->kind).input_json(row.spec->input, out);
      }
      return;
    case Column::ok:
      out += row.ok ? "true" : "false";
      return;
    case Column::value:
      if (has_output(row)) return fast_kind_info(row.spec->kind).value_json(row.output, out);
      out += "null";
      return;
    case Column::metric:
      if (!append_metric(row, out)) out += "null";
      return;
    case Column::error:
      if (!row.ok) return append_json_string(row.error, out);
      out += "null";
      return;
    case Column::attempts:
      return append_int(row.attempts, out);
    case Column::rank:
      return append_int(row.rank, out);
    case Column::host:
      return append_json_string(row.host, out);
    case Column::pid:
      return append_int(row.pid, out);
    case Column::thread:
      return append_int(row.thread, out);
    case Column::start_us:
      return append_int(row.start_us, out);
    case Column::end_us:
      return append_int(row.end_us, out);
    case Column::signal:
    case Column::user_s:
    case Column::sys_s:
    case Column::max_rss_kib:
    case Column::captured:
      if (!append_field(column, row, out)) out += "null";
      return;
    case Column::tag:
      if (row.spec == nullptr || row.spec->tag.empty()) {
        out += "null";
      } else {
        append_json_string(row.spec->tag, out);
      }
      return;
  }
}

// One field of a row as CSV: what is null in JSONL is an empty field.
void append_csv_value(Column column, const ResultRow& row, std::string& out, std::string& scratch) {
  switch (column) {
    case Column::kind:
      if (row.spec != nullptr) out += fast_kind_info(row.spec->kind).name;
      return;
    case Column::input:
      if (row.spec == nullptr) return;
      scratch.clear();
      fast_kind_info(row.spec->kind).input_json(row.spec->input, scratch);
      return append_csv_json(scratch, out);
    case Column::value:
      if (!has_output(row)) return;
      scratch.clear();
      fast_kind_info(row.spec->kind).value_json(row.output, scratch);
      return append_csv_json(scratch, out);
    case Column::metric:
      scratch.clear();
      if (append_metric(row, scratch)) append_csv_json(scratch, out);
      return;
    case Column::error:
      if (!row.ok) append_csv_text(row.error, out);
      return;
    case Column::host:
      return append_csv_text(row.host, out);
    // The rest read the same in both formats; spelled out rather than handed
    // to append_json_value, whose second switch cost CSV rows 10%.
    case Column::id:
      return append_int(row.id, out);
    case Column::ok:
      out += row.ok ? "true" : "false";
      return;
    case Column::attempts:
      return append_int(row.attempts, out);
    case Column::rank:
      return append_int(row.rank, out);
    case Column::pid:
      return append_int(row.pid, out);
    case Column::thread:
      return append_int(row.thread, out);
    case Column::start_us:
      return append_int(row.start_us, out);
    case Column::end_us:
      return append_int(row.end_us, out);
    case Column::signal:
    case Column::user_s:
    case Column::sys_s:
    case Column::max_rss_kib:
    case Column::captured:
      scratch.clear();
      if (append_field(column, row, scratch)) append_csv_json(scratch, out);
      return;
    case Column::tag:
      if (row.spec != nullptr) append_csv_text(row.spec->tag, out);
      return;
  }
}

class FileSink final : public ResultSink {
 public:
  FileSink(std::FILE* stream, bool owned, std::string label, OutputFormat format,
           const std::vector<Column>& columns)
      : columns_(columns),
        stream_(stream),
        owned_(owned),
        label_(std::move(label)),
        format_(format) {
    buffer_.reserve(kFlushBytes + 4096);
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      if (format_ == OutputFormat::jsonl) {
        keys_.push_back((i == 0 ? "\"" : ",\"") + std::string(column_name(columns_[i])) + "\":");
      } else {
        if (i != 0) buffer_ += ',';
        buffer_ += column_name(columns_[i]);
      }
    }
    if (format_ == OutputFormat::csv) buffer_ += '\n';
  }

  ~FileSink() override {
    // Best effort only: close() is where errors are reported.
    if (stream_ == nullptr) return;
    if (!buffer_.empty()) std::fwrite(buffer_.data(), 1, buffer_.size(), stream_);
    if (owned_) {
      std::fclose(stream_);
    } else {
      std::fflush(stream_);
    }
  }

  void write(const ResultRow& row) override {
    if (stream_ == nullptr) {
      if (failed_errno_ != 0) fail(failed_errno_);
      throw std::logic_error("ResultSink::write after close");
    }
    if (format_ == OutputFormat::jsonl) {
      append_jsonl(row);
    } else {
      append_csv(row);
    }
    if (buffer_.size() >= kFlushBytes) flush_buffer();
  }

  void close() override {
    if (stream_ == nullptr) {
      if (failed_errno_ != 0) fail(failed_errno_);  // already thrown once by write()
      return;
    }
    std::FILE* stream = stream_;
    stream_ = nullptr;
    int error = write_all(stream) ? 0 : last_error();
    errno = 0;
    if (std::fflush(stream) != 0 && error == 0) error = last_error();
    errno = 0;
    if (owned_ && std::fclose(stream) != 0 && error == 0) error = last_error();
    if (error != 0) fail(error);
  }

 private:
  [[noreturn]] void fail(int error) {
    failed_errno_ = error;
    throw std::runtime_error(label_ + ": cannot write output file: " + std::strerror(error));
  }

  bool write_all(std::FILE* stream) {
    errno = 0;
    const bool ok = std::fwrite(buffer_.data(), 1, buffer_.size(), stream) == buffer_.size();
    buffer_.clear();
    return ok;
  }

  // Fails as soon as a write fails (a full disk), so a run stops rather than
  // computing results it cannot keep.
  void flush_buffer() {
    if (!write_all(stream_)) {
      const int error = last_error();
      if (owned_) std::fclose(stream_);
      stream_ = nullptr;
      fail(error);
    }
  }

  void append_jsonl(const ResultRow& row) {
    std::string& out = buffer_;
    out += '{';
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      out += keys_[i];
      append_json_value(columns_[i], row, out);
    }
    out += "}\n";
  }

  void append_csv(const ResultRow& row) {
    std::string& out = buffer_;
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      if (i != 0) out += ',';
      append_csv_value(columns_[i], row, out, scratch_);
    }
    out += '\n';
  }

  std::vector<Column> columns_;
  std::vector<std::string> keys_;  // JSONL: ",\"name\":" per column, no comma for the first
  std::FILE* stream_;
  bool owned_;
  std::string label_;
  OutputFormat format_;
  std::string buffer_;
  std::string scratch_;  // CSV: a field's JSON text before it becomes a cell
  int failed_errno_ = 0;
};

}  // namespace

std::unique_ptr<ResultSink> open_sink(const std::string& path, OutputFormat format,
                                      const std::vector<Column>& columns) {
  if (path == "-") return std::make_unique<FileSink>(stdout, false, "<stdout>", format, columns);
  std::FILE* stream = std::fopen(path.c_str(), "wb");
  if (stream == nullptr) {
    throw InputError(path + ": cannot write output file: " + std::strerror(errno));
  }
  return std::make_unique<FileSink>(stream, true, path, format, columns);
}

std::unique_ptr<ResultSink> make_sink(std::FILE* stream, OutputFormat format,
                                      const std::vector<Column>& columns) {
  return std::make_unique<FileSink>(stream, false, "output", format, columns);
}

}  // namespace drover
