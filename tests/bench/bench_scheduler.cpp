// Dispatch capacity of rank 0's Scheduler alone: no MPI, no threads, answers as fast as it sends.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "inputs/generated_source.hpp"
#include "inputs/task_file.hpp"
#include "kinds/generators.hpp"
#include "model/task_source.hpp"
#include "protocol/transport.hpp"
#include "scheduling/consumer.hpp"
#include "scheduling/scheduler.hpp"

namespace drover {
namespace {

// What a sent batch needs for its answer.
struct Outstanding {
  std::uint64_t seq = 0;
  std::uint32_t size = 0;
};

// Keeps what the answering loop needs and nothing else: no copy of the batch,
// and a fixed ring (credits bound what is in flight), so it never allocates.
class CountingTransport final : public Transport {
 public:
  explicit CountingTransport(std::size_t max_in_flight) {
    std::size_t capacity = 1;
    while (capacity <= max_in_flight) capacity *= 2;
    ring_.resize(capacity);
  }
  void send_work(int /*rank*/, const TaskBatch& batch) override {
    ring_[tail_++ & (ring_.size() - 1)] = {batch.seq, static_cast<std::uint32_t>(batch.size())};
  }
  void send_stop(int /*rank*/, bool /*abandon*/) override {}

  std::size_t outstanding() const { return static_cast<std::size_t>(tail_ - head_); }
  // Removes and returns the batch sent `age` sends after the oldest one.
  Outstanding take(std::size_t age) {
    const std::size_t mask = ring_.size() - 1;
    std::swap(ring_[head_ & mask], ring_[(head_ + age) & mask]);
    return ring_[head_++ & mask];
  }

 private:
  std::vector<Outstanding> ring_;
  std::uint64_t head_ = 0;
  std::uint64_t tail_ = 0;
};

class NullConsumer final : public ResultConsumer {
 public:
  void consume(const TaskBatch& tasks, const ResultBatch& results) override {
    benchmark::DoNotOptimize(tasks.first_id);
    benchmark::DoNotOptimize(results.outputs.data());
  }
};

enum Answer : std::int64_t { fifo = 0, random_order = 1 };

// Args: simulated ranks, pool threads per rank, --batch (0 = automatic),
// ordered (1) or not (0), answer order, nanoseconds of work per task (what
// the answer's span claims, which drives automatic batch sizes).
// One iteration is one answered batch: taking it from the ring (random order
// adds an mt19937_64 draw), sizing the reused ResultBatch (free unless the
// reorder buffer kept the last one), and on_results with the dispatch it
// triggers. Not included: encoding, MPI, and producing the values.
void BM_scheduler(benchmark::State& state) {
  const auto ranks = static_cast<int>(state.range(0));
  const auto threads = static_cast<unsigned>(state.range(1));
  const auto fixed_batch = static_cast<std::uint32_t>(state.range(2));
  const bool ordered = state.range(3) != 0;
  const auto answer = static_cast<Answer>(state.range(4));
  const std::int64_t ns_per_task = state.range(5);

  SchedulerConfig config;
  for (int r = 0; r < ranks; ++r) config.workers.push_back({r, threads});
  config.fixed_batch = fixed_batch;
  config.ordered = ordered;
  // An endless generated workload: guided self-scheduling never shrinks batches.
  GeneratedSource source(square_generator(std::uint64_t{1} << 62, 0));
  NullConsumer consumer;
  CountingTransport transport(std::size_t{config.batches_per_thread} * threads *
                              static_cast<std::size_t>(ranks));
  Scheduler scheduler(config, source, transport, consumer);

  // One reused answer: on_results leaves it intact unless the reorder buffer
  // keeps it, and then the next resize allocates, which is the buffer's real cost.
  ResultBatch results;
  results.spans.push_back(Span{});
  std::mt19937_64 rng(42);
  std::uint64_t tasks = 0;
  std::uint64_t batches = 0;
  const auto answer_one = [&] {
    std::size_t age = 0;  // FIFO: the oldest batch, as equal workers would finish
    if (answer == random_order) {
      age = std::uniform_int_distribution<std::size_t>(0, transport.outstanding() - 1)(rng);
    }
    const Outstanding out = transport.take(age);
    results.seq = out.seq;
    results.count = out.size;
    results.stride = 8;
    results.outputs.resize(std::size_t{out.size} * 8);
    results.spans.resize(1);
    results.spans[0] = Span{0, out.size, 0, 0, 0, ns_per_task * out.size / 1000};
    scheduler.on_results(std::move(results));
    tasks += out.size;
    ++batches;
  };

  scheduler.start();
  // Past the one-task probes, so the loop measures the steady state.
  for (std::size_t i = 0, warm = 2 * transport.outstanding(); i < warm; ++i) answer_one();
  tasks = 0;
  batches = 0;
  for (auto _ : state) answer_one();

  state.SetItemsProcessed(static_cast<std::int64_t>(tasks));
  state.counters["batches/s"] =
      benchmark::Counter(static_cast<double>(batches), benchmark::Counter::kIsRate);
  state.counters["tasks/batch"] = static_cast<double>(tasks) / static_cast<double>(batches);
  state.counters["in_flight"] = static_cast<double>(scheduler.in_flight_batches());
}

// 8 threads per rank, the default credits each (4: 2048 batches in flight at
// 64 ranks, 32768 at 1024). Random order answers any in-flight batch, as ranks of
// uneven speed would: the round-robin cursor then rarely lands on the freed
// worker, and ordered runs buffer out-of-order batches.
void scheduler_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"ranks", "threads", "batch", "ordered", "random", "ns_task"});
  for (const std::int64_t ranks : {64, 1024}) {
    for (const std::int64_t ordered : {1, 0}) {
      b->Args({ranks, 8, 0, ordered, fifo, 1});  // cheap tasks: 65536 per batch
      b->Args({ranks, 8, 1, ordered, fifo, 1});  // --batch 1: the per-message cost
      b->Args({ranks, 8, 1, ordered, random_order, 1});
    }
    // 1 ms tasks, one thread per rank: 2 tasks per batch (the 2 ms target).
    b->Args({ranks, 1, 0, 1, fifo, 1'000'000});
    b->Args({ranks, 1, 0, 1, random_order, 1'000'000});
  }
  // The headline: 10,000 ranks of 1 ms tasks need 10^7 tasks/s, 5 * 10^6 batches/s.
  b->Args({10'000, 1, 0, 1, fifo, 1'000'000});
}

BENCHMARK(BM_scheduler)->Apply(scheduler_args)->MinTime(0.2);

}  // namespace
}  // namespace drover
