// CPU-bound crunching across ranks and threads: map spreads the tasks over every rank's pool.
#include <drover/drover.hpp>

#include <cstdint>
#include <cstdio>
#include <vector>

// Counts to n one step at a time; the optimiser may not fold the loop.
std::int64_t crunch(std::int64_t n) {
  std::int64_t i = 0;
  while (i < n) {
    ++i;
    asm volatile("" : "+r"(i));
  }
  return i;
}
DROVER_TASK(crunch);

int main(int argc, char** argv) {
  drover::Runtime rt(argc, argv);
  if (!rt.is_leader()) return rt.serve();
  std::vector<std::int64_t> counts(24, 2'000'000);
  std::int64_t total = 0;
  std::size_t done = 0;
  // Results as they are released, in task order; nothing is kept but the sum.
  rt.pool().map<crunch>(counts, [&](std::uint64_t, std::int64_t&& counted) {
    total += counted;
    ++done;
  });
  std::printf("%zu crunch tasks on %d ranks counted %lld in all\n", done, rt.size(),
              static_cast<long long>(total));
}
