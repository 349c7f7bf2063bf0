// Two download_tasks side by side: submit both, then wait; the total is about the longest, not the sum.
#include <drover/drover.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

// Stands in for an IO-bound call: it waits, it does not compute.
double download_task(double seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  return seconds;
}
DROVER_TASK(download_task);

int main(int argc, char** argv) {
  // Two threads per rank, so even one rank runs both at once.
  drover::Options options;
  options.threads = 2;
  drover::Runtime rt(argc, argv, options);
  if (!rt.is_leader()) return rt.serve();
  drover::Pool pool = rt.pool();
  const auto start = std::chrono::steady_clock::now();
  std::vector<drover::future<double>> downloads;
  downloads.push_back(pool.submit<download_task>(0.4));
  downloads.push_back(pool.submit<download_task>(0.6));
  const std::vector<double> took = drover::when_all(downloads);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("downloads of %.1f s and %.1f s finished\n", took[0], took[1]);
  std::printf("together %.2f s (their sum is %.1f s)\n", wall, took[0] + took[1]);
}
