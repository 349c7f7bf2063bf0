// Tests of RunReport beyond plain runs: retries, batches replayed from a journal, summary notes.
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "report_test_util.hpp"

namespace drover {
namespace {

using namespace report_test;

TEST(RunReport, AttemptsReachRowsAndCountRetries) {
  RecordingSink sink;
  RunReport report(two_ranks(), squares_from(0, 100), &sink);
  auto [b0, r0] = square_range_batch(0, 5, 1);
  r0.attempts = {1, 3, 2, 1, 4};
  model_test::clear_output(r0, 2);
  r0.failures = {{2, "boom"}};
  report.consume(b0, r0);
  auto [b1, r1] = square_range_batch(5, 2, 0);  // no attempts: every task ran once
  report.consume(b1, r1);
  ASSERT_EQ(sink.rows.size(), 7u);
  std::vector<std::uint32_t> attempts;
  for (const Recorded& row : sink.rows) attempts.push_back(row.attempts);
  EXPECT_EQ(attempts, (std::vector<std::uint32_t>{1, 3, 2, 1, 4, 1, 1}));
  EXPECT_EQ(report.retried(), 3u);
  EXPECT_EQ(report.recovered(), 2u);  // ids 1 and 4; id 2 failed on its last attempt
  EXPECT_EQ(report.replayed(), 0u);
  const std::string text = summary_of(report, 1);
  EXPECT_NE(text.find("  retries: 3 tasks retried, 2 of them succeeded\n"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("resumed"), std::string::npos) << text;
  EXPECT_EQ(text.find("stopped early"), std::string::npos) << text;

  auto [b2, r2] = square_range_batch(7, 3, 0);
  r2.attempts = {1, 1};
  EXPECT_THROW(report.consume(b2, r2), std::logic_error);
}

TEST(RunReport, ReplayedBatchesKeepTheirOwnHostAndPid) {
  RecordingSink sink;
  RunReport report(two_ranks(), squares_from(0, 100), &sink);
  JournalBatch old;
  std::tie(old.tasks, old.results) = square_range_batch(10, 3, 5);  // rank 5 of an earlier run
  old.host = "old-node";
  old.pid = 777;
  old.results.attempts = {1, 2, 1};
  model_test::clear_output(old.results, 2);
  old.results.failures = {{2, "boom"}};
  report.consume_replayed(old);
  auto [batch, results] = square_range_batch(0, 10, 1);
  report.consume(batch, results);

  EXPECT_EQ(report.tasks(), 13u);
  EXPECT_EQ(report.failed(), 1u);
  EXPECT_EQ(report.replayed(), 3u);
  EXPECT_EQ(report.retried(), 1u);
  EXPECT_EQ(report.recovered(), 1u);
  EXPECT_EQ(report.per_kind()[model_test::square_id()].tasks, 13u);
  // 0..9 squared, then 10, 11
  EXPECT_EQ(report.per_kind()[model_test::square_id()].value_sum, 285u + 100 + 121);
  EXPECT_EQ(report.tasks_per_rank(), (std::vector<std::uint64_t>{0, 10}));  // this run's work
  ASSERT_EQ(sink.rows.size(), 13u);
  EXPECT_EQ(sink.rows[0].id, 10u);
  EXPECT_EQ(sink.rows[0].rank, 5);
  EXPECT_EQ(sink.rows[0].host, "old-node");
  EXPECT_EQ(sink.rows[0].pid, 777);
  EXPECT_EQ(sink.rows[1].attempts, 2u);
  EXPECT_EQ(sink.rows[3].host, "n1");
  EXPECT_EQ(sink.rows[3].pid, 101);
  EXPECT_EQ(sink.rows[3].attempts, 1u);
  EXPECT_EQ(report.first_failures().at(0).host, "old-node");

  const std::string text = summary_of(report, 1);
  EXPECT_NE(text.find("drover: 13 tasks, 1 failed in"), std::string::npos) << text;
  EXPECT_NE(text.find("  resumed: 3 tasks from the journal\n"
                      "  retries: 1 tasks retried, 1 of them succeeded\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("    id 12 on rank 5 (old-node): boom\n"), std::string::npos) << text;
}

TEST(RunReport, NotesSayWhichRanksWereExcludedAndWhyTheRunStopped) {
  RunReport report(two_ranks(), squares_from(0, 100), nullptr);
  auto [batch, results] = square_range_batch(0, 10, 0);
  report.consume(batch, results);
  SummaryNotes notes;
  notes.excluded_ranks = {{1, "after 3 failures in a row that succeeded elsewhere"},
                          {9, "after a lost\nconnection"}};
  notes.unfinished = 90;
  notes.stop_reason = "interrupted (SIGINT)";
  notes.journal = true;
  const std::string text = summary_of(report, 1, notes);
  EXPECT_NE(text.find("  ranks: 0:10 1:0\n"
                      "  excluded ranks: 1 (n1) after 3 failures in a row that succeeded "
                      "elsewhere; 9 (?) after a lost connection\n"
                      "  stopped early: interrupted (SIGINT); 90 tasks not run (resumable with "
                      "--resume)\n"),
            std::string::npos)
      << text;

  notes = {};
  notes.unfinished = 7;
  notes.journal = true;
  EXPECT_NE(summary_of(report, 1, notes)
                .find("  stopped early: 7 tasks not run (resumable with --resume)\n"),
            std::string::npos);
  // Issue 11: without a journal there is nothing to resume from.
  notes.journal = false;
  const std::string unjournaled = summary_of(report, 1, notes);
  EXPECT_NE(unjournaled.find("  stopped early: 7 tasks not run (no --journal to resume from: add "
                             "--journal FILE next time)\n"),
            std::string::npos)
      << unjournaled;
  EXPECT_EQ(unjournaled.find("resumable"), std::string::npos) << unjournaled;
  notes = {};
  notes.stop_reason = "output write failed";
  EXPECT_NE(summary_of(report, 1, notes).find("  stopped early: output write failed\n"),
            std::string::npos);
  const std::string plain = summary_of(report, 1);
  EXPECT_EQ(plain.find("excluded"), std::string::npos) << plain;
  EXPECT_EQ(plain.find("stopped"), std::string::npos) << plain;
}

}  // namespace
}  // namespace drover
