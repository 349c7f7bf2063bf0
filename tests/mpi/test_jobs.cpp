// Whole jobs over the real MPI transport, run at several rank counts by ctest.
#include <gtest/gtest.h>

#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/mpi/communicator.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include "kinds/generators.hpp"
#include "kinds/pod.hpp"
#include "model/errors.hpp"
#include "model/kinds.hpp"
#include "runtime/job.hpp"
#include "support/faulty_kinds.hpp"

namespace drover {
namespace {

// Collects what rank 0 hands on, in the order it is handed on.
struct Collected final : ResultConsumer {
  void consume(const TaskBatch& tasks, const ResultBatch& results) override {
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      ids.push_back(tasks.first_id + i);
      // Every built-in kind's value is its output's first int64; a failed task has none.
      const auto output = results.output(i);
      values.push_back(output.size() >= 8 ? builtin::get_pod<std::int64_t>(output) : 0);
    }
    for (const Failure& f : results.failures) failures.push_back(f.message);
    ranks.insert(results.rank);
  }
  std::vector<std::uint64_t> ids;
  std::vector<std::int64_t> values;
  std::vector<std::string> failures;
  std::set<int> ranks;
};

struct JobRun {
  JobOutcome outcome;
  Collected seen;       // filled on rank 0 only
  std::string summary;  // what rank 0 printed
};

// All of a temporary file's text, from its start.
std::string text_of(std::FILE* f) {
  std::string text;
  std::rewind(f);
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;) text.append(buffer, n);
  return text;
}

JobRun run(const RunOptions& options) {
  boost::mpi::communicator world;
  JobRun r;
  JobHooks hooks;
  hooks.observer = &r.seen;
  hooks.out = std::tmpfile();  // keep the summary out of the test log
  hooks.err = std::tmpfile();
  r.outcome = run_job(options, world, hooks);
  r.summary = text_of(hooks.out);
  std::fclose(hooks.out);
  std::fclose(hooks.err);
  return r;
}

RunOptions squares(std::int64_t from, std::uint64_t count) {
  RunOptions o;
  o.generator = square_generator(count, from);
  o.threads = 2;
  return o;
}

bool is_rank0() {
  return boost::mpi::communicator().rank() == 0;
}

