// Pool size against CPU binding: what a rank may use, and a warning when pool and binding disagree.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace drover {

// CPUs this process may run on (its affinity mask), 0 if unknown.
unsigned bound_cpu_count();

// What one rank said about its threads at start-up.
struct RankThreads {
  int rank = 0;
  unsigned threads = 0;     // pool threads it runs
  unsigned bound_cpus = 0;  // CPUs its affinity mask allows; 0: unknown
  unsigned node_share = 0;  // the node's cores divided by the ranks on it
};

// One line when pool and binding disagree, else nullopt: more threads than
// bound CPUs (they take turns on a core), or, when --threads was not given,
// a default cut short because the launcher bound each rank to fewer CPUs
// than its share of the node (Open MPI binds to one core at -np 2 or less).
std::optional<std::string> binding_warning(const std::vector<RankThreads>& ranks,
                                           bool threads_given);

}  // namespace drover
