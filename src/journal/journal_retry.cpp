// --retry-failed: a journal rewritten without its failed results, so --resume runs those tasks
// again.
#include "journal/journal_retry.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "model/batch_slice.hpp"
#include "model/errors.hpp"

namespace drover {

std::uint64_t drop_failed_results(const std::string& path, const JournalScan& scan,
                                  FsyncPolicy policy) {
  if (scan.failed == 0) return 0;
  // Appending nothing, but holding the lock: no other run writes meanwhile.
  JournalWriter held = JournalWriter::append(path, scan.valid_bytes, policy);
  const std::string rewritten = path + ".retry";
  std::uint64_t dropped = 0;
  try {
    JournalWriter out = JournalWriter::create(rewritten, scan.fingerprint, policy);
    for (const JournalScan::Entry& entry : scan.entries) {
      const JournalBatch batch = read_journal_batch(path, entry.offset);
      if (batch.results.failures.empty()) {
        out.add(batch);
        continue;
      }
      // Failures are sorted by index: keep the runs of tasks between them.
      std::size_t begin = 0;
      const std::size_t size = batch.tasks.size();
      auto keep = [&](std::size_t end) {
        if (end <= begin) return;
        JournalBatch piece;
        piece.host = batch.host;
        piece.pid = batch.pid;
        slice_batch(batch.tasks, batch.results, begin, end, piece.tasks, piece.results);
        out.add(piece);
      };
      for (const Failure& f : batch.results.failures) {
        keep(f.index);
        begin = f.index + 1;
        ++dropped;
      }
      keep(size);
    }
    out.close();
    if (std::rename(rewritten.c_str(), path.c_str()) != 0) {
      throw InputError(path +
                       ": cannot replace the journal for --retry-failed: " + std::strerror(errno));
    }
  } catch (...) {
    std::remove(rewritten.c_str());  // the original journal is untouched
    throw;
  }
  sync_parent_directory(path);
  held.close();
  return dropped;
}

}  // namespace drover
