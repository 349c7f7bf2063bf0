// Resuming from a journal: skip the tasks it holds, and hand its batches back in task order.
#include "scheduling/resume.hpp"

#include <algorithm>

namespace drover {

ResumeSource::ResumeSource(TaskSource& inner, std::vector<JournalScan::Entry> done)
    : inner_(inner), done_(std::move(done)) {
  for (const auto& e : done_) done_tasks_ += e.count;
}

std::optional<std::uint64_t> ResumeSource::total() const {
  const auto t = inner_.total();
  if (!t) return t;
  return *t - std::min(*t, done_tasks_);
}

void ResumeSource::skip_done() {
  while (next_done_ < done_.size()) {
    const auto& d = done_[next_done_];
    const std::uint64_t at = inner_.next_id();
    if (at >= d.first_id + d.count) {
      ++next_done_;  // behind us already
    } else if (at >= d.first_id) {
      inner_.skip_to(d.first_id + d.count);
      ++next_done_;
    } else {
      return;  // the next finished range lies ahead
    }
  }
}

std::optional<KindId> ResumeSource::peek_kind() {
  skip_done();
  return inner_.peek_kind();
}

bool ResumeSource::next_batch(std::size_t max_tasks, TaskBatch& batch) {
  skip_done();
  if (next_done_ < done_.size()) {
    // Stop short of the next finished range: a batch covers consecutive ids.
    const std::uint64_t room = done_[next_done_].first_id - inner_.next_id();
    max_tasks = static_cast<std::size_t>(std::min<std::uint64_t>(max_tasks, room));
  }
  return inner_.next_batch(std::max<std::size_t>(max_tasks, 1), batch);
}

std::size_t JournalReplay::replay_at(std::uint64_t id, ResultConsumer& out) {
  if (next_ >= entries_.size() || entries_[next_].first_id != id) return 0;
  const JournalBatch batch = read_journal_batch(path_, entries_[next_].offset);
  out.consume_replayed(batch);
  return entries_[next_++].count;
}

std::uint64_t JournalReplay::replay_all(ResultConsumer& out) {
  std::uint64_t tasks = 0;
  while (next_ < entries_.size()) tasks += replay_at(entries_[next_].first_id, out);
  return tasks;
}

}  // namespace drover
