// Tiny uniform batches run on the submitting (comm) thread; anything else stays on the pool.
#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <thread>

#include "execution/executor.hpp"
#include "model_test_util.hpp"

namespace drover {
namespace {

ExecutorConfig inline_config() {
  ExecutorConfig config;
  config.threads = 2;
  config.announce = false;
  // Any measured cost fits: the tests choose the path without depending on timing.
  config.inline_budget_ns = std::numeric_limits<std::int32_t>::max();
  return config;
}

// Squares from `from`: task i squares from + i.
TaskBatch range(std::uint64_t seq, std::uint64_t first, std::uint32_t count,
                std::int64_t from = 0) {
  const Generator g = square_generator(std::numeric_limits<std::uint32_t>::max(), from);
  return TaskBatch{seq, first, count, Lane::cpu, {}, g.kind, g.params, first};
}

ResultBatch next_result(CompletionQueue<ResultBatch>& done) {
  while (!done.wait_for(std::chrono::milliseconds(100))) {
  }
  return *done.try_pop();
}

TEST(ExecutorInline, FirstBatchGoesToThePoolThenTinyOnesRunOnTheCaller) {
  CompletionQueue<ResultBatch> done;
  LocalExecutor executor(inline_config(), done);
  executor.submit(range(0, 0, 1));
  const ResultBatch first = next_result(done);
  ASSERT_EQ(first.spans.size(), 1u);
  EXPECT_LT(first.spans[0].thread, 2u) << "cost unknown: measured on the pool first";

  executor.submit(range(1, 1, 1));
  // Ran inline: the result is queued before submit() returned.
  const auto inline_result = done.try_pop();
  ASSERT_TRUE(inline_result.has_value());
  EXPECT_EQ(model_test::values_of(*inline_result), std::vector<std::int64_t>{1});
  ASSERT_EQ(inline_result->spans.size(), 1u);
  EXPECT_EQ(inline_result->spans[0].thread, 3u) << "the comm thread is index threads + 1";
  EXPECT_EQ(executor.in_flight(), 0u);
}

TEST(ExecutorInline, InlineTasksThatThrowAreStillData) {
  CompletionQueue<ResultBatch> done;
  LocalExecutor executor(inline_config(), done);
  const std::int64_t from = 3'037'000'499;  // task 1 overflows
  executor.submit(range(0, 0, 1, from));
  next_result(done);
  executor.submit(range(1, 1, 1, from));
  const auto r = done.try_pop();
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->failures.size(), 1u);
  EXPECT_NE(r->failures[0].message.find("overflows"), std::string::npos);
}

TEST(ExecutorInline, ACallersBatchRunsInPlaceAndStaysTheCallers) {
  // Rank 0 submits the scheduler's own copy (const&): inline it is read in
  // place, on the pool it is copied; either way the caller's batch is untouched.
  CompletionQueue<ResultBatch> done;
  LocalExecutor executor(inline_config(), done);
  const TaskBatch first = range(0, 0, 1, 5);
  executor.submit(first);
  const ResultBatch pooled = next_result(done);
  EXPECT_LT(pooled.spans[0].thread, 2u);
  EXPECT_EQ(model_test::values_of(pooled), std::vector<std::int64_t>{25});

  const TaskBatch second = range(1, 1, 2, 5);
  const TaskBatch before = second;
  executor.submit(second);
  const auto inline_result = done.try_pop();
  ASSERT_TRUE(inline_result.has_value()) << "ran inline: queued before submit() returned";
  EXPECT_EQ(inline_result->seq, 1u);
  EXPECT_EQ(inline_result->spans[0].thread, 3u);
  EXPECT_EQ(model_test::values_of(*inline_result), (std::vector<std::int64_t>{36, 49}));
  EXPECT_EQ(second, before);
  EXPECT_EQ(executor.in_flight(), 0u);
}

TEST(ExecutorInline, LargeBatchesOfCheapTasksStillUseThePool) {
  CompletionQueue<ResultBatch> done;
  ExecutorConfig config = inline_config();
  config.inline_budget_ns = 2000;  // the default: a million squares cost far more
  LocalExecutor executor(config, done);
  executor.submit(range(0, 0, 1));
  next_result(done);
  executor.submit(range(1, 1, 1'000'000));
  const ResultBatch big = next_result(done);
  for (const Span& span : big.spans) EXPECT_LT(span.thread, 2u);
}

TEST(ExecutorInline, TaskFileCrunchNeverRunsInline) {
  CompletionQueue<ResultBatch> done;
  LocalExecutor executor(inline_config(), done);
  TaskBatch tiny;
  tiny.tasks.push_back(Task{0, model_test::crunch_spec(1)});
  for (std::uint64_t seq = 0; seq < 3; ++seq) {
    tiny.seq = seq;
    executor.submit(tiny);
    const ResultBatch r = next_result(done);
    ASSERT_EQ(r.spans.size(), 1u);
    EXPECT_LT(r.spans[0].thread, 2u) << "explicit crunch tasks vary in size: pool only";
  }
}

}  // namespace
}  // namespace drover
