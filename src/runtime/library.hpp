// The library's runtime internals: rank 0's comm loop over the callers' queue.
#pragma once

#include <drover/runtime.hpp>

#include <vector>

#include "execution/completion_queue.hpp"
#include "library/live_source.hpp"
#include "runtime/loops.hpp"

namespace drover {

// Rank 0's comm thread: runs every task callers submit to `source` over all
// ranks (rank 0's own pool included, through `done`) until the source is
// closed and drained, then sends Stop to every worker and waits for their acks.
void lead_library(const LoopContext& ctx, LiveSource& source, const std::vector<RankInfo>& ranks,
                  const Options& options, CompletionQueue<ResultBatch>& done);

}  // namespace drover
