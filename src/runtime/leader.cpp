// Rank 0's loop: feed the scheduler with results from MPI and from its own executor.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "execution/executor.hpp"
#include "model/errors.hpp"
#include "outputs/progress.hpp"
#include "outputs/trace.hpp"
#include "runtime/backoff.hpp"
#include "runtime/clean_stop.hpp"
#include "runtime/joblog_recorder.hpp"
#include "runtime/loops.hpp"
#include "runtime/order_watch.hpp"
#include "scheduling/resume.hpp"
#include "scheduling/scheduler.hpp"

namespace drover {
namespace {

// --halt: counts this run's finished tasks as they become final, and halts
// from within that, before the scheduler dispatches the next batch.
class HaltWatch final : public ResultConsumer {
 public:
  HaltWatch(const HaltRule& rule, CleanStop& stop) : rule_(rule), stop_(stop) {}
  void consume(const TaskBatch&, const ResultBatch& results) override {
    finished_ += results.size();
    failed_ += results.failures.size();
    const bool due = rule_.failures != 0
                         ? failed_ >= rule_.failures
                         : finished_ >= 3 && 100.0 * static_cast<double>(failed_) >=
                                                 rule_.percent * static_cast<double>(finished_);
    if (due) {
      stop_.halt("halted: " + std::to_string(failed_) + (failed_ == 1 ? " task" : " tasks") +
                     " failed (--halt " + rule_.text + ")",
                 rule_.now);
    }
  }
  void consume_replayed(const JournalBatch&) override {}  // an earlier run's failures

 private:
  const HaltRule& rule_;
  CleanStop& stop_;
  std::uint64_t finished_ = 0;
  std::uint64_t failed_ = 0;
};

}  // namespace
namespace {

// "-" is stdout, which then holds the JSON alone (the text summary went to stderr).
void write_summary_file(const std::string& path, const RunReport& report, double wall,
                        const SummaryNotes& notes) {
  if (path == "-") {
    report.write_summary_json(stdout, wall, notes);
    return;
  }
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) throw std::runtime_error(path + ": cannot write the summary");
  report.write_summary_json(f, wall, notes);
  if (std::fclose(f) != 0) throw std::runtime_error(path + ": cannot write the summary");
}

ProgressMeter make_progress(const RunOptions& options, const TaskSource& source) {
  using Mode = ProgressMeter::Mode;
  Mode mode = Mode::off;
  std::chrono::milliseconds period{1000};
  if (options.progress_every) {
    mode = Mode::lines;
    period = *options.progress_every;
  } else if (::isatty(::fileno(stderr)) != 0) {
    mode = Mode::live;
  }
  return ProgressMeter(stderr, mode, period, source.total());
}

}  // namespace

