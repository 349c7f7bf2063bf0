// Cutting batches into consecutive pieces: a retried task travels on its own, a tail taken back
// goes elsewhere.
#include "model/batch_slice.hpp"

#include <algorithm>
#include <iterator>
#include <stdexcept>

namespace drover {
namespace {

template <class T>
std::vector<T> slice(const std::vector<T>& v, std::size_t begin, std::size_t end) {
  if (v.empty()) return {};
  return std::vector<T>(v.begin() + static_cast<std::ptrdiff_t>(begin),
                        v.begin() + static_cast<std::ptrdiff_t>(end));
}

}  // namespace

void slice_batch(const TaskBatch& tasks, const ResultBatch& results, std::size_t begin,
                 std::size_t end, TaskBatch& out_tasks, ResultBatch& out_results) {
  if (begin > end || end > tasks.size() || results.size() != tasks.size()) {
    throw std::logic_error("slice_batch: piece outside the batch");
  }
  out_tasks = TaskBatch{};
  out_tasks.seq = tasks.seq;
  out_tasks.lane = tasks.lane;
  out_tasks.first_id = tasks.first_id + begin;
  if (tasks.is_range()) {
    out_tasks.count = static_cast<std::uint32_t>(end - begin);
    out_tasks.kind = tasks.kind;
    out_tasks.params = tasks.params;
    out_tasks.first_item = tasks.first_item + begin;
  } else {
    out_tasks.tasks = slice(tasks.tasks, begin, end);
  }

  out_results = ResultBatch{};
  out_results.seq = results.seq;
  out_results.rank = results.rank;
  out_results.count = static_cast<std::uint32_t>(end - begin);
  out_results.stride = results.stride;
  if (results.stride != 0) {
    const auto from = results.outputs.begin() + static_cast<std::ptrdiff_t>(begin * results.stride);
    out_results.outputs.assign(from, from + static_cast<std::ptrdiff_t>((end - begin) * results.stride));
  } else {
    const std::uint32_t base = begin == 0 ? 0 : results.ends[begin - 1];
    const std::uint32_t stop = end == 0 ? 0 : results.ends[end - 1];
    out_results.outputs.assign(results.outputs.begin() + base, results.outputs.begin() + stop);
    for (std::size_t i = begin; i < end; ++i) out_results.ends.push_back(results.ends[i] - base);
  }
  out_results.attempts = slice(results.attempts, begin, end);
  for (const Span& s : results.spans) {
    const std::size_t first = std::max<std::size_t>(s.first, begin);
    const std::size_t last = std::min<std::size_t>(s.first + s.count, end);
    if (first >= last) continue;
    Span piece = s;
    piece.first = static_cast<std::uint32_t>(first - begin);
    piece.count = static_cast<std::uint32_t>(last - first);
    out_results.spans.push_back(piece);
  }
  for (const Failure& f : results.failures) {
    if (f.index >= begin && f.index < end) {
      out_results.failures.push_back(
          Failure{static_cast<std::uint32_t>(f.index - begin), f.message, f.type});
    }
  }
}

TaskBatch split_off(TaskBatch& batch, std::size_t keep) {
  if (keep > batch.size()) throw std::logic_error("split_off: more kept than the batch holds");
  TaskBatch tail;
  tail.lane = batch.lane;
  tail.attempt = batch.attempt;
  tail.first_id = batch.first_id + keep;
  if (batch.is_range()) {
    tail.count = static_cast<std::uint32_t>(batch.count - keep);
    tail.kind = batch.kind;
    tail.params = batch.params;
    tail.first_item = batch.first_item + keep;
    batch.count = static_cast<std::uint32_t>(keep);
  } else {
    tail.tasks.assign(
        std::make_move_iterator(batch.tasks.begin() + static_cast<std::ptrdiff_t>(keep)),
        std::make_move_iterator(batch.tasks.end()));
    batch.tasks.resize(keep);
  }
  return tail;
}

}  // namespace drover
