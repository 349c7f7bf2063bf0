// Running commands as tasks: spawn, output, reaping, timeouts and clean-up, on one io_context.
//
// The engine behind the exec kind (issue 10). A ProcessRunner lives on the
// rank's async lane: every call and every callback is on the thread that runs
// its io_context, and nothing blocks that thread. Decisions, and why:
//
// Spawning. A vfork-style clone (CLONE_VM|CLONE_VFORK, as glibc's posix_spawn;
//   never fork(), which Open MPI warns about and RDMA memory registration can
//   be corrupted by) that also shares the fd table, so that a spawn costs the
//   same however many tasks run (process_clone.cpp says how and why);
//   posix_spawn where the kernel is older than 5.9. Each
//   task leads its own process group, gets an empty signal mask and default
//   dispositions for every catchable signal (exec keeps SIG_IGN, so a drover
//   that ignores SIGPIPE would otherwise pass that on), stdin from /dev/null,
//   and every fd from 3 up closed, so no fd of drover or MPI leaks, whether
//   or not it was opened O_CLOEXEC. The child's chdir or exec errno comes
//   back, so a command that cannot start is a failed result naming why, never
//   a crash.
// Reaping. pidfd_open right after the spawn, watched by the io_context; no
//   SIGCHLD handler and never wait(-1), so other children of the rank are not
//   touched. (No race in between: an unreaped child's pid cannot be reused.
//   glibc 2.39's pidfd_spawn would save that one system call.) The leader stays a zombie until the task is finished (exited and
//   its output drained): wait4(pid, WNOHANG) then reaps it with its rusage.
//   wait4 over waitid(P_PIDFD) because glibc's waitid has no rusage argument
//   (only the raw syscall does); a pid is not reused while its zombie is
//   unreaped, so wait4 on that pid is as exact as the pidfd. Holding the zombie
//   also keeps the pgid from being reused while the group is signalled: a
//   timeout after the leader exited (a grandchild still writing) cannot hit
//   another process's group.
// Output. Two pipes whose read ends the io_context watches; reads go into one
//   scratch buffer of the runner, so an idle running task costs no buffer, and
//   the output handler gets whole lines only (see LineSplitter). A line longer
//   than RunnerOptions::line_limit is handed on in pieces of that size, each
//   ending with an added '\n', and counted in ProcessResult::lines_split; a last
//   line without '\n' gets one too. Or, with ProcessSpec::output_dir, files
//   `out` and `err` opened O_CLOEXEC by the runner and given to the task as its
//   fds: no pipe, no copy through drover.
// End of output. A task is finished when its process has exited AND both pipes
//   are at EOF, as GNU parallel does: nothing the task wrote is lost. A
//   background child that keeps the pipe open keeps the task running; its
//   timeout and stop() signal the whole group, which ends that wait.
// Timeouts and stops. SIGTERM to the group, SIGKILL after a grace.
// Pinning (ProcessSpec::cpus). The clone path's child sets its own mask before
//   its exec. posix_spawn has no affinity attribute, and sched_setaffinity on
//   the child after it races the program's first threads, so that path sets
//   the spawning thread's own mask around the spawn: the child inherits it
//   before its first instruction (the lane is one thread, so save, set,
//   spawn, restore is correct).
// A SIGKILLed rank. Nothing inside it runs, so a guardian process outside it
//   kills what is left (see process_guardian.hpp): zero system calls per task.
// File descriptors. A running task holds up to 3 (pidfd and two pipes). The
//   runner raises the soft RLIMIT_NOFILE to the hard limit at construction and
//   says in fd_budget() how many tasks that allows; tasks inherit the raised
//   soft limit.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace drover {

// The environment every task starts from: a snapshot of the rank's environ
// taken once, without OMPI_*, PMIX_* and PMI_* (so a task may itself be an MPI
// program, as a singleton or with its own mpirun) and without the DROVER_*
// names the runner sets per task. Per task only pointers are copied.
class ProcessEnv {
 public:
  ProcessEnv() = default;
  // `environ` style: a null-terminated array of "NAME=value".
  static ProcessEnv from(const char* const* env, bool keep_mpi_vars = false);
  static ProcessEnv from_environ(bool keep_mpi_vars = false);
  const std::vector<std::string>& entries() const { return entries_; }

 private:
  std::vector<std::string> entries_;
};

// Who a task is: what its DROVER_* variables and the output handler say.
struct TaskIdentity {
  std::uint64_t task_id = 0;  // DROVER_TASK_ID
  std::uint32_t attempt = 0;  // DROVER_ATTEMPT
  std::uint32_t slot = 0;     // DROVER_SLOT
  std::uint64_t cookie = 0;   // the caller's own (an index into its batch); not exported
};

