// The README's "Library" example, compiled and run as it stands there.
#include <drover/drover.hpp>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

std::int64_t square(std::int64_t n) { return n * n; }
struct Tile { std::int32_t x, y; std::string path; template <class A> void serialize(A& a) { a(x, y, path); } };
struct Stats { double mean; std::vector<float> histogram; template <class A> void serialize(A& a) { a(mean, histogram); } };
Stats analyse(const Tile& t) {              // may throw
  return Stats{(t.x + t.y) / 2.0, std::vector<float>(4, 1.0f)};
}

DROVER_TASK(square);                        // registered by name on every rank (same binary, SPMD)
DROVER_TASK(analyse);

int main(int argc, char** argv) {
  drover::Runtime rt(argc, argv);           // MPI, pools, all-or-nothing start-up, registry check
  if (!rt.is_leader()) return rt.serve();   // worker ranks serve until the leader is done
  drover::Pool pool = rt.pool();            // rank 0 works too
  std::vector<std::int64_t> sq = pool.map<square>(drover::iota(1, 6));  // {1, 4, 9, 16, 25}, in order
  drover::future<Stats> f = pool.submit<analyse>(Tile{1, 2, "a.tif"});
  Stats s = f.get();                        // a throw on the worker rethrows here
  std::vector<Tile> tiles = {{0, 0, "x.tif"}, {1, 1, "y.tif"}, {2, 2, "z.tif"}};
  int finished = 0;
  pool.map_unordered<analyse>(tiles, [&](std::uint64_t, Stats&&) { ++finished; });  // as they finish
  std::printf("sq: %lld %lld %lld %lld %lld\n", (long long)sq[0], (long long)sq[1], (long long)sq[2],
              (long long)sq[3], (long long)sq[4]);
  std::printf("analyse(a.tif): mean %.1f\nas finished: %d tiles\n", s.mean, finished);
}
