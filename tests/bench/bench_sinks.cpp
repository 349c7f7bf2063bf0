// Rank 0's result path: RunReport::consume into JSONL and CSV sinks writing to /dev/null.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "kinds/generators.hpp"
#include "kinds/pod.hpp"
#include "model/kinds.hpp"
#include "model/task.hpp"
#include "model/task_source.hpp"
#include "outputs/report.hpp"
#include "outputs/sinks.hpp"

namespace drover {
namespace {

constexpr std::uint32_t kRows = 4096;
constexpr std::int64_t kEpochUs = 1'763'758'000'000'000;

enum Workload : std::int64_t { square_range = 0, crunch_tasks = 1 };
enum Format : std::int64_t { summary_only = 0, jsonl = 1, csv = 2 };

// A square range batch as a pool returns it: one span per chunk, no metrics.
void square_batch(TaskBatch& batch, ResultBatch& results) {
  const Generator generator = square_generator(std::uint64_t{1} << 40, 0);
  batch = TaskBatch{};
  batch.first_id = 1'000'000;
  batch.count = kRows;
  batch.kind = generator.kind;
  batch.params = generator.params;
  batch.first_item = batch.first_id;
  results = ResultBatch{};
  results.rank = 1;
  results.count = kRows;
  results.stride = 8;
  for (std::uint32_t i = 0; i < kRows; ++i) {
    const auto n = static_cast<std::int64_t>(batch.first_id + i);
    builtin::put_pod(results.outputs, n * n);
  }
  for (std::uint32_t c = 0; c < 4; ++c) {
    results.spans.push_back(Span{c * kRows / 4, kRows / 4, c, 0, kEpochUs, kEpochUs + 120});
  }
}

// A task-file batch of crunches: explicit tasks, a metric and a span per task.
void crunch_batch(TaskBatch& batch, ResultBatch& results) {
  batch = TaskBatch{};
  batch.first_id = 1'000'000;
  results = ResultBatch{};
  results.rank = 1;
  results.count = kRows;
  results.stride = 16;  // {i64 final count, f64 ns per increment}
  Task task;
  task.spec.kind = find_kind("crunch")->id;
  builtin::put_pod(task.spec.input, std::int64_t{10'000'000});
  for (std::uint32_t i = 0; i < kRows; ++i) {
    task.id = batch.first_id + i;
    batch.tasks.push_back(task);
    builtin::put_pod(results.outputs, std::int64_t{10'000'000});
    builtin::put_pod(results.outputs, 0.3125 + i * 1e-6);
    results.spans.push_back(
        Span{i, 1, i % 8, 0, kEpochUs + 3000 * std::int64_t{i}, kEpochUs + 3000 * (i + 1)});
  }
}

// Bytes of one batch's rows, written once to memory: turns rows/s into bytes/s.
std::size_t batch_bytes(const TaskBatch& batch, const ResultBatch& results,
                        const std::vector<RankInfo>& ranks, const Generator& generator,
                        OutputFormat format) {
  char* data = nullptr;
  std::size_t size = 0;
  std::FILE* memory = open_memstream(&data, &size);
  if (memory == nullptr) return 0;
  {
    const std::unique_ptr<ResultSink> sink = make_sink(memory, format);
    RunReport report(ranks, generator, sink.get());
    report.consume(batch, results);
    sink->close();
  }
  std::fclose(memory);
  std::free(data);
  return size;
}

// Args: workload, format. Each iteration hands one batch of 4096 finished
// tasks to the report, which totals it and, with a sink, writes 4096 rows.
void BM_report_consume(benchmark::State& state) {
  const auto workload = static_cast<Workload>(state.range(0));
  const auto format = static_cast<Format>(state.range(1));
  TaskBatch batch;
  ResultBatch results;
  if (workload == square_range) {
    square_batch(batch, results);
  } else {
    crunch_batch(batch, results);
  }
  std::FILE* null = std::fopen("/dev/null", "wb");
  if (null == nullptr) {
    state.SkipWithError("cannot open /dev/null");
    return;
  }
  std::unique_ptr<ResultSink> sink;
  if (format != summary_only) {
    sink = make_sink(null, format == jsonl ? OutputFormat::jsonl : OutputFormat::csv);
  }
  std::vector<RankInfo> ranks(4, RankInfo{"node-0001", 4242, 8});
  const Generator generator = square_generator(std::uint64_t{1} << 40, 0);
  std::size_t bytes = 0;  // per batch; the CSV header line is counted once in it
  if (format != summary_only) {
    bytes = batch_bytes(batch, results, ranks, generator,
                        format == jsonl ? OutputFormat::jsonl : OutputFormat::csv);
    state.counters["bytes/row"] = static_cast<double>(bytes) / kRows;
  }
  RunReport report(ranks, generator, sink.get());
  for (auto _ : state) report.consume(batch, results);
  if (sink) sink->close();
  sink.reset();
  std::fclose(null);
  state.SetItemsProcessed(static_cast<std::int64_t>(report.tasks()));
  if (bytes != 0) state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
}

BENCHMARK(BM_report_consume)
    ->ArgNames({"crunch", "format"})
    ->ArgsProduct({{square_range, crunch_tasks}, {summary_only, jsonl, csv}})
    ->MinTime(0.2);

}  // namespace
}  // namespace drover