struct ProcessSpec {
  // Exactly one of the two: argv, run with no shell (argv[0] without a '/' is
  // looked up in drover's PATH), or a command line for /bin/sh -c.
  std::vector<std::string> argv;
  std::string shell_command;
  std::string cwd;  // empty: drover's own
  // Added to the environment; overrides a variable of the base environment of
  // the same name. The DROVER_* names are the runner's: entries naming them
  // are ignored.
  std::vector<std::pair<std::string, std::string>> env;
  TaskIdentity identity;
  std::vector<int> cpus;  // pin the task to these cpus; empty: not pinned
  std::chrono::nanoseconds timeout{0};  // 0: none
  // Non-empty: stdout and stderr go to files `out` and `err` in this directory
  // (created if missing; its parent must exist), truncated, instead of pipes.
  std::string output_dir;
  std::size_t capture = 0;  // keep the last `capture` bytes of stdout
};

enum class Stream : std::uint8_t { out = 1, err = 2 };

// One or more whole lines of one task's stream, each ending with '\n'. The
// view is valid during the call only. Printing `text` with one write never
// puts two tasks within one line; tag_lines() adds GNU parallel's --tag.
struct OutputLines {
  const TaskIdentity& task;
  Stream stream;
  std::string_view text;
};

// Appends `lines` (whole lines) to `out`, each prefixed with `tag` and a tab.
void tag_lines(std::string& out, std::string_view tag, std::string_view lines);

struct ProcessResult {
  using Clock = std::chrono::steady_clock;
  TaskIdentity task;
  bool started = false;  // false: it could not start; `error` says why
  std::string error;
  int exit_code = -1;  // when it exited (not killed)
  int signal = 0;      // the signal that ended it, 0 if none
  bool core_dumped = false;
  bool timed_out = false;
  std::chrono::nanoseconds timeout{0};
  bool stopped = false;  // by stop() or stop_all()
  bool via_shell = false;  // run by /bin/sh -c: exit 126 and 127 are the shell's
  Clock::time_point started_at{};
  Clock::time_point ended_at{};  // when the process exited (output may drain later)
  double wall_seconds = 0;
  double user_seconds = 0;
  double system_seconds = 0;
  long max_rss_kib = 0;  // ru_maxrss: of the task or of its largest reaped descendant
  std::string captured;  // the last ProcessSpec::capture bytes of stdout
  std::uint64_t lines_split = 0;  // over-long lines cut at the line limit

  bool ok() const noexcept {
    return started && !timed_out && !stopped && signal == 0 && exit_code == 0;
  }
  // "" when ok; else "exit 3", "killed by SIGSEGV (core dumped)", "timed out
  // after 1.5 s", "stopped", or "cannot start: ..." naming why.
  std::string message() const;
};

struct RunnerOptions {
  int rank = 0;      // DROVER_RANK
  std::string host;  // DROVER_HOST; empty: gethostname()
  // Between SIGTERM and SIGKILL when a task times out.
  std::chrono::nanoseconds kill_grace = std::chrono::seconds(2);
  std::size_t line_limit = 64 * 1024;  // bytes of a line before it is cut
  bool raise_fd_limit = true;
  bool guardian = true;  // kill what is left of the tasks when the rank dies
  // The clone path of process_clone.cpp where the kernel has it; false:
  // posix_spawn for every task (the fallback, kept testable).
  bool fast_spawn = true;
};

// What RLIMIT_NOFILE allows, for the caller to say what limits its slots.
struct FdBudget {
  std::uint64_t soft = 0;  // after raising it
  std::uint64_t hard = 0;
  std::uint64_t open_at_start = 0;  // fds the process had open at construction
  static constexpr unsigned per_task = 3;
  std::uint64_t max_tasks = 0;  // running tasks that fit, leaving room for the rest
};

using ProcessId = std::uint64_t;

// The cpus the calling thread may run on, ascending (what pinning picks from).
std::vector<int> allowed_cpus();

class ProcessRunner {
 public:
  using OutputHandler = std::function<void(const OutputLines&)>;
  using ExitHandler = std::function<void(const ProcessResult&)>;

  // `on_output` gets every task's lines (tasks with files need none); empty:
  // lines are drained and dropped. Throws std::system_error when the guardian
  // cannot be set up.
  ProcessRunner(boost::asio::io_context& io, ProcessEnv env, RunnerOptions options,
                OutputHandler on_output);
  // Kills (SIGKILL) and reaps every task still running, without calling their
  // exit handlers, then lets the guardian go.
  ~ProcessRunner();
  ProcessRunner(const ProcessRunner&) = delete;
  ProcessRunner& operator=(const ProcessRunner&) = delete;

  // Starts a task; `on_exit` is called once, from the io_context, never from
  // within start(), also when it could not start. `spec` is read during the
  // call only.
  ProcessId start(const ProcessSpec& spec, ExitHandler on_exit);
  // SIGTERM to the task's group, SIGKILL after `grace`; it finishes `stopped`.
  void stop(ProcessId id, std::chrono::nanoseconds grace);
  // stop() for every running task, and start() fails from now on: drover's
  // clean stop.
  void stop_all(std::chrono::nanoseconds grace);

  std::size_t running() const noexcept;
  const FdBudget& fd_budget() const noexcept;
  pid_t guardian_pid() const noexcept;  // 0 without a guardian
  // True while tasks are spawned by the clone path (false after a fallback).
  bool spawns_fast() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace drover
