// A generated workload as a TaskSource: range batches of a Generator, no task held.
#pragma once

#include <cstdint>
#include <optional>

#include "model/task_source.hpp"

namespace drover {

// Produces range batches of a Generator.
class GeneratedSource final : public TaskSource {
 public:
  explicit GeneratedSource(const Generator& generator);
  std::optional<std::uint64_t> total() const override;
  std::optional<KindId> peek_kind() override;
  bool next_batch(std::size_t max_tasks, TaskBatch& batch) override;
  std::uint64_t next_id() const override { return next_id_; }
  void skip_to(std::uint64_t id) override;
  std::optional<TaskSpec> spec_of(std::uint64_t id) const override;

 private:
  Generator generator_;
  std::uint64_t next_id_ = 0;
};

}  // namespace drover
