// Reading journals: one pass over a file or a buffer, telling a torn last record from damage.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "journal/journal_codec.hpp"
#include "model/errors.hpp"

namespace drover {
namespace journal_detail {
namespace {

template <class T>
T load(std::span<const char> bytes, std::size_t at) {
  T value;
  std::memcpy(&value, bytes.data() + at, sizeof(T));
  return value;
}

// Journals can be gigabytes: read through a window of at least `chunk` bytes,
// reused, so a pass over small records costs one pread per chunk.
class FileSource final : public ByteSource {
 public:
  FileSource(const std::string& path, std::size_t chunk) : path_(path), chunk_(chunk) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw InputError(path + ": cannot open journal: " + std::strerror(errno));
    struct stat info {};
    const bool stat_failed = ::fstat(fd_, &info) != 0;
    const int error = errno;
    if (stat_failed || S_ISDIR(info.st_mode)) {
      ::close(fd_);  // no destructor runs for a constructor that throws
      if (stat_failed) throw InputError(path + ": cannot open journal: " + std::strerror(error));
      throw InputError(path + ": is a directory");
    }
    size_ = static_cast<std::uint64_t>(info.st_size);
  }
  ~FileSource() override { ::close(fd_); }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  std::uint64_t size() const override { return size_; }

  std::span<const char> read(std::uint64_t offset, std::size_t n) override {
    if (offset < window_at_ || offset + n > window_at_ + window_.size()) {
      const std::size_t want =
          static_cast<std::size_t>(std::min<std::uint64_t>(std::max(n, chunk_), size_ - offset));
      window_.resize(want);
      window_at_ = offset;
      for (std::size_t done = 0; done < want;) {
        const ssize_t got =
            ::pread(fd_, window_.data() + done, want - done, static_cast<off_t>(offset + done));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) fail_read(errno);
        if (got == 0) fail_read(0);  // the file shrank under us
        done += static_cast<std::size_t>(got);
      }
    }
    return std::span<const char>(window_).subspan(offset - window_at_, n);
  }

 private:
  [[noreturn]] void fail_read(int error) {
    window_.clear();
    throw InputError(path_ + ": read error: " +
                     (error == 0 ? std::string("file shrank while read") : std::strerror(error)));
  }

  std::string path_;
  std::size_t chunk_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  Bytes window_;
  std::uint64_t window_at_ = 0;
};

class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::span<const char> bytes) : bytes_(bytes) {}
  std::uint64_t size() const override { return bytes_.size(); }
  std::span<const char> read(std::uint64_t offset, std::size_t n) override {
    return bytes_.subspan(offset, n);
  }

 private:
  std::span<const char> bytes_;
};

// File systems can leave zero-filled blocks at the end of a file after a crash
// (the size was updated, the data never written): that is a torn tail too.
bool zeros_to_end(ByteSource& in, std::uint64_t offset) {
  constexpr std::uint64_t kStep = std::uint64_t{1} << 20;
  for (std::uint64_t at = offset; at < in.size(); at += kStep) {
    const auto bytes = in.read(at, static_cast<std::size_t>(std::min(kStep, in.size() - at)));
    if (std::any_of(bytes.begin(), bytes.end(), [](char c) { return c != 0; })) return false;
  }
  return true;
}

InputError damaged(const std::string& name, std::uint64_t offset, const char* why) {
  return InputError(name + ": record at byte " + std::to_string(offset) + " is damaged (" + why +
                    ")");
}

