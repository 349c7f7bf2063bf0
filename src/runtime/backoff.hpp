// How a comm loop waits when nothing happened: yield first, then block briefly on local results.
#pragma once

#include <algorithm>
#include <chrono>

namespace drover {

// MPI offers nothing to block on together with a local queue, so the loop
// polls; the backoff keeps that cheap. Right after progress it only yields
// (replies often follow within microseconds); when idle longer it blocks on
// the local completion queue, which wakes at once for local results, for at
// most kMaxWait, the worst added delay for noticing an MPI message.
class IdleBackoff {
 public:
  static constexpr int kYieldRounds = 16;
  static constexpr std::chrono::microseconds kFirstWait{8};
  static constexpr std::chrono::microseconds kMaxWait{1000};

  void reset() {
    idle_rounds_ = 0;
    wait_ = kFirstWait;
  }
  // Zero: just yield this round. Otherwise: block up to this long.
  std::chrono::microseconds next() {
    if (idle_rounds_ < kYieldRounds) {
      ++idle_rounds_;
      return std::chrono::microseconds{0};
    }
    const auto w = wait_;
    wait_ = std::min(wait_ * 2, kMaxWait);
    return w;
  }

 private:
  int idle_rounds_ = 0;
  std::chrono::microseconds wait_ = kFirstWait;
};

}  // namespace drover
