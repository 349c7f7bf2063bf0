// The library's runtime internals: rank 0's comm loop over the callers' queue.
#pragma once

#include <drover/runtime.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "execution/completion_queue.hpp"
#include "inputs/leader_inputs.hpp"
#include "library/live_source.hpp"
#include "runtime/loops.hpp"
#include "scheduling/scheduler.hpp"

namespace drover {

// What rank 0 resolved at start-up: the time limit the run stops ahead of
// (Options or Slurm) and the journal, opened (and scanned, to resume).
struct LibraryLimits {
  std::optional<std::chrono::seconds> time_left;
  std::chrono::milliseconds stop_margin{0};
  LeaderInputs inputs;  // journal, journal_path, done
};

struct LibraryOutcome {
  std::string stop_reason;      // empty when no stop was asked for
  std::uint64_t unfinished = 0;  // tasks the callers were told had stopped
  bool abandoned = false;        // rank 0's own tasks still run: its queue must outlive them
};

// The scheduler's settings for a library job: one place, for lead_library and
// for the window size callers get before it starts (Service::in_flight).
SchedulerConfig library_scheduler_config(const std::vector<RankInfo>& ranks, const Options& options);

// Rank 0's comm thread: runs every task callers submit to `source` over all
// ranks (rank 0's own pool included, through `done`) until the source is
// closed and drained, or a clean stop ends it; then sends Stop to every worker
// and waits for their acks.
LibraryOutcome lead_library(const LoopContext& ctx, LiveSource& source,
                            const std::vector<RankInfo>& ranks, const Options& options,
                            LibraryLimits& limits, CompletionQueue<ResultBatch>& done);

}  // namespace drover
