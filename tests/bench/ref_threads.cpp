// Compute reference for the bench harness: drover's own kernels on plain std::threads.
//
//   drover_ref_threads squares N T           squares of 0..N-1, summed; static split over T threads
//   drover_ref_threads crunch TASKS COUNT T  TASKS crunch(COUNT) calls; T threads, atomic counter
//
// Prints one line of JSON on stdout (nothing else there); errors go to stderr with exit code 2.
// The clock covers only the compute: from just before the first thread starts to the last join.
#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "kinds/kernels.hpp"

namespace drover {
namespace {

constexpr std::size_t kChunk = 64 * 1024;  // square_range's chunk, as in drover's executor

using Clock = std::chrono::steady_clock;

// A count from the command line: digits, or a whole number written as 3e7.
std::int64_t parse_count(std::string_view text, std::string_view what, std::int64_t min,
                         std::int64_t max) {
  const char* const first = text.data();
  const char* const last = first + text.size();
  std::int64_t value = 0;
  const std::from_chars_result as_int = std::from_chars(first, last, value);
  if (as_int.ec != std::errc() || as_int.ptr != last) {
    double real = 0;
    const std::from_chars_result as_real = std::from_chars(first, last, real);
    if (as_real.ec != std::errc() || as_real.ptr != last || !(real >= -9e18 && real <= 9e18) ||
        real != static_cast<double>(static_cast<std::int64_t>(real))) {
      throw std::invalid_argument(std::string(what) +
                                  " is not a whole number: " + std::string(text));
    }
    value = static_cast<std::int64_t>(real);
  }
  if (value < min || value > max) {
    throw std::invalid_argument(std::string(what) + " must be in [" + std::to_string(min) + ", " +
                                std::to_string(max) + "]: " + std::string(text));
  }
  return value;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Sum of i^2 for i in [0, n), wrapping mod 2^64: n(n-1)(2n-1)/6 with the
// divisions done exactly on the factors before the wrapping products.
std::uint64_t expected_square_sum(std::uint64_t n) {
  if (n < 2) return 0;
  std::uint64_t a = n, b = n - 1, c = 2 * n - 1;
  (a % 2 == 0 ? a : b) /= 2;                   // one of n, n-1 is even
  (a % 3 == 0 ? a : b % 3 == 0 ? b : c) /= 3;  // one of n, n-1, 2n-1 is a multiple of 3
  return a * b * c;
}

// Each thread's partial sum on its own cache line.
struct alignas(64) Partial {
  std::uint64_t sum = 0;
  bool overflow = false;
};

int run_squares(std::int64_t n, int threads) {
  std::vector<Partial> partials(static_cast<std::size_t>(threads));
  std::vector<std::thread> pool;
  pool.reserve(partials.size());
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    // Static split: thread t gets [n*t/T, n*(t+1)/T).
    const std::int64_t first = n / threads * t + std::min<std::int64_t>(t, n % threads);
    const std::int64_t last = first + n / threads + (t < n % threads ? 1 : 0);
    pool.emplace_back([first, last, &partial = partials[static_cast<std::size_t>(t)]] {
      const auto buffer = std::make_unique<std::int64_t[]>(kChunk);
      std::uint64_t sum = 0;
      for (std::int64_t at = first; at < last;) {
        const auto count = static_cast<std::size_t>(std::min<std::int64_t>(kChunk, last - at));
        if (square_range(at, count, buffer.get()) != count) {
          partial.overflow = true;
          return;
        }
        for (std::size_t i = 0; i < count; ++i) sum += static_cast<std::uint64_t>(buffer[i]);
        at += static_cast<std::int64_t>(count);
      }
      partial.sum = sum;
    });
  }
  for (std::thread& thread : pool) thread.join();
  const double seconds = seconds_since(start);

  std::uint64_t sum = 0;
  bool overflow = false;
  for (const Partial& partial : partials) {
    sum += partial.sum;
    overflow = overflow || partial.overflow;
  }
  if (overflow) throw std::runtime_error("a square overflowed int64");
  const std::uint64_t expected = expected_square_sum(static_cast<std::uint64_t>(n));
  std::printf(
      "{\"ref\":\"threads\",\"mode\":\"squares\",\"n\":%lld,\"threads\":%d,\"chunk\":%zu,"
      "\"seconds\":%.9g,\"results_per_s\":%.6g,\"sum\":%llu,\"expected_sum\":%llu,\"ok\":%s}\n",
      static_cast<long long>(n), threads, kChunk, seconds,
      seconds > 0 ? static_cast<double>(n) / seconds : 0.0, static_cast<unsigned long long>(sum),
      static_cast<unsigned long long>(expected), sum == expected ? "true" : "false");
  return sum == expected ? 0 : 1;
}

int run_crunch(std::int64_t tasks, std::int64_t count, int threads) {
  std::vector<double> ns_per_increment(static_cast<std::size_t>(tasks), 0.0);
  std::atomic<std::int64_t> next{0};
  std::atomic<bool> wrong_count{false};
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads));
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (std::int64_t task = next.fetch_add(1, std::memory_order_relaxed); task < tasks;
           task = next.fetch_add(1, std::memory_order_relaxed)) {
        const CrunchResult result = crunch(count);
        if (result.final_count != count) wrong_count.store(true, std::memory_order_relaxed);
        ns_per_increment[static_cast<std::size_t>(task)] = result.ns_per_increment;
      }
    });
  }
  for (std::thread& thread : pool) thread.join();
  const double seconds = seconds_since(start);

  double median = 0;
  if (tasks > 0) {
    std::vector<double> sorted = ns_per_increment;
    std::sort(sorted.begin(), sorted.end());
    const std::size_t mid = sorted.size() / 2;
    median = sorted.size() % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }
  const double increments = static_cast<double>(tasks) * static_cast<double>(count);
  const bool ok = !wrong_count.load();
  std::printf(
      "{\"ref\":\"threads\",\"mode\":\"crunch\",\"tasks\":%lld,\"count\":%lld,\"threads\":%d,"
      "\"seconds\":%.9g,\"increments_per_s\":%.6g,\"ns_per_increment\":%.6g,\"ok\":%s}\n",
      static_cast<long long>(tasks), static_cast<long long>(count), threads, seconds,
      seconds > 0 ? increments / seconds : 0.0, median, ok ? "true" : "false");
  return ok ? 0 : 1;
}

