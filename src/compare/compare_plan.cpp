// What drover compare runs: the configurations of each kind and their command lines.
#include <string>

#include "compare/compare.hpp"
#include "kinds/generators.hpp"
#include "model/kinds.hpp"

namespace drover::compare {
namespace {

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

}  // namespace

Generator Workload::generator() const {
  if (lane() == Lane::cpu) return crunch_generator(tasks, count);
  return download_generator(tasks, min_seconds, max_seconds, seed);
}

KindId Workload::kind() const {
  return generator().kind;
}

Lane Workload::lane() const {
  return cpu_bound ? Lane::cpu : Lane::io;
}

const std::string& Workload::kind_name() const {
  return kind_info(kind()).name;
}

std::string Workload::describe() const {
  if (cpu_bound) {
    return std::to_string(tasks) + " crunch tasks of " + std::to_string(count) +
           " increments (CPU-bound)";
  }
  return std::to_string(tasks) + " downloads of " + number(min_seconds) + "-" +
         number(max_seconds) + " s, seed " + std::to_string(seed) + " (IO-bound)";
}

std::vector<Configuration> configurations(Lane lane, unsigned ranks, unsigned threads) {
  std::vector<Configuration> all;
  if (lane == Lane::io) {
    all.push_back({"serial", 1, 1, true});
    all.push_back({"async lane", 1, 1, false});
  } else {
    all.push_back({"serial", 1, 1, false});
  }
  const Configuration candidates[] = {{"threads", 1, threads, false},
                                      {"processes", ranks, 1, false},
                                      {"both", ranks, threads, false}};
  for (const Configuration& c : candidates) {
    bool seen = false;
    for (const Configuration& earlier : all) {
      seen = seen || (earlier.ranks == c.ranks && earlier.threads == c.threads &&
                      earlier.one_at_a_time == c.one_at_a_time);
    }
    if (!seen) all.push_back(c);
  }
  return all;
}

std::vector<std::string> run_arguments(const Workload& work, const Configuration& config,
                                       const std::string& summary_json) {
  std::vector<std::string> args = {"run", work.kind_name(), "--tasks", std::to_string(work.tasks)};
  if (work.cpu_bound) {
    args.insert(args.end(), {"--count", std::to_string(work.count)});
  } else {
    args.insert(args.end(), {"--min", number(work.min_seconds), "--max", number(work.max_seconds),
                             "--seed", std::to_string(work.seed)});
  }
  args.insert(args.end(), {"--threads", std::to_string(config.threads)});
  if (config.one_at_a_time) args.insert(args.end(), {"--io-window", "1"});
  args.insert(args.end(), {"-q", "--summary-json", summary_json});
  return args;
}

std::vector<std::string> command_line(const std::string& drover, const std::string& mpirun,
                                      const Configuration& config,
                                      const std::vector<std::string>& arguments,
                                      unsigned timeout_seconds, bool as_root) {
  // -k: a run that ignores SIGTERM (an mpirun waiting on a stuck rank) is killed 10 s later.
  std::vector<std::string> cmd = {"timeout", "-k", "10", std::to_string(timeout_seconds)};
  if (config.ranks > 1) {
    cmd.insert(cmd.end(), {mpirun, "--quiet", "--oversubscribe", "--bind-to", "none"});
    if (as_root) cmd.push_back("--allow-run-as-root");
    // Ranks beyond the cores must not busy-poll each other off them.
    cmd.insert(cmd.end(),
               {"--mca", "mpi_yield_when_idle", "1", "-np", std::to_string(config.ranks)});
  }
  cmd.push_back(drover);
  cmd.insert(cmd.end(), arguments.begin(), arguments.end());
  return cmd;
}

}  // namespace drover::compare