// Reads the header into `scan` and returns where the records start.
std::uint64_t read_header(ByteSource& in, const std::string& name, JournalScan& scan) {
  const std::uint64_t size = in.size();
  if (size < sizeof kMagic ||
      !std::equal(std::begin(kMagic), std::end(kMagic), in.read(0, sizeof kMagic).begin())) {
    throw InputError(name + ": not a drover journal");
  }
  const auto damaged_header = [&] { return InputError(name + ": journal header is damaged"); };
  if (size < 12) throw damaged_header();
  // The version first: another version may lay out the rest differently.
  scan.version = load<std::uint32_t>(in.read(8, 4), 0);
  if (scan.version != kJournalVersion) {
    // Version 2 held the closed model's three kinds; its records cannot be
    // read as registry positions and bytes without guessing.
    const std::string hint = scan.version < kJournalVersion
                                 ? ": written by an older drover; finish its run with that drover, "
                                   "or start a new journal"
                                 : ": written by a newer drover";
    throw InputError(name + ": journal version " + std::to_string(scan.version) +
                     ", this drover reads version " + std::to_string(kJournalVersion) + hint);
  }
  if (size < 16) throw damaged_header();
  const auto length = load<std::uint32_t>(in.read(12, 4), 0);
  if (length > kMaxFingerprintBytes || size - 16 < std::uint64_t{length} + 4) {
    throw damaged_header();
  }
  const std::size_t covered = 16 + std::size_t{length};
  const auto bytes = in.read(0, covered + 4);
  if (crc32(bytes.first(covered)) != load<std::uint32_t>(bytes, covered)) throw damaged_header();
  scan.fingerprint.assign(bytes.data() + 16, length);
  return covered + 4;
}

// Entries sorted by first id; no task in two of them.
void sort_and_check_entries(const std::string& name, std::vector<JournalScan::Entry>& entries) {
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return a.first_id != b.first_id ? a.first_id < b.first_id : a.offset < b.offset;
  });
  std::uint64_t covered_to = 0;  // one past the highest id seen so far
  for (const JournalScan::Entry& e : entries) {
    const std::uint64_t end = e.first_id + e.count;
    if (e.count != 0 && e.first_id < covered_to) {
      throw InputError(name + ": tasks " + std::to_string(e.first_id) + ".." +
                       std::to_string(std::min(end, covered_to) - 1) + " appear twice");
    }
    covered_to = std::max(covered_to, end);
  }
}

}  // namespace

JournalScan scan_source(ByteSource& in, const std::string& name,
                        const std::function<void(const JournalBatch&)>& each,
                        std::string* damage_found) {
  JournalScan scan;
  std::uint64_t offset = read_header(in, name, scan);
  const std::uint64_t size = in.size();
  JournalBatch batch;  // reused: its vectors keep their capacity from record to record
  // A damaged record is a torn tail only when nothing meaningful follows it.
  const auto damage = [&](const char* why) {
    if (!zeros_to_end(in, offset)) {
      if (damage_found == nullptr) throw damaged(name, offset, why);
      *damage_found = why;
    }
    scan.torn_tail = true;
  };
  while (offset < size) {
    const std::uint64_t rest = size - offset;
    if (rest < kRecordHeaderBytes) {  // a crash mid-write of the record header
      scan.torn_tail = true;
      break;
    }
    const auto head = in.read(offset, kRecordHeaderBytes);
    const auto length = load<std::uint32_t>(head, 0);
    const auto crc = load<std::uint32_t>(head, 8);
    // A whole header with a bad length is damage (or zeros after a crash),
    // never a torn payload: only a length that checks out may run past the end.
    if (crc32(head.subspan(0, 4)) != load<std::uint32_t>(head, 4)) {
      damage("length checksum mismatch");
      break;
    }
    if (length > kMaxRecordBytes) {  // the writer never makes one: damage, not a torn write
      damage("impossible length");
      break;
    }
    if (length > rest - kRecordHeaderBytes) {  // a crash mid-write of the payload
      scan.torn_tail = true;
      break;
    }
    const auto payload = in.read(offset + kRecordHeaderBytes, length);
    if (crc32(payload) != crc) {
      if (length == rest - kRecordHeaderBytes) {
        scan.torn_tail = true;  // the last record, partly written
      } else {
        damage("checksum mismatch");
      }
      break;
    }
    try {
      decode_payload(payload, batch);
    } catch (const RecordError& e) {
      damage(e.what());  // a good checksum over a bad batch: a writer bug, not a torn write
      break;
    }
    scan.entries.push_back(
        {batch.tasks.first_id, static_cast<std::uint32_t>(batch.tasks.size()), offset});
    ++scan.batches;
    scan.tasks += batch.tasks.size();
    scan.failed += batch.results.failures.size();
    each(batch);
    offset += kRecordHeaderBytes + length;
  }
  scan.valid_bytes = offset;
  sort_and_check_entries(name, scan.entries);
  return scan;
}

