// --retry-failed: a journal rewritten without its failed results, so --resume runs those tasks
// again.
#pragma once

#include <cstdint>
#include <string>

#include "journal/journal.hpp"

namespace drover {

// Rewrites the journal at `path` (as `scan` found it) keeping every batch but
// its failed tasks: a batch with failures is cut around them, and the ids it
// drops are missing from the journal, so a resumed run schedules them again.
// Writes `path`.retry beside it, fsyncs it and renames it over `path`, so a
// crash at any point leaves either journal whole. Holds `path`'s lock while
// it works (a journal in use by another run is refused). Returns the number
// of failed tasks dropped. Throws InputError naming the path.
std::uint64_t drop_failed_results(const std::string& path, const JournalScan& scan,
                                  FsyncPolicy policy);

}  // namespace drover
