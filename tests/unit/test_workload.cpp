// Tests of the Generator (task id -> spec) and the range batches of GeneratedSource.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <set>

#include "inputs/generated_source.hpp"
#include "inputs/task_file.hpp"
#include "model/kinds.hpp"
#include "model/task_source.hpp"
#include "model_test_util.hpp"

namespace drover {
namespace {

using namespace model_test;

Generator downloads(std::uint64_t seed, double min = 5, double max = 10) {
  return download_generator(1000, min, max, seed);
}

TEST(Generator, SquareInputsFollowTheId) {
  Generator g = square_generator(100, -3);
  EXPECT_EQ(g.make(0), square_spec(-3));
  EXPECT_EQ(input_n(g.make(10)), 7);
  g = square_generator(100, std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(input_n(g.make(5)), std::numeric_limits<std::int64_t>::min() + 5);
  g = square_generator(100, std::numeric_limits<std::int64_t>::max() - 1);
  EXPECT_EQ(input_n(g.make(1)), std::numeric_limits<std::int64_t>::max());
}

TEST(Generator, CrunchUsesTheCount) {
  const Generator g = crunch_generator(100, 12345);
  EXPECT_EQ(g.make(0), crunch_spec(12345));
  EXPECT_EQ(input_n(g.make(99)), 12345);
}

TEST(Generator, DownloadNamesCountFromOne) {
  const Generator g = downloads(1);
  EXPECT_EQ(input_name(g.make(0)), "file-0001.bin");
  EXPECT_EQ(input_name(g.make(41)), "file-0042.bin");
  EXPECT_EQ(input_name(g.make(9999)), "file-10000.bin");
  EXPECT_EQ(g.make(0).kind, download_id());
}

TEST(Generator, DownloadDurationsAreDeterministicAndSpread) {
  const Generator g = downloads(42);
  double low = 1e9;
  double high = -1e9;
  double sum = 0;
  std::set<double> distinct;
  for (std::uint64_t id = 0; id < 2000; ++id) {
    const double s = input_seconds(g.make(id));
    ASSERT_GE(s, 5.0);
    ASSERT_LE(s, 10.0);
    EXPECT_EQ(s, input_seconds(g.make(id)));
    low = std::min(low, s);
    high = std::max(high, s);
    sum += s;
    distinct.insert(s);
  }
  // Uniform on [5, 10]: the sample nearly fills the interval, mean near 7.5.
  EXPECT_LT(low, 5.05);
  EXPECT_GT(high, 9.95);
  EXPECT_NEAR(sum / 2000, 7.5, 0.15);
  EXPECT_EQ(distinct.size(), 2000u);
  // Another seed draws other durations.
  const Generator other = downloads(43);
  int same = 0;
  for (std::uint64_t id = 0; id < 100; ++id)
    same += input_seconds(other.make(id)) == input_seconds(g.make(id));
  EXPECT_EQ(same, 0);
}

TEST(Generator, FixedDurationWhenMinEqualsMax) {
  const Generator g = downloads(7, 3, 3);
  EXPECT_EQ(input_seconds(g.make(5)), 3.0);
}

TEST(GeneratedSource, BatchesCoverAllIdsOnce) {
  GeneratedSource source(square_generator(1003, 0));
  EXPECT_EQ(source.total(), 1003u);
  std::uint64_t next = 0;
  TaskBatch batch;
  batch.seq = 77;
  while (source.peek_kind()) {
    EXPECT_EQ(source.peek_kind(), square_id());
    ASSERT_TRUE(source.next_batch(100, batch));
    EXPECT_TRUE(batch.is_range());
    EXPECT_EQ(batch.first_id, next);
    EXPECT_EQ(batch.count, std::min<std::uint64_t>(100, 1003 - next));
    EXPECT_EQ(batch.lane, Lane::cpu);
    EXPECT_EQ(batch.seq, 77u);
    next += batch.size();
  }
  EXPECT_EQ(next, 1003u);
  EXPECT_FALSE(source.next_batch(100, batch));
  EXPECT_EQ(batch.size(), 0u);
}

TEST(GeneratedSource, DownloadBatchesGoToTheIoLane) {
  GeneratedSource source(downloads(1));
  TaskBatch batch;
  ASSERT_TRUE(source.next_batch(5000, batch));
  EXPECT_EQ(batch.lane, Lane::io);
  EXPECT_EQ(batch.count, 1000u);
  EXPECT_FALSE(source.peek_kind());
}

TEST(GeneratedSource, EmptyGeneratorHasNoBatches) {
  GeneratedSource source(square_generator(0, 0));
  TaskBatch batch;
  EXPECT_FALSE(source.peek_kind());
  EXPECT_FALSE(source.next_batch(10, batch));
}

}  // namespace
}  // namespace drover
