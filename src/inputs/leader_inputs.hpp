// Rank 0's inputs, checked before any work: the task source, the output, the journal.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "inputs/run_options.hpp"
#include "journal/journal.hpp"
#include "launch/launch_env.hpp"
#include "model/task_source.hpp"
#include "outputs/joblog.hpp"
#include "outputs/sinks.hpp"
#include "protocol/messages.hpp"

namespace drover {

// stdin copied for --tasks-file -, so the task file's two passes (validate,
// then stream) read it as a file: an unlinked temporary file in $TMPDIR (else
// /tmp), gone with its last descriptor, open as long as this lives.
class SpooledStdin {
 public:
  SpooledStdin() = default;
  // Copies all of `fd` (stdin) to a new temporary file; throws InputError.
  static SpooledStdin copy_of(int fd);
  SpooledStdin(SpooledStdin&& other) noexcept;
  SpooledStdin& operator=(SpooledStdin&& other) noexcept;
  SpooledStdin(const SpooledStdin&) = delete;
  SpooledStdin& operator=(const SpooledStdin&) = delete;
  ~SpooledStdin();
  // A name that opens the copy afresh (/proc/self/fd/N); empty when none.
  std::string path() const;

 private:
  int fd_ = -1;
};

struct LeaderInputs {
  SpooledStdin stdin_tasks;  // --tasks-file -: what the source reads
  to_worker::Plan plan;
  std::unique_ptr<TaskSource> source;  // all tasks of the run
  std::unique_ptr<ResultSink> sink;    // null: summary only
  std::optional<JournalWriter> journal;
  std::string journal_path;
  std::vector<JournalScan::Entry> done;  // --resume: batches the journal already holds
  std::uint64_t done_tasks = 0;
  std::vector<std::string> warnings;  // printed by rank 0 before the run
  std::vector<std::string> notes;     // printed by rank 0 before the run, not warnings
  // How long the run may take from now (--time-limit, or what the Slurm job
  // has left); the leader stops dispatching stop_margin ahead of its end:
  // --stop-before, or a tenth of the limit when that is no longer (a warning says so).
  std::optional<std::chrono::seconds> time_left;
  std::chrono::milliseconds stop_margin{0};
  LaunchEnv launch;  // who started the ranks: how long a stop signal leaves (stop_grace)
  // Commands: whether the run has any (exec tasks), and the most cores one
  // asks for, which every rank's slots must hold (checked against the Hellos).
  bool commands = false;
  std::uint32_t max_cores = 0;
  std::unique_ptr<JoblogWriter> joblog;  // --joblog
};

// Opens and checks everything rank 0 reads or writes; throws InputError with
// the one-line message for the first problem: a bad task file, an unwritable
// output, a journal that exists without --resume, or one from another run.
LeaderInputs prepare_leader_inputs(const RunOptions& options);

// Whether two paths name one file: the same device and inode when both exist;
// else the same place once resolved (the parent directory through its
// symlinks, a dangling symlink to its target), so "./a" and "a", or "../d/a"
// from inside d, are one file before either is created. "-" is only "-".
bool same_file(const std::string& a, const std::string& b);

// Throws InputError when two of --output, --trace, --journal, --summary-json,
// --joblog, --tasks-file and --commands name one file (two outputs of "-" are
// both stdout; a task or commands file "-" is stdin and is compared with none).
void refuse_shared_files(const RunOptions& options);

// Opens options.journal into `in` (journal, journal_path, done, warnings,
// notes): a new journal with `fingerprint`, or with options.resume the
// existing one, whose fingerprint must match. Throws InputError naming the
// file: a directory, a journal that exists without resume, another run's.
void open_journal(const RunOptions& options, const std::string& fingerprint, LeaderInputs& in);

// What the Slurm job this process runs in has left (scontrol show job), or
// nullopt outside Slurm; a warning when it is a Slurm job and it cannot say.
std::optional<std::chrono::seconds> slurm_time_left(std::vector<std::string>& warnings);

}  // namespace drover
