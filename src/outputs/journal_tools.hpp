// Journal inspection for people: a summary of what a journal holds, and its rows exported.
#pragma once

#include <cstdio>
#include <string>

#include "outputs/sinks.hpp"

namespace drover {

// Prints what the journal at `path` holds: its format version, fingerprint,
// batches, tasks, failed tasks, whether it ends in a torn record, and the task
// ids it covers as ranges. Throws InputError (from scan_journal) for a journal
// that cannot be read.
void print_journal_summary(const std::string& path, std::FILE* out);

// Writes one row per task of the journal at `path` to `sink`, in id order:
// the rows the original run wrote (host and pid as recorded; range batches
// rebuilt from the generator the fingerprint names). Does not close `sink`.
// Throws InputError for a journal that cannot be read, or one with range
// batches whose fingerprint names no generator.
void export_journal(const std::string& path, ResultSink& sink);
// drover journal repair: repair_journal, and one line saying what it kept and moved.
void print_journal_repair(const std::string& path, std::FILE* out);

}  // namespace drover
