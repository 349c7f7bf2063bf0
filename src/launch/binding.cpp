// Pool size against CPU binding: what a rank may use, and a warning when pool and binding disagree.
#include "launch/binding.hpp"

#include <sched.h>

namespace drover {

unsigned bound_cpu_count() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 0;
  return static_cast<unsigned>(CPU_COUNT(&set));
}

namespace {

// "rank 3", "every rank (rank 0)" or "3 of 8 ranks (rank 3)": the first
// offender stands for all. Built by appends: g++ 12 at -O3 warns falsely
// (-Wrestrict) on chains of literal + std::string.
std::string who(const std::vector<const RankThreads*>& found, std::size_t world) {
  std::string first = "rank ";
  first += std::to_string(found.front()->rank);
  if (found.size() == 1 && world == 1) return first;
  std::string out;
  if (found.size() == world) {
    out = "every rank (";
  } else {
    out += std::to_string(found.size());
    out += " of ";
    out += std::to_string(world);
    out += " ranks (";
  }
  out += first;
  out += ")";
  return out;
}

}  // namespace

std::optional<std::string> binding_warning(const std::vector<RankThreads>& ranks,
                                           bool threads_given) {
  std::vector<const RankThreads*> crowded;
  std::vector<const RankThreads*> cut;
  for (const RankThreads& r : ranks) {
    if (r.bound_cpus == 0) continue;  // affinity unknown: nothing to say
    if (r.threads > r.bound_cpus) {
      crowded.push_back(&r);
    } else if (!threads_given && r.bound_cpus < r.node_share && r.threads == r.bound_cpus) {
      cut.push_back(&r);
    }
  }
  std::string out;
  if (!crowded.empty()) {
    const RankThreads& r = *crowded.front();
    const std::string threads = std::to_string(r.threads);
    out = who(crowded, ranks.size());
    out += " runs ";
    out += threads;
    out += " pool threads on ";
    out += std::to_string(r.bound_cpus);
    out += " bound cpu(s): they take turns; launch with mpirun --bind-to none or --map-by slot:PE=";
    out += threads;
    out += ", or srun --cpus-per-task=";
    out += threads;
    return out;
  }
  if (!cut.empty()) {
    const RankThreads& r = *cut.front();
    out = who(cut, ranks.size());
    out += " is bound to ";
    out += std::to_string(r.bound_cpus);
    out += " cpu(s) of its ";
    out += std::to_string(r.node_share);
    out +=
        "-core share of the node, so runs as many pool threads (Open MPI binds each rank to "
        "one core at -np 2 or less); for ";
    out += std::to_string(r.node_share);
    out += ", launch with mpirun --bind-to none";
    return out;
  }
  return std::nullopt;
}

}  // namespace drover
