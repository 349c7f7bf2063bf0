// Shared pieces of the command-line parsers: options from argv and env, and checked numbers.
#include "cli/cli_common.hpp"

#include <charconv>
#include <cmath>
#include <string>

#include "kinds/kernels.hpp"
#include "launch/durations.hpp"
#include "model/errors.hpp"
#include "model/kinds.hpp"

namespace drover::cli_detail {
namespace {

// Options that may also come from the environment as DROVER_<NAME>.
const char* const kEnvOptions[] = {"threads", "batch", "format", "io-window", "quiet", "output"};

std::string env_name_mapper(const std::string& variable) {
  for (const char* name : kEnvOptions) {
    std::string expected = "DROVER_";
    for (const char* c = name; *c != '\0'; ++c) expected += *c == '-' ? '_' : std::toupper(*c);
    if (variable == expected) return name;
  }
  return "";
}

}  // namespace

po::variables_map parse_options(const po::options_description& desc,
                                const po::positional_options_description& positional,
                                const std::vector<std::string>& args, const EnvMap& env,
                                const std::string& command) {
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(desc).positional(positional).run(), vm);
    // po::parse_environment reads the process environment; build the same
    // parsed options from `env` instead, so tests can pass their own.
    for (const auto& [variable, value] : env) {
      const std::string name = env_name_mapper(variable);
      // DROVER_THREADS= (set, but to nothing) is how shells unset in passing.
      if (name.empty() || value.empty() || desc.find_nothrow(name, false) == nullptr) continue;
      po::option opt;
      opt.string_key = name;
      opt.value.push_back(value);
      po::parsed_options one(&desc);
      one.options.push_back(opt);
      // One at a time, so an error names the variable the user set.
      try {
        if (vm.count(name) == 0 || vm[name].defaulted()) {
          from_environment().emplace(name, variable + "=" + value);
        }
        po::store(one, vm);
      } catch (const po::error& e) {
        throw InputError(variable + "=" + value + ": " + e.what());
      }
    }
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

unsigned threads_in(const po::variables_map& vm, const EnvMap& env) {
  const auto threads = static_cast<unsigned>(int_in(vm, "threads", 0, 0, kMaxThreads));
  const auto slurm = env.find("SLURM_CPUS_PER_TASK");
  if (threads != 0 || slurm == env.end() || slurm->second.empty()) return threads;
  const std::string& text = slurm->second;
  std::int64_t cpus = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), cpus);
  if (ec != std::errc() || end != text.data() + text.size() || cpus < 1 || cpus > kMaxThreads) {
    throw InputError("SLURM_CPUS_PER_TASK=" + text + " is not a thread count in [1, " +
                     std::to_string(kMaxThreads) + "] (the default of --threads); set --threads N");
  }
  return threads;
}

void reject_foreign(const po::variables_map& vm, const std::string& what,
                    std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (vm.count(n) != 0 && !vm[n].defaulted()) {
      throw InputError("--" + std::string(n) + " does not apply to " + what);
    }
  }
}

std::chrono::seconds duration_in(const po::variables_map& vm, const char* name) {
  const std::string text = vm[name].as<std::string>();
  const auto d = parse_duration(text);
  if (!d) {
    throw InputError("--" + std::string(name) + " \"" + text +
                     "\" is not a duration (try 90s, 15m, 1h30m or HH:MM:SS)");
  }
  return *d;
}

std::map<std::string, std::string>& from_environment() {
  static std::map<std::string, std::string> options;
  return options;
}

}  // namespace drover::cli_detail
