// The protocol between rank 0 and the worker ranks: one struct and one MPI tag per message.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/task.hpp"
#include "model/task_source.hpp"

namespace drover {

// Bump on any change to a message or to its encoding in wire.cpp.
// 4: the open task model (kinds by registry position, inputs and outputs as
// bytes, the registry's fingerprint in the Hello). 5: the Welcome's announce
// byte also says where download lines go (0 none, 1 stdout, 2 stderr). 6: a
// TaskBatch carries its attempt, the Plan the kinds' run settings (exec), and
// workers send their task lines to rank 0 (Output). 7: Drain, and the CPU
// time in StopAck. 8: Revoke / Revoked (rank 0 takes back queued CPU work).
inline constexpr std::uint32_t kProtocolVersion = 8;

// One MPI tag per message type. Rank 0 also runs work, but messages to itself
// never go through MPI.
enum class Tag : int {
  hello = 1,         // FromWorker: first message of every rank
  welcome = 2,       // ToWorker: the start-up verdict and the run plan
  work = 3,          // ToWorker: a TaskBatch
  results = 4,       // FromWorker: a ResultBatch
  stop = 5,          // ToWorker: no more work; leave the loop (to_worker::Stop)
  stop_request = 6,  // FromWorker: this rank caught a stop signal (from_worker::StopRequest)
  stop_ack = 7,      // FromWorker: Stop seen; nothing more will come from this rank (StopAck)
  output = 8,        // FromWorker: task lines for rank 0 to print (from_worker::Output)
  drain = 9,         // ToWorker: the run is stopping: queued tasks come back not started (empty)
  revoke = 10,       // ToWorker: hand back what a CPU batch has not started (to_worker::Revoke)
  revoked = 11,      // FromWorker: the answer, sent before that batch's results (Revoked)
};

namespace from_worker {

// Sent once by every rank (rank 0 to itself) after checking its own set-up.
struct Hello {
  std::uint32_t protocol = kProtocolVersion;
  std::int32_t rank = 0;
  std::string host;
  std::int32_t pid = 0;
  std::uint32_t threads = 0;
  std::uint32_t bound_cpus = 0;  // CPUs its affinity mask allows (0: unknown)
  std::uint32_t node_share = 0;  // the node's cores divided by the ranks on it
  std::string registry;          // registry_fingerprint(): every kind's name and types
  bool ok = true;                // this rank's own set-up succeeded
  std::string error;             // why not, when !ok
  bool operator==(const Hello&) const = default;
};

// Results travel as a ResultBatch (task.hpp).
using Results = ResultBatch;

// Whole lines the rank's tasks printed (and its announcements): rank 0 writes
// them, so lines of several ranks never share a line of drover's output.
struct Output {
  std::string out;  // for drover's stdout
  std::string err;  // for its stderr
  bool operator==(const Output&) const = default;
};

// SIGTERM, SIGINT or SIGUSR1 reached this rank: rank 0 decides for all.
struct StopRequest {
  std::int32_t signal = 0;
  bool operator==(const StopRequest&) const = default;
};

// The last message of a rank: the CPU time (user + system, every thread) its
// process spent in the run loop, for the summary's utilisation.
struct StopAck {
  double cpu_seconds = 0;
  bool operator==(const StopAck&) const = default;
};

// The answer to a Revoke. When `taken`, tasks [kept, size) of batch `seq`
// will never run here: its results, which follow, cover [0, kept) only.
// Not taken: the batch had started every task (or had ended) by then.
struct Revoked {
  std::uint64_t seq = 0;
  bool taken = false;
  std::uint32_t kept = 0;
  bool operator==(const Revoked&) const = default;
};

}  // namespace from_worker

namespace to_worker {

// What every worker needs to run its share.
struct Plan {
  Generator generator;   // rebuilds the tasks of range batches
  bool announce = true;  // print download start/finish lines
  // ...on stderr, not stdout: the rows go to stdout (--output -), and
  // mpirun forwards each rank's stdout in chunks that would cut rows apart.
  bool announce_on_stderr = false;
  // Per kind, by name: the run's settings (IoBatch::settings), e.g. exec's
  // slots, timeout and output directory from the CLI's flags.
  std::vector<std::pair<std::string, std::string>> kind_settings;
  bool operator==(const Plan&) const = default;
};

// The all-or-nothing start-up verdict: either every rank proceeds or none does.
struct Welcome {
  bool ok = false;
  std::string error;  // the one message rank 0 prints when !ok
  Plan plan;
  bool operator==(const Welcome&) const = default;
};

// Work travels as a TaskBatch (task.hpp).
using Work = TaskBatch;

// Rank 0 has a thread idle elsewhere and no new work: this rank hands back
// the tasks of batch `seq` that no thread has claimed yet (Revoked).
struct Revoke {
  std::uint64_t seq = 0;
  bool operator==(const Revoke&) const = default;
};

// The end. With abandon, tasks still running are left unfinished (a clean
// stop whose grace ran out): the rank exits without waiting for them.
struct Stop {
  bool abandon = false;
  bool operator==(const Stop&) const = default;
};

}  // namespace to_worker
}  // namespace drover
