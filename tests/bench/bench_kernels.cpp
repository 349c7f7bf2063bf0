// The CPU kernels alone: square_range and square_block per element, crunch per increment.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "kinds/generators.hpp"
#include "kinds/kernels.hpp"
#include "model/kinds.hpp"
#include "model/task_source.hpp"

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

// The square kind's block kernel over packed inputs, as the executor runs a
// chunk of explicit squares. Arg as above. Bytes are the outputs written, as
// for square_range, so the two columns compare; the inputs are read on top.
void BM_square_block(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  std::vector<char> inputs(count * 8);
  std::vector<char> outputs(count * 8);
  for (std::size_t i = 0; i < count; ++i) {
    const auto n = static_cast<std::int64_t>(i);
    std::memcpy(inputs.data() + i * 8, &n, 8);
  }
  for (auto _ : state) {
    const std::size_t done = square_block(inputs.data(), count, outputs.data());
    benchmark::DoNotOptimize(done);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * count));
  state.SetBytesProcessed(
      static_cast<std::int64_t>(state.iterations() * count * sizeof(std::int64_t)));
}

// A generated range of squares as the executor runs a chunk of one: the
// kind's generate_block fills the packed inputs, then its run_block squares
// them. What square_range alone did before kinds were bytes.
void BM_square_generated_block(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  const KindInfo& square = *find_kind("square");
  const Generator generator = square_generator(std::uint64_t{1} << 40, 0);
  std::vector<char> inputs(count * 8);
  std::vector<char> outputs(count * 8);
  std::uint64_t first = 0;
  for (auto _ : state) {
    square.generate_block(generator.params, first, count, inputs.data());
    const std::size_t done = square.run_block(inputs.data(), count, outputs.data());
    benchmark::DoNotOptimize(done);
    benchmark::ClobberMemory();
    first = (first + count) & ((std::uint64_t{1} << 30) - 1);
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

// Arg: 0 = square, 1 = download (a name and a drawn duration per task).
Generator generator_for(std::int64_t arg) {
  constexpr std::uint64_t kTotal = std::uint64_t{1} << 30;
  return arg == 0 ? square_generator(kTotal, 0) : download_generator(kTotal, 5, 10, 7);
}

// Rebuilding one task from its id: what a retry of one task of a range does.
void BM_generator_make(benchmark::State& state) {
  const Generator generator = generator_for(state.range(0));
  state.SetLabel(kind_info(generator.kind).name);
  std::uint64_t id = 0;
  for (auto _ : state) {
    TaskSpec spec = generator.make(id++ & ((1u << 30) - 1));
    benchmark::DoNotOptimize(spec);
  }
  state.SetItemsProcessed(state.iterations());
}

// The same into a reused buffer: what the executor does per task for range
// kinds without a block generator, and the report and trace per row.
void BM_generator_input_of(benchmark::State& state) {
  const Generator generator = generator_for(state.range(0));
  state.SetLabel(kind_info(generator.kind).name);
  std::string input;
  std::uint64_t id = 0;
  for (auto _ : state) {
    generator.input_of(id++ & ((1u << 30) - 1), input);
    benchmark::DoNotOptimize(input.data());
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_square_range)->ArgName("n")->Arg(4096)->Arg(65'536)->MinTime(0.2);
BENCHMARK(BM_square_block)->ArgName("n")->Arg(4096)->Arg(65'536)->MinTime(0.2);
BENCHMARK(BM_square_generated_block)->ArgName("n")->Arg(4096)->Arg(65'536)->MinTime(0.2);
BENCHMARK(BM_crunch)->ArgName("count")->Arg(1'000'000)->MinTime(0.2);
BENCHMARK(BM_generator_make)->ArgName("download")->Arg(0)->Arg(1)->MinTime(0.1);
BENCHMARK(BM_generator_input_of)->ArgName("download")->Arg(0)->Arg(1)->MinTime(0.1);

}  // namespace
}  // namespace drover
