// LiveSource: the library's queue of submitted tasks, pulled by the scheduler, routed back by call.
#include "library/live_source.hpp"

#include <algorithm>

#include "model/kinds.hpp"

namespace drover {

LiveSource::LiveSource(std::uint64_t max_pending, std::function<void()> wake)
    : max_pending_(std::max<std::uint64_t>(max_pending, 1)), wake_(std::move(wake)) {}

KindId LiveSource::kind_named(const char* name) const {
  const KindInfo* kind = find_kind(name);
  if (kind == nullptr) {
    throw usage_error(std::string("drover: no kind is registered as \"") + name +
                      "\" (known: " + kind_names() + ")");
  }
  return kind->id;
}

void LiveSource::push(Entry&& entry) {
  {
    std::unique_lock lock(mutex_);
    if (!stopped_.empty()) detail::throw_aborted(stopped_, true);
    if (closed_) throw usage_error("drover: a task was submitted after the runtime closed");
    // Back-pressure: wait while too much is pending, but never refuse a
    // submission larger than the bound into an empty queue.
    room_.wait(lock, [&] { return pending_ == 0 || pending_ + entry.count <= max_pending_; });
    entry.first_id = next_id_;
    next_id_ += entry.count;
    pending_ += entry.count;
    entries_.push_back(std::move(entry));
    news_ = true;
  }
  wake_();
}

void LiveSource::submit(KindId kind, std::vector<std::string>& inputs,
                        std::shared_ptr<detail::Channel> channel, std::uint64_t first_index) {
  if (inputs.empty()) return;
  if (fast_kind_info(kind).lane == Lane::io && !fast_kind_info(kind).start) {
    throw usage_error("drover: kind " + fast_kind_info(kind).name + " cannot start on the IO lane");
  }
  Entry e;
  e.count = inputs.size();
  e.kind = kind;
  e.channel = std::move(channel);
  e.first_index = first_index;
  e.inputs = std::move(inputs);
  inputs.clear();
  push(std::move(e));
}

void LiveSource::submit_range(KindId kind, std::uint64_t count, const std::string& params,
                              std::shared_ptr<detail::Channel> channel, std::uint64_t first_index) {
  if (count == 0) return;
  if (!fast_kind_info(kind).generate) {
    throw usage_error("drover: kind " + fast_kind_info(kind).name + " has no generator for ranges");
  }
  Entry e;
  e.count = count;
  e.kind = kind;
  e.channel = std::move(channel);
  e.first_index = first_index;
  e.range = true;
  e.params = params;
  push(std::move(e));
}

void LiveSource::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    news_ = true;
  }
  wake_();
}

void LiveSource::abort(const std::string& why, bool stopped) {
  std::deque<Entry> left;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    if (stopped) stopped_ = why;
    left.swap(entries_);
    next_entry_ = 0;
    pending_ = 0;
  }
  room_.notify_all();
  for (Entry& e : left) e.channel->abort(why, stopped);
}

std::uint64_t LiveSource::pending() const {
  std::lock_guard lock(mutex_);
  return pending_;
}

bool LiveSource::take_news() {
  std::lock_guard lock(mutex_);
  return std::exchange(news_, false);
}

std::optional<KindId> LiveSource::peek_kind() {
  if (!done_.empty()) replay_front();
  std::lock_guard lock(mutex_);
  if (next_entry_ >= entries_.size()) return std::nullopt;
  return entries_[next_entry_].kind;
}

bool LiveSource::may_grow() const {
  std::lock_guard lock(mutex_);
  return !closed_;
}

std::uint64_t LiveSource::next_id() const {
  std::lock_guard lock(mutex_);
  return taken_id_;
}

// A range entry is sliced into range batches; explicit entries of one lane
// that follow each other (consecutive ids) fill one batch together.
bool LiveSource::next_batch(std::size_t max_tasks, TaskBatch& batch) {
  batch.tasks.clear();
  batch.count = 0;
  batch.params.clear();
  std::lock_guard lock(mutex_);
  batch.first_id = taken_id_;
  if (next_entry_ >= entries_.size()) return false;
  std::size_t cap = std::max<std::size_t>(max_tasks, 1);
  // A batch stops where the journal's tasks begin: those are answered from it.
  if (!done_.empty()) cap = std::min<std::uint64_t>(cap, std::max<std::uint64_t>(1, next_done_id() - taken_id_));
  Entry* e = &entries_[next_entry_];
  batch.lane = fast_kind_info(e->kind).lane;
  if (e->range) {
    const auto n = static_cast<std::uint32_t>(
        std::min<std::uint64_t>({cap, e->count - e->taken, 0xFFFFFFFFu}));
    batch.count = n;
    batch.kind = e->kind;
    batch.params = e->params;
    batch.first_item = e->taken;
    e->taken += n;
    taken_id_ += n;
    if (e->taken == e->count) ++next_entry_;
    return true;
  }
  while (batch.tasks.size() < cap) {
    TaskSpec spec{e->kind, std::move(e->inputs[e->taken]), {}};
    if (limit_ != nullptr) {
      if (batch.tasks.empty()) {
        limit_->begin(spec);
      } else if (!limit_->admits(spec)) {
        e->inputs[e->taken] = std::move(spec.input);  // it starts the next batch
        break;
      }
    }
    batch.tasks.push_back(Task{taken_id_, std::move(spec)});
    ++e->taken;
    ++taken_id_;
    if (e->taken < e->count) continue;
    e->inputs = {};
    ++next_entry_;
    if (next_entry_ >= entries_.size()) break;
    e = &entries_[next_entry_];
    if (e->range || fast_kind_info(e->kind).lane != batch.lane) break;
  }
  return true;
}

