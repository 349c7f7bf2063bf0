// drover::Runtime: MPI, every rank's pool, the all-or-nothing start-up, and the leader's Pool.
//
//   int main(int argc, char** argv) {
//     drover::Runtime rt(argc, argv);          // every rank
//     if (!rt.is_leader()) return rt.serve();  // workers run tasks until the leader is done
//     auto sq = rt.pool().map<square>(drover::iota(1, 6));  // {1, 4, 9, 16, 25}
//   }
//
// Rank 0 leads and works too. One thread per rank talks to MPI: on rank 0 a
// thread of the runtime's own, so the caller's thread may block in get() or
// map() while work goes on.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "drover/pool.hpp"

namespace drover {

struct Options {
  // Pool threads per rank; 0: SLURM_CPUS_PER_TASK, else the node's cores
  // shared among its ranks, never more than the rank's CPU binding allows.
  unsigned threads = 0;
  std::uint32_t batch = 0;          // tasks per message; 0 sizes batches by measured cost
  std::uint32_t retries = 0;        // how many more times a failed task runs, elsewhere
  std::uint32_t exclude_after = 3;  // a rank whose failures succeed elsewhere this often is dropped
  // At the end of the work, a thread that idles while another rank holds
  // queued tasks takes them back (rank 0 revokes and resends them); false
  // keeps every batch where it was sent (for comparisons).
  bool take_back = true;
  std::uint64_t max_pending = 1 << 20;  // submitted tasks not yet finished before submit() waits

  // What the CLI's --trace, --progress, --summary and --summary-json give, for
  // every task the runtime ran. Empty or zero: off (a library writes nothing
  // of its own unless asked).
  std::string trace;                          // a Chrome trace: one bar per batch, a row per rank
  std::chrono::milliseconds progress_every{};  // a progress line on stderr this often
  bool summary = false;                       // the closing summary on stderr, as the CLI prints it
  std::string summary_json;                   // the same as one JSON object in this file

  // A journal of every finished task, as the CLI's --journal: a new file, or
  // with `resume` the journal of an earlier run of this program, whose tasks
  // are then answered from it instead of run again. Tasks are known by their
  // submission order: the program must submit the same work in the same
  // order (a task whose kind or input differs from the journal's is refused,
  // naming it). Without resume, an existing non-empty journal is refused.
  std::string journal;
  bool resume = false;

  // The clean stop, as the CLI's: on SIGTERM, SIGINT or SIGUSR1 on any rank,
  // or stop_before ahead of the time limit (this one, else the Slurm job's,
  // found by itself), no more tasks start; tasks running get `grace`, then
  // calls still waiting, and submissions after, throw drover::stopped_error.
  std::chrono::seconds time_limit{};  // zero: the Slurm job's, when there is one
  std::chrono::seconds stop_before{60};
  std::chrono::seconds grace{20};
};

class Runtime {
 public:
  // Collective: every rank constructs one. Starts MPI, checks every rank's
  // set-up and kind registry (a mismatch stops every rank with one message
  // naming the kind, exit code 2), and starts the pools. Also makes an
  // exception that escapes main end the whole job with a message.
  Runtime(int& argc, char**& argv, Options options = {});
  // Rank 0: waits for every task submitted, stops the workers. Every rank: MPI_Finalize.
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  bool is_leader() const noexcept;
  int rank() const noexcept;
  int size() const noexcept;
  // The leader's pool over every rank (throws usage_error on other ranks).
  Pool pool();
  // Worker ranks: run tasks until the leader is done; returns the exit code for main.
  int serve();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace drover
