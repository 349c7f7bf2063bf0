// Tests of TraceWriter: valid Chrome trace JSON, one event per span, names of ranks and threads.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "model/errors.hpp"
#include "outputs/trace.hpp"
#include "report_test_util.hpp"

namespace drover {
namespace {

using namespace report_test;
using Json = nlohmann::json;

class TraceWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("drover-trace-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json"))
                .string();
  }
  void TearDown() override { std::filesystem::remove(path_); }

  std::string text() const {
    std::ifstream in(path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  Json parsed() const { return Json::parse(text()); }

  static std::vector<Json> of_phase(const Json& trace, const std::string& ph) {
    std::vector<Json> out;
    for (const Json& e : trace) {
      if (e["ph"] == ph) out.push_back(e);
    }
    return out;
  }

  std::string path_;
};

TEST_F(TraceWriterTest, RangeSpansBecomeOneCompleteEventEach) {
  TraceWriter trace(path_, two_ranks(), squares_from(0, 1000), /*origin_us=*/900);
  auto [b0, r0] = square_range_batch(0, 250, 1);  // spans of 100, 100, 50 tasks on threads 0, 1, 2
  trace.consume(b0, r0);
  r0.spans[1].end_us = r0.spans[1].start_us;  // a span too short to time still shows
  trace.consume(b0, r0);
  trace.close();
  EXPECT_EQ(trace.events(), 6u);

  const Json j = parsed();
  ASSERT_TRUE(j.is_array());
  const auto events = of_phase(j, "X");
  ASSERT_EQ(events.size(), 6u);
  const Json& first = events[0];
  EXPECT_EQ(first["pid"], 1);
  EXPECT_EQ(first["tid"], 0);
  EXPECT_EQ(first["ts"], 100);  // 1000 - the origin
  EXPECT_EQ(first["dur"], 10);
  EXPECT_EQ(first["name"], "square x 100");
  EXPECT_EQ(first["cat"], "cpu");
  EXPECT_EQ(first["args"], (Json{{"id", 0}, {"input", 0}, {"n", 100}}));
  const Json& third = events[2];
  EXPECT_EQ(third["tid"], 2);
  EXPECT_EQ(third["ts"], 300);
  EXPECT_EQ(third["name"], "square x 50");
  EXPECT_EQ(third["args"], (Json{{"id", 200}, {"input", 200}, {"n", 50}}));
  EXPECT_EQ(events[4]["dur"], 1);
}

TEST_F(TraceWriterTest, ExplicitTasksNameTheirKindInputAndFailures) {
  TraceWriter trace(path_, two_ranks(), Generator{}, 0);
  TaskBatch batch;
  batch.first_id = 7;
  batch.lane = Lane::io;
  batch.tasks = {{7, model_test::download_spec("a.bin", 1.5)},
                 {8, model_test::download_spec("b.bin", 2.0)}};
  ResultBatch results;
  results.rank = 0;
  model_test::set_values_and_metrics(results, {1500, 0}, {1.5, 0});
  results.failures = {{1, "lost"}};
  results.spans = {span(0, 1, 2, 10, 1'500'010), span(1, 1, 2, 20, 2'000'020)};
  trace.consume(batch, results);
  trace.close();

  const auto events = of_phase(parsed(), "X");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["name"], "download");  // one task per span: no " x 1"
  EXPECT_EQ(events[0]["cat"], "io");
  EXPECT_EQ(events[0]["tid"], 2);  // the io lane of a 2-thread rank
  EXPECT_EQ(events[0]["dur"], 1'500'000);
  EXPECT_EQ(events[0]["args"], (Json{{"id", 7}, {"input", "a.bin"}, {"n", 1}}));
  EXPECT_EQ(events[1]["args"], (Json{{"id", 8}, {"input", "b.bin"}, {"n", 1}, {"failed", 1}}));
}

