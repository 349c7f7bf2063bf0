// The fast spawn: a vfork-style child that shares the rank's fd table just long enough to keep its
// low fds.
//
// Why not posix_spawn alone: its child gets a copy of the whole fd table
// (glibc clones without CLONE_FILES), and closefrom(3) then closes every copy,
// flushing each file. Both cost in proportion to the fds the rank holds, and a
// rank running thousands of commands holds three per command: with 2,000
// `sleep` running on a rank, 27 % of its time went there (perf), and a spawn
// took 0.7 ms at 1,000 running and 1.1 ms at 4,000.
// Here the child is cloned with CLONE_FILES (nothing copied) and its first act
// is close_range(K, ~0, CLOSE_RANGE_UNSHARE), which gives it a private table
// holding only the fds below K: those the rank had when the runner was made,
// among them three the spawner reserved for the task's stdin, stdout and
// stderr. The parent points the two output slots at the task's pipes (or
// files) for the spawn and back at /dev/null after it, so no slot keeps a
// pipe's write end open. A spawn then costs the same with 10 tasks running or
// 10,000. Kernels before 5.9 refuse the flag; the spawner then uses
// posix_spawn from that task on.
// The child shares the rank's memory and runs, with every signal blocked and
// the spawning thread suspended (CLONE_VFORK), until its execve, as glibc's
// own posix_spawn child does. So it calls raw system calls only, allocates
// nothing, and writes nothing but the plan's two error fields, which the
// parent reads once it resumes.
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <optional>
#include <system_error>

#include "execution/process_internal.hpp"

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif

namespace drover {
namespace {

enum class Stage : int { none, unshare, group, fds, cwd, pin, exec };

// What the child does, prepared by the parent: nothing in it needs memory.
struct ChildPlan {
  unsigned keep_below = 0;  // the child's table keeps fds [0, keep_below)
  int in_fd = -1, out_fd = -1, err_fd = -1;
  const char* cwd = nullptr;
  const void* cpus = nullptr;
  std::size_t cpus_bytes = 0;
  const char* const* paths = nullptr;  // execve candidates, null-terminated
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  Stage stage = Stage::none;  // written by the child only when it fails
  int error = 0;
};

// The kernel's struct sigaction (the raw rt_sigaction takes this, not glibc's).
struct KernelSigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)();
  unsigned long mask;
};

// Not instrumented: the child runs on the parent's sanitizer state (g++ and clang spell it alike).
#define DROVER_CHILD_CODE __attribute__((noinline, no_sanitize("address", "thread", "undefined")))

DROVER_CHILD_CODE long raw(long number, long a = 0, long b = 0, long c = 0, long d = 0) {
  const long r = ::syscall(number, a, b, c, d);
  return r < 0 ? -errno : r;
}

DROVER_CHILD_CODE int child_fail(ChildPlan& plan, Stage stage, long error) {
  plan.error = static_cast<int>(-error);
  plan.stage = stage;
  ::syscall(SYS_exit, 127);
  return 127;
}

