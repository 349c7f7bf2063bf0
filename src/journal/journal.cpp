// Writing the journal: buffered appends of whole records, fsynced by count, by time and at close.
#include "journal/journal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "journal/journal_codec.hpp"
#include "model/errors.hpp"

namespace drover {
namespace {

// Records reach the file in blocks of about this size between syncs.
constexpr std::size_t kWriteThreshold = std::size_t{1} << 20;
// Magic, version, fingerprint length, CRC: no journal is shorter.
constexpr std::uint64_t kMinHeaderBytes = 8 + 4 + 4 + 4;

// After a failed write the file's tail is unknown (at worst a torn record,
// which the reader drops), so the writer closes and refuses further work.
[[noreturn]] void fail_write(std::FILE*& file, const std::string& path, int error) {
  if (file != nullptr) std::fclose(std::exchange(file, nullptr));
  throw std::runtime_error(path + ": cannot write journal: " + std::strerror(error));
}

// What a path that is not a regular file is, for the error that refuses it.
const char* file_type(mode_t mode) {
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISDIR(mode)) return "a directory";
  return "a special file";
}

}  // namespace

// A new file's name is durable only once its directory is synced.
void sync_parent_directory(const std::string& path) {
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// One run writes a journal at a time: two appending together would
// interleave records and leave tasks recorded twice, unresumable. The lock
// lives as long as the file is open; the kernel drops it if the process dies.
static void lock_journal(std::FILE*& file, const std::string& path) {
  if (::flock(::fileno(file), LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    std::fclose(file);
    file = nullptr;  // the writer being built must not close it again
    throw InputError(path + (error == EWOULDBLOCK
                                 ? ": journal is in use by another drover run"
                                 : ": cannot lock journal: " + std::string(std::strerror(error))));
  }
}

JournalWriter JournalWriter::create(const std::string& path, const std::string& fingerprint,
                                    FsyncPolicy policy) {
  JournalWriter w;
  w.path_ = path;
  w.policy_ = policy;
  journal_detail::append_header(fingerprint, w.buffer_);
  // Locked before it is emptied: "w" would truncate another run's journal first.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  w.file_ = fd < 0 ? nullptr : ::fdopen(fd, "r+b");
  if (w.file_ == nullptr) {
    if (fd >= 0) ::close(fd);
    throw InputError(path + ": cannot create journal: " + std::strerror(errno));
  }
  // A journal is truncated, appended, synced and read back: only a regular file
  // does all that (ftruncate on /dev/full fails with a bare "Invalid argument").
  struct stat info {};
  if (::fstat(fd, &info) == 0 && !S_ISREG(info.st_mode)) {
    std::fclose(std::exchange(w.file_, nullptr));
    throw InputError(path + ": is " + file_type(info.st_mode) +
                     ", not a regular file: a journal must be a regular file");
  }
  lock_journal(w.file_, path);
  if (::ftruncate(fd, 0) != 0) {
    throw InputError(path + ": cannot create journal: " + std::strerror(errno));
  }
  std::setvbuf(w.file_, nullptr, _IONBF, 0);  // buffer_ is the buffer: no second copy in stdio
  try {
    w.sync();  // a resume after an early crash finds a whole header, not an empty file
  } catch (const std::runtime_error& e) {
    throw InputError(e.what());
  }
  sync_parent_directory(path);
  w.last_sync_ = std::chrono::steady_clock::now();
  return w;
}

JournalWriter JournalWriter::append(const std::string& path, std::uint64_t valid_bytes,
                                    FsyncPolicy policy) {
  if (valid_bytes < kMinHeaderBytes) {
    throw std::invalid_argument(path + ": journal valid_bytes shorter than any header");
  }
  JournalWriter w;
  w.path_ = path;
  w.policy_ = policy;
  w.file_ = std::fopen(path.c_str(), "r+be");
  if (w.file_ == nullptr) {
    throw InputError(path + ": cannot open journal: " + std::strerror(errno));
  }
  lock_journal(w.file_, path);
  std::setvbuf(w.file_, nullptr, _IONBF, 0);
  const int fd = ::fileno(w.file_);
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    throw InputError(path + ": cannot open journal: " + std::strerror(errno));
  }
  // Growing the file here would append records after zeros: it changed since the scan.
  if (static_cast<std::uint64_t>(info.st_size) < valid_bytes) {
    throw InputError(path + ": journal is shorter than when it was read");
  }
  if (::ftruncate(fd, static_cast<off_t>(valid_bytes)) != 0 ||
      std::fseek(w.file_, 0, SEEK_END) != 0) {
    throw InputError(path + ": cannot write journal: " + std::strerror(errno));
  }
  try {
    w.sync();  // the torn tail is gone for good before new records follow the cut
  } catch (const std::runtime_error& e) {
    throw InputError(e.what());
  }
  w.last_sync_ = std::chrono::steady_clock::now();
  return w;
}

JournalWriter::JournalWriter(JournalWriter&& other) noexcept
    : file_(std::exchange(other.file_, nullptr)),
      path_(std::move(other.path_)),
      policy_(other.policy_),
      buffer_(std::move(other.buffer_)),
      records_(other.records_),
      records_at_sync_(other.records_at_sync_),
      last_sync_(other.last_sync_),
      syncs_(other.syncs_) {}

JournalWriter& JournalWriter::operator=(JournalWriter&& other) noexcept {
  if (this == &other) return *this;
  if (file_ != nullptr) {
    try {
      close();
    } catch (...) {  // as in the destructor: noexcept, and ours is being replaced
    }
  }
  file_ = std::exchange(other.file_, nullptr);
  path_ = std::move(other.path_);
  policy_ = other.policy_;
  buffer_ = std::move(other.buffer_);
  records_ = other.records_;
  records_at_sync_ = other.records_at_sync_;
  last_sync_ = other.last_sync_;
  syncs_ = other.syncs_;
  return *this;
}

JournalWriter::~JournalWriter() {
  if (file_ == nullptr) return;
  try {
    close();
  } catch (...) {  // a destructor must not throw; close() is where errors are reported
  }
}

void JournalWriter::add(const JournalBatch& batch) {
  add(batch.tasks, batch.results, batch.host, batch.pid);
}

void JournalWriter::add(const TaskBatch& tasks, const ResultBatch& results, std::string_view host,
                        std::int32_t pid) {
  if (file_ == nullptr) throw std::logic_error(path_ + ": journal add after close or failure");
  journal_detail::append_record(tasks, results, host, pid, buffer_);
  ++records_;
  if (buffer_.size() >= kWriteThreshold) write_buffer();
}

void JournalWriter::maybe_sync(std::chrono::steady_clock::time_point now) {
  // The comm loop calls this every idle millisecond: with nothing new it is a no-op.
  if (file_ == nullptr || records_ == records_at_sync_) return;
  const bool by_count =
      policy_.every_records != 0 && records_ - records_at_sync_ >= policy_.every_records;
  const bool by_time =
      policy_.every_interval.count() != 0 && now - last_sync_ >= policy_.every_interval;
  if (!by_count && !by_time) return;
  sync();
  last_sync_ = now;
}

void JournalWriter::close() {
  if (file_ == nullptr) return;
  sync();
  if (std::fclose(std::exchange(file_, nullptr)) != 0) {
    throw std::runtime_error(path_ + ": cannot write journal: " + std::strerror(errno));
  }
}

void JournalWriter::write_buffer() {
  if (buffer_.empty()) return;
  if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
    buffer_.clear();
    fail_write(file_, path_, errno);
  }
  buffer_.clear();
}

// fsync, not just fflush: on NFS and after a machine crash only synced data is there.
void JournalWriter::sync() {
  write_buffer();
  if (std::fflush(file_) != 0 || ::fsync(::fileno(file_)) != 0) fail_write(file_, path_, errno);
  ++syncs_;
  records_at_sync_ = records_;
}

}  // namespace drover
