// Tests of the summary's rate: two significant digits, and only the tasks this run executed.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <tuple>

#include "report_test_util.hpp"

namespace drover {
namespace {

using namespace report_test;

std::string headline_of(const RunReport& report, double seconds) {
  const std::string text = summary_of(report, seconds);
  return text.substr(0, text.find('\n'));
}

RunReport squares_done(std::uint32_t count) {
  RunReport report(two_ranks(), squares_from(0, 1000), nullptr);
  auto [batch, results] = square_range_batch(0, count, 0);
  report.consume(batch, results);
  return report;
}

// Issue 11: "3 tasks ... in 7.5 s (0 tasks/s)".
TEST(RunReportRate, SlowRatesKeepTwoSignificantDigits) {
  EXPECT_EQ(headline_of(squares_done(3), 7.5),
            "drover: 3 tasks, 0 failed in 7.500000 s (0.40 tasks/s)");
  EXPECT_NE(headline_of(squares_done(7), 2).find("(3.5 tasks/s)"), std::string::npos);
  EXPECT_NE(headline_of(squares_done(42), 1).find("(42 tasks/s)"), std::string::npos);
  EXPECT_NE(headline_of(squares_done(3), 2500).find("(0.0012 tasks/s)"), std::string::npos);
  EXPECT_NE(headline_of(squares_done(900), 0.2).find("(4500 tasks/s)"), std::string::npos);
  EXPECT_NE(headline_of(squares_done(0), 1).find("(0 tasks/s)"), std::string::npos);
}

RunReport resumed(std::uint32_t replayed, std::uint32_t run_now) {
  RunReport report(two_ranks(), squares_from(0, 1000), nullptr);
  JournalBatch old;
  std::tie(old.tasks, old.results) = square_range_batch(0, replayed, 1);
  old.host = "old-node";
  report.consume_replayed(old);
  if (run_now > 0) {
    auto [batch, results] = square_range_batch(replayed, run_now, 0);
    report.consume(batch, results);
  }
  return report;
}

// Issue 11: a run resumed wholly from the journal reported 4,555 tasks/s.
TEST(RunReportRate, ReplayedTasksAreNotRated) {
  EXPECT_EQ(headline_of(resumed(1000, 0), 0.2),
            "drover: 1000 tasks, 0 failed in 0.200000 s "
            "(none run now: all 1000 replayed from the journal)");
  EXPECT_EQ(headline_of(resumed(900, 100), 0.5),
            "drover: 1000 tasks, 0 failed in 0.500000 s "
            "(200 tasks/s over the 100 run now; 900 replayed from the journal)");
}

TEST(RunReportRate, SummaryJsonRatesOnlyTasksRunNow) {
  const RunReport report = resumed(900, 100);
  const auto j =
      nlohmann::json::parse(written_by([&](std::FILE* f) { report.write_summary_json(f, 0.5); }));
  EXPECT_EQ(j["tasks"], 1000);
  EXPECT_EQ(j["replayed"], 900);
  EXPECT_DOUBLE_EQ(j["tasks_per_second"].get<double>(), 200.0);
  const RunReport all_old = resumed(1000, 0);
  const auto k =
      nlohmann::json::parse(written_by([&](std::FILE* f) { all_old.write_summary_json(f, 0.2); }));
  EXPECT_DOUBLE_EQ(k["tasks_per_second"].get<double>(), 0.0);
}

}  // namespace
}  // namespace drover