DROVER_CHILD_CODE int child_main(void* arg) {
  ChildPlan& plan = *static_cast<ChildPlan*>(arg);
  long r = raw(SYS_close_range, plan.keep_below, ~0U, CLOSE_RANGE_UNSHARE);
  if (r < 0) return child_fail(plan, Stage::unshare, r);
  if ((r = raw(SYS_setpgid, 0, 0)) < 0) return child_fail(plan, Stage::group, r);
  if ((r = raw(SYS_dup2, plan.in_fd, 0)) < 0 || (r = raw(SYS_dup2, plan.out_fd, 1)) < 0 ||
      (r = raw(SYS_dup2, plan.err_fd, 2)) < 0 || (r = raw(SYS_close_range, 3, ~0U, 0)) < 0)
    return child_fail(plan, Stage::fds, r);
  if (plan.cwd != nullptr && (r = raw(SYS_chdir, reinterpret_cast<long>(plan.cwd))) < 0)
    return child_fail(plan, Stage::cwd, r);
  if (plan.cpus != nullptr && (r = raw(SYS_sched_setaffinity, 0, static_cast<long>(plan.cpus_bytes),
                                       reinterpret_cast<long>(plan.cpus))) < 0)
    return child_fail(plan, Stage::pin, r);
  // Every disposition back to the default (exec keeps SIG_IGN, and a handler
  // of the rank must never run here), then the mask emptied.
  KernelSigaction dfl{};
  dfl.handler = SIG_DFL;
  for (long sig = 1; sig <= 64; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP)
      raw(SYS_rt_sigaction, sig, reinterpret_cast<long>(&dfl), 0, sizeof(unsigned long));
  const unsigned long empty = 0;
  raw(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&empty), 0, sizeof empty);
  // execvp's rules over the candidates: a miss goes on to the next, EACCES
  // is remembered, anything else ends the search.
  long error = -ENOENT;
  bool denied = false;
  for (const char* const* path = plan.paths; *path != nullptr; ++path) {
    error = raw(SYS_execve, reinterpret_cast<long>(*path), reinterpret_cast<long>(plan.argv),
                reinterpret_cast<long>(plan.envp));
    if (error == -EACCES) {
      denied = true;
    } else if (error != -ENOENT && error != -ENOTDIR && error != -ESTALE && error != -ENODEV &&
               error != -ETIMEDOUT) {
      break;
    }
  }
  if (denied && (error == -ENOENT || error == -ENOTDIR)) error = -EACCES;
  return child_fail(plan, Stage::exec, error);
}

// A fd numbered at least 3 on /dev/null: 0-2 may be what the rank itself has open.
int reserve_slot(int devnull) {
  const int fd = ::fcntl(devnull, F_DUPFD_CLOEXEC, 3);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "reserving a spawn fd");
  return fd;
}

constexpr std::size_t kStackBytes = 256 * 1024;  // virtual; the child touches a few pages

using CloneFn = int (*)(int (*)(void*), void*, int, void*, ...);

// ThreadSanitizer intercepts clone() and treats every clone as a fork: in the
// child it re-initialises its own state, which here is the rank's (shared
// memory), and later reports races between accesses under one mutex. Under
// TSan the child is therefore started by glibc's own clone, looked up in libc
// itself; elsewhere nothing intercepts it.
CloneFn libc_clone() {
#if defined(__SANITIZE_THREAD__)
  static const CloneFn fn = [] {
    void* libc = ::dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    void* sym = libc != nullptr ? ::dlsym(libc, "clone") : nullptr;
    return sym != nullptr ? reinterpret_cast<CloneFn>(sym) : &::clone;
  }();
  return fn;
#else
  return &::clone;
#endif
}

}  // namespace

TaskSpawner::TaskSpawner(bool fast) : fast_(fast) {
  if (!fast_) return;
  const int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0) throw std::system_error(errno, std::generic_category(), "opening /dev/null");
  in_slot_ = reserve_slot(devnull);
  out_slot_ = reserve_slot(devnull);
  err_slot_ = reserve_slot(devnull);
  ::close(devnull);
  void* stack = ::mmap(nullptr, kStackBytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "child stack");
  ::mprotect(stack, 4096, PROT_NONE);  // a guard page: an overflow faults, not corrupts
  stack_ = stack;
  stack_bytes_ = kStackBytes;
  const char* path = std::getenv("PATH");  // posix_spawnp's default when unset
  std::string_view rest = path != nullptr ? path : "/bin:/usr/bin";
  for (;;) {
    const std::size_t colon = rest.find(':');
    path_dirs_.emplace_back(rest.substr(0, colon));
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
}

TaskSpawner::~TaskSpawner() {
  for (int fd : {in_slot_, out_slot_, err_slot_})
    if (fd >= 0) ::close(fd);
  if (stack_ != nullptr) ::munmap(stack_, stack_bytes_);
}

pid_t TaskSpawner::spawn(const ProcessSpec& spec, char* const* envp, int out_fd, int err_fd,
                         std::string& error) {
  if (fast_) {
    const pid_t pid = spawn_cloned(spec, envp, out_fd, err_fd, error);
    if (pid >= 0) return pid;
    fast_ = false;  // this kernel cannot unshare: posix_spawn from now on
  }
  return posix_spawn_task(spec, envp, out_fd, err_fd, error);
}

