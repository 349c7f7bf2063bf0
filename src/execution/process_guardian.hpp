// The guardian: a process outside the rank that kills the rank's task groups once the rank is gone.
//
// A SIGKILLed rank runs no code, so clean-up must live in another process.
// The guardian is /bin/sh running a six-line script, spawned once per runner
// in its own process group with signals ignored, holding two fds:
//   0: the read end of a pipe whose only write end is the rank's (O_CLOEXEC,
//      never written). The script blocks in `read`; EOF means every copy of
//      the write end is closed: the rank has exited, however it died.
//   3: a memfd shared with the rank, mapped by the rank: a table of 8-byte
//      slots, one per running task, "k" + the pgid in 6 hex digits + "\n", or
//      7 spaces + "\n" when free. On EOF the script reads the table once and
//      sends SIGKILL to every group listed.
// Why not the suggested "+pgid"/"-pgid" lines on the pipe: two writes per task
// and a shell reading them byte by byte (dash's `read`) on a core the tasks
// need. Here a task costs two aligned 8-byte stores and no system call; the
// table's file grows a page at a time (one ftruncate per 512 slots of
// high-water mark). A store is single-copy atomic, so a rank killed mid-update
// leaves a slot old or new, never a torn pgid; the script also kills only
// tokens of the exact form.
// Why not PR_SET_PDEATHSIG: posix_spawn cannot set it, it covers the direct
// child only (not a task's own children), and it fires when the spawning
// *thread* exits. Nor a cgroup: drover does not own one on a shared node.
// pgid reuse: the runner keeps each task's leader an unreaped zombie until it
// has cleared the slot, so a listed pgid is always a live group of ours; only
// after the rank died can a group empty and its number be taken by a new
// group leader before the script runs (milliseconds, and the group was empty).
// Not covered: a process that left its group (setsid, setpgid); a rank
// killed inside posix_spawn, before the slot of its new task was written; and
// EOF comes late if something in the rank fork()s without exec (the child
// holds the write end until it exits; exec closes it: it is O_CLOEXEC).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace drover {

class ProcessGuardian {
 public:
  // Spawns the guardian with room for `max_slots` tasks at once. Throws
  // std::system_error when the pipe, memfd, mapping or spawn fails.
  explicit ProcessGuardian(std::size_t max_slots);
  // Closes the pipe (the table is empty by then if the runner cleaned up, so
  // the guardian kills nothing) and reaps the guardian.
  ~ProcessGuardian();
  ProcessGuardian(const ProcessGuardian&) = delete;
  ProcessGuardian& operator=(const ProcessGuardian&) = delete;

  // Lists a task's group and returns its slot; `kNoSlot` when the table is full
  // (the task then runs unguarded rather than not at all).
  std::uint32_t add(pid_t pgid);
  void remove(std::uint32_t slot);
  pid_t pid() const noexcept { return pid_; }

  static constexpr std::uint32_t kNoSlot = ~std::uint32_t{0};

 private:
  void grow();

  pid_t pid_ = 0;
  int pipe_write_ = -1;
  int table_fd_ = -1;
  std::uint64_t* table_ = nullptr;  // max_slots_ slots mapped, high_water_ backed by the file
  std::size_t max_slots_ = 0;
  std::size_t backed_ = 0;  // slots the file holds
  std::size_t used_ = 0;    // slots ever handed out (the high-water mark)
  std::vector<std::uint32_t> free_;
};

}  // namespace drover
