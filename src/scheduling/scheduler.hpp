// Rank 0's scheduler as a pure state machine: events in, messages out through a Transport.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/task.hpp"
#include "model/task_source.hpp"
#include "protocol/transport.hpp"
#include "scheduling/consumer.hpp"
#include "scheduling/reorder.hpp"
#include "scheduling/resume.hpp"
#include "scheduling/slot_table.hpp"
#include "scheduling/work_budget.hpp"

namespace drover {

struct WorkerSlot {
  int rank = 0;
  unsigned threads = 1;
  // Commands: the rank's slots (0: not a run of commands; its IO window is
  // SchedulerConfig::io_window). Its window is then these slots, so no command
  // waits on one rank while a slot is free on another, plus a few queued
  // behind them, so a slot that frees starts the next command at once instead
  // of after a round trip to rank 0: enough to cover io_cover_seconds at the
  // commands' observed length, 1 while it is unknown, at most 8 per slot.
  std::uint32_t io_slots = 0;
};

struct SchedulerConfig {
  std::vector<WorkerSlot> workers;  // every rank that runs work, rank 0 included
  std::uint32_t fixed_batch = 0;    // --batch N; 0 sizes batches automatically
  bool ordered = true;              // false: results go on as they arrive
  // CPU credits per pool thread: one batch running, five queued. A result and
  // the batch that replaces it cross two comm threads, and a comm thread that
  // shares its core with a busy pool thread can wait a scheduler tick (4 ms
  // here) for the core: measured gaps were up to 5 ms. Five queued batches of
  // ~2 ms cover that. Two per thread ran 1 ms tasks at 75 % efficiency, six at 93 %.
  std::uint32_t batches_per_thread = 6;
  // That many only while batches are short. Queued batches wait behind the
  // running one, and at the end of a run a thread with a queue keeps working
  // while another idles: a worker holds just enough queued work per thread
  // to cover `queue_seconds`, and none once a batch outlasts
  // `no_queue_seconds` (the round trip is then under 0.5 % of it). While a
  // kind's cost is unknown, one batch per thread: the probes come back fast
  // when tasks are cheap, and coarse tasks are not over-committed up front.
  double queue_seconds = 0.010;
  double no_queue_seconds = 1.0;
  std::uint32_t io_window = 100'000;  // IO credits: tasks in flight per rank
  // A result and the command that replaces it cross two comm threads, each of
  // which may wait for a core the commands hold: on 2 cores running `true`,
  // 3 ms and more (with one queued, rank 1 idled 1.1 s of a 2.4 s run).
  double io_cover_seconds = 0.008;
  // Most IO tasks in one batch; 0: no limit. An IO batch returns its credits
  // when its last task ends, so commands, whose lengths differ, go one a batch.
  std::uint32_t io_batch_max = 0;
  double target_batch_seconds = 0.002;  // automatic batches aim at this much work
  // ...or more, so that rank 0 is not the bottleneck: it spends about this
  // long per batch (receive, schedule, send; the --batch 1 granularity bench
  // measures a few microseconds), and batches are made long enough that all
  // threads' results keep it under half busy: 2 ms up to 500 threads, 40 ms
  // at 10,000.
  double leader_seconds_per_batch = 2e-6;
  // Kinds with KindOps::work_of are batched by predicted work (WorkBudget);
  // false: by their learned cost per task alone (the simulator compares both).
  bool use_work_hints = true;
  // Once the source is exhausted, a rank with a thread idle takes back the
  // unstarted tasks of the newest CPU batch queued elsewhere (Revoke) and
  // runs them, unless that batch is predicted shorter than this: taking back
  // costs two messages, and the tasks wait one round trip longer.
  bool steal = true;
  double steal_min_seconds = 0.0002;
  std::uint32_t max_batch = 65'536;
  // The most tasks the workers hold at once: every thread's credits of whole batches.
  std::uint64_t max_tasks_in_flight() const {
    std::uint64_t batches = 0;
    for (const WorkerSlot& w : workers) batches += std::uint64_t{w.threads} * batches_per_thread;
    return batches * (fixed_batch != 0 ? fixed_batch : max_batch);
  }
  std::uint64_t max_buffered_tasks = 1ull << 24;  // ordered runs: back-pressure bound
  // ...and in memory: results held for the order stop dispatch at this many
  // bytes, so that rank 0 stays under 100 MiB however slow its sink.
  std::uint64_t max_buffered_bytes = 32ull << 20;
  // --retries: how many more times a failed task runs, on another rank when
  // there is one. Its final result (success or last failure) is what counts.
  std::uint32_t retries = 0;
  // A rank is given no more work after this many of its failures in a row
  // succeeded on retry elsewhere: evidence of a bad node, not of a bad task.
  // 0 never excludes. The last rank is never excluded.
  std::uint32_t exclude_after = 3;
};

// Events: start(), on_results(). Effects: send_work / send_stop on the
// transport and consume() on the consumer. No clocks, threads or MPI here, so
// every rule is a unit test with a recording transport.
class Scheduler {
 public:
  // `journal`, when given, sees every batch once its results are final (after
  // retries), in the order they became final: what a crash must not lose.
  // `replay`, when given (--resume), puts the journal's batches back in order.
  Scheduler(SchedulerConfig config, TaskSource& source, Transport& transport,
            ResultConsumer& consumer, ResultConsumer* journal = nullptr,
            JournalReplay* replay = nullptr);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Fills every worker's credit; sends Stop at once when there is no work.
  void start();
  // A worker's results came back: pass them on, return its credit, refill.
  // Throws std::logic_error for a seq that is not in flight or a size mismatch.
  void on_results(ResultBatch&& results);
  // A rank's answer to send_revoke: when taken, tasks [kept, size) of batch
  // `seq` are resent elsewhere, and its results will cover [0, kept). A
  // stale seq (the batch is already back) is ignored.
  void on_revoked(std::uint64_t seq, bool taken, std::uint32_t kept);
  // The source has new tasks, or has closed (TaskSource::may_grow): dispatch
  // what fits, and send Stop when everything is done.
  void poke();
  // Every result is in and every rank has been sent Stop.
  bool finished() const { return stopped_; }
  // A clean stop: no new work from now on (queued retries are dropped: they
  // run again on --resume); Stop goes out once the batches in flight are in.
  void stop_dispatch();
  // Barriers settled (KindOps::barrier): each waited for every task before it.
  std::uint64_t barriers_passed() const { return barriers_passed_; }
  // The grace ran out: Stop with abandon to every rank now. Results that
  // still arrive for batches in flight are accepted as usual.
  void abandon();
  bool draining() const { return draining_; }