JobOutcome lead(const LoopContext& ctx, LeaderInputs& inputs, const std::vector<RankInfo>& ranks,
                const JobHooks& hooks) {
  RunReport report(ranks, ctx.plan.generator, inputs.sink.get());
  std::optional<TraceWriter> trace;
  if (!ctx.options.trace.empty()) trace.emplace(ctx.options.trace, ranks, ctx.plan.generator);
  ConsumerFanout consumer;
  consumer.add(&report);
  consumer.add(trace ? &*trace : nullptr);
  consumer.add(hooks.observer);
  std::optional<JoblogRecorder> joblog;
  if (inputs.joblog) consumer.add(&joblog.emplace(*inputs.joblog, ranks));
  ProgressMeter meter = make_progress(ctx.options, *inputs.source);

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

  // On the heap: an abandoned stop leaves rank 0's own tasks running too.
  auto done = std::make_unique<CompletionQueue<ResultBatch>>();
  // Every task line of the run, rank 0's and the workers', goes out through
  // one printer thread (see LinePrinter). On the heap: abandoned tasks may
  // still print after the run, straight to stdout by then.
  auto printer = std::make_unique<LinePrinter>();
  ExecutorConfig executor = executor_config(ctx);
  executor.relay = &printer->relay();
  auto local = std::make_unique<LocalExecutor>(std::move(executor), *done);
  LeaderTransport transport(ctx.mpi, *local);

  SchedulerConfig config;
  for (int r = 0; r < static_cast<int>(ranks.size()); ++r) {
    const unsigned threads = std::max(1u, ranks[r].threads);
    // Commands, one a batch, in a window of the rank's slots and a few more
    // (see WorkerSlot::io_slots).
    const std::uint32_t slots = ctx.options.exec.slots != 0 ? ctx.options.exec.slots : threads;
    config.workers.push_back(WorkerSlot{r, threads, inputs.commands ? slots : 0});
  }
  if (inputs.commands) config.io_batch_max = 1;
  config.fixed_batch = ctx.options.batch;
  config.ordered = ctx.options.ordered;
  config.max_buffered_bytes = std::uint64_t{ctx.options.order_buffer_mib} << 20;
  config.io_window = ctx.options.io_window;
  config.retries = ctx.options.retries;
  config.exclude_after = ctx.options.exclude_after;
  Scheduler scheduler(config, *source, transport, consumer, recorder ? &*recorder : nullptr,
                      replay && ctx.options.ordered ? &*replay : nullptr);

  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  // A time limit (--time-limit or the Slurm job's) stops dispatch stop_before ahead of it.
  CleanStop stop(scheduler, inputs.launch, ctx.options.grace, inputs.time_left, inputs.stop_margin,
                 started);
  std::optional<HaltWatch> halt;
  if (ctx.options.halt) consumer.add(&halt.emplace(*ctx.options.halt, stop));

  const double cpu_at_start = process_cpu_seconds();
  scheduler.start();
  OrderWatch order;
  IdleBackoff backoff;
  ResultBatch incoming;
  std::vector<ResultBatch> local_results;
  const std::size_t workers = ranks.size() - 1;
  std::size_t acks = 0;  // workers that have seen Stop: nothing more comes from them
  while (!scheduler.finished() || acks < workers) {
    bool progress = false;
    const auto now = Clock::now();
    stop.tick(now);
    while (const auto message = ctx.mpi.poll()) {
      progress = true;
      if (message->tag == Tag::results) {
        decode(message->bytes, incoming);
        scheduler.on_results(std::move(incoming));
      } else if (message->tag == Tag::revoked) {
        take_revoked(scheduler, message->bytes);
      } else if (message->tag == Tag::stop_request) {
        from_worker::StopRequest request;
        decode(message->bytes, request);
        stop.on_request(message->source, request.signal);
      } else if (message->tag == Tag::output) {
        print_output(message->bytes, &printer->relay());
      } else if (message->tag == Tag::stop_ack) {
        from_worker::StopAck ack;
        decode(message->bytes, ack);
        report.set_cpu_seconds(static_cast<std::size_t>(message->source), ack.cpu_seconds);
        ++acks;
      } else {
        throw std::runtime_error("protocol: rank " + std::to_string(message->source) +
                                 " sent tag " + std::to_string(static_cast<int>(message->tag)) +
                                 " during the run");
      }
    }
    transport.deliver_local_revoked(scheduler);  // before rank 0's results: they may be cut
    if (done->drain_into(local_results) != 0) {
      progress = true;
      for (ResultBatch& r : local_results) {
        scheduler.on_results(std::move(r));
        transport.deliver_local_revoked(scheduler);
      }
      local_results.clear();
    }
    if (inputs.journal) inputs.journal->maybe_sync(now);
    const std::uint64_t waiting = scheduler.waiting_in_order();
    meter.update(report.tasks() + waiting, report.failed() + scheduler.failed_waiting_in_order(),
                 now, waiting, scheduler.next_in_order());
    order.observe(scheduler, now);
    if (progress) {
      backoff.reset();
    } else if (const auto wait = backoff.next(); wait.count() == 0) {
      std::this_thread::yield();
    } else {
      done->wait_for(wait);
    }
  }
  ctx.mpi.flush();    // every Stop delivered
  printer->finish();  // every task line out before the summary
  if (inputs.journal) inputs.journal->close();
  const double wall = std::chrono::duration<double>(Clock::now() - started).count();

  meter.finish(Clock::now());
  if (inputs.sink) inputs.sink->close();
  if (trace) trace->close();
  SummaryNotes notes;
  for (const auto& [rank, reason] : scheduler.excluded())
    notes.excluded_ranks.emplace_back(rank, reason);
  const std::uint64_t total = inputs.source->total().value_or(report.tasks());
  notes.unfinished = total - std::min(total, report.tasks());
  notes.stop_reason = stop.reason();
  notes.journal = inputs.journal.has_value();
  order.finish(scheduler, Clock::now(), notes);
  notes.order_buffer_mib = ctx.options.order_buffer_mib;
  notes.revokes = scheduler.revokes_sent();
  notes.taken_back = scheduler.tasks_taken_back();
  report.set_cpu_seconds(0, process_cpu_seconds() - cpu_at_start);
  report.print_summary(hooks.out, wall, notes);
  std::fflush(hooks.out);
  if (!ctx.options.summary_json.empty())
    write_summary_file(ctx.options.summary_json, report, wall, notes);

  JobOutcome outcome;
  outcome.exit_code = report.failed() == 0 ? kExitOk : kExitTasksFailed;
  // A halt is the failures' doing: exit 1, as for any run with failed tasks.
  if (notes.unfinished > 0 && !stop.halted()) outcome.exit_code = kExitStopped;
  if (const std::optional<InputChange> change = inputs.source->input_change()) {
    // After the summary, so that it is the last word: the rows are written,
    // but when bytes already run changed they no longer match the file.
    std::fprintf(stderr, "drover: %s: %s\n", change->content ? "error" : "warning",
                 change->message.c_str());
    if (change->content) outcome.exit_code = kExitUsage;
  }
  outcome.tasks = report.tasks();
  outcome.failed = report.failed();
  outcome.wall_seconds = wall;
  if (local->in_flight() > 0) {
    // Abandoned work is still running here: never wait for it (entry.cpp ends the process).
    (void)local->abandon(kAbandonLimit);  // commands get SIGTERM, then SIGKILL
    (void)local.release();
    (void)done.release();
    (void)printer.release();
    outcome.abandoned = true;
  }
  return outcome;
}

}  // namespace drover
