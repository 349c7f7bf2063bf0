// Rank 0's result handling: rows for the sink, running totals, and the closing summary.
#include "outputs/report.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "model/kinds.hpp"

namespace drover {
namespace {

constexpr std::size_t kFailuresListed = 10;

std::int64_t span_us(const Span& span) {
  return span.end_us - span.start_us;
}

// The wrapping sum of the checksums of outputs [begin, end) of one kind. An
// int64 output is its own checksum, so packed int64 outputs are summed in
// place: this is the path that has to keep up with 10^8 squares/s.
std::uint64_t checksum_sum(const KindInfo& kind, const ResultBatch& results, std::size_t begin,
                           std::size_t end) {
  std::uint64_t sum = 0;
  if (results.stride == 8 && kind.output_type == "i64") {
    const char* p = results.outputs.data();
    for (std::size_t i = begin; i < end; ++i) {
      std::uint64_t v;
      std::memcpy(&v, p + i * 8, 8);
      sum += v;
    }
    return sum;
  }
  for (std::size_t i = begin; i < end; ++i) sum += kind.checksum(results.output(i));
  return sum;
}

// All tasks of a range batch share the generator's kind, so the totals come
// from whole arrays.
void add_range_totals(KindTotals& totals, const KindInfo& kind, const ResultBatch& results) {
  std::uint64_t sum = checksum_sum(kind, results, 0, results.size());
  for (const Failure& failure : results.failures) {
    sum -= checksum_sum(kind, results, failure.index, failure.index + 1);
  }
  std::int64_t busy = 0;
  for (const Span& span : results.spans) busy += span_us(span);
  totals.tasks += results.size();
  totals.failed += results.failures.size();
  totals.value_sum += sum;
  totals.busy_us += busy;
}

// Explicit batches may mix kinds of one lane; a span shared by tasks of
// several kinds is split evenly between its tasks.
void add_task_totals(std::vector<KindTotals>& per_kind, const TaskBatch& batch,
                     const ResultBatch& results) {
  const auto totals_of = [&](std::size_t i) -> KindTotals& {
    return per_kind[batch.tasks[i].spec.kind];
  };
  const auto checksum = [&](std::size_t i) {
    return fast_kind_info(batch.tasks[i].spec.kind).checksum(results.output(i));
  };
  std::size_t next_failure = 0;
  for (std::size_t i = 0; i < batch.tasks.size(); ++i) {
    KindTotals& totals = totals_of(i);
    ++totals.tasks;
    const bool failed =
        next_failure < results.failures.size() && results.failures[next_failure].index == i;
    if (failed) {
      ++next_failure;
      ++totals.failed;
    } else {
      totals.value_sum += checksum(i);
    }
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

}  // namespace

RunReport::RunReport(std::vector<RankInfo> ranks, Generator generator, ResultSink* sink)
    : ranks_(std::move(ranks)),
      generator_(generator),
      sink_(sink),
      per_kind_(all_kinds().size()),
      tasks_per_rank_(ranks_.size(), 0),
      busy_us_per_rank_(ranks_.size(), 0) {}

std::string_view RunReport::host_of(std::int32_t rank) const {
  const bool known = rank >= 0 && static_cast<std::size_t>(rank) < ranks_.size();
  return known ? std::string_view(ranks_[static_cast<std::size_t>(rank)].host)
               : std::string_view("?");
}

void RunReport::consume(const TaskBatch& batch, const ResultBatch& results) {
  const bool known = results.rank >= 0 && static_cast<std::size_t>(results.rank) < ranks_.size();
  add(batch, results, host_of(results.rank),
      known ? ranks_[static_cast<std::size_t>(results.rank)].pid : 0);
  if (results.rank >= 0) {
    const auto rank = static_cast<std::size_t>(results.rank);
    if (rank >= tasks_per_rank_.size()) tasks_per_rank_.resize(rank + 1, 0);
    tasks_per_rank_[rank] += batch.size();
    add_busy(batch, results);
  }
}

// Every task of a batch runs on one lane; only the CPU lane holds threads.
void RunReport::add_busy(const TaskBatch& batch, const ResultBatch& results) {
  if (batch.lane != Lane::cpu) return;
  const auto rank = static_cast<std::size_t>(results.rank);
  if (rank >= busy_us_per_rank_.size()) busy_us_per_rank_.resize(rank + 1, 0);
  std::int64_t busy = 0;
  for (const Span& span : results.spans) busy += span_us(span);
  busy_us_per_rank_[rank] += busy;
}

void RunReport::consume_replayed(const JournalBatch& batch) {
  add(batch.tasks, batch.results, batch.host, batch.pid);
  replayed_ += batch.tasks.size();
}

void RunReport::add(const TaskBatch& batch, const ResultBatch& results, std::string_view host,
                    std::int32_t pid) {
  const std::size_t n = batch.size();
  if (results.size() != n || results.shape_problem() != nullptr ||
      (!results.attempts.empty() && results.attempts.size() != n)) {
    throw std::logic_error("RunReport: a result batch does not match its task batch (" +
                           std::to_string(n) + " tasks, " + std::to_string(results.size()) +
                           " results, " + std::to_string(results.attempts.size()) + " attempts)");
  }
  for (const Failure& failure : results.failures) {
    if (failure.index >= n) throw std::logic_error("RunReport: failure index out of range");
  }
  tasks_ += n;
  failed_ += results.failures.size();
  for (const Failure& failure : results.failures) {
    if (first_failures_.size() >= kFailuresListed) break;
    const std::uint64_t id =
        batch.is_range() ? batch.first_id + failure.index : batch.tasks[failure.index].id;
    first_failures_.push_back({id, results.rank, std::string(host), failure.message});
  }
  if (!results.attempts.empty()) count_attempts(results);
  if (batch.is_range()) {
    add_range_totals(per_kind_[batch.kind], fast_kind_info(batch.kind), results);
  } else {
    add_task_totals(per_kind_, batch, results);
  }
  if (sink_ != nullptr) write_rows(batch, results, host, pid);
}

// Failures are sorted by index, so one pass tells which retried tasks recovered.
void RunReport::count_attempts(const ResultBatch& results) {
  std::size_t next_failure = 0;
  for (std::size_t i = 0; i < results.attempts.size(); ++i) {
    if (results.attempts[i] <= 1) continue;
    ++retried_;
    while (next_failure < results.failures.size() && results.failures[next_failure].index < i) {
      ++next_failure;
    }
    const bool failed =
        next_failure < results.failures.size() && results.failures[next_failure].index == i;
    if (!failed) ++recovered_;
  }
}

void RunReport::write_rows(const TaskBatch& batch, const ResultBatch& results,
                           std::string_view host, std::int32_t pid) {
  ResultRow row;
  row.rank = results.rank;
  row.host = host;
  row.pid = pid;
  const bool has_attempts = !results.attempts.empty();
  std::size_t next_span = 0;
  std::size_t next_failure = 0;
  // A range's inputs come from its own kind and parameters (a journal's
  // records keep them), not from this run's generator.
  const KindInfo* range_kind = batch.is_range() ? &fast_kind_info(batch.kind) : nullptr;
  if (range_kind != nullptr) scratch_.kind = batch.kind;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (batch.is_range()) {
      row.id = batch.first_id + i;
      scratch_.input.clear();
      range_kind->generate(batch.params, batch.first_item + i, scratch_.input);
      row.spec = &scratch_;
    } else {
      row.id = batch.tasks[i].id;
      row.spec = &batch.tasks[i].spec;
    }
    row.attempts = has_attempts ? results.attempts[i] : 1;
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
    row.output = results.output(i);
    sink_->write(row);
  }
}

}  // namespace drover
