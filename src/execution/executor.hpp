// Runs batches on this rank: CPU kinds on the thread pool, IO kinds on the async lane.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "execution/completion_queue.hpp"
#include "model/kinds.hpp"
#include "model/task.hpp"
#include "model/task_source.hpp"

namespace drover {

class ThreadPool;
class AsyncLane;
class OutputRelay;

struct ExecutorConfig {
  int rank = 0;
  unsigned threads = 1;             // pool threads; the async lane is thread index `threads`
  bool announce = true;             // print IO kinds' per-task lines (download start/finish)
  bool announce_on_stderr = false;  // there, not on stdout (which holds the rows)
  // A batch of uniform tasks measured to cost less than this runs on the comm
  // thread: handing it to a pool thread and back costs two thread wake-ups,
  // several microseconds, most of the per-task overhead with --batch 1.
  std::int64_t inline_budget_ns = 2000;
  // Receives each announcement line (no trailing newline); default: stdout.
  std::function<void(std::string_view)> announce_sink;
  // By KindId (may be shorter than the registry): the run's settings of each
  // IO kind, what IoBatch::settings() gives it.
  std::vector<std::string> kind_settings;
  // Where task lines and announcements go: null, straight to this process's
  // stdout/stderr (rank 0); a worker's comm thread sends the relay's to rank 0.
  OutputRelay* relay = nullptr;
};

// Accepts batches from the comm thread and delivers one ResultBatch per batch,
// in completion order, to `done`. Never throws for a failing task: failures
// are recorded in the ResultBatch and the executor carries on.
class LocalExecutor {
 public:
  LocalExecutor(ExecutorConfig config, CompletionQueue<ResultBatch>& done);
  ~LocalExecutor();  // waits for every submitted batch to finish
  LocalExecutor(const LocalExecutor&) = delete;
  LocalExecutor& operator=(const LocalExecutor&) = delete;

  // Non-blocking: queues the batch; its ResultBatch (same seq, rank = config.rank)
  // is pushed to `done` when the last of its tasks ends. A CPU batch of uniform
  // tasks whose measured cost is below that of handing it to a pool thread
  // runs right here, on the calling comm thread (thread index threads + 1).
  // The const& form copies the batch only when it does not run inline.
  void submit(const TaskBatch& batch);
  void submit(TaskBatch&& batch);
  // Batches submitted whose results have not been pushed yet (an inline one
  // is pushed before submit returns). Read by the submitting thread.
  std::size_t in_flight() const { return in_flight_.load(std::memory_order_acquire); }
  unsigned threads() const { return config_.threads; }
  // The rank leaves with tasks still running (an abandoned stop): asks each IO
  // kind that keeps lane state to end what it runs (KindOps::abandon) and
  // waits for them, at most `limit`. Returns false when that ran out. Their
  // batches never finish; the caller does not destroy the executor afterwards.
  bool abandon(std::chrono::nanoseconds limit);
  // The run is stopping: each IO kind that keeps lane state starts none of
  // its queued tasks and returns them not started (KindOps::drain). Returns
  // at once; CPU batches, short by construction, run as queued.
  void drain();
  // Takes back the tasks of CPU batch `seq` that no pool thread has claimed:
  // returns how many it keeps (its results, still to come, cover those
  // first ones only), or nullopt when it takes none (every task claimed, the
  // batch finished or unknown, an IO batch, one run inline).
  std::optional<std::uint32_t> revoke(std::uint64_t seq);
  // Whole lines a task printed, to drover's stdout or stderr (see ExecutorConfig::relay).
  void write_lines(bool to_stderr, std::string_view lines) noexcept;

 private:
  struct BatchState;
  class IoView;
  bool try_inline(const TaskBatch& batch, const KindInfo* kind);
  void submit_shared(TaskBatch&& batch, const KindInfo* kind);
  void prepare(BatchState& state, const KindInfo* kind);
  void run_inline(BatchState& state);
  void run_cpu(std::shared_ptr<BatchState> state);
  void run_io(std::shared_ptr<BatchState> state);
  void start_io(const std::shared_ptr<BatchState>& state) noexcept;
  void run_block_chunk(BatchState& state, std::size_t chunk, std::size_t chunks) noexcept;
  void finish_chunk(BatchState& state, std::size_t chunk, std::size_t begin, std::size_t end,
                    std::int64_t start_us) noexcept;
  void run_task_block(BatchState& state) noexcept;
  bool runs_blocks(const BatchState& state) const;
  bool runs_inline(const KindInfo* kind, const TaskBatch& batch) const;
  void learn_cost(const BatchState& state) noexcept;
  unsigned thread_index() const noexcept;  // pool index, or threads + 1 on the comm thread
  void announce(std::string_view line) noexcept;
  void unit_done(BatchState& state) noexcept;
  void finish(BatchState& state) noexcept;

  ExecutorConfig config_;
  CompletionQueue<ResultBatch>& done_;
  std::atomic<std::size_t> in_flight_{0};
  // Nanoseconds per task by kind, smoothed; negative until first measured.
  // Written by whichever thread finishes a batch: a lost update is harmless.
  std::unique_ptr<std::atomic<std::int64_t>[]> cost_ns_;
  // ...and a lower bound (the spans' truncation not added): whether a kind's
  // tasks are cheap enough for chunks. The upper bound adds up to 1 us per
  // span, so a batch run task by task would never look cheap again.
  std::unique_ptr<std::atomic<std::int64_t>[]> floor_ns_;
  std::size_t kinds_ = 0;
  std::string announce_prefix_;  // "[rank R pid P thread T (io lane)] "
  std::string announce_line_;    // lane thread only: reused per line
  // By KindId: each IO kind's IoBatch::lane_state(), lane thread only. Freed
  // after the lane thread has stopped (~LocalExecutor).
  std::vector<std::shared_ptr<void>> lane_states_;
  // CPU batches on the pool, by seq, for revoke(). A lock per batch is
  // nothing beside the pool hand-off it comes with (several microseconds).
  std::mutex revocable_mutex_;
  std::unordered_map<std::uint64_t, std::weak_ptr<BatchState>> revocable_;
  // Declared last so they are destroyed first, while the members their
  // threads use are still alive.
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<AsyncLane> lane_;
};

}  // namespace drover
