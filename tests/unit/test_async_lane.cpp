// AsyncLane: posted jobs and timers run on the lane thread, 100k timers in flight, draining
// shutdown.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <memory>
#include <thread>

#include "execution/async_lane.hpp"

namespace drover {
namespace {

using std::chrono::milliseconds;

// Resident set size in bytes, from /proc (Linux); 0 where unavailable.
long resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0;
  long pages_resident = 0;
  if (!(statm >> pages_total >> pages_resident)) return 0;
  return pages_resident * ::sysconf(_SC_PAGESIZE);
}

TEST(AsyncLane, PostRunsOnTheLaneThread) {
  AsyncLane lane;
  EXPECT_FALSE(lane.on_lane_thread());
  std::promise<bool> on_lane;
  auto result = on_lane.get_future();
  lane.post([&]() noexcept { on_lane.set_value(lane.on_lane_thread()); });
  EXPECT_TRUE(result.get());
}

TEST(AsyncLane, TimerFiresOnTheLaneThread) {
  AsyncLane lane;
  std::promise<std::thread::id> fired;
  auto result = fired.get_future();
  lane.after(milliseconds(2), [&]() noexcept { fired.set_value(std::this_thread::get_id()); });
  const std::thread::id fired_on = result.get();
  EXPECT_NE(fired_on, std::this_thread::get_id());
  std::promise<std::thread::id> posted;
  auto posted_on = posted.get_future();
  lane.post([&]() noexcept { posted.set_value(std::this_thread::get_id()); });
  EXPECT_EQ(posted_on.get(), fired_on);
}

TEST(AsyncLane, TimersScheduledFromTheLaneAndMoveOnlyCallbacks) {
  AsyncLane lane;
  std::promise<int> done;
  auto result = done.get_future();
  auto payload = std::make_unique<int>(9);
  lane.post([&lane, &done, p = std::move(payload)]() mutable noexcept {
    lane.after(milliseconds(1), [&done, p = std::move(p)]() noexcept { done.set_value(*p); });
  });
  EXPECT_EQ(result.get(), 9);
}

TEST(AsyncLane, ZeroAndNegativeDelaysFire) {
  AsyncLane lane;
  std::promise<void> a;
  std::promise<void> b;
  lane.after(std::chrono::nanoseconds(0), [&]() noexcept { a.set_value(); });
  lane.after(milliseconds(-5), [&]() noexcept { b.set_value(); });
  a.get_future().get();
  b.get_future().get();
}

TEST(AsyncLane, DestructorWaitsForPendingTimers) {
  std::atomic<int> fired{0};
  {
    AsyncLane lane;
    for (int i = 0; i < 200; ++i) {
      lane.after(milliseconds(1 + i % 5), [&fired]() noexcept { ++fired; });
    }
  }
  EXPECT_EQ(fired.load(), 200);
}

// 100k timers pending at once: all fire, and each costs well under 1 KiB.
TEST(AsyncLane, HundredThousandTimersInFlight) {
  constexpr int kTimers = 100'000;
  AsyncLane lane;
  // Hold the lane thread so that every timer is still pending when we measure.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> holding;
  lane.post([&holding, released]() noexcept {
    holding.set_value();
    released.wait();
  });
  holding.get_future().wait();

  std::atomic<int> left{kTimers};
  std::promise<void> all_fired;
  const long before = resident_bytes();
  for (int i = 0; i < kTimers; ++i) {
    lane.after(milliseconds(1 + i % 5), [&left, &all_fired]() noexcept {
      if (left.fetch_sub(1, std::memory_order_acq_rel) == 1) all_fired.set_value();
    });
  }
  const long after = resident_bytes();
  release.set_value();
  all_fired.get_future().wait();
  EXPECT_EQ(left.load(), 0);

  const double per_timer = static_cast<double>(after - before) / kTimers;
  RecordProperty("bytes_per_pending_timer", std::to_string(per_timer));
  std::printf("[   INFO   ] resident memory per pending timer: about %.0f bytes\n", per_timer);
#if !defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__)
  // Sanitizers pad allocations; the figure only means something without them.
  // RSS can only under-count here (freed memory gets reused), never over-count.
  if (before > 0) {
    EXPECT_LT(per_timer, 1024.0);
  }
#endif
}

}  // namespace
}  // namespace drover
