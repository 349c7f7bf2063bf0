// ProcessRunner: a task's life from spawn to exit handler, with its timeout, stop and reaping.
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>

#include "execution/process_internal.hpp"

namespace drover {
namespace {

// The raw system call: glibc 2.36's <sys/pidfd.h> lacks extern "C" (fixed in 2.37).
int pidfd_open(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::string with_errno(std::string what, int error) {
  return what.append(": ").append(std::strerror(error));
}

int open_output(const std::string& dir, const char* name, std::string& error) {
  const std::string path = std::string(dir).append("/").append(name);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0 && error.empty()) error = with_errno("cannot open " + path, errno);
  return fd;
}

}  // namespace

ProcessRunner::Impl::Running::Running(Impl& impl, std::size_t line_limit)
    : owner(&impl),
      pidfd(impl.io.get_executor()),
      out(impl.io.get_executor()),
      err(impl.io.get_executor()),
      out_lines(line_limit),
      err_lines(line_limit),
      timer(impl.io.get_executor()) {}


void ProcessRunner::Impl::fail_later(const TaskIdentity& identity, std::string error,
                                     ExitHandler on_exit) {
  ProcessResult result;
  result.task = identity;
  result.error = std::move(error);
  result.started_at = result.ended_at = Clock::now();
  boost::asio::post(io, [alive = alive, result = std::move(result), on_exit = std::move(on_exit)] {
    if (*alive && on_exit) on_exit(result);
  });
}

ProcessId ProcessRunner::Impl::start(const ProcessSpec& spec, ExitHandler on_exit) {
  const ProcessId id = next_id++;
  const bool has_argv = !spec.argv.empty() && !spec.argv[0].empty();
  std::string error;
  if (stopping) error = "drover is stopping";
  else if (has_argv == !spec.shell_command.empty())
    error = has_argv ? "both argv and a shell command" : "empty command";
  int child_out = -1, child_err = -1, read_out = -1, read_err = -1;
  const bool to_files = !spec.output_dir.empty();
  if (error.empty() && to_files) {
    if (::mkdir(spec.output_dir.c_str(), 0777) != 0 && errno != EEXIST)
      error = with_errno("cannot create " + spec.output_dir, errno);
    if (error.empty()) child_out = open_output(spec.output_dir, "out", error);
    if (error.empty()) child_err = open_output(spec.output_dir, "err", error);
  } else if (error.empty()) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) == 0) {
      read_out = fds[0];
      child_out = fds[1];
    } else {
      error = with_errno("pipe2", errno);
    }
    if (error.empty() && ::pipe2(fds, O_CLOEXEC) == 0) {
      read_err = fds[0];
      child_err = fds[1];
    } else if (error.empty()) {
      error = with_errno("pipe2", errno);
    }
  }
  pid_t pid = 0;
  const Clock::time_point started = Clock::now();  // wall time counts the spawn
  if (error.empty()) {
    if (!spec.cpus.empty()) cpus_text = cpu_list_text(spec.cpus);
    pid = spawner->spawn(spec, env->build(spec, cpus_text), child_out, child_err, error);
  }
  // Listed at once: the window in which a SIGKILLed rank leaves this task
  // unguarded is the spawn itself.
  const std::uint32_t slot = pid > 0 && guardian ? guardian->add(pid) : ProcessGuardian::kNoSlot;
  close_fd(child_out);
  close_fd(child_err);
  const int pidfd = pid > 0 ? pidfd_open(pid) : -1;
  if (pid > 0 && pidfd < 0) {
    error = with_errno("cannot watch the task (pidfd_open)", errno);
    ::kill(-pid, SIGKILL);
    if (guardian) guardian->remove(slot);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    pid = 0;
  }
  if (pid == 0) {
    close_fd(read_out);
    close_fd(read_err);
    fail_later(spec.identity, std::move(error), std::move(on_exit));
    return id;
  }
  auto r = std::make_shared<Running>(*this, options.line_limit);
  r->id = id;
  r->identity = spec.identity;
  r->pid = pid;
  r->guard_slot = slot;
  r->started = started;
  r->timeout = spec.timeout;
  r->via_shell = !has_argv;
  r->capture_limit = spec.capture;
  r->on_exit = std::move(on_exit);
  r->pidfd.assign(pidfd);
  watch_exit(r);
  if (to_files) {
    if (spec.capture > 0) r->out_file = spec.output_dir + "/out";
  } else {
    // Only the read ends: O_NONBLOCK on the pipe's write end would reach the task.
    ::fcntl(read_out, F_SETFL, O_NONBLOCK);
    ::fcntl(read_err, F_SETFL, O_NONBLOCK);
    r->out.assign(read_out);
    r->err.assign(read_err);
    r->out_open = r->err_open = true;
    watch_output(r, Stream::out);
    watch_output(r, Stream::err);
  }
  if (spec.timeout.count() > 0) arm_timer(r, spec.timeout);
  running.emplace(id, std::move(r));
  return id;
}

