// Taking back queued CPU work for an idle rank: Revoke, the tail resent, stale and refused answers.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "fake_transport.hpp"
#include "inputs/generated_source.hpp"
#include "model/batch_slice.hpp"
#include "scheduling/scheduler.hpp"

namespace drover {
namespace {

using testing::answer;
using testing::CollectingConsumer;
using testing::crunches;
using testing::RecordingTransport;
using testing::Sent;
using testing::two_workers;

// Two ranks of one thread, 20 tasks in batches of 10: rank 0 gets [0, 10),
// rank 1 [10, 20). Rank 0's answer (1 ms a task) leaves it idle with the
// source exhausted, so the scheduler asks rank 1 for batch B back.
struct Scene {
  explicit Scene(bool steal = true) : source(crunches(20)), s(config(steal), source, t, c) {
    s.start();
    const std::vector<Sent> first = t.take();
    EXPECT_EQ(first.size(), 2u);
    a = first.at(0).batch;
    b = first.at(1).batch;
    EXPECT_EQ(first.at(1).rank, 1);
    s.on_results(answer(a, 0, 1000));
  }
  static SchedulerConfig config(bool steal) {
    SchedulerConfig config = two_workers();
    config.fixed_batch = 10;
    config.steal = steal;
    return config;
  }
  // B as rank 1 ran it: its first `kept` tasks.
  ResultBatch b_results(std::size_t kept) {
    TaskBatch ran = b;
    (void)split_off(ran, kept);
    return answer(ran, 1, 1000);
  }
  std::vector<std::uint64_t> sorted_ids() const {
    std::vector<std::uint64_t> ids = c.ids;
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  GeneratedSource source;
  RecordingTransport t;
  CollectingConsumer c;
  Scheduler s;
  TaskBatch a, b;
};

std::vector<std::uint64_t> iota_ids(std::uint64_t n) {
  std::vector<std::uint64_t> ids(n);
  std::iota(ids.begin(), ids.end(), 0);
  return ids;
}

TEST(TakeBack, AnIdleRankGetsTheTasksAQueuedBatchHadNotStarted) {
  Scene x;
  ASSERT_EQ(x.t.revoked.size(), 1u);
  EXPECT_EQ(x.t.revoked[0].rank, 1);
  EXPECT_EQ(x.t.revoked[0].seq, x.b.seq);
  EXPECT_TRUE(x.t.take().empty()) << "nothing is resent before rank 1 answers";

  x.s.on_revoked(x.b.seq, true, 3);  // rank 1 keeps [10, 13)
  const std::vector<Sent> tail = x.t.take();
  ASSERT_EQ(tail.size(), 1u);
  EXPECT_EQ(tail[0].rank, 0) << "the tail goes to the idle rank";
  EXPECT_EQ(tail[0].batch.first_id, 13u);
  EXPECT_EQ(tail[0].batch.size(), 7u);
  EXPECT_EQ(x.s.tasks_taken_back(), 7u);

  // B's whole results no longer fit what it keeps: a protocol error, not silent.
  EXPECT_THROW(x.s.on_results(answer(x.b, 1, 1000)), std::logic_error);
}

TEST(TakeBack, EveryTaskIsFinalOnceWhereverItRan) {
  Scene x;
  x.s.on_revoked(x.b.seq, true, 3);
  const TaskBatch tail = x.t.take().at(0).batch;
  x.s.on_results(x.b_results(3));
  EXPECT_FALSE(x.s.finished());
  x.s.on_results(answer(tail, 0, 1000));
  EXPECT_TRUE(x.s.finished());
  EXPECT_EQ(x.sorted_ids(), iota_ids(20));
  EXPECT_EQ(x.c.values[x.c.ids.size() - 1], 10 * static_cast<std::int64_t>(x.c.ids.back()));
}

TEST(TakeBack, AWholeQueuedBatchComesBackAsAnEmptyOne) {
  Scene x;
  x.s.on_revoked(x.b.seq, true, 0);
  const TaskBatch tail = x.t.take().at(0).batch;
  EXPECT_EQ(tail.size(), 10u);
  x.s.on_results(x.b_results(0));  // the empty results of what rank 1 kept
  x.s.on_results(answer(tail, 0, 1000));
  EXPECT_TRUE(x.s.finished());
  EXPECT_EQ(x.sorted_ids(), iota_ids(20));
}

TEST(TakeBack, NothingTakenLeavesTheBatchWhole) {
  Scene x;
  x.s.on_revoked(x.b.seq, false, 0);
  EXPECT_TRUE(x.t.take().empty());
  x.s.on_results(answer(x.b, 1, 1000));
  EXPECT_TRUE(x.s.finished());
  EXPECT_EQ(x.sorted_ids(), iota_ids(20));
}

TEST(TakeBack, AnAnswerAfterTheResultsIsIgnored) {
  Scene x;
  x.s.on_results(answer(x.b, 1, 1000));
  EXPECT_TRUE(x.s.finished());
  (void)x.t.take();                  // the Stops
  x.s.on_revoked(x.b.seq, true, 3);  // stale: B is back
  EXPECT_TRUE(x.t.take().empty());
  EXPECT_EQ(x.sorted_ids(), iota_ids(20));
}

TEST(TakeBack, AStopDropsTheTailForResume) {
  Scene x;
  x.s.stop_dispatch();
  x.s.on_revoked(x.b.seq, true, 3);
  for (const Sent& sent : x.t.take()) EXPECT_TRUE(sent.stop) << "no tail is resent while stopping";
  x.s.on_results(x.b_results(3));
  EXPECT_TRUE(x.s.finished());
  EXPECT_EQ(x.c.ids.size(), 13u) << "the 7 taken back stay unfinished";
}

TEST(TakeBack, OffSendsNoRevoke) {
  Scene x(false);
  EXPECT_TRUE(x.t.revoked.empty());
  x.s.on_results(answer(x.b, 1, 1000));
  EXPECT_TRUE(x.s.finished());
}

TEST(TakeBack, ShortBatchesAreNotWorthARoundTrip) {
  GeneratedSource source(crunches(20));
  RecordingTransport t;
  CollectingConsumer c;
  Scheduler s(Scene::config(true), source, t, c);
  s.start();
  const std::vector<Sent> first = t.take();
  s.on_results(answer(first.at(0).batch, 0, 1));  // 1 us a task: 10 us for B
  EXPECT_TRUE(t.revoked.empty());
}

}  // namespace
}  // namespace drover
