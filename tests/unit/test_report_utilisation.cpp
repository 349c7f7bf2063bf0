// Tests of RunReport's busy time per rank, the utilisation line and the summary JSON.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "report_test_util.hpp"

namespace drover {
namespace {

using namespace report_test;

// A range batch of `count` crunch tasks on `rank`, one span per task of `us` microseconds.
std::pair<TaskBatch, ResultBatch> crunch_batch(std::uint64_t first, std::uint32_t count,
                                               std::int32_t rank, std::int64_t us) {
  const TaskBatch batch =
      model_test::generated_range(crunch_generator(first + count, 100), first, count);
  ResultBatch results;
  results.rank = rank;
  model_test::set_values_and_metrics(results, std::vector<std::int64_t>(count, 100),
                                     std::vector<double>(count, 0.3));
  for (std::uint32_t i = 0; i < count; ++i) {
    results.spans.push_back(span(i, 1, i % 2, 5000 + i * us, 5000 + (i + 1) * us));
  }
  return {batch, results};
}

Generator crunches(std::uint64_t total) {
  return crunch_generator(total, 100);
}

std::string json_of(const RunReport& report, double seconds, const SummaryNotes& notes = {}) {
  return written_by([&](std::FILE* f) { report.write_summary_json(f, seconds, notes); });
}

TEST(RunReportUtilisation, BusyTimeIsPerRankAndOnlyThisRunsCpuWork) {
  RunReport report(two_ranks(), crunches(10), nullptr);
  auto [b0, r0] = crunch_batch(0, 4, 0, 250'000);  // rank 0: 1 s busy
  auto [b1, r1] = crunch_batch(4, 4, 1, 200'000);  // rank 1: 0.8 s busy
  report.consume(b0, r0);
  report.consume(b1, r1);
  JournalBatch old;  // an earlier run's work: not this run's busy time
  std::tie(old.tasks, old.results) = crunch_batch(8, 2, 1, 1'000'000);
  report.consume_replayed(old);
  EXPECT_EQ(report.busy_us_per_rank(), (std::vector<std::int64_t>{1'000'000, 800'000}));

  // 2 threads x 0.625 s = 1.25 thread-seconds per rank: 80% and 64%; mean 0.9 s, max 1 s.
  const std::string text = summary_of(report, 0.625);
  EXPECT_NE(text.find("  utilisation: rank 0 80%, rank 1 64% (busy / (threads x wall)); "
                      "imbalance 1.11 (max / mean busy)\n"),
            std::string::npos)
      << text;
}

TEST(RunReportUtilisation, DownloadsHoldNoThreadAndAreLeftOut) {
  const Generator g = download_generator(2, 5.0, 10.0, 0);
  RunReport report(two_ranks(), g, nullptr);
  const TaskBatch batch = model_test::generated_range(g, 0, 2);
  ASSERT_EQ(batch.lane, Lane::io);
  ResultBatch results;
  results.rank = 1;
  model_test::set_values_and_metrics(results, {500, 600}, {0.5, 0.6});
  results.spans = {span(0, 1, 2, 0, 500'000), span(1, 1, 2, 0, 600'000)};
  report.consume(batch, results);
  EXPECT_EQ(report.busy_us_per_rank(), (std::vector<std::int64_t>{0, 0}));
  // The per-kind total still has them.
  EXPECT_EQ(report.per_kind()[model_test::download_id()].busy_us, 1'100'000);
  const std::string text = summary_of(report, 0.6);
  EXPECT_EQ(text.find("utilisation"), std::string::npos) << text;
}

TEST(RunReportUtilisation, ManyRanksShowTheSpread) {
  std::vector<RankInfo> ranks;
  for (int r = 0; r < 20; ++r) {
    std::string host = "n";  // appended: g++ 12 -O3 warns falsely on "n" + to_string(r)
    host += std::to_string(r);
    ranks.push_back({host, 100 + r, 1});
  }
  RunReport report(ranks, crunches(20), nullptr);
  for (int r = 0; r < 20; ++r) {
    // of a 0.1 s wall with 1 thread: ranks 0-9 busy 50%, 10-19 70%, but rank 7 30%
    const std::int64_t busy = r == 7 ? 30'000 : r < 10 ? 50'000 : 70'000;
    auto [b, res] = crunch_batch(static_cast<std::uint64_t>(r), 1, r, busy);
    report.consume(b, res);
  }
  const std::string text = summary_of(report, 0.1);
  // mean busy 59 ms, max 70 ms
  EXPECT_NE(text.find("  utilisation: 20 ranks, min 30% (rank 7), median 60%, max 70% (rank 19) "
                      "(busy / (threads x wall)); imbalance 1.19 (max / mean busy)\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("rank 3 "), std::string::npos) << text;
}

TEST(RunReportUtilisation, SummaryJsonHasEveryFigure) {
  RunReport report(two_ranks(), crunches(10), nullptr);
  auto [b0, r0] = crunch_batch(0, 4, 0, 250'000);
  auto [b1, r1] = crunch_batch(4, 4, 1, 200'000);
  model_test::clear_output(r1, 1);
  r1.failures = {{1, "boom"}};
  r1.attempts = {1, 3, 2, 1};
  report.consume(b0, r0);
  report.consume(b1, r1);
  JournalBatch old;
  std::tie(old.tasks, old.results) = crunch_batch(8, 2, 1, 1000);
  report.consume_replayed(old);
  SummaryNotes notes;
  notes.excluded_ranks = {{1, "after 3 failures in a row"}};
  notes.unfinished = 5;
  notes.stop_reason = "time limit";

  const std::string text = json_of(report, 0.625, notes);
  ASSERT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << "one line: " << text;
  const auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["tasks"], 10);
  EXPECT_EQ(j["failed"], 1);
  EXPECT_DOUBLE_EQ(j["wall_seconds"].get<double>(), 0.625);
  EXPECT_DOUBLE_EQ(j["tasks_per_second"].get<double>(), 12.8);  // 8 run now, 2 replayed
  EXPECT_EQ(j["replayed"], 2);
  EXPECT_EQ(j["retried"], 2);
  EXPECT_EQ(j["recovered"], 1);
  ASSERT_EQ(j["per_kind"].size(), 1u);
  EXPECT_EQ(j["per_kind"]["crunch"]["tasks"], 10);
  EXPECT_EQ(j["per_kind"]["crunch"]["failed"], 1);
  EXPECT_EQ(j["per_kind"]["crunch"]["value_sum"], 900);
  EXPECT_DOUBLE_EQ(j["per_kind"]["crunch"]["busy_s"].get<double>(), 1.802);
  ASSERT_EQ(j["ranks"].size(), 2u);
  EXPECT_EQ(j["ranks"][1]["rank"], 1);
  EXPECT_EQ(j["ranks"][1]["host"], "n1");
  EXPECT_EQ(j["ranks"][1]["threads"], 2);
  EXPECT_EQ(j["ranks"][1]["tasks"], 4);
  EXPECT_DOUBLE_EQ(j["ranks"][1]["busy_s"].get<double>(), 0.8);
  EXPECT_DOUBLE_EQ(j["ranks"][0]["utilisation"].get<double>(), 0.8);
  EXPECT_DOUBLE_EQ(j["ranks"][1]["utilisation"].get<double>(), 0.64);
  EXPECT_NEAR(j["imbalance"].get<double>(), 1.0 / 0.9, 1e-12);
  ASSERT_EQ(j["excluded_ranks"].size(), 1u);
  EXPECT_EQ(j["excluded_ranks"][0]["rank"], 1);
  EXPECT_EQ(j["excluded_ranks"][0]["host"], "n1");
  EXPECT_EQ(j["excluded_ranks"][0]["reason"], "after 3 failures in a row");
  EXPECT_EQ(j["stop_reason"], "time limit");
  EXPECT_EQ(j["unfinished"], 5);
}

TEST(RunReportUtilisation, SummaryJsonOfAnEmptyRunHasNulls) {
  std::vector<RankInfo> ranks = {{"h\xff", 1, 0}};  // a host that is not UTF-8 must not throw
  RunReport report(ranks, crunches(0), nullptr);
  const auto j = nlohmann::json::parse(json_of(report, 0));
  EXPECT_EQ(j["tasks"], 0);
  EXPECT_DOUBLE_EQ(j["tasks_per_second"].get<double>(), 0);
  EXPECT_TRUE(j["per_kind"].is_object() && j["per_kind"].empty());
  ASSERT_EQ(j["ranks"].size(), 1u);
  EXPECT_EQ(j["ranks"][0]["threads"], 1);
  EXPECT_TRUE(j["ranks"][0]["utilisation"].is_null());
  EXPECT_TRUE(j["imbalance"].is_null());
  EXPECT_TRUE(j["stop_reason"].is_null());
  EXPECT_TRUE(j["excluded_ranks"].empty());
}

TEST(RunReportUtilisation, SummaryJsonWriteErrorsThrow) {
  RunReport report(two_ranks(), crunches(0), nullptr);
  std::FILE* full = std::fopen("/dev/full", "w");
  if (full == nullptr) GTEST_SKIP() << "no /dev/full";
  EXPECT_THROW(report.write_summary_json(full, 1), std::runtime_error);
  std::fclose(full);
}

}  // namespace
}  // namespace drover
