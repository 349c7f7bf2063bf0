// Rank 0's view of a run: turns finished batches into rows and keeps the summary figures.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/task_source.hpp"
#include "outputs/sinks.hpp"
#include "scheduling/consumer.hpp"

namespace drover {

// Who a rank is, as its Hello said.
struct RankInfo {
  std::string host;
  std::int32_t pid = 0;
  std::uint32_t threads = 0;
};

struct KindTotals {
  std::uint64_t tasks = 0;
  std::uint64_t failed = 0;
  std::uint64_t value_sum = 0;  // wrapping sum of values: a cheap check of the results
  std::int64_t busy_us = 0;     // summed span time
};

struct FailedTask {
  std::uint64_t id = 0;
  std::int32_t rank = 0;
  std::string host;  // of the rank, "?" when unknown; a replayed batch's own
  std::string message;
};

// What the rank loop knows about a run beyond its results, for the summary.
struct SummaryNotes {
  // Ranks taken out of the run, with why ("after 3 failures in a row that
  // succeeded elsewhere").
  std::vector<std::pair<int, std::string>> excluded_ranks;
  std::uint64_t unfinished = 0;  // tasks never run because the run stopped early
  std::string stop_reason;       // empty when the run went to the end
  bool journal = false;          // the run has a --journal, so what did not run is resumable
  bool library = false;          // a library run: no CLI flags to suggest
  // Ordered runs: how often and how long new work was held back because the
  // finished results waiting for an earlier task reached the bound
  // (--order-buffer), the most that waited, and what still waits at the end
  // (a stopped run: behind a task that did not run).
  std::uint64_t order_holds = 0;
  double order_held_seconds = 0;
  std::uint64_t order_buffer_mib = 0;
  std::uint64_t order_peak_waiting = 0;
  std::uint64_t order_peak_bytes = 0;
  std::uint64_t order_waiting = 0;
  std::uint64_t order_behind = 0;
  // The end of the run: Revokes rank 0 sent for idle threads, and the queued
  // tasks they took back and ran elsewhere.
  std::uint64_t revokes = 0;
  std::uint64_t taken_back = 0;
};

class RunReport final : public ResultConsumer {
 public:
  // `sink` may be null (summary only). `generator` expands range batches.
  RunReport(std::vector<RankInfo> ranks, Generator generator, ResultSink* sink);

  void consume(const TaskBatch& tasks, const ResultBatch& results) override;
  // A batch from the journal (--resume, journal export): rows name the host
  // and pid the batch records; counted in the totals and in replayed(), not
  // in tasks_per_rank() (which is this run's work).
  void consume_replayed(const JournalBatch& batch) override;

  std::uint64_t tasks() const { return tasks_; }
  std::uint64_t failed() const { return failed_; }
  // By KindId.
  const std::vector<KindTotals>& per_kind() const { return per_kind_; }
  const std::vector<std::uint64_t>& tasks_per_rank() const { return tasks_per_rank_; }
  std::uint64_t replayed() const { return replayed_; }    // tasks that came from the journal
  std::uint64_t retried() const { return retried_; }      // tasks that ran more than once
  std::uint64_t recovered() const { return recovered_; }  // retried tasks that ended ok
  // The first few failures, for the summary (all are counted).
  const std::vector<FailedTask>& first_failures() const { return first_failures_; }
  // Per rank, the microseconds its threads spent running this run's CPU tasks
  // (the summed spans of its pool and comm threads; replayed batches are not
  // this run's work). Downloads are left out: they wait on the async lane many
  // at a time and hold no thread, so 1,000 downloads of 1 s would read as
  // 1,000 busy seconds. Utilisation is this over (threads x wall).
  const std::vector<std::int64_t>& busy_us_per_rank() const { return busy_us_per_rank_; }
  // A rank's process CPU time over the run (its StopAck; rank 0's own): the
  // summary's utilisation is CPU time / (threads x wall) once every rank's is in.
  void set_cpu_seconds(std::size_t rank, double seconds);

  // The closing summary: tasks, failures, wall time, tasks/s, per-kind totals,
  // tasks per rank, resumed and retried tasks, `notes`, and the first failures.
  void print_summary(std::FILE* out, double wall_seconds,
                     const SummaryNotes& notes = SummaryNotes{}) const;
  // The same figures as one JSON object on one line (for drover compare and
  // scripts): tasks, failed, wall_seconds, tasks_per_second, replayed, retried,
  // recovered, per_kind {name: {tasks, failed, value_sum, busy_s}}, ranks
  // [{rank, host, threads, tasks, busy_s, utilisation}], imbalance,
  // excluded_ranks [{rank, host, reason}], stop_reason, unfinished. Figures
  // that cannot be computed (utilisation without wall time, imbalance without
  // CPU work) are null. Throws std::runtime_error when the write fails.
  void write_summary_json(std::FILE* out, double wall_seconds,
                          const SummaryNotes& notes = SummaryNotes{}) const;

 private:
  void add(const TaskBatch& batch, const ResultBatch& results, std::string_view host,
           std::int32_t pid);
  void count_attempts(const ResultBatch& results);
  void add_busy(const TaskBatch& batch, const ResultBatch& results);
  void print_utilisation(std::FILE* out, double wall_seconds) const;
  std::uint32_t threads_of(std::size_t rank) const;
  void write_rows(const TaskBatch& batch, const ResultBatch& results, std::string_view host,
                  std::int32_t pid);
  std::string_view host_of(std::int32_t rank) const;

  std::vector<RankInfo> ranks_;
  Generator generator_;
  ResultSink* sink_;
  std::uint64_t tasks_ = 0;
  std::uint64_t failed_ = 0;
  std::vector<KindTotals> per_kind_;
  std::vector<std::uint64_t> tasks_per_rank_;
  std::vector<std::int64_t> busy_us_per_rank_;
  std::vector<double> cpu_seconds_per_rank_;  // < 0: not reported
  std::uint64_t replayed_ = 0;
  std::uint64_t retried_ = 0;
  std::uint64_t recovered_ = 0;
  std::vector<FailedTask> first_failures_;
  TaskSpec scratch_;  // reused for rows of range batches
};

}  // namespace drover
