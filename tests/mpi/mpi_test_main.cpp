// gtest main for tests under mpirun: MPI up first, and only rank 0 prints.
#include <gtest/gtest.h>

#include <boost/mpi/collectives/all_reduce.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <functional>

int main(int argc, char** argv) {
  boost::mpi::environment env(argc, argv, boost::mpi::threading::funneled, true);
  boost::mpi::communicator world;
  ::testing::InitGoogleTest(&argc, argv);
  if (world.rank() != 0) {
    // Every rank runs every test (the jobs are collective); one report is enough.
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  const int failed = RUN_ALL_TESTS() != 0 ? 1 : 0;
  // A failure on any rank fails the run on every rank.
  const int any_failed = boost::mpi::all_reduce(world, failed, std::plus<int>());
  return any_failed == 0 ? 0 : 1;
}
