// Pool(3).map(square, [1, 2, 3, 4, 5]) from the Python tutorials, across MPI ranks.
#include <drover/drover.hpp>

#include <cstdint>
#include <cstdio>

std::int64_t square(std::int64_t n) {
  return n * n;
}
DROVER_TASK(square);

int main(int argc, char** argv) {
  drover::Runtime rt(argc, argv);
  if (!rt.is_leader()) return rt.serve();
  const std::vector<std::int64_t> squares = rt.pool().map<square>(drover::iota(1, 6));
  std::printf("squares:");
  for (const std::int64_t s : squares) std::printf(" %lld", static_cast<long long>(s));
  std::printf("\n");
  // The same from a plain container: inputs travel with the tasks.
  const std::vector<std::int64_t> inputs = {10, 20, 30};
  const auto more = rt.pool().map<square>(inputs);
  std::printf("more: %lld %lld %lld\n", static_cast<long long>(more[0]),
              static_cast<long long>(more[1]), static_cast<long long>(more[2]));
}
