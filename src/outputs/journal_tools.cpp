// Journal inspection: a summary of what a journal holds, and its rows exported through a sink.
#include "outputs/journal_tools.hpp"

#include <cinttypes>
#include <optional>
#include <vector>

#include "journal/fingerprint.hpp"
#include "journal/journal.hpp"
#include "model/errors.hpp"
#include "outputs/report.hpp"

namespace drover {
namespace {

// Ranges listed before the rest are only counted.
constexpr std::size_t kRangesListed = 10;

struct IdRange {
  std::uint64_t first = 0;
  std::uint64_t end = 0;  // one past the last id
};

// Entries are sorted by first id and never overlap (scan_journal checks), so
// runs of adjacent batches merge into one range.
std::vector<IdRange> covered_ranges(const JournalScan& scan) {
  std::vector<IdRange> ranges;
  for (const JournalScan::Entry& entry : scan.entries) {
    if (entry.count == 0) continue;
    const std::uint64_t end = entry.first_id + entry.count;
    if (!ranges.empty() && ranges.back().end == entry.first_id) {
      ranges.back().end = end;
    } else {
      ranges.push_back({entry.first_id, end});
    }
  }
  return ranges;
}

// "7" or "0..4095".
std::string range_text(const IdRange& range) {
  if (range.end - range.first == 1) return std::to_string(range.first);
  return std::to_string(range.first) + ".." + std::to_string(range.end - 1);
}

// "ids 0..99999 complete", "ids 0..4095, 8192..9999 (2 ranges)", ...; a
// generated run knows its total, so it can say what is missing.
std::string describe_ranges(const std::vector<IdRange>& ranges, std::uint64_t tasks,
                            std::optional<std::uint64_t> total) {
  if (ranges.empty()) return "ids: none";
  if (total && ranges.size() == 1 && ranges[0].first == 0 && ranges[0].end == *total) {
    return "ids " + range_text(ranges[0]) + " complete";
  }
  std::string text = "ids ";
  for (std::size_t i = 0; i < ranges.size() && i < kRangesListed; ++i) {
    if (i > 0) text += ", ";
    text += range_text(ranges[i]);
  }
  if (ranges.size() > kRangesListed) {
    text += ", +" + std::to_string(ranges.size() - kRangesListed) + " more";
  }
  text += " (" + std::to_string(ranges.size()) + (ranges.size() == 1 ? " range" : " ranges");
  if (total && *total >= tasks) {
    text +=
        "; " + std::to_string(*total - tasks) + " of " + std::to_string(*total) + " tasks not run";
  }
  return text + ")";
}

}  // namespace

void print_journal_summary(const std::string& path, std::FILE* out) {
  const JournalScan scan = scan_journal(path);
  const std::optional<Generator> generator = generator_from_fingerprint(scan.fingerprint);
  std::fprintf(out, "journal: %s\n", path.c_str());
  std::fprintf(out, "  format version: %" PRIu32 "\n", scan.version);
  std::fprintf(out, "  fingerprint: %s\n", scan.fingerprint.c_str());
  std::fprintf(out, "  batches: %" PRIu64 ", tasks: %" PRIu64 ", failed: %" PRIu64 "\n",
               scan.batches, scan.tasks, scan.failed);
  std::optional<std::uint64_t> total;
  if (generator) total = generator->total;
  std::fprintf(out, "  %s\n", describe_ranges(covered_ranges(scan), scan.tasks, total).c_str());
  if (scan.torn_tail) {
    std::fprintf(out,
                 "  ends in a torn record after byte %" PRIu64
                 " (a write cut short); --resume drops it\n",
                 scan.valid_bytes);
  } else {
    std::fprintf(out, "  ends cleanly (no torn record)\n");
  }
}

void export_journal(const std::string& path, ResultSink& sink) {
  const JournalScan scan = scan_journal(path);
  const std::optional<Generator> generator = generator_from_fingerprint(scan.fingerprint);
  // Task-file journals hold explicit batches, which carry their own specs.
  RunReport report({}, generator.value_or(Generator{}), &sink);
  for (const JournalScan::Entry& entry : scan.entries) {
    const JournalBatch batch = read_journal_batch(path, entry.offset);
    if (batch.tasks.is_range() && !generator) {
      throw InputError(path + ": a batch of generated tasks in a journal whose fingerprint (" +
                       scan.fingerprint + ") names no generator");
    }
    report.consume_replayed(batch);
  }
}

void print_journal_repair(const std::string& path, std::FILE* out) {
  const JournalRepair r = repair_journal(path);
  if (r.moved_bytes == 0) {
    std::fprintf(out, "%s: whole, nothing to repair (%llu batches, %llu tasks)\n", path.c_str(),
                 static_cast<unsigned long long>(r.batches),
                 static_cast<unsigned long long>(r.tasks));
    return;
  }
  std::fprintf(out,
               "%s: kept %llu batches (%llu tasks, bytes 0..%llu); moved %llu bytes from there "
               "to %s (%s); --resume runs the rest\n",
               path.c_str(), static_cast<unsigned long long>(r.batches),
               static_cast<unsigned long long>(r.tasks),
               static_cast<unsigned long long>(r.kept_bytes),
               static_cast<unsigned long long>(r.moved_bytes), r.moved_to.c_str(),
               r.damage.empty() ? "a torn last record" : r.damage.c_str());
}

}  // namespace drover
