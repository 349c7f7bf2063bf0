// Every protocol message survives encode/decode, and damaged bytes are refused, not trusted.
#include <gtest/gtest.h>

#include <cstring>

#include "model_test_util.hpp"
#include "protocol/wire.hpp"

namespace drover {
namespace {

using namespace model_test;

TaskBatch explicit_batch() {
  TaskBatch b;
  b.seq = 42;
  b.first_id = 1000;
  b.lane = Lane::cpu;
  b.tasks.push_back(Task{1000, square_spec(-12)});
  b.tasks.push_back(Task{1001, crunch_spec(10'000'000)});
  b.tasks.push_back(Task{1002, download_spec("av.avi", 7.5)});
  return b;
}

ResultBatch result_batch() {
  ResultBatch r;
  r.seq = 7;
  r.rank = 3;
  set_values_and_metrics(r, {1, 4, 0, 16}, {0.5, 0.25, 0, 1e-9});
  r.spans = {Span{0, 2, 1, 0, 100, 200}, Span{2, 2, 0, 0, 150, 300}};
  r.failures = {Failure{2, "square of 3037000500 overflows int64"}};
  return r;
}

template <class M>
M round_trip(const M& m) {
  Bytes bytes;
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
  Bytes bytes;
  encode(range, bytes);
  EXPECT_LT(bytes.size(), 64u);
}

ResultBatch variable_batch() {
  ResultBatch r;
  r.seq = 8;
  r.rank = 1;
  r.count = 3;
  r.outputs = detail::to_bytes("abcdefg");
  r.ends = {3, 3, 7};  // "abc", nothing, "defg"
  r.spans = {Span{0, 3, 0, 0, 1, 2}};
  return r;
}

TEST(Wire, ResultBatchesRoundTrip) {
  EXPECT_EQ(round_trip(result_batch()), result_batch());
  EXPECT_EQ(round_trip(variable_batch()), variable_batch());
  EXPECT_EQ(round_trip(ResultBatch{}), ResultBatch{});
  const ResultBatch v = round_trip(variable_batch());
  EXPECT_EQ(std::string(v.output(0).data(), v.output(0).size()), "abc");
  EXPECT_TRUE(v.output(1).empty());
  EXPECT_EQ(std::string(v.output(2).data(), v.output(2).size()), "defg");
}

TEST(Wire, OutputsThatDoNotFitTheirShapeAreRefused) {
  Bytes bytes;
  ResultBatch r = variable_batch();
  r.ends = {3, 2, 7};  // out of order
  encode(r, bytes);
  ResultBatch out;
  EXPECT_THROW(decode(bytes, out), WireError);
  r = variable_batch();
  r.ends = {3, 3, 9};  // past the outputs
  encode(r, bytes);
  EXPECT_THROW(decode(bytes, out), WireError);
  r = result_batch();
  r.count = 5;  // a stride of 16 over 4 outputs' bytes
  encode(r, bytes);
  EXPECT_THROW(decode(bytes, out), WireError);
}

TEST(Wire, DecodingResultsClearsRankZerosOwnAttempts) {
  Bytes bytes;
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
  h.registry = registry_fingerprint();
  h.ok = false;
  h.error = "no threads";
  EXPECT_EQ(round_trip(h), h);

  to_worker::Welcome w;
  w.ok = true;
  w.plan.generator = download_generator(20, 0.5, 1.5, 7);
  w.plan.announce = false;
  EXPECT_EQ(round_trip(w), w);
  w.plan.kind_settings = {{"exec", std::string("\0\1slots", 7)}, {"mine", ""}};
  EXPECT_EQ(round_trip(w), w);
}

TEST(Wire, StopRequestsAndAcksRoundTrip) {
  EXPECT_EQ(round_trip(from_worker::StopRequest{15}), from_worker::StopRequest{15});
  EXPECT_EQ(round_trip(from_worker::StopAck{12.625}), from_worker::StopAck{12.625});
}

TEST(Wire, RevokesAndTheirAnswersRoundTrip) {
  const std::uint64_t seq = (std::uint64_t{7} << 32) | 3;
  EXPECT_EQ(round_trip(to_worker::Revoke{seq}), to_worker::Revoke{seq});
  const from_worker::Revoked taken{seq, true, 41};
  EXPECT_EQ(round_trip(taken), taken);
  EXPECT_EQ(round_trip(from_worker::Revoked{seq, false, 0}), (from_worker::Revoked{seq, false, 0}));
  Bytes bytes;
  encode(taken, bytes);
  bytes[8] = 2;  // `taken` is a bool on the wire
  from_worker::Revoked out;
  EXPECT_THROW(decode(bytes, out), WireError);
  bytes.pop_back();
  EXPECT_THROW(decode(bytes, out), WireError);
}

TEST(Wire, ARetryBatchKeepsItsAttempt) {
  TaskBatch b = explicit_batch();
  b.attempt = 3;
  Bytes bytes;
  encode(b, bytes);
  TaskBatch out;
  decode(bytes, out);
  EXPECT_EQ(out.attempt, 3u);
  EXPECT_EQ(out, b);
}

TEST(Wire, HelloOfAnotherProtocolVersionDecodesJustTheVersion) {
  from_worker::Hello h;
  h.protocol = kProtocolVersion + 1;
  Bytes bytes;
  encode(h, bytes);
  // A future layout: only the version is readable.
  const Bytes version(bytes.begin(), bytes.begin() + sizeof(std::uint32_t));
  from_worker::Hello out;
  decode(version, out);
  EXPECT_EQ(out.protocol, kProtocolVersion + 1);
}

TEST(Wire, TruncatedMessagesThrowAtEveryLength) {
  Bytes bytes;
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
  Bytes bytes;
  encode(explicit_batch(), bytes);
  bytes.push_back(0);
  TaskBatch out;
  EXPECT_THROW(decode(bytes, out), WireError);

  encode(explicit_batch(), bytes);
  // The first task's kind id sits after seq, first_id, count, lane, the range's kind and
  // (empty) parameters, its first item, its attempt, the task count and the task's id.
  const std::size_t kind_at = 8 + 8 + 4 + 1 + 2 + 4 + 8 + 4 + 8 + 8;
  const KindId unknown = static_cast<KindId>(all_kinds().size());
  std::memcpy(bytes.data() + kind_at, &unknown, sizeof unknown);
  EXPECT_THROW(decode(bytes, out), WireError);
}

TEST(Wire, HugeCountsInCorruptMessagesDoNotAllocate) {
  Bytes bytes;
  encode(result_batch(), bytes);
  // Overwrite the outputs' length (after seq, rank, count and stride) with a huge number.
  const std::uint32_t huge = 0xFFFFFFF0u;
  std::memcpy(bytes.data() + 20, &huge, sizeof huge);
  ResultBatch out;
  EXPECT_THROW(decode(bytes, out), WireError);
}

}  // namespace
}  // namespace drover
