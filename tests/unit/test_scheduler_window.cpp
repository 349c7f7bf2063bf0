// How many batches the scheduler keeps queued per thread: a window that follows batch length.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <queue>

#include "fake_transport.hpp"
#include "inputs/generated_source.hpp"
#include "inputs/task_file.hpp"
#include "model/task_source.hpp"
#include "scheduling/scheduler.hpp"

namespace drover {
namespace {

using testing::answer;
using testing::CollectingConsumer;
using testing::crunches;
using testing::RecordingTransport;
using testing::Sent;
using testing::two_workers;

// Runs `tasks` crunch tasks on ranks 0 (1 thread) and 1 (2 threads), answering
// every batch in send order as taking `us` per task, and records the most
// batches each rank had in flight once `settled` results were in.
std::map<int, std::size_t> peak_in_flight(std::uint64_t tasks, std::int64_t us,
                                          std::size_t settled) {
  GeneratedSource source(crunches(tasks));
  RecordingTransport t;
  CollectingConsumer c;
  Scheduler s(two_workers(1, 2), source, t, c);
  std::deque<Sent> outstanding;
  std::map<int, std::size_t> in_flight;
  std::map<int, std::size_t> peak;
  std::size_t answered = 0;
  auto take = [&] {
    for (Sent& x : t.take()) {
      if (x.stop) continue;
      ++in_flight[x.rank];
      if (answered >= settled) peak[x.rank] = std::max(peak[x.rank], in_flight[x.rank]);
      outstanding.push_back(std::move(x));
    }
  };
  s.start();
  take();
  while (!outstanding.empty()) {
    const Sent x = outstanding.front();
    outstanding.pop_front();
    --in_flight[x.rank];
    s.on_results(answer(x.batch, x.rank, us));
    ++answered;
    take();
  }
  EXPECT_TRUE(s.finished());
  return peak;
}

TEST(SchedulerWindow, ShortBatchesKeepTheFullWindow) {
  const auto peak = peak_in_flight(400, 100, 3);  // 0.1 ms tasks in ~2 ms batches
  EXPECT_EQ(peak.at(0), 6u);
  EXPECT_EQ(peak.at(1), 12u);
}

TEST(SchedulerWindow, CoarseTasksQueueOneBehindEachThread) {
  const auto peak = peak_in_flight(100, 50'000, 3);  // 50 ms tasks
  EXPECT_EQ(peak.at(0), 2u);
  EXPECT_EQ(peak.at(1), 4u);
}

TEST(SchedulerWindow, LongTasksAreNotQueuedAtAll) {
  const auto peak = peak_in_flight(50, 2'000'000, 0);  // 2 s tasks
  EXPECT_EQ(peak.at(0), 1u);
  EXPECT_EQ(peak.at(1), 2u);
}

TEST(SchedulerWindow, TheWindowShrinksWhenBatchesGetLonger) {
  GeneratedSource source(crunches(200));
  RecordingTransport t;
  CollectingConsumer c;
  SchedulerConfig config;
  config.workers = {WorkerSlot{0, 1}};
  config.fixed_batch = 1;
  Scheduler s(config, source, t, c);
  s.start();
  std::deque<Sent> outstanding;
  for (Sent& x : t.take()) outstanding.push_back(std::move(x));
  // Cheap answers open the window to 6; then every task takes 50 ms.
  for (int i = 0; i < 10; ++i) {
    const Sent x = outstanding.front();
    outstanding.pop_front();
    s.on_results(answer(x.batch, x.rank, 1));
    for (Sent& y : t.take()) outstanding.push_back(std::move(y));
  }
  EXPECT_EQ(outstanding.size(), 6u);
  for (int i = 0; i < 10; ++i) {
    const Sent x = outstanding.front();
    outstanding.pop_front();
    s.on_results(answer(x.batch, x.rank, 50'000));
    for (Sent& y : t.take()) outstanding.push_back(std::move(y));
  }
  EXPECT_EQ(outstanding.size(), 2u);
}

// A simulated run on a fast and a slow rank (one thread each): each rank runs
// its batches in arrival order, results reach the scheduler in completion
// order. Work queued on the slow rank at the end is what stretches a run.
TEST(SchedulerWindow, ASlowRankIsNotLeftWithAQueueAtTheEnd) {
  constexpr std::int64_t kFastUs = 10'000;
  constexpr std::int64_t kSlowUs = 30'000;
  GeneratedSource source(crunches(12));
  RecordingTransport t;
  CollectingConsumer c;
  Scheduler s(two_workers(1, 1), source, t, c);
  struct Done {
    std::int64_t at;
    Sent sent;
    bool operator>(const Done& o) const { return at > o.at; }
  };
  std::priority_queue<Done, std::vector<Done>, std::greater<>> events;
  std::map<int, std::int64_t> free_at;  // when each rank's thread is next idle
  std::int64_t now = 0;
  auto take = [&] {
    for (Sent& x : t.take()) {
      if (x.stop) continue;
      const std::int64_t us = x.rank == 0 ? kFastUs : kSlowUs;
      free_at[x.rank] =
          std::max(free_at[x.rank], now) + us * static_cast<std::int64_t>(x.batch.size());
      events.push(Done{free_at[x.rank], std::move(x)});
    }
  };
  s.start();
  take();
  while (!events.empty()) {
    Done d = events.top();
    events.pop();
    now = d.at;
    s.on_results(answer(d.sent.batch, d.sent.rank, d.sent.rank == 0 ? kFastUs : kSlowUs));
    take();
  }
  ASSERT_TRUE(s.finished());
  EXPECT_EQ(c.ids.size(), 12u);
  // Ideal: 12 tasks at 1/10 + 1/30 per ms take 90 ms. Allow one slow task
  // more; six queued per thread from the start would take the slow rank 180 ms.
  EXPECT_LE(now, 90'000 + kSlowUs);
}

}  // namespace
}  // namespace drover

namespace drover {
namespace {

using testing::answer;
using testing::CollectingConsumer;
using testing::RecordingTransport;

std::size_t tasks_sent(RecordingTransport& t) {
  std::size_t n = 0;
  for (const testing::Sent& x : t.take())
    if (!x.stop) n += x.batch.size();
  return n;
}

// A run of commands: one slot on rank 0, one a batch. Short commands get
// enough queued behind the slot to cover io_cover_seconds, long ones one.
TEST(SchedulerWindow, CommandsQueueWhatCoversTheRoundTrip) {
  GeneratedSource source(testing::downloads(100));  // any IO kind: the window is the lane's
  RecordingTransport t;
  CollectingConsumer c;
  SchedulerConfig config;
  config.workers = {WorkerSlot{0, 1, 1}};
  config.io_batch_max = 1;
  config.io_cover_seconds = 0.008;
  Scheduler s(config, source, t, c);
  s.start();
  std::vector<TaskBatch> flying;
  for (const testing::Sent& x : t.take()) flying.push_back(x.batch);
  ASSERT_EQ(flying.size(), 2u) << "the slot and one queued while the length is unknown";
  // 1 ms commands: 8 ms / 1 ms = 8 queued behind the slot.
  s.on_results(answer(flying[0], 0, 1000));
  EXPECT_EQ(tasks_sent(t), 8u) << "window 9, one still in flight";
  // A 1 s command pulls the estimate far above the cover: one queued again.
  s.on_results(answer(flying[1], 0, 1'000'000));
  EXPECT_EQ(tasks_sent(t), 0u) << "8 in flight, more than the window of 2";
}

}  // namespace
}  // namespace drover
