// Rank 0's comm thread for the library: the scheduler over the callers' live queue, until closed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "outputs/progress.hpp"
#include "outputs/trace.hpp"
#include "runtime/backoff.hpp"
#include "runtime/clean_stop.hpp"
#include "runtime/library.hpp"
#include "scheduling/scheduler.hpp"

namespace drover {
namespace {

using Clock = std::chrono::steady_clock;

// The outputs Options asked for; the report only when a summary or progress needs its counts.
struct LibraryOutputs {
  std::optional<RunReport> report;
  std::optional<TraceWriter> trace;
  std::optional<ProgressMeter> meter;
  ConsumerFanout fanout;

  LibraryOutputs(const Options& o, const std::vector<RankInfo>& ranks, LiveSource& source) {
    const bool counts = o.summary || !o.summary_json.empty() || o.progress_every.count() > 0;
    if (counts) report.emplace(ranks, Generator{}, nullptr);
    if (!o.trace.empty()) trace.emplace(o.trace, ranks, Generator{});
    if (o.progress_every.count() > 0) {
      meter.emplace(stderr, ProgressMeter::Mode::lines, o.progress_every, std::nullopt);
    }
    fanout.add(report ? &*report : nullptr);
    fanout.add(trace ? &*trace : nullptr);
    fanout.add(&source);  // last: it takes the outputs
  }

  void finish(const Options& o, double wall, const SummaryNotes& notes) {
    if (meter) meter->finish(Clock::now());
    if (trace) trace->close();
    if (!report) return;
    if (o.summary) {
      report->print_summary(stderr, wall, notes);
      std::fflush(stderr);
    }
    if (!o.summary_json.empty()) {
      std::FILE* f = std::fopen(o.summary_json.c_str(), "w");
      if (f == nullptr) throw std::runtime_error(o.summary_json + ": cannot write the summary");
      report->write_summary_json(f, wall, notes);
      if (std::fclose(f) != 0) throw std::runtime_error(o.summary_json + ": cannot write the summary");
    }
  }
};

}  // namespace

SchedulerConfig library_scheduler_config(const std::vector<RankInfo>& ranks, const Options& options) {
  SchedulerConfig config;
  for (int r = 0; r < static_cast<int>(ranks.size()); ++r) {
    config.workers.push_back(WorkerSlot{r, std::max(1u, ranks[r].threads)});
  }
  config.fixed_batch = options.batch;
  config.ordered = false;  // each call orders its own results (Pool::map)
  config.retries = options.retries;
  config.exclude_after = options.exclude_after;
  config.steal = options.take_back;
  return config;
}

// The mirror of work() for a library job: what lead() is for the CLI, with
// callers' submissions for a source and their channels for the output.
LibraryOutcome lead_library(const LoopContext& ctx, LiveSource& source,
                            const std::vector<RankInfo>& ranks, const Options& options,
                            LibraryLimits& limits, CompletionQueue<ResultBatch>& done) {
  auto local = std::make_unique<LocalExecutor>(executor_config(ctx), done);
  LeaderTransport transport(ctx.mpi, *local);
  const SchedulerConfig config = library_scheduler_config(ranks, options);
  LibraryOutputs outputs(options, ranks, source);
  std::optional<JournalWriter>& journal = limits.inputs.journal;
  std::optional<JournalRecorder> recorder;
  if (journal) recorder.emplace(*journal, ranks);
  if (!limits.inputs.done.empty()) {
    source.set_replay(limits.inputs.journal_path, limits.inputs.done,
                      outputs.report ? &*outputs.report : nullptr);
  }
  Scheduler scheduler(config, source, transport, outputs.fanout, recorder ? &*recorder : nullptr);

  const auto started = Clock::now();
  CleanStop stop(scheduler, limits.inputs.launch, options.grace, limits.time_left,
                 limits.stop_margin, started);
  LibraryOutcome outcome;

  const double cpu_at_start = process_cpu_seconds();
  scheduler.start();
  IdleBackoff backoff;
  ResultBatch incoming;
  std::vector<ResultBatch> local_results;
  const std::size_t workers = ranks.size() - 1;
  std::size_t acks = 0;
  while (!scheduler.finished() || acks < workers) {
    bool progress = false;
    const auto now = Clock::now();
    stop.tick(now);
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
        case Tag::revoked:
          take_revoked(scheduler, message->bytes);
          break;
        case Tag::output:
          print_output(message->bytes);
          break;
        case Tag::stop_ack: {
          from_worker::StopAck ack;
          decode(message->bytes, ack);
          if (outputs.report) {
            outputs.report->set_cpu_seconds(static_cast<std::size_t>(message->source),
                                            ack.cpu_seconds);
          }
          ++acks;
          break;
        }
        case Tag::stop_request: {  // a signal on a worker: every rank stops with it
          from_worker::StopRequest request;
          decode(message->bytes, request);
          stop.on_request(message->source, request.signal);
          break;
        }
        case Tag::hello:
        case Tag::welcome:
        case Tag::work:
        case Tag::stop:
        case Tag::drain:
        case Tag::revoke:
          throw std::runtime_error("protocol: rank " + std::to_string(message->source) +
                                   " sent tag " + std::to_string(static_cast<int>(message->tag)) +
                                   " during the run");
      }
    }
    transport.deliver_local_revoked(scheduler);  // before rank 0's results: they may be cut
    if (done.drain_into(local_results) != 0) {
      progress = true;
      for (ResultBatch& r : local_results) {
        scheduler.on_results(std::move(r));
        transport.deliver_local_revoked(scheduler);
      }
      local_results.clear();
    }
    if (journal) journal->maybe_sync(now);
    if (outputs.meter) outputs.meter->update(outputs.report->tasks(), outputs.report->failed(), now);
    if (progress) {
      backoff.reset();
    } else if (const auto wait = backoff.next(); wait.count() == 0) {
      std::this_thread::yield();
    } else {
      done.wait_for(wait);  // a submission wakes it too (CompletionQueue::notify)
    }
  }
  ctx.mpi.flush();
  if (journal) journal->close();
  const double wall = std::chrono::duration<double>(Clock::now() - started).count();
  outcome.stop_reason = stop.reason();
  if (!outcome.stop_reason.empty()) outcome.unfinished = source.pending();
  SummaryNotes notes;
  for (const auto& [rank, reason] : scheduler.excluded()) notes.excluded_ranks.emplace_back(rank, reason);
  notes.unfinished = outcome.unfinished;
  notes.stop_reason = outcome.stop_reason;
  notes.library = true;
  notes.revokes = scheduler.revokes_sent();
  notes.taken_back = scheduler.tasks_taken_back();
  notes.journal = journal.has_value();
  if (outputs.report) outputs.report->set_cpu_seconds(0, process_cpu_seconds() - cpu_at_start);
  outputs.finish(options, wall, notes);
  // After the summary: a caller told it stopped may end the process at once.
  if (!outcome.stop_reason.empty()) source.abort(outcome.stop_reason, true);
  if (local->in_flight() > 0) {
    // Abandoned work still runs here: never wait for it (the caller leaks the queue too).
    (void)local->abandon(kAbandonLimit);  // commands get SIGTERM, then SIGKILL
    (void)local.release();
    outcome.abandoned = true;
  }
  return outcome;
}

}  // namespace drover
