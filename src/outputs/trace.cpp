// The Chrome trace writer: spans become complete events, streamed through a buffer.
#include "outputs/trace.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "model/errors.hpp"
#include "model/kinds.hpp"
#include "outputs/sinks.hpp"

namespace drover {
namespace {

constexpr std::size_t kFlushAt = 1 << 20;

std::int64_t now_epoch_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void append_int(std::string& out, std::int64_t value) {
  char digits[24];
  const int n = std::snprintf(digits, sizeof digits, "%lld", static_cast<long long>(value));
  out.append(digits, static_cast<std::size_t>(n));
}

void append_metadata(std::string& out, std::size_t rank, const char* name, const char* key,
                     const std::string& value, std::optional<std::uint32_t> tid) {
  out += "{\"ph\":\"M\",\"pid\":";
  append_int(out, static_cast<std::int64_t>(rank));
  if (tid) {
    out += ",\"tid\":";
    append_int(out, *tid);
  }
  out += ",\"name\":\"";
  out += name;
  out += "\",\"args\":{\"";
  out += key;
  out += "\":";
  out += value;
  out += "}}";
}

std::string quoted(const std::string& text) {
  std::string out;
  append_json_string(text, out);
  return out;
}

}  // namespace

TraceWriter::TraceWriter(const std::string& path, std::vector<RankInfo> ranks, Generator generator,
                         std::optional<std::int64_t> origin_us)
    : path_(path),
      ranks_(std::move(ranks)),
      generator_(generator),
      origin_us_(origin_us.value_or(now_epoch_us())) {
  if (path_ == "-") {
    path_ = "<stdout>";
    file_ = stdout;
    owns_file_ = false;
  } else {
    file_ = std::fopen(path_.c_str(), "w");
  }
  if (file_ == nullptr) {
    throw InputError("cannot create the trace file \"" + path_ + "\": " + std::strerror(errno));
  }
  buffer_.reserve(kFlushAt + 4096);
  buffer_ += "[\n";
  write_metadata();
}

TraceWriter::~TraceWriter() {
  if (file_ == nullptr) return;
  try {
    close();
  } catch (const std::exception&) {  // a destructor must not throw; close() reports to callers
  }
}

// Names and order for every row: "rank 1 (n1)", then "pool 0".."pool T-1", "io lane", "comm".
void TraceWriter::write_metadata() {
  for (std::size_t r = 0; r < ranks_.size(); ++r) {
    const std::uint32_t threads = ranks_[r].threads;
    begin_event();
    append_metadata(buffer_, r, "process_name", "name",
                    quoted("rank " + std::to_string(r) + " (" + ranks_[r].host + ")"), {});
    begin_event();
    append_metadata(buffer_, r, "process_sort_index", "sort_index", std::to_string(r), {});
    for (std::uint32_t t = 0; t < threads + 2; ++t) {
      const std::string name = t < threads    ? "pool " + std::to_string(t)
                               : t == threads ? std::string("io lane")
                                              : std::string("comm");
      begin_event();
      append_metadata(buffer_, r, "thread_name", "name", quoted(name), t);
      begin_event();
      append_metadata(buffer_, r, "thread_sort_index", "sort_index", std::to_string(t), t);
    }
  }
}

void TraceWriter::begin_event() {
  if (!first_event_) buffer_ += ",\n";
  first_event_ = false;
}

void TraceWriter::consume(const TaskBatch& batch, const ResultBatch& results) {
  if (file_ == nullptr) throw std::logic_error("TraceWriter: consume after close");
  std::size_t next_failure = 0;
  for (const Span& span : results.spans) {
    if (span.count == 0 || span.first >= results.size()) continue;
    while (next_failure < results.failures.size() &&
           results.failures[next_failure].index < span.first) {
      ++next_failure;
    }
    std::size_t failed = 0;
    while (next_failure < results.failures.size() &&
           results.failures[next_failure].index < std::size_t{span.first} + span.count) {
      ++failed;
      ++next_failure;
    }
    write_span(batch, results, span, failed);
  }
  if (buffer_.size() >= kFlushAt) flush_buffer();
}

void TraceWriter::write_span(const TaskBatch& batch, const ResultBatch& results, const Span& span,
                             std::size_t failed) {
  std::uint64_t id = 0;
  const TaskSpec* spec = nullptr;
  if (batch.is_range()) {
    id = batch.first_id + span.first;
    scratch_.kind = batch.kind;
    scratch_.input.clear();
    kind_info(batch.kind).generate(batch.params, batch.first_item + span.first, scratch_.input);
    spec = &scratch_;
  } else {
    if (span.first >= batch.tasks.size()) return;
    id = batch.tasks[span.first].id;
    spec = &batch.tasks[span.first].spec;
  }
  const KindInfo& kind = kind_info(spec->kind);
  std::int64_t ts = span.start_us - origin_us_;
  const std::int64_t behind = ts < 0 ? -ts : 0;
  if (ts < 0) ts = 0;

  begin_event();
  buffer_ += "{\"ph\":\"X\",\"pid\":";
  append_int(buffer_, results.rank);
  buffer_ += ",\"tid\":";
  append_int(buffer_, span.thread);
  buffer_ += ",\"ts\":";
  append_int(buffer_, ts);
  buffer_ += ",\"dur\":";
  append_int(buffer_, std::max<std::int64_t>(1, span.end_us - span.start_us));
  buffer_ += ",\"name\":\"";
  buffer_ += kind.name;
  if (span.count > 1) {
    buffer_ += " x ";
    append_int(buffer_, span.count);
  }
  buffer_ += kind.lane == Lane::cpu ? "\",\"cat\":\"cpu\"" : "\",\"cat\":\"io\"";
  buffer_ += ",\"args\":{\"id\":";
  append_int(buffer_, static_cast<std::int64_t>(id));
  buffer_ += ",\"input\":";
  kind.input_json(spec->input, buffer_);
  buffer_ += ",\"n\":";
  append_int(buffer_, span.count);
  if (failed > 0) {
    buffer_ += ",\"failed\":";
    append_int(buffer_, static_cast<std::int64_t>(failed));
  }
  if (behind > 0) {
    buffer_ += ",\"clock_behind_us\":";
    append_int(buffer_, behind);
  }
  buffer_ += "}}";
  ++events_;
}

void TraceWriter::flush_buffer() {
  if (buffer_.empty() || write_failed_) {
    buffer_.clear();
    return;
  }
  if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
    write_failed_ = true;
    write_error_ = errno;
  }
  buffer_.clear();
}

void TraceWriter::close() {
  if (file_ == nullptr) return;
  buffer_ += "\n]\n";
  flush_buffer();
  if (!write_failed_ && (std::fflush(file_) != 0 || std::ferror(file_) != 0)) {
    write_failed_ = true;
    write_error_ = errno;
  }
  if (owns_file_ && std::fclose(file_) != 0 && !write_failed_) {
    write_failed_ = true;
    write_error_ = errno;
  }
  file_ = nullptr;
  if (write_failed_) {
    throw std::runtime_error("cannot write the trace file \"" + path_ +
                             "\": " + std::strerror(write_error_ != 0 ? write_error_ : EIO));
  }
}

}  // namespace drover
