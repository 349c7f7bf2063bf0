// What an ordered run's waits for slow tasks cost: how often new work was held back, how long, the
// most that waited.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "outputs/report.hpp"
#include "scheduling/scheduler.hpp"

namespace drover {

// The scheduler has no clock: the leader loop samples it here every round.
class OrderWatch {
 public:
  using Clock = std::chrono::steady_clock;

  void observe(const Scheduler& s, Clock::time_point now) {
    peak_waiting_ = std::max(peak_waiting_, s.waiting_in_order());
    peak_bytes_ = std::max(peak_bytes_, s.bytes_waiting_in_order());
    if (s.held_for_order()) {
      if (!held_) {
        held_ = true;
        held_since_ = now;
        ++holds_;
      }
    } else if (held_) {
      held_for_ += now - held_since_;
      held_ = false;
    }
  }

  void finish(const Scheduler& s, Clock::time_point now, SummaryNotes& notes) {
    observe(s, now);
    if (held_) held_for_ += now - held_since_;
    notes.order_holds = holds_;
    notes.order_held_seconds = std::chrono::duration<double>(held_for_).count();
    notes.order_peak_waiting = peak_waiting_;
    notes.order_peak_bytes = peak_bytes_;
    notes.order_waiting = s.waiting_in_order();
    notes.order_behind = s.next_in_order();
  }

 private:
  std::uint64_t holds_ = 0;
  // A bool and a time rather than an optional: g++ 12 warns falsely
  // (-Wmaybe-uninitialized) on an optional time_point here.
  bool held_ = false;
  Clock::time_point held_since_{};
  Clock::duration held_for_{0};
  std::uint64_t peak_waiting_ = 0;
  std::uint64_t peak_bytes_ = 0;
};

}  // namespace drover
