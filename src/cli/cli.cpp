// The command line: subcommands run and info, their options, env fallbacks and validation.
#include "cli/cli.hpp"

#include <boost/program_options.hpp>
#include <cmath>
#include <limits>
#include <sstream>

#include "core/errors.hpp"
#include "core/kinds.hpp"
#include "core/messages.hpp"

namespace po = boost::program_options;

namespace drover {
namespace {

constexpr const char* kUsage =
    "usage: drover run KIND [options]        run a generated workload (square, crunch, download)\n"
    "       drover run --tasks-file FILE     run the tasks of a JSON Lines file\n"
    "       drover info                      ranks, hosts, threads, MPI and launcher facts\n"
    "       drover --version | --help        (and drover run --help, drover info --help)\n"
    "Launch under MPI with: mpirun -np N drover run ...; without mpirun one rank does all.\n";

constexpr const char* kExitCodes =
    "Exit codes: 0 every task succeeded; 1 some tasks failed (the summary lists them);\n"
    "            2 usage or input error (one line on stderr, no work started);\n"
    "            3 aborted after start-up (an output write failed, a protocol error).\n"
    "Environment: DROVER_THREADS, DROVER_BATCH, DROVER_FORMAT, DROVER_IO_WINDOW,\n"
    "             DROVER_QUIET, DROVER_OUTPUT fill options not given on the command line.\n";

// Options that may also come from the environment as DROVER_<NAME>.
const char* const kEnvOptions[] = {"threads", "batch", "format", "io-window", "quiet", "output"};

po::options_description run_options_description() {
  po::options_description d("drover run options");
  d.add_options()("help,h", "show this help")("count", po::value<std::int64_t>(),
                                              "square: how many numbers (default 10); "
                                              "crunch: increments per task (default 10000000)")(
      "from", po::value<std::int64_t>(), "square: the first number (default 0)")(
      "tasks", po::value<std::int64_t>(), "crunch, download: how many tasks (default 8, 20)")(
      "min", po::value<double>(), "download: shortest duration in seconds (default 5)")(
      "max", po::value<double>(), "download: longest duration in seconds (default 10)")(
      "seed", po::value<std::int64_t>(), "download: seed of the durations (default 1)")(
      "tasks-file", po::value<std::string>(), "JSON Lines tasks, one per line, kinds mixed")(
      "output,o", po::value<std::string>(), "write one result row per task to FILE (- is stdout)")(
      "format", po::value<std::string>()->default_value("jsonl"), "output format: jsonl or csv")(
      "unordered", po::bool_switch(), "write results as they finish, not in task order")(
      "batch", po::value<std::int64_t>()->default_value(0),
      "tasks per message; 0 sizes batches automatically, 1 disables batching")(
      "threads", po::value<std::int64_t>()->default_value(0),
      "pool threads per rank; 0: SLURM_CPUS_PER_TASK, else cores per rank on the node")(
      "io-window", po::value<std::int64_t>()->default_value(100000),
      "downloads in flight per rank at most")("quiet,q", po::bool_switch(),
                                              "no per-download start/finish lines");
  return d;
}

po::options_description info_options_description() {
  po::options_description d("drover info options");
  d.add_options()("help,h", "show this help")(
      "threads", po::value<std::int64_t>()->default_value(0), "pool threads per rank, as for run");
  return d;
}

std::string env_name_mapper(const std::string& variable) {
  for (const char* name : kEnvOptions) {
    std::string expected = "DROVER_";
    for (const char* c = name; *c != '\0'; ++c) expected += *c == '-' ? '_' : std::toupper(*c);
    if (variable == expected) return name;
  }
  return "";
}

// Parses the subcommand's arguments, then the environment, which only fills
// options the command line left unset.
po::variables_map parse_options(const po::options_description& desc,
                                const po::positional_options_description& positional,
                                const std::vector<std::string>& args, const EnvMap& env,
                                const std::string& command) {
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(desc).positional(positional).run(), vm);
    // po::parse_environment reads the process environment; build the same
    // parsed options from `env` instead, so tests can pass their own.
    po::parsed_options from_env(&desc);
    for (const auto& [variable, value] : env) {
      const std::string name = env_name_mapper(variable);
      if (name.empty() || desc.find_nothrow(name, false) == nullptr) continue;
      po::option opt;
      opt.string_key = name;
      opt.value.push_back(value);
      from_env.options.push_back(opt);
    }
    po::store(from_env, vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw InputError("drover " + command + ": " + e.what());
  }
  return vm;
}

std::int64_t int_in(const po::variables_map& vm, const char* name, std::int64_t fallback,
                    std::int64_t lo, std::int64_t hi) {
  if (vm.count(name) == 0) return fallback;
  const std::int64_t v = vm[name].as<std::int64_t>();
  if (v < lo || v > hi) {
    throw InputError("--" + std::string(name) + " " + std::to_string(v) + " is out of range [" +
                     std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return v;
}

double seconds_in(const po::variables_map& vm, const char* name, double fallback) {
  if (vm.count(name) == 0) return fallback;
  const double v = vm[name].as<double>();
  if (!std::isfinite(v) || v < 0 || v > kMaxDownloadSeconds) {
    throw InputError("--" + std::string(name) + " must be a number of seconds in [0, " +
                     std::to_string(static_cast<long long>(kMaxDownloadSeconds)) + "]");
  }
  return v;
}

// Options that belong to another kind are mistakes, not silently ignored.
void reject_foreign(const po::variables_map& vm, const std::string& what,
                    std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (vm.count(n) != 0 && !vm[n].defaulted()) {
      throw InputError("--" + std::string(n) + " does not apply to " + what);
    }
  }
}

Generator make_generator(const po::variables_map& vm, const std::string& kind_name) {
  const KindInfo* kind = find_kind(kind_name);
  if (kind == nullptr) {
    std::string known;
    for (const KindInfo& k : all_kinds())
      known += (known.empty() ? "" : ", ") + std::string(k.name);
    throw InputError("unknown kind \"" + kind_name + "\" (known: " + known + ")");
  }
  Generator g;
  g.kind = kind->id;
  constexpr std::int64_t kMaxTasks = 1'000'000'000'000'000;  // 1e15: days of squares
  constexpr std::int64_t kI64Max = std::numeric_limits<std::int64_t>::max();
  switch (kind->id) {
    case KindId::square: {
      reject_foreign(vm, "square", {"tasks", "min", "max", "seed"});
      const std::int64_t count = int_in(vm, "count", 10, 0, kMaxTasks);
      g.from = int_in(vm, "from", 0, std::numeric_limits<std::int64_t>::min(), kI64Max);
      if (count > 0 && g.from > kI64Max - (count - 1)) {
        throw InputError("--from " + std::to_string(g.from) + " with --count " +
                         std::to_string(count) + " runs past the largest 64-bit integer");
      }
      g.total = static_cast<std::uint64_t>(count);
      break;
    }
    case KindId::crunch:
      reject_foreign(vm, "crunch", {"from", "min", "max", "seed"});
      g.total = static_cast<std::uint64_t>(int_in(vm, "tasks", 8, 0, 1'000'000'000));
      g.count = int_in(vm, "count", 10'000'000, 0, kMaxCrunchCount);
      break;
    case KindId::download:
      reject_foreign(vm, "download", {"from", "count"});
      g.total = static_cast<std::uint64_t>(int_in(vm, "tasks", 20, 0, 100'000'000));
      g.min_seconds = seconds_in(vm, "min", 5.0);
      g.max_seconds = seconds_in(vm, "max", 10.0);
      if (g.min_seconds > g.max_seconds) {
        throw InputError("--min " + std::to_string(g.min_seconds) + " is above --max " +
                         std::to_string(g.max_seconds));
      }
      g.seed = static_cast<std::uint64_t>(int_in(vm, "seed", 1, 0, kI64Max));
      break;
  }
  return g;
}

CliResult parse_run(const std::vector<std::string>& args, const EnvMap& env) {
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
  if (kinds.size() > 1) throw InputError("drover run takes one kind, got \"" + kinds[1] + "\" too");
  if (vm.count("tasks-file") != 0) {
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
  o.batch = static_cast<std::uint32_t>(int_in(vm, "batch", 0, 0, 1 << 20));
  o.threads = static_cast<unsigned>(int_in(vm, "threads", 0, 0, 4096));
  o.io_window = static_cast<std::uint32_t>(int_in(vm, "io-window", 100'000, 1, 10'000'000));
  o.announce = !vm["quiet"].as<bool>();
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
  r.run.threads = static_cast<unsigned>(int_in(vm, "threads", 0, 0, 4096));
  return r;
}

}  // namespace

CliResult parse_cli(int argc, const char* const argv[], const EnvMap& env) {
  std::vector<std::string> args(argv + std::min(argc, 2), argv + argc);
  const std::string command = argc >= 2 ? argv[1] : "";
  CliResult r;
  if (command == "run") return parse_run(args, env);
  if (command == "info") return parse_info(args, env);
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

}  // namespace drover