TEST(Jobs, OrderedSquaresEqualTheSerialReference) {
  const JobRun r = run(squares(-50'000, 200'000));
  EXPECT_EQ(r.outcome.exit_code, kExitOk);
  if (!is_rank0()) return;
  ASSERT_EQ(r.seen.ids.size(), 200'000u);
  for (std::uint64_t i = 0; i < r.seen.ids.size(); ++i) {
    ASSERT_EQ(r.seen.ids[i], i);
    const std::int64_t n = -50'000 + static_cast<std::int64_t>(i);
    ASSERT_EQ(r.seen.values[i], n * n) << "task " << i;
  }
}

TEST(Jobs, UnorderedSquaresArriveExactlyOnceEach) {
  RunOptions o = squares(0, 100'000);
  o.ordered = false;
  const JobRun r = run(o);
  EXPECT_EQ(r.outcome.exit_code, kExitOk);
  if (!is_rank0()) return;
  std::vector<bool> seen(100'000, false);
  for (std::size_t k = 0; k < r.seen.ids.size(); ++k) {
    const auto id = r.seen.ids[k];
    ASSERT_LT(id, 100'000u);
    ASSERT_FALSE(seen[id]) << "task " << id << " twice";
    seen[id] = true;
    ASSERT_EQ(r.seen.values[k], static_cast<std::int64_t>(id * id));
  }
  EXPECT_EQ(r.seen.ids.size(), 100'000u);
}

TEST(Jobs, BatchOfOneStillDeliversEveryTaskInOrder) {
  RunOptions o = squares(7, 3'000);
  o.batch = 1;
  const JobRun r = run(o);
  EXPECT_EQ(r.outcome.exit_code, kExitOk);
  if (!is_rank0()) return;
  ASSERT_EQ(r.seen.ids.size(), 3'000u);
  for (std::uint64_t i = 0; i < 3'000; ++i)
    ASSERT_EQ(r.seen.values[i], static_cast<std::int64_t>((7 + i) * (7 + i)));
  // With one task per message and rank 0 working too, every rank gets some.
  EXPECT_EQ(static_cast<int>(r.seen.ranks.size()), boost::mpi::communicator().size());
}

TEST(Jobs, ThrowingTasksAreDataAndEveryRankCarriesOn) {
  // Inputs above 3037000499 overflow: 50 failures among 100 tasks.
  RunOptions o = squares(3'037'000'450, 100);
  o.batch = 3;
  const JobRun bad = run(o);
  EXPECT_EQ(bad.outcome.exit_code, kExitTasksFailed) << "same verdict on every rank";
  if (is_rank0()) {
    EXPECT_EQ(bad.outcome.failed, 50u);
    ASSERT_EQ(bad.seen.failures.size(), 50u);
    EXPECT_NE(bad.seen.failures[0].find("overflows"), std::string::npos);
  }
  // Every rank is alive and works the next job.
  const JobRun good = run(squares(0, 1'000));
  EXPECT_EQ(good.outcome.exit_code, kExitOk);
  if (is_rank0()) {
    EXPECT_EQ(good.seen.ids.size(), 1'000u);
  }
}

TEST(Jobs, CrunchAndShortDownloads) {
  RunOptions crunch;
  crunch.generator = crunch_generator(12, 20'000);
  crunch.threads = 1;
  const JobRun c = run(crunch);
  EXPECT_EQ(c.outcome.exit_code, kExitOk);
  if (is_rank0()) {
    ASSERT_EQ(c.seen.values.size(), 12u);
    for (const auto v : c.seen.values) EXPECT_EQ(v, 20'000);
  }

  RunOptions download;
  const Generator d = download_generator(40, 0.001, 0.004, 3);
  download.generator = d;
  download.announce = false;
  const JobRun r = run(download);
  EXPECT_EQ(r.outcome.exit_code, kExitOk);
  if (is_rank0()) {
    ASSERT_EQ(r.seen.values.size(), 40u);
    for (std::size_t i = 0; i < 40; ++i) {
      EXPECT_EQ(r.seen.ids[i], i);
      EXPECT_EQ(r.seen.values[i], std::llround(download_seconds_of(d.make(i).input) * 1000))
          << "planned ms";
    }
  }
}

std::string shared_temp_file(const std::string& tag, const std::string& content) {
  boost::mpi::communicator world;
  std::string path;
  if (world.rank() == 0) {
    path = "/tmp/drover-mpi-test-" + std::to_string(::getpid()) + "-" + tag + ".jsonl";
    std::ofstream(path) << content;
  }
  boost::mpi::broadcast(world, path, 0);
  return path;
}

TEST(Jobs, MixedTaskFile) {
  std::string content;
  for (int i = 0; i < 60; ++i) {
    if (i % 3 == 0) content += "{\"kind\":\"square\",\"n\":" + std::to_string(i) + "}\n";
    if (i % 3 == 1) content += "{\"kind\":\"crunch\",\"count\":" + std::to_string(1000 + i) + "}\n";
    if (i % 3 == 2)
      content +=
          "{\"kind\":\"download\",\"name\":\"f" + std::to_string(i) + ".bin\",\"seconds\":0.002}\n";
  }
  RunOptions o;
  o.tasks_file = shared_temp_file("mixed", content);
  o.announce = false;
  const JobRun r = run(o);
  EXPECT_EQ(r.outcome.exit_code, kExitOk);
  if (!is_rank0()) return;
  std::remove(o.tasks_file.c_str());
  ASSERT_EQ(r.seen.ids.size(), 60u);
  for (int i = 0; i < 60; ++i) {
    EXPECT_EQ(r.seen.ids[i], static_cast<std::uint64_t>(i));
    const std::int64_t expected = i % 3 == 0 ? i * i : i % 3 == 1 ? 1000 + i : 2;
    EXPECT_EQ(r.seen.values[i], expected) << "task " << i;
  }
}

TEST(Jobs, BadTaskFileStopsEveryRankBeforeWork) {
  RunOptions o;
  o.tasks_file =
      shared_temp_file("bad", "{\"kind\":\"square\",\"n\":1}\n{\"kind\":\"cube\",\"n\":2}\n");
  const JobRun r = run(o);
  EXPECT_EQ(r.outcome.exit_code, kExitUsage);
  if (is_rank0()) {
    EXPECT_TRUE(r.seen.ids.empty()) << "no work started";
    std::remove(o.tasks_file.c_str());
  }
  o.tasks_file = "/nonexistent/drover/tasks.jsonl";
  EXPECT_EQ(run(o).outcome.exit_code, kExitUsage);
}

TEST(Jobs, UnwritableOutputStopsEveryRankBeforeWork) {
  RunOptions o = squares(0, 10);
  o.output = "/nonexistent/dir/out.jsonl";
  EXPECT_EQ(run(o).outcome.exit_code, kExitUsage);
}

TEST(Jobs, FailedTasksRetryElsewhereAndABadRankIsExcluded) {
  const int size = boost::mpi::communicator().size();
  if (size < 2) GTEST_SKIP() << "needs a second rank to fail on";
  // The test-only kind flaky (tests/support/faulty_kinds.hpp) squares, but
  // every task of it fails on rank 1.
  faulty::set_failing(boost::mpi::communicator().rank() == 1);
  RunOptions o = squares(0, 2'000);
  o.generator->kind = find_kind("flaky")->id;  // the same parameters: the input of task 0
  o.batch = 5;
  o.retries = 2;
  const JobRun r = run(o);
  faulty::set_failing(false);
  EXPECT_EQ(r.outcome.exit_code, kExitOk) << "every task recovered on another rank";
  if (!is_rank0()) return;
  ASSERT_EQ(r.seen.ids.size(), 2'000u);
  for (std::uint64_t i = 0; i < 2'000; ++i) {
    ASSERT_EQ(r.seen.ids[i], i);
    ASSERT_EQ(r.seen.values[i], static_cast<std::int64_t>(i * i));
  }
  EXPECT_TRUE(r.seen.failures.empty());
  // Rank 1 did fail: its tasks were retried, and it was given no more work.
  EXPECT_NE(r.summary.find("excluded ranks: 1 "), std::string::npos) << r.summary;
  EXPECT_NE(r.summary.find(" tasks retried, "), std::string::npos) << r.summary;
}

TEST(Jobs, ResumeFromATruncatedJournalCompletesEveryTaskOnce) {
  RunOptions o = squares(-1'000, 20'000);
  o.batch = 100;
  o.journal = shared_temp_file("journal", "");  // an empty file: a new journal
  const JobRun first = run(o);
  ASSERT_EQ(first.outcome.exit_code, kExitOk);
  if (is_rank0()) {
    // Cut the journal mid-way: whole records stay, the last one is torn.
    std::FILE* f = std::fopen(o.journal.c_str(), "r+b");
    ASSERT_NE(f, nullptr);
    std::fseek(f, 0, SEEK_END);
    const long size = std::ftell(f);
    ASSERT_EQ(::ftruncate(::fileno(f), size * 3 / 5), 0);
    std::fclose(f);
  }
  o.resume = true;
  const JobRun resumed = run(o);
  EXPECT_EQ(resumed.outcome.exit_code, kExitOk);
  if (!is_rank0()) return;
  ASSERT_EQ(resumed.seen.ids.size(), 20'000u) << "replayed plus rerun, each once";
  for (std::uint64_t i = 0; i < 20'000; ++i) {
    ASSERT_EQ(resumed.seen.ids[i], i);
    const std::int64_t n = -1'000 + static_cast<std::int64_t>(i);
    ASSERT_EQ(resumed.seen.values[i], n * n);
  }
  std::remove(o.journal.c_str());
}

TEST(Jobs, AJournalFromOtherWorkIsRefusedOnEveryRank) {
  RunOptions o = squares(0, 100);
  o.journal = shared_temp_file("foreign", "");
  ASSERT_EQ(run(o).outcome.exit_code, kExitOk);
  RunOptions other = squares(1, 100);
  other.journal = o.journal;
  other.resume = true;
  EXPECT_EQ(run(other).outcome.exit_code, kExitUsage);
  if (is_rank0()) std::remove(o.journal.c_str());
}

}  // namespace
}  // namespace drover