void ProcessRunner::Impl::watch_exit(const RunningPtr& r) {
  r->pidfd.async_wait(Descriptor::wait_read, [r](const boost::system::error_code& error) {
    if (error == boost::asio::error::operation_aborted || r->owner == nullptr) return;
    r->exited = true;
    r->ended = Clock::now();
    boost::system::error_code ignored;
    r->pidfd.close(ignored);  // the zombie stays until finish(): its pgid cannot be reused
    r->owner->maybe_finish(r);
  });
}

void ProcessRunner::Impl::arm_timer(const RunningPtr& r, std::chrono::nanoseconds after) {
  r->timer.expires_after(after);
  r->timer.async_wait([r](const boost::system::error_code& error) {
    if (error == boost::asio::error::operation_aborted || r->owner == nullptr || r->done) return;
    r->owner->on_timer(r);
  });
}

// Timeout, then SIGTERM's grace, then SIGKILL's. After SIGKILL only a process
// that left the group can still hold the pipes: its output is cut off there,
// so that a task always finishes.
void ProcessRunner::Impl::on_timer(const RunningPtr& r) {
  if (!r->term_sent) {
    r->timed_out = true;
    terminate(r, options.kill_grace);
  } else if (!r->kill_sent) {
    ::kill(-r->pid, SIGKILL);
    r->kill_sent = true;
    arm_timer(r, options.kill_grace);
  } else if (r->exited) {
    if (r->out_open) end_output(r, Stream::out);
    if (r->err_open && !r->done) end_output(r, Stream::err);
  } else {
    arm_timer(r, options.kill_grace);  // not dead yet (in the kernel): look again later
  }
}

void ProcessRunner::Impl::terminate(const RunningPtr& r, std::chrono::nanoseconds grace) {
  if (r->done || r->term_sent) return;
  r->term_sent = true;
  if (grace.count() <= 0) {
    ::kill(-r->pid, SIGKILL);
    r->kill_sent = true;
    arm_timer(r, options.kill_grace);
    return;
  }
  ::kill(-r->pid, SIGTERM);
  arm_timer(r, grace);
}

void ProcessRunner::Impl::maybe_finish(const RunningPtr& r) {
  if (!r->done && r->exited && !r->out_open && !r->err_open) finish(r);
}

void ProcessRunner::Impl::finish(const RunningPtr& task) {
  const RunningPtr r = task;  // erasing it from `running` below must not free it
  r->done = true;
  r->timer.cancel();
  // Off the guardian's list while the zombie still holds the pgid, then reaped.
  if (guardian) guardian->remove(r->guard_slot);
  ProcessResult result;
  result.task = r->identity;
  result.started = true;
  result.started_at = r->started;
  result.ended_at = r->ended;
  result.wall_seconds = std::chrono::duration<double>(r->ended - r->started).count();
  result.timed_out = r->timed_out;
  result.timeout = r->timeout;
  result.stopped = r->stopped && !r->timed_out;
  result.via_shell = r->via_shell;
  int status = 0;
  rusage usage{};
  pid_t got;
  while ((got = ::wait4(r->pid, &status, WNOHANG, &usage)) < 0 && errno == EINTR) {
  }
  if (got == r->pid) {
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) {
      result.signal = WTERMSIG(status);
      result.core_dumped = WCOREDUMP(status);
    }
    result.user_seconds = static_cast<double>(usage.ru_utime.tv_sec) + usage.ru_utime.tv_usec * 1e-6;
    result.system_seconds = static_cast<double>(usage.ru_stime.tv_sec) + usage.ru_stime.tv_usec * 1e-6;
    result.max_rss_kib = usage.ru_maxrss;
  } else {
    result.error = "exit status lost: the process was reaped elsewhere (is SIGCHLD ignored?)";
  }
  if (!r->out_file.empty()) {
    read_file_tail(*r, result.captured);
  } else if (r->capture.size() > r->capture_limit) {
    result.captured = r->capture.substr(r->capture.size() - r->capture_limit);
  } else {
    result.captured = std::move(r->capture);
  }
  result.lines_split = r->out_lines.lines_split() + r->err_lines.lines_split();
  ExitHandler handler = std::move(r->on_exit);
  running.erase(r->id);
  if (handler) handler(result);
}

}  // namespace drover
