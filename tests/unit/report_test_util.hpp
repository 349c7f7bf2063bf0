// Helpers for the RunReport tests: a sink that keeps copies of rows, and batches as executors
// answer them.
#pragma once

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "model/kinds.hpp"
#include "model_test_util.hpp"
#include "outputs/report.hpp"

namespace drover::report_test {

// Keeps copies of the rows, since a row's views die with the batch. The value
// and metric are the output's first int64 and the double after it (every
// built-in kind's layout), when the output holds them.
struct Recorded {
  std::uint64_t id;
  TaskSpec spec;
  bool ok;
  std::string output;  // the encoded bytes
  std::int64_t value;
  bool has_metric;  // the row's kind writes a metric for it
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
    std::int64_t value = 0;
    double metric = 0;
    if (r.output.size() >= 8) value = builtin::get_pod<std::int64_t>(r.output);
    if (r.output.size() >= 16) metric = builtin::get_pod<double>(r.output, 8);
    std::string metric_json;
    const KindInfo& kind = kind_info(r.spec->kind);
    const bool has_metric = r.ok && kind.metric_json && kind.metric_json(r.output, metric_json);
    rows.push_back({r.id, *r.spec, r.ok, std::string(r.output.data(), r.output.size()), value,
                    has_metric, metric, std::string(r.error), r.rank, std::string(r.host), r.pid,
                    r.thread, r.start_us, r.end_us, r.attempts});
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
  return square_generator(total, from);
}

// A range batch of squares (from 0) as an executor would answer it, one span per 100 tasks.
inline std::pair<TaskBatch, ResultBatch> square_range_batch(std::uint64_t first,
                                                            std::uint32_t count,
                                                            std::int32_t rank) {
  TaskBatch batch = model_test::generated_range(squares_from(0, first + count), first, count);
  ResultBatch results;
  results.rank = rank;
  std::vector<std::int64_t> values;
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto n = static_cast<std::int64_t>(first + i);
    values.push_back(n * n);
  }
  model_test::set_values(results, values);
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
