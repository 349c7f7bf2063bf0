// Batches by predicted work: the scheduler's BatchLimit for kinds that say their cost
// (KindOps::work_of).
#pragma once

#include <optional>
#include <vector>

#include "model/task.hpp"
#include "model/task_source.hpp"

namespace drover {

// A kind's cost per task is learned from what its batches took, and a batch
// is sized from it: right while tasks cost alike, wrong when a few expensive
// ones follow many cheap ones (issue 12: 200 of 40,000,000 increments after
// 20,000 of 1,000 went out in batches sized for the cheap ones, and one rank
// got 143 of the 200). A kind whose input says its work is measured per unit
// of work instead, and each batch takes tasks until its predicted time would
// pass the target. A batch stays of one kind, so its time teaches that kind.
class WorkBudget final : public BatchLimit {
 public:
  explicit WorkBudget(bool enabled) : enabled_(enabled) {}

  // Before each next_batch: the next batch may hold `seconds` of predicted work.
  void arm(double seconds) {
    budget_ = seconds;
    tracking_ = false;
  }
  void begin(const TaskSpec& first) override;
  bool admits(const TaskSpec& next) override;

  // After next_batch: the batch's units of work when its kind says them, else nullopt.
  std::optional<double> units() const;
  // A batch of `units` took `busy` seconds.
  void learn(KindId kind, double busy, double units);
  // Whether batches of this kind are sized here (hints on and the kind has work_of).
  bool hinted(KindId kind) const;
  // Seconds per unit of work, once a batch has been measured.
  std::optional<double> unit_seconds(KindId kind) const;

 private:
  double work(const TaskSpec& task) const;

  bool enabled_;
  std::vector<double> unit_seconds_;  // by KindId; < 0: not measured yet
  double budget_ = 0;
  bool tracking_ = false;  // the current batch's kind is hinted
  KindId kind_ = 0;
  double units_ = 0;
  double predicted_ = 0;  // seconds
  double per_unit_ = -1;  // the kind's unit_seconds_ when the batch began
};

}  // namespace drover
