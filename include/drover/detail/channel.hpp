// Internal to the library's templates: how results travel from rank 0's comm thread to a caller.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "drover/detail/bytes.hpp"
#include "drover/errors.hpp"
#include "drover/kind.hpp"

namespace drover::detail {

// The results of consecutive items [first_index, first_index + count) of one
// call, as one rank sent them: outputs packed as in the wire's ResultBatch.
struct Piece {
  struct Failed {
    std::uint32_t offset = 0;  // within the piece
    std::string message;
    std::string type;
  };
  std::uint64_t first_index = 0;
  std::uint64_t first_task = 0;  // the task id of the first item
  std::uint32_t count = 0;
  std::uint32_t stride = 0;         // bytes per output, or 0: see ends
  Bytes outputs;
  std::vector<std::uint32_t> ends;  // cumulative, when stride is 0
  std::vector<Failed> failures;     // sorted by offset
  int rank = 0;
  std::string host;

  std::span<const char> output(std::size_t i) const {
    if (stride != 0) return {outputs.data() + i * stride, stride};
    const std::size_t begin = i == 0 ? 0 : ends[i - 1];
    return {outputs.data() + begin, ends[i] - begin};
  }
  remote_error error(const Failed& f) const {
    return remote_error(first_task + f.offset, rank, host, f.type, f.message);
  }
};

// Where the comm thread hands a call's results.
class Channel {
 public:
  virtual ~Channel() = default;
  virtual void deliver(Piece&& piece) = 0;  // the comm thread only
  // The runtime could not finish the call: it stopped cleanly (a signal, the
  // time limit) or it is shutting down after an error.
  virtual void abort(const std::string& why, bool stopped) = 0;
};

// What a call whose channel was aborted throws.
[[noreturn]] inline void throw_aborted(const std::string& why, bool stopped) {
  if (stopped) throw stopped_error("drover: stopped: " + why);
  throw usage_error("drover: " + why);
}

// A channel its caller drains: what map() waits on.
class QueueChannel final : public Channel {
 public:
  void deliver(Piece&& piece) override {
    {
      std::lock_guard lock(mutex_);
      pieces_.push_back(std::move(piece));
    }
    ready_.notify_one();
  }
  void abort(const std::string& why, bool stopped) override {
    {
      std::lock_guard lock(mutex_);
      aborted_ = why;
      stopped_ = stopped;
    }
    ready_.notify_one();
  }
  // Waits for at least one piece, then moves every queued piece into `out`.
  void wait_drain(std::vector<Piece>& out) {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return !pieces_.empty() || !aborted_.empty(); });
    if (pieces_.empty()) throw_aborted(aborted_, stopped_);
    for (Piece& p : pieces_) out.push_back(std::move(p));
    pieces_.clear();
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Piece> pieces_;
  std::string aborted_;
  bool stopped_ = false;
};

// Rank 0's side of the runtime, as the templates see it (src/library).
class Service {
 public:
  virtual ~Service() = default;
  // Queues one task per input, all of `kind`, as items first_index, ...;
  // their results go to `channel`. Blocks while too many tasks are pending.
  virtual void submit(KindId kind, std::vector<std::string>& inputs,
                      std::shared_ptr<Channel> channel, std::uint64_t first_index) = 0;
  // Queues `count` generated tasks: item i has the input kind.generate(params, i).
  virtual void submit_range(KindId kind, std::uint64_t count, const std::string& params,
                            std::shared_ptr<Channel> channel, std::uint64_t first_index) = 0;
  // The kind registered as `name` (throws usage_error when there is none).
  virtual KindId kind_named(const char* name) const = 0;
  // Tasks that may be pending before submit waits (Options::max_pending).
  virtual std::uint64_t max_pending() const = 0;
  // The most tasks the ranks run or hold at once: every thread's batches.
  virtual std::uint64_t in_flight() const = 0;
};

}  // namespace drover::detail
