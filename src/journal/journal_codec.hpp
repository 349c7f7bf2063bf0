// Internal to the journal: byte layout, checksum, record codec, and the reader every entry uses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "journal/journal.hpp"

namespace drover::journal_detail {

// Layout (native byte order: a journal is resumed by the same binary on the
// same kind of machine, as the wire protocol assumes between ranks):
//   header: magic "DRVJRNL\0", u32 version, u32 fingerprint length,
//           fingerprint bytes, u32 CRC-32 of everything before it
//   records: u32 payload length, u32 CRC-32 of those 4 length bytes, u32 CRC-32 of
//   the payload, payload. The length has its own check (version 2): a damaged
//   length that points past the end of the file must not pass for a torn tail.
//   payload: u8 record type, then the fields of one JournalBatch (journal_codec.cpp)
inline constexpr char kMagic[8] = {'D', 'R', 'V', 'J', 'R', 'N', 'L', '\0'};
inline constexpr std::size_t kRecordHeaderBytes = 12;
inline constexpr std::uint8_t kRecordBatch = 1;
// No batch comes near these; beyond them a length field is damage, not data.
inline constexpr std::uint32_t kMaxRecordBytes = std::uint32_t{1} << 30;
inline constexpr std::uint32_t kMaxFingerprintBytes = std::uint32_t{1} << 20;

// CRC-32 (IEEE 802.3, as zlib and gzip): crc32 of "123456789" is 0xCBF43926.
std::uint32_t crc32(std::span<const char> bytes);

// A record that does not decode into a consistent batch; the reader names its offset.
class RecordError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Appends the file header for `fingerprint` to `out`.
void append_header(const std::string& fingerprint, Bytes& out);
// Appends one whole record (length, CRC, payload) to `out`. Throws
// std::invalid_argument for a batch the reader would refuse (see batch_problem).
// Takes the parts, not a JournalBatch: rank 0 journals batches it holds
// anyway, and copying their values into a JournalBatch first cost a copy per batch.
void append_record(const TaskBatch& tasks, const ResultBatch& results, std::string_view host,
                   std::int32_t pid, Bytes& out);
// Decodes and checks one payload, reusing `batch`'s storage. Throws RecordError.
void decode_payload(std::span<const char> payload, JournalBatch& batch);
// Why a batch is inconsistent (ids, result sizes, spans, failures), or null.
const char* batch_problem(const TaskBatch& tasks, const ResultBatch& results);

// Random access to the bytes of a journal: a file read in chunks, or memory.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual std::uint64_t size() const = 0;
  // Bytes [offset, offset + n), which the caller keeps within size(). The
  // view is valid until the next call.
  virtual std::span<const char> read(std::uint64_t offset, std::size_t n) = 0;
};

// The whole-journal pass behind scan_journal and parse_journal. `name`
// prefixes every InputError. With `damage` given (repair), a damaged record
// ends the scan instead of throwing: valid_bytes is where it starts, and
// `damage` says why.
JournalScan scan_source(ByteSource& in, const std::string& name,
                        const std::function<void(const JournalBatch&)>& each,
                        std::string* damage = nullptr);
// Reads the record at `offset` into `batch`; throws InputError when damaged.
void read_record(ByteSource& in, const std::string& name, std::uint64_t offset,
                 JournalBatch& batch);

}  // namespace drover::journal_detail
