// posix_spawn of one task (the fallback path): its process group, signals, fds, cwd, pinning, and why it failed.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "execution/process_internal.hpp"

namespace drover {
namespace {

// The attributes are the same for every task: built once per thread.
struct SpawnAttr {
  SpawnAttr() {
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigset_t all;
    sigemptyset(&none);
    // Every bit, not sigfillset: that leaves out glibc's internal signals (32
    // and 33), which the spawned child then sets to SIG_IGN, and exec keeps
    // SIG_IGN, so every task would start with them ignored. The child has all
    // signals blocked until just before its exec, and glibc sends those two
    // only to its own threads, which the child is not: SIG_DFL is safe there.
    std::memset(&all, 0xff, sizeof all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                        POSIX_SPAWN_SETSIGDEF);
  }
  ~SpawnAttr() { posix_spawnattr_destroy(&attr); }
  posix_spawnattr_t attr;
};

std::string errno_text(int error) {
  return std::strerror(error);
}

}  // namespace

// posix_spawn returns one errno for the chdir and the exec alike: look at the
// cwd again to say which failed (only on this failure path, so it costs
// nothing otherwise).
std::string spawn_error(int error, const ProcessSpec& spec) {
  if (!spec.cwd.empty()) {
    struct stat st;
    if (::stat(spec.cwd.c_str(), &st) != 0)
      return std::string("bad cwd ").append(spec.cwd).append(": ").append(errno_text(errno));
    if (!S_ISDIR(st.st_mode)) return std::string("bad cwd ").append(spec.cwd).append(": not a directory");
    if (::access(spec.cwd.c_str(), X_OK) != 0)
      return std::string("bad cwd ").append(spec.cwd).append(": ").append(errno_text(errno));
  }
  std::string text = spec.argv.empty() ? std::string("/bin/sh") : spec.argv[0];
  switch (error) {
    case ENOENT:
      return text.append(": not found");
    case EACCES:
      return text.append(": not executable (permission denied)");
    case ENOEXEC:
      return text.append(": not an executable (exec format error)");
    default:
      return text.append(": ").append(errno_text(error));
  }
}

namespace {

// Sets the calling thread's mask to `cpus` for the spawn and back afterwards:
// the child inherits the mask at the spawn itself, so its first instruction
// already runs there. The saved mask is read each time, so a binding applied
// to the lane thread later is restored as it is.
class PinnedSpawn {
 public:
  explicit PinnedSpawn(const std::vector<int>& cpus, std::string& error) {
    CpuMask wanted;
    for (int cpu : cpus) {
      if (!wanted.add(cpu)) {
        error = std::string("cannot pin to cpu ").append(std::to_string(cpu)).append(": no such cpu");
        return;
      }
    }
    if (::sched_getaffinity(0, saved_.bytes(), saved_.set()) != 0 ||
        ::sched_setaffinity(0, wanted.bytes(), wanted.set()) != 0) {
      error = std::string("cannot pin to cpus ").append(cpu_list_text(cpus)).append(": ")
                  .append(errno_text(errno));
      return;
    }
    pinned_ = true;
  }
  ~PinnedSpawn() {
    if (pinned_) ::sched_setaffinity(0, saved_.bytes(), saved_.set());
  }
  PinnedSpawn(const PinnedSpawn&) = delete;
  PinnedSpawn& operator=(const PinnedSpawn&) = delete;

 private:
  CpuMask saved_;
  bool pinned_ = false;
};

}  // namespace

CpuMask::CpuMask() {
  const long conf = ::sysconf(_SC_NPROCESSORS_CONF);
  const std::size_t cpus = std::max<std::size_t>(CPU_SETSIZE, conf > 0 ? static_cast<std::size_t>(conf) : 0);
  words_.assign((cpus + 8 * sizeof(unsigned long) - 1) / (8 * sizeof(unsigned long)), 0);
}

bool CpuMask::add(int cpu) {
  if (cpu < 0 || static_cast<std::size_t>(cpu) >= bytes() * 8) return false;
  CPU_SET_S(static_cast<std::size_t>(cpu), bytes(), set());
  return true;
}

std::vector<char*> exec_argv(const ProcessSpec& spec) {
  static char sh_path[] = "/bin/sh";
  static char sh_c[] = "-c";
  std::vector<char*> argv;
  if (spec.argv.empty()) {
    argv = {sh_path, sh_c, const_cast<char*>(spec.shell_command.c_str()), nullptr};
  } else {
    argv.reserve(spec.argv.size() + 1);
    for (const std::string& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
  }
  return argv;
}

std::vector<int> allowed_cpus() {
  CpuMask mask;
  std::vector<int> cpus;
  if (::sched_getaffinity(0, mask.bytes(), mask.set()) != 0) return cpus;
  for (std::size_t cpu = 0; cpu < mask.bytes() * 8; ++cpu)
    if (CPU_ISSET_S(cpu, mask.bytes(), mask.set())) cpus.push_back(static_cast<int>(cpu));
  return cpus;
}

pid_t posix_spawn_task(const ProcessSpec& spec, char* const* envp, int out_fd, int err_fd,
                       std::string& error) {
  thread_local SpawnAttr attr;
  std::vector<char*> argv = exec_argv(spec);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // stdin is /dev/null: a task must not eat the rank's stdin (`:::: -` reads it).
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  // Last, after the dup2s: every other fd goes, O_CLOEXEC or not (close_range).
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, spec.cwd.c_str());

  pid_t pid = 0;
  int result = 0;
  {
    std::optional<PinnedSpawn> pin;
    if (!spec.cpus.empty()) pin.emplace(spec.cpus, error);
    if (error.empty()) {
      const char* path = argv[0];
      // Only a bare name is looked up in PATH (posix_spawnp reads drover's PATH).
      result = std::strchr(path, '/') != nullptr
                   ? posix_spawn(&pid, path, &actions, &attr.attr, argv.data(), envp)
                   : posix_spawnp(&pid, path, &actions, &attr.attr, argv.data(), envp);
    }
  }
  posix_spawn_file_actions_destroy(&actions);
  if (!error.empty()) return 0;
  if (result != 0) {
    error = spawn_error(result, spec);
    return 0;
  }
  return pid;
}

}  // namespace drover
