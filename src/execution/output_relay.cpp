// OutputRelay and the locked writer behind every task line drover prints.
#include "execution/output_relay.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace drover {

void write_output_lines(bool to_stderr, std::string_view lines) {
  static std::mutex mutex;
  const std::lock_guard lock(mutex);
  // What stdio holds goes first, so a note printed before a task's lines stays before them.
  std::fflush(to_stderr ? stderr : stdout);
  const int fd = to_stderr ? STDERR_FILENO : STDOUT_FILENO;
  const char* data = lines.data();
  std::size_t left = lines.size();
  while (left > 0) {
    const ssize_t wrote = ::write(fd, data, left);
    if (wrote < 0) {
      if (errno == EINTR) continue;
      return;
    }
    data += wrote;
    left -= static_cast<std::size_t>(wrote);
  }
}

void OutputRelay::append(bool to_stderr, std::string_view lines) {
  std::unique_lock lock(mutex_);
  room_.wait(lock, [&] { return closed_ || out_.size() + err_.size() < limit_; });
  if (closed_) {
    lock.unlock();
    write_output_lines(to_stderr, lines);
    return;
  }
  const bool was_empty = out_.empty() && err_.empty();
  (to_stderr ? err_ : out_).append(lines);
  lock.unlock();
  if (was_empty) data_.notify_one();
}

bool OutputRelay::wait_take(std::string& out, std::string& err) {
  out.clear();
  err.clear();
  {
    std::unique_lock lock(mutex_);
    data_.wait(lock, [&] { return closed_ || !out_.empty() || !err_.empty(); });
    if (out_.empty() && err_.empty()) return false;
    out.swap(out_);
    err.swap(err_);
  }
  room_.notify_all();
  return true;
}

LinePrinter::LinePrinter()
    : thread_([this] {
        std::string out, err;
        while (relay_.wait_take(out, err)) {
          if (!out.empty()) write_output_lines(false, out);
          if (!err.empty()) write_output_lines(true, err);
        }
      }) {}

LinePrinter::~LinePrinter() {
  finish();
}

void LinePrinter::finish() {
  relay_.close();
  if (thread_.joinable()) thread_.join();
}

bool OutputRelay::take(std::string& out, std::string& err) {
  out.clear();
  err.clear();
  {
    const std::lock_guard lock(mutex_);
    if (out_.empty() && err_.empty()) return false;
    out.swap(out_);
    err.swap(err_);
  }
  room_.notify_all();
  return true;
}

void OutputRelay::close() {
  {
    const std::lock_guard lock(mutex_);
    closed_ = true;
  }
  room_.notify_all();
  data_.notify_all();
}

}  // namespace drover
