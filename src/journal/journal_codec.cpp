// The journal's record codec: CRC-32, flat encoding of a batch, and a decoder that trusts nothing.
#include "journal/journal_codec.hpp"

#include "model/kinds.hpp"
#include "protocol/byte_codec.hpp"

#include <array>
#include <bit>
#include <cstring>
#include <limits>
#include <type_traits>

namespace drover::journal_detail {
namespace {

// Slicing-by-8 (Intel's, as in zlib and the Linux kernel): eight bytes per step
// through eight tables, about 4 times the speed of a byte at a time. The
// comm thread checksums every batch it journals, so this is on its hot path.
using CrcTables = std::array<std::array<std::uint32_t, 256>, 8>;
constexpr CrcTables make_crc_tables() {
  CrcTables t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[0][i] = c;
  }
  for (std::size_t k = 1; k < 8; ++k) {
    for (std::size_t i = 0; i < 256; ++i) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFF];
  }
  return t;
}
constexpr CrcTables kCrc = make_crc_tables();

// The smallest encodings of a task and of a failure (every string empty):
// they bound a corrupt count before anything is allocated for it.
constexpr std::size_t kMinTaskBytes = 8 + 2 + 4 + 4;  // id, kind, input and tag lengths
constexpr std::size_t kMinFailureBytes = 4 + 4 + 4;

struct RecordErrors {
  using Error = RecordError;
  static constexpr const char* kTooShort = "record too short";
  static constexpr const char* kArrayTooLong = "array longer than the record";
};

using Writer = ByteWriter;  // appends: a record follows the ones before it
using Reader = ByteReader<RecordErrors>;

template <class T>
void put_at(Bytes& out, std::size_t at, T value) {
  std::memcpy(out.data() + at, &value, sizeof(T));
}

}  // namespace

