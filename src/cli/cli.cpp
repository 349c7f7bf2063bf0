// The command line: subcommands run and info, their options, env fallbacks and validation.
#include "cli/cli.hpp"

#include "cli/cli_common.hpp"

#include <algorithm>
#include <boost/program_options.hpp>
#include <sstream>

#include "model/errors.hpp"
#include "protocol/messages.hpp"

namespace po = boost::program_options;

namespace drover {
namespace {

using namespace cli_detail;

constexpr const char* kUsage =
    "usage: drover run KIND [options]        run a generated workload (square, crunch, download)\n"
    "       drover run --tasks-file FILE     run the tasks of a JSON Lines file\n"
    "       drover run exec --commands FILE  run each line of FILE through /bin/sh (- is stdin)\n"
    "       drover run exec 'TEMPLATE {}' ::: A B ... | :::: FILE   GNU parallel's templates\n"
    "       drover info                      ranks, hosts, threads, MPI and launcher facts\n"
    "       drover journal show|export FILE  what a journal holds; its results as rows\n"
    "       drover compare [options]         serial vs threads vs processes (see its --help)\n"
    "       drover --version | --help        (and drover run --help, drover info --help)\n"
    "Launch under MPI with: mpirun -np N drover run ...; without mpirun one rank does all.\n";

constexpr const char* kExitCodes =
    "Exit codes: 0 every task succeeded; 1 some tasks failed (the summary lists them);\n"
    "            2 usage or input error (one line on stderr, no work started);\n"
    "            3 aborted after start-up (an output write failed, a protocol error);\n"
    "            4 stopped early by a signal or the time limit: run again with --resume.\n"
    "Environment: DROVER_THREADS, DROVER_BATCH, DROVER_FORMAT, DROVER_IO_WINDOW,\n"
    "             DROVER_QUIET, DROVER_OUTPUT fill options not given on the command line.\n";

// One option per line reads better than clang-format's packed chain.
// clang-format off
po::options_description run_options_description() {
  po::options_description d("drover run options");
  d.add_options()
      ("help,h", "show this help")
      ("count", po::value<std::int64_t>(), "square: how many numbers (default 10); "
                                           "crunch: increments per task (default 10000000)")
      ("from", po::value<std::int64_t>(), "square: the first number (default 0)")
      ("tasks", po::value<std::int64_t>(), "crunch, download: how many tasks (default 8, 20)")
      ("min", po::value<double>(), "download: shortest duration in seconds (default 5)")
      ("max", po::value<double>(), "download: longest duration in seconds (default 10)")
      ("seed", po::value<std::int64_t>(), "download: seed of the durations (default 1)")
      ("tasks-file", po::value<std::string>(), "JSON Lines tasks, one per line, kinds mixed "
       "(- is stdin)")
      ("output,o", po::value<std::string>(), "write one result row per task to FILE (- is stdout)")
      ("format", po::value<std::string>()->default_value("jsonl"), "output format: jsonl or csv")
      ("columns", po::value<std::string>(), "result fields to write, in order (default: id,kind,"
       "input,ok,value,metric,error,attempts,rank,host,pid,thread,start_us,end_us)")
      ("unordered", po::bool_switch(), "write results as they finish, not in task order")
      ("order-buffer", po::value<std::int64_t>()->default_value(32),
       "MiB of finished results that may wait for an earlier, slower task to be written in "
       "order; when they reach it, no new work is sent until that task finishes")
      ("batch", po::value<std::int64_t>()->default_value(0),
       "tasks per message; 0 sizes batches automatically, 1 disables batching")
      ("threads", po::value<std::int64_t>()->default_value(0),
       "pool threads per rank; 0: SLURM_CPUS_PER_TASK, else cores per rank on the node")
      ("io-window", po::value<std::int64_t>()->default_value(100000),
       "downloads in flight per rank at most")
      ("quiet,q", po::bool_switch(), "no per-download start/finish lines")
      ("journal", po::value<std::string>(), "append every finished batch to FILE, for --resume")
      ("resume", po::bool_switch(), "continue the run in --journal FILE: skip what it holds, "
       "run the rest (a missing journal starts a new one)")
      ("retry-failed", po::bool_switch(), "with --resume: run the tasks the journal holds as "
       "failed again (they are dropped from it first)")
      ("fsync-every", po::value<std::int64_t>()->default_value(0),
       "fsync the journal every N records (0: not by count)")
      ("fsync-interval", po::value<std::int64_t>()->default_value(1000),
       "fsync the journal every MS milliseconds (0: not by time); always at the end")
      ("retries", po::value<std::int64_t>()->default_value(0),
       "run a failed task up to N more times, on another rank when there is one")
      ("exclude-after", po::value<std::int64_t>()->default_value(3),
       "give a rank no more work after N of its failures in a row succeeded elsewhere (0: never)")
      ("time-limit", po::value<std::string>(), "how long the run may take (90s, 15m, 1h30m, "
       "HH:MM:SS); default: what the Slurm job has left, when it has a limit")
      ("stop-before", po::value<std::string>()->default_value("60s"),
       "stop dispatching this long before the time limit (a tenth of the limit when that is "
       "shorter)")
      ("grace", po::value<std::string>()->default_value("20s"),
       "after a stop (signal or time), wait this long for work in flight, then leave it "
       "unfinished for --resume")
      ("trace", po::value<std::string>(), "write a Chrome trace (Perfetto, chrome://tracing) "
       "of every task to FILE (- is stdout): a lane per rank and thread")
      ("summary-json", po::value<std::string>(), "also write the summary to FILE as JSON "
       "(- is stdout)")
      ("progress", po::value<std::string>(), "a progress line every DURATION on stderr (for "
       "logs); without it, a live line when stderr is a terminal")
      ("commands", po::value<std::string>(), "exec: one shell command per line of FILE (- is "
       "stdin; blank lines and # comments skipped; #DROVER BARRIER waits for all before it)")
      ("slots", po::value<std::int64_t>(), "exec: commands at once per rank (default: its pool "
       "threads); a task of \"cores\": k takes k")
      ("timeout", po::value<std::string>(), "exec: end a command after DURATION (seconds, or 90s, "
       "15m, ...): SIGTERM to its process group, SIGKILL after --kill-grace")
      ("kill-grace", po::value<std::string>(), "exec: between SIGTERM and SIGKILL (default 2s)")
      ("tag", po::bool_switch(), "exec: prefix each output line with the task id and a tab")
      ("task-output", po::value<std::string>(), "exec: each task's stdout and stderr to files "
       "DIR/<id/1000>/<id>/out and err instead of drover's")
      ("capture", po::value<std::int64_t>(), "exec: keep the last N bytes of each command's "
       "stdout in its row (column captured)")
      ("joblog", po::value<std::string>(), "exec: write GNU parallel's joblog to FILE")
      ("halt", po::value<std::string>(), "stop dispatching after failures, as GNU parallel: "
       "soon,fail=N (tasks in flight finish), now,fail=N (they are ended), fail=N% of the "
       "finished tasks; never (the default)");
  return d;
}
// clang-format on

po::options_description info_options_description() {
  po::options_description d("drover info options");
  d.add_options()("help,h", "show this help")(
      "threads", po::value<std::int64_t>()->default_value(0), "pool threads per rank, as for run");
  return d;
}

CliResult parse_run(const std::vector<std::string>& all_args, const EnvMap& env) {
  // GNU parallel's argument lists are not options: everything from the first
  // ::: or :::: on is theirs, so a word like -v in a list is an argument.
  std::vector<std::string> args = all_args;
  std::vector<std::string> lists;
  const auto first_list = std::find_if(
      args.begin(), args.end(), [](const std::string& a) { return a == ":::" || a == "::::"; });
  lists.assign(first_list, args.end());
  args.erase(first_list, args.end());

  po::options_description desc = run_options_description();
  po::options_description all = desc;
  all.add_options()("kind", po::value<std::vector<std::string>>(), "work kind");
  po::positional_options_description positional;
  positional.add("kind", -1);
  const po::variables_map vm = parse_options(all, positional, args, env, "run");

  CliResult r;
  if (vm.count("help") != 0) {
    std::ostringstream text;
    text << kUsage << "\n" << desc << "\n" << kExitCodes;
    r.text = text.str();
    return r;
  }
  r.command = Command::run;
  RunOptions& o = r.run;
  const auto kinds =
      vm.count("kind") ? vm["kind"].as<std::vector<std::string>>() : std::vector<std::string>{};
  const bool exec = !kinds.empty() && kinds[0] == "exec";
  if (kinds.size() > 1 && !exec) {
    throw InputError("drover run takes one kind, got \"" + kinds[1] + "\" too");
  }
  if (!exec) {
    if (!lists.empty()) throw InputError(lists[0] + " lists go with drover run exec 'TEMPLATE'");
    for (const char* name :
         {"commands", "slots", "timeout", "kill-grace", "task-output", "capture", "joblog"}) {
      // Task files may hold exec tasks: their flags apply there too.
      const bool task_file_flag = vm.count("tasks-file") != 0 && std::string(name) != "commands";
      if (vm.count(name) != 0 && !task_file_flag) {
        throw InputError(std::string("--") + name + " is for drover run exec (or a task file)");
      }
    }
    if (vm["tag"].as<bool>() && vm.count("tasks-file") == 0) {
      throw InputError("--tag is for drover run exec (or a task file)");
    }
  }
  if (exec) {
    if (vm.count("tasks-file") != 0) throw InputError("give exec or --tasks-file, not both");
    parse_exec(vm, kinds, std::move(lists), o);
  } else if (vm.count("tasks-file") != 0) {
    if (!kinds.empty()) throw InputError("give a kind or --tasks-file, not both");
    reject_foreign(vm, "--tasks-file", {"count", "from", "tasks", "min", "max", "seed"});
    o.tasks_file = vm["tasks-file"].as<std::string>();
    if (o.tasks_file.empty()) throw InputError("--tasks-file must name a file");
  } else if (kinds.empty()) {
    throw InputError("drover run needs a kind (square, crunch, download) or --tasks-file");
  } else {
    o.generator = make_generator(vm, kinds[0]);
  }

  if (vm.count("output") != 0) {
    o.output = vm["output"].as<std::string>();
    if (o.output.empty()) throw InputError("--output must name a file");
  }
  const std::string format = vm["format"].as<std::string>();
  if (format == "jsonl") {
    o.format = OutputFormat::jsonl;
  } else if (format == "csv") {
    o.format = OutputFormat::csv;
  } else {
    throw InputError("--format must be jsonl or csv, not \"" + format + "\"");
  }
  o.ordered = !vm["unordered"].as<bool>();
  o.order_buffer_mib = static_cast<std::uint32_t>(int_in(vm, "order-buffer", 32, 1, 1 << 20));
  o.batch = static_cast<std::uint32_t>(int_in(vm, "batch", 0, 0, 1 << 20));
  o.threads = threads_in(vm, env);
  o.io_window = static_cast<std::uint32_t>(int_in(vm, "io-window", 100'000, 1, 10'000'000));
  o.announce = !vm["quiet"].as<bool>();
  if (vm.count("columns") != 0) {
    o.columns = parse_columns(vm["columns"].as<std::string>());
    o.columns_given = true;
  }
  if (exec || !o.tasks_file.empty()) parse_exec_settings(vm, o);
  if (vm.count("halt") != 0) o.halt = halt_in(vm["halt"].as<std::string>());
  if (vm.count("journal") != 0) {
    o.journal = vm["journal"].as<std::string>();
    if (o.journal.empty()) throw InputError("--journal must name a file");
    if (o.journal == "-") {
      throw InputError("--journal -: a journal is read back by --resume; name a file, not stdout");
    }
  }
  o.resume = vm["resume"].as<bool>();
  if (o.resume && o.journal.empty()) throw InputError("--resume needs --journal FILE");
  o.retry_failed = vm["retry-failed"].as<bool>();
  if (o.retry_failed && !o.resume) throw InputError("--retry-failed needs --resume");
  o.fsync.every_records = static_cast<std::uint64_t>(int_in(vm, "fsync-every", 0, 0, kI64Max));
  o.fsync.every_interval =
      std::chrono::milliseconds(int_in(vm, "fsync-interval", 1000, 0, 86'400'000));
  o.retries = static_cast<std::uint32_t>(int_in(vm, "retries", 0, 0, 100));
  o.exclude_after = static_cast<std::uint32_t>(int_in(vm, "exclude-after", 3, 0, 1'000'000));
  if (vm.count("time-limit") != 0) o.time_limit = duration_in(vm, "time-limit");
  o.stop_before = duration_in(vm, "stop-before");
  o.grace = duration_in(vm, "grace");
  if (vm.count("trace") != 0) o.trace = vm["trace"].as<std::string>();
  if (vm.count("summary-json") != 0) o.summary_json = vm["summary-json"].as<std::string>();
  if (vm.count("progress") != 0) {
    o.progress_every = duration_in(vm, "progress");
    if (o.progress_every->count() == 0) throw InputError("--progress must be at least 1s");
  }
  return r;
}

CliResult parse_info(const std::vector<std::string>& args, const EnvMap& env) {
  const po::options_description desc = info_options_description();
  const po::variables_map vm = parse_options(desc, {}, args, env, "info");
  CliResult r;
  if (vm.count("help") != 0) {
    std::ostringstream text;
    text << "usage: drover info [--threads N]   (under mpirun: one row per rank)\n\n" << desc;
    r.text = text.str();
    return r;
  }
  r.command = Command::info;
  r.run.threads = threads_in(vm, env);
  return r;
}

}  // namespace

namespace {

CliResult parse_cli_unchecked(int argc, const char* const argv[], const EnvMap& env);

}  // namespace

// Validation messages name options ("--format must be ..."); when the value
// came from the environment, say which variable held it.
CliResult parse_cli(int argc, const char* const argv[], const EnvMap& env) {
  cli_detail::from_environment().clear();
  try {
    return parse_cli_unchecked(argc, argv, env);
  } catch (const InputError& e) {
    const std::string message = e.what();
    for (const auto& [name, setting] : cli_detail::from_environment()) {
      if (message.rfind("--" + name + " ", 0) == 0) throw InputError(setting + ": " + message);
    }
    throw;
  }
}

namespace {

CliResult parse_cli_unchecked(int argc, const char* const argv[], const EnvMap& env) {
  std::vector<std::string> args(argv + std::min(argc, 2), argv + argc);
  const std::string command = argc >= 2 ? argv[1] : "";
  CliResult r;
  if (command == "run") return parse_run(args, env);
  if (command == "info") return parse_info(args, env);
  if (command == "journal") return cli_detail::parse_journal(args, env);
  if (command == "compare") {
    r.command = Command::compare;  // compare_main parses its own options
    return r;
  }
  if (command == "--version" || command == "-V") {
    r.command = Command::version;
    r.text = "drover " DROVER_VERSION " (protocol " + std::to_string(kProtocolVersion) + ")\n";
    return r;
  }
  if (command == "--help" || command == "-h" || command == "help") {
    r.text = std::string(kUsage) + kExitCodes;
    return r;
  }
  if (command.empty()) throw InputError("no command given; try drover --help");
  throw InputError("unknown command \"" + command + "\"; try drover --help");
}

}  // namespace

}  // namespace drover