// The candidates execve tries: the path itself when it has a '/', else each
// directory of drover's PATH (an empty entry is the task's cwd), as posix_spawnp.
void TaskSpawner::exec_paths(const std::vector<char*>& argv) {
  const std::string_view name = argv[0];
  path_text_.clear();
  paths_.clear();
  if (name.find('/') != std::string_view::npos) {
    paths_ = {argv[0], nullptr};
    return;
  }
  std::vector<std::size_t> starts;
  for (const std::string& dir : path_dirs_) {
    starts.push_back(path_text_.size());
    if (!dir.empty()) path_text_.append(dir).append("/");
    path_text_.append(name).push_back('\0');
  }
  for (std::size_t start : starts) paths_.push_back(path_text_.data() + start);
  paths_.push_back(nullptr);
}

pid_t TaskSpawner::spawn_cloned(const ProcessSpec& spec, char* const* envp, int out_fd, int err_fd,
                                std::string& error) {
  std::vector<char*> argv = exec_argv(spec);
  exec_paths(argv);
  // Only for a pinned task: a CpuMask sizes itself with sysconf, which reads /sys.
  std::optional<CpuMask> mask;
  if (!spec.cpus.empty()) mask.emplace();
  for (int cpu : spec.cpus) {
    if (!mask->add(cpu)) {
      error = std::string("cannot pin to cpu ").append(std::to_string(cpu)).append(": no such cpu");
      return 0;
    }
  }
  ChildPlan plan;
  plan.keep_below = static_cast<unsigned>(std::max({in_slot_, out_slot_, err_slot_}) + 1);
  plan.in_fd = in_slot_;
  plan.out_fd = out_slot_;
  plan.err_fd = err_slot_;
  plan.cwd = spec.cwd.empty() ? nullptr : spec.cwd.c_str();
  if (mask) {
    plan.cpus = mask->set();
    plan.cpus_bytes = mask->bytes();
  }
  plan.paths = paths_.data();
  plan.argv = argv.data();
  plan.envp = envp;

  sigset_t all, saved;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &saved);
  pid_t pid = -1;
  int clone_errno = 0;
  if (::dup3(out_fd, out_slot_, O_CLOEXEC) < 0 || ::dup3(err_fd, err_slot_, O_CLOEXEC) < 0) {
    clone_errno = errno;
  } else {
    char* top = static_cast<char*>(stack_) + stack_bytes_;
    pid = libc_clone()(child_main, top, CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, &plan);
    if (pid < 0) clone_errno = errno;
  }
  // Back to /dev/null: a slot holding a pipe's write end would keep that task's output open.
  ::dup3(in_slot_, out_slot_, O_CLOEXEC);
  ::dup3(in_slot_, err_slot_, O_CLOEXEC);
  pthread_sigmask(SIG_SETMASK, &saved, nullptr);

  if (pid < 0) {
    error = std::string("cannot spawn: ").append(std::strerror(clone_errno));
    return 0;
  }
  if (plan.stage == Stage::none) return pid;
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  switch (plan.stage) {
    case Stage::none:
      return pid;
    case Stage::unshare:
      if (plan.error == EINVAL || plan.error == ENOSYS) return -1;
      error = std::string("cannot spawn (close_range): ").append(std::strerror(plan.error));
      return 0;
    case Stage::group:
      error = std::string("cannot spawn (setpgid): ").append(std::strerror(plan.error));
      return 0;
    case Stage::fds:
      error = std::string("cannot spawn (its fds): ").append(std::strerror(plan.error));
      return 0;
    case Stage::pin:
      error = std::string("cannot pin to cpus ")
                  .append(cpu_list_text(spec.cpus))
                  .append(": ")
                  .append(std::strerror(plan.error));
      return 0;
    case Stage::cwd:
    case Stage::exec:
      error = spawn_error(plan.error, spec);
      return 0;
  }
  return 0;
}

}  // namespace drover
