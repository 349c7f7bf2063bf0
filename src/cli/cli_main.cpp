// The whole drover command line as a function: parse, then hand over to the MPI runtime.
#include <drover/cli.hpp>

#include <cstdio>

#include "cli/cli.hpp"
#include "compare/compare.hpp"
#include "launch/launch_env.hpp"
#include "model/errors.hpp"
#include "model/kinds.hpp"
#include "outputs/journal_tools.hpp"
#include "runtime/job.hpp"

namespace drover {

int cli_main(int argc, char** argv) {
  // The demo kinds, unless the program registered kinds of those names itself.
  register_builtin_kinds();
  // Ranks' stdout is a pipe under mpirun: line buffering keeps lines whole and
  // live, and nothing is lost if the job is killed.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  const EnvMap env = current_env();
  // Usage errors are found before MPI starts; only rank 0 (by the launcher's
  // variables) prints, so mpirun -np 64 shows one message, not 64.
  const bool speaks = prints_before_init(detect_launch(env));
  CliResult cli;
  try {
    cli = parse_cli(argc, argv, env);
  } catch (const InputError& e) {
    // Only the speaker exits non-zero: mpirun kills every rank as soon as one
    // fails, and a quiet rank that exited 2 first took rank 0 down before it
    // printed (seen in 13 runs of 200). The job still exits 2, from rank 0.
    if (!speaks) return kExitOk;
    std::fprintf(stderr, "drover: error: %s\n", e.what());
    return kExitUsage;
  }
  if (cli.command == Command::help || cli.command == Command::version) {
    if (speaks) std::fputs(cli.text.c_str(), stdout);
    return kExitOk;
  }
  // compare launches drover (and mpirun) itself: no MPI in this process.
  if (cli.command == Command::compare) return compare_main(argc, argv);
  // Reading a journal needs no MPI: one process, any machine.
  if (cli.command == Command::journal_show || cli.command == Command::journal_export ||
      cli.command == Command::journal_repair) {
    if (!speaks) return kExitOk;
    try {
      if (cli.command == Command::journal_show) {
        print_journal_summary(cli.journal_path, stdout);
      } else if (cli.command == Command::journal_repair) {
        print_journal_repair(cli.journal_path, stdout);
      } else {
        const auto sink = open_sink(cli.run.output, cli.run.format, cli.run.columns);
        export_journal(cli.journal_path, *sink);
        sink->close();
      }
    } catch (const InputError& e) {
      std::fprintf(stderr, "drover: error: %s\n", e.what());
      return kExitUsage;
    } catch (const std::exception& e) {  // the export could not be written
      std::fprintf(stderr, "drover: error: %s\n", e.what());
      return kExitAborted;
    }
    return kExitOk;
  }
  const RuntimeCommand command =
      cli.command == Command::info ? RuntimeCommand::info : RuntimeCommand::run;
  return mpi_main(command, cli.run, argc, argv);
}

}  // namespace drover
