// LocalExecutor: splits CPU batches into pool chunks and assembles every batch's ResultBatch.
#include "executor.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <mutex>
#include <stdexcept>

#include "async_lane.hpp"
#include "executor_state.hpp"
#include "kinds.hpp"
#include "thread_pool.hpp"

namespace drover {

namespace {

// A square costs about a nanosecond: below this many per chunk the chunk's own
// cost (a queued job, a wake-up, a span) would start to show.
constexpr std::size_t kMinSquaresPerChunk = 1024;
// Per-task work is claimed in blocks of about 1/kBlocksPerWorker of a worker's
// share: small enough to even out tasks of unequal cost, large enough that
// the shared counter is touched rarely.
constexpr std::size_t kBlocksPerWorker = 4;

// Range tasks are rebuilt from the generator; explicit ones are read in place.
const TaskSpec& spec_at(const Generator& generator, const TaskBatch& batch, std::size_t index,
                        TaskSpec& scratch) {
  if (!batch.is_range()) return batch.tasks[index].spec;
  scratch = generator.make(batch.first_id + index);
  return scratch;
}

bool batch_has_metric(const TaskBatch& batch, const Generator& generator) {
  if (batch.is_range()) return kind_info(generator.kind).has_metric;
  return std::any_of(batch.tasks.begin(), batch.tasks.end(),
                     [](const Task& task) { return kind_info(task.spec.kind).has_metric; });
}

}  // namespace

LocalExecutor::LocalExecutor(ExecutorConfig config, CompletionQueue<ResultBatch>& done)
    : config_(std::move(config)), done_(done) {
  config_.threads = std::max(config_.threads, 1u);
  announce_prefix_ = "[rank " + std::to_string(config_.rank) + " pid " +
                     std::to_string(::getpid()) + " thread " + std::to_string(config_.threads) +
                     " (io lane)] ";
  for (auto& c : cost_ns_) c.store(-1, std::memory_order_relaxed);
  pool_ = std::make_unique<ThreadPool>(config_.threads);
  lane_ = std::make_unique<AsyncLane>();
}

// Lane and pool each run all they were given before their threads exit, so
// draining them is the wait for every submitted batch. Drained in place, not
// reset: lane jobs call lane_->after() until the last download has started.
// Neither hands work to the other, so their order does not matter.
LocalExecutor::~LocalExecutor() {
  lane_->drain();
  pool_->drain();
}

void LocalExecutor::submit(TaskBatch batch) {
  auto state = std::make_shared<BatchState>();
  const std::size_t n = batch.size();
  const bool has_metric = batch_has_metric(batch, config_.generator);
  state->batch = std::move(batch);
  ResultBatch& result = state->result;
  result.seq = state->batch.seq;
  result.rank = config_.rank;
  result.values.assign(n, 0);
  if (has_metric) result.metrics.assign(n, 0.0);
  in_flight_.fetch_add(1, std::memory_order_acq_rel);
  if (n == 0) {
    finish(*state);
  } else if (state->batch.lane == Lane::io) {
    run_io(std::move(state));
  } else {
    run_cpu(std::move(state));
  }
}

void LocalExecutor::run_cpu(std::shared_ptr<BatchState> state) {
  const std::size_t n = state->batch.size();
  const std::size_t threads = pool_->size();
  if (runs_inline(state->batch)) {
    state->units_left.store(1, std::memory_order_relaxed);
    if (state->batch.is_range() && config_.generator.kind == KindId::square &&
        !config_.fail_every_task) {
      state->result.spans.resize(1);
      run_square_chunk(*state, 0, 1);
    } else {
      state->result.spans.resize(n);
      state->grain = n;
      run_task_block(*state);
    }
    return;
  }
  if (state->batch.is_range() && config_.generator.kind == KindId::square &&
        !config_.fail_every_task) {
    const std::size_t chunks = std::clamp<std::size_t>(n / kMinSquaresPerChunk, 1, threads);
    state->result.spans.resize(chunks);
    state->units_left.store(chunks, std::memory_order_relaxed);
    for (std::size_t c = 0; c < chunks; ++c) {
      pool_->execute([this, state, c, chunks]() noexcept { run_square_chunk(*state, c, chunks); });
    }
    return;
  }
  // Other tasks cost anything from nanoseconds to minutes each, so the
  // workers claim them in blocks as they go instead of taking fixed shares.
  const std::size_t workers = std::min(threads, n);
  state->result.spans.resize(n);
  state->grain = std::max<std::size_t>(1, n / (workers * kBlocksPerWorker));
  state->units_left.store(workers, std::memory_order_relaxed);
  for (std::size_t w = 0; w < workers; ++w) {
    pool_->execute([this, state]() noexcept { run_task_block(*state); });
  }
}

void LocalExecutor::run_square_chunk(BatchState& state, std::size_t chunk,
                                     std::size_t chunks) noexcept {
  const std::size_t n = state.batch.size();
  const std::size_t begin = n * chunk / chunks;
  const std::size_t end = n * (chunk + 1) / chunks;
  const std::int64_t start_us = now_us();
  std::int64_t* out = state.result.values.data();
  // Inputs are consecutive from the chunk's first; unsigned arithmetic keeps
  // an out-of-range input well defined (it overflows when squared anyway).
  const auto first_n =
      static_cast<std::uint64_t>(config_.generator.make(state.batch.first_id + begin).n);
  const auto input = [&](std::size_t i) {
    return static_cast<std::int64_t>(first_n + (i - begin));
  };
  for (std::size_t i = begin; i < end;) {
    const std::size_t bad = i + square_range(input(i), end - i, out + i);
    if (bad >= end) break;
    // The checked kernel names the input in its message.
    state.guarded(static_cast<std::uint32_t>(bad), [&] { out[bad] = square_checked(input(bad)); });
    i = bad + 1;
  }
  state.result.spans[chunk] = Span{.first = static_cast<std::uint32_t>(begin),
                                   .count = static_cast<std::uint32_t>(end - begin),
                                   .thread = thread_index(),
                                   .start_us = start_us,
                                   .end_us = now_us()};
  unit_done(state);
}

void LocalExecutor::run_task_block(BatchState& state) noexcept {
  const std::size_t n = state.batch.size();
  const unsigned thread = thread_index();
  ResultBatch& result = state.result;
  TaskSpec scratch;  // reused across range tasks
  for (;;) {
    // Relaxed: the claim only needs to be unique; results are published by unit_done.
    const std::size_t begin = state.next_task.fetch_add(state.grain, std::memory_order_relaxed);
    if (begin >= n) break;
    const std::size_t end = std::min(n, begin + state.grain);
    std::int64_t start_us = now_us();  // one clock read per task: a task starts as the last ends
    for (std::size_t i = begin; i < end; ++i) {
      const auto index = static_cast<std::uint32_t>(i);
      state.guarded(index, [&] {
        if (config_.fail_every_task) throw std::runtime_error("injected failure (DROVER_TEST_FAIL_RANKS)");
        const TaskSpec& spec = spec_at(config_.generator, state.batch, i, scratch);
        const KindInfo& kind = kind_info(spec.kind);
        if (kind.run == nullptr) {
          throw std::logic_error("kind " + std::string(kind.name) + " does not run on the pool");
        }
        const Outcome outcome = kind.run(spec);
        result.values[i] = outcome.value;
        if (!result.metrics.empty()) result.metrics[i] = outcome.metric;
      });
      const std::int64_t end_us = now_us();
      result.spans[i] = task_span(index, thread, start_us, end_us);
      start_us = end_us;
    }
  }
  unit_done(state);
}

// Only batches of uniform tasks: a generated range (one kind, one size) or
// explicit squares. A task file's crunch tasks differ in size, so one cheap
// task says nothing about the next.
bool LocalExecutor::runs_inline(const TaskBatch& batch) const {
  if (config_.fail_every_task) return false;  // the injected failure lives on the per-task path
  KindId kind = config_.generator.kind;
  if (!batch.is_range()) {
    const bool all_squares = std::all_of(batch.tasks.begin(), batch.tasks.end(), [](const Task& t) {
      return t.spec.kind == KindId::square;
    });
    if (!all_squares) return false;
    kind = KindId::square;
  }
  const std::int64_t cost =
      cost_ns_[static_cast<std::size_t>(kind)].load(std::memory_order_relaxed);
  return cost >= 0 && cost * static_cast<std::int64_t>(batch.size()) < config_.inline_budget_ns;
}

void LocalExecutor::learn_cost(const BatchState& state) noexcept {
  const TaskBatch& batch = state.batch;
  if (batch.size() == 0 || batch.lane != Lane::cpu) return;
  const KindId kind = batch.is_range() ? config_.generator.kind : batch.tasks[0].spec.kind;
  std::int64_t busy_us = 0;
  for (const Span& span : state.result.spans) busy_us += span.end_us - span.start_us;
  // An upper bound: each span lost up to 1 us to truncation. Never zero, so
  // a huge batch of cheap tasks is never taken for a cheap batch.
  const auto spans = static_cast<std::int64_t>(state.result.spans.size());
  const auto n = static_cast<std::int64_t>(batch.size());
  const std::int64_t per_task = ((busy_us + spans) * 1000 + n - 1) / n;
  auto& cost = cost_ns_[static_cast<std::size_t>(kind)];
  const std::int64_t old = cost.load(std::memory_order_relaxed);
  cost.store(old < 0 ? per_task : (3 * old + per_task) / 4, std::memory_order_relaxed);
}

unsigned LocalExecutor::thread_index() const noexcept {
  const unsigned index = ThreadPool::current_thread_index();
  return index == ThreadPool::kNotInPool ? config_.threads + 1 : index;
}

void LocalExecutor::unit_done(BatchState& state) noexcept {
  // acq_rel: the last unit to finish sees every other unit's writes to the result.
  if (state.units_left.fetch_sub(1, std::memory_order_acq_rel) == 1) finish(state);
}

void LocalExecutor::finish(BatchState& state) noexcept {
  learn_cost(state);
  auto& failures = state.result.failures;
  std::sort(failures.begin(), failures.end(),
            [](const Failure& a, const Failure& b) { return a.index < b.index; });
  CompletionQueue<ResultBatch>& done = done_;
  // Decrement before the push: once the consumer has popped the results of
  // all it submitted, in_flight() is 0. The price is a moment where
  // in_flight() is 0 while the last result is not yet queued, so a consumer
  // must count the results it pops, not poll in_flight() to see the end.
  in_flight_.fetch_sub(1, std::memory_order_acq_rel);
  done.push(std::move(state.result));
}

}  // namespace drover
