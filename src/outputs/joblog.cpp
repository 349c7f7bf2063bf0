// GNU parallel's --joblog format, exactly, so tooling written for it keeps working.
#include "outputs/joblog.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>

#include "model/errors.hpp"

namespace drover {
namespace {

// A buffer this full is written out at once, so a long run's rows reach the
// file without waiting for a flush.
constexpr std::size_t kFlushBytes = 64 * 1024;

template <class Integer>
void append_integer(std::string& out, Integer n) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out.append(digits, end);
}

// "S.mmm" from a count of milliseconds (>= 0).
void append_milliseconds(std::string& out, std::int64_t ms) {
  append_integer(out, ms / 1000);
  const auto frac = static_cast<int>(ms % 1000);
  out.push_back('.');
  out.push_back(static_cast<char>('0' + frac / 100));
  out.push_back(static_cast<char>('0' + frac / 10 % 10));
  out.push_back(static_cast<char>('0' + frac % 10));
}

}  // namespace

void append_joblog_row(std::string& out, const JoblogRow& row) {
  using std::chrono::duration_cast;
  using std::chrono::microseconds;
  append_integer(out, row.seq);
  out.push_back('\t');
  out.append(row.host);
  out.push_back('\t');
  // Rounded to the millisecond, half up (from microseconds: the clock's
  // resolution is finer than anything GNU's float could tell apart).
  const auto start_us = duration_cast<microseconds>(row.start.time_since_epoch()).count();
  append_milliseconds(out, start_us < 0 ? 0 : (start_us + 500) / 1000);
  out.push_back('\t');
  const auto runtime_ms =
      std::max<std::int64_t>(0, duration_cast<std::chrono::milliseconds>(row.runtime).count());
  std::string runtime;
  append_milliseconds(runtime, runtime_ms);
  if (runtime.size() < 10) out.append(10 - runtime.size(), ' ');
  out.append(runtime);
  out.push_back('\t');
  append_integer(out, row.send);
  out.push_back('\t');
  append_integer(out, row.receive);
  out.push_back('\t');
  append_integer(out, row.exit_value);
  out.push_back('\t');
  append_integer(out, row.signal);
  out.push_back('\t');
  const std::size_t command_at = out.size();
  out.append(row.command);
  for (std::size_t i = command_at; i < out.size(); ++i) {
    if (out[i] == '\n') out[i] = '\0';
  }
  out.push_back('\n');
}

std::string joblog_row(const JoblogRow& row) {
  std::string out;
  append_joblog_row(out, row);
  return out;
}

JoblogWriter::JoblogWriter(const std::string& path, Mode mode) : path_(path) {
  if (path == "-") {
    fd_ = STDOUT_FILENO;
  } else {
    const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (mode == Mode::append ? O_APPEND : O_TRUNC);
    fd_ = ::open(path.c_str(), flags, 0666);
    if (fd_ < 0) {
      throw InputError(path + ": cannot open the joblog: " + std::strerror(errno));
    }
    owns_fd_ = true;
  }
  if (mode == Mode::truncate) buffer_.append(kJoblogHeader);
}

JoblogWriter::~JoblogWriter() {
  try {
    flush();
  } catch (const std::exception&) {
    // Destructors cannot report; callers that care call flush() themselves.
  }
  if (owns_fd_) ::close(fd_);
}

void JoblogWriter::write(const JoblogRow& row) {
  append_joblog_row(buffer_, row);
  if (buffer_.size() >= kFlushBytes) flush();
}

void JoblogWriter::flush() {
  std::size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      buffer_.erase(0, done);
      throw std::runtime_error(path_ + ": cannot write the joblog: " + std::strerror(error));
    }
    done += static_cast<std::size_t>(n);
  }
  buffer_.clear();
}

}  // namespace drover
