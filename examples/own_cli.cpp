// A program with its own kinds and the whole drover command line for them: drover::cli_main.
//   mpirun -np 4 ./example_own_cli run cube --count 1000 --output cubes.jsonl
//   mpirun -np 4 ./example_own_cli run --tasks-file boxes.jsonl   ({"kind":"volume","input":[2,3,4]})
#include <drover/cli.hpp>
#include <drover/drover.hpp>

#include <cstdint>
#include <stdexcept>

std::int64_t cube(std::int64_t n) {
  return n * n * n;
}
DROVER_TASK(cube);

struct Box {
  double w = 0, h = 0, d = 0;
  template <class A>
  void serialize(A& a) {
    a(w, h, d);
  }
};
double volume(const Box& b) {
  if (b.w < 0 || b.h < 0 || b.d < 0) throw std::invalid_argument("negative side");
  return b.w * b.h * b.d;
}
DROVER_TASK(volume);

int main(int argc, char** argv) {
  return drover::cli_main(argc, argv);
}
