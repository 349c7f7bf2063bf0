// Wire encode/decode of the Work and Results messages, into reused buffers as the rank loops do.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "kinds/pod.hpp"
#include "model/kinds.hpp"
#include "model/task.hpp"
#include "protocol/wire.hpp"

namespace drover {
namespace {

// A generated range of squares: the kind, its parameters (from = 0) and the first item.
TaskBatch range_batch() {
  TaskBatch batch;
  batch.seq = 7;
  batch.first_id = 1'000'000;
  batch.count = 65'536;
  batch.kind = find_kind("square")->id;
  builtin::put_pod(batch.params, std::int64_t{0});
  batch.first_item = batch.first_id;
  return batch;
}

// A task-file batch: squares, crunches and named downloads, in turn.
TaskBatch explicit_batch(std::size_t n) {
  TaskBatch batch;
  batch.seq = 7;
  batch.first_id = 5'000;
  const KindId square = find_kind("square")->id;
  const KindId crunch = find_kind("crunch")->id;
  const KindId download = find_kind("download")->id;
  for (std::size_t i = 0; i < n; ++i) {
    Task task;
    task.id = batch.first_id + i;
    switch (i % 3) {
      case 0:
        task.spec.kind = square;
        builtin::put_pod(task.spec.input, static_cast<std::int64_t>(i));
        break;
      case 1:
        task.spec.kind = crunch;
        builtin::put_pod(task.spec.input, std::int64_t{10'000'000});
        break;
      default:
        task.spec.kind = download;
        builtin::put_text(task.spec.input, "file-" + std::to_string(i) + ".bin");
        builtin::put_pod(task.spec.input, 7.5);
    }
    batch.tasks.push_back(std::move(task));
  }
  return batch;
}

// Results of `n` tasks: squares carry packed 8-byte outputs and one span per
// pool chunk; per-task kinds (crunch) 16-byte outputs {value, metric} and a span each.
ResultBatch result_batch(std::size_t n, bool per_task) {
  ResultBatch r;
  r.seq = 7;
  r.rank = 3;
  r.count = static_cast<std::uint32_t>(n);
  r.stride = per_task ? 16 : 8;
  r.outputs.reserve(n * r.stride);
  for (std::size_t i = 0; i < n; ++i) {
    builtin::put_pod(r.outputs, static_cast<std::int64_t>(i * i));
    if (per_task) builtin::put_pod(r.outputs, 0.25);
  }
  const std::size_t spans = per_task ? n : 16;
  for (std::size_t s = 0; s < spans; ++s) {
    const auto first = static_cast<std::uint32_t>(n * s / spans);
    const auto end = static_cast<std::uint32_t>(n * (s + 1) / spans);
    r.spans.push_back(Span{first, end - first, static_cast<std::uint32_t>(s % 8), 0,
                           1'763'758'000'000'000, 1'763'758'000'000'100});
  }
  return r;
}

template <class Message>
void encode_loop(benchmark::State& state, const Message& message, std::size_t tasks) {
  Bytes bytes;
  for (auto _ : state) {
    encode(message, bytes);
    benchmark::DoNotOptimize(bytes.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * tasks));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
  state.counters["bytes"] = static_cast<double>(bytes.size());
}

template <class Message>
void decode_loop(benchmark::State& state, const Message& message, std::size_t tasks) {
  Bytes bytes;
  encode(message, bytes);
  Message out;
  for (auto _ : state) {
    decode(bytes, out);
    benchmark::DoNotOptimize(&out);
    benchmark::ClobberMemory();
  }
  if (!(out == message)) state.SkipWithError("decode did not round-trip");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * tasks));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
  state.counters["bytes"] = static_cast<double>(bytes.size());
}

// Items are tasks, except for range batches: messages (a range of any size is a few dozen
// bytes; the "bytes" counter says how many).
void BM_wire_encode_range_batch(benchmark::State& state) {
  encode_loop(state, range_batch(), 1);
}
void BM_wire_decode_range_batch(benchmark::State& state) {
  decode_loop(state, range_batch(), 1);
}
void BM_wire_encode_explicit_batch(benchmark::State& state) {
  encode_loop(state, explicit_batch(1000), 1000);
}
void BM_wire_decode_explicit_batch(benchmark::State& state) {
  decode_loop(state, explicit_batch(1000), 1000);
}
// Arg: 0 = square results (8-byte outputs + 16 chunk spans), 1 = per-task
// results (16-byte outputs + one span per task).
void BM_wire_encode_results(benchmark::State& state) {
  encode_loop(state, result_batch(65'536, state.range(0) != 0), 65'536);
}
void BM_wire_decode_results(benchmark::State& state) {
  decode_loop(state, result_batch(65'536, state.range(0) != 0), 65'536);
}

BENCHMARK(BM_wire_encode_range_batch)->MinTime(0.1);
BENCHMARK(BM_wire_decode_range_batch)->MinTime(0.1);
BENCHMARK(BM_wire_encode_explicit_batch)->MinTime(0.1);
BENCHMARK(BM_wire_decode_explicit_batch)->MinTime(0.1);
BENCHMARK(BM_wire_encode_results)->ArgName("per_task")->Arg(0)->Arg(1)->MinTime(0.2);
BENCHMARK(BM_wire_decode_results)->ArgName("per_task")->Arg(0)->Arg(1)->MinTime(0.2);

}  // namespace
}  // namespace drover
