// The journal: an append-only, versioned, checksummed record of every finished batch, for resume.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/task.hpp"

namespace drover {

// Bump on any change to the header or record layout (journal_codec.cpp), and
// say in the README what changed. A reader refuses other versions.
// 2: records check their length too. 3: the open task model (inputs and
// outputs as the kinds' bytes; the registry's fingerprint in the header).
inline constexpr std::uint32_t kJournalVersion = 4;

// One finished batch as rank 0 saw it: the tasks (ids, and the specs of
// explicit tasks; a range's specs come from the run's generator) and their
// final results (after retries), with the provenance of the rank that ran it.
struct JournalBatch {
  TaskBatch tasks;       // seq and lane are not kept
  ResultBatch results;   // seq is not kept; attempts kept
  std::string host;      // of results.rank
  std::int32_t pid = 0;  // of results.rank
  bool operator==(const JournalBatch&) const = default;
};

// When the writer forces data to disk (fsync); always at close.
struct FsyncPolicy {
  std::uint64_t every_records = 0;                 // 0: not by count
  std::chrono::milliseconds every_interval{1000};  // 0: not by time
};

// Appends batches. Buffered: records reach the file in blocks; a crash loses
// at most the records not yet written, and can tear only the last one, which
// the reader then drops with a warning.
class JournalWriter {
 public:
  // A new journal at `path` (truncating any file there) for the run
  // identified by `fingerprint`. Throws InputError naming the path if it cannot be created.
  static JournalWriter create(const std::string& path, const std::string& fingerprint,
                              FsyncPolicy policy);
  // Continues an existing journal whose valid contents end at byte
  // `valid_bytes` (as JournalScan found them): anything after is cut off first.
  static JournalWriter append(const std::string& path, std::uint64_t valid_bytes,
                              FsyncPolicy policy);

  JournalWriter(JournalWriter&&) noexcept;
  JournalWriter& operator=(JournalWriter&&) noexcept;
  ~JournalWriter();  // closes (with fsync) if close() was not called; never throws

  void add(const JournalBatch& batch);
  // The same from the parts, without building a JournalBatch (rank 0's hot path).
  void add(const TaskBatch& tasks, const ResultBatch& results, std::string_view host,
           std::int32_t pid);
  // When the policy says it is time, writes what is buffered and fsyncs.
  // Called by the comm loop on every pass: cheap when it is not time.
  void maybe_sync(std::chrono::steady_clock::time_point now);
  // Writes everything and fsyncs. Throws std::runtime_error on a write error.
  void close();

  std::uint64_t records() const { return records_; }
  std::uint64_t syncs() const { return syncs_; }

 private:
  JournalWriter() = default;
  void write_buffer();
  void sync();

  std::FILE* file_ = nullptr;
  std::string path_;
  FsyncPolicy policy_;
  Bytes buffer_;
  std::uint64_t records_ = 0;
  std::uint64_t records_at_sync_ = 0;
  std::chrono::steady_clock::time_point last_sync_{};
  std::uint64_t syncs_ = 0;
};

// Makes a rename or a new file in `path`'s directory durable (best effort:
// some file systems refuse fsync on a directory; the data itself is synced).
void sync_parent_directory(const std::string& path);

// What a journal holds, found by reading it through once.
struct JournalScan {
  std::uint32_t version = 0;
  std::string fingerprint;
  std::uint64_t batches = 0;
  std::uint64_t tasks = 0;
  std::uint64_t failed = 0;
  std::uint64_t valid_bytes = 0;  // where the last whole record ends
  bool torn_tail = false;         // a partial last record was found after valid_bytes
  // Every batch's first id, task count and byte offset, sorted by first id:
  // enough to skip finished work and to replay batches in id order.
  struct Entry {
    std::uint64_t first_id = 0;
    std::uint32_t count = 0;
    std::uint64_t offset = 0;
  };
  std::vector<Entry> entries;
};

// Reads the whole journal. Throws InputError "<path>: <what>" for a missing or
// unreadable file, a foreign file (bad magic), another version, a damaged
// header, a damaged record that is not the last one, or two batches that
// cover the same task. A torn last record is not an error: torn_tail says so.
JournalScan scan_journal(const std::string& path);

// drover journal repair: keeps every whole record before the first damaged
// one and moves the rest, byte for byte, to FILE.damaged (or .damaged.N), so
// a run can resume from what is whole and nothing is deleted. A journal with
// nothing to move is left as it is (moved_bytes 0). Throws InputError for a
// file that is no journal (bad header) or cannot be rewritten.
struct JournalRepair {
  std::uint64_t batches = 0;
  std::uint64_t tasks = 0;
  std::uint64_t kept_bytes = 0;
  std::uint64_t moved_bytes = 0;
  std::string moved_to;
  std::string damage;  // why the first bad record is bad; empty for a torn tail
};
JournalRepair repair_journal(const std::string& path);

// Reads the batch at `offset` (an Entry's) of a scanned journal.
JournalBatch read_journal_batch(const std::string& path, std::uint64_t offset);

// Parses a journal held in memory, for the fuzzer: same checks as scan_journal,
// calling `each` for every whole batch. Throws InputError.
JournalScan parse_journal(const std::string& bytes,
                          const std::function<void(const JournalBatch&)>& each);

}  // namespace drover
