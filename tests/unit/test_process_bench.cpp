// Figures, not tests (DISABLED_: run with --gtest_also_run_disabled_tests): the runner's cost per task.
//
// Per-task cost of spawning and reaping /bin/true at concurrency 2 through the
// ProcessRunner (pipes, pidfd, guardian slot, env) against a plain
// posix_spawn + waitpid loop over the same program, rounds interleaved so both
// see the same machine; medians of the rounds, and the cost of pinning.
#include <sched.h>
#include <spawn.h>
#include <unistd.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>

#include "process_test_util.hpp"

extern char** environ;

namespace drover {
namespace {

using Clock = std::chrono::steady_clock;

double per_task_us(Clock::time_point start, int n) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count() / n;
}

double plain_loop(int n, int concurrency) {
  char program[] = "/bin/true";
  char* argv[] = {program, nullptr};
  const auto start = Clock::now();
  int started = 0, in_flight = 0;
  std::set<pid_t> mine;
  while (started < n || in_flight > 0) {
    for (; in_flight < concurrency && started < n; ++started, ++in_flight) {
      pid_t pid;
      if (posix_spawn(&pid, program, nullptr, nullptr, argv, environ) != 0) return -1;
      mine.insert(pid);
    }
    int status;
    pid_t got = ::waitpid(-1, &status, 0);
    if (got < 0) return -1;
    if (mine.erase(got) == 0) return -1;  // not its own: the runner has nothing running here
    --in_flight;
  }
  return per_task_us(start, n);
}

double through_runner(test::RunnerHarness& h, int n, int concurrency, bool pinned) {
  std::vector<int> cpus;
  cpu_set_t set;
  sched_getaffinity(0, sizeof set, &set);
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  int started = 0, finished = 0, failed = 0;
  std::function<void(std::uint32_t)> launch = [&](std::uint32_t slot) {
    ProcessSpec spec = test::command({"/bin/true"}, static_cast<std::uint64_t>(started++));
    spec.identity.slot = slot;
    if (pinned) spec.cpus = {cpus[slot % cpus.size()]};
    h.runner.start(spec, [&, slot](const ProcessResult& r) {
      ++finished;
      if (!r.ok() && failed++ == 0) std::printf("failed: %s\n", r.message().c_str());
      if (started < n) launch(slot);
    });
  };
  const auto start = Clock::now();
  for (int s = 0; s < concurrency; ++s) launch(static_cast<std::uint32_t>(s));
  const bool ok = h.run_until([&] { return finished == n; });

  const double us = per_task_us(start, n);
  return ok && failed == 0 ? us : -1;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

TEST(ProcessBench, DISABLED_SpawnCostAgainstAPlainLoop) {
  constexpr int kTasks = 1000, kRounds = 7, kConcurrency = 2;
  test::RunnerHarness h;
  std::vector<double> plain, runner, pinned;
  plain_loop(100, kConcurrency);  // warm the page cache and the allocator
  through_runner(h, 100, kConcurrency, false);
  for (int round = 0; round < kRounds; ++round) {
    plain.push_back(plain_loop(kTasks, kConcurrency));
    runner.push_back(through_runner(h, kTasks, kConcurrency, false));
    pinned.push_back(through_runner(h, kTasks, kConcurrency, true));
  }
  for (double v : plain) ASSERT_GT(v, 0);
  for (double v : runner) ASSERT_GT(v, 0);
  for (double v : pinned) ASSERT_GT(v, 0);
  std::printf("per task, /bin/true at concurrency %d, median of %d rounds of %d:\n", kConcurrency,
              kRounds, kTasks);
  std::printf("  plain posix_spawn + waitpid  %8.1f us\n", median(plain));
  std::printf("  ProcessRunner                %8.1f us  (%.3fx the plain loop)\n", median(runner),
              median(runner) / median(plain));
  std::printf("  ProcessRunner, pinned        %8.1f us  (%+.1f us for pinning)\n", median(pinned),
              median(pinned) - median(runner));
  std::printf("  rounds plain/runner/pinned:");
  for (int i = 0; i < kRounds; ++i) std::printf(" %.0f/%.0f/%.0f", plain[i], runner[i], pinned[i]);
  std::printf("\n");
}

// The system calls pinning adds around a spawn, alone: read the thread's mask,
// set another, set it back.
TEST(ProcessBench, DISABLED_PinningSyscalls) {
  cpu_set_t saved, one;
  ASSERT_EQ(sched_getaffinity(0, sizeof saved, &saved), 0);
  int last = 0;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &saved)) last = c;
  CPU_ZERO(&one);
  CPU_SET(last, &one);
  constexpr int kLoops = 20000;
  const auto start = Clock::now();
  for (int i = 0; i < kLoops; ++i) {
    sched_getaffinity(0, sizeof saved, &saved);
    sched_setaffinity(0, sizeof one, &one);
    sched_setaffinity(0, sizeof saved, &saved);
  }
  std::printf("save + set + restore of the thread's cpu mask: %.2f us\n", per_task_us(start, kLoops));
}

long resident_kib() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

// drover's side of a running task (its Running, descriptors, reactor state,
// timer), measured as the rank's resident growth with 500 quiet tasks running.
TEST(ProcessBench, DISABLED_MemoryPerRunningTask) {
  constexpr int kTasks = 500;
  test::RunnerHarness h;
  h.run_one(test::command({"true"}));  // the runner's own buffers, allocated once
  const long before = resident_kib();
  int finished = 0;
  for (int i = 0; i < kTasks; ++i)
    h.runner.start(test::command({"sleep", "60"}, static_cast<std::uint64_t>(i)),
                   [&](const ProcessResult&) { ++finished; });
  const long after = resident_kib();
  ASSERT_EQ(h.runner.running(), static_cast<std::size_t>(kTasks));
  h.runner.stop_all(std::chrono::nanoseconds(0));
  ASSERT_TRUE(h.run_until([&] { return finished == kTasks; }));
  std::printf("resident growth with %d tasks running: %ld KiB, %.0f bytes a task\n", kTasks,
              after - before, (after - before) * 1024.0 / kTasks);
}

}  // namespace
}  // namespace drover
