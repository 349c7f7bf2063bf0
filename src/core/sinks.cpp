// Result writers: rows are formatted into a byte buffer and written in large blocks.
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "errors.hpp"
#include "kinds.hpp"
#include "sinks.hpp"

namespace drover {
namespace {

// Large enough that fwrite costs vanish, small enough to be harmless on rank 0.
constexpr std::size_t kFlushBytes = std::size_t{1} << 20;

template <typename Int>
void append_int(Int value, std::string& out) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

// Nine significant digits: exact for microsecond-ish seconds and ns figures,
// and general format stays short ("0.25", "1e-05").
void append_double(double value, std::string& out) {
  char digits[32];
  const auto end =
      std::to_chars(digits, digits + sizeof digits, value, std::chars_format::general, 9).ptr;
  out.append(digits, end);
}

// RFC 4180: a field holding a comma, quote or line break is quoted, quotes doubled.
void append_csv_field(std::string_view text, std::string& out) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
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

class FileSink final : public ResultSink {
 public:
  FileSink(std::FILE* stream, bool owned, std::string label, OutputFormat format)
      : stream_(stream), owned_(owned), label_(std::move(label)), format_(format) {
    buffer_.reserve(kFlushBytes + 4096);
    if (format_ == OutputFormat::csv) {
      buffer_ += "id,kind,input,ok,value,metric,error,rank,host,pid,thread,start_us,end_us\n";
    }
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
    out += "{\"id\":";
    append_int(row.id, out);
    out += ",\"kind\":";
    if (row.spec != nullptr) {
      const KindInfo& info = kind_info(row.spec->kind);
      out += '"';
      out += info.name;
      out += "\",\"input\":";
      info.append_input_json(*row.spec, out);
    } else {
      out += "null,\"input\":null";
    }
    out += row.ok ? ",\"ok\":true,\"value\":" : ",\"ok\":false,\"value\":";
    if (row.ok)
      append_int(row.value, out);
    else
      out += "null";
    out += ",\"metric\":";
    // JSON has no NaN or infinity.
    if (row.has_metric && std::isfinite(row.metric))
      append_double(row.metric, out);
    else
      out += "null";
    out += ",\"error\":";
    if (row.ok)
      out += "null";
    else
      append_json_string(row.error, out);
    out += ",\"rank\":";
    append_int(row.rank, out);
    out += ",\"host\":";
    append_json_string(row.host, out);
    out += ",\"pid\":";
    append_int(row.pid, out);
    out += ",\"thread\":";
    append_int(row.thread, out);
    out += ",\"start_us\":";
    append_int(row.start_us, out);
    out += ",\"end_us\":";
    append_int(row.end_us, out);
    out += "}\n";
  }

  void append_csv(const ResultRow& row) {
    std::string& out = buffer_;
    append_int(row.id, out);
    out += ',';
    if (row.spec != nullptr) {
      out += kind_info(row.spec->kind).name;
      out += ',';
      // The name kinds' input is text; the others' is their integer.
      if (row.spec->kind == KindId::download)
        append_csv_field(row.spec->name, out);
      else
        append_int(row.spec->n, out);
    } else {
      out += ',';
    }
    out += row.ok ? ",true," : ",false,";
    if (row.ok) append_int(row.value, out);
    out += ',';
    if (row.has_metric && std::isfinite(row.metric)) append_double(row.metric, out);
    out += ',';
    if (!row.ok) append_csv_field(row.error, out);
    out += ',';
    append_int(row.rank, out);
    out += ',';
    append_csv_field(row.host, out);
    out += ',';
    append_int(row.pid, out);
    out += ',';
    append_int(row.thread, out);
    out += ',';
    append_int(row.start_us, out);
    out += ',';
    append_int(row.end_us, out);
    out += '\n';
  }

  std::FILE* stream_;
  bool owned_;
  std::string label_;
  OutputFormat format_;
  std::string buffer_;
  int failed_errno_ = 0;
};

}  // namespace

std::unique_ptr<ResultSink> open_sink(const std::string& path, OutputFormat format) {
  if (path == "-") return std::make_unique<FileSink>(stdout, false, "<stdout>", format);
  std::FILE* stream = std::fopen(path.c_str(), "wb");
  if (stream == nullptr) {
    throw InputError(path + ": cannot write output file: " + std::strerror(errno));
  }
  return std::make_unique<FileSink>(stream, true, path, format);
}

std::unique_ptr<ResultSink> make_sink(std::FILE* stream, OutputFormat format) {
  return std::make_unique<FileSink>(stream, false, "output", format);
}

void append_json_string(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0;  // start of the pending run of bytes that need no escape
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
    }
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

}  // namespace drover