TEST_F(TraceWriterTest, MetadataNamesEveryRankAndThread) {
  {
    TraceWriter trace(path_, {{"n0", 100, 2}, {"gpu-7", 101, 1}}, Generator{}, 0);
    trace.close();
  }
  const Json j = parsed();
  std::map<int, std::string> processes;
  std::map<std::pair<int, int>, std::string> threads;
  for (const Json& e : of_phase(j, "M")) {
    if (e["name"] == "process_name") processes[e["pid"]] = e["args"]["name"];
    if (e["name"] == "thread_name") threads[{e["pid"], e["tid"]}] = e["args"]["name"];
  }
  EXPECT_EQ(processes, (std::map<int, std::string>{{0, "rank 0 (n0)"}, {1, "rank 1 (gpu-7)"}}));
  const std::map<std::pair<int, int>, std::string> expected = {
      {{0, 0}, "pool 0"}, {{0, 1}, "pool 1"},  {{0, 2}, "io lane"}, {{0, 3}, "comm"},
      {{1, 0}, "pool 0"}, {{1, 1}, "io lane"}, {{1, 2}, "comm"}};
  EXPECT_EQ(threads, expected);
  EXPECT_TRUE(of_phase(j, "X").empty());
}

TEST_F(TraceWriterTest, ReplayedBatchesAreNotThisRunsTimeline) {
  TraceWriter trace(path_, two_ranks(), squares_from(0, 100), 0);
  JournalBatch old;
  std::tie(old.tasks, old.results) = square_range_batch(0, 100, 1);
  trace.consume_replayed(old);
  trace.close();
  EXPECT_EQ(trace.events(), 0u);
  EXPECT_TRUE(of_phase(parsed(), "X").empty());
}

TEST_F(TraceWriterTest, SpansBeforeTheOriginAreMovedToZero) {
  TraceWriter trace(path_, two_ranks(), squares_from(0, 100), 5000);  // another host's clock behind
  auto [b, r] = square_range_batch(0, 100, 1);                        // starts at 1000
  trace.consume(b, r);
  trace.close();
  const auto events = of_phase(parsed(), "X");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["ts"], 0);
  EXPECT_EQ(events[0]["args"]["clock_behind_us"], 4000);
}

TEST_F(TraceWriterTest, DefaultOriginIsNowSoRealSpansStartNearZero) {
  const auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  TraceWriter trace(path_, two_ranks(), squares_from(0, 100));
  auto [b, r] = square_range_batch(0, 100, 0);
  r.spans[0].start_us = now_us + 2'000'000;
  r.spans[0].end_us = now_us + 2'000'100;
  trace.consume(b, r);
  trace.close();
  const auto events = of_phase(parsed(), "X");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_GE(events[0]["ts"].get<std::int64_t>(), 1'000'000);
  EXPECT_LE(events[0]["ts"].get<std::int64_t>(), 2'000'000);
}

TEST_F(TraceWriterTest, StreamsLargeRunsAndACutOffTraceStillParsesWithABracket) {
  TraceWriter trace(path_, two_ranks(), squares_from(0, 1'000'000), 0);
  for (std::uint64_t first = 0; first < 1'000'000; first += 10'000) {
    auto [b, r] = square_range_batch(first, 10'000, static_cast<std::int32_t>(first % 2));
    trace.consume(b, r);
  }
  // 10,000 events of ~150 bytes: some went out before close, through the buffer.
  const auto before_close = std::filesystem::file_size(path_);
  EXPECT_GT(before_close, 1u << 20);
  // A run killed here leaves the array unterminated; viewers accept that, and so
  // does a JSON parser once the bracket is added.
  std::string cut = text();
  cut.erase(cut.find_last_of('}') + 1);
  EXPECT_TRUE(Json::accept(cut + "]"));
  trace.close();
  EXPECT_EQ(of_phase(parsed(), "X").size(), 10'000u);
}

TEST_F(TraceWriterTest, ErrorsNameThePath) {
  try {
    TraceWriter trace("/nonexistent-dir/t.json", two_ranks(), Generator{});
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/t.json"), std::string::npos);
  }
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  TraceWriter full("/dev/full", two_ranks(), squares_from(0, 100), 0);
  auto [b, r] = square_range_batch(0, 100, 0);
  full.consume(b, r);
  EXPECT_THROW(full.close(), std::runtime_error);
  EXPECT_NO_THROW(full.close());  // closed already: nothing more to report
}

}  // namespace
}  // namespace drover
