// The command line: subcommands run and info, their options, env fallbacks and validation.
#pragma once

#include <string>

#include "inputs/run_options.hpp"
#include "launch/launch_env.hpp"

namespace drover {

enum class Command {
  run,
  info,
  help,
  version,
  journal_show,
  journal_export,
  journal_repair,
  compare
};

struct CliResult {
  Command command = Command::help;
  RunOptions run;            // for run (and info reads threads from it)
  std::string text;          // for help and version: what to print on stdout
  std::string journal_path;  // for journal show/export (export's output options are in run)
};

// Parses and validates argv. Options also come from DROVER_<OPTION> variables
// in `env` (DROVER_THREADS, DROVER_BATCH, ...); the command line wins.
// Throws InputError with a one-line message for any bad input.
CliResult parse_cli(int argc, const char* const argv[], const EnvMap& env);

}  // namespace drover
