// The exec kind's task input and result, and their byte encodings (wire, journal, task files).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace drover {

// One command: `cmd` through /bin/sh -c, or `argv` with no shell (exactly one
// of them is non-empty), and how to run it.
struct ExecInput {
  std::string cmd;
  // Byte offsets in cmd, ascending, where the rank that runs it writes the
  // task's slot number (GNU parallel's {%}, known only there).
  std::vector<std::uint32_t> slot_at;
  std::vector<std::string> argv;
  std::string cwd;                                       // empty: drover's own
  std::vector<std::pair<std::string, std::string>> env;  // added to the task's environment
  double timeout_seconds = 0;                            // 0: the run's --timeout, if any
  std::uint32_t cores = 1;                               // slots it takes on its rank
  bool operator==(const ExecInput&) const = default;
};

// What a command did: its row's value (the exit code) and the figures beside it.
// Failed commands have one too, so a row says "exit 3" and how long it ran.
struct ExecOutput {
  std::int32_t exit_code = -1;  // -1 when it did not exit (a signal, or it never started)
  std::int32_t signal = 0;      // the signal that ended it, 0 if none
  double wall_seconds = 0;
  double user_seconds = 0;
  double system_seconds = 0;
  std::int64_t max_rss_kib = 0;
  std::string captured;  // the last --capture bytes of its stdout
  bool operator==(const ExecOutput&) const = default;
};

// The run's settings for every exec task (the CLI's flags), the same on every
// rank: IoBatch::settings() bytes.
struct ExecSettings {
  std::uint32_t slots = 0;        // commands at once per rank; 0: the rank's pool threads
  double timeout_seconds = 0;     // for tasks without their own; 0: none
  double kill_grace_seconds = 2;  // SIGTERM, then this long, then SIGKILL
  bool tag = false;               // prefix each output line with the task id and a tab
  bool stdout_to_stderr = false;  // the rows are on stdout: task lines go to stderr
  std::string task_output;        // a directory for per-task out/err files; empty: none
  std::uint64_t capture = 0;      // keep the last N bytes of stdout in the row
  bool operator==(const ExecSettings&) const = default;
};

// Throw std::invalid_argument on bytes that are not an encoding.
void encode_exec_input(const ExecInput& in, std::string& out);
ExecInput decode_exec_input(std::span<const char> bytes);
void encode_exec_output(const ExecOutput& out, std::string& bytes);
ExecOutput decode_exec_output(std::span<const char> bytes);
void encode_exec_settings(const ExecSettings& settings, std::string& bytes);
// Empty bytes give the defaults.
ExecSettings decode_exec_settings(std::span<const char> bytes);

// Where --task-output puts task `id`'s out and err files: DIR/<id / 1000>/<id>,
// so no directory holds more than a thousand task directories (and the top
// one a thousandth of the tasks).
std::string exec_task_output_dir(const std::string& root, std::uint64_t id);

// The shell command line a row, the joblog and messages show for a task:
// `cmd` as given, or argv quoted for /bin/sh.
std::string exec_command_line(const ExecInput& in);
// The slots a task takes (its cores), read from the encoded input alone.
std::uint32_t exec_cores(std::span<const char> bytes);

}  // namespace drover
