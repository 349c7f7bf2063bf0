// Everything `drover run` was asked to do, as parsed and validated by the CLI.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "journal/journal.hpp"
#include "kinds/exec_codec.hpp"
#include "model/task_source.hpp"
#include "outputs/sinks.hpp"

namespace drover {

// --halt (GNU parallel's): stop dispatching once `failures` tasks failed, or
// once `percent` of the finished tasks did (from the third on); `now` also
// ends the tasks in flight.
struct HaltRule {
  bool now = false;
  std::uint64_t failures = 0;  // 0: by percent
  double percent = 0;
  std::string text;  // as given, for the summary
};

struct RunOptions {
  std::optional<Generator> generator;  // a generated workload, or ...
  std::string tasks_file;              // ... a JSON Lines task file
  std::string output;                  // result file; empty: summary only
  OutputFormat format = OutputFormat::jsonl;
  bool ordered = true;                              // map semantics; --unordered streams
  std::uint32_t batch = 0;                          // 0: automatic
  unsigned threads = 0;                             // 0: SLURM_CPUS_PER_TASK or cores per rank
  std::uint32_t io_window = 100'000;                // downloads in flight per rank
  std::uint32_t order_buffer_mib = 32;              // --order-buffer: results waiting for the order
  bool announce = true;                             // download start/finish lines
  std::vector<Column> columns = default_columns();  // result row fields, in order
  bool columns_given = false;  // --columns: else a run of commands adds their figures
  // Commands (README: Running commands): drover run exec --commands FILE, or a
  // template and the argument lists after it (GNU parallel's ::: and ::::).
  std::string commands_file;
  std::string command_template;
  std::vector<std::string> arg_words;  // from the first ::: or :::: on
  ExecSettings exec;                   // --slots, --timeout, --tag, --task-output, --capture
  std::string joblog;                  // --joblog FILE: GNU parallel's format
  std::optional<HaltRule> halt;        // --halt soon,fail=N
  // Reliability (README: Reliability)
  std::string journal;              // --journal FILE; empty: none
  bool resume = false;              // --resume: continue the journal's run
  bool retry_failed = false;        // --retry-failed: with --resume, run its failed tasks again
  FsyncPolicy fsync;                // --fsync-every / --fsync-interval
  std::uint32_t retries = 0;        // --retries N
  std::uint32_t exclude_after = 3;  // --exclude-after N
  // Clean stop (README: Running on clusters)
  std::optional<std::chrono::seconds> time_limit;  // --time-limit; else Slurm's, when known
  std::chrono::seconds stop_before{60};            // stop dispatching this long before it
  std::chrono::seconds grace{20};                  // then wait this long for work in flight
  // Watching a run (README: Experiments)
  std::string trace;         // --trace FILE: Chrome trace-event JSON
  std::string summary_json;  // --summary-json FILE: the summary as one JSON object
  // --progress SECONDS: a plain line that often; else a live line when stderr is a terminal.
  std::optional<std::chrono::seconds> progress_every;
};

}  // namespace drover
