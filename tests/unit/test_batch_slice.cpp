// Slicing a finished batch keeps every task's result, span and failure, re-based.
#include <gtest/gtest.h>

#include "core/batch_slice.hpp"

namespace drover {
namespace {

TEST(BatchSlice, RangeBatchWithChunkSpansAndFailures) {
  TaskBatch tasks;
  tasks.seq = 9;
  tasks.first_id = 100;
  tasks.count = 10;
  ResultBatch r;
  r.seq = 9;
  r.rank = 2;
  r.values = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  r.spans = {Span{0, 6, 0, 0, 10, 20}, Span{6, 4, 1, 0, 15, 30}};
  r.failures = {Failure{3, "three"}, Failure{7, "seven"}};

  TaskBatch t2;
  ResultBatch r2;
  slice_batch(tasks, r, 4, 8, t2, r2);
  EXPECT_EQ(t2.first_id, 104u);
  EXPECT_EQ(t2.size(), 4u);
  EXPECT_EQ(r2.values, (std::vector<std::int64_t>{4, 5, 6, 7}));
  ASSERT_EQ(r2.spans.size(), 2u);
  EXPECT_EQ(r2.spans[0], (Span{0, 2, 0, 0, 10, 20}));
  EXPECT_EQ(r2.spans[1], (Span{2, 2, 1, 0, 15, 30}));
  ASSERT_EQ(r2.failures.size(), 1u);
  EXPECT_EQ(r2.failures[0], (Failure{3, "seven"}));
  EXPECT_EQ(r2.rank, 2);
  EXPECT_EQ(r2.seq, 9u);
}

TEST(BatchSlice, ExplicitBatchKeepsSpecsMetricsAndAttempts) {
  TaskBatch tasks;
  tasks.first_id = 5;
  for (std::uint64_t i = 0; i < 3; ++i)
    tasks.tasks.push_back(
        Task{5 + i, TaskSpec{KindId::crunch, static_cast<std::int64_t>(i), 0, ""}});
  ResultBatch r;
  r.values = {10, 11, 12};
  r.metrics = {0.1, 0.2, 0.3};
  r.attempts = {1, 2, 1};
  r.spans = {Span{0, 1, 0, 0, 1, 2}, Span{1, 1, 0, 0, 2, 3}, Span{2, 1, 0, 0, 3, 4}};
  TaskBatch t2;
  ResultBatch r2;
  slice_batch(tasks, r, 1, 3, t2, r2);
  ASSERT_EQ(t2.tasks.size(), 2u);
  EXPECT_EQ(t2.tasks[0].id, 6u);
  EXPECT_EQ(t2.first_id, 6u);
  EXPECT_EQ(r2.metrics, (std::vector<double>{0.2, 0.3}));
  EXPECT_EQ(r2.attempts, (std::vector<std::uint32_t>{2, 1}));
  EXPECT_EQ(r2.spans[0].first, 0u);
  EXPECT_EQ(r2.spans[1].first, 1u);
}

TEST(BatchSlice, OutOfRangePiecesThrow) {
  TaskBatch tasks;
  tasks.count = 3;
  ResultBatch r;
  r.values = {1, 2, 3};
  TaskBatch t2;
  ResultBatch r2;
  EXPECT_THROW(slice_batch(tasks, r, 2, 4, t2, r2), std::logic_error);
  EXPECT_THROW(slice_batch(tasks, r, 2, 1, t2, r2), std::logic_error);
}

}  // namespace
}  // namespace drover
