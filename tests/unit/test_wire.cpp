// Every protocol message survives encode/decode, and damaged bytes are refused, not trusted.
#include <gtest/gtest.h>

#include <cstring>

#include "core/wire.hpp"

namespace drover {
namespace {

TaskBatch explicit_batch() {
  TaskBatch b;
  b.seq = 42;
  b.first_id = 1000;
  b.lane = Lane::cpu;
  b.tasks.push_back(Task{1000, TaskSpec{KindId::square, -12, 0, ""}});
  b.tasks.push_back(Task{1001, TaskSpec{KindId::crunch, 10'000'000, 0, ""}});
  b.tasks.push_back(Task{1002, TaskSpec{KindId::download, 0, 7.5, "av.avi"}});
  return b;
}

ResultBatch result_batch() {
  ResultBatch r;
  r.seq = 7;
  r.rank = 3;
  r.values = {1, 4, 0, 16};
  r.metrics = {0.5, 0.25, 0, 1e-9};
  r.spans = {Span{0, 2, 1, 0, 100, 200}, Span{2, 2, 0, 0, 150, 300}};
  r.failures = {Failure{2, "square of 3037000500 overflows int64"}};
  return r;
}

template <class M>
M round_trip(const M& m) {
  std::vector<char> bytes;
  encode(m, bytes);
  M out;
  decode(bytes, out);
  return out;
}

TEST(Wire, TaskBatchesRoundTrip) {
  EXPECT_EQ(round_trip(explicit_batch()), explicit_batch());
  TaskBatch range;
  range.seq = 1;
  range.first_id = 1ull << 40;
  range.count = 65536;
  range.lane = Lane::io;
  EXPECT_EQ(round_trip(range), range);
}

TEST(Wire, RangeBatchesAreTinyWhateverTheirSize) {
  TaskBatch range;
  range.count = 1'000'000;
  std::vector<char> bytes;
  encode(range, bytes);
  EXPECT_LT(bytes.size(), 64u);
}

TEST(Wire, ResultBatchesRoundTrip) {
  EXPECT_EQ(round_trip(result_batch()), result_batch());
  EXPECT_EQ(round_trip(ResultBatch{}), ResultBatch{});
}

TEST(Wire, DecodingResultsClearsRankZerosOwnAttempts) {
  std::vector<char> bytes;
  encode(result_batch(), bytes);
  ResultBatch reused = result_batch();
  reused.attempts = {1, 2, 1, 1};  // left over from the previous batch
  decode(bytes, reused);
  EXPECT_TRUE(reused.attempts.empty()) << "attempts never travel: a stale copy would mislabel";
}

TEST(Wire, HelloAndWelcomeRoundTrip) {
  from_worker::Hello h;
  h.rank = 4;
  h.host = "node-17";
  h.pid = 31337;
  h.threads = 8;
  h.bound_cpus = 2;
  h.node_share = 16;
  h.kinds_mask = 7;
  h.ok = false;
  h.error = "no threads";
  EXPECT_EQ(round_trip(h), h);

  to_worker::Welcome w;
  w.ok = true;
  w.plan.generator.kind = KindId::download;
  w.plan.generator.total = 20;
  w.plan.generator.min_seconds = 0.5;
  w.plan.generator.max_seconds = 1.5;
  w.plan.generator.seed = 7;
  w.plan.announce = false;
  EXPECT_EQ(round_trip(w), w);
}

TEST(Wire, HelloOfAnotherProtocolVersionDecodesJustTheVersion) {
  from_worker::Hello h;
  h.protocol = kProtocolVersion + 1;
  std::vector<char> bytes;
  encode(h, bytes);
  bytes.resize(sizeof(std::uint32_t));  // a future layout: only the version is readable
  from_worker::Hello out;
  decode(bytes, out);
  EXPECT_EQ(out.protocol, kProtocolVersion + 1);
}

TEST(Wire, TruncatedMessagesThrowAtEveryLength) {
  std::vector<char> bytes;
  encode(explicit_batch(), bytes);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    TaskBatch out;
    EXPECT_THROW(decode(std::span<const char>(bytes.data(), n), out), WireError) << n;
  }
  encode(result_batch(), bytes);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    ResultBatch out;
    EXPECT_THROW(decode(std::span<const char>(bytes.data(), n), out), WireError) << n;
  }
}

TEST(Wire, TrailingBytesAndBadKindsThrow) {
  std::vector<char> bytes;
  encode(explicit_batch(), bytes);
  bytes.push_back(0);
  TaskBatch out;
  EXPECT_THROW(decode(bytes, out), WireError);

  encode(explicit_batch(), bytes);
  // The first task's kind byte sits after seq, first_id, count, lane and the task count.
  const std::size_t kind_at = 8 + 8 + 4 + 1 + 8 + 8;
  bytes[kind_at] = 99;
  EXPECT_THROW(decode(bytes, out), WireError);
}

TEST(Wire, HugeCountsInCorruptMessagesDoNotAllocate) {
  std::vector<char> bytes;
  encode(result_batch(), bytes);
  // Overwrite the values array length (after seq and rank) with a huge number.
  const std::uint64_t huge = 1ull << 60;
  std::memcpy(bytes.data() + 12, &huge, sizeof huge);
  ResultBatch out;
  EXPECT_THROW(decode(bytes, out), WireError);
}

}  // namespace
}  // namespace drover
