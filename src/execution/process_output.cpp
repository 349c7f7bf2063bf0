// A task's stdout and stderr: pipes read on the io_context into whole lines, the captured tail.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>

#include "execution/process_internal.hpp"

namespace drover {
namespace {

// Reads per wake-up before the stream yields to other tasks: a task writing
// without pause gets at most this many scratch buffers in a row.
constexpr int kReadsPerWake = 8;

}  // namespace

void tag_lines(std::string& out, std::string_view tag, std::string_view lines) {
  while (!lines.empty()) {
    const std::size_t nl = lines.find('\n');
    const std::size_t end = nl == std::string_view::npos ? lines.size() : nl + 1;
    out.append(tag).push_back('\t');
    out.append(lines.substr(0, end));
    lines.remove_prefix(end);
  }
}

// Asio registers descriptors edge-triggered: a wait completes on new data, so
// read_output() reads until EAGAIN before waiting again, or posts itself to
// carry on. Waiting on readiness rather than async_read_some means no buffer
// per task while it is quiet: the reads share the runner's scratch buffer.
void ProcessRunner::Impl::watch_output(const RunningPtr& r, Stream stream) {
  Descriptor& d = stream == Stream::out ? r->out : r->err;
  d.async_wait(Descriptor::wait_read, [r, stream](const boost::system::error_code& error) {
    if (error == boost::asio::error::operation_aborted || r->owner == nullptr) return;
    r->owner->read_output(r, stream);
  });
}

void ProcessRunner::Impl::read_output(const RunningPtr& r, Stream stream) {
  Descriptor& d = stream == Stream::out ? r->out : r->err;
  for (int round = 0; round < kReadsPerWake;) {
    const ssize_t n = ::read(d.native_handle(), scratch.data(), scratch.size());
    if (n > 0) {
      deliver(*r, stream, std::string_view(scratch.data(), static_cast<std::size_t>(n)));
      ++round;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      watch_output(r, stream);
      return;
    }
    end_output(r, stream);  // EOF, or an error that ends the stream alike
    return;
  }
  boost::asio::post(io, [r, stream] {
    if (r->owner != nullptr) r->owner->read_output(r, stream);
  });
}

void ProcessRunner::Impl::deliver(Running& r, Stream stream, std::string_view data) {
  if (stream == Stream::out && r.capture_limit > 0) {
    // Amortised: trim only when twice the limit, so a byte is moved at most once.
    r.capture.append(data);
    if (r.capture.size() > 2 * r.capture_limit)
      r.capture.erase(0, r.capture.size() - r.capture_limit);
  }
  LineSplitter& lines = stream == Stream::out ? r.out_lines : r.err_lines;
  lines.feed(data, [&](std::string_view text) {
    if (on_output) on_output(OutputLines{r.identity, stream, text});
  });
}

void ProcessRunner::Impl::end_output(const RunningPtr& r, Stream stream) {
  LineSplitter& lines = stream == Stream::out ? r->out_lines : r->err_lines;
  lines.finish([&](std::string_view text) {
    if (on_output) on_output(OutputLines{r->identity, stream, text});
  });
  boost::system::error_code ignored;
  if (stream == Stream::out) {
    r->out.close(ignored);
    r->out_open = false;
  } else {
    r->err.close(ignored);
    r->err_open = false;
  }
  maybe_finish(r);
}

// With output files there is no pipe to watch: the tail is read back from
// the file once the task has ended, which is exact and costs one pread.
void ProcessRunner::Impl::read_file_tail(Running& r, std::string& captured) {
  const int fd = ::open(r.out_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  struct stat st;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    const auto size = static_cast<std::size_t>(st.st_size);
    const std::size_t n = std::min(size, r.capture_limit);
    captured.resize(n);
    const ssize_t got = ::pread(fd, captured.data(), n, static_cast<off_t>(size - n));
    captured.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
  }
  ::close(fd);
}

}  // namespace drover
