// ProcessRunner's set-up (fd limit, guardian, env), its tear-down, its public face, result messages.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "execution/process_internal.hpp"

namespace drover {
namespace {

constexpr std::size_t kScratchBytes = 64 * 1024;
// Fds kept back from the task budget: the pipes' write ends during a spawn,
// the journal, output files, MPI's sockets opened later.
constexpr std::uint64_t kFdReserve = 64;

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

std::uint64_t count_open_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  std::uint64_t n = 0;
  while (const dirent* e = ::readdir(dir))
    if (e->d_name[0] != '.') ++n;
  ::closedir(dir);
  return n > 0 ? n - 1 : 0;  // the directory's own fd
}

FdBudget fd_budget_at_start(bool raise) {
  FdBudget b;
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    if (raise && rl.rlim_cur < rl.rlim_max) {
      rlimit raised = rl;
      raised.rlim_cur = rl.rlim_max;
      if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
    }
    b.soft = rl.rlim_cur;
    b.hard = rl.rlim_max;
  }
  b.open_at_start = count_open_fds();
  const std::uint64_t used = b.open_at_start + kFdReserve;
  b.max_tasks = b.soft > used ? (b.soft - used) / FdBudget::per_task : 0;
  return b;
}

// A task's fds 0-2 are dup2'd from new fds: those must not be 0-2 themselves.
void ensure_standard_fds() {
  for (int fd = 0; fd <= 2; ++fd)
    if (::fcntl(fd, F_GETFD) < 0 && errno == EBADF) ::open("/dev/null", O_RDWR);
}

std::string seconds_text(std::chrono::nanoseconds d) {
  char text[32];
  std::snprintf(text, sizeof text, "%g s", std::chrono::duration<double>(d).count());
  return text;
}

}  // namespace

ProcessRunner::Impl::Impl(boost::asio::io_context& io_context, ProcessEnv base,
                          RunnerOptions opts, OutputHandler handler)
    : io(io_context), options(std::move(opts)), on_output(std::move(handler)),
      scratch(kScratchBytes) {
  ensure_standard_fds();
  if (options.host.empty()) options.host = host_name();
  env = std::make_unique<EnvBuilder>(std::move(base), options.rank, options.host,
                                     cpu_list_text(allowed_cpus()));
  budget = fd_budget_at_start(options.raise_fd_limit);
  spawner = std::make_unique<TaskSpawner>(options.fast_spawn);
  if (options.guardian) {
    // Every running task holds at least its pidfd, so the fd limit bounds the table.
    const std::uint64_t slots = std::min<std::uint64_t>(std::max<std::uint64_t>(budget.soft, 1024),
                                                        std::uint64_t{1} << 22);
    guardian = std::make_unique<ProcessGuardian>(static_cast<std::size_t>(slots));
  }
}

// SIGKILL and a blocking reap: the exit handlers cannot run any more, and a
// task must not outlive the runner that could report it.
ProcessRunner::Impl::~Impl() {
  *alive = false;
  for (auto& [id, r] : running) {
    r->owner = nullptr;
    ::kill(-r->pid, SIGKILL);
    if (guardian) guardian->remove(r->guard_slot);
    while (::waitpid(r->pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    boost::system::error_code ignored;
    r->timer.cancel();
    r->pidfd.close(ignored);
    r->out.close(ignored);
    r->err.close(ignored);
  }
  running.clear();
  guardian.reset();
}

std::string ProcessResult::message() const {
  if (!started) return std::string("cannot start: ").append(error);
  if (timed_out) return std::string("timed out after ").append(seconds_text(timeout));
  if (stopped) return "stopped";
  if (!error.empty()) return error;
  if (signal != 0) {
    const char* name = ::sigabbrev_np(signal);
    std::string text = name ? std::string("killed by SIG").append(name)
                            : std::string("killed by signal ").append(std::to_string(signal));
    return core_dumped ? text.append(" (core dumped)") : text;
  }
  if (exit_code == 0) return "";
  std::string text = std::string("exit ").append(std::to_string(exit_code));
  if (via_shell && exit_code == 127) text.append(" (the shell found no such command)");
  if (via_shell && exit_code == 126) text.append(" (the shell could not execute the command)");
  return text;
}

ProcessRunner::ProcessRunner(boost::asio::io_context& io, ProcessEnv env, RunnerOptions options,
                             OutputHandler on_output)
    : impl_(std::make_unique<Impl>(io, std::move(env), std::move(options), std::move(on_output))) {}

ProcessRunner::~ProcessRunner() = default;

ProcessId ProcessRunner::start(const ProcessSpec& spec, ExitHandler on_exit) {
  return impl_->start(spec, std::move(on_exit));
}

void ProcessRunner::stop(ProcessId id, std::chrono::nanoseconds grace) {
  const auto it = impl_->running.find(id);
  if (it == impl_->running.end()) return;
  it->second->stopped = true;
  impl_->terminate(it->second, grace);
}

void ProcessRunner::stop_all(std::chrono::nanoseconds grace) {
  impl_->stopping = true;
  for (auto& [id, r] : impl_->running) {
    r->stopped = true;
    impl_->terminate(r, grace);
  }
}

std::size_t ProcessRunner::running() const noexcept {
  return impl_->running.size();
}

const FdBudget& ProcessRunner::fd_budget() const noexcept {
  return impl_->budget;
}

bool ProcessRunner::spawns_fast() const noexcept {
  return impl_->spawner->fast();
}

pid_t ProcessRunner::guardian_pid() const noexcept {
  return impl_->guardian ? impl_->guardian->pid() : 0;
}

}  // namespace drover
