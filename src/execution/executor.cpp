// LocalExecutor: splits CPU batches into pool work, and assembles every batch's ResultBatch.
#include "execution/executor.hpp"

#include <cxxabi.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <typeinfo>

#include "execution/async_lane.hpp"
#include "execution/executor_state.hpp"
#include "execution/thread_pool.hpp"

namespace drover {

namespace {

// A block kernel's task costs about a nanosecond: below this many per chunk
// the chunk's own cost (a queued job, a wake-up, a span) would start to show.
constexpr std::size_t kMinBlockTasksPerChunk = 1024;
constexpr std::int64_t kMaxBlockTaskNs = 1000;
constexpr std::int64_t kFloorMinBusyUs = 100;
// Per-task work is claimed in blocks of about 1/kBlocksPerWorker of a worker's
// share: small enough to even out tasks of unequal cost, large enough that
// the shared counter is touched rarely.
constexpr std::size_t kBlocksPerWorker = 4;

// The one kind of every task of the batch, or null when they mix.
const KindInfo* single_kind(const TaskBatch& batch) {
  if (batch.is_range()) return &fast_kind_info(batch.kind);
  const KindId first = batch.tasks.front().spec.kind;
  for (const Task& t : batch.tasks) {
    if (t.spec.kind != first) return nullptr;
  }
  return &fast_kind_info(first);
}

}  // namespace

std::string exception_type_name(const std::exception& e) {
  const char* mangled = typeid(e).name();
  int status = 0;
  char* readable = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string name = status == 0 && readable != nullptr ? readable : mangled;
  std::free(readable);
  return name;
}

LocalExecutor::LocalExecutor(ExecutorConfig config, CompletionQueue<ResultBatch>& done)
    : config_(std::move(config)), done_(done) {
  config_.threads = std::max(config_.threads, 1u);
  announce_prefix_ = "[rank " + std::to_string(config_.rank) + " pid " +
                     std::to_string(::getpid()) + " thread " + std::to_string(config_.threads) +
                     " (io lane)] ";
  kinds_ = all_kinds().size();
  cost_ns_ = std::make_unique<std::atomic<std::int64_t>[]>(kinds_);
  floor_ns_ = std::make_unique<std::atomic<std::int64_t>[]>(kinds_);
  for (std::size_t i = 0; i < kinds_; ++i) {
    cost_ns_[i].store(-1, std::memory_order_relaxed);
    floor_ns_[i].store(-1, std::memory_order_relaxed);
  }
  pool_ = std::make_unique<ThreadPool>(config_.threads);
  lane_ = std::make_unique<AsyncLane>();
  lane_states_.resize(kinds_);
  config_.kind_settings.resize(kinds_);
}

// Lane and pool each run all they were given before their threads exit, so
// draining them is the wait for every submitted batch. Drained in place, not
// reset: lane jobs schedule lane waits until the last task has finished.
// Neither hands work to the other, so their order does not matter.
LocalExecutor::~LocalExecutor() {
  lane_->drain();
  pool_->drain();
  // The lane thread has stopped: the kinds' lane state (a ProcessRunner with
  // descriptors on the lane's io_context) goes before the io_context does.
  lane_states_.clear();
}

void LocalExecutor::submit(const TaskBatch& batch) {
  const KindInfo* kind = batch.size() == 0 ? nullptr : single_kind(batch);
  if (!try_inline(batch, kind)) submit_shared(TaskBatch(batch), kind);
}

void LocalExecutor::submit(TaskBatch&& batch) {
  const KindInfo* kind = batch.size() == 0 ? nullptr : single_kind(batch);
  if (!try_inline(batch, kind)) submit_shared(std::move(batch), kind);
}

bool LocalExecutor::try_inline(const TaskBatch& batch, const KindInfo* kind) {
  if (batch.lane != Lane::cpu || !runs_inline(kind, batch)) return false;
  // It runs to its end on this thread, so its state needs no heap, no shared
  // ownership and no copy of the batch: with --batch 1, rank 0 comes here for
  // nearly every task.
  BatchState state(batch);
  prepare(state, kind);
  run_inline(state);
  return true;
}

void LocalExecutor::submit_shared(TaskBatch&& batch, const KindInfo* kind) {
  auto state = std::make_shared<BatchState>();
  state->owned = std::move(batch);
  prepare(*state, kind);
  // Counted while it runs on other threads; an inline batch has ended before
  // submit returns, and in_flight() is read on this thread only.
  state->counted = true;
  in_flight_.fetch_add(1, std::memory_order_acq_rel);
  if (state->batch.size() == 0) {
    finish(*state);
    return;
  }
  if (state->batch.lane == Lane::io) {
    run_io(std::move(state));
  } else {
    run_cpu(std::move(state));
  }
}

void LocalExecutor::prepare(BatchState& state, const KindInfo* kind) {
  const std::size_t n = state.batch.size();
  state.kind = kind;
  ResultBatch& result = state.result;
  result.seq = state.batch.seq;
  result.rank = config_.rank;
  result.count = static_cast<std::uint32_t>(n);
  state.kept = static_cast<std::uint32_t>(n);
  if (n == 0) return;
  // One kind with a fixed output size: outputs go straight into one packed array.
  if (kind != nullptr && kind->output_size != 0) {
    result.stride = kind->output_size;
    // Not zeroed: every task writes its slot, a failed one zeros (store / fail).
    result.outputs.resize(n * result.stride);
  } else {
    state.pieces.resize(n);
  }
}

// A block kernel needs fixed-size inputs and outputs, and for a generated
// range a block generator; a range kernel (run_range) needs only a fixed-size output.
bool LocalExecutor::runs_blocks(const BatchState& state) const {
  const KindInfo* k = state.kind;
  if (k == nullptr) return false;
  // Chunks pay off for tasks of nanoseconds. Tasks measured dearer run one
  // by one, claimed as threads free: a chunk is at least 1,024 tasks on one
  // thread, so 371 tasks of 5 ms in one chunk took 1.8 s on one thread while
  // the others idled, and no revoke could take any of it back.
  if (floor_ns_[k->id].load(std::memory_order_relaxed) > kMaxBlockTaskNs) return false;
  if (state.batch.is_range() && k->run_range && k->output_size != 0) return true;
  if (!k->run_block) return false;
  if (k->input_size == 0 || k->output_size == 0) return false;
  return !state.batch.is_range() || static_cast<bool>(k->generate_block);
}

void LocalExecutor::run_inline(BatchState& state) {
  state.units_left.store(1, std::memory_order_relaxed);
  if (runs_blocks(state)) {
    state.result.spans.resize(1);
    run_block_chunk(state, 0, 1);
  } else {
    state.result.spans.resize(state.batch.size());
    state.grain = state.batch.size();
    run_task_block(state);
  }
}

void LocalExecutor::run_cpu(std::shared_ptr<BatchState> state) {
  const std::size_t n = state->batch.size();
  const std::size_t threads = pool_->size();
  const bool blocks = runs_blocks(*state);
  state->revocable = true;  // queued on the pool: revoke() may take back what is unclaimed
  {
    std::lock_guard lock(revocable_mutex_);
    revocable_[state->batch.seq] = state;
  }
  if (blocks) {
    const std::size_t chunks = std::clamp<std::size_t>(n / kMinBlockTasksPerChunk, 1, threads);
    state->chunks = chunks;
    state->result.spans.resize(chunks);
    state->units_left.store(chunks, std::memory_order_relaxed);
    for (std::size_t c = 0; c < chunks; ++c) {
      // Each job claims the next chunk as it starts, so a revoke can take the unstarted ones.
      pool_->execute([this, state]() noexcept {
        const std::size_t chunk = state->next_task.fetch_add(1, std::memory_order_relaxed);
        if (chunk < state->chunks) {
          run_block_chunk(*state, chunk, state->chunks);
        } else {
          unit_done(*state);
        }
      });
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

// Only batches of uniform tasks: a generated range (one kind, one input size)
// or explicit tasks of one kind that says its cost does not depend on its
// input. A task file's crunch tasks differ in size, so one cheap task says
// nothing about the next.
bool LocalExecutor::runs_inline(const KindInfo* kind, const TaskBatch& batch) const {
  if (kind == nullptr || batch.size() == 0) return false;
  if (!batch.is_range() && !kind->uniform_cost) return false;
  const std::int64_t cost = cost_ns_[kind->id].load(std::memory_order_relaxed);
  return cost >= 0 && cost * static_cast<std::int64_t>(batch.size()) < config_.inline_budget_ns;
}

void LocalExecutor::learn_cost(const BatchState& state) noexcept {
  const TaskBatch& batch = state.batch;
  if (state.result.count == 0 || batch.lane != Lane::cpu || state.kind == nullptr) return;
  std::int64_t busy_us = 0;
  for (const Span& span : state.result.spans) busy_us += span.end_us - span.start_us;
  // An upper bound: each span lost up to 1 us to truncation. Never zero, so
  // a huge batch of cheap tasks is never taken for a cheap batch.
  const auto spans = static_cast<std::int64_t>(state.result.spans.size());
  const auto n = static_cast<std::int64_t>(state.result.count);  // after a revoke, what ran
  const std::int64_t per_task = ((busy_us + spans) * 1000 + n - 1) / n;
  auto& cost = cost_ns_[state.kind->id];
  const std::int64_t old = cost.load(std::memory_order_relaxed);
  cost.store(old < 0 ? per_task : (3 * old + per_task) / 4, std::memory_order_relaxed);
  // Only from batches long enough for microsecond clocks to say (a probe of
  // one cheap task reads 0-2 us, which would look like a dear task).
  if (busy_us < kFloorMinBusyUs) return;
  const std::int64_t floor = busy_us * 1000 / n;
  auto& low = floor_ns_[state.kind->id];
  const std::int64_t old_low = low.load(std::memory_order_relaxed);
  low.store(old_low < 0 ? floor : (3 * old_low + floor) / 4, std::memory_order_relaxed);
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
  ResultBatch& result = state.result;
  if (state.revocable) {
    std::lock_guard lock(revocable_mutex_);
    revocable_.erase(state.batch.seq);
  }
  if (state.kept < result.count) {
    // Tasks [kept, count) were taken back: the results are those of the tasks that ran.
    result.count = state.kept;
    if (result.stride != 0) result.outputs.resize(std::size_t{state.kept} * result.stride);
    if (state.chunks != 0) {
      result.spans.resize(state.kept_chunks);
    } else {
      result.spans.resize(state.kept);
      if (result.stride == 0) state.pieces.resize(state.kept);
    }
  }
  learn_cost(state);
  std::sort(result.failures.begin(), result.failures.end(),
            [](const Failure& a, const Failure& b) { return a.index < b.index; });
  if (result.stride == 0) {
    std::size_t total = 0;
    for (const std::string& piece : state.pieces) total += piece.size();
    result.outputs.reserve(total);
    result.ends.reserve(state.pieces.size());
    for (const std::string& piece : state.pieces) {
      detail::append(result.outputs, piece);
      result.ends.push_back(static_cast<std::uint32_t>(result.outputs.size()));
    }
    state.pieces = {};
  }
  CompletionQueue<ResultBatch>& done = done_;
  // Decrement before the push: once the consumer has popped the results of
  // all it submitted, in_flight() is 0. The price is a moment where
  // in_flight() is 0 while the last result is not yet queued, so a consumer
  // must count the results it pops, not poll in_flight() to see the end.
  if (state.counted) in_flight_.fetch_sub(1, std::memory_order_acq_rel);
  done.push(std::move(result));
}

}  // namespace drover
