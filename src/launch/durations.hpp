// Durations as people and Slurm write them, parsed by pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace drover {

// "90", "90s", "15m", "2h", "1h30m", and Slurm's "MM:SS", "HH:MM:SS",
// "D-HH", "D-HH:MM", "D-HH:MM:SS". nullopt for anything else (or negative).
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

// The time a job has left, from `scontrol show job` output: TimeLimit minus
// RunTime. nullopt when there is no limit (UNLIMITED, Partition_Limit) or the
// text has no such fields, in which case the caller only warns.
std::optional<std::chrono::seconds> parse_remaining_time(std::string_view scontrol_output);

// How long before a time limit dispatch stops. `stop_before`, unless the limit
// is no longer than it (that margin would leave no time to work): then a
// tenth of the limit, and `scaled` is set so the caller warns.
struct StopMargin {
  std::chrono::milliseconds margin{0};
  bool scaled = false;
};
StopMargin stop_margin(std::chrono::seconds time_left, std::chrono::seconds stop_before);

// A duration in seconds as the messages print it: "60 s", "0.5 s", "1.25 s".
std::string seconds_text(std::chrono::milliseconds d);

}  // namespace drover
