// The all-or-nothing start-up: every rank says Hello, rank 0 answers all with one verdict.
#include "runtime/startup.hpp"

#include <unistd.h>

#include <climits>

#include "model/errors.hpp"
#include "model/kinds.hpp"

namespace drover {
namespace {

std::string host_name() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "?";
  return name;
}

// The first problem any Hello reports, or empty.
std::string check_hello(const from_worker::Hello& h, int expected_rank) {
  const std::string who = "rank " + std::to_string(expected_rank);
  if (h.protocol != kProtocolVersion) {
    return who + " speaks drover protocol " + std::to_string(h.protocol) + ", rank 0 speaks " +
           std::to_string(kProtocolVersion) + ": run the same drover binary on every node";
  }
  if (!h.ok) return who + " (" + h.host + "): " + h.error;
  // "here" is rank 0, "there" the other rank.
  const std::string difference =
      registry_difference(registry_fingerprint(), h.registry, "on rank 0", "on " + who);
  if (!difference.empty()) {
    return who + " (" + h.host + ") registers other kinds than rank 0: " + difference +
           " (run the same binary on every rank)";
  }
  return "";
}

}  // namespace

from_worker::Hello make_hello(int rank, const RankThreads& threads, bool ok, std::string error) {
  from_worker::Hello h;
  h.rank = rank;
  h.host = host_name();
  h.pid = static_cast<std::int32_t>(getpid());
  h.threads = threads.threads;
  h.bound_cpus = threads.bound_cpus;
  h.node_share = threads.node_share;
  h.registry = registry_fingerprint();
  h.ok = ok;
  h.error = std::move(error);
  return h;
}

StartupOutcome startup_leader(MpiTransport& mpi, const from_worker::Hello& own,
                              const std::function<to_worker::Plan(const std::vector<from_worker::Hello>&)>& check_inputs) {
  StartupOutcome out;
  std::vector<from_worker::Hello> hellos(mpi.size());
  hellos[0] = own;
  for (int received = 1; received < mpi.size(); ++received) {
    const MpiTransport::Incoming in = mpi.receive(Tag::hello);
    from_worker::Hello h;
    try {
      decode(in.bytes, h);
    } catch (const WireError& e) {
      h.protocol = 0;  // unreadable: report as a protocol mismatch
    }
    hellos[in.source] = std::move(h);
  }

  std::string error;
  for (int r = 0; r < mpi.size() && error.empty(); ++r) error = check_hello(hellos[r], r);
  if (error.empty()) {
    try {
      out.welcome.plan = check_inputs(hellos);
    } catch (const InputError& e) {
      error = e.what();
    }
  }
  out.welcome.ok = error.empty();
  out.welcome.error = error;
  for (int r = 1; r < mpi.size(); ++r) mpi.send(r, Tag::welcome, out.welcome);
  mpi.flush();

  for (const auto& h : hellos) {
    out.ranks.push_back(RankInfo{h.host, h.pid, h.threads});
    out.threads.push_back(RankThreads{h.rank, h.threads, h.bound_cpus, h.node_share});
  }
  return out;
}

StartupOutcome startup_worker(MpiTransport& mpi, const from_worker::Hello& own) {
  mpi.send(0, Tag::hello, own);
  StartupOutcome out;
  const MpiTransport::Incoming in = mpi.receive(Tag::welcome);
  decode(in.bytes, out.welcome);
  mpi.flush();
  return out;
}

}  // namespace drover
