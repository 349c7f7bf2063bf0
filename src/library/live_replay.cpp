// Resuming a library run: submitted tasks the journal holds are answered from it, after a check.
//
// Ids are given in submission order, so a program that submits the same work
// in the same order finds each earlier result under the same id. A journal
// batch is answered as far as its tasks have been submitted (one decoded batch
// is kept for the rest), so a caller that waits on each result before it
// submits the next never waits for tasks it has not submitted yet.
#include <algorithm>
#include <string>

#include "library/live_source.hpp"
#include "model/errors.hpp"
#include "model/kinds.hpp"

namespace drover {
namespace {

// The encoded input of task `i` of a batch, explicit or generated.
void input_at(const TaskBatch& batch, std::size_t i, std::string& out) {
  out.clear();
  if (!batch.is_range()) {
    out = batch.tasks[i].spec.input;
    return;
  }
  fast_kind_info(batch.kind).generate(batch.params, batch.first_item + i, out);
}

KindId kind_at(const TaskBatch& batch, std::size_t i) {
  return batch.is_range() ? batch.kind : batch.tasks[i].spec.kind;
}

}  // namespace

void LiveSource::set_replay(std::string path, std::vector<JournalScan::Entry> done,
                            ResultConsumer* observer) {
  replay_path_ = std::move(path);
  done_ = std::move(done);
  replay_observer_ = observer;
}

std::uint64_t LiveSource::next_done_id() const {
  for (std::size_t i = next_done_; i < done_.size(); ++i) {
    if (done_[i].first_id + done_[i].count > taken_id_) return std::max(done_[i].first_id, taken_id_);
  }
  return ~std::uint64_t{0};
}

// Entry `e` submitted ids [id, end): they must be the tasks the journal ran.
void LiveSource::check_replayed(const Entry& e, std::uint64_t id, std::uint64_t end) const {
  const JournalBatch& j = *cached_;
  const std::uint64_t jfirst = j.tasks.first_id;
  if (e.range && j.tasks.is_range() && e.kind == j.tasks.kind && e.params == j.tasks.params &&
      id - e.first_id == j.tasks.first_item + (id - jfirst)) {
    return;  // the same generator at the same items: equal without generating them
  }
  std::string ours;
  std::string theirs;
  for (std::uint64_t t = id; t < end; ++t) {
    const std::size_t i = t - jfirst;
    bool same = e.kind == kind_at(j.tasks, i);
    if (same) {
      if (e.range) {
        ours.clear();
        fast_kind_info(e.kind).generate(e.params, t - e.first_id, ours);
      } else {
        ours = e.inputs[t - e.first_id];
      }
      input_at(j.tasks, i, theirs);
      same = ours == theirs;
    }
    if (!same) {
      std::string what = replay_path_;
      what += ": task ";
      what += std::to_string(t);
      what += " (kind ";
      what += fast_kind_info(e.kind).name;
      what += ") is not the task the journal holds under that id: this program submits other "
              "work than the run that wrote the journal, or in another order";
      throw InputError(what);
    }
  }
}

void LiveSource::replay_front() {
  for (;;) {
    Entry* e = nullptr;
    std::uint64_t id = 0;
    std::uint64_t submitted = 0;
    {
      std::lock_guard lock(mutex_);
      if (next_entry_ >= entries_.size()) return;
      e = &entries_[next_entry_];
      id = taken_id_;
      submitted = next_id_;
    }
    while (next_done_ < done_.size() && done_[next_done_].first_id + done_[next_done_].count <= id)
      ++next_done_;
    if (next_done_ == done_.size() || done_[next_done_].first_id > id) return;
    const JournalScan::Entry& d = done_[next_done_];
    if (cached_index_ != next_done_) {
      cached_ = read_journal_batch(replay_path_, d.offset);
      cached_index_ = next_done_;
      if (replay_observer_ != nullptr) replay_observer_->consume_replayed(*cached_);
    }
    // Answer the submitted part of this journal batch, entry by entry.
    const std::uint64_t end = std::min<std::uint64_t>(d.first_id + d.count, submitted);
    while (id < end) {
      const std::uint64_t upto = std::min(end, e->first_id + e->count);
      check_replayed(*e, id, upto);
      deliver(*e, cached_->tasks, cached_->results, id - d.first_id, upto - d.first_id, nullptr,
              &cached_->host);
      {
        std::lock_guard lock(mutex_);
        e->taken += upto - id;
        taken_id_ = upto;
        if (e->taken == e->count) {
          e->inputs = {};
          ++next_entry_;
        }
        e = next_entry_ < entries_.size() ? &entries_[next_entry_] : nullptr;
      }
      replayed_ += upto - id;
      release(upto - id);
      id = upto;
      if (e == nullptr) break;
    }
    if (id < d.first_id + d.count) return;  // the rest is not submitted yet
  }
}

}  // namespace drover
