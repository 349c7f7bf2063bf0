// ProcessRunner's insides, shared by its .cpp files: a running task, the env builder, spawning.
#pragma once

#include <sched.h>
#include <sys/types.h>

#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/basic_stream_descriptor.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "execution/line_splitter.hpp"
#include "execution/process.hpp"
#include "execution/process_guardian.hpp"

namespace drover {

// Builds each task's envp from the pre-filtered base: per task it copies the
// base's pointers and formats the six DROVER_* values into buffers it reuses,
// so an ordinary spawn allocates nothing here. Only a task with its own env
// map filters the base (for the names it overrides).
class EnvBuilder {
 public:
  EnvBuilder(ProcessEnv base, int rank, const std::string& host, std::string default_cpus);
  // Valid until the next build().
  char* const* build(const ProcessSpec& spec, const std::string& cpus_text);
  const std::string& default_cpus() const { return default_cpus_; }

 private:
  ProcessEnv base_;
  std::vector<char*> base_ptrs_;
  std::string default_cpus_;
  std::string rank_var_, host_var_;
  std::string task_var_, slot_var_, attempt_var_, cpus_var_;
  std::vector<std::string> own_vars_;  // "NAME=value" of the task's env map
  std::vector<char*> envp_;
};

// True for the names the runner sets per task.
bool is_drover_task_var(std::string_view name);

// "0-3,8": a cpu list as /proc's Cpus_allowed_list writes it.
std::string cpu_list_text(std::vector<int> cpus);

// A cpu mask sized for the machine (cpu_set_t stops at 1024 cpus).
class CpuMask {
 public:
  CpuMask();
  cpu_set_t* set() { return reinterpret_cast<cpu_set_t*>(words_.data()); }
  std::size_t bytes() const { return words_.size() * sizeof(unsigned long); }
  // False for a cpu number the mask cannot hold.
  bool add(int cpu);

 private:
  std::vector<unsigned long> words_;
};

// Why a task could not start, from the errno of its chdir or exec.
std::string spawn_error(int error, const ProcessSpec& spec);

// The task's argv for execve: spec.argv, or /bin/sh -c and the command line.
// The pointers are into `spec` and valid while it is.
std::vector<char*> exec_argv(const ProcessSpec& spec);

// posix_spawn of one task with the fds it gets as stdout and stderr, pinned to
// spec.cpus if any. Returns the pid, or 0 with `error` naming why it did not start.
pid_t posix_spawn_task(const ProcessSpec& spec, char* const* envp, int out_fd, int err_fd,
                       std::string& error);

// Spawns one runner's tasks; see process_clone.cpp for the fast path and why.
// Not thread-safe: one runner, one thread.
class TaskSpawner {
 public:
  // `fast`: the clone path where the kernel has it (else posix_spawn, always).
  // Throws std::system_error when the reserved fds or the child stack cannot be had.
  explicit TaskSpawner(bool fast);
  ~TaskSpawner();
  TaskSpawner(const TaskSpawner&) = delete;
  TaskSpawner& operator=(const TaskSpawner&) = delete;

  // As posix_spawn_task.
  pid_t spawn(const ProcessSpec& spec, char* const* envp, int out_fd, int err_fd,
              std::string& error);
  bool fast() const noexcept { return fast_; }

 private:
  // -1 when the kernel refused to unshare the fd table: the caller falls back.
  pid_t spawn_cloned(const ProcessSpec& spec, char* const* envp, int out_fd, int err_fd,
                     std::string& error);
  void exec_paths(const std::vector<char*>& argv);

  bool fast_;
  int in_slot_ = -1, out_slot_ = -1, err_slot_ = -1;  // reserved low fds (/dev/null when idle)
  void* stack_ = nullptr;
  std::size_t stack_bytes_ = 0;
  std::vector<std::string> path_dirs_;  // drover's PATH, read once
  std::string path_text_;               // candidates for a bare name, '\0'-separated
  std::vector<const char*> paths_;      // into path_text_, null-terminated
};

struct ProcessRunner::Impl {
  using Clock = std::chrono::steady_clock;
  using Executor = boost::asio::io_context::executor_type;
  using Descriptor = boost::asio::posix::basic_stream_descriptor<Executor>;
  using Timer = boost::asio::basic_waitable_timer<Clock, boost::asio::wait_traits<Clock>, Executor>;

  // One task from its spawn to its exit handler. Handlers hold it by
  // shared_ptr; `owner` is null once the runner is gone, and they then return.
  struct Running {
    Running(Impl& impl, std::size_t line_limit);
    Impl* owner;
    ProcessId id = 0;
    TaskIdentity identity;
    pid_t pid = 0;
    std::uint32_t guard_slot = ProcessGuardian::kNoSlot;
    Descriptor pidfd, out, err;
    LineSplitter out_lines, err_lines;
    std::size_t capture_limit = 0;
    std::string capture;  // the last bytes of stdout, at most 2 * capture_limit
    std::string out_file;  // with output files: where the captured tail is read from
    Timer timer;
    Clock::time_point started, ended;
    std::chrono::nanoseconds timeout{0};
    bool via_shell = false;
    bool exited = false, out_open = false, err_open = false, done = false;
    bool timed_out = false, stopped = false, term_sent = false, kill_sent = false;
    ExitHandler on_exit;
  };
  using RunningPtr = std::shared_ptr<Running>;

  Impl(boost::asio::io_context& io, ProcessEnv env, RunnerOptions options, OutputHandler on_output);
  ~Impl();

  ProcessId start(const ProcessSpec& spec, ExitHandler on_exit);
  void fail_later(const TaskIdentity& identity, std::string error, ExitHandler on_exit);
  void watch_exit(const RunningPtr& r);
  void arm_timer(const RunningPtr& r, std::chrono::nanoseconds after);
  void on_timer(const RunningPtr& r);
  void terminate(const RunningPtr& r, std::chrono::nanoseconds grace);
  void maybe_finish(const RunningPtr& r);
  void finish(const RunningPtr& r);

  // process_output.cpp
  void watch_output(const RunningPtr& r, Stream stream);
  void read_output(const RunningPtr& r, Stream stream);
  void deliver(Running& r, Stream stream, std::string_view data);
  void end_output(const RunningPtr& r, Stream stream);
  static void read_file_tail(Running& r, std::string& captured);

  boost::asio::io_context& io;
  RunnerOptions options;
  OutputHandler on_output;
  std::unique_ptr<EnvBuilder> env;
  FdBudget budget;
  std::unique_ptr<ProcessGuardian> guardian;
  std::unique_ptr<TaskSpawner> spawner;
  std::unordered_map<ProcessId, RunningPtr> running;
  ProcessId next_id = 1;
  bool stopping = false;
  std::vector<char> scratch;  // every read lands here; only partial lines are kept per task
  std::string cpus_text;  // reused per pinned spawn
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);  // for posted start failures
};

}  // namespace drover
