// A user struct in and out, and a task that throws: its error comes back with where it happened.
#include <drover/drover.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

struct Tile {
  std::int32_t x = 0, y = 0;
  std::string path;
  template <class A>
  void serialize(A& a) {
    a(x, y, path);
  }
};

struct Stats {
  double mean = 0;
  std::vector<float> histogram;
  template <class A>
  void serialize(A& a) {
    a(mean, histogram);
  }
};

// Stands in for reading and measuring an image tile; an empty path is an error.
Stats analyse(const Tile& t) {
  if (t.path.empty()) throw std::invalid_argument("tile has no path");
  Stats s;
  for (int bin = 0; bin < 4; ++bin) s.histogram.push_back(static_cast<float>(t.x * 4 + bin));
  s.mean = (t.x + t.y) / 2.0 + static_cast<double>(t.path.size());
  return s;
}
DROVER_TASK(analyse);

int main(int argc, char** argv) {
  drover::Runtime rt(argc, argv);
  if (!rt.is_leader()) return rt.serve();
  drover::Pool pool = rt.pool();
  const std::vector<Tile> tiles = {{1, 2, "a.tif"}, {3, 5, "bb.tif"}, {0, 0, ""}, {7, 1, "c.tif"}};
  // Failures as data: every tile's stats or error, in order.
  const auto results = pool.try_map<analyse>(tiles);
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (results[i].ok()) {
      std::printf("tile %zu: mean %.1f, histogram %.0f..%.0f\n", i, results[i].value->mean,
                  results[i].value->histogram.front(), results[i].value->histogram.back());
    } else {
      std::printf("tile %zu: failed: %s: %s\n", i, results[i].error->type_name().c_str(),
                  results[i].error->message().c_str());
    }
  }
  // The default: map rethrows the first failure on the caller's side.
  try {
    pool.map<analyse>(tiles);
  } catch (const drover::remote_error& e) {
    std::printf("map threw for task %llu: %s\n", static_cast<unsigned long long>(e.task_id()),
                e.message().c_str());
  }
  drover::future<Stats> one = pool.submit<analyse>(Tile{2, 4, "d.tif"});
  std::printf("one tile: mean %.1f\n", one.get().mean);
}
