// WorkBudget: predicted work per task from the kind's work_of, seconds per unit learned from
// batches.
#include "scheduling/work_budget.hpp"

#include <algorithm>

#include "model/kinds.hpp"

namespace drover {

bool WorkBudget::hinted(KindId kind) const {
  return enabled_ && static_cast<bool>(fast_kind_info(kind).work_of);
}

double WorkBudget::work(const TaskSpec& task) const {
  const double w = fast_kind_info(task.kind).work_of(
      std::span<const char>(task.input.data(), task.input.size()));
  return w > 0 ? w : 0.0;
}

void WorkBudget::begin(const TaskSpec& first) {
  tracking_ = hinted(first.kind);
  if (!tracking_) return;
  kind_ = first.kind;
  units_ = work(first);
  const std::optional<double> per_unit = unit_seconds(kind_);
  per_unit_ = per_unit.value_or(-1.0);
  predicted_ = per_unit ? units_ * *per_unit : 0.0;
}

bool WorkBudget::admits(const TaskSpec& next) {
  if (!tracking_) return true;
  if (next.kind != kind_) return false;  // one kind a batch: its time is that kind's
  const double w = work(next);
  // Before the first measurement the batch is a probe (the scheduler asks for one task).
  if (per_unit_ >= 0 && predicted_ + w * per_unit_ > budget_) return false;
  units_ += w;
  predicted_ += w * std::max(per_unit_, 0.0);
  return true;
}

std::optional<double> WorkBudget::units() const {
  if (!tracking_) return std::nullopt;
  return units_;
}

void WorkBudget::learn(KindId kind, double busy, double units) {
  if (units <= 0) return;  // nothing to divide by: tasks of no work say nothing
  if (unit_seconds_.size() <= kind) unit_seconds_.resize(kind + 1, -1.0);
  const double per_unit = std::max(0.0, busy / units);
  double& s = unit_seconds_[kind];
  s = s < 0 ? per_unit : 0.75 * s + 0.25 * per_unit;
}

std::optional<double> WorkBudget::unit_seconds(KindId kind) const {
  if (kind >= unit_seconds_.size() || unit_seconds_[kind] < 0) return std::nullopt;
  return unit_seconds_[kind];
}

}  // namespace drover
