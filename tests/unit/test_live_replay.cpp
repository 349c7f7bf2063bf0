// The library's resume: submitted tasks the journal holds are answered from it, checked, never run.
#include <drover/serialize.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fake_transport.hpp"
#include "journal_test_util.hpp"
#include "library/live_source.hpp"
#include "model_test_util.hpp"
#include "scheduling/scheduler.hpp"

namespace drover {
namespace {

using testing::RecordingTransport;
using testing::two_workers;

class Recorded final : public detail::Channel {
 public:
  void deliver(detail::Piece&& piece) override {
    for (std::uint32_t i = 0; i < piece.count; ++i) {
      values[piece.first_index + i] = decode<std::int64_t>(piece.output(i));
      hosts[piece.first_index + i] = piece.host;
    }
  }
  void abort(const std::string& why, bool) override { aborted = why; }
  std::map<std::uint64_t, std::int64_t> values;
  std::map<std::uint64_t, std::string> hosts;
  std::string aborted;
};

// Explicit square tasks [first, first + n) of inputs first.. whose "results" are input + 1000.
JournalBatch journal_batch(std::uint64_t first, std::uint32_t n) {
  JournalBatch b;
  b.tasks.first_id = first;
  std::vector<std::int64_t> values;
  for (std::uint32_t i = 0; i < n; ++i) {
    const auto v = static_cast<std::int64_t>(first + i);
    b.tasks.tasks.push_back(Task{first + i, model_test::square_spec(v)});
    values.push_back(v + 1000);
  }
  model_test::set_values(b.results, values);
  b.results.spans.push_back(Span{0, n, 0, 0, 1'000'000, 1'000'010});
  b.host = "earlier-node";
  return b;
}

std::vector<std::string> inputs_from(std::int64_t first, std::int64_t n) {
  std::vector<std::string> out;
  for (std::int64_t v = first; v < first + n; ++v) out.push_back(model_test::square_spec(v).input);
  return out;
}

LiveSource& with_replay(LiveSource& source, const std::vector<JournalBatch>& batches) {
  const std::string path = journal_test::write_journal(batches);
  source.set_replay(path, scan_journal(path).entries, nullptr);
  return source;
}

TEST(LiveReplay, TasksTheJournalHoldsAreAnsweredFromItAndNeverHandedOut) {
  LiveSource source(1000, [] {});
  with_replay(source, {journal_batch(0, 10)});
  auto call = std::make_shared<Recorded>();
  std::vector<std::string> inputs = inputs_from(0, 10);
  source.submit(model_test::square_id(), inputs, call, 0);
  EXPECT_FALSE(source.peek_kind().has_value()) << "nothing left to run";
  ASSERT_EQ(call->values.size(), 10u);
  for (std::uint64_t i = 0; i < 10; ++i) {
    EXPECT_EQ(call->values[i], static_cast<std::int64_t>(i) + 1000);
    EXPECT_EQ(call->hosts[i], "earlier-node");
  }
  EXPECT_EQ(source.replayed(), 10u);
  EXPECT_EQ(source.pending(), 0u);
}

TEST(LiveReplay, AJournalBatchIsAnsweredAsFarAsItsTasksAreSubmitted) {
  LiveSource source(1000, [] {});
  with_replay(source, {journal_batch(0, 10)});
  auto call = std::make_shared<Recorded>();
  std::vector<std::string> first = inputs_from(0, 4);
  source.submit(model_test::square_id(), first, call, 0);
  EXPECT_FALSE(source.peek_kind().has_value());
  EXPECT_EQ(call->values.size(), 4u) << "a caller waiting on task 3 is not kept waiting";
  std::vector<std::string> rest = inputs_from(4, 8);  // 4..11: 10 and 11 are not in the journal
  source.submit(model_test::square_id(), rest, call, 4);
  ASSERT_TRUE(source.peek_kind().has_value());
  EXPECT_EQ(call->values.size(), 10u);
  TaskBatch batch;
  ASSERT_TRUE(source.next_batch(100, batch));
  EXPECT_EQ(batch.first_id, 10u);
  EXPECT_EQ(batch.size(), 2u);
}

TEST(LiveReplay, BatchesStopWhereTheJournalsTasksBegin) {
  LiveSource source(1000, [] {});
  with_replay(source, {journal_batch(5, 5)});
  auto call = std::make_shared<Recorded>();
  std::vector<std::string> inputs = inputs_from(0, 12);
  source.submit(model_test::square_id(), inputs, call, 0);
  RecordingTransport t;
  SchedulerConfig config = two_workers();
  config.ordered = false;  // as the library runs it: each call orders its own results
  Scheduler s(config, source, t, source);
  s.start();
  std::vector<std::uint64_t> ran;
  for (std::vector<testing::Sent> sent = t.take(); !sent.empty(); sent = t.take()) {
    for (const testing::Sent& m : sent) {
      if (m.stop) continue;
      for (std::size_t i = 0; i < m.batch.size(); ++i) ran.push_back(m.batch.first_id + i);
      ResultBatch r;
      r.seq = m.batch.seq;
      r.rank = m.rank;
      std::vector<std::int64_t> values;
      for (const Task& task : m.batch.tasks) values.push_back(model_test::input_n(task.spec) + 1000);
      model_test::set_values(r, values);
      s.on_results(std::move(r));
    }
  }
  std::sort(ran.begin(), ran.end());
  EXPECT_EQ(ran, (std::vector<std::uint64_t>{0, 1, 2, 3, 4, 10, 11}));
  ASSERT_EQ(call->values.size(), 12u);
  for (std::uint64_t i = 0; i < 12; ++i) EXPECT_EQ(call->values[i], static_cast<std::int64_t>(i) + 1000);
  EXPECT_EQ(source.replayed(), 5u);
}

TEST(LiveReplay, ATaskOtherThanTheJournalsIsRefusedNamingIt) {
  LiveSource source(1000, [] {});
  with_replay(source, {journal_batch(0, 10)});
  auto call = std::make_shared<Recorded>();
  std::vector<std::string> inputs = inputs_from(0, 10);
  inputs[7] = model_test::square_spec(70).input;
  source.submit(model_test::square_id(), inputs, call, 0);
  try {
    (void)source.peek_kind();
    FAIL() << "another input under id 7 was taken";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(": task 7 (kind square) is not the task the journal holds"),
              std::string::npos)
        << e.what();
  }
}

TEST(LiveReplay, AnotherKindUnderAnIdIsRefused) {
  LiveSource source(1000, [] {});
  with_replay(source, {journal_batch(0, 3)});
  auto call = std::make_shared<Recorded>();
  std::vector<std::string> inputs = {model_test::crunch_spec(5).input};
  source.submit(model_test::crunch_id(), inputs, call, 0);
  EXPECT_THROW((void)source.peek_kind(), InputError);
}

TEST(LiveReplay, AGeneratedRangeMatchesAJournalRangeOfTheSameGenerator) {
  // A journal range batch of squares of 0..7 answered a range submission of the same generator.
  JournalBatch b = journal_test::range_batch(0, 8, 1);
  LiveSource source(1000, [] {});
  with_replay(source, {b});
  auto call = std::make_shared<Recorded>();
  source.submit_range(b.tasks.kind, 8, b.tasks.params, call, 0);
  EXPECT_FALSE(source.peek_kind().has_value());
  ASSERT_EQ(call->values.size(), 8u);
  for (std::int64_t i = 0; i < 8; ++i) EXPECT_EQ(call->values[i], i * i);
}

}  // namespace
}  // namespace drover
