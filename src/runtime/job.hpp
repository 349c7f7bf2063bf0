// Entry points of the MPI runtime: run a job or describe the ranks, on a communicator.
#pragma once

#include <boost/mpi/communicator.hpp>
#include <cstdint>
#include <cstdio>
#include <string>

#include "inputs/run_options.hpp"
#include "scheduling/consumer.hpp"

namespace drover {

struct JobHooks {
  ResultConsumer* observer = nullptr;  // rank 0: sees every batch after the report (tests)
  std::FILE* out = stdout;             // rank 0: summary
  std::FILE* err = stderr;             // rank 0: the one-line errors
  bool mpi_thread_level_ok = true;     // whether MPI granted at least FUNNELED
  std::string mpi_thread_level;        // its name, for the error message
};

struct JobOutcome {
  int exit_code = 0;  // kExit* (errors.hpp), the same on every rank
  std::uint64_t tasks = 0;
  std::uint64_t failed = 0;
  double wall_seconds = 0;
  // Tasks were left running on this rank (a stop whose grace ran out), or a
  // lone rank 0 failed past start-up: the process must end without waiting
  // for anything (mpi_main finalizes MPI and exits with exit_code).
  bool abandoned = false;
};

// Collective over `world`: rank 0 checks inputs, schedules and works; the
// other ranks work. Returns on every rank once the job is over.
JobOutcome run_job(const RunOptions& options, const boost::mpi::communicator& world,
                   const JobHooks& hooks = {});

// Collective: rank 0 prints one row per rank and the launch facts.
int run_info(const RunOptions& options, const boost::mpi::communicator& world,
             const JobHooks& hooks = {});

// Starts MPI (asking for FUNNELED: only one thread per rank calls MPI), runs
// the command, and returns the process exit code.
enum class RuntimeCommand { run, info };
int mpi_main(RuntimeCommand command, const RunOptions& options, int argc, char** argv);

}  // namespace drover