int usage(const char* message) {
  std::fprintf(stderr,
               "drover_ref_threads: %s\n"
               "usage: drover_ref_threads squares N THREADS\n"
               "       drover_ref_threads crunch TASKS COUNT THREADS\n",
               message);
  return 2;
}

int main_impl(int argc, char** argv) {
  if (argc < 2) return usage("missing mode");
  const std::string_view mode = argv[1];
  constexpr std::int64_t kMaxThreads = 1024;
  try {
    if (mode == "squares") {
      if (argc != 4) return usage("squares takes N THREADS");
      // Inputs up to n-1 must square within int64, as drover's square kind requires.
      const std::int64_t n = parse_count(argv[2], "N", 0, 3'037'000'500);
      const auto threads = static_cast<int>(parse_count(argv[3], "THREADS", 1, kMaxThreads));
      return run_squares(n, threads);
    }
    if (mode == "crunch") {
      if (argc != 5) return usage("crunch takes TASKS COUNT THREADS");
      const std::int64_t tasks = parse_count(argv[2], "TASKS", 0, 100'000'000);
      const std::int64_t count = parse_count(argv[3], "COUNT", 0, kMaxCrunchCount);
      const auto threads = static_cast<int>(parse_count(argv[4], "THREADS", 1, kMaxThreads));
      return run_crunch(tasks, count, threads);
    }
  } catch (const std::invalid_argument& error) {
    return usage(error.what());
  } catch (const std::exception& error) {
    std::fprintf(stderr, "drover_ref_threads: %s\n", error.what());
    return 1;
  }
  return usage("unknown mode (squares or crunch)");
}

}  // namespace
}  // namespace drover

int main(int argc, char** argv) {
  return drover::main_impl(argc, argv);
}
