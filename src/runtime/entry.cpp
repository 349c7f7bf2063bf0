// mpi_main: start MPI at the thread level drover needs, run the command, report the exit code.
#include <mpi.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <boost/mpi/environment.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "launch/launch_env.hpp"
#include "runtime/signals.hpp"

#include "runtime/job.hpp"
#include "runtime/malloc_tuning.hpp"
#include "runtime/mpi_transport.hpp"

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

// A rank whose launcher (mpirun, orted, slurmstepd) was killed must not run
// on unseen, still appending to the journal that the next --resume reads:
// ask the kernel to kill it with its parent. Only for launched ranks: a
// process started by hand outlives its shell as usual.
void die_with_launcher() {
  if (!detect_launch(current_env()).rank) return;
  const pid_t parent = getppid();
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) raise(SIGKILL);  // the launcher died before we asked
}

}  // namespace

int mpi_main(RuntimeCommand command, const RunOptions& options, int argc, char** argv) {
  die_with_launcher();
  // Before MPI_Init: start-up takes a few hundred ms, and a stop signal then
  // must be a clean stop too, not the default action.
  if (command == RuntimeCommand::run) install_stop_handlers();
  // FUNNELED is enough: only the comm loop's thread calls MPI, and it is cheaper
  // than MULTIPLE. An error in a collective must not hang: abort on exceptions.
  tune_malloc();
  tune_mpi_before_init(detect_launch(current_env()));
  boost::mpi::environment env(argc, argv, boost::mpi::threading::funneled, true);
  boost::mpi::communicator world;
  JobHooks hooks;
  hooks.mpi_thread_level = level_name(env.thread_level());
  hooks.mpi_thread_level_ok = env.thread_level() >= boost::mpi::threading::funneled;
  if (command == RuntimeCommand::info) return run_info(options, world, hooks);
  // Rows on stdout (--output -), or the summary JSON, the trace or the
  // joblog: stdout holds that and nothing else, so that it parses; the
  // summary goes to stderr.
  for (const std::string* path : {&options.output, &options.summary_json, &options.trace,
                                  &options.joblog}) {
    if (*path == "-") hooks.out = stderr;
  }
  const JobOutcome outcome = run_job(options, world, hooks);
  if (outcome.abandoned) {
    // Pool threads are still inside tasks nobody will wait for: finalize MPI
    // and leave without running destructors that would join them.
    std::fflush(stdout);
    std::fflush(stderr);
    MPI_Finalize();
    std::_Exit(outcome.exit_code);
  }
  return outcome.exit_code;
}

}  // namespace drover
