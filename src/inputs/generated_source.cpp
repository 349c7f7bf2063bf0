// Range batches of a generated workload.
#include <algorithm>
#include <limits>

#include "inputs/generated_source.hpp"
#include "model/kinds.hpp"

namespace drover {
GeneratedSource::GeneratedSource(const Generator& generator) : generator_(generator) {}

std::optional<std::uint64_t> GeneratedSource::total() const {
  return generator_.total;
}

std::optional<KindId> GeneratedSource::peek_kind() {
  if (next_id_ >= generator_.total) return std::nullopt;
  return generator_.kind;
}

bool GeneratedSource::next_batch(std::size_t max_tasks, TaskBatch& batch) {
  batch.tasks.clear();
  batch.first_id = next_id_;
  batch.count = 0;
  if (next_id_ >= generator_.total) return false;
  // TaskBatch::count is 32-bit; a larger request is served in several batches.
  const std::uint64_t cap = std::min<std::uint64_t>(std::max<std::size_t>(max_tasks, 1),
                                                    std::numeric_limits<std::uint32_t>::max());
  const std::uint64_t n = std::min(cap, generator_.total - next_id_);
  batch.count = static_cast<std::uint32_t>(n);
  batch.lane = fast_kind_info(generator_.kind).lane;
  batch.kind = generator_.kind;
  batch.params = generator_.params;
  batch.first_item = batch.first_id;
  next_id_ += n;
  return true;
}

void GeneratedSource::skip_to(std::uint64_t id) {
  next_id_ = std::max(next_id_, std::min(id, generator_.total));
}

std::optional<TaskSpec> GeneratedSource::spec_of(std::uint64_t id) const {
  if (id >= generator_.total) return std::nullopt;
  return generator_.make(id);
}

}  // namespace drover