  std::uint64_t dispatched_tasks() const { return dispatched_tasks_; }
  std::uint64_t dispatched_batches() const { return dispatched_batches_; }
  std::size_t in_flight_batches() const { return in_flight_.size(); }
  // Seconds of work per task the scheduler believes, per kind (nullopt: not seen yet).
  std::optional<double> cost_estimate(KindId kind) const;
  // Ranks given no more work, with why, in the order they were excluded.
  const std::vector<std::pair<int, std::string>>& excluded() const { return excluded_; }
  std::uint64_t retries_sent() const { return retries_sent_; }
  // Ordered runs: finished tasks held back for the order, of which failed,
  // their bytes, and the first task they wait for (what progress shows).
  std::uint64_t waiting_in_order() const { return reorder_.buffered_tasks(); }
  std::uint64_t failed_waiting_in_order() const { return reorder_.buffered_failures(); }
  std::uint64_t bytes_waiting_in_order() const { return reorder_.buffered_bytes(); }
  std::uint64_t next_in_order() const { return reorder_.next_id(); }
  // Dispatch is held because results waiting for the order reached the
  // bound (max_buffered_bytes or max_buffered_tasks) behind next_in_order().
  bool held_for_order() const { return held_for_order_; }
  // Tasks a rank handed back unstarted after stop_dispatch (Transport::send_drain).
  std::uint64_t not_started() const { return not_started_; }
  // Revokes sent, and the tasks they took back and resent.
  std::uint64_t revokes_sent() const { return revokes_sent_; }
  std::uint64_t tasks_taken_back() const { return tasks_taken_back_; }

 private:
  struct WorkerState {
    WorkerSlot slot;
    std::uint32_t cpu_credits = 0;  // in circulation: free in cpu_credits_ or in flight
    std::uint32_t io_tasks = 0;     // IO tasks in flight
    std::uint32_t blamed = 0;       // failures in a row that later succeeded elsewhere
    std::uint32_t cpu_tasks = 0;    // CPU tasks in flight (fewer than threads: a thread is idle)
    std::uint32_t cpu_batches = 0;  // CPU batches in flight
    bool stealing = false;          // a Revoke on its behalf awaits its answer
    bool idle_listed = false;       // in idle_: found nothing to take back yet
    bool excluded = false;
  };
  // One task to run again, away from the rank it last failed on.
  struct Retry {
    Task task;
    std::uint32_t attempt = 2;  // the attempt this run will be
    int failed_on = -1;         // rank of the last failure
    int first_failed_on = -1;   // rank blamed if a retry succeeds elsewhere
  };
  struct InFlight {
    std::size_t worker = 0;
    KindId kind = 0;
    TaskBatch batch;
    std::optional<Retry> retry;  // set for a retried single task
    std::optional<double> work;  // units of work, when the kind says them (WorkBudget)
    std::size_t thief = static_cast<std::size_t>(-1);  // a Revoke was sent for this worker
    bool revoked = false;                              // ...once: never asked twice
  };

