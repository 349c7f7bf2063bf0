// Flat little codecs for the protocol messages: memcpy of fixed fields and whole arrays.
#include "protocol/wire.hpp"

#include "model/kinds.hpp"
#include "protocol/byte_codec.hpp"

#include <cstring>
#include <string>
#include <type_traits>

namespace drover {
namespace {

struct WireErrors {
  using Error = WireError;
  static constexpr const char* kTooShort = "wire: message too short";
  static constexpr const char* kArrayTooLong = "wire: array longer than the message";
};

using Reader = ByteReader<WireErrors>;

// Each encode replaces the buffer's contents.
class Writer : public ByteWriter {
 public:
  explicit Writer(Bytes& out) : ByteWriter(out, true) {}
};

void expect_end(const Reader& r) {
  if (r.remaining() != 0) throw WireError("wire: trailing bytes in message");
}

KindId checked_kind(KindId raw) {
  if (raw >= kind_count()) throw WireError("wire: unknown kind id " + std::to_string(raw));
  return raw;
}

Lane checked_lane(std::uint8_t raw) {
  if (raw > static_cast<std::uint8_t>(Lane::io)) throw WireError("wire: unknown lane");
  return static_cast<Lane>(raw);
}

}  // namespace

void encode(const from_worker::Hello& m, Bytes& out) {
  Writer w(out);
  w.put(m.protocol);  // first, so any future layout can still read the version
  w.put(m.rank);
  w.put_string(m.host);
  w.put(m.pid);
  w.put(m.threads);
  w.put(m.bound_cpus);
  w.put(m.node_share);
  w.put_string(m.registry);
  w.put(static_cast<std::uint8_t>(m.ok));
  w.put_string(m.error);
}

void decode(std::span<const char> bytes, from_worker::Hello& m) {
  Reader r(bytes);
  m.protocol = r.get<std::uint32_t>();
  if (m.protocol != kProtocolVersion) return;  // the caller reports the mismatch
  m.rank = r.get<std::int32_t>();
  r.get_string(m.host);
  m.pid = r.get<std::int32_t>();
  m.threads = r.get<std::uint32_t>();
  m.bound_cpus = r.get<std::uint32_t>();
  m.node_share = r.get<std::uint32_t>();
  r.get_string(m.registry);
  m.ok = r.get<std::uint8_t>() != 0;
  r.get_string(m.error);
  expect_end(r);
}

void encode(const to_worker::Welcome& m, Bytes& out) {
  Writer w(out);
  w.put(static_cast<std::uint8_t>(m.ok));
  w.put_string(m.error);
  const Generator& g = m.plan.generator;
  w.put(g.kind);
  w.put(g.total);
  w.put_string(g.params);
  // One byte: 0 no lines, 1 on stdout, 2 on stderr.
  w.put(static_cast<std::uint8_t>(m.plan.announce ? (m.plan.announce_on_stderr ? 2 : 1) : 0));
  w.put(static_cast<std::uint64_t>(m.plan.kind_settings.size()));
  for (const auto& [name, bytes] : m.plan.kind_settings) {
    w.put_string(name);
    w.put_string(bytes);
  }
}

void decode(std::span<const char> bytes, to_worker::Welcome& m) {
  Reader r(bytes);
  m.ok = r.get<std::uint8_t>() != 0;
  r.get_string(m.error);
  Generator& g = m.plan.generator;
  g.kind = checked_kind(r.get<KindId>());
  g.total = r.get<std::uint64_t>();
  r.get_string(g.params);
  const auto announce = r.get<std::uint8_t>();
  if (announce > 2) throw WireError("welcome: announce " + std::to_string(announce));
  m.plan.announce = announce != 0;
  m.plan.announce_on_stderr = announce == 2;
  const auto settings = r.get<std::uint64_t>();
  // Each entry takes at least 8 bytes (two empty strings).
  if (settings > r.remaining() / 8)
    throw WireError("welcome: settings count longer than the message");
  m.plan.kind_settings.resize(settings);
  for (auto& [name, bytes] : m.plan.kind_settings) {
    r.get_string(name);
    r.get_string(bytes);
  }
  expect_end(r);
}

void encode(const to_worker::Stop& m, Bytes& out) {
  Writer w(out);
  w.put(static_cast<std::uint8_t>(m.abandon));
}

void decode(std::span<const char> bytes, to_worker::Stop& m) {
  Reader r(bytes);
  m.abandon = r.get<std::uint8_t>() != 0;
  expect_end(r);
}

void encode(const to_worker::Revoke& m, Bytes& out) {
  Writer w(out);
  w.put(m.seq);
}

void decode(std::span<const char> bytes, to_worker::Revoke& m) {
  Reader r(bytes);
  m.seq = r.get<std::uint64_t>();
  expect_end(r);
}

void encode(const from_worker::Revoked& m, Bytes& out) {
  Writer w(out);
  w.put(m.seq);
  w.put(static_cast<std::uint8_t>(m.taken));
  w.put(m.kept);
}

void decode(std::span<const char> bytes, from_worker::Revoked& m) {
  Reader r(bytes);
  m.seq = r.get<std::uint64_t>();
  const auto taken = r.get<std::uint8_t>();
  if (taken > 1) throw WireError("wire: a Revoked's taken is neither 0 nor 1");
  m.taken = taken != 0;
  m.kept = r.get<std::uint32_t>();
  expect_end(r);
}

void encode(const from_worker::Output& m, Bytes& out) {
  Writer w(out);
  w.put_string(m.out);
  w.put_string(m.err);
}

void decode(std::span<const char> bytes, from_worker::Output& m) {
  Reader r(bytes);
  r.get_string(m.out);
  r.get_string(m.err);
  expect_end(r);
}

void encode(const from_worker::StopRequest& m, Bytes& out) {
  Writer w(out);
  w.put(m.signal);
}

void decode(std::span<const char> bytes, from_worker::StopRequest& m) {
  Reader r(bytes);
  m.signal = r.get<std::int32_t>();
  expect_end(r);
}

void encode(const from_worker::StopAck& m, Bytes& out) {
  Writer w(out);
  w.put(m.cpu_seconds);
}

void decode(std::span<const char> bytes, from_worker::StopAck& m) {
  Reader r(bytes);
  m.cpu_seconds = r.get<double>();
  expect_end(r);
}

void encode(const TaskBatch& m, Bytes& out) {
  Writer w(out);
  w.put(m.seq);
  w.put(m.first_id);
  w.put(m.count);
  w.put(static_cast<std::uint8_t>(m.lane));
  w.put(m.kind);
  w.put_string(m.params);
  w.put(m.first_item);
  w.put(m.attempt);
  w.put(static_cast<std::uint64_t>(m.tasks.size()));
  for (const Task& t : m.tasks) {
    w.put(t.id);
    w.put(t.spec.kind);
    w.put_string(t.spec.input);
  }
}

void decode(std::span<const char> bytes, TaskBatch& m) {
  Reader r(bytes);
  m.seq = r.get<std::uint64_t>();
  m.first_id = r.get<std::uint64_t>();
  m.count = r.get<std::uint32_t>();
  m.lane = checked_lane(r.get<std::uint8_t>());
  m.kind = checked_kind(r.get<KindId>());
  r.get_string(m.params);
  m.first_item = r.get<std::uint64_t>();
  m.attempt = r.get<std::uint32_t>();
  const auto n = r.get<std::uint64_t>();
  // Each task takes at least 14 bytes, which bounds a corrupt count.
  if (n > r.remaining() / 14) throw WireError("wire: task count longer than the message");
  m.tasks.resize(n);
  for (Task& t : m.tasks) {
    t.id = r.get<std::uint64_t>();
    t.spec.kind = checked_kind(r.get<KindId>());
    r.get_string(t.spec.input);
  }
  expect_end(r);
}

void encode(const ResultBatch& m, Bytes& out) {
  Writer w(out);
  w.put(m.seq);
  w.put(m.rank);
  w.put(m.count);
  w.put(m.stride);
  w.put_string(m.outputs);
  w.put_array(m.ends);
  w.put_array(m.spans);
  w.put(static_cast<std::uint64_t>(m.failures.size()));
  for (const Failure& f : m.failures) {
    w.put(f.index);
    w.put_string(f.message);
    w.put_string(f.type);
  }
}

void decode(std::span<const char> bytes, ResultBatch& m) {
  Reader r(bytes);
  m.attempts.clear();  // rank 0's own field, never on the wire: nothing stale may survive
  m.seq = r.get<std::uint64_t>();
  m.rank = r.get<std::int32_t>();
  m.count = r.get<std::uint32_t>();
  m.stride = r.get<std::uint32_t>();
  r.get_string(m.outputs);
  r.get_array(m.ends);
  if (const char* problem = m.shape_problem()) throw WireError(std::string("wire: ") + problem);
  r.get_array(m.spans);
  const auto n = r.get<std::uint64_t>();
  if (n > r.remaining() / 12) throw WireError("wire: failure count longer than the message");
  m.failures.resize(n);
  for (Failure& f : m.failures) {
    f.index = r.get<std::uint32_t>();
    r.get_string(f.message);
    r.get_string(f.type);
  }
  expect_end(r);
}

}  // namespace drover
