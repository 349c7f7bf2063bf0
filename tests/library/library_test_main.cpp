// The library's MPI tests: every rank builds the Runtime; rank 0 runs the tests, the others serve.
#include <gtest/gtest.h>

#include <drover/runtime.hpp>

#include "library_test_env.hpp"

namespace drover::library_test {

Runtime* runtime = nullptr;

}  // namespace drover::library_test

int main(int argc, char** argv) {
  drover::Options options;
  options.threads = 2;
  options.retries = 1;
  drover::Runtime rt(argc, argv, options);
  if (!rt.is_leader()) return rt.serve();
  drover::library_test::runtime = &rt;
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
