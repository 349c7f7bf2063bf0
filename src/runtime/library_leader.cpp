// Rank 0's comm thread for the library: the scheduler over the callers' live queue, until closed.
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "runtime/backoff.hpp"
#include "runtime/library.hpp"
#include "scheduling/scheduler.hpp"

namespace drover {

// The mirror of work() for a library job: what lead() is for the CLI, with
// callers' submissions for a source and their channels for the output.
void lead_library(const LoopContext& ctx, LiveSource& source, const std::vector<RankInfo>& ranks,
                  const Options& options, CompletionQueue<ResultBatch>& done) {
  auto local = std::make_unique<LocalExecutor>(executor_config(ctx), done);
  LeaderTransport transport(ctx.mpi, *local);
  SchedulerConfig config;
  for (int r = 0; r < static_cast<int>(ranks.size()); ++r) {
    config.workers.push_back(WorkerSlot{r, std::max(1u, ranks[r].threads)});
  }
  config.fixed_batch = options.batch;
  config.ordered = false;  // each call orders its own results (Pool::map)
  config.retries = options.retries;
  config.exclude_after = options.exclude_after;
  Scheduler scheduler(config, source, transport, source);

  scheduler.start();
  IdleBackoff backoff;
  ResultBatch incoming;
  std::vector<ResultBatch> local_results;
  const std::size_t workers = ranks.size() - 1;
  std::size_t acks = 0;
  while (!scheduler.finished() || acks < workers) {
    bool progress = false;
    if (source.take_news()) {
      progress = true;
      scheduler.poke();
    }
    while (const auto message = ctx.mpi.poll()) {
      progress = true;
      switch (message->tag) {
        case Tag::results:
          decode(message->bytes, incoming);
          scheduler.on_results(std::move(incoming));
          break;
        case Tag::stop_ack:
          ++acks;
          break;
        case Tag::stop_request:  // a signal on a worker: the library's caller decides
          break;
        case Tag::hello:
        case Tag::welcome:
        case Tag::work:
        case Tag::stop:
          throw std::runtime_error("protocol: rank " + std::to_string(message->source) +
                                   " sent tag " + std::to_string(static_cast<int>(message->tag)) +
                                   " during the run");
      }
    }
    if (done.drain_into(local_results) != 0) {
      progress = true;
      for (ResultBatch& r : local_results) scheduler.on_results(std::move(r));
      local_results.clear();
    }
    if (progress) {
      backoff.reset();
    } else if (const auto wait = backoff.next(); wait.count() == 0) {
      std::this_thread::yield();
    } else {
      done.wait_for(wait);  // a submission wakes it too (CompletionQueue::notify)
    }
  }
  ctx.mpi.flush();
}

}  // namespace drover
