// The square kind: n -> n^2 in 64 bits, an overflow a failed task; its block kernel and generator.
#include <cstring>
#include <stdexcept>
#include <string>

#include "kinds/json_fields.hpp"
#include "kinds/kernels.hpp"
#include "kinds/pod.hpp"
#include "model/kinds.hpp"

namespace drover {
namespace {

// The largest |n| whose square fits int64: floor(sqrt(INT64_MAX)).
constexpr std::int64_t kMaxSquareInput = 3037000499;

}  // namespace

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
#define DROVER_SQUARE_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define DROVER_SQUARE_CLONES
#endif

DROVER_SQUARE_CLONES
std::size_t square_range(std::int64_t first_n, std::size_t count, std::int64_t* out) {
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

DROVER_SQUARE_CLONES
std::size_t square_block(const char* inputs, std::size_t n, char* outputs) {
  // Squares every input in unsigned arithmetic (defined on overflow) while
  // or-ing an out-of-range flag: no branch in the loop, so it vectorises; the
  // rare overflow is then found by a second, scalar pass.
  std::uint64_t bad = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::int64_t v;
    std::memcpy(&v, inputs + i * 8, 8);
    bad |= static_cast<std::uint64_t>(v > kMaxSquareInput) |
           static_cast<std::uint64_t>(v < -kMaxSquareInput);
    const std::uint64_t u = static_cast<std::uint64_t>(v);
    const std::uint64_t sq = u * u;
    std::memcpy(outputs + i * 8, &sq, 8);
  }
  if (bad == 0) return n;
  for (std::size_t i = 0; i < n; ++i) {
    std::int64_t v;
    std::memcpy(&v, inputs + i * 8, 8);
    if (v > kMaxSquareInput || v < -kMaxSquareInput) return i;
  }
  return n;
}

namespace builtin {

void register_square() {
  KindOps k;
  k.name = "square";
  k.lane = Lane::cpu;
  k.input_type = "i64";
  k.output_type = "i64";
  k.input_size = 8;
  k.output_size = 8;
  k.uniform_cost = true;
  k.run = [](std::span<const char> input, std::string& output) {
    put_pod(output, square_checked(get_pod<std::int64_t>(input)));
  };
  k.run_block = square_block;
  k.parse_json = [](const nlohmann::json& object, std::string& input) {
    check_fields(object, "square", {"n"});
    put_pod(input, require_int64(object, "n", "square"));
  };
  k.input_json = [](std::span<const char> input, std::string& out) {
    append_json_int(get_pod<std::int64_t>(input), out);
  };
  k.value_json = k.input_json;  // an int64 too
  k.checksum = [](std::span<const char> output) {
    return static_cast<std::uint64_t>(get_pod<std::int64_t>(output));
  };
  // Generated inputs count up from the parameter (--from): task i squares from + i.
  // Unsigned wrap-around then a modular cast (C++20): never UB, and exact
  // whenever from + i fits, which the CLI guarantees.
  k.generate = [](std::span<const char> params, std::uint64_t id, std::string& input) {
    put_pod(input, static_cast<std::int64_t>(get_pod<std::uint64_t>(params) + id));
  };
  k.generate_block = [](std::span<const char> params, std::uint64_t first_id, std::size_t n,
                        char* inputs) {
    const std::uint64_t first = get_pod<std::uint64_t>(params) + first_id;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t v = first + i;
      std::memcpy(inputs + i * 8, &v, 8);
    }
  };
  k.run_range = [](std::span<const char> params, std::uint64_t first, std::size_t n,
                   char* outputs) {
    // Inputs only grow, so square_range knows the first overflow before its loop.
    const auto from = static_cast<std::int64_t>(get_pod<std::uint64_t>(params) + first);
    return square_range(from, n, reinterpret_cast<std::int64_t*>(outputs));
  };
  register_kind(std::move(k));
}

}  // namespace builtin
}  // namespace drover
