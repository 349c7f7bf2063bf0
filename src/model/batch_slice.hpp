// Cutting batches into consecutive pieces: a retried task travels on its own, a tail taken back goes elsewhere.
#pragma once

#include <cstddef>

#include "model/task.hpp"

namespace drover {

// Tasks [begin, end) of `tasks` and their results, as a batch of their own:
// ids, values, metrics and attempts sliced; spans clipped to the piece and
// re-based; failures kept when inside, re-indexed. seq and rank are kept.
void slice_batch(const TaskBatch& tasks, const ResultBatch& results, std::size_t begin,
                 std::size_t end, TaskBatch& out_tasks, ResultBatch& out_results);

// Cuts `batch` to its first `keep` tasks and returns the rest as a batch of
// their own (seq 0, to be assigned): a tail a rank handed back unstarted.
TaskBatch split_off(TaskBatch& batch, std::size_t keep);

}  // namespace drover
