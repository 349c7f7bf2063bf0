// A program outside drover that uses it as a library: built by tests/package/check.sh
// against an installed drover (find_package, ./CMakeLists.txt) and against drover's
// source tree (add_subdirectory, subdir/CMakeLists.txt).
#include <drover/drover.hpp>

#include <cstdint>
#include <cstdio>
#include <vector>

std::int64_t cube(std::int64_t n) {
  return n * n * n;
}
DROVER_TASK(cube);

int main(int argc, char** argv) {
  drover::Runtime rt(argc, argv);
  if (!rt.is_leader()) return rt.serve();
  const std::vector<std::int64_t> cubes = rt.pool().map<cube>(drover::iota(1, 6));
  std::printf("cubes:");
  for (const std::int64_t c : cubes) std::printf(" %lld", static_cast<long long>(c));
  std::printf("\n");
  return 0;
}
