// The registry of work kinds: names, lanes, task-file parsing and the CPU kernels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>
#include <string_view>

#include "task.hpp"

namespace drover {

// What a finished task produced (see the README's result table).
struct Outcome {
  std::int64_t value = 0;
  double metric = 0;  // meaningful only for kinds with has_metric
};

struct KindInfo {
  KindId id;
  std::string_view name;
  Lane lane;
  bool has_metric;               // crunch: ns per increment; download: seconds waited
  std::string_view metric_name;  // column meaning, for help and README
  // Builds a spec from one task-file object. Throws InputError naming the
  // field (the caller prefixes file:line).
  TaskSpec (*parse)(const nlohmann::json& object);
  // Runs one CPU task; throws on a task failure (the executor turns it into data).
  // Null for IO kinds, which the async lane runs.
  Outcome (*run)(const TaskSpec& spec);
  // Appends the task's input as a JSON value (a number or a quoted string).
  void (*append_input_json)(const TaskSpec& spec, std::string& out);
};

const KindInfo& kind_info(KindId id);
// Null when no kind has this name.
const KindInfo* find_kind(std::string_view name);
std::span<const KindInfo> all_kinds();
// Bit i set for KindId i: the kinds this binary knows (sent in the Hello).
std::uint32_t known_kinds_mask();

// --- kernels, exposed for tests and benchmarks ---

// n*n, throwing std::overflow_error with a message naming n when it overflows int64.
std::int64_t square_checked(std::int64_t n);
// out[i] = (first_n + i)^2 for i in [0, count). Returns the index of the first
// input that overflows (out[] from there on is unspecified), or count.
std::size_t square_range(std::int64_t first_n, std::size_t count, std::int64_t* out);

struct CrunchResult {
  std::int64_t final_count = 0;
  double ns_per_increment = 0;
};
// Counts from 0 to count one increment at a time, in a loop the optimiser may
// neither fold nor vectorise; measures the time per increment.
CrunchResult crunch(std::int64_t count);

// Largest accepted inputs: beyond them a task is rejected as input, not run.
inline constexpr std::int64_t kMaxCrunchCount = 1'000'000'000'000;  // ~10 min per task
inline constexpr double kMaxDownloadSeconds = 7 * 24 * 3600.0;

}  // namespace drover
