// The scheduler simulator's table: makespan against the ideal per workload and rank count, no MPI.
//
// Usage: drover_scheduler_sim [--quick]   prints a markdown table and one JSON line per row.
// The README's "Balance" table is this program's output (see tests/support/scheduler_sim.hpp
// for the model: threads, latency, rank 0's time per batch).
#include <cstdio>
#include <cstring>
#include <vector>

#include "model/kinds.hpp"
#include "scheduler_sim.hpp"

using namespace drover;

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  register_builtin_kinds();
  const KindId crunch = find_kind("crunch")->id;
  const std::vector<int> ranks =
      quick ? std::vector<int>{2, 64} : std::vector<int>{2, 64, 1024, 10000};
  std::printf(
      "| workload | ranks | tasks | ideal (s) | in-order greedy (s) | drover (s) | "
      "/ ideal | / greedy | without taking back (s) | / greedy | without cost hints (s) | "
      "/ ideal |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const sim::Workload& w : sim::workloads()) {
    for (const int r : ranks) {
      sim::SimConfig cfg;
      cfg.ranks = r;
      const std::vector<std::int64_t> costs = w.make(static_cast<std::size_t>(r));
      const sim::SimResult hinted = sim::simulate(cfg, crunch, costs);
      cfg.scheduler.steal = false;
      const sim::SimResult kept = sim::simulate(cfg, crunch, costs);
      cfg.scheduler.steal = true;
      cfg.scheduler.use_work_hints = false;
      const sim::SimResult learned = sim::simulate(cfg, crunch, costs);
      std::printf("| %s | %d | %zu | %.4f | %.4f | %.4f | %.3f | %.3f | %.4f | %.3f | %.4f | %.3f |\n",
                  w.name, r, costs.size(), hinted.ideal(), hinted.greedy, hinted.makespan,
                  hinted.ratio(), hinted.makespan / hinted.greedy, kept.makespan,
                  kept.makespan / kept.greedy, learned.makespan, learned.ratio());
      std::fprintf(stderr,
                   "{\"workload\":\"%s\",\"ranks\":%d,\"tasks\":%zu,\"ideal\":%.6f,"
                   "\"greedy\":%.6f,\"hinted\":%.6f,\"no_taking_back\":%.6f,\"learned\":%.6f,"
                   "\"batches\":%llu,\"revokes\":%llu,\"taken_back\":%llu}\n",
                   w.name, r, costs.size(), hinted.ideal(), hinted.greedy, hinted.makespan,
                   kept.makespan, learned.makespan, static_cast<unsigned long long>(hinted.batches),
                   static_cast<unsigned long long>(hinted.revokes),
                   static_cast<unsigned long long>(hinted.taken_back));
    }
  }
  return 0;
}
