// Tests of the Generator (task id -> spec) and the range batches of GeneratedSource.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <set>

#include "core/kinds.hpp"
#include "core/workload.hpp"

namespace drover {
namespace {

Generator downloads(std::uint64_t seed) {
  Generator g;
  g.kind = KindId::download;
  g.total = 1000;
  g.min_seconds = 5;
  g.max_seconds = 10;
  g.seed = seed;
  return g;
}

TEST(Generator, SquareInputsFollowTheId) {
  Generator g;
  g.kind = KindId::square;
  g.from = -3;
  EXPECT_EQ(g.make(0), (TaskSpec{KindId::square, -3, 0, ""}));
  EXPECT_EQ(g.make(10).n, 7);
  g.from = std::numeric_limits<std::int64_t>::min();
  EXPECT_EQ(g.make(5).n, std::numeric_limits<std::int64_t>::min() + 5);
  g.from = std::numeric_limits<std::int64_t>::max() - 1;
  EXPECT_EQ(g.make(1).n, std::numeric_limits<std::int64_t>::max());
}

TEST(Generator, CrunchUsesTheCount) {
  Generator g;
  g.kind = KindId::crunch;
  g.count = 12345;
  EXPECT_EQ(g.make(0), (TaskSpec{KindId::crunch, 12345, 0, ""}));
  EXPECT_EQ(g.make(99).n, 12345);
}

TEST(Generator, DownloadNamesCountFromOne) {
  const Generator g = downloads(1);
  EXPECT_EQ(g.make(0).name, "file-0001.bin");
  EXPECT_EQ(g.make(41).name, "file-0042.bin");
  EXPECT_EQ(g.make(9999).name, "file-10000.bin");
  EXPECT_EQ(g.make(0).kind, KindId::download);
}

TEST(Generator, DownloadDurationsAreDeterministicAndSpread) {
  const Generator g = downloads(42);
  double low = 1e9;
  double high = -1e9;
  double sum = 0;
  std::set<double> distinct;
  for (std::uint64_t id = 0; id < 2000; ++id) {
    const double s = g.make(id).seconds;
    ASSERT_GE(s, 5.0);
    ASSERT_LE(s, 10.0);
    EXPECT_EQ(s, g.make(id).seconds);
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
  for (std::uint64_t id = 0; id < 100; ++id) same += other.make(id).seconds == g.make(id).seconds;
  EXPECT_EQ(same, 0);
}

TEST(Generator, FixedDurationWhenMinEqualsMax) {
  Generator g = downloads(7);
  g.min_seconds = g.max_seconds = 3;
  EXPECT_EQ(g.make(5).seconds, 3.0);
}

TEST(GeneratedSource, BatchesCoverAllIdsOnce) {
  Generator g;
  g.kind = KindId::square;
  g.total = 1003;
  GeneratedSource source(g);
  EXPECT_EQ(source.total(), 1003u);
  std::uint64_t next = 0;
  TaskBatch batch;
  batch.seq = 77;
  while (source.peek_kind()) {
    EXPECT_EQ(source.peek_kind(), KindId::square);
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
  Generator g;
  g.total = 0;
  GeneratedSource source(g);
  TaskBatch batch;
  EXPECT_FALSE(source.peek_kind());
  EXPECT_FALSE(source.next_batch(10, batch));
}

}  // namespace
}  // namespace drover
