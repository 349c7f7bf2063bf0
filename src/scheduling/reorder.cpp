// Map semantics: hands finished batches on in task-id order, whatever order they finish in.
#include "scheduling/reorder.hpp"

#include <stdexcept>
#include <string>

namespace drover {

void ReorderBuffer::push(TaskBatch&& tasks, ResultBatch&& results) {
  if (tasks.first_id < next_id_ || pending_.count(tasks.first_id) != 0) {
    throw std::logic_error("reorder: batch starting at task " + std::to_string(tasks.first_id) +
                           " arrived twice");
  }
  if (tasks.first_id != next_id_) {
    buffered_tasks_ += tasks.size();
    const std::uint64_t key = tasks.first_id;
    pending_.emplace(key, Entry{std::move(tasks), std::move(results)});
    return;
  }
  // The common case, in order already: no copy into the buffer.
  emit(tasks, results);
  release();
}

void ReorderBuffer::release() {
  for (;;) {
    if (!pending_.empty() && pending_.begin()->first == next_id_) {
      auto node = pending_.extract(pending_.begin());
      buffered_tasks_ -= node.mapped().tasks.size();
      emit(node.mapped().tasks, node.mapped().results);
    } else if (replay_ != nullptr) {
      const std::size_t n = replay_->replay_at(next_id_, out_);
      if (n == 0) return;
      next_id_ += n;
    } else {
      return;
    }
  }
}

void ReorderBuffer::emit(const TaskBatch& tasks, const ResultBatch& results) {
  out_.consume(tasks, results);
  next_id_ = tasks.first_id + tasks.size();
}

}  // namespace drover
