// The CPU kernels alone: square_range per element and crunch per increment.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "core/kinds.hpp"
#include "core/workload.hpp"

namespace drover {
namespace {

// Arg: elements per call (4096 stays in L1, 65536 is an executor chunk's
// worth at 64K-task batches on one thread and spills to L2).
void BM_square_range(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  std::vector<std::int64_t> out(count);
  std::int64_t first = 0;
  for (auto _ : state) {
    const std::size_t done = square_range(first, count, out.data());
    benchmark::DoNotOptimize(done);
    benchmark::ClobberMemory();
    first = (first + static_cast<std::int64_t>(count)) & ((std::int64_t{1} << 30) - 1);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * count));
  state.SetBytesProcessed(
      static_cast<std::int64_t>(state.iterations() * count * sizeof(std::int64_t)));
}

// Arg: increments per call. The counter is crunch's own measurement, in ns
// per increment, next to the benchmark's.
void BM_crunch(benchmark::State& state) {
  const std::int64_t count = state.range(0);
  double ns_sum = 0;
  for (auto _ : state) {
    const CrunchResult result = crunch(count);
    benchmark::DoNotOptimize(result.final_count);
    ns_sum += result.ns_per_increment;
  }
  state.SetItemsProcessed(state.iterations() * count);
  state.counters["self_ns/inc"] = ns_sum / static_cast<double>(state.iterations());
}

// Rebuilding one task from its id: what the executor does per chunk for
// squares and per task for other range kinds, and the report per row.
void BM_generator_make(benchmark::State& state) {
  const Generator generator{
      .kind = static_cast<KindId>(state.range(0)), .total = 1u << 30, .count = 100, .seed = 7};
  std::uint64_t id = 0;
  for (auto _ : state) {
    TaskSpec spec = generator.make(id++ & ((1u << 30) - 1));
    benchmark::DoNotOptimize(spec);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_square_range)->ArgName("n")->Arg(4096)->Arg(65'536)->MinTime(0.2);
BENCHMARK(BM_crunch)->ArgName("count")->Arg(1'000'000)->MinTime(0.2);
BENCHMARK(BM_generator_make)->ArgName("kind")->Arg(0)->Arg(2)->MinTime(0.1);

}  // namespace
}  // namespace drover
