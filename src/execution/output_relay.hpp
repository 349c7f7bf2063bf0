// Task output on its way to drover's stdout and stderr: whole lines, through rank 0 from the
// workers.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace drover {

// Writes whole lines to fd 2 (to_stderr) or 1, one write(2) per call under a
// process-wide lock, so two threads' lines never mix within a line. A closed
// stdout loses the lines, never the run.
void write_output_lines(bool to_stderr, std::string_view lines);

// A worker rank's task lines (and announcements) wait here for its comm
// thread, which sends them to rank 0 (from_worker::Output): rank 0 alone
// writes to the terminal or file, so under mpirun, whose forwarding of each
// rank's stdout cuts it wherever a read ends, no line is ever split or spliced
// with another rank's. Bounded: a producer waits while `limit` bytes are held
// and the relay is open, which in turn holds the tasks on their full pipes.
class OutputRelay {
 public:
  explicit OutputRelay(std::size_t limit = std::size_t{4} << 20) : limit_(limit) {}

  // Whole lines, from any thread.
  void append(bool to_stderr, std::string_view lines);
  // Swaps what is held into `out` and `err` (emptied first); true when any.
  bool take(std::string& out, std::string& err);
  // From now on appends write directly (the comm thread no longer sends).
  void close();
  // take(), waiting while nothing is held and the relay is open; false once
  // it is closed and empty.
  bool wait_take(std::string& out, std::string& err);

 private:
  std::mutex mutex_;
  std::condition_variable room_;
  std::condition_variable data_;
  std::string out_;
  std::string err_;
  std::size_t limit_;
  bool closed_ = false;
};

// Rank 0's printer: one thread that writes what the relay holds (its own
// tasks' lines and those the workers sent), so that neither the lane nor the
// comm thread waits on a slow stdout. Downloads announced through mpirun's
// stdout finished a median 0.04 s late when the lane wrote each line itself.
class LinePrinter {
 public:
  LinePrinter();
  ~LinePrinter();  // finish()
  LinePrinter(const LinePrinter&) = delete;
  LinePrinter& operator=(const LinePrinter&) = delete;

  OutputRelay& relay() { return relay_; }
  // Writes everything held, then stops the thread; later appends write directly.
  void finish();

 private:
  OutputRelay relay_;
  std::thread thread_;
};

}  // namespace drover
