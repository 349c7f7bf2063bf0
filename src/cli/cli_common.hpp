// Shared pieces of the command-line parsers: options from argv and env, and checked numbers.
#pragma once

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "model/task_source.hpp"

namespace drover::cli_detail {

namespace po = boost::program_options;

inline constexpr std::int64_t kI64Max = std::numeric_limits<std::int64_t>::max();
// The most pool threads per rank, from --threads or SLURM_CPUS_PER_TASK.
inline constexpr std::int64_t kMaxThreads = 4096;

// Parses a subcommand's arguments, then DROVER_<OPTION> variables from `env`,
// which only fill options the command line left unset (a variable set to the
// empty string counts as unset). po errors become InputError "drover <command>: ...".
po::variables_map parse_options(const po::options_description& desc,
                                const po::positional_options_description& positional,
                                const std::vector<std::string>& args, const EnvMap& env,
                                const std::string& command);

// The integer option `name` (or `fallback` when absent), checked to lie in [lo, hi].
std::int64_t int_in(const po::variables_map& vm, const char* name, std::int64_t fallback,
                    std::int64_t lo, std::int64_t hi);
// A duration in seconds, finite and in [0, kMaxDownloadSeconds].
double seconds_in(const po::variables_map& vm, const char* name, double fallback);
// A duration option (90s, 15m, 1h30m, HH:MM:SS, D-HH:MM:SS).
std::chrono::seconds duration_in(const po::variables_map& vm, const char* name);
// The pool size: --threads (0: the default), checked against kMaxThreads; when
// it is 0, SLURM_CPUS_PER_TASK in `env`, the default's source, is checked the
// same way, under its own name, so a bad value stops the run before start-up.
unsigned threads_in(const po::variables_map& vm, const EnvMap& env);
// Options that belong to another kind are mistakes, not silently ignored.
void reject_foreign(const po::variables_map& vm, const std::string& what,
                    std::initializer_list<const char*> names);

// Options the last parse took from DROVER_* variables: name -> "DROVER_X=value",
// so a bad value is reported under the name the user actually set.
std::map<std::string, std::string>& from_environment();

// cli_values.cpp: the options of drover run that need more than a range check.
// The generator of a built-in or registered kind, from --count/--from, --tasks, ...
Generator make_generator(const po::variables_map& vm, const std::string& kind_name);
// --timeout, --kill-grace: seconds ("0.5", "0.5s", "600") or a duration ("90s", "15m", "1:30:00").
double timeout_in(const po::variables_map& vm, const char* name);
// --halt soon,fail=3 | now,fail=3 | soon,fail=20% | never (GNU parallel's spelling).
std::optional<HaltRule> halt_in(const std::string& text);
// The exec kind's flags: a commands file or a template (the words after
// "exec" in `kinds`) and its ::: / :::: lists.
void parse_exec(const po::variables_map& vm, const std::vector<std::string>& kinds,
                std::vector<std::string> lists, RunOptions& o);
// How commands run, for drover run exec and for a task file's exec lines alike.
void parse_exec_settings(const po::variables_map& vm, RunOptions& o);

// drover journal show|export FILE
CliResult parse_journal(const std::vector<std::string>& args, const EnvMap& env);

}  // namespace drover::cli_detail
