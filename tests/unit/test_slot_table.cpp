// The in-flight table: every seq finds its own value once, stale and stray seqs find nothing.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "scheduling/slot_table.hpp"

namespace drover {
namespace {

TEST(SlotTable, InsertThenTakeReturnsTheValueOnce) {
  SlotTable<std::string> table;
  std::uint64_t a = 0, b = 0;
  table.insert("alpha", a);
  table.insert("beta", b);
  EXPECT_NE(a, b);
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table.take(b), "beta");
  EXPECT_FALSE(table.take(b)) << "taken already";
  EXPECT_EQ(table.take(a), "alpha");
  EXPECT_TRUE(table.empty());
}

TEST(SlotTable, AReusedSlotGetsANewSeq) {
  SlotTable<int> table;
  std::uint64_t first = 0, second = 0;
  table.insert(1, first);
  ASSERT_TRUE(table.take(first));
  table.insert(2, second);
  EXPECT_NE(first, second) << "same slot, new generation";
  EXPECT_FALSE(table.take(first)) << "a stale seq must not find the new value";
  EXPECT_EQ(table.take(second), 2);
}

TEST(SlotTable, StraySeqsFindNothing) {
  SlotTable<int> table;
  std::uint64_t seq = 0;
  table.insert(7, seq);
  EXPECT_FALSE(table.take(seq + 1));
  EXPECT_FALSE(table.take(seq ^ (1ull << 40)));
  EXPECT_FALSE(table.take(~0ull));
  EXPECT_EQ(table.size(), 1u);
}

TEST(SlotTable, ManyLiveValuesStayDistinct) {
  SlotTable<int> table;
  std::vector<std::uint64_t> seqs(1000);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 1000; ++i) table.insert(i + round * 1000, seqs[i]);
    std::set<std::uint64_t> unique(seqs.begin(), seqs.end());
    EXPECT_EQ(unique.size(), 1000u);
    for (int i = 999; i >= 0; --i) EXPECT_EQ(table.take(seqs[i]), i + round * 1000);
    EXPECT_TRUE(table.empty());
  }
}

}  // namespace
}  // namespace drover
