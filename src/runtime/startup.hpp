// The all-or-nothing start-up: every rank says Hello, rank 0 answers all with one verdict.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "launch/binding.hpp"
#include "outputs/report.hpp"
#include "protocol/messages.hpp"
#include "runtime/mpi_transport.hpp"

namespace drover {

struct StartupOutcome {
  to_worker::Welcome welcome;        // ok, the error to print, the plan
  std::vector<RankInfo> ranks;       // rank 0 only: every rank's Hello, by rank
  std::vector<RankThreads> threads;  // rank 0 only: pool and binding, by rank
};

// This rank's Hello: identity plus the verdict of its own checks.
from_worker::Hello make_hello(int rank, const RankThreads& threads, bool ok, std::string error);

// Rank 0: gathers every Hello, checks versions, kinds and each rank's own
// verdict, then runs `check_inputs` (task file, output file; returns the plan
// or throws InputError). Sends the same Welcome to every rank.
StartupOutcome startup_leader(MpiTransport& mpi, const from_worker::Hello& own,
                              const std::function<to_worker::Plan(const std::vector<from_worker::Hello>&)>& check_inputs);

// Other ranks: send the Hello, wait for the Welcome.
StartupOutcome startup_worker(MpiTransport& mpi, const from_worker::Hello& own);

}  // namespace drover
