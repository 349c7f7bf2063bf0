// ProcessGuardian: spawns the guardian shell and keeps the shared table of task groups it kills.
#include "execution/process_guardian.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

namespace drover {
namespace {

// Ignores the signals a terminal, mpirun or Slurm send to the rank's
// surroundings: only EOF on fd 0, the rank's death, ends it. The table is read
// once, with cat (dash reads a byte per system call); only exact tokens for a
// group above 1 are killed, so a damaged table cannot hit this shell's group.
constexpr const char* kScript =
    "trap '' HUP INT QUIT TERM PIPE USR1 USR2 ALRM\n"
    "while read -r _; do :; done\n"
    "for t in $(cat <&3); do\n"
    "  case $t in k[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]) g=$((0x${t#k}))\n"
    "    [ \"$g\" -gt 1 ] && kill -s KILL -- \"-$g\" 2>/dev/null;; esac\n"
    "done\n"
    "exit 0\n";

constexpr std::size_t kSlotBytes = sizeof(std::uint64_t);
constexpr std::size_t kGrowSlots = 4096 / kSlotBytes;  // one page of table per ftruncate

std::uint64_t slot_bits(const char (&text)[kSlotBytes + 1]) {
  std::uint64_t bits;
  std::memcpy(&bits, text, kSlotBytes);
  return bits;
}

const std::uint64_t kFreeSlot = slot_bits("       \n");

[[noreturn]] void fail(const char* what, int error) {
  throw std::system_error(error, std::generic_category(), std::string("process guardian: ") + what);
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// A slot's stores are the only synchronisation: the reader is another process
// that looks only after this one died, so single-copy atomicity is what counts.
void store(std::uint64_t* slot, std::uint64_t bits) {
  __atomic_store_n(slot, bits, __ATOMIC_RELAXED);
}

pid_t spawn_guardian(int pipe_read, int table_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&actions, pipe_read, 0);
  posix_spawn_file_actions_adddup2(&actions, table_fd, 3);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addclosefrom_np(&actions, 4);
  posix_spawn_file_actions_addchdir_np(&actions, "/");
  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);  // its own group: signals to the rank's group miss it
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  char arg0[] = "drover-guardian";
  char arg1[] = "-c";
  char path_var[] = "PATH=/usr/bin:/bin";
  std::string script = kScript;
  char* argv[] = {arg0, arg1, script.data(), nullptr};
  char* envp[] = {path_var, nullptr};
  pid_t pid = 0;
  const int error = posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (error != 0) fail("cannot start /bin/sh", error);
  return pid;
}

}  // namespace

ProcessGuardian::ProcessGuardian(std::size_t max_slots) : max_slots_(max_slots) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) fail("pipe2", errno);
  pipe_write_ = fds[1];
  table_fd_ = ::memfd_create("drover-guardian", MFD_CLOEXEC);
  if (table_fd_ < 0) {
    const int error = errno;
    ::close(fds[0]);
    close_fd(pipe_write_);
    fail("memfd_create", error);
  }
  // The whole table's address range at once, backed by the file only as far
  // as it has grown: no remapping, and untouched slots cost no memory.
  void* map = ::mmap(nullptr, max_slots_ * kSlotBytes + 1, PROT_READ | PROT_WRITE, MAP_SHARED,
                     table_fd_, 0);
  if (map == MAP_FAILED) {
    const int error = errno;
    ::close(fds[0]);
    close_fd(pipe_write_);
    close_fd(table_fd_);
    fail("mmap", error);
  }
  table_ = static_cast<std::uint64_t*>(map);
  try {
    pid_ = spawn_guardian(fds[0], table_fd_);
  } catch (...) {
    ::close(fds[0]);
    ::munmap(table_, max_slots_ * kSlotBytes + 1);
    close_fd(pipe_write_);
    close_fd(table_fd_);
    throw;
  }
  ::close(fds[0]);
}

ProcessGuardian::~ProcessGuardian() {
  close_fd(pipe_write_);  // EOF: the guardian reads the table, kills what is listed, exits
  if (pid_ > 0) {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  ::munmap(table_, max_slots_ * kSlotBytes + 1);
  close_fd(table_fd_);
}

void ProcessGuardian::grow() {
  const std::size_t slots = std::min(backed_ + kGrowSlots, max_slots_);
  if (::ftruncate(table_fd_, static_cast<off_t>(slots * kSlotBytes)) != 0) return;
  for (std::size_t i = backed_; i < slots; ++i) store(table_ + i, kFreeSlot);
  backed_ = slots;
}

std::uint32_t ProcessGuardian::add(pid_t pgid) {
  if (pgid <= 1 || pgid > 0xffffff) return kNoSlot;
  std::uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    if (used_ == backed_) grow();
    if (used_ == backed_) return kNoSlot;
    slot = static_cast<std::uint32_t>(used_++);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  char text[kSlotBytes + 1] = "k000000\n";
  for (int i = 6, v = pgid; i >= 1; --i, v >>= 4) text[i] = kHex[v & 0xf];
  store(table_ + slot, slot_bits(text));
  return slot;
}

void ProcessGuardian::remove(std::uint32_t slot) {
  if (slot == kNoSlot || slot >= used_) return;
  store(table_ + slot, kFreeSlot);
  free_.push_back(slot);
}

}  // namespace drover
