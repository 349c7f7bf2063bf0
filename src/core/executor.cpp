// LocalExecutor: splits batches into pool chunks or lane timers and assembles their ResultBatch.
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

std::int64_t now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

Span task_span(std::uint32_t index, unsigned thread, std::int64_t start_us, std::int64_t end_us) {
  return Span{.first = index, .count = 1, .thread = thread, .start_us = start_us, .end_us = end_us};
}

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

struct LocalExecutor::BatchState {
  TaskBatch batch;
  ResultBatch result;
  std::atomic<std::size_t> units_left{0};  // chunks, task claimers or downloads still running
  std::atomic<std::size_t> next_task{0};   // first unclaimed task, for per-task CPU work
  std::size_t grain = 1;                   // tasks claimed at a time
  std::mutex failures_mutex;               // failures are rare: a lock each is fine

  // Runs `body` for task `index`; what it throws becomes the task's failure.
  template <class F>
  void guarded(std::uint32_t index, F&& body) noexcept {
    try {
      body();
    } catch (const std::exception& e) {
      fail(index, e.what());
    } catch (...) {
      fail(index, "unknown exception");
    }
  }
  void fail(std::uint32_t index, std::string_view message) noexcept {
    result.values[index] = 0;
    std::lock_guard lock(failures_mutex);
    result.failures.push_back(Failure{index, std::string(message)});
  }
};

LocalExecutor::LocalExecutor(ExecutorConfig config, CompletionQueue<ResultBatch>& done)
    : config_(std::move(config)), done_(done) {
  config_.threads = std::max(config_.threads, 1u);
  announce_prefix_ = "[rank " + std::to_string(config_.rank) + " pid " +
                     std::to_string(::getpid()) + " thread " + std::to_string(config_.threads) +
                     " (io lane)] ";
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
  if (state->batch.is_range() && config_.generator.kind == KindId::square) {
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
                                   .thread = ThreadPool::current_thread_index(),
                                   .start_us = start_us,
                                   .end_us = now_us()};
  unit_done(state);
}

void LocalExecutor::run_task_block(BatchState& state) noexcept {
  const std::size_t n = state.batch.size();
  const unsigned thread = ThreadPool::current_thread_index();
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

void LocalExecutor::run_io(std::shared_ptr<BatchState> state) {
  const std::size_t n = state->batch.size();
  state->result.spans.resize(n);
  state->units_left.store(n, std::memory_order_relaxed);
  // Starting the downloads on the lane keeps submit() cheap for big batches
  // and keeps every announcement on the one thread.
  lane_->post([this, state = std::move(state), n]() noexcept {
    for (std::size_t i = 0; i < n; ++i) start_download(state, static_cast<std::uint32_t>(i));
  });
}

void LocalExecutor::start_download(const std::shared_ptr<BatchState>& state,
                                   std::uint32_t index) noexcept {
  const TaskSpec& spec = spec_at(config_.generator, state->batch, index, lane_scratch_);
  const std::int64_t start_us = now_us();
  if (kind_info(spec.kind).lane != Lane::io) {
    state->fail(index,
                "kind " + std::string(kind_info(spec.kind).name) + " does not run on the IO lane");
    state->result.spans[index] = task_span(index, config_.threads, start_us, start_us);
    unit_done(*state);
    return;
  }
  // Inputs are validated upstream; clamping keeps the duration cast defined regardless.
  const double seconds = spec.seconds >= 0 ? std::min(spec.seconds, kMaxDownloadSeconds) : 0.0;
  state->result.values[index] = std::llround(seconds * 1000);
  if (config_.announce) announce(false, spec.name, seconds);
  const auto started = std::chrono::steady_clock::now();
  const auto delay =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds));
  lane_->after(delay, [this, state, index, started, start_us]() noexcept {
    const std::chrono::duration<double> waited = std::chrono::steady_clock::now() - started;
    finish_download(*state, index, waited.count(), start_us);
  });
}

void LocalExecutor::finish_download(BatchState& state, std::uint32_t index, double waited,
                                    std::int64_t start_us) noexcept {
  ResultBatch& result = state.result;
  if (!result.metrics.empty()) result.metrics[index] = waited;
  result.spans[index] = task_span(index, config_.threads, start_us, now_us());
  if (config_.announce) {
    announce(true, spec_at(config_.generator, state.batch, index, lane_scratch_).name, waited);
  }
  unit_done(state);
}

void LocalExecutor::announce(bool finished, std::string_view name, double seconds) noexcept {
  char tail[64];
  std::snprintf(tail, sizeof tail, finished ? " in %.2f s" : " (%.2f s)", seconds);
  std::string& line = announce_line_;
  line.assign(announce_prefix_).append(finished ? "finished " : "downloading ").append(name);
  line.append(tail);
  if (config_.announce_sink) {
    try {
      config_.announce_sink(line);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "drover: announce sink failed: %s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "drover: announce sink failed: unknown exception\n");
    }
    return;
  }
  // One fwrite per line so lines from several ranks on one pipe do not
  // interleave mid-line; flushed because mpirun's pipe would otherwise hold them.
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

void LocalExecutor::unit_done(BatchState& state) noexcept {
  // acq_rel: the last unit to finish sees every other unit's writes to the result.
  if (state.units_left.fetch_sub(1, std::memory_order_acq_rel) == 1) finish(state);
}

void LocalExecutor::finish(BatchState& state) noexcept {
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
