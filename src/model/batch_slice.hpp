// Cutting a finished batch into consecutive pieces, so a retried task can travel on its own.
#pragma once

#include <cstddef>

#include "model/task.hpp"

namespace drover {

// Tasks [begin, end) of `tasks` and their results, as a batch of their own:
// ids, values, metrics and attempts sliced; spans clipped to the piece and
// re-based; failures kept when inside, re-indexed. seq and rank are kept.
void slice_batch(const TaskBatch& tasks, const ResultBatch& results, std::size_t begin,
                 std::size_t end, TaskBatch& out_tasks, ResultBatch& out_results);

}  // namespace drover
