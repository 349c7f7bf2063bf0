// The reorder buffer releases batches strictly in id order and holds only what it must.
#include <gtest/gtest.h>

#include "fake_transport.hpp"
#include "scheduling/reorder.hpp"

namespace drover {
namespace {

TaskBatch range(std::uint64_t first, std::uint32_t count) {
  TaskBatch b;
  b.first_id = first;
  b.count = count;
  return b;
}

ResultBatch results_for(const TaskBatch& b) {
  return testing::answer(b, 0);
}

TEST(Reorder, InOrderBatchesPassStraightThrough) {
  testing::CollectingConsumer c;
  ReorderBuffer r(c);
  r.push(range(0, 3), results_for(range(0, 3)));
  EXPECT_EQ(c.ids.size(), 3u);
  EXPECT_EQ(r.buffered_tasks(), 0u);
  EXPECT_EQ(r.next_id(), 3u);
}

TEST(Reorder, LaterBatchesWaitThenFlushTogether) {
  testing::CollectingConsumer c;
  ReorderBuffer r(c);
  r.push(range(5, 5), results_for(range(5, 5)));
  r.push(range(10, 2), results_for(range(10, 2)));
  EXPECT_TRUE(c.ids.empty());
  EXPECT_EQ(r.buffered_tasks(), 7u);
  r.push(range(0, 5), results_for(range(0, 5)));
  ASSERT_EQ(c.ids.size(), 12u);
  for (std::uint64_t i = 0; i < 12; ++i) EXPECT_EQ(c.ids[i], i);
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.buffered_tasks(), 0u);
}

TEST(Reorder, GapKeepsLaterBatchesBuffered) {
  testing::CollectingConsumer c;
  ReorderBuffer r(c);
  r.push(range(0, 2), results_for(range(0, 2)));
  r.push(range(4, 2), results_for(range(4, 2)));
  EXPECT_EQ(c.ids.size(), 2u);
  EXPECT_EQ(r.buffered_tasks(), 2u);
}

TEST(Reorder, DuplicateBatchesAreRejected) {
  testing::CollectingConsumer c;
  ReorderBuffer r(c);
  r.push(range(0, 2), results_for(range(0, 2)));
  EXPECT_THROW(r.push(range(0, 2), results_for(range(0, 2))), std::logic_error);
  r.push(range(5, 1), results_for(range(5, 1)));
  EXPECT_THROW(r.push(range(5, 1), results_for(range(5, 1))), std::logic_error);
}

}  // namespace
}  // namespace drover
