// The test-only kinds flaky and flaky_spin, registered through the public API as a user's are.
#include "faulty_kinds.hpp"

#include <drover/task.hpp>

#include <atomic>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

namespace drover::faulty {
namespace {

std::string_view env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string_view() : std::string_view(value);
}

// This process's rank as the launcher says, before MPI starts: the kinds
// decide once, at registration, not per task.
int launcher_rank() {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK"}) {
    const std::string_view value = env(name);
    int rank = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), rank);
    if (!value.empty() && error == std::errc() && end == value.data() + value.size()) return rank;
  }
  return 0;  // no launcher: a singleton is rank 0
}

// Whether `rank` is in a comma-separated list of ranks; anything that is not
// a number ends the list, as an unset variable does.
bool listed(std::string_view list, int rank) {
  const char* p = list.data();
  const char* const end = list.data() + list.size();
  while (p < end) {
    int listed_rank = 0;
    const auto [next, error] = std::from_chars(p, end, listed_rank);
    if (error != std::errc()) return false;
    if (listed_rank == rank) return true;
    p = next < end && *next == ',' ? next + 1 : end;
  }
  return false;
}

// Relaxed loads are enough: set_failing runs before the job's pool threads
// start, and starting a thread orders what came before it.
std::atomic<bool> g_failing{listed(env("DROVER_TEST_FAIL_RANKS"), launcher_rank())};

void fail_if_asked() {
  if (g_failing.load(std::memory_order_relaxed)) {
    throw std::runtime_error("injected failure (DROVER_TEST_FAIL_RANKS)");
  }
}

}  // namespace

bool failing() {
  return g_failing.load(std::memory_order_relaxed);
}

void set_failing(bool fail) {
  g_failing.store(fail, std::memory_order_relaxed);
}

std::int64_t flaky(std::int64_t n) {
  fail_if_asked();
  std::int64_t square = 0;
  if (__builtin_mul_overflow(n, n, &square)) throw std::overflow_error("flaky: n*n overflows");
  return square;
}

// Fails before it spins, as a rank with a bad node would: at once, so it asks
// for more work while the healthy ranks are still busy.
std::int64_t flaky_spin(std::int64_t count) {
  fail_if_asked();
  if (count < 0) throw std::invalid_argument("flaky_spin count must not be negative");
  std::int64_t i = 0;
  while (i < count) {
    ++i;
    // Makes i opaque to the optimiser each time round, as in crunch: a task
    // of real duration, not a folded loop.
    asm volatile("" : "+r"(i));
  }
  return i;
}

}  // namespace drover::faulty

DROVER_TASK_NAMED(drover::faulty::flaky, "flaky");
DROVER_TASK_NAMED(drover::faulty::flaky_spin, "flaky_spin");