  // A worker with room, and for the CPU lane which of its credits is used.
  struct Pick {
    std::size_t worker = 0;
    std::size_t credit = 0;  // position in cpu_credits_
  };

  void dispatch();
  bool dispatch_retry();
  void send(const Pick& pick, InFlight&& flight);
  void finalize(TaskBatch&& tasks, ResultBatch&& results);
  void settle(InFlight& flight, ResultBatch&& results);
  void settle_retry(InFlight& flight, ResultBatch&& results);
  void record_success(std::size_t worker);
  void blame(int rank);
  void exclude(std::size_t worker, std::string reason);
  bool done() const;
  std::optional<Pick> pick_worker(Lane lane, int avoid_rank);
  std::size_t healthy_workers() const;
  std::uint32_t credits_of(const WorkerState& worker) const;
  std::uint32_t io_window_of(const WorkerState& worker) const;
  // Settles the barrier the source holds next, once nothing runs; false while something does.
  bool pass_barrier();
  // `busy`: seconds the batch just back took on its worker's pool.
  std::uint32_t window_of(const WorkerState& worker, double busy) const;
  void return_credit(std::size_t worker, double busy);
  std::size_t batch_size(KindId kind, Lane lane, const WorkerState& worker) const;
  std::size_t cpu_batch_size(KindId kind) const;
  std::size_t io_batch_size() const;
  std::uint64_t guided_share(std::uint64_t parts) const;
  void learn_cost(KindId kind, double busy, std::size_t tasks);
  void stop_all(bool abandon);
  // Work stealing (scheduler_steal.cpp): for a worker with an idle thread
  // once the source is exhausted, a Revoke for the newest batch worth it.
  void steal_for(std::size_t thief);
  bool worth_revoking(const InFlight& flight) const;
  bool dispatch_taken_back();
  void retry_idle();

  SchedulerConfig config_;
  TaskSource& source_;
  Transport& transport_;
  ResultConsumer& consumer_;
  ReorderBuffer reorder_;
  std::vector<WorkerState> workers_;
  std::vector<std::size_t> worker_of_rank_;
  unsigned total_threads_ = 0;
  double batch_seconds_ = 0;  // what an automatic batch aims at (see leader_seconds_per_batch)
  // One entry per free CPU credit, naming its worker: taking the front is
  // O(1) at any rank count, and a returned credit queues behind the others,
  // so consecutive batches land on different ranks.
  std::deque<std::size_t> cpu_credits_;
  std::size_t next_worker_ = 0;  // IO round-robin cursor, so downloads spread over ranks
  std::uint64_t dispatched_batches_ = 0;
  std::uint64_t dispatched_tasks_ = 0;
  SlotTable<InFlight> in_flight_;
  std::vector<double> cost_;  // seconds per task by KindId; < 0: unknown
  double command_seconds_ = -1;  // a command's length on ranks with io_slots; < 0: unknown
  ResultConsumer* journal_ = nullptr;
  WorkBudget work_;  // sizes batches of kinds with KindOps::work_of
  std::deque<Retry> retries_;
  // CPU batches by send order, newest last (seqs; stale ones dropped as met):
  // where steal_for looks for a batch still queued.
  std::deque<std::uint64_t> recent_cpu_;
  std::size_t recent_cap_ = 0;
  // Tails taken back that found no free credit at once: sent before anything new.
  std::deque<InFlight> taken_back_;
  std::vector<std::size_t> idle_;  // workers with an idle thread that found nothing to take
  std::uint64_t revokes_sent_ = 0;
  std::uint64_t tasks_taken_back_ = 0;
  std::uint64_t retries_sent_ = 0;
  std::uint64_t not_started_ = 0;
  bool held_for_order_ = false;
  std::uint64_t barriers_passed_ = 0;
  std::vector<std::pair<int, std::string>> excluded_;
  bool exhausted_ = false;
  bool source_dry_ = false;  // the source had no task ready at the last look (may grow later)
  bool draining_ = false;  // stop_dispatch() was called
  bool stopped_ = false;
};

}  // namespace drover
