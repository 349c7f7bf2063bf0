// mpi_main: start MPI at the thread level drover needs, run the command, report the exit code.
#include <boost/mpi/environment.hpp>

#include "runtime/job.hpp"

namespace drover {
namespace {

std::string level_name(boost::mpi::threading::level level) {
  switch (level) {
    case boost::mpi::threading::single:
      return "single";
    case boost::mpi::threading::funneled:
      return "funneled";
    case boost::mpi::threading::serialized:
      return "serialized";
    case boost::mpi::threading::multiple:
      return "multiple";
  }
  return "unknown";
}

}  // namespace

int mpi_main(RuntimeCommand command, const RunOptions& options, int argc, char** argv) {
  // FUNNELED is enough: only the comm loop's thread calls MPI, and it is cheaper
  // than MULTIPLE. An error in a collective must not hang: abort on exceptions.
  boost::mpi::environment env(argc, argv, boost::mpi::threading::funneled, true);
  boost::mpi::communicator world;
  JobHooks hooks;
  hooks.mpi_thread_level = level_name(env.thread_level());
  hooks.mpi_thread_level_ok = env.thread_level() >= boost::mpi::threading::funneled;
  if (command == RuntimeCommand::info) return run_info(options, world, hooks);
  return run_job(options, world, hooks).exit_code;
}

}  // namespace drover
