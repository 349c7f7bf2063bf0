// Rank 0's loop: feed the scheduler with results from MPI and from its own executor.
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include "core/errors.hpp"
#include "core/executor.hpp"
#include "core/resume.hpp"
#include "core/scheduler.hpp"
#include "runtime/backoff.hpp"
#include "runtime/loops.hpp"

namespace drover {
namespace {

// Rank 0 works too: batches for rank 0 go straight to its own executor.
class LeaderTransport final : public Transport {
 public:
  LeaderTransport(MpiTransport& mpi, LocalExecutor& local) : mpi_(mpi), local_(local) {}
  void send_work(int rank, const TaskBatch& batch) override {
    if (rank == 0) {
      local_.submit(batch);
    } else {
      mpi_.send(rank, Tag::work, batch);
    }
  }
  void send_stop(int rank) override {
    if (rank != 0) mpi_.send_empty(rank, Tag::stop);
  }

 private:
  MpiTransport& mpi_;
  LocalExecutor& local_;
};

// Every final batch into the journal, with the provenance of its rank.
class JournalRecorder final : public ResultConsumer {
 public:
  JournalRecorder(JournalWriter& writer, const std::vector<RankInfo>& ranks)
      : writer_(writer), ranks_(ranks) {}
  void consume(const TaskBatch& tasks, const ResultBatch& results) override {
    const bool known = results.rank >= 0 && static_cast<std::size_t>(results.rank) < ranks_.size();
    writer_.add(JournalBatch{tasks, results, known ? ranks_[results.rank].host : "?",
                             known ? ranks_[results.rank].pid : 0});
  }

 private:
  JournalWriter& writer_;
  const std::vector<RankInfo>& ranks_;
};

// The report first, then an optional observer (tests).
class Tee final : public ResultConsumer {
 public:
  Tee(ResultConsumer& first, ResultConsumer* second) : first_(first), second_(second) {}
  void consume(const TaskBatch& tasks, const ResultBatch& results) override {
    first_.consume(tasks, results);
    if (second_ != nullptr) second_->consume(tasks, results);
  }
  void consume_replayed(const JournalBatch& batch) override {
    first_.consume_replayed(batch);
    if (second_ != nullptr) second_->consume_replayed(batch);
  }

 private:
  ResultConsumer& first_;
  ResultConsumer* second_;
};

}  // namespace

JobOutcome lead(const LoopContext& ctx, LeaderInputs& inputs, const std::vector<RankInfo>& ranks,
                const JobHooks& hooks) {
  RunReport report(ranks, ctx.plan.generator, inputs.sink.get());
  Tee consumer(report, hooks.observer);

  // --resume: the journal's tasks are skipped, and its batches are handed
  // back in order (ordered runs) or all at once up front (unordered).
  std::optional<ResumeSource> resumed;
  std::optional<JournalReplay> replay;
  TaskSource* source = inputs.source.get();
  if (!inputs.done.empty()) {
    resumed.emplace(*source, inputs.done);
    source = &*resumed;
    replay.emplace(inputs.journal_path, inputs.done);
    if (!ctx.options.ordered) replay->replay_all(consumer);
  }
  std::optional<JournalRecorder> recorder;
  if (inputs.journal) recorder.emplace(*inputs.journal, ranks);

  CompletionQueue<ResultBatch> done;
  LocalExecutor local(executor_config(ctx), done);
  LeaderTransport transport(ctx.mpi, local);

  SchedulerConfig config;
  for (int r = 0; r < static_cast<int>(ranks.size()); ++r) {
    config.workers.push_back(WorkerSlot{r, std::max(1u, ranks[r].threads)});
  }
  config.fixed_batch = ctx.options.batch;
  config.ordered = ctx.options.ordered;
  config.io_window = ctx.options.io_window;
  config.retries = ctx.options.retries;
  config.exclude_after = ctx.options.exclude_after;
  Scheduler scheduler(config, *source, transport, consumer, recorder ? &*recorder : nullptr,
                      replay && ctx.options.ordered ? &*replay : nullptr);

  const auto started = std::chrono::steady_clock::now();
  scheduler.start();
  IdleBackoff backoff;
  ResultBatch incoming;
  std::vector<ResultBatch> local_results;
  while (!scheduler.finished()) {
    bool progress = false;
    while (const auto message = ctx.mpi.poll()) {
      progress = true;
      if (message->tag != Tag::results) {
        throw std::runtime_error("protocol: rank " + std::to_string(message->source) +
                                 " sent tag " + std::to_string(static_cast<int>(message->tag)) +
                                 " during the run");
      }
      decode(message->bytes, incoming);
      scheduler.on_results(std::move(incoming));
    }
    if (done.drain_into(local_results) != 0) {
      progress = true;
      for (ResultBatch& r : local_results) scheduler.on_results(std::move(r));
      local_results.clear();
    }
    if (inputs.journal) inputs.journal->maybe_sync(std::chrono::steady_clock::now());
    if (progress) {
      backoff.reset();
    } else if (const auto wait = backoff.next(); wait.count() == 0) {
      std::this_thread::yield();
    } else {
      done.wait_for(wait);
    }
  }
  ctx.mpi.flush();  // every Stop delivered
  if (inputs.journal) inputs.journal->close();
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (inputs.sink) inputs.sink->close();
  SummaryNotes notes;
  for (const auto& [rank, reason] : scheduler.excluded()) notes.excluded_ranks.emplace_back(rank, reason);
  report.print_summary(hooks.out, wall, notes);
  std::fflush(hooks.out);
  JobOutcome outcome;
  outcome.exit_code = report.failed() == 0 ? kExitOk : kExitTasksFailed;
  outcome.tasks = report.tasks();
  outcome.failed = report.failed();
  outcome.wall_seconds = wall;
  return outcome;
}

}  // namespace drover
