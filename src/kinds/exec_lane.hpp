// The exec kind's state on one rank's async lane: its slots, its queue and the processes it runs.
#pragma once

#include <drover/kind.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "execution/process.hpp"
#include "kinds/exec_codec.hpp"

namespace drover {

// One per rank, made by the first exec batch (IoBatch::lane_state) and kept
// for the run: every call is on the lane thread. Tasks queue in arrival order
// and start while their cores fit in the free slots, so a task of 4 cores
// waits for 4 free slots and the tasks behind it wait too (no overtaking: a
// wide task is never starved by narrow ones).
class ExecLane {
 public:
  ExecLane(IoBatch& first, ExecSettings settings);
  ExecLane(const ExecLane&) = delete;
  ExecLane& operator=(const ExecLane&) = delete;

  // Queues every task of `batch` and starts what fits.
  void add(IoBatch& batch);
  // The clean stop's end: nothing more starts, running commands get SIGTERM
  // and after the kill grace SIGKILL; `done` once every one has exited.
  void abandon(std::function<void()> done);
  // The run is stopping: queued commands, and any that arrive later, are
  // handed back not started; running ones go on.
  void drain();

  std::uint32_t slots() const { return slots_; }

 private:
  struct Queued {
    IoBatch* batch;
    std::size_t index;
    ExecInput input;
  };
  struct Running {
    IoBatch* batch;
    std::size_t index;
    std::vector<std::uint32_t> slots;  // 0-based, ascending; the first is its DROVER_SLOT - 1
  };

  void pump();
  void start(Queued&& task);
  void finished(const Running& task, const ProcessResult& result);
  // Takes `cores` free slots: the lowest contiguous run where there is one.
  std::vector<std::uint32_t> take_slots(std::uint32_t cores);
  void write_lines(const OutputLines& lines);

  ExecSettings settings_;
  std::uint32_t slots_ = 1;
  std::uint32_t free_ = 1;
  std::vector<bool> busy_;  // by slot
  // Pinning: slot s runs on cpus_[s] when the rank has a cpu per slot.
  std::vector<int> cpus_;
  std::deque<Queued> queue_;
  std::string tagged_;             // reused for --tag lines
  std::string last_shard_;         // --task-output: the shard directory made last
  std::function<void()> on_idle_;  // abandon's done, once nothing runs
  std::function<void(bool, std::string_view)> write_;  // IoBatch::line_writer
  bool abandoning_ = false;
  bool draining_ = false;
  ProcessRunner runner_;  // last: destroyed first, while the rest is alive
};

}  // namespace drover