const LiveSource::Entry* LiveSource::entry_of(std::uint64_t id) const {
  // Entries are in id order and cover consecutive ids.
  const auto it = std::upper_bound(entries_.begin(), entries_.end(), id,
                                   [](std::uint64_t v, const Entry& e) { return v < e.first_id; });
  if (it == entries_.begin()) return nullptr;
  const Entry& e = *std::prev(it);
  return id < e.first_id + e.count ? &e : nullptr;
}

LiveSource::Entry* LiveSource::entry_of(std::uint64_t id) {
  return const_cast<Entry*>(static_cast<const LiveSource*>(this)->entry_of(id));
}

std::optional<TaskSpec> LiveSource::spec_of(std::uint64_t id) const {
  std::lock_guard lock(mutex_);
  const Entry* e = entry_of(id);
  if (e == nullptr || !e->range) return std::nullopt;  // explicit tasks travel with their input
  TaskSpec spec{e->kind, {}, {}};
  fast_kind_info(e->kind).generate(e->params, id - e->first_id, spec.input);
  return spec;
}

void LiveSource::consume(const TaskBatch& tasks, const ResultBatch& results) {
  const std::size_t n = tasks.size();
  std::size_t begin = 0;
  while (begin < n) {
    Entry* e = nullptr;
    {
      std::lock_guard lock(mutex_);
      e = entry_of(tasks.first_id + begin);
    }
    if (e == nullptr) throw std::logic_error("library: results for a task nobody submitted");
    const std::size_t end = std::min<std::uint64_t>(n, e->first_id + e->count - tasks.first_id);
    deliver(*e, tasks, results, begin, end);
    begin = end;
  }
  release(n);
}

void LiveSource::consume_last(const TaskBatch& tasks, ResultBatch&& results) {
  Entry* e = nullptr;
  {
    std::lock_guard lock(mutex_);
    e = entry_of(tasks.first_id);
  }
  const bool whole = e != nullptr && tasks.first_id + tasks.size() <= e->first_id + e->count;
  if (!whole) return consume(tasks, results);
  deliver(*e, tasks, results, 0, tasks.size(), &results.outputs);
  release(tasks.size());
}

// Delivered entries at the front are done with; their room goes back.
void LiveSource::release(std::size_t n) {
  {
    std::lock_guard lock(mutex_);
    while (!entries_.empty() && entries_.front().delivered == entries_.front().count &&
           next_entry_ > 0) {
      entries_.pop_front();
      --next_entry_;
    }
    pending_ -= std::min(pending_, static_cast<std::uint64_t>(n));
  }
  room_.notify_all();
}

// Tasks [begin, end) of the batch, all of entry e, as one piece of its call.
void LiveSource::deliver(Entry& e, const TaskBatch& tasks, const ResultBatch& results,
                         std::size_t begin, std::size_t end, Bytes* take_outputs,
                         const std::string* host) {
  detail::Piece piece;
  piece.first_task = tasks.first_id + begin;
  piece.first_index = e.first_index + (piece.first_task - e.first_id);
  piece.count = static_cast<std::uint32_t>(end - begin);
  piece.rank = results.rank;
  if (host != nullptr) {  // a journal batch: the host that ran it, in an earlier run
    piece.host = *host;
  } else {
    piece.host = results.rank >= 0 && static_cast<std::size_t>(results.rank) < ranks_.size()
                     ? ranks_[results.rank].host
                     : "?";
  }
  piece.stride = results.stride;
  if (take_outputs != nullptr) {  // the whole batch: its outputs move, not copied
    piece.outputs = std::move(*take_outputs);
    piece.ends = results.ends;
  } else if (results.stride != 0) {
    const auto from = results.outputs.begin() + static_cast<std::ptrdiff_t>(begin * results.stride);
    piece.outputs.assign(from, from + static_cast<std::ptrdiff_t>((end - begin) * results.stride));
  } else {
    const std::uint32_t base = begin == 0 ? 0 : results.ends[begin - 1];
    piece.outputs.assign(results.outputs.begin() + base,
                         results.outputs.begin() + results.ends[end - 1]);
    for (std::size_t i = begin; i < end; ++i) piece.ends.push_back(results.ends[i] - base);
  }
  for (const Failure& f : results.failures) {
    if (f.index >= begin && f.index < end) {
      piece.failures.push_back({static_cast<std::uint32_t>(f.index - begin), f.message, f.type});
    }
  }
  e.delivered += piece.count;
  e.channel->deliver(std::move(piece));
}

}  // namespace drover
