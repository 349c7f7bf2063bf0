// The progress meter: when a line is due, and what it says.
#include "outputs/progress.hpp"

#include <algorithm>
#include <cmath>

namespace drover {
namespace {

constexpr std::chrono::milliseconds kLiveInterval{100};  // at most 10 lines a second
constexpr std::chrono::milliseconds kShortestPeriod{100};

std::string format_rate(double per_second) {
  char text[32];
  if (per_second >= 1e6) {
    std::snprintf(text, sizeof text, "%.2fM", per_second / 1e6);
  } else if (per_second >= 1e4) {
    std::snprintf(text, sizeof text, "%.1fk", per_second / 1e3);
  } else {
    std::snprintf(text, sizeof text, "%.1f", per_second);
  }
  return text;
}

}  // namespace

std::string format_eta(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<long long>(std::ceil(seconds));
  char text[32];
  if (s < 60) {
    std::snprintf(text, sizeof text, "%llds", s);
  } else if (s < 3600) {
    std::snprintf(text, sizeof text, "%lldm%02llds", s / 60, s % 60);
  } else {
    std::snprintf(text, sizeof text, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
  }
  return text;
}

ProgressMeter::ProgressMeter(std::FILE* out, Mode mode, std::chrono::milliseconds period,
                             std::optional<std::uint64_t> total)
    : out_(out),
      mode_(out == nullptr ? Mode::off : mode),
      interval_(mode == Mode::live ? kLiveInterval : std::max(period, kShortestPeriod)),
      total_(total) {
  if (mode_ == Mode::off) next_due_ = Clock::time_point::max();
}

std::string ProgressMeter::describe(Clock::time_point now) const {
  const double elapsed = start_ ? std::chrono::duration<double>(now - *start_).count() : 0.0;
  const double rate =
      elapsed > 0 ? static_cast<double>(done_ - std::min(done_, done_at_start_)) / elapsed : 0.0;
  // Appends only: g++ 12 at -O3 warns falsely (-Wrestrict) on "literal" + string.
  std::string text = "drover: ";
  text += std::to_string(done_);
  if (total_) {
    const double percent =
        *total_ == 0 ? 100.0 : 100.0 * static_cast<double>(done_) / static_cast<double>(*total_);
    char share[32];
    std::snprintf(share, sizeof share, " (%.1f%%)", std::min(percent, 100.0));
    text += '/';
    text += std::to_string(*total_);
    text += " tasks";
    text += share;
  } else {
    text += " tasks";
  }
  text += ", ";
  text += std::to_string(failed_);
  text += " failed, ";
  text += elapsed > 0 ? format_rate(rate) : std::string("?");
  text += " tasks/s";
  if (total_) {
    const std::uint64_t left = *total_ - std::min(*total_, done_);
    text += ", ETA ";
    text += left == 0  ? std::string("0s")
            : rate > 0 ? format_eta(static_cast<double>(left) / rate)
                       : std::string("?");
  }
  if (mode_ == Mode::lines) {
    text += ", elapsed ";
    text += format_eta(elapsed);
  }
  // Finished is not written: say so, or a run behind one slow task looks hung.
  if (waiting_ > 0) {
    text += "; ";
    text += std::to_string(waiting_);
    text += " wait for task ";
    text += std::to_string(behind_);
    text += " to be written in order";
  }
  return text;
}

void ProgressMeter::print(Clock::time_point now) {
  if (!start_) {
    start_ = now;
    done_at_start_ = done_;
    if (mode_ == Mode::lines) {  // the first line after one period, not at zero
      next_due_ = now + interval_;
      return;
    }
  }
  next_due_ = now + interval_;
  std::string line = describe(now);
  if (mode_ == Mode::live) {
    const std::size_t width = line.size();
    if (width < live_width_) line.append(live_width_ - width, ' ');
    live_width_ = std::max(live_width_, width);
    std::fprintf(out_, "\r%s", line.c_str());
    live_shown_ = true;
  } else {
    std::fprintf(out_, "%s\n", line.c_str());
  }
  std::fflush(out_);
}

void ProgressMeter::finish(Clock::time_point now) {
  if (mode_ == Mode::live && start_) {
    next_due_ = Clock::time_point::min();
    print(now);
  }
  if (live_shown_) {
    std::fputc('\n', out_);
    std::fflush(out_);
  }
  live_shown_ = false;
  mode_ = Mode::off;
  next_due_ = Clock::time_point::max();
}

std::optional<ProgressMeter::Mode> progress_mode(std::string_view name, bool terminal,
                                                 bool batch_job) {
  if (name == "live") return ProgressMeter::Mode::live;
  if (name == "lines") return ProgressMeter::Mode::lines;
  if (name == "off") return ProgressMeter::Mode::off;
  if (name == "auto") {
    if (terminal) return ProgressMeter::Mode::live;
    return batch_job ? ProgressMeter::Mode::lines : ProgressMeter::Mode::off;
  }
  return std::nullopt;
}

}  // namespace drover
