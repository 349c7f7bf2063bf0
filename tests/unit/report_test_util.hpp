// Helpers for the RunReport tests: a sink that keeps copies of rows, and batches as executors
// answer them.
#pragma once

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "core/report.hpp"

namespace drover::report_test {

// Keeps copies of the rows, since a row's views die with the batch.
struct Recorded {
  std::uint64_t id;
  TaskSpec spec;
  bool ok;
  std::int64_t value;
  bool has_metric;
  double metric;
  std::string error;
  std::int32_t rank;
  std::string host;
  std::int32_t pid;
  std::uint32_t thread;
  std::int64_t start_us;
  std::int64_t end_us;
  std::uint32_t attempts;
};

class RecordingSink final : public ResultSink {
 public:
  void write(const ResultRow& r) override {
    rows.push_back({r.id, *r.spec, r.ok, r.value, r.has_metric, r.metric, std::string(r.error),
                    r.rank, std::string(r.host), r.pid, r.thread, r.start_us, r.end_us,
                    r.attempts});
  }
  void close() override {}
  std::vector<Recorded> rows;
};

inline Span span(std::uint32_t first, std::uint32_t count, std::uint32_t thread,
                 std::int64_t start_us, std::int64_t end_us) {
  Span s;
  s.first = first;
  s.count = count;
  s.thread = thread;
  s.start_us = start_us;
  s.end_us = end_us;
  return s;
}

inline std::vector<RankInfo> two_ranks() {
  return {{"n0", 100, 2}, {"n1", 101, 2}};
}

inline Generator squares_from(std::int64_t from, std::uint64_t total) {
  Generator g;
  g.kind = KindId::square;
  g.from = from;
  g.total = total;
  return g;
}

// A range batch of squares as an executor would answer it, one span per 100 tasks.
inline std::pair<TaskBatch, ResultBatch> square_range_batch(std::uint64_t first,
                                                            std::uint32_t count,
                                                            std::int32_t rank) {
  TaskBatch batch;
  batch.first_id = first;
  batch.count = count;
  ResultBatch results;
  results.rank = rank;
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto n = static_cast<std::int64_t>(first + i);
    results.values.push_back(n * n);
  }
  for (std::uint32_t i = 0; i < count; i += 100) {
    results.spans.push_back(span(i, std::min(100u, count - i), i / 100, 1000 + i, 1010 + i));
  }
  return {batch, results};
}

// What `write(file)` writes, read back from a temporary file.
template <class Write>
std::string written_by(Write write) {
  std::FILE* file = std::tmpfile();
  write(file);
  std::rewind(file);
  std::string text;
  char chunk[4096];
  for (std::size_t n; (n = std::fread(chunk, 1, sizeof chunk, file)) > 0;) text.append(chunk, n);
  std::fclose(file);
  return text;
}

inline std::string summary_of(const RunReport& report, double seconds,
                              const SummaryNotes& notes = {}) {
  return written_by([&](std::FILE* f) { report.print_summary(f, seconds, notes); });
}

}  // namespace drover::report_test
