// Map semantics: hands finished batches on in task-id order, whatever order they finish in.
#include "scheduling/reorder.hpp"

#include <stdexcept>
#include <string>

namespace drover {
namespace {

// What a held batch costs in memory, near enough for a bound: its buffers'
// capacities and a map node, not the allocator's rounding.
std::uint64_t held_bytes(const TaskBatch& tasks, const ResultBatch& results) {
  std::uint64_t bytes = 128 + tasks.params.capacity() + tasks.tasks.capacity() * sizeof(Task);
  for (const Task& t : tasks.tasks) bytes += t.spec.input.capacity();
  bytes += results.outputs.capacity() + results.ends.capacity() * sizeof(std::uint32_t) +
           results.spans.capacity() * sizeof(Span) +
           results.attempts.capacity() * sizeof(std::uint32_t);
  for (const Failure& f : results.failures) bytes += sizeof(Failure) + f.message.capacity();
  return bytes;
}

}  // namespace

void ReorderBuffer::push(TaskBatch&& tasks, ResultBatch&& results) {
  if (tasks.first_id < next_id_ || pending_.count(tasks.first_id) != 0) {
    throw std::logic_error("reorder: batch starting at task " + std::to_string(tasks.first_id) +
                           " arrived twice");
  }
  if (tasks.first_id != next_id_) {
    buffered_tasks_ += tasks.size();
    buffered_bytes_ += held_bytes(tasks, results);
    buffered_failures_ += results.failures.size();
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
      buffered_bytes_ -= held_bytes(node.mapped().tasks, node.mapped().results);
      buffered_failures_ -= node.mapped().results.failures.size();
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
