// The two rank loops, mirrored: lead (rank 0) and work (every other rank).
#pragma once

#include <memory>
#include <vector>

#include "core/executor.hpp"
#include "core/messages.hpp"
#include "core/report.hpp"
#include "core/run_options.hpp"
#include "core/sinks.hpp"
#include "core/workload.hpp"
#include "runtime/job.hpp"
#include "runtime/mpi_transport.hpp"

namespace drover {

struct LoopContext {
  MpiTransport& mpi;
  const RunOptions& options;
  const to_worker::Plan& plan;
  unsigned threads = 1;  // this rank's pool
};

// This rank's executor, as the plan and the thread count say.
inline ExecutorConfig executor_config(const LoopContext& ctx) {
  ExecutorConfig config;
  config.rank = ctx.mpi.rank();
  config.threads = ctx.threads;
  config.generator = ctx.plan.generator;
  config.announce = ctx.plan.announce;
  return config;
}

// Rank 0: schedules `source` over every rank (itself included), writes rows
// to `sink` (may be null), prints the summary, and sends Stop to all.
JobOutcome lead(const LoopContext& ctx, TaskSource& source, const std::vector<RankInfo>& ranks,
                ResultSink* sink, const JobHooks& hooks);

// Other ranks: run every batch that arrives and send the results back, until Stop.
void work(const LoopContext& ctx);

}  // namespace drover
