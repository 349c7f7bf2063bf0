// Jobs that must end cleanly with one message: ranks whose kinds differ, and exceptions escaping main.
//   misuse mismatch      rank 1 registers a kind the others do not: start-up refuses, exit 2
//   misuse leader-throws rank 0 throws out of main while a long task runs: the job ends, exit 3
//   misuse worker-throws rank 1 throws out of main before it serves: the job ends, exit 3
//   misuse outputs       1,000 quick tasks and a 1 s one, with a trace, progress lines and the summaries
//                        (DROVER_TEST_TRACE, DROVER_TEST_SUMMARY name the files)
//   misuse stop          30 s tasks, grace 1 s, stopped by a signal the test sends
//                        after "running" is printed: map throws stopped_error, exit 4
//   misuse time-limit    the same, stopped by a 3 s time limit with stop_before 2 s
//   misuse journal       maps plus_one over DROVER_TEST_FROM.. (DROVER_TEST_COUNT tasks) with
//                        the journal DROVER_TEST_JOURNAL (resumed when DROVER_TEST_RESUME=1)
//                        and prints the sum of the results
#include <drover/drover.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

std::int64_t nap(std::int64_t seconds) {
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  return seconds;
}
DROVER_TASK(nap);

std::int64_t plus_one(std::int64_t n) {
  return n + 1;
}
DROVER_TASK(plus_one);

std::int64_t extra(std::int64_t n) {
  return n;
}

namespace {

// Before MPI starts, the launcher's variables say which rank this will be.
int launched_rank() {
  const char* r = std::getenv("OMPI_COMM_WORLD_RANK");
  return r == nullptr ? 0 : std::atoi(r);
}

const bool registered_extra = [] {
  const char* mode = std::getenv("DROVER_MISUSE");
  if (mode != nullptr && std::strcmp(mode, "mismatch") == 0 && launched_rank() == 1) {
    drover::register_kind(drover::make_kind<&extra>("extra"));
  }
  return true;
}();

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : fallback;
}

drover::Options options_for(const std::string& mode) {
  drover::Options o;
  if (mode == "outputs") {
    o.trace = env_or("DROVER_TEST_TRACE", "");
    o.summary_json = env_or("DROVER_TEST_SUMMARY", "");
    o.summary = true;
    o.progress_every = std::chrono::milliseconds(100);  // the shortest period
  } else if (mode == "journal") {
    o.journal = env_or("DROVER_TEST_JOURNAL", "");
    o.resume = env_or("DROVER_TEST_RESUME", "0") == "1";
    o.summary = true;
  } else if (mode == "stop" || mode == "time-limit") {
    o.grace = std::chrono::seconds(1);
    o.summary = true;
    if (mode == "time-limit") {
      o.time_limit = std::chrono::seconds(3);
      o.stop_before = std::chrono::seconds(2);
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = env_or("DROVER_MISUSE", "");
  drover::Runtime rt(argc, argv, options_for(mode));
  if (!rt.is_leader()) {
    if (mode == "worker-throws") throw std::runtime_error("worker set-up failed");
    return rt.serve();
  }
  if (mode == "leader-throws") {
    drover::future<std::int64_t> f = rt.pool().submit<nap>(60);
    throw std::runtime_error("leader gave up");
  }
  if (mode == "outputs") {
    const std::vector<std::int64_t> got = rt.pool().map<plus_one>(drover::iota(0, 1000));
    // Then a second of naps, so that progress lines fall due.
    const std::vector<std::int64_t> naps = rt.pool().map<nap>(std::vector<std::int64_t>{1});
    return got.size() == 1000 && got.back() == 1000 && naps.size() == 1 ? 0 : 1;
  }
  if (mode == "journal") {
    const std::int64_t from = std::stoll(env_or("DROVER_TEST_FROM", "0"));
    const std::int64_t count = std::stoll(env_or("DROVER_TEST_COUNT", "2000"));
    std::int64_t sum = 0;
    for (const std::int64_t v : rt.pool().map<plus_one>(drover::iota(from, from + count))) sum += v;
    std::printf("sum %lld\n", static_cast<long long>(sum));
    return 0;
  }
  if (mode == "stop" || mode == "time-limit") {
    auto pool = rt.pool();
    std::vector<drover::future<std::int64_t>> naps;
    for (int i = 0; i < 2 * rt.size() + 2; ++i) naps.push_back(pool.submit<nap>(30));
    std::printf("running\n");
    std::fflush(stdout);
    for (auto& f : naps) (void)f.get();  // throws drover::stopped_error, uncaught: exit 4
    return 1;
  }
  return static_cast<int>(rt.pool().map<nap>(std::vector<std::int64_t>{0}).size()) - 1;
}
