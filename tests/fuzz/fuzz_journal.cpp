// libFuzzer target: parse_journal on arbitrary bytes, where only InputError may come out.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "journal/journal.hpp"
#include "journal/journal_codec.hpp"
#include "model/errors.hpp"

namespace {

using namespace drover::journal_detail;
using drover::Bytes;

std::uint32_t load_u32(const std::string& bytes, std::size_t at) {
  std::uint32_t value;
  std::memcpy(&value, bytes.data() + at, 4);
  return value;
}

// Mutations almost never keep a CRC right, so most inputs would stop at the
// first checksum: a second pass with every checksum recomputed reaches the decoder.
std::string with_checksums_fixed(std::string bytes) {
  if (bytes.size() < 16 || bytes.compare(0, sizeof kMagic, kMagic, sizeof kMagic) != 0)
    return bytes;
  const std::uint64_t covered = 16 + std::uint64_t{load_u32(bytes, 12)};
  if (covered + 4 > bytes.size()) return bytes;
  std::uint32_t crc = crc32(std::span<const char>(bytes).first(covered));
  std::memcpy(bytes.data() + covered, &crc, 4);
  for (std::uint64_t at = covered + 4; bytes.size() - at >= kRecordHeaderBytes;) {
    const std::uint64_t length = load_u32(bytes, at);
    if (length > bytes.size() - at - kRecordHeaderBytes) break;
    crc = crc32(std::span<const char>(bytes).subspan(at + kRecordHeaderBytes, length));
    std::memcpy(bytes.data() + at + 4, &crc, 4);
    at += kRecordHeaderBytes + length;
  }
  return bytes;
}

void check(const std::string& bytes) {
  try {
    // Whatever the reader accepts, the writer encodes back to the same bytes:
    // nothing is lost or invented between the two.
    Bytes records;
    const drover::JournalScan scan =
        drover::parse_journal(bytes, [&](const drover::JournalBatch& b) {
          append_record(b.tasks, b.results, b.host, b.pid, records);
        });
    Bytes expected;
    append_header(scan.fingerprint, expected);
    expected.insert(expected.end(), records.begin(), records.end());
    if (scan.valid_bytes != expected.size() ||
        bytes.compare(0, expected.size(), expected.data(), expected.size()) != 0) {
      __builtin_trap();
    }
    // A scan stops early only at a torn tail.
    if (scan.torn_tail == (scan.valid_bytes == bytes.size())) __builtin_trap();
  } catch (const drover::InputError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  check(bytes);
  const std::string fixed = with_checksums_fixed(bytes);
  if (fixed != bytes) check(fixed);
  return 0;
}
