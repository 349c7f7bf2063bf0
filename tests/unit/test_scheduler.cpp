// The scheduler's rules, one test each, through a recording transport: no MPI, no threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

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
using testing::downloads;
using testing::RecordingTransport;
using testing::Sent;
using testing::squares;
using testing::two_workers;

std::vector<Sent> work_only(const std::vector<Sent>& sent) {
  std::vector<Sent> out;
  for (const Sent& s : sent) {
    if (!s.stop) out.push_back(s);
  }
  return out;
}

TEST(Scheduler, FirstRoundSendsOneProbeOfOneTaskPerThread) {
  GeneratedSource source(squares(1000));
  RecordingTransport t;
  CollectingConsumer c;
  Scheduler s(two_workers(1, 2), source, t, c);
  s.start();
  const auto sent = t.take();
  // Cost unknown: one single-task probe per thread (rank 0 has 1, rank 1 has 2),
  // not the full window, so coarse tasks are not over-committed up front.
  std::map<int, int> per_rank;
  for (const Sent& x : sent) {
    EXPECT_FALSE(x.stop);
    EXPECT_EQ(x.batch.size(), 1u) << "cost unknown: probe with single tasks";
    ++per_rank[x.rank];
  }
  EXPECT_EQ(per_rank[0], 1);
  EXPECT_EQ(per_rank[1], 2);
}

TEST(Scheduler, NoResultsNoMoreWork) {
  GeneratedSource source(squares(1000));
  RecordingTransport t;
  CollectingConsumer c;
  SchedulerConfig config = two_workers();
  config.batches_per_thread = 2;
  Scheduler s(config, source, t, c);
  s.start();
  t.take();
  // No event: the scheduler must not send anything on its own.
  EXPECT_TRUE(t.take().empty());
  EXPECT_EQ(s.in_flight_batches(), 2u);
}

TEST(Scheduler, ResultReturnsCreditToTheSameRank) {
  GeneratedSource source(squares(1000));
  RecordingTransport t;
  CollectingConsumer c;
  Scheduler s(two_workers(), source, t, c);
  s.start();
  const auto first = t.take();
  const Sent& to_rank1 =
      *std::find_if(first.begin(), first.end(), [](const Sent& x) { return x.rank == 1; });
  s.on_results(answer(to_rank1.batch, 1));
  const auto next = t.take();
  ASSERT_FALSE(next.empty());
  for (const Sent& x : next) EXPECT_EQ(x.rank, 1) << "rank 0's probe is still out";
}

TEST(Scheduler, CheapTasksGrowIntoLargeBatchesAfterTheProbe) {
  GeneratedSource source(squares(10'000'000));
  RecordingTransport t;
  CollectingConsumer c;
  SchedulerConfig config = two_workers();
  config.max_batch = 4096;
  Scheduler s(config, source, t, c);
  s.start();
  auto sent = t.take();
  s.on_results(answer(sent[0].batch, sent[0].rank, 0));  // 0 us per task: very cheap
  const auto next = t.take();
  // Short batches open the full window of 6 per thread at once.
  ASSERT_EQ(next.size(), 6u);
  for (const Sent& x : next) {
    EXPECT_EQ(x.rank, sent[0].rank);
    EXPECT_EQ(x.batch.size(), 4096u);
  }
}

// Crunch says its work (KindOps::work_of), but generated ranges are uniform and
// never measure a unit: their batches follow the cost per task like any kind's.
TEST(Scheduler, GeneratedRangesOfAHintedKindGrowAfterTheProbe) {
  GeneratedSource source(crunches(10'000'000));
  RecordingTransport t;
  CollectingConsumer c;
  Scheduler s(two_workers(), source, t, c);
  s.start();
  auto sent = t.take();
  s.on_results(answer(sent[0].batch, sent[0].rank, 1));  // 1 us per task
  const auto next = t.take();
  ASSERT_FALSE(next.empty());
  EXPECT_EQ(next[0].batch.size(), 2000u) << "2 ms of 1 us tasks";
}