void read_record(ByteSource& in, const std::string& name, std::uint64_t offset,
                 JournalBatch& batch) {
  const std::uint64_t size = in.size();
  if (offset > size || size - offset < kRecordHeaderBytes) {
    throw damaged(name, offset, "past the end of the journal");
  }
  const auto head = in.read(offset, kRecordHeaderBytes);
  const auto length = load<std::uint32_t>(head, 0);
  const auto crc = load<std::uint32_t>(head, 8);
  if (crc32(head.subspan(0, 4)) != load<std::uint32_t>(head, 4)) {
    throw damaged(name, offset, "length checksum mismatch");
  }
  if (length > kMaxRecordBytes || length > size - offset - kRecordHeaderBytes) {
    throw damaged(name, offset, "past the end of the journal");
  }
  const auto payload = in.read(offset + kRecordHeaderBytes, length);
  if (crc32(payload) != crc) throw damaged(name, offset, "checksum mismatch");
  try {
    decode_payload(payload, batch);
  } catch (const RecordError& e) {
    throw damaged(name, offset, e.what());
  }
}

}  // namespace journal_detail

JournalScan scan_journal(const std::string& path) {
  journal_detail::FileSource in(path, std::size_t{1} << 20);
  return journal_detail::scan_source(in, path, [](const JournalBatch&) {});
}

JournalBatch read_journal_batch(const std::string& path, std::uint64_t offset) {
  journal_detail::FileSource in(path, 0);  // exact reads: one record, not a chunk
  JournalBatch batch;
  journal_detail::read_record(in, path, offset, batch);
  return batch;
}

JournalScan parse_journal(const std::string& bytes,
                          const std::function<void(const JournalBatch&)>& each) {
  journal_detail::MemorySource in(bytes);
  return journal_detail::scan_source(in, "journal", each);
}

JournalRepair repair_journal(const std::string& path) {
  JournalRepair repair;
  std::uint64_t size = 0;
  {
    journal_detail::FileSource in(path, std::size_t{1} << 20);
    size = in.size();
    const JournalScan scan = journal_detail::scan_source(
        in, path, [](const JournalBatch&) {}, &repair.damage);
    repair.batches = scan.batches;
    repair.tasks = scan.tasks;
    repair.kept_bytes = scan.valid_bytes;
  }
  if (repair.kept_bytes == size) return repair;  // whole: nothing to move
  // The tail goes to a file of its own first, fsynced, and only then is the
  // journal cut: a crash in between leaves the bytes in both, never in none.
  repair.moved_to = path + ".damaged";
  for (int n = 1; std::filesystem::exists(repair.moved_to); ++n) {
    repair.moved_to = path + ".damaged." + std::to_string(n);
  }
  repair.moved_bytes = size - repair.kept_bytes;
  const auto fail = [&](const std::string& what) {
    return InputError(path + ": " + what + ": " + std::strerror(errno));
  };
  const int from = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (from < 0) throw fail("cannot open journal for repair");
  const int to = ::open(repair.moved_to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (to < 0) {
    ::close(from);
    throw fail("cannot create " + repair.moved_to);
  }
  Bytes chunk(std::size_t{1} << 20);
  bool ok = true;
  for (std::uint64_t at = repair.kept_bytes; ok && at < size;) {
    const ssize_t got = ::pread(from, chunk.data(), chunk.size(), static_cast<off_t>(at));
    ok = got > 0 && ::write(to, chunk.data(), static_cast<std::size_t>(got)) == got;
    at += got > 0 ? static_cast<std::uint64_t>(got) : 0;
  }
  ok = ok && ::fsync(to) == 0;
  ::close(to);
  ok = ok && ::ftruncate(from, static_cast<off_t>(repair.kept_bytes)) == 0 && ::fsync(from) == 0;
  ::close(from);
  if (!ok) throw fail("repair failed (the journal is as it was, or cut after its tail was saved)");
  return repair;
}

}  // namespace drover
