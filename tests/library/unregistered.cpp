// Must not compile: a pool call names a function that no DROVER_TASK registered (see tests/CMakeLists.txt).
#include <drover/drover.hpp>

std::int64_t cube(std::int64_t n) {
  return n * n * n;
}

int main(int argc, char** argv) {
  drover::Runtime rt(argc, argv);
  return static_cast<int>(rt.pool().map<cube>(drover::iota(0, 3)).size());
}
