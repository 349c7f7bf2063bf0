// The library's costs under mpirun: map of int64 squares, submit + get per task, ~100-byte structs.
//   library_bench map-squares N   -> {"seconds", "results_per_s"}
//   library_bench submit N        -> {"sync_us_per_task", "batched_us_per_task"}
//   library_bench structs N       -> {"bytes_per_s", "memcpy_bytes_per_s"}
//   library_bench balance[-off] N -> {"mixed_s", "tail_alone_s"}: N tasks of 5 us, then N/100
//                                    of 5 ms, against those alone (-off: Options::take_back false)
#include <drover/drover.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

std::int64_t square(std::int64_t n) {
  return n * n;
}
DROVER_TASK(square);

// About 100 bytes encoded: 8 + 40 + 4 + 12 * 4 floats.
struct Record {
  std::int32_t x = 0, y = 0;
  std::string path;
  std::vector<float> values;
  template <class A>
  void serialize(A& a) {
    a(x, y, path, values);
  }
};
Record touch(const Record& r) {
  Record out = r;
  out.x += 1;
  return out;
}
DROVER_TASK(touch);

// Busy for `us` microseconds: a task whose cost the scheduler can only learn.
std::int64_t spin(std::int64_t us) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::microseconds(us);
  while (std::chrono::steady_clock::now() < end) {
  }
  return us;
}
DROVER_TASK(spin);

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void map_squares(drover::Pool& pool, std::int64_t n) {
  std::uint64_t sum = 0;
  const auto start = std::chrono::steady_clock::now();
  pool.map<square>(drover::iota(std::int64_t{0}, n),
                   [&](std::uint64_t, std::int64_t&& v) { sum += static_cast<std::uint64_t>(v); });
  const double s = seconds_since(start);
  std::printf("{\"seconds\": %.6f, \"results_per_s\": %.6g, \"sum\": %llu}\n", s, n / s,
              static_cast<unsigned long long>(sum));
}

void submit(drover::Pool& pool, std::int64_t n) {
  (void)pool.submit<square>(1).get();  // the kind's cost is measured once before timing
  // One at a time costs a round trip each (up to a millisecond: idle ranks
  // poll): a thousand say enough.
  const std::int64_t rounds = std::min<std::int64_t>(n, 1000);
  auto start = std::chrono::steady_clock::now();
  for (std::int64_t i = 0; i < rounds; ++i) (void)pool.submit<square>(i).get();
  const double sync = seconds_since(start) / static_cast<double>(rounds) * 1e6;
  start = std::chrono::steady_clock::now();
  std::vector<drover::future<std::int64_t>> fs;
  fs.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) fs.push_back(pool.submit<square>(i));
  const std::vector<std::int64_t> all = drover::when_all(fs);
  const double batched = seconds_since(start) / static_cast<double>(n) * 1e6;
  std::printf("{\"sync_us_per_task\": %.4f, \"batched_us_per_task\": %.4f, \"last\": %lld}\n", sync,
              batched, static_cast<long long>(all.back()));
}

void structs(drover::Pool& pool, std::int64_t n) {
  std::vector<Record> inputs(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    inputs[i] = Record{static_cast<std::int32_t>(i), 7, std::string(40, 'p'), std::vector<float>(12, 0.5f)};
  }
  std::string one;
  drover::encode(inputs[0], one);
  const double bytes = 2.0 * static_cast<double>(one.size()) * static_cast<double>(n);  // in and out
  std::int64_t check = 0;
  auto start = std::chrono::steady_clock::now();
  pool.map<touch>(inputs, [&](std::uint64_t, Record&& r) { check += r.x; });
  const double s = seconds_since(start);
  // The reference: the same bytes, copied in and out by memcpy, once each.
  std::vector<char> from(static_cast<std::size_t>(bytes / 2)), to(from.size());
  std::memset(from.data(), 1, from.size());
  start = std::chrono::steady_clock::now();
  std::memcpy(to.data(), from.data(), from.size());
  std::memcpy(from.data(), to.data(), to.size());
  const double ref = seconds_since(start);
  std::printf("{\"bytes_per_record\": %zu, \"bytes_per_s\": %.6g, \"memcpy_bytes_per_s\": %.6g, "
              "\"check\": %lld}\n",
              one.size(), bytes / s, bytes / ref, static_cast<long long>(check + from[7]));
}

// Issue 12's item 1 with a kind that gives no cost hint: cheap tasks teach
// the scheduler a small cost, so the expensive ones at the end come in big
// batches, and taking queued ones back is what keeps the ranks even.
void balance(drover::Pool& pool, std::int64_t n) {
  std::vector<std::int64_t> mixed(static_cast<std::size_t>(n), 5);
  const std::vector<std::int64_t> tail(static_cast<std::size_t>(n / 100), 5000);
  mixed.insert(mixed.end(), tail.begin(), tail.end());
  std::int64_t check = 0;
  auto start = std::chrono::steady_clock::now();
  pool.map<spin>(mixed, [&](std::uint64_t, std::int64_t&& v) { check += v; });
  const double mixed_s = seconds_since(start);
  start = std::chrono::steady_clock::now();
  pool.map<spin>(tail, [&](std::uint64_t, std::int64_t&& v) { check += v; });
  const double tail_s = seconds_since(start);
  std::printf("{\"mixed_s\": %.6f, \"tail_alone_s\": %.6f, \"check\": %lld}\n", mixed_s, tail_s,
              static_cast<long long>(check));
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  drover::Options options;
  if (mode == "balance-off") {
    options.take_back = false;
    mode = "balance";
  }
  if (const char* path = std::getenv("DROVER_BENCH_SUMMARY_JSON")) options.summary_json = path;
  drover::Runtime rt(argc, argv, options);
  if (!rt.is_leader()) return rt.serve();
  if (argc != 3) {
    std::fprintf(stderr, "usage: library_bench map-squares|submit|structs|balance[-off] N\n");
    return 2;
  }
  const std::int64_t n = std::atoll(argv[2]);
  drover::Pool pool = rt.pool();
  if (mode == "map-squares") {
    map_squares(pool, n);
  } else if (mode == "submit") {
    submit(pool, n);
  } else if (mode == "structs") {
    structs(pool, n);
  } else if (mode == "balance") {
    balance(pool, n);
  } else {
    std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
    return 2;
  }
  return 0;
}