TEST(Scheduler, CostlyTasksStayAtOnePerBatch) {
  GeneratedSource source(crunches(100));
  RecordingTransport t;
  CollectingConsumer c;
  Scheduler s(two_workers(), source, t, c);
  s.start();
  auto sent = t.take();
  s.on_results(answer(sent[0].batch, sent[0].rank, 50'000));  // 50 ms per task
  const auto next = t.take();
  ASSERT_EQ(next.size(), 2u) << "the running task and one queued behind it";
  for (const Sent& x : next) EXPECT_EQ(x.batch.size(), 1u);
}

TEST(Scheduler, FixedBatchSizeIsHonoured) {
  GeneratedSource source(squares(100));
  RecordingTransport t;
  CollectingConsumer c;
  SchedulerConfig config = two_workers();
  config.fixed_batch = 7;
  Scheduler s(config, source, t, c);
  s.start();
  for (const Sent& x : t.take()) EXPECT_EQ(x.batch.size(), 7u);
}

TEST(Scheduler, BatchOneMeansOneTaskPerMessageThroughout) {
  GeneratedSource source(squares(50));
  RecordingTransport t;
  CollectingConsumer c;
  SchedulerConfig config = two_workers();
  config.fixed_batch = 1;
  Scheduler s(config, source, t, c);
  s.start();
  int messages = 0;
  while (!s.finished()) {
    for (const Sent& x : work_only(t.take())) {
      EXPECT_EQ(x.batch.size(), 1u);
      ++messages;
      s.on_results(answer(x.batch, x.rank, 0));
    }
  }
  EXPECT_EQ(messages, 50);
  EXPECT_EQ(c.ids.size(), 50u);
}

// Runs to completion answering batches in the order `pick` chooses; returns
// the consumer's ids.
template <class Pick>
std::vector<std::uint64_t> run_all(Scheduler& s, RecordingTransport& t, CollectingConsumer& c,
                                   Pick pick, int* stops = nullptr) {
  s.start();
  std::vector<Sent> outstanding;
  while (!s.finished()) {
    for (Sent& x : t.take()) {
      if (x.stop) {
        if (stops) ++*stops;
      } else {
        outstanding.push_back(std::move(x));
      }
    }
    if (outstanding.empty()) break;
    const std::size_t i = pick(outstanding.size());
    Sent next = std::move(outstanding[i]);
    outstanding.erase(outstanding.begin() + static_cast<std::ptrdiff_t>(i));
    s.on_results(answer(next.batch, next.rank, 0));
  }
  for (const Sent& x : t.take()) {
    if (x.stop && stops) ++*stops;
  }
  return c.ids;
}

TEST(Scheduler, OrderedResultsComeOutInTaskOrderWhateverTheArrivalOrder) {
  GeneratedSource source(squares(20'000));
  RecordingTransport t;
  CollectingConsumer c;
  SchedulerConfig config = two_workers(2, 3);
  config.max_batch = 64;
  Scheduler s(config, source, t, c);
  // Answer the newest batch first: the worst order for a reorder buffer.
  const auto ids = run_all(s, t, c, [](std::size_t n) { return n - 1; });
  ASSERT_EQ(ids.size(), 20'000u);
  for (std::uint64_t i = 0; i < ids.size(); ++i) ASSERT_EQ(ids[i], i);
  for (std::uint64_t i = 0; i < ids.size(); ++i)
    ASSERT_EQ(c.values[i], static_cast<std::int64_t>(i) * 10);
}

TEST(Scheduler, UnorderedRunsSeeEveryTaskExactlyOnce) {
  GeneratedSource source(squares(5000));
  RecordingTransport t;
  CollectingConsumer c;
  SchedulerConfig config = two_workers();
  config.ordered = false;
  config.max_batch = 32;
  Scheduler s(config, source, t, c);
  auto ids = run_all(s, t, c, [](std::size_t n) { return n - 1; });
  EXPECT_FALSE(std::is_sorted(ids.begin(), ids.end())) << "arrival order, not task order";
  std::sort(ids.begin(), ids.end());
  std::vector<std::uint64_t> expected(5000);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(ids, expected);
}

TEST(Scheduler, StopGoesToEveryRankOnceAfterTheLastResult) {
  GeneratedSource source(squares(100));
  RecordingTransport t;
  CollectingConsumer c;
  SchedulerConfig config;
  config.workers = {WorkerSlot{0, 1}, WorkerSlot{1, 1}, WorkerSlot{2, 1}};
  Scheduler s(config, source, t, c);
  s.start();
  std::vector<Sent> outstanding = t.take();
  std::set<int> stopped;
  while (!outstanding.empty()) {
    Sent x = outstanding.front();
    outstanding.erase(outstanding.begin());
    if (x.stop) {
      EXPECT_TRUE(stopped.insert(x.rank).second) << "Stop sent twice to rank " << x.rank;
      continue;
    }
    EXPECT_TRUE(stopped.empty()) << "work after Stop";
    EXPECT_FALSE(s.finished());
    s.on_results(answer(x.batch, x.rank, 0));
    for (Sent& y : t.take()) outstanding.push_back(std::move(y));
  }
  EXPECT_EQ(stopped, (std::set<int>{0, 1, 2}));
  EXPECT_TRUE(s.finished());
  EXPECT_EQ(c.ids.size(), 100u);
}

TEST(Scheduler, EmptyWorkloadStopsAtOnce) {
  GeneratedSource source(squares(0));
  RecordingTransport t;
  CollectingConsumer c;
  Scheduler s(two_workers(), source, t, c);
  s.start();
  const auto sent = t.take();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_TRUE(sent[0].stop && sent[1].stop);
  EXPECT_TRUE(s.finished());
}

TEST(Scheduler, FailedTasksArePassedOnAsData) {
  GeneratedSource source(squares(3));
  RecordingTransport t;
  CollectingConsumer c;
  SchedulerConfig config;
  config.workers = {WorkerSlot{0, 1}};
  config.fixed_batch = 3;
  struct FailureCounter : ResultConsumer {
    void consume(const TaskBatch&, const ResultBatch& r) override { failures += r.failures.size(); }
    std::size_t failures = 0;
  } counter;
  Scheduler s(config, source, t, counter);
  s.start();
  auto sent = t.take();
  ASSERT_EQ(sent.size(), 1u);
  ResultBatch r = answer(sent[0].batch, 0);
  r.failures.push_back(Failure{1, "boom"});
  s.on_results(std::move(r));
  EXPECT_EQ(counter.failures, 1u);
  EXPECT_TRUE(s.finished());
}

TEST(Scheduler, UnknownOrMismatchedResultsAreProtocolErrors) {
  GeneratedSource source(squares(10));
  RecordingTransport t;
  CollectingConsumer c;
  Scheduler s(two_workers(), source, t, c);
  s.start();
  auto sent = t.take();
  ResultBatch stray;
  stray.seq = 999;
  EXPECT_THROW(s.on_results(std::move(stray)), std::logic_error);
  ResultBatch short_batch = answer(sent[0].batch, 0);
  std::vector<std::int64_t> values = model_test::values_of(short_batch);
  values.push_back(1);  // one result more than the batch had tasks
  model_test::set_values(short_batch, values);
  EXPECT_THROW(s.on_results(std::move(short_batch)), std::logic_error);
}

TEST(Scheduler, DownloadsUseTheIoWindowNotTheThreadCount) {
  GeneratedSource source(downloads(1000));
  RecordingTransport t;
  CollectingConsumer c;
  SchedulerConfig config;
  config.workers = {WorkerSlot{0, 1}};
  config.io_window = 300;
  Scheduler s(config, source, t, c);
  s.start();
  std::size_t tasks = 0;
  for (const Sent& x : t.take()) tasks += x.batch.size();
  EXPECT_EQ(tasks, 300u) << "IO concurrency is capped by the window, not by 1 thread";
}

TEST(Scheduler, DownloadsSpreadEvenlyOverRanks) {
  GeneratedSource source(downloads(20));
  RecordingTransport t;
  CollectingConsumer c;
  SchedulerConfig config;
  config.workers = {WorkerSlot{0, 1}, WorkerSlot{1, 1}, WorkerSlot{2, 1}, WorkerSlot{3, 1}};
  Scheduler s(config, source, t, c);
  s.start();
  std::map<int, std::size_t> per_rank;
  std::size_t total = 0;
  for (const Sent& x : t.take()) {
    per_rank[x.rank] += x.batch.size();
    total += x.batch.size();
  }
  EXPECT_EQ(total, 20u) << "IO work is all in flight at once";
  ASSERT_EQ(per_rank.size(), 4u);
  for (const auto& [rank, n] : per_rank) {
    EXPECT_GE(n, 4u) << "rank " << rank;
    EXPECT_LE(n, 6u) << "rank " << rank;
  }
}

TEST(Scheduler, ManyDownloadsTravelInFewMessages) {
  GeneratedSource source(downloads(100'000));
  RecordingTransport t;
  CollectingConsumer c;
  SchedulerConfig config;
  config.workers = {WorkerSlot{0, 1}};
  Scheduler s(config, source, t, c);
  s.start();
  const auto sent = t.take();
  std::size_t tasks = 0;
  for (const Sent& x : sent) tasks += x.batch.size();
  EXPECT_EQ(tasks, 100'000u) << "all in flight: the IO window is 100,000";
  EXPECT_LT(sent.size(), 100u) << "dispatch must not cost one message per download";
}

TEST(Scheduler, BatchesShrinkTowardTheTail) {
  GeneratedSource source(squares(10'000));
  RecordingTransport t;
  CollectingConsumer c;
  SchedulerConfig config = two_workers();
  config.max_batch = 1 << 20;
  Scheduler s(config, source, t, c);
  s.start();
  std::vector<std::size_t> sizes;
  std::vector<Sent> outstanding = work_only(t.take());
  while (!outstanding.empty()) {
    Sent x = outstanding.front();
    outstanding.erase(outstanding.begin());
    s.on_results(answer(x.batch, x.rank, 0));
    for (Sent& y : work_only(t.take())) {
      sizes.push_back(y.batch.size());
      outstanding.push_back(std::move(y));
    }
  }
  ASSERT_GE(sizes.size(), 4u);
  // No batch takes more than a quarter of the remaining work with 2 threads,
  // so the last batches are small.
  EXPECT_LE(sizes.front(), 2500u);
  EXPECT_LE(sizes.back(), 2u);
}

TEST(Scheduler, OrderedRunHoldsBackWhenTheReorderBufferIsFull) {
  GeneratedSource source(squares(1000));
  RecordingTransport t;
  CollectingConsumer c;
  // Two threads per rank and one batch each: a window of 2 from the start.
  SchedulerConfig config = two_workers(2, 2);
  config.fixed_batch = 10;
  config.batches_per_thread = 1;
  config.max_buffered_tasks = 20;
  Scheduler s(config, source, t, c);
  s.start();
  auto sent = work_only(t.take());  // 4 batches: ids 0-9, 10-19, 20-29, 30-39
  ASSERT_EQ(sent.size(), 4u);
  // Batch 0 stays out; batches 1 and 2 come back and wait behind it.
  s.on_results(answer(sent[1].batch, sent[1].rank, 0));
  EXPECT_EQ(work_only(t.take()).size(), 1u) << "10 tasks buffered: still under the bound";
  s.on_results(answer(sent[2].batch, sent[2].rank, 0));
  EXPECT_TRUE(work_only(t.take()).empty()) << "20 tasks buffered: no new work until batch 0 is in";
  s.on_results(answer(sent[0].batch, sent[0].rank, 0));
  EXPECT_FALSE(work_only(t.take()).empty());
  EXPECT_EQ(c.ids.size(), 30u);
}

}  // namespace
}  // namespace drover
