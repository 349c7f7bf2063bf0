// drover's entry point: parse the command line, then hand over to the MPI runtime.
#include <cstdio>

#include "cli/cli.hpp"
#include "core/errors.hpp"
#include "core/launch_env.hpp"
#include "runtime/job.hpp"

int main(int argc, char** argv) {
  using namespace drover;
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
    if (speaks) std::fprintf(stderr, "drover: error: %s\n", e.what());
    return kExitUsage;
  }
  if (cli.command == Command::help || cli.command == Command::version) {
    if (speaks) std::fputs(cli.text.c_str(), stdout);
    return kExitOk;
  }
  const RuntimeCommand command =
      cli.command == Command::info ? RuntimeCommand::info : RuntimeCommand::run;
  return mpi_main(command, cli.run, argc, argv);
}
