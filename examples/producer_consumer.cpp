// A producer submits work as it makes it, a consumer takes results as they complete: Queue and None, distributed.
#include <drover/drover.hpp>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <vector>

// The work item: how many primes lie below n.
std::int64_t count_primes(std::int64_t n) {
  std::int64_t count = 0;
  for (std::int64_t k = 2; k < n; ++k) {
    bool prime = true;
    for (std::int64_t d = 2; d * d <= k && prime; ++d) prime = k % d != 0;
    count += prime ? 1 : 0;
  }
  return count;
}
DROVER_TASK(count_primes);

// The producer: yields work items, then nothing (the None a Python producer puts last).
std::optional<std::int64_t> produce(int& made) {
  if (made == 40) return std::nullopt;
  return 1000 + 250 * made++;
}

int main(int argc, char** argv) {
  drover::Runtime rt(argc, argv);
  if (!rt.is_leader()) return rt.serve();
  drover::Pool pool = rt.pool();
  std::vector<drover::future<std::int64_t>> queue;  // the tasks in flight
  int made = 0;
  while (const std::optional<std::int64_t> item = produce(made)) {
    queue.push_back(pool.submit<count_primes>(*item));  // runs while we produce the next
  }
  // The consumer: each result as it completes (task_done), until all are in (join).
  std::int64_t total = 0;
  std::size_t consumed = 0;
  drover::as_completed(queue, [&](std::size_t, const drover::future<std::int64_t>& done) {
    total += done.get();
    ++consumed;
  });
  std::printf("consumed %zu results, %lld primes counted in all\n", consumed,
              static_cast<long long>(total));
  std::printf("first item: %lld primes below 1000\n", static_cast<long long>(queue[0].get()));
}
