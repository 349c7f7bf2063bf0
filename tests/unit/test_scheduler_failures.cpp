// The scheduler's failure rules: retries elsewhere, final results once, bad ranks excluded.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "fake_transport.hpp"
#include "inputs/generated_source.hpp"
#include "inputs/task_file.hpp"
#include "model/task_source.hpp"
#include "scheduling/scheduler.hpp"

namespace drover {
namespace {

using testing::RecordingTransport;
using testing::Sent;
using testing::squares;

// Collects what the scheduler passes on, with attempts and failures per id.
struct Outcomes final : ResultConsumer {
  void consume(const TaskBatch& tasks, const ResultBatch& results) override {
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      const std::uint64_t id = tasks.first_id + i;
      ids.push_back(id);
      attempts[id] = results.attempts.empty() ? 1 : results.attempts[i];
      rank[id] = results.rank;
    }
    for (const Failure& f : results.failures) failed.insert(tasks.first_id + f.index);
  }
  std::vector<std::uint64_t> ids;
  std::map<std::uint64_t, std::uint32_t> attempts;
  std::map<std::uint64_t, int> rank;
  std::set<std::uint64_t> failed;
};

// A worker that fails the tasks `fails(rank, id)` says, and answers the rest.
template <class Fails>
ResultBatch answer(const Sent& sent, Fails fails) {
  ResultBatch r = testing::answer(sent.batch, sent.rank, 0);
  for (std::uint32_t i = 0; i < sent.batch.size(); ++i) {
    if (fails(sent.rank, sent.batch.first_id + i)) {
      model_test::clear_output(r, i);
      r.failures.push_back(Failure{i, "boom"});
    }
  }
  return r;
}

template <class Fails>
void run(Scheduler& s, RecordingTransport& t, Fails fails) {
  s.start();
  std::vector<Sent> outstanding;
  while (!s.finished()) {
    for (Sent& x : t.take()) {
      if (!x.stop) outstanding.push_back(std::move(x));
    }
    ASSERT_FALSE(outstanding.empty()) << "scheduler stalled";
    Sent next = std::move(outstanding.front());
    outstanding.erase(outstanding.begin());
    s.on_results(answer(next, fails));
  }
}

SchedulerConfig three_ranks(std::uint32_t retries) {
  SchedulerConfig c;
  c.workers = {WorkerSlot{0, 1}, WorkerSlot{1, 1}, WorkerSlot{2, 1}};
  c.fixed_batch = 4;
  c.retries = retries;
  return c;
}

TEST(SchedulerFailures, WithoutRetriesFailuresAreFinal) {
  GeneratedSource source(squares(40));
  RecordingTransport t;
  Outcomes out;
  Scheduler s(three_ranks(0), source, t, out);
  run(s, t, [](int, std::uint64_t id) { return id % 10 == 3; });
  EXPECT_EQ(out.ids.size(), 40u);
  EXPECT_EQ(out.failed, (std::set<std::uint64_t>{3, 13, 23, 33}));
  EXPECT_EQ(s.retries_sent(), 0u);
}

TEST(SchedulerFailures, ARetrySucceedsElsewhereAndOrderIsKept) {
  GeneratedSource source(squares(40));
  RecordingTransport t;
  Outcomes out;
  Scheduler s(three_ranks(2), source, t, out);
  // Rank 1 fails task 5 (any other rank runs it fine).
  run(s, t, [](int rank, std::uint64_t id) { return rank == 1 && id % 4 == 1; });
  ASSERT_EQ(out.ids.size(), 40u);
  for (std::uint64_t i = 0; i < 40; ++i) EXPECT_EQ(out.ids[i], i) << "ordered, each once";
  EXPECT_TRUE(out.failed.empty());
  for (const auto& [id, attempts] : out.attempts) {
    if (attempts > 1) {
      EXPECT_EQ(attempts, 2u);
      EXPECT_NE(out.rank[id], 1) << "the retry ran on another rank";
    }
  }
  EXPECT_GT(s.retries_sent(), 0u);
}

TEST(SchedulerFailures, ATaskThatFailsEverywhereStopsAfterItsRetries) {
  GeneratedSource source(squares(12));
  RecordingTransport t;
  Outcomes out;
  Scheduler s(three_ranks(2), source, t, out);
  run(s, t, [](int, std::uint64_t id) { return id == 7; });
  ASSERT_EQ(out.ids.size(), 12u);
  EXPECT_EQ(out.failed, std::set<std::uint64_t>{7});
  EXPECT_EQ(out.attempts[7], 3u) << "1 run + 2 retries";
  EXPECT_EQ(s.retries_sent(), 2u);
  EXPECT_TRUE(s.excluded().empty()) << "a bad task is not a bad node";
}

TEST(SchedulerFailures, ABadRankIsExcludedAndNamed) {
  GeneratedSource source(squares(300));
  RecordingTransport t;
  Outcomes out;
  SchedulerConfig config = three_ranks(1);
  config.fixed_batch = 1;
  Scheduler s(config, source, t, out);
  run(s, t, [](int rank, std::uint64_t) { return rank == 2; });
  ASSERT_EQ(out.ids.size(), 300u);
  EXPECT_TRUE(out.failed.empty()) << "every task recovered elsewhere";
  ASSERT_EQ(s.excluded().size(), 1u);
  EXPECT_EQ(s.excluded()[0].first, 2);
  // Once excluded, rank 2 ran nothing more: only its first few tasks failed there.
  std::size_t sent_to_2 = 0;
  for (const auto& [id, attempts] : out.attempts) sent_to_2 += attempts > 1 ? 1 : 0;
  EXPECT_LT(sent_to_2, 20u);
}

TEST(SchedulerFailures, TheLastHealthyRankIsNeverExcluded) {
  GeneratedSource source(squares(50));
  RecordingTransport t;
  Outcomes out;
  SchedulerConfig config;
  config.workers = {WorkerSlot{0, 1}, WorkerSlot{1, 1}};
  config.fixed_batch = 1;
  config.retries = 1;
  Scheduler s(config, source, t, out);
  run(s, t, [](int rank, std::uint64_t) { return rank == 1; });
  EXPECT_EQ(out.ids.size(), 50u);
  EXPECT_LE(s.excluded().size(), 1u);
  for (const auto& e : s.excluded()) EXPECT_EQ(e.first, 1);
}

TEST(SchedulerFailures, OneRankRetriesOnItself) {
  GeneratedSource source(squares(5));
  RecordingTransport t;
  Outcomes out;
  SchedulerConfig config;
  config.workers = {WorkerSlot{0, 1}};
  config.retries = 3;
  int calls = 0;
  Scheduler s(config, source, t, out);
  // Task 2 fails twice, then succeeds: a flaky task on the only rank.
  run(s, t, [&](int, std::uint64_t id) { return id == 2 && calls++ < 2; });
  EXPECT_TRUE(out.failed.empty());
  EXPECT_EQ(out.attempts[2], 3u);
}

TEST(SchedulerFailures, TheJournalSeesEachFinalBatchOnce) {
  GeneratedSource source(squares(60));
  RecordingTransport t;
  Outcomes out;
  Outcomes journal;
  SchedulerConfig config = three_ranks(1);
  Scheduler s(config, source, t, out, &journal);
  run(s, t, [](int rank, std::uint64_t id) { return rank == 0 && id % 5 == 0; });
  std::vector<std::uint64_t> seen = journal.ids;
  std::sort(seen.begin(), seen.end());
  ASSERT_EQ(seen.size(), 60u);
  for (std::uint64_t i = 0; i < 60; ++i) EXPECT_EQ(seen[i], i);
}

// A stop tells every rank to hand back what it has not started; those tasks
// are neither results nor failures: left unfinished, they run on --resume.
TEST(SchedulerFailures, TasksHandedBackUnstartedAreLeftUnfinished) {
  GeneratedSource source(squares(40));
  RecordingTransport t;
  Outcomes out;
  Outcomes journal;
  SchedulerConfig config = three_ranks(0);
  Scheduler s(config, source, t, out, &journal);
  s.start();
  std::vector<Sent> flying = t.take();
  ASSERT_EQ(flying.size(), 3u) << "one probe batch per rank";
  s.stop_dispatch();
  EXPECT_EQ(t.drained, (std::vector<int>{0, 1, 2}));
  s.stop_dispatch();
  EXPECT_EQ(t.drained.size(), 3u) << "once";
  for (const Sent& x : flying) {
    ResultBatch r = testing::answer(x.batch, x.rank, 0);
    if (x.rank == 1) {  // rank 1 had started the first of its batch, not the rest
      for (std::uint32_t i = 1; i < x.batch.size(); ++i) {
        model_test::clear_output(r, i);
        r.failures.push_back(Failure{i, "not started: drover is stopping", std::string(kNotStarted)});
      }
    }
    s.on_results(std::move(r));
  }
  EXPECT_TRUE(s.finished());
  const std::uint64_t first = flying[1].batch.first_id;
  const std::size_t n = flying[1].batch.size();
  EXPECT_EQ(s.not_started(), n - 1);
  std::set<std::uint64_t> journaled(journal.ids.begin(), journal.ids.end());
  EXPECT_EQ(journaled.count(first), 1u) << "it ran";
  for (std::uint64_t id = first + 1; id < first + n; ++id)
    EXPECT_EQ(journaled.count(id), 0u) << id << ": not in the journal, so --resume runs it";
  EXPECT_EQ(journaled.size(), flying[0].batch.size() + 1 + flying[2].batch.size());
  EXPECT_TRUE(out.failed.empty()) << "not a failure";
}

}  // namespace
}  // namespace drover
