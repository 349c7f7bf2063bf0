// ThreadPool throughput and wake-up latency, fed by one producer as drover's comm thread does.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <future>
#include <thread>
#include <vector>

#include "execution/thread_pool.hpp"

namespace drover {
namespace {

constexpr std::size_t kJobsPerRound = 1000;

// Yields rather than sleeps: the pool threads need the cores, and a sleep
// would measure the timer, not the pool.
void wait_until(const std::atomic<std::uint64_t>& counter, std::uint64_t target) {
  while (counter.load(std::memory_order_acquire) < target) std::this_thread::yield();
}

// Arg: pool threads. Each iteration queues 1000 jobs that only count
// themselves, then waits until all have run: jobs/s through the shared queue.
void BM_pool_execute(benchmark::State& state) {
  ThreadPool pool(static_cast<unsigned>(state.range(0)));
  std::atomic<std::uint64_t> ran{0};
  std::uint64_t queued = 0;
  for (auto _ : state) {
    for (std::size_t j = 0; j < kJobsPerRound; ++j) {
      pool.execute([&ran]() noexcept { ran.fetch_add(1, std::memory_order_acq_rel); });
    }
    queued += kJobsPerRound;
    wait_until(ran, queued);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(queued));
}

// Arg: pool threads. 1000 submit() calls with futures, then get() on each.
void BM_pool_submit(benchmark::State& state) {
  ThreadPool pool(static_cast<unsigned>(state.range(0)));
  std::vector<std::future<int>> futures;
  futures.reserve(kJobsPerRound);
  std::int64_t sum = 0;
  for (auto _ : state) {
    futures.clear();
    for (std::size_t j = 0; j < kJobsPerRound; ++j) {
      futures.push_back(pool.submit([j] { return static_cast<int>(j); }));
    }
    for (auto& f : futures) sum += f.get();
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kJobsPerRound));
}

// Arg: pool threads. One job queued to an idle pool and waited for: the
// wake-up latency that a batch of one pays before any work starts.
void BM_pool_round_trip(benchmark::State& state) {
  ThreadPool pool(static_cast<unsigned>(state.range(0)));
  std::atomic<std::uint64_t> ran{0};
  std::uint64_t queued = 0;
  for (auto _ : state) {
    pool.execute([&ran]() noexcept { ran.fetch_add(1, std::memory_order_acq_rel); });
    wait_until(ran, ++queued);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(queued));
}

BENCHMARK(BM_pool_execute)->ArgName("threads")->Arg(1)->Arg(2)->Arg(4)->MinTime(0.2)->UseRealTime();
BENCHMARK(BM_pool_submit)->ArgName("threads")->Arg(1)->Arg(2)->Arg(4)->MinTime(0.2)->UseRealTime();
BENCHMARK(BM_pool_round_trip)->ArgName("threads")->Arg(1)->Arg(2)->MinTime(0.2)->UseRealTime();

}  // namespace
}  // namespace drover
