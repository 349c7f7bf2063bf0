// drover_faulty: the whole drover command line, built-in kinds and test-only flaky kinds.
//
//   mpirun -np 3 -x DROVER_TEST_FAIL_RANKS=1 build/tests/drover_faulty run flaky --retries 2
//
// The tests and the torture scripts inject failures through this binary; the
// drover binary has no such hook. Its registry differs from drover's (two
// more kinds), so a journal written by one is refused by the other.
#include <drover/cli.hpp>

int main(int argc, char** argv) {
  return drover::cli_main(argc, argv);
}
