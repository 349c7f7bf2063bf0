// Rank 0's result handling: rows for the sink, running totals, and the closing summary.
#include "report.hpp"

#include <algorithm>
#include <stdexcept>

#include "kinds.hpp"

namespace drover {
namespace {

constexpr std::size_t kFailuresListed = 10;
// Beyond this many ranks the summary gives the spread instead of every rank.
constexpr std::size_t kRanksListed = 16;

std::int64_t span_us(const Span& span) {
  return span.end_us - span.start_us;
}

// All tasks of a range batch share the generator's kind, so the totals come
// from whole vectors: this is the path that has to keep up with 10^8 squares/s.
void add_range_totals(KindTotals& totals, const ResultBatch& results) {
  std::uint64_t sum = 0;
  for (const std::int64_t value : results.values) sum += static_cast<std::uint64_t>(value);
  for (const Failure& failure : results.failures) {
    sum -= static_cast<std::uint64_t>(results.values[failure.index]);
  }
  std::int64_t busy = 0;
  for (const Span& span : results.spans) busy += span_us(span);
  totals.tasks += results.values.size();
  totals.failed += results.failures.size();
  totals.value_sum += sum;
  totals.busy_us += busy;
}

// Explicit batches may mix kinds of one lane; a span shared by tasks of
// several kinds is split evenly between its tasks.
void add_task_totals(std::array<KindTotals, kKindCount>& per_kind, const TaskBatch& batch,
                     const ResultBatch& results) {
  const auto totals_of = [&](std::size_t i) -> KindTotals& {
    return per_kind[static_cast<std::size_t>(batch.tasks[i].spec.kind)];
  };
  for (std::size_t i = 0; i < batch.tasks.size(); ++i) {
    KindTotals& totals = totals_of(i);
    ++totals.tasks;
    totals.value_sum += static_cast<std::uint64_t>(results.values[i]);
  }
  for (const Failure& failure : results.failures) {
    KindTotals& totals = totals_of(failure.index);
    ++totals.failed;
    totals.value_sum -= static_cast<std::uint64_t>(results.values[failure.index]);
  }
  for (const Span& span : results.spans) {
    const std::size_t end =
        std::min<std::size_t>(std::size_t{span.first} + span.count, batch.tasks.size());
    if (span.first >= end) continue;
    const std::int64_t busy = span_us(span);
    const auto share = busy / static_cast<std::int64_t>(span.count);
    totals_of(span.first).busy_us += busy - share * static_cast<std::int64_t>(span.count);
    for (std::size_t i = span.first; i < end; ++i) totals_of(i).busy_us += share;
  }
}

// Messages come from exceptions on other ranks: keep the summary one line each.
std::string one_line(std::string_view text) {
  constexpr std::size_t kMaxMessage = 200;
  std::string out(text.substr(0, kMaxMessage));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (text.size() > kMaxMessage) out += "...";
  return out;
}

}  // namespace

RunReport::RunReport(std::vector<RankInfo> ranks, Generator generator, ResultSink* sink)
    : ranks_(std::move(ranks)),
      generator_(generator),
      sink_(sink),
      tasks_per_rank_(ranks_.size(), 0) {}

void RunReport::consume(const TaskBatch& batch, const ResultBatch& results) {
  const std::size_t n = batch.size();
  if (results.values.size() != n) {
    throw std::logic_error("RunReport: a result batch does not match its task batch");
  }
  for (const Failure& failure : results.failures) {
    if (failure.index >= n) throw std::logic_error("RunReport: failure index out of range");
  }
  if (results.rank >= 0) {
    const auto rank = static_cast<std::size_t>(results.rank);
    if (rank >= tasks_per_rank_.size()) tasks_per_rank_.resize(rank + 1, 0);
    tasks_per_rank_[rank] += n;
  }
  tasks_ += n;
  failed_ += results.failures.size();
  for (const Failure& failure : results.failures) {
    if (first_failures_.size() >= kFailuresListed) break;
    const std::uint64_t id =
        batch.is_range() ? batch.first_id + failure.index : batch.tasks[failure.index].id;
    first_failures_.push_back({id, results.rank, failure.message});
  }
  if (batch.is_range()) {
    add_range_totals(per_kind_[static_cast<std::size_t>(generator_.kind)], results);
  } else {
    add_task_totals(per_kind_, batch, results);
  }
  if (sink_ != nullptr) write_rows(batch, results);
}

void RunReport::write_rows(const TaskBatch& batch, const ResultBatch& results) {
  ResultRow row;
  row.rank = results.rank;
  const bool known_rank =
      results.rank >= 0 && static_cast<std::size_t>(results.rank) < ranks_.size();
  row.host = known_rank ? std::string_view(ranks_[results.rank].host) : std::string_view("?");
  row.pid = known_rank ? ranks_[results.rank].pid : 0;
  std::size_t next_span = 0;
  std::size_t next_failure = 0;
  for (std::size_t i = 0; i < results.values.size(); ++i) {
    if (batch.is_range()) {
      row.id = batch.first_id + i;
      scratch_ = generator_.make(row.id);
      row.spec = &scratch_;
    } else {
      row.id = batch.tasks[i].id;
      row.spec = &batch.tasks[i].spec;
    }
    while (next_span < results.spans.size() &&
           i >= std::size_t{results.spans[next_span].first} + results.spans[next_span].count) {
      ++next_span;
    }
    const bool timed = next_span < results.spans.size() && i >= results.spans[next_span].first;
    row.thread = timed ? results.spans[next_span].thread : 0;
    row.start_us = timed ? results.spans[next_span].start_us : 0;
    row.end_us = timed ? results.spans[next_span].end_us : 0;
    row.ok = true;
    row.error = {};
    while (next_failure < results.failures.size() && results.failures[next_failure].index <= i) {
      if (results.failures[next_failure].index == i) {
        row.ok = false;
        row.error = results.failures[next_failure].message;
      }
      ++next_failure;
    }
    row.value = results.values[i];
    row.has_metric = row.ok && i < results.metrics.size() && kind_info(row.spec->kind).has_metric;
    row.metric = row.has_metric ? results.metrics[i] : 0;
    sink_->write(row);
  }
}

void RunReport::print_summary(std::FILE* out, double wall_seconds) const {
  const double rate = wall_seconds > 0 ? static_cast<double>(tasks_) / wall_seconds : 0;
  std::fprintf(out, "drover: %llu tasks, %llu failed in %.6f s (%.0f tasks/s)\n",
               static_cast<unsigned long long>(tasks_), static_cast<unsigned long long>(failed_),
               wall_seconds, rate);
  if (tasks_ > 0) {
    std::fprintf(out, "  %-8s %10s %8s %20s %10s\n", "kind", "tasks", "failed", "value sum",
                 "busy s");
  }
  for (const KindInfo& info : all_kinds()) {
    const KindTotals& totals = per_kind_[static_cast<std::size_t>(info.id)];
    if (totals.tasks == 0) continue;
    std::fprintf(out, "  %-8.*s %10llu %8llu %20llu %10.3f\n", static_cast<int>(info.name.size()),
                 info.name.data(), static_cast<unsigned long long>(totals.tasks),
                 static_cast<unsigned long long>(totals.failed),
                 static_cast<unsigned long long>(totals.value_sum),
                 static_cast<double>(totals.busy_us) / 1e6);
  }
  if (!tasks_per_rank_.empty() && tasks_per_rank_.size() <= kRanksListed) {
    std::fprintf(out, "  ranks:");
    for (std::size_t r = 0; r < tasks_per_rank_.size(); ++r) {
      std::fprintf(out, " %zu:%llu", r, static_cast<unsigned long long>(tasks_per_rank_[r]));
    }
    std::fprintf(out, "\n");
  } else if (!tasks_per_rank_.empty()) {
    const auto [low, high] = std::minmax_element(tasks_per_rank_.begin(), tasks_per_rank_.end());
    std::fprintf(out, "  ranks: %zu, tasks per rank from %llu (rank %td) to %llu (rank %td)\n",
                 tasks_per_rank_.size(), static_cast<unsigned long long>(*low),
                 low - tasks_per_rank_.begin(), static_cast<unsigned long long>(*high),
                 high - tasks_per_rank_.begin());
  }
  if (failed_ == 0) return;
  std::fprintf(out, "  failed tasks (first %zu of %llu):\n", first_failures_.size(),
               static_cast<unsigned long long>(failed_));
  for (const FailedTask& failure : first_failures_) {
    const bool known_rank =
        failure.rank >= 0 && static_cast<std::size_t>(failure.rank) < ranks_.size();
    const std::string host = known_rank ? ranks_[failure.rank].host : "?";
    std::fprintf(out, "    id %llu on rank %d (%s): %s\n",
                 static_cast<unsigned long long>(failure.id), failure.rank, one_line(host).c_str(),
                 one_line(failure.message).c_str());
  }
}

}  // namespace drover
