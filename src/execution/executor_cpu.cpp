// LocalExecutor's CPU runners: a chunk through a block kernel, or tasks claimed one block at a
// time.
#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "execution/executor.hpp"
#include "execution/executor_state.hpp"
#include "execution/thread_pool.hpp"

namespace drover {
namespace {

// Inputs are generated or gathered for a block kernel this many at a time:
// a few KiB that stay in L1 between being written and read.
constexpr std::size_t kBlockTasks = 512;

}  // namespace

void LocalExecutor::run_block_chunk(BatchState& state, std::size_t chunk,
                                    std::size_t chunks) noexcept {
  const KindInfo& kind = *state.kind;
  const TaskBatch& batch = state.batch;
  const std::size_t n = batch.size();
  const std::size_t begin = n * chunk / chunks;
  const std::size_t end = n * (chunk + 1) / chunks;
  const std::size_t in_size = kind.input_size;
  const std::size_t out_size = kind.output_size;
  const std::int64_t start_us = now_us();
  thread_local std::string inputs;  // the block's packed inputs, reused
  thread_local std::string output;  // one task run through kind.run
  if (inputs.size() < kBlockTasks * in_size) inputs.resize(kBlockTasks * in_size);
  // A range the kind runs in one pass: outputs straight from the parameters.
  if (batch.is_range() && kind.run_range) {
    char* out = state.result.outputs.data();
    for (std::size_t i = begin; i < end;) {
      std::size_t done = 0;
      state.guarded(static_cast<std::uint32_t>(i), [&] {
        done = kind.run_range(batch.params, batch.first_item + i, end - i, out + i * out_size);
      });
      i += done;
      if (i >= end) break;
      const auto index = static_cast<std::uint32_t>(i);  // the task it could not do, alone
      state.guarded(index, [&] {
        output.clear();
        inputs.clear();
        kind.generate(batch.params, batch.first_item + i, inputs);
        kind.run(inputs, output);
        state.store(index, output);
      });
      inputs.resize(kBlockTasks * in_size);
      ++i;
    }
    finish_chunk(state, chunk, begin, end, start_us);
    return;
  }
  for (std::size_t b = begin; b < end; b += kBlockTasks) {
    const std::size_t m = std::min(kBlockTasks, end - b);
    try {
      if (batch.is_range()) {
        kind.generate_block(batch.params, batch.first_item + b, m, inputs.data());
      } else {
        for (std::size_t j = 0; j < m; ++j) {
          const std::string& in = batch.tasks[b + j].spec.input;
          if (in.size() != in_size) throw std::invalid_argument("an input of the wrong size");
          std::memcpy(inputs.data() + j * in_size, in.data(), in_size);
        }
      }
    } catch (const std::exception& e) {
      // Without its inputs no task of the block can run.
      for (std::size_t j = 0; j < m; ++j) state.fail(static_cast<std::uint32_t>(b + j), e.what());
      continue;
    }
    char* out = state.result.outputs.data() + b * out_size;
    for (std::size_t j = 0; j < m;) {
      j += kind.run_block(inputs.data() + j * in_size, m - j, out + j * out_size);
      if (j >= m) break;
      // The kernel stopped at a task it cannot do: run that one alone, for its message.
      const auto index = static_cast<std::uint32_t>(b + j);
      state.guarded(index, [&] {
        output.clear();
        kind.run(std::span<const char>(inputs.data() + j * in_size, in_size), output);
        state.store(index, output);
      });
      ++j;
    }
  }
  finish_chunk(state, chunk, begin, end, start_us);
}

void LocalExecutor::finish_chunk(BatchState& state, std::size_t chunk, std::size_t begin,
                                 std::size_t end, std::int64_t start_us) noexcept {
  state.result.spans[chunk] = Span{.first = static_cast<std::uint32_t>(begin),
                                   .count = static_cast<std::uint32_t>(end - begin),
                                   .thread = thread_index(),
                                   .start_us = start_us,
                                   .end_us = now_us()};
  unit_done(state);
}

void LocalExecutor::run_task_block(BatchState& state) noexcept {
  const TaskBatch& batch = state.batch;
  const std::size_t n = batch.size();
  const unsigned thread = thread_index();
  thread_local std::string scratch;  // a range task's generated input
  thread_local std::string output;
  for (;;) {
    // Relaxed: the claim only needs to be unique; results are published by unit_done.
    const std::size_t begin = state.next_task.fetch_add(state.grain, std::memory_order_relaxed);
    if (begin >= n) break;
    const std::size_t end = std::min(n, begin + state.grain);
    std::int64_t start_us = now_us();  // one clock read per task: a task starts as the last ends
    for (std::size_t i = begin; i < end; ++i) {
      const auto index = static_cast<std::uint32_t>(i);
      state.guarded(index, [&] {
        const KindInfo& kind = state.kind_of(i);
        if (!kind.run) throw std::logic_error("kind " + kind.name + " does not run on the pool");
        std::span<const char> input;
        if (batch.is_range()) {
          scratch.clear();
          kind.generate(batch.params, batch.first_item + i, scratch);
          input = scratch;
        } else {
          input = batch.tasks[i].spec.input;
        }
        output.clear();
        kind.run(input, output);
        state.store(i, output);
      });
      const std::int64_t end_us = now_us();
      state.result.spans[i] = task_span(index, thread, start_us, end_us);
      start_us = end_us;
    }
  }
  unit_done(state);
}

}  // namespace drover
