// drover compare's driver: start each run (posix_spawn under timeout), time it, print the table.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "compare/compare.hpp"
#include "launch/binding.hpp"
#include "launch/launch_env.hpp"
#include "model/errors.hpp"
#include "model/kinds.hpp"

extern char** environ;

namespace drover {
namespace {

using namespace compare;

// A run that failed, timed out or said something unexpected: exit 3.
class RunFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

constexpr int kExitRunFailed = kExitAborted;
constexpr std::size_t kOutputKept = 1 << 16;  // the tail of a run's output, for error messages

// Cores this process may run on (taskset, cgroups' cpusets), not the machine's.
unsigned usable_cores() {
  const unsigned n = bound_cpu_count();
  return n > 0 ? n : std::max(1u, std::thread::hardware_concurrency());
}

std::string self_exe() {
  std::error_code error;
  const auto path = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error)
    throw RunFailed("cannot find drover's own binary (/proc/self/exe): " + error.message());
  return path.string();
}

std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::string dir = dirs.substr(start, end - start);
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

struct Finished {
  int exit_code = 0;   // the exit status, or 128 + signal
  std::string output;  // stdout and stderr, interleaved as written (the tail)
  double seconds = 0;
};

// Runs `cmd` (looked up on PATH) with stdin from /dev/null, stdout and stderr into one pipe.
Finished spawn_and_wait(const std::vector<std::string>& cmd) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw RunFailed(std::string("pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  std::vector<char*> argv;
  for (const std::string& arg : cmd) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);

  const auto started = std::chrono::steady_clock::now();
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (spawned != 0) {
    ::close(fds[0]);
    throw RunFailed("cannot start " + cmd[0] + ": " + std::strerror(spawned));
  }
  Finished done;
  char chunk[4096];
  for (;;) {
    const ssize_t n = ::read(fds[0], chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done.output.append(chunk, static_cast<std::size_t>(n));
    if (done.output.size() > 2 * kOutputKept)
      done.output.erase(0, done.output.size() - kOutputKept);
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  done.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  done.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return done;
}

std::string joined(const std::vector<std::string>& cmd) {
  std::string text;
  for (const std::string& arg : cmd) text += (text.empty() ? "" : " ") + arg;
  return text;
}

std::string tail(const std::string& output) {
  constexpr std::size_t kShown = 2000;
  std::string text =
      output.size() > kShown ? "..." + output.substr(output.size() - kShown) : output;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

class Driver {
 public:
  Driver(const Options& options, std::string drover, std::string mpirun, std::string dir)
      : o_(options), drover_(std::move(drover)), mpirun_(std::move(mpirun)), dir_(std::move(dir)) {}

  // One run; its figures, or RunFailed.
  Measurement measure(const Workload& work, const Configuration& config) {
    const std::string summary = dir_ + "/summary.json";
    std::filesystem::remove(summary);
    const auto cmd = command_line(drover_, mpirun_, config, run_arguments(work, config, summary),
                                  o_.timeout_seconds, ::geteuid() == 0);
    const Finished done = spawn_and_wait(cmd);
    if (done.exit_code == 124 || done.exit_code == 137) {
      throw RunFailed("timed out after " + std::to_string(o_.timeout_seconds) +
                      " s (--timeout): " + joined(cmd) + "\n" + tail(done.output));
    }
    if (done.exit_code != 0) {
      throw RunFailed("exit " + std::to_string(done.exit_code) + " from " + joined(cmd) + "\n" +
                      tail(done.output));
    }
    nlohmann::json summary_json;
    try {
      std::ifstream in(summary);
      summary_json = nlohmann::json::parse(in);
      Measurement m;
      m.drover_seconds = summary_json.at("wall_seconds").get<double>();
      m.whole_seconds = done.seconds;
      const auto tasks = summary_json.at("tasks").get<std::uint64_t>();
      if (tasks != work.tasks) {
        throw RunFailed(std::to_string(tasks) + " tasks instead of " + std::to_string(work.tasks) +
                        " from " + joined(cmd));
      }
      return m;
    } catch (const nlohmann::json::exception& e) {
      throw RunFailed("no usable --summary-json from " + joined(cmd) + " (" + e.what() + ")\n" +
                      tail(done.output));
    }
  }

 private:
  const Options& o_;
  std::string drover_;
  std::string mpirun_;
  std::string dir_;
};

// A temporary directory for the runs' summaries, removed when done.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/drover-compare-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw RunFailed("cannot create a temporary directory (" + pattern +
                      "): " + std::strerror(errno));
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The 1-minute load average before the runs: other work competes for the cores it names.
std::string load_note(unsigned cores) {
  std::ifstream in("/proc/loadavg");
  double load = 0;
  if (!(in >> load)) return "";
  char text[160];
  std::snprintf(text, sizeof text, "load average %.2f on %u cores before the runs%s\n", load, cores,
                load > 0.5 ? ": other work competes for the cores, so expect noisy figures" : "");
  return text;
}

constexpr const char* kClosingNote =
    "Every row ran concurrently for real: unlike the Python tutorial's "
    "Process(target=only_sleep()),\n"
    "which calls only_sleep() in the parent, one call after another, and hands Process its return\n"
    "value. The serial download row (one at a time) takes the sum of the durations; every other\n"
    "download row about the longest one.\n";

int run_compare(const Options& o) {
  if (detect_launch(current_env()).rank) {
    throw InputError(
        "drover compare starts its own runs and mpirun: start it directly, "
        "not under mpirun or srun");
  }
  std::string mpirun = o.mpirun;
  if (o.ranks > 1 && mpirun.empty()) {
    mpirun = find_on_path("mpirun");
    if (mpirun.empty()) {
      throw InputError("mpirun not found on PATH (needed for --ranks " + std::to_string(o.ranks) +
                       "; --ranks 1 runs without it, or give --mpirun PATH)");
    }
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> csv(nullptr, &std::fclose);
  if (!o.csv.empty()) {
    csv.reset(std::fopen(o.csv.c_str(), "w"));
    if (!csv) throw InputError("cannot create \"" + o.csv + "\": " + std::strerror(errno));
    std::fputs(csv_header().c_str(), csv.get());
  }
  const TempDir dir;
  Driver driver(o, self_exe(), mpirun, dir.path());
  std::printf(
      "drover compare: R = %u ranks, T = %u threads, %u run%s per configuration, on %u "
      "cores%s\n%s\n",
      o.ranks, o.threads, o.repeat, o.repeat == 1 ? "" : "s", o.cores,
      o.ranks > 1 ? (", mpirun = " + mpirun).c_str() : "", load_note(o.cores).c_str());
  std::fflush(stdout);

  // Warm-up: binary and libraries into the page cache, and mpirun proven to start.
  Workload warm;
  warm.tasks = 1;
  warm.count = 1000;
  driver.measure(warm, Configuration{"warm-up", 1, 1, false});
  if (o.ranks > 1) driver.measure(warm, Configuration{"warm-up", o.ranks, 1, false});

  for (const Workload& work : o.workloads) {
    const auto configs = configurations(work.lane(), o.ranks, o.threads);
    std::vector<std::vector<Measurement>> measured(configs.size());
    // Repetitions go round all configurations, so drift in the machine's load
    // spreads over every row instead of landing on one.
    for (unsigned rep = 0; rep < o.repeat; ++rep) {
      for (std::size_t i = 0; i < configs.size(); ++i) {
        const Measurement m = driver.measure(work, configs[i]);
        measured[i].push_back(m);
        std::fprintf(stderr, "  %s %s (%u x %u), run %u of %u: %.3f s, whole %.3f s\n",
                     work.kind_name().c_str(), configs[i].name.c_str(), configs[i].ranks,
                     configs[i].threads, rep + 1, o.repeat, m.drover_seconds, m.whole_seconds);
      }
    }
    const auto rows = make_rows(work, configs, measured, o.cores);
    std::printf("%s\n", format_table(work, rows, o.repeat).c_str());
    std::fflush(stdout);
    if (csv) std::fputs(csv_rows(work, rows).c_str(), csv.get());
  }
  std::fputs(kClosingNote, stdout);
  if (csv) {
    const bool written = std::fflush(csv.get()) == 0 && std::ferror(csv.get()) == 0;
    if (std::fclose(csv.release()) != 0 || !written) {
      throw RunFailed("cannot write \"" + o.csv + "\": " + std::strerror(errno));
    }
  }
  if (!o.csv.empty()) std::printf("table written to %s\n", o.csv.c_str());
  return kExitOk;
}

}  // namespace

int compare_main(int argc, const char* const argv[]) {
  const std::vector<std::string> args(argv + std::min(argc, 2), argv + argc);
  try {
    const Options options = parse_options(args, usable_cores());
    if (options.help) {
      std::fputs(help_text(options.cores).c_str(), stdout);
      return kExitOk;
    }
    return run_compare(options);
  } catch (const InputError& e) {
    std::fprintf(stderr, "drover: error: %s\n", e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "drover: error: compare: %s\n", e.what());
    return kExitRunFailed;
  }
}

}  // namespace drover