std::uint32_t crc32(std::span<const char> bytes) {
  std::uint32_t c = 0xFFFFFFFFu;
  const char* p = bytes.data();
  std::size_t n = bytes.size();
  if constexpr (std::endian::native == std::endian::little) {
    for (; n >= 8; p += 8, n -= 8) {
      std::uint64_t v;
      std::memcpy(&v, p, 8);
      v ^= c;
      c = kCrc[7][v & 0xFF] ^ kCrc[6][(v >> 8) & 0xFF] ^ kCrc[5][(v >> 16) & 0xFF] ^
          kCrc[4][(v >> 24) & 0xFF] ^ kCrc[3][(v >> 32) & 0xFF] ^ kCrc[2][(v >> 40) & 0xFF] ^
          kCrc[1][(v >> 48) & 0xFF] ^ kCrc[0][v >> 56];
    }
  }
  for (; n > 0; ++p, --n) c = kCrc[0][(c ^ static_cast<unsigned char>(*p)) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

void append_header(const std::string& fingerprint, Bytes& out) {
  if (fingerprint.size() > kMaxFingerprintBytes) {
    throw std::invalid_argument("journal: fingerprint longer than " +
                                std::to_string(kMaxFingerprintBytes) + " bytes");
  }
  const std::size_t start = out.size();
  Writer w(out);
  for (const char c : kMagic) w.put(c);
  w.put(kJournalVersion);
  w.put_string(fingerprint);
  w.put(crc32(std::span<const char>(out).subspan(start)));
}

void append_record(const TaskBatch& tasks, const ResultBatch& results, std::string_view host,
                   std::int32_t pid, Bytes& out) {
  if (const char* problem = batch_problem(tasks, results)) {
    throw std::invalid_argument(std::string("journal: inconsistent batch: ") + problem);
  }
  const std::size_t start = out.size();
  out.resize(start + kRecordHeaderBytes);  // length and CRCs, filled in below
  Writer w(out);
  w.put(kRecordBatch);
  w.put(tasks.first_id);
  w.put(tasks.count);
  w.put(tasks.kind);
  w.put_string(tasks.params);
  w.put(tasks.first_item);
  w.put(static_cast<std::uint64_t>(tasks.tasks.size()));
  for (const Task& t : tasks.tasks) {
    w.put(t.id);
    w.put(t.spec.kind);
    w.put_string(t.spec.input);
    w.put_string(t.spec.tag);
  }
  w.put(results.rank);
  w.put(results.count);
  w.put(results.stride);
  w.put_string(results.outputs);
  w.put_array(results.ends);
  w.put_array(results.spans);  // Span has no padding (task.hpp): raw bytes are defined
  w.put(static_cast<std::uint64_t>(results.failures.size()));
  for (const Failure& f : results.failures) {
    w.put(f.index);
    w.put_string(f.message);
    w.put_string(f.type);
  }
  w.put_array(results.attempts);
  w.put_string(host);
  w.put(pid);

  const std::size_t length = out.size() - start - kRecordHeaderBytes;
  if (length > kMaxRecordBytes) {
    out.resize(start);
    throw std::invalid_argument("journal: batch record larger than 1 GiB");
  }
  const auto payload = std::span<const char>(out).subspan(start + kRecordHeaderBytes);
  put_at(out, start, static_cast<std::uint32_t>(length));
  put_at(out, start + 4, crc32(std::span<const char>(out).subspan(start, 4)));
  put_at(out, start + 8, crc32(payload));
}

void decode_payload(std::span<const char> payload, JournalBatch& batch) {
  Reader r(payload);
  if (r.get<std::uint8_t>() != kRecordBatch) throw RecordError("unknown record type");
  TaskBatch& tasks = batch.tasks;
  tasks.seq = 0;  // not kept; the lane follows from the kinds below
  tasks.lane = Lane::cpu;
  tasks.first_id = r.get<std::uint64_t>();
  tasks.count = r.get<std::uint32_t>();
  tasks.kind = r.get<KindId>();
  if (tasks.kind >= all_kinds().size()) {
    throw RecordError("unknown kind id " + std::to_string(tasks.kind));
  }
  r.get_string(tasks.params);
  tasks.first_item = r.get<std::uint64_t>();
  tasks.tasks.resize(r.get_count(kMinTaskBytes, "task count longer than the record"));
  for (Task& t : tasks.tasks) {
    t.id = r.get<std::uint64_t>();
    t.spec.kind = r.get<KindId>();
    if (t.spec.kind >= all_kinds().size()) {
      throw RecordError("unknown kind id " + std::to_string(t.spec.kind));
    }
    r.get_string(t.spec.input);
    r.get_string(t.spec.tag);
  }
  const KindId lane_kind = tasks.tasks.empty() ? tasks.kind : tasks.tasks.front().spec.kind;
  tasks.lane = kind_info(lane_kind).lane;
  ResultBatch& results = batch.results;
  results.seq = 0;
  results.rank = r.get<std::int32_t>();
  results.count = r.get<std::uint32_t>();
  results.stride = r.get<std::uint32_t>();
  r.get_string(results.outputs);
  r.get_array(results.ends);
  r.get_array(results.spans);
  results.failures.resize(r.get_count(kMinFailureBytes, "failure count longer than the record"));
  for (Failure& f : results.failures) {
    f.index = r.get<std::uint32_t>();
    r.get_string(f.message);
    r.get_string(f.type);
  }
  r.get_array(results.attempts);
  r.get_string(batch.host);
  batch.pid = r.get<std::int32_t>();
  if (r.remaining() != 0) throw RecordError("trailing bytes in record");
  if (const char* problem = batch_problem(batch.tasks, batch.results)) throw RecordError(problem);
}

const char* batch_problem(const TaskBatch& tasks, const ResultBatch& results) {
  const std::uint64_t n = tasks.size();
  if (n > std::numeric_limits<std::uint32_t>::max()) return "more than 2^32 tasks";
  if (n > std::numeric_limits<std::uint64_t>::max() - tasks.first_id) return "task ids overflow";
  for (std::size_t i = 0; i < tasks.tasks.size(); ++i) {
    if (tasks.tasks[i].id != tasks.first_id + i) return "task ids not consecutive from first_id";
  }
  if (results.count != n) return "result count differs from task count";
  if (const char* problem = results.shape_problem()) return problem;
  if (!results.attempts.empty() && results.attempts.size() != n) {
    return "attempt count differs from task count";
  }
  std::uint64_t next = 0;  // spans tile [0, n) in order
  for (const Span& s : results.spans) {
    if (s.first != next) return "spans do not cover the tasks in order";
    next += s.count;
  }
  if (next != n) return "spans do not cover the tasks in order";
  std::uint64_t min_index = 0;  // failures strictly increasing, each < n
  for (const Failure& f : results.failures) {
    if (f.index < min_index || f.index >= n) return "failures out of order or out of range";
    min_index = std::uint64_t{f.index} + 1;
  }
  return nullptr;
}

}  // namespace drover::journal_detail
