// Slicing a finished batch keeps every task's result, span and failure, re-based.
#include <gtest/gtest.h>

#include "model/batch_slice.hpp"
#include "model_test_util.hpp"

namespace drover {
namespace {

TEST(BatchSlice, RangeBatchWithChunkSpansAndFailures) {
  TaskBatch tasks = model_test::generated_range(square_generator(1000, 5), 100, 10);
  tasks.seq = 9;
  ResultBatch r;
  r.seq = 9;
  r.rank = 2;
  model_test::set_values(r, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  r.spans = {Span{0, 6, 0, 0, 10, 20}, Span{6, 4, 1, 0, 15, 30}};
  r.failures = {Failure{3, "three"}, Failure{7, "seven"}};

  TaskBatch t2;
  ResultBatch r2;
  slice_batch(tasks, r, 4, 8, t2, r2);
  EXPECT_EQ(t2.first_id, 104u);
  EXPECT_EQ(t2.size(), 4u);
  EXPECT_TRUE(t2.is_range());
  EXPECT_EQ(t2.seq, 9u);
  // The piece still rebuilds its own inputs: same kind and parameters, items moved along.
  EXPECT_EQ(t2.kind, tasks.kind);
  EXPECT_EQ(t2.params, tasks.params);
  EXPECT_EQ(t2.first_item, 104u);
  EXPECT_EQ(r2.count, 4u);
  EXPECT_EQ(r2.stride, 8u);
  EXPECT_EQ(r2.shape_problem(), nullptr);
  EXPECT_EQ(model_test::values_of(r2), (std::vector<std::int64_t>{4, 5, 6, 7}));
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
    tasks.tasks.push_back(Task{5 + i, model_test::crunch_spec(static_cast<std::int64_t>(i))});
  ResultBatch r;
  model_test::set_values_and_metrics(r, {10, 11, 12}, {0.1, 0.2, 0.3});
  r.attempts = {1, 2, 1};
  r.spans = {Span{0, 1, 0, 0, 1, 2}, Span{1, 1, 0, 0, 2, 3}, Span{2, 1, 0, 0, 3, 4}};
  TaskBatch t2;
  ResultBatch r2;
  slice_batch(tasks, r, 1, 3, t2, r2);
  ASSERT_EQ(t2.tasks.size(), 2u);
  EXPECT_EQ(t2.tasks[0].id, 6u);
  EXPECT_EQ(t2.first_id, 6u);
  EXPECT_EQ(t2.tasks[1].spec, model_test::crunch_spec(2));
  ASSERT_EQ(r2.size(), 2u);
  EXPECT_EQ(r2.shape_problem(), nullptr);
  EXPECT_EQ(model_test::values_of(r2), (std::vector<std::int64_t>{11, 12}));
  EXPECT_EQ(model_test::metric_of(r2, 0), 0.2);
  EXPECT_EQ(model_test::metric_of(r2, 1), 0.3);
  EXPECT_EQ(r2.attempts, (std::vector<std::uint32_t>{2, 1}));
  EXPECT_EQ(r2.spans[0].first, 0u);
  EXPECT_EQ(r2.spans[1].first, 1u);
}

// Outputs of mixed sizes travel without a stride: their offsets are re-based.
TEST(BatchSlice, OutputsWithoutAStrideKeepTheirBytes) {
  TaskBatch tasks;
  tasks.first_id = 0;
  tasks.tasks = {Task{0, model_test::square_spec(3)}, Task{1, model_test::crunch_spec(7)},
                 Task{2, model_test::download_spec("x.bin", 1)},
                 Task{3, model_test::square_spec(5)}};
  ResultBatch r;
  model_test::set_outputs(r, {model_test::i64_output(9), model_test::pair_output(7, 0.5), "",
                              model_test::i64_output(25)});
  r.spans = {Span{0, 4, 0, 0, 1, 2}};
  r.failures = {Failure{2, "lost"}};
  TaskBatch t2;
  ResultBatch r2;
  slice_batch(tasks, r, 1, 4, t2, r2);
  ASSERT_EQ(r2.size(), 3u);
  EXPECT_EQ(r2.stride, 0u);
  EXPECT_EQ(r2.shape_problem(), nullptr);
  EXPECT_EQ(r2.ends, (std::vector<std::uint32_t>{16, 16, 24}));
  EXPECT_EQ(model_test::value_of(r2, 0), 7);
  EXPECT_EQ(model_test::metric_of(r2, 0), 0.5);
  EXPECT_TRUE(r2.output(1).empty());
  EXPECT_EQ(model_test::value_of(r2, 2), 25);
  ASSERT_EQ(r2.failures.size(), 1u);
  EXPECT_EQ(r2.failures[0].index, 1u);
  slice_batch(tasks, r, 0, 0, t2, r2);
  EXPECT_EQ(r2.size(), 0u);
  EXPECT_EQ(r2.shape_problem(), nullptr);
}

TEST(BatchSlice, OutOfRangePiecesThrow) {
  const TaskBatch tasks = model_test::generated_range(square_generator(3, 0), 0, 3);
  ResultBatch r;
  model_test::set_values(r, {1, 2, 3});
  TaskBatch t2;
  ResultBatch r2;
  EXPECT_THROW(slice_batch(tasks, r, 2, 4, t2, r2), std::logic_error);
  EXPECT_THROW(slice_batch(tasks, r, 2, 1, t2, r2), std::logic_error);
}

}  // namespace
}  // namespace drover
