// GNU parallel's --joblog format, exactly, so tooling written for it keeps working.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace drover {

// The header line GNU parallel writes first (tab-separated, with "\n").
inline constexpr std::string_view kJoblogHeader =
    "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n";

// One finished task, in GNU parallel's columns.
struct JoblogRow {
  std::uint64_t seq = 0;  // GNU's {#}: 1-based
  std::string_view host;  // GNU writes ":" for the local machine, else the sshlogin
  std::chrono::system_clock::time_point start;
  std::chrono::nanoseconds runtime{0};
  std::uint64_t send = 0;     // bytes sent to the task (GNU: --transfer, --pipe)
  std::uint64_t receive = 0;  // bytes of the task's stdout (GNU counts stdout only)
  int exit_value = 0;         // GNU: -1 for a task it killed on --timeout
  int signal = 0;             // the signal that ended the task, else 0
  std::string_view command;
};

// Appends one row with its "\n", byte for byte as GNU parallel 20221122:
//   Starttime   seconds since the epoch with 3 decimals, rounded to the
//               millisecond (its "%.3f"): 1796166206.029
//   JobRuntime  truncated to the millisecond (its int(x*1000)/1000), right-
//               aligned in 10 columns ("%10.3f"): "     0.020"; longer when
//               the runtime needs it; a negative one counts as 0
//   Command     newlines written as NUL bytes (so a row stays one line);
//               tabs as they are
void append_joblog_row(std::string& out, const JoblogRow& row);
std::string joblog_row(const JoblogRow& row);

// Writes a joblog: buffered, so a row costs no system call; flush() hands
// the rows to the kernel (the caller flushes when a batch ends and before
// exit). The file is opened close-on-exec so no task inherits it.
class JoblogWriter {
 public:
  enum class Mode {
    truncate,  // a new log: the header, then rows (GNU's --joblog FILE)
    append,    // rows after the existing ones, no header (GNU's --joblog +FILE)
  };
  // `path` "-" is stdout (GNU's --joblog -). InputError if it cannot be opened.
  JoblogWriter(const std::string& path, Mode mode);
  ~JoblogWriter();  // flushes; an error there is lost, so flush() first
  JoblogWriter(const JoblogWriter&) = delete;
  JoblogWriter& operator=(const JoblogWriter&) = delete;

  void write(const JoblogRow& row);
  // std::runtime_error naming the file if the write fails (disk full).
  void flush();

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  bool owns_fd_ = false;
  std::string buffer_;
};

}  // namespace drover
