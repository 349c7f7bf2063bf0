// ReorderBuffer: batches pushed in order (the direct path) and in reversed windows (buffered).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <utility>

#include "model/task.hpp"
#include "scheduling/consumer.hpp"
#include "scheduling/reorder.hpp"

namespace drover {
namespace {

class CountingConsumer final : public ResultConsumer {
 public:
  void consume(const TaskBatch& tasks, const ResultBatch& results) override {
    emitted += tasks.size();
    benchmark::DoNotOptimize(results.outputs.data());
  }
  std::uint64_t emitted = 0;
};

// Args: tasks per batch, window. Each window of `window` consecutive batches
// is pushed last to first, so all but the last push are buffered and the last
// one releases the whole window; window 1 is the in-order path. Every push
// builds its batch and results (packed 8-byte outputs sized to the batch, one
// span) as a worker's decoded reply would arrive; the in-order path then
// leaves them unmoved, so only the buffered path pays for new buffers.
void BM_reorder(benchmark::State& state) {
  const auto tasks_per_batch = static_cast<std::uint32_t>(state.range(0));
  const auto window = static_cast<std::uint64_t>(state.range(1));
  CountingConsumer consumer;
  ReorderBuffer buffer(consumer);
  TaskBatch batch;
  ResultBatch results;
  std::uint64_t window_first = 0;  // first id of the current window
  std::uint64_t position = 0;      // pushes done in this window
  std::uint64_t pushes = 0;
  for (auto _ : state) {
    // The window's batches, last first.
    const std::uint64_t index = window - 1 - position;
    batch.first_id = window_first + index * tasks_per_batch;
    batch.count = tasks_per_batch;
    batch.seq = batch.first_id;
    results.seq = batch.seq;
    results.count = tasks_per_batch;
    results.stride = 8;
    results.outputs.resize(std::size_t{tasks_per_batch} * 8);
    results.spans.resize(1);
    results.spans[0] = Span{0, tasks_per_batch, 0, 0, 0, 1};
    buffer.push(std::move(batch), std::move(results));
    if (++position == window) {
      position = 0;
      window_first += window * tasks_per_batch;
    }
    ++pushes;
  }
  // Whole windows only in the count: a partial one is still buffered.
  const std::uint64_t done = consumer.emitted;
  state.SetItemsProcessed(static_cast<std::int64_t>(done));
  state.counters["batches/s"] =
      benchmark::Counter(static_cast<double>(pushes), benchmark::Counter::kIsRate);
  state.counters["buffered_max"] = static_cast<double>(window - 1);
}

BENCHMARK(BM_reorder)
    ->ArgNames({"tasks", "window"})
    ->Args({1, 1})
    ->Args({1, 16})
    ->Args({1, 1024})
    ->Args({64, 1})
    ->Args({64, 16})
    ->Args({64, 1024})
    ->MinTime(0.2);

}  // namespace
}  // namespace drover
