// The built-in kinds' CPU kernels and input limits, exposed for tests and benchmarks.
#pragma once

#include <cstddef>
#include <cstdint>

namespace drover {

// n*n, throwing std::overflow_error with a message naming n when it overflows int64.
std::int64_t square_checked(std::int64_t n);
// out[i] = (first_n + i)^2 for i in [0, count). Returns the index of the first
// input that overflows (out[] from there on is unspecified), or count.
std::size_t square_range(std::int64_t first_n, std::size_t count, std::int64_t* out);
// The square kind's block kernel: n packed int64 inputs to n packed outputs
// (any alignment). Returns the index of the first input whose square
// overflows (outputs from there on are unspecified), or n.
std::size_t square_block(const char* inputs, std::size_t n, char* outputs);

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

namespace builtin {
void register_square();
void register_crunch();
void register_download();
void register_exec();
void register_barrier();
}  // namespace builtin

}  // namespace drover
