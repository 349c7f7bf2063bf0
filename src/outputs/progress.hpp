// A progress meter for rank 0: a live line on a terminal, or a plain line per period for logs.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace drover {

class ProgressMeter {
 public:
  using Clock = std::chrono::steady_clock;
  // live: one line rewritten in place ('\r', padded), at most 10 times a
  //       second, whatever `period` says;
  // lines: a plain line every `period`, for logs (sbatch output files), where
  //       '\r' would leave one long line of overwrites;
  // off: nothing.
  enum class Mode { live, lines, off };

  // `total` is the number of tasks when known (percent and ETA need it). Time
  // is passed in, never read here: tests drive the meter with made-up times.
  ProgressMeter(std::FILE* out, Mode mode, std::chrono::milliseconds period,
                std::optional<std::uint64_t> total);

  // Called every loop iteration with the tasks finished and failed so far,
  // written or not, and of those how many wait to be written in order behind
  // task `behind` (ordered runs): a few stores and a comparison unless a line
  // is due.
  void update(std::uint64_t done, std::uint64_t failed, Clock::time_point now,
              std::uint64_t waiting = 0, std::uint64_t behind = 0) {
    done_ = done;
    failed_ = failed;
    waiting_ = waiting;
    behind_ = behind;
    if (now >= next_due_) print(now);
  }
  // Live: writes the latest figures and ends the line with '\n', so what
  // follows (the summary) starts on a line of its own. Lines and off: nothing.
  // Later updates print nothing.
  void finish(Clock::time_point now);

  // The figures of one line, without '\r' or '\n' (exposed for tests).
  std::string describe(Clock::time_point now) const;

 private:
  void print(Clock::time_point now);

  std::FILE* out_;
  Mode mode_;
  Clock::duration interval_;
  std::optional<std::uint64_t> total_;
  Clock::time_point next_due_ = Clock::time_point::min();
  std::optional<Clock::time_point> start_;
  std::uint64_t done_at_start_ = 0;
  std::uint64_t done_ = 0;
  std::uint64_t failed_ = 0;
  std::uint64_t waiting_ = 0;
  std::uint64_t behind_ = 0;
  std::size_t live_width_ = 0;  // longest live line so far: shorter ones are padded over it
  bool live_shown_ = false;
};

// "live", "lines" or "off" as named; "auto": live on a terminal, lines in a
// batch job (Slurm writes the job's output to a file), else off. Nullopt for
// any other name.
std::optional<ProgressMeter::Mode> progress_mode(std::string_view name, bool terminal,
                                                 bool batch_job);

// "17s", "4m05s", "2h03m": durations as the meter shows them (tests).
std::string format_eta(double seconds);

}  // namespace drover
