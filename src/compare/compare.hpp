// drover compare: the same work as serial, threads, processes and both, side by side.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/task.hpp"
#include "model/task_source.hpp"

namespace drover {

// `drover compare [options]`: argv[1] is "compare". Runs drover itself
// (/proc/self/exe) once per configuration and repetition, prints the table,
// and returns the exit code: 0, 2 for bad options (one line on stderr), 3 when
// a run failed or timed out (its last output on stderr).
int compare_main(int argc, const char* const argv[]);

namespace compare {

// One way of running the work.
struct Configuration {
  std::string name;            // serial, async lane, threads, processes, both
  unsigned ranks = 1;          // > 1: under mpirun
  unsigned threads = 1;        // pool threads per rank
  bool one_at_a_time = false;  // --io-window 1: the serial row of an IO kind
  bool operator==(const Configuration&) const = default;
};

// The work of one kind, as drover run's options give it.
struct Workload {
  bool cpu_bound = true;  // crunch; false: download
  std::uint64_t tasks = 0;
  std::int64_t count = 0;  // crunch: increments per task
  double min_seconds = 0;  // download durations
  double max_seconds = 0;
  std::uint64_t seed = 1;
  Generator generator() const;
  KindId kind() const;
  Lane lane() const;
  const std::string& kind_name() const;
  std::string describe() const;  // "16 crunch tasks of 200000000 increments (CPU-bound)"
};

struct Options {
  bool help = false;
  std::vector<Workload> workloads;  // in --kinds order
  unsigned ranks = 0;               // R; default: cores
  unsigned threads = 0;             // T; default: cores
  unsigned repeat = 3;              // K: each figure is the median of K runs
  unsigned cores = 1;               // what this process may run on
  unsigned timeout_seconds = 600;   // per run
  std::string csv;                  // --csv FILE; empty: none
  std::string mpirun;               // --mpirun PATH; empty: found on PATH
};

// `cores` is the machine's, for the defaults and the help. Throws InputError
// with a one-line message on any bad option.
Options parse_options(const std::vector<std::string>& args, unsigned cores);
std::string help_text(unsigned cores);

// serial (1 x 1), then threads (1 x T), processes (R x 1), both (R x T); for
// IO kinds serial is one download at a time and "async lane" (1 x 1, the lane
// free to overlap) follows it. Rows equal to an earlier one are left out
// (R = 1 or T = 1).
std::vector<Configuration> configurations(Lane lane, unsigned ranks, unsigned threads);

// `drover run ...` for one configuration, writing its summary to `summary_json`.
std::vector<std::string> run_arguments(const Workload& work, const Configuration& config,
                                       const std::string& summary_json);
// The whole command: timeout, then mpirun when ranks > 1 (--quiet,
// --oversubscribe, --bind-to none so a rank's threads may use every core),
// then drover with `arguments`.
std::vector<std::string> command_line(const std::string& drover, const std::string& mpirun,
                                      const Configuration& config,
                                      const std::vector<std::string>& arguments,
                                      unsigned timeout_seconds, bool as_root);

// One run's times: drover's own (first dispatch to last result, from its
// summary) and the whole process (spawn to exit, MPI start-up included).
struct Measurement {
  double drover_seconds = 0;
  double whole_seconds = 0;
};

// Median, min and max of repeated measurements.
struct Stat {
  double median = 0, min = 0, max = 0;
  static Stat of(std::vector<double> values);
};

struct Row {
  Configuration config;
  unsigned workers = 1;     // ranks x threads
  unsigned cores_used = 1;  // min(workers, cores)
  bool oversubscribed = false;
  Stat drover, whole;
  double speedup = 1;                // serial's drover median over this row's
  std::optional<double> efficiency;  // speedup / cores used; CPU kinds only
  std::string why;                   // one line: why the row looks this way
};

// Rows from each configuration's measurements (same order; the first is the
// serial baseline). Throws std::invalid_argument when they do not match.
std::vector<Row> make_rows(const Workload& work, const std::vector<Configuration>& configs,
                           const std::vector<std::vector<Measurement>>& measurements,
                           unsigned cores);
std::string explain(const Workload& work, const Row& row, unsigned cores);

std::string format_table(const Workload& work, const std::vector<Row>& rows, unsigned repeat);
// One header line, then one line per row of every workload.
std::string csv_header();
std::string csv_rows(const Workload& work, const std::vector<Row>& rows);

}  // namespace compare
}  // namespace drover
