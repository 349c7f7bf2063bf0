// The kind registry, the task-file field checks of each kind and the CPU kernels.
#include "kinds.hpp"

#include <charconv>
#include <chrono>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "errors.hpp"
#include "sinks.hpp"

namespace drover {
namespace {

using Json = nlohmann::json;

// The largest |n| whose square fits int64: floor(sqrt(INT64_MAX)).
constexpr std::int64_t kMaxSquareInput = 3037000499;

std::string json_quoted(std::string_view text) {
  std::string out;
  append_json_string(text, out);
  return out;
}

// Rejects fields the kind does not know, so a typo ("cout") is not silently ignored.
void check_fields(const Json& object, std::string_view kind,
                  std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : object.items()) {
    if (key == "kind") continue;
    bool known = false;
    for (std::string_view name : allowed) known = known || key == name;
    if (!known) {
      throw InputError("unknown field " + json_quoted(key) + " for kind " + std::string(kind));
    }
  }
}

const Json& require(const Json& object, const char* field, std::string_view kind) {
  const auto it = object.find(field);
  if (it == object.end()) {
    throw InputError("missing field \"" + std::string(field) + "\" for kind " + std::string(kind));
  }
  return *it;
}

// JSON numbers come as signed, unsigned (above INT64_MAX) or float; only the
// first is an int64, and a float is rejected even when integral ("3.0").
std::int64_t require_int64(const Json& object, const char* field, std::string_view kind) {
  const Json& value = require(object, field, kind);
  // nlohmann reads integers beyond uint64 as floats: still say "out of range".
  const bool too_big = (value.is_number_unsigned() && value.get<std::uint64_t>() > INT64_MAX) ||
                       (value.is_number_float() && std::fabs(value.get<double>()) >= 0x1p63 &&
                        std::trunc(value.get<double>()) == value.get<double>());
  if (too_big) {
    throw InputError("\"" + std::string(field) + "\" is out of range (must fit int64)");
  }
  if (!value.is_number_integer()) {
    throw InputError("\"" + std::string(field) + "\" must be an integer");
  }
  return value.get<std::int64_t>();
}

TaskSpec parse_square(const Json& object) {
  check_fields(object, "square", {"n"});
  TaskSpec spec;
  spec.kind = KindId::square;
  spec.n = require_int64(object, "n", "square");
  return spec;
}

TaskSpec parse_crunch(const Json& object) {
  check_fields(object, "crunch", {"count"});
  TaskSpec spec;
  spec.kind = KindId::crunch;
  spec.n = require_int64(object, "count", "crunch");
  if (spec.n < 0 || spec.n > kMaxCrunchCount) {
    throw InputError("\"count\" must be in [0, " + std::to_string(kMaxCrunchCount) + "]");
  }
  return spec;
}

TaskSpec parse_download(const Json& object) {
  check_fields(object, "download", {"name", "seconds"});
  TaskSpec spec;
  spec.kind = KindId::download;
  const Json& name = require(object, "name", "download");
  if (!name.is_string() || name.get_ref<const std::string&>().empty()) {
    throw InputError("\"name\" must be a non-empty string");
  }
  spec.name = name.get<std::string>();
  for (unsigned char c : spec.name) {
    // Names end up in one-line announcements and CSV cells.
    if (c < 0x20 || c == 0x7f) throw InputError("\"name\" must not contain control characters");
  }
  const Json& seconds = require(object, "seconds", "download");
  if (!seconds.is_number()) throw InputError("\"seconds\" must be a number");
  spec.seconds = seconds.get<double>();
  if (!std::isfinite(spec.seconds) || spec.seconds < 0 || spec.seconds > kMaxDownloadSeconds) {
    throw InputError("\"seconds\" must be in [0, " +
                     std::to_string(static_cast<long long>(kMaxDownloadSeconds)) + "]");
  }
  return spec;
}

Outcome run_square(const TaskSpec& spec) {
  return {square_checked(spec.n), 0};
}

Outcome run_crunch(const TaskSpec& spec) {
  const CrunchResult result = crunch(spec.n);
  return {result.final_count, result.ns_per_increment};
}

void append_integer_input(const TaskSpec& spec, std::string& out) {
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, spec.n).ptr);
}

void append_name_input(const TaskSpec& spec, std::string& out) {
  append_json_string(spec.name, out);
}

// Indexed by KindId; the order must match the enum.
constexpr KindInfo kKinds[kKindCount] = {
    {KindId::square, "square", Lane::cpu, false, "", parse_square, run_square,
     append_integer_input},
    {KindId::crunch, "crunch", Lane::cpu, true, "ns per increment", parse_crunch, run_crunch,
     append_integer_input},
    {KindId::download, "download", Lane::io, true, "seconds waited", parse_download, nullptr,
     append_name_input},
};

}  // namespace

const KindInfo& kind_info(KindId id) {
  const auto index = static_cast<std::size_t>(id);
  if (index >= kKindCount) throw std::out_of_range("kind_info: unknown kind id");
  return kKinds[index];
}

const KindInfo* find_kind(std::string_view name) {
  for (const KindInfo& info : kKinds) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

std::span<const KindInfo> all_kinds() {
  return kKinds;
}

std::uint32_t known_kinds_mask() {
  std::uint32_t mask = 0;
  for (const KindInfo& info : kKinds) mask |= 1u << static_cast<unsigned>(info.id);
  return mask;
}

std::int64_t square_checked(std::int64_t n) {
  if (n > kMaxSquareInput || n < -kMaxSquareInput) {
    throw std::overflow_error("square of " + std::to_string(n) + " overflows int64");
  }
  return n * n;
}

// Baseline x86-64 (SSE2) has no 64-bit vector multiply, so g++ leaves the loop
// scalar (~1 cycle per element); an AVX2 clone, picked at load time, halves that.
// TSan binaries crash resolving the clone at load time: plain code there.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_THREAD__)
__attribute__((target_clones("avx2", "default")))
#endif
std::size_t
square_range(std::int64_t first_n, std::size_t count, std::int64_t* out) {
  // Inputs only grow, so the first overflowing one is known before the loop,
  // which leaves a branch-free loop.
  std::size_t limit = 0;
  if (first_n >= -kMaxSquareInput && first_n <= kMaxSquareInput) {
    const auto fitting = static_cast<std::uint64_t>(kMaxSquareInput - first_n) + 1;
    limit = fitting < count ? static_cast<std::size_t>(fitting) : count;
  }
  for (std::size_t i = 0; i < limit; ++i) {
    const std::int64_t v = first_n + static_cast<std::int64_t>(i);
    out[i] = v * v;
  }
  return limit;
}

CrunchResult crunch(std::int64_t count) {
  if (count < 0) throw std::invalid_argument("crunch count must not be negative");
  const auto start = std::chrono::steady_clock::now();
  std::int64_t i = 0;
  while (i < count) {
    ++i;
    // Makes i opaque to the optimiser each time round: no folding, no vectorising.
    asm volatile("" : "+r"(i));
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CrunchResult result;
  result.final_count = i;
  if (count > 0) {
    result.ns_per_increment =
        std::chrono::duration<double, std::nano>(elapsed).count() / static_cast<double>(count);
  }
  return result;
}

}  // namespace drover
