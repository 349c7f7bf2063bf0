// Tests of RunReport: totals from range and explicit batches, rows sent to a sink, the summary.
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "report_test_util.hpp"

namespace drover {
namespace {

using namespace report_test;
using model_test::crunch_id;
using model_test::download_id;
using model_test::square_id;

TEST(RunReport, RangeBatchesWithoutSinkUpdateTotals) {
  RunReport report(two_ranks(), squares_from(0, 1000), nullptr);
  auto [b0, r0] = square_range_batch(0, 500, 0);
  auto [b1, r1] = square_range_batch(500, 500, 1);
  report.consume(b1, r1);
  report.consume(b0, r0);
  EXPECT_EQ(report.tasks(), 1000u);
  EXPECT_EQ(report.failed(), 0u);
  const KindTotals& sq = report.per_kind()[square_id()];
  EXPECT_EQ(sq.tasks, 1000u);
  EXPECT_EQ(sq.value_sum, 332833500u);  // sum of i^2 for i < 1000
  EXPECT_EQ(sq.busy_us, 10 * 10);
  EXPECT_EQ(report.per_kind()[crunch_id()].tasks, 0u);
  EXPECT_EQ(report.tasks_per_rank(), (std::vector<std::uint64_t>{500, 500}));

  const std::string text = summary_of(report, 0.5);
  EXPECT_NE(text.find("drover: 1000 tasks, 0 failed in 0.500000 s (2000 tasks/s)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  square         1000        0            332833500      0.000\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  ranks: 0:500 1:500\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("crunch"), std::string::npos) << text;
  EXPECT_EQ(text.find("failed tasks"), std::string::npos) << text;
}

TEST(RunReport, FailuresAreCountedListedAndLeftOutOfTheSum) {
  RunReport report(two_ranks(), squares_from(0, 100), nullptr);
  auto [batch, results] = square_range_batch(0, 20, 7);  // rank 7 sent no Hello
  for (std::uint32_t i = 0; i < 12; ++i) {
    model_test::clear_output(results, i);
    results.failures.push_back({i, "boom " + std::to_string(i)});
  }
  // Even a stray value of a failed task stays out of the sum.
  model_test::set_value(results, 3, 12345);
  report.consume(batch, results);
  EXPECT_EQ(report.failed(), 12u);
  EXPECT_EQ(report.per_kind()[square_id()].failed, 12u);
  std::uint64_t expected = 0;
  for (std::uint64_t n = 12; n < 20; ++n) expected += n * n;
  EXPECT_EQ(report.per_kind()[square_id()].value_sum, expected);
  ASSERT_EQ(report.first_failures().size(), 10u);
  EXPECT_EQ(report.first_failures()[9].id, 9u);
  EXPECT_EQ(report.first_failures()[9].rank, 7);
  EXPECT_EQ(report.first_failures()[9].message, "boom 9");
  EXPECT_EQ(report.tasks_per_rank().size(), 8u);
  EXPECT_EQ(report.tasks_per_rank()[7], 20u);

  const std::string text = summary_of(report, 1);
  EXPECT_NE(text.find("drover: 20 tasks, 12 failed in 1.000000 s (20 tasks/s)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  failed tasks (first 10 of 12):\n    id 0 on rank 7 (?): boom 0\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("boom 10"), std::string::npos) << text;
}

TEST(RunReport, ExplicitBatchesSplitTotalsByKind) {
  RecordingSink sink;
  RunReport report(two_ranks(), Generator{}, &sink);
  TaskBatch batch;
  batch.first_id = 4;
  batch.tasks = {{4, model_test::square_spec(3)},
                 {5, model_test::crunch_spec(50)},
                 {6, model_test::square_spec(4000000000)}};
  ResultBatch results;
  results.rank = 1;
  // Mixed kinds: outputs without a stride; the failed square's is empty.
  model_test::set_outputs(results,
                          {model_test::i64_output(9), model_test::pair_output(50, 0.5), ""});
  results.spans = {span(0, 2, 1, 100, 110), span(2, 1, 0, 120, 123)};
  results.failures = {{2, "square of 4000000000 overflows int64"}};
  report.consume(batch, results);

  EXPECT_EQ(report.per_kind()[square_id()].tasks, 2u);
  EXPECT_EQ(report.per_kind()[square_id()].failed, 1u);
  EXPECT_EQ(report.per_kind()[square_id()].value_sum, 9u);
  EXPECT_EQ(report.per_kind()[square_id()].busy_us, 5 + 3);
  EXPECT_EQ(report.per_kind()[crunch_id()].value_sum, 50u);
  EXPECT_EQ(report.per_kind()[crunch_id()].busy_us, 5);
  EXPECT_EQ(report.first_failures().at(0).id, 6u);

  ASSERT_EQ(sink.rows.size(), 3u);
  EXPECT_EQ(sink.rows[0].id, 4u);
  EXPECT_EQ(sink.rows[0].spec, batch.tasks[0].spec);
  EXPECT_EQ(sink.rows[0].value, 9);
  EXPECT_FALSE(sink.rows[0].has_metric);  // squares have no metric
  EXPECT_TRUE(sink.rows[1].has_metric);
  EXPECT_EQ(sink.rows[1].value, 50);
  EXPECT_EQ(sink.rows[1].metric, 0.5);
  EXPECT_EQ(sink.rows[1].host, "n1");
  EXPECT_EQ(sink.rows[1].pid, 101);
  EXPECT_EQ(sink.rows[1].thread, 1u);
  EXPECT_EQ(sink.rows[1].start_us, 100);
  EXPECT_FALSE(sink.rows[2].ok);
  EXPECT_EQ(sink.rows[2].error, "square of 4000000000 overflows int64");
  EXPECT_EQ(sink.rows[2].thread, 0u);
  EXPECT_EQ(sink.rows[2].end_us, 123);
  EXPECT_TRUE(sink.rows[0].ok);
  EXPECT_EQ(sink.rows[0].error, "");
}

TEST(RunReport, RangeRowsAreRebuiltFromTheGenerator) {
  RecordingSink sink;
  const Generator g = download_generator(10, 5.0, 10.0, 5);
  RunReport report(two_ranks(), g, &sink);
  const TaskBatch batch = model_test::generated_range(g, 3, 2);
  ASSERT_EQ(batch.lane, Lane::io);
  ResultBatch results;
  results.rank = 0;
  model_test::set_values_and_metrics(
      results, {0, 0},
      {model_test::input_seconds(g.make(3)), model_test::input_seconds(g.make(4))});
  results.spans = {span(0, 1, 2, 10, 20), span(1, 1, 2, 11, 31)};
  report.consume(batch, results);
  ASSERT_EQ(sink.rows.size(), 2u);
  EXPECT_EQ(model_test::input_name(sink.rows[0].spec), "file-0004.bin");
  EXPECT_EQ(sink.rows[1].spec, g.make(4));
  EXPECT_EQ(sink.rows[1].metric, model_test::input_seconds(g.make(4)));
  EXPECT_EQ(sink.rows[1].host, "n0");
  EXPECT_EQ(sink.rows[1].start_us, 11);
  EXPECT_EQ(report.per_kind()[download_id()].busy_us, 30);
  const std::string text = summary_of(report, 0);
  EXPECT_NE(text.find("  download          2        0                    0      0.000\n"),
            std::string::npos)
      << text;
}

TEST(RunReport, ManyRanksAreSummarisedBySpread) {
  std::vector<RankInfo> ranks(40, RankInfo{"h", 1, 1});
  RunReport report(ranks, squares_from(0, 1000), nullptr);
  for (std::int32_t r = 1; r < 40; ++r) {
    auto [batch, results] = square_range_batch(0, static_cast<std::uint32_t>(r), r);
    report.consume(batch, results);
  }
  const std::string text = summary_of(report, 1);
  EXPECT_NE(text.find("  ranks: 40, tasks per rank from 0 (rank 0) to 39 (rank 39)\n"),
            std::string::npos)
      << text;
}

TEST(RunReport, MismatchedResultsAreRejected) {
  RunReport report(two_ranks(), squares_from(0, 10), nullptr);
  auto [batch, results] = square_range_batch(0, 10, 0);
  results.count = 9;  // one result short
  results.outputs.resize(9 * 8);
  EXPECT_THROW(report.consume(batch, results), std::logic_error);
  std::tie(batch, results) = square_range_batch(0, 10, 0);
  results.outputs.pop_back();  // packed outputs that do not fit count x stride
  EXPECT_THROW(report.consume(batch, results), std::logic_error);
}

}  // namespace
}  // namespace drover
