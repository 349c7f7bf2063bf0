// drover compare's command line: options, defaults from the machine, and the help text.
#include <boost/program_options.hpp>
#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>

#include "compare/compare.hpp"
#include "kinds/kernels.hpp"
#include "model/errors.hpp"
#include "model/kinds.hpp"

namespace po = boost::program_options;

namespace drover::compare {
namespace {

constexpr std::int64_t kDefaultCount = 200'000'000;  // about 50 ms a task at 0.26 ns an increment
constexpr std::uint64_t kDefaultDownloads = 16;
constexpr double kDefaultMin = 0.2;
constexpr double kDefaultMax = 0.4;

constexpr const char* kExplanation =
    "What the rows mean:\n"
    "  serial     1 rank x 1 thread, no mpirun. For download it also takes --io-window 1:\n"
    "             drover's async lane overlaps downloads even on one thread, so \"serial\"\n"
    "             has to ask for one download at a time; it takes the sum of the durations.\n"
    "  async lane (download only) 1 rank x 1 thread, the lane free: about the longest\n"
    "             download. IO-bound work gains from concurrency beyond the cores.\n"
    "  threads    1 rank x T threads, no mpirun: one process, T pool threads.\n"
    "  processes  R ranks x 1 thread, under mpirun -np R.\n"
    "  both       R ranks x T threads, under mpirun -np R.\n"
    "CPU-bound work (crunch) gains only from cores: up to min(workers, cores) times faster;\n"
    "beyond the cores there is only oversubscription, which the OS time-slices.\n"
    "Every configuration really runs concurrently: unlike the Python tutorial's\n"
    "Process(target=only_sleep()), which calls only_sleep() in the parent, one call after\n"
    "another, and hands Process its return value. The serial download row shows the\n"
    "difference: one at a time it takes the sum of the durations, every other row about\n"
    "the longest one.\n"
    "\"drover s\" is drover's own time (first dispatch to last result, from --summary-json);\n"
    "\"whole s\" is the whole process, spawn to exit, MPI start-up included. Speed-up is\n"
    "serial's drover time over the row's; efficiency is speed-up / cores used (CPU kinds).\n"
    "Each run is drover run ... -q --summary-json FILE under timeout; mpirun is the one on\n"
    "PATH, with --quiet --oversubscribe --bind-to none (Open MPI's options).\n"
    "Exit codes: 0 done; 2 bad options; 3 a run failed or timed out (its output shown).\n";

// A default as the help shows it: the shortest text that reads back as the
// same double ("0.2"), not boost's 17 digits ("0.20000000000000001").
std::string as_written(double value) {
  char text[32];
  const auto [end, ec] = std::to_chars(text, text + sizeof text, value);
  return ec == std::errc() ? std::string(text, end) : std::to_string(value);
}

po::options_description describe_options(unsigned cores) {
  const std::string c = std::to_string(cores);
  po::options_description d("drover compare options");
  // clang-format off
  d.add_options()
      ("help,h", "show this help")
      ("kinds", po::value<std::string>()->default_value("crunch,download"),
       "work kinds to compare, comma-separated: crunch (CPU-bound), download (IO-bound)")
      ("ranks", po::value<std::int64_t>(), ("R, ranks of processes and both (default: the cores "
       "this process may run on, " + c + " here)").c_str())
      ("threads", po::value<std::int64_t>(), ("T, pool threads of threads and both (default: the "
       "cores, " + c + " here)").c_str())
      ("repeat", po::value<std::int64_t>()->default_value(3), "K: runs per configuration; the "
       "table shows the median [min-max]")
      ("tasks", po::value<std::int64_t>(), ("tasks of every kind (default: crunch 8 x cores = " +
       std::to_string(8 * cores) + ", download " + std::to_string(kDefaultDownloads) + ")").c_str())
      ("count", po::value<std::int64_t>()->default_value(kDefaultCount),
       "crunch: increments per task")
      ("min", po::value<double>()->default_value(kDefaultMin, as_written(kDefaultMin)),
       "download: shortest duration, s")
      ("max", po::value<double>()->default_value(kDefaultMax, as_written(kDefaultMax)),
       "download: longest duration, s")
      ("seed", po::value<std::int64_t>()->default_value(1), "download: seed of the durations")
      ("csv", po::value<std::string>(), "also write the table to FILE as CSV")
      ("timeout", po::value<std::int64_t>()->default_value(600), "seconds each run may take")
      ("mpirun", po::value<std::string>(), "the mpirun to use (default: mpirun on PATH)");
  // clang-format on
  return d;
}

std::int64_t checked(const po::variables_map& vm, const char* name, std::int64_t lo,
                     std::int64_t hi) {
  const std::int64_t v = vm[name].as<std::int64_t>();
  if (v < lo || v > hi) {
    throw InputError("--" + std::string(name) + " " + std::to_string(v) + " is out of range [" +
                     std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return v;
}

double seconds(const po::variables_map& vm, const char* name) {
  const double v = vm[name].as<double>();
  if (!std::isfinite(v) || v < 0 || v > 3600) {
    throw InputError("--" + std::string(name) + " must be between 0 and 3600 seconds");
  }
  return v;
}

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(list);
  while (std::getline(in, part, ',')) {
    const auto first = part.find_first_not_of(' ');
    const auto last = part.find_last_not_of(' ');
    parts.push_back(first == std::string::npos ? "" : part.substr(first, last - first + 1));
  }
  return parts;
}

}  // namespace

std::string help_text(unsigned cores) {
  std::ostringstream text;
  text << "usage: drover compare [options]   (not under mpirun: it starts its own runs)\n"
       << "Runs the same work serially, with threads, with processes and with both, and\n"
       << "prints a table of times, speed-ups and why each row looks the way it does.\n\n"
       << describe_options(cores) << "\n"
       << kExplanation;
  return text.str();
}

Options parse_options(const std::vector<std::string>& args, unsigned cores) {
  const po::options_description desc = describe_options(cores);
  po::variables_map vm;
  try {
    const po::parsed_options parsed = po::command_line_parser(args).options(desc).run();
    const auto stray = po::collect_unrecognized(parsed.options, po::include_positional);
    if (!stray.empty()) throw InputError("drover compare takes no argument \"" + stray[0] + "\"");
    po::store(parsed, vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw InputError(std::string("drover compare: ") + e.what());
  }
  Options o;
  o.cores = std::max(1u, cores);
  if (vm.count("help") != 0) {
    o.help = true;
    return o;
  }
  o.ranks = vm.count("ranks") ? static_cast<unsigned>(checked(vm, "ranks", 1, 1024)) : o.cores;
  o.threads =
      vm.count("threads") ? static_cast<unsigned>(checked(vm, "threads", 1, 1024)) : o.cores;
  o.repeat = static_cast<unsigned>(checked(vm, "repeat", 1, 100));
  o.timeout_seconds = static_cast<unsigned>(checked(vm, "timeout", 1, 7 * 24 * 3600));
  const std::int64_t count = checked(vm, "count", 1, kMaxCrunchCount);
  const double min = seconds(vm, "min");
  const double max = seconds(vm, "max");
  if (min > max) throw InputError("--min is above --max");
  const auto seed =
      static_cast<std::uint64_t>(checked(vm, "seed", 0, std::numeric_limits<std::int64_t>::max()));
  // 0: each kind's default (a plain number: g++ 12 misreads an optional here).
  const std::int64_t tasks = vm.count("tasks") ? checked(vm, "tasks", 1, 10'000'000) : 0;
  if (vm.count("csv") != 0) {
    o.csv = vm["csv"].as<std::string>();
    if (o.csv.empty()) throw InputError("--csv must name a file");
  }
  if (vm.count("mpirun") != 0) {
    o.mpirun = vm["mpirun"].as<std::string>();
    if (o.mpirun.empty()) throw InputError("--mpirun must name a program");
  }
  for (const std::string& name : split(vm["kinds"].as<std::string>())) {
    Workload w;
    if (name == "crunch") {
      w.cpu_bound = true;
      w.tasks =
          static_cast<std::uint64_t>(tasks > 0 ? tasks : 8 * static_cast<std::int64_t>(o.cores));
      w.count = count;
    } else if (name == "download") {
      w.cpu_bound = false;
      w.tasks = static_cast<std::uint64_t>(tasks > 0 ? static_cast<std::uint64_t>(tasks)
                                                     : kDefaultDownloads);
      w.min_seconds = min;
      w.max_seconds = max;
      w.seed = seed;
    } else {
      throw InputError("--kinds: \"" + name + "\" is not crunch or download");
    }
    for (const Workload& earlier : o.workloads) {
      if (earlier.cpu_bound == w.cpu_bound) throw InputError("--kinds names " + name + " twice");
    }
    o.workloads.push_back(w);
  }
  if (o.workloads.empty()) throw InputError("--kinds names no kind");
  return o;
}

}  // namespace drover::compare
