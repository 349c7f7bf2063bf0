// The library's queue through the real scheduler and a recording transport: ids, batches, routing,
// the end.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fake_transport.hpp"
#include "library/live_source.hpp"
#include "model_test_util.hpp"
#include "scheduling/scheduler.hpp"

namespace drover {
namespace {

using testing::RecordingTransport;
using testing::Sent;
using testing::two_workers;

// Every piece a call got, by its first index.
class Recorded final : public detail::Channel {
 public:
  void deliver(detail::Piece&& piece) override { pieces[piece.first_index] = std::move(piece); }
  void abort(const std::string& why, bool was_stopped) override {
    aborted = why;
    stopped = was_stopped;
  }
  std::map<std::uint64_t, detail::Piece> pieces;
  std::string aborted;
  bool stopped = false;
};

// A worker's answer: each task's output is its input's int64 plus 1000 (an
// explicit task's input, or a range item's generated one); task `fail_id` fails.
ResultBatch answer(const TaskBatch& batch, int rank, std::uint64_t fail_id = ~0ull) {
  ResultBatch r;
  r.seq = batch.seq;
  r.rank = rank;
  std::vector<std::int64_t> values;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    std::string input;
    if (batch.is_range()) {
      kind_info(batch.kind).generate(batch.params, batch.first_item + i, input);
    } else {
      input = batch.tasks[i].spec.input;
    }
    values.push_back(builtin::get_pod<std::int64_t>(input) + 1000);
    if (batch.first_id + i == fail_id) {
      r.failures.push_back(Failure{static_cast<std::uint32_t>(i), "boom", "std::runtime_error"});
    }
  }
  model_test::set_values(r, values);
  r.spans.push_back(Span{0, static_cast<std::uint32_t>(batch.size()), 0, 0, 0, 1});
  return r;
}

std::vector<std::string> encoded(std::initializer_list<std::int64_t> values) {
  std::vector<std::string> out;
  for (const std::int64_t v : values) out.push_back(model_test::square_spec(v).input);
  return out;
}

// Answers everything sent until the scheduler has nothing in flight.
void answer_all(Scheduler& s, RecordingTransport& t, std::uint64_t fail_id = ~0ull) {
  for (std::vector<Sent> sent = t.take(); !sent.empty(); sent = t.take()) {
    for (const Sent& m : sent) {
      if (!m.stop) s.on_results(answer(m.batch, m.rank, fail_id));
    }
  }
}

TEST(LiveSource, CallsGetTheirOwnResultsByIndexWhateverTheInterleaving) {
  int wakes = 0;
  LiveSource source(1000, [&] { ++wakes; });
  source.set_ranks({RankInfo{"n0", 1, 1}, RankInfo{"n1", 2, 1}});
  RecordingTransport t;
  Scheduler s(two_workers(), source, t, source);
  s.start();
  EXPECT_TRUE(t.take().empty()) << "nothing submitted yet: nothing sent, and no Stop";

  auto a = std::make_shared<Recorded>();
  auto b = std::make_shared<Recorded>();
  std::vector<std::string> first = encoded({1, 2, 3});
  source.submit(model_test::square_id(), first, a, 0);
  std::vector<std::string> other = encoded({7});
  source.submit(model_test::square_id(), other, b, 0);
  std::vector<std::string> more = encoded({4, 5});
  source.submit(model_test::square_id(), more, a, 3);
  EXPECT_EQ(wakes, 3);
  ASSERT_TRUE(source.take_news());
  EXPECT_FALSE(source.take_news());
  s.poke();
  answer_all(s, t);

  std::vector<std::int64_t> got_a;
  for (const auto& [index, piece] : a->pieces) {
    for (std::uint32_t i = 0; i < piece.count; ++i) {
      EXPECT_EQ(piece.first_index + i, got_a.size());
      got_a.push_back(builtin::get_pod<std::int64_t>(piece.output(i)));
    }
  }
  EXPECT_EQ(got_a, (std::vector<std::int64_t>{1001, 1002, 1003, 1004, 1005}));
  ASSERT_EQ(b->pieces.size(), 1u);
  EXPECT_EQ(builtin::get_pod<std::int64_t>(b->pieces.at(0).output(0)), 1007);
  EXPECT_FALSE(s.finished()) << "open: more may come";

  source.close();
  s.poke();
  EXPECT_TRUE(s.finished());
  const std::vector<Sent> stops = t.take();
  ASSERT_EQ(stops.size(), 2u);
  EXPECT_TRUE(stops[0].stop && stops[1].stop);
}

TEST(LiveSource, RangesAreGeneratedWhereTheyRunAndFailuresKeepWhereAndWhat) {
  LiveSource source(1 << 20, [] {});
  source.set_ranks({RankInfo{"n0", 1, 1}, RankInfo{"n1", 2, 1}});
  RecordingTransport t;
  Scheduler s(two_workers(), source, t, source);
  s.start();
  auto call = std::make_shared<Recorded>();
  const Generator g = square_generator(0, 50);  // params: the input of item 0 is 50
  source.submit_range(model_test::square_id(), 10'000, g.params, call, 0);
  s.poke();
  const std::vector<Sent> first = t.take();
  ASSERT_FALSE(first.empty());
  EXPECT_TRUE(first[0].batch.is_range()) << "a range travels as (first item, count)";
  for (const Sent& m : first) s.on_results(answer(m.batch, m.rank, 1234));
  answer_all(s, t, 1234);
  std::uint64_t seen = 0;
  for (const auto& [index, piece] : call->pieces) {
    EXPECT_EQ(index, seen);
    for (std::uint32_t i = 0; i < piece.count; ++i) {
      const bool failed = !piece.failures.empty() && piece.failures.front().offset == i;
      if (failed) {
        const remote_error e = piece.error(piece.failures.front());
        EXPECT_EQ(e.task_id(), 1234u);
        EXPECT_EQ(e.type_name(), "std::runtime_error");
        EXPECT_EQ(e.host(), piece.rank == 0 ? "n0" : "n1");
      } else {
        EXPECT_EQ(builtin::get_pod<std::int64_t>(piece.output(i)),
                  50 + static_cast<std::int64_t>(index + i) + 1000);
      }
    }
    seen += piece.count;
  }
  EXPECT_EQ(seen, 10'000u);
}

TEST(LiveSource, SubmissionsWaitForRoomButNeverForAnEmptyQueue) {
  LiveSource source(4, [] {});
  auto call = std::make_shared<Recorded>();
  std::vector<std::string> big = encoded({1, 2, 3, 4, 5, 6});
  source.submit(model_test::square_id(), big, call,
                0);  // larger than the bound, queue empty: taken
  EXPECT_TRUE(source.peek_kind().has_value());
  source.abort("shutting down");
  EXPECT_EQ(call->aborted, "shutting down");
  EXPECT_FALSE(call->stopped);
  std::vector<std::string> late = encoded({1});
  EXPECT_THROW(source.submit(model_test::square_id(), late, call, 0), usage_error);
}

TEST(LiveSource, ACleanStopTellsWaitingCallsAndRefusesLaterSubmissionsAsStopped) {
  LiveSource source(100, [] {});
  auto call = std::make_shared<Recorded>();
  std::vector<std::string> inputs = encoded({1, 2, 3});
  source.submit(model_test::square_id(), inputs, call, 0);
  EXPECT_EQ(source.pending(), 3u);
  source.abort("SIGTERM on rank 0", true);
  EXPECT_EQ(call->aborted, "SIGTERM on rank 0");
  EXPECT_TRUE(call->stopped);
  EXPECT_EQ(source.pending(), 0u);
  std::vector<std::string> late = encoded({1});
  try {
    source.submit(model_test::square_id(), late, call, 0);
    FAIL() << "a submission after a stop was taken";
  } catch (const stopped_error& e) {
    EXPECT_STREQ(e.what(), "drover: stopped: SIGTERM on rank 0");
  }
}

TEST(LiveSource, AStoppedCallThrowsStoppedErrorFromItsChannel) {
  detail::QueueChannel channel;
  channel.abort("the time limit is 1 s away", true);
  std::vector<detail::Piece> pieces;
  EXPECT_THROW(channel.wait_drain(pieces), stopped_error);
  detail::QueueChannel failed;
  failed.abort("rank 0 failed", false);
  EXPECT_THROW(failed.wait_drain(pieces), usage_error);
}

}  // namespace
}  // namespace drover
