// The library's task queue on rank 0: callers submit, the scheduler pulls, results go back by call.
#pragma once

#include <drover/detail/channel.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "journal/journal.hpp"
#include "model/task_source.hpp"
#include "outputs/report.hpp"
#include "scheduling/consumer.hpp"

namespace drover {

// Three faces of one queue: detail::Service for the callers' threads, a
// TaskSource for the scheduler and a ResultConsumer for what it hands on
// (both on the comm thread). Tasks get consecutive ids as they are
// submitted; each submission is an entry that remembers its call's channel,
// so results find their way back with one lookup per run of ids.
class LiveSource final : public TaskSource, public ResultConsumer, public detail::Service {
 public:
  // `wake` tells the comm thread that there is something new (tasks, or the close).
  LiveSource(std::uint64_t max_pending, std::function<void()> wake);

  // --- detail::Service: any caller thread ---
  void submit(KindId kind, std::vector<std::string>& inputs,
              std::shared_ptr<detail::Channel> channel, std::uint64_t first_index) override;
  void submit_range(KindId kind, std::uint64_t count, const std::string& params,
                    std::shared_ptr<detail::Channel> channel, std::uint64_t first_index) override;
  KindId kind_named(const char* name) const override;
  std::uint64_t max_pending() const override { return max_pending_; }
  std::uint64_t in_flight() const override { return in_flight_; }
  // Before the first call: what in_flight() says (the scheduler's credits).
  void set_in_flight(std::uint64_t tasks) { in_flight_ = tasks; }
  // No more submissions: the scheduler sees the source end once it is empty.
  void close();
  // Every call still waiting is told why it will not finish: the runtime
  // stopped cleanly (`stopped`: they throw stopped_error) or the comm thread failed.
  void abort(const std::string& why, bool stopped = false);
  // Submitted tasks not yet delivered.
  std::uint64_t pending() const;
  // Resume: tasks the journal at `path` holds (`done`, as scanned) are answered
  // from it, not run, once submitted; `observer` (may be null) sees each
  // journal batch used. Call before the first submission. The journal's tasks
  // must be what this run submits under their ids: a task whose kind or input
  // differs throws InputError naming it.
  void set_replay(std::string path, std::vector<JournalScan::Entry> done, ResultConsumer* observer);
  // Tasks answered from the journal so far.
  std::uint64_t replayed() const { return replayed_; }
  // Rank hosts, for the errors callers get.
  void set_ranks(std::vector<RankInfo> ranks) { ranks_ = std::move(ranks); }
  // True once since the last call when something was submitted or closed.
  bool take_news();

  // --- TaskSource: the comm thread ---
  std::optional<std::uint64_t> total() const override { return std::nullopt; }
  std::optional<KindId> peek_kind() override;
  bool may_grow() const override;
  bool next_batch(std::size_t max_tasks, TaskBatch& batch) override;
  std::uint64_t next_id() const override;
  void skip_to(std::uint64_t) override {}
  std::optional<TaskSpec> spec_of(std::uint64_t id) const override;
  void set_batch_limit(BatchLimit* limit) override { limit_ = limit; }

  // --- ResultConsumer: the comm thread ---
  void consume(const TaskBatch& tasks, const ResultBatch& results) override;
  // Takes the outputs of a batch that goes to one call whole, instead of a copy.
  void consume_last(const TaskBatch& tasks, ResultBatch&& results) override;

 private:
  struct Entry {
    std::uint64_t first_id = 0;
    std::uint64_t count = 0;
    KindId kind = 0;
    std::shared_ptr<detail::Channel> channel;
    std::uint64_t first_index = 0;  // the call's index of the entry's first item
    bool range = false;
    std::string params;               // range entries
    std::vector<std::string> inputs;  // explicit entries; moved out as taken
    std::uint64_t taken = 0;          // handed to the scheduler
    std::uint64_t delivered = 0;      // results handed to the channel
  };
  void push(Entry&& entry);
  Entry* entry_of(std::uint64_t id);  // under mutex_
  const Entry* entry_of(std::uint64_t id) const;
  void deliver(Entry& entry, const TaskBatch& tasks, const ResultBatch& results, std::size_t begin,
               std::size_t end, Bytes* take_outputs = nullptr,
               const std::string* host = nullptr);
  void release(std::size_t tasks);  // drops delivered entries, gives their room back
  // live_replay.cpp: answers the tasks at the front that the journal holds.
  void replay_front();
  // The first id at or after taken_id_ that the journal holds (batches stop there).
  std::uint64_t next_done_id() const;
  void check_replayed(const Entry& e, std::uint64_t id, std::uint64_t end) const;

  BatchLimit* limit_ = nullptr;  // the scheduler's, set before the run
  const std::uint64_t max_pending_;
  std::uint64_t in_flight_ = 1 << 20;
  std::function<void()> wake_;
  mutable std::mutex mutex_;
  std::condition_variable room_;  // pending_ fell: a waiting submit may go on
  std::deque<Entry> entries_;     // in id order; the front is dropped once delivered
  std::size_t next_entry_ = 0;    // first entry with tasks not yet taken
  std::uint64_t next_id_ = 0;     // the id the next submission starts at
  std::uint64_t taken_id_ = 0;    // the id the next batch starts at
  std::uint64_t pending_ = 0;     // submitted, not yet delivered
  bool closed_ = false;
  std::string stopped_;  // why the runtime stopped cleanly: later submissions throw stopped_error
  bool news_ = false;
  std::vector<RankInfo> ranks_;
  // Resume (comm thread only).
  std::string replay_path_;
  std::vector<JournalScan::Entry> done_;
  std::size_t next_done_ = 0;  // first journal batch not wholly behind taken_id_
  std::optional<JournalBatch> cached_;
  std::size_t cached_index_ = ~std::size_t{0};
  ResultConsumer* replay_observer_ = nullptr;
  std::uint64_t replayed_ = 0;
};

}  // namespace drover
