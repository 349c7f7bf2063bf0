// LocalExecutor round trips: range batches in, ResultBatches back through the CompletionQueue.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <utility>

#include "execution/completion_queue.hpp"
#include "execution/executor.hpp"
#include "kinds/generators.hpp"
#include "model/kinds.hpp"
#include "model/task.hpp"
#include "model/task_source.hpp"

namespace drover {
namespace {

using namespace std::chrono_literals;

// Keeps `depth` batches in flight, as the comm loop does with its credits:
// each iteration waits for one result (polling, then blocking on the queue
// for up to 1 ms like the rank loops) and submits the next batch. Time per
// iteration is one batch's turn; at depth 1 it is the full round trip.
void run_pipeline(benchmark::State& state, const Generator& generator, unsigned threads,
                  std::uint32_t batch_size, std::size_t depth) {
  CompletionQueue<ResultBatch> done;  // outlives the executor, which pushes until it is gone
  ExecutorConfig config;
  config.threads = threads;
  config.announce = false;
  LocalExecutor executor(config, done);
  std::uint64_t seq = 0;
  // Ids wrap so that squares stay far from overflow however long the run.
  const auto submit_next = [&] {
    TaskBatch batch;
    batch.seq = seq++;
    batch.first_id = (batch.seq * batch_size) % (std::uint64_t{1} << 30);
    batch.count = batch_size;
    batch.lane = kind_info(generator.kind).lane;
    batch.kind = generator.kind;  // a range batch rebuilds its inputs from these
    batch.params = generator.params;
    batch.first_item = batch.first_id;
    executor.submit(std::move(batch));
  };
  const auto wait_one = [&] {
    std::optional<ResultBatch> results;
    while (!(results = done.try_pop())) done.wait_for(1ms);
    benchmark::DoNotOptimize(results->outputs.data());
  };
  for (std::size_t i = 0; i < depth; ++i) submit_next();
  std::uint64_t completed = 0;
  for (auto _ : state) {
    wait_one();
    ++completed;
    submit_next();
  }
  for (std::size_t i = 0; i < depth; ++i) wait_one();
  state.SetItemsProcessed(static_cast<std::int64_t>(completed * batch_size));
  state.counters["batches/s"] =
      benchmark::Counter(static_cast<double>(completed), benchmark::Counter::kIsRate);
}

// Args: pool threads, tasks per batch, batches in flight.
void BM_executor_square(benchmark::State& state) {
  run_pipeline(state, square_generator(std::uint64_t{1} << 40, 0),
               static_cast<unsigned>(state.range(0)), static_cast<std::uint32_t>(state.range(1)),
               static_cast<std::size_t>(state.range(2)));
}

// The per-task path (claimed blocks, a clock read and a span per task):
// crunch tasks of 100 increments, about 30 ns of work each.
void BM_executor_crunch(benchmark::State& state) {
  run_pipeline(state, crunch_generator(std::uint64_t{1} << 40, 100),
               static_cast<unsigned>(state.range(0)), static_cast<std::uint32_t>(state.range(1)),
               static_cast<std::size_t>(state.range(2)));
}

BENCHMARK(BM_executor_square)
    ->ArgNames({"threads", "batch", "depth"})
    ->Args({1, 65'536, 1})
    ->Args({2, 65'536, 1})
    ->Args({2, 65'536, 4})
    ->Args({1, 1, 1})  // the latency of a batch of one
    ->Args({2, 1, 1})
    ->Args({2, 1, 4})
    ->MinTime(0.2)
    ->UseRealTime();
BENCHMARK(BM_executor_crunch)
    ->ArgNames({"threads", "batch", "depth"})
    ->Args({2, 4096, 4})
    ->MinTime(0.2)
    ->UseRealTime();

}  // namespace
}  // namespace drover
