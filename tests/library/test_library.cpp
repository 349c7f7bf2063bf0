// Pool::map, map_unordered, try_map, submit and the futures, against serial references at every rank count.
#include <gtest/gtest.h>

#include <drover/drover.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <numeric>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "library_test_env.hpp"

namespace lt {

std::int64_t square(std::int64_t n) {
  return n * n;
}

struct Point {
  double x = 0, y = 0;
  std::string label;
  std::optional<std::int32_t> weight;
  template <class A>
  void serialize(A& a) {
    a(x, y, label, weight);
  }
  bool operator==(const Point&) const = default;
};

Point mirror(const Point& p) {
  return Point{p.y, p.x, p.label + "'", p.weight ? std::optional(*p.weight * 2) : std::nullopt};
}

// Throws for multiples of 7: a failure whose type and message must travel.
std::int64_t picky(std::int64_t n) {
  if (n % 7 == 0) throw std::domain_error(std::string("no multiples of 7: ") += std::to_string(n));
  return n + 1;
}

std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::string word;
  for (const char c : line + " ") {
    if (c != ' ') {
      word += c;
    } else if (!word.empty()) {
      out.push_back(word);
      word.clear();
    }
  }
  return out;
}

// Busy for `us` microseconds; returns it: a cost the scheduler can only learn.
std::int64_t spin(std::int64_t us) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::microseconds(us);
  while (std::chrono::steady_clock::now() < end) {
  }
  return us;
}

std::int64_t never_registered(std::int64_t n) {
  return n;
}

}  // namespace lt

DROVER_TASK(lt::square);
DROVER_TASK(lt::mirror);
DROVER_TASK(lt::picky);
DROVER_TASK(lt::words);
DROVER_TASK(lt::spin);
DROVER_TASK_DECLARE(lt::never_registered);  // named for pool calls, never registered

namespace drover::library_test {
namespace {

TEST(LibraryMap, IotaSquaresMatchTheSerialReference) {
  const auto got = pool().map<lt::square>(iota(-500, 20'000));
  ASSERT_EQ(got.size(), 20'500u);
  for (std::size_t i = 0; i < got.size(); ++i) {
    const std::int64_t n = -500 + static_cast<std::int64_t>(i);
    ASSERT_EQ(got[i], n * n) << i;
  }
}

TEST(LibraryMap, ContainerInputsOfAUserStructInOrder) {
  std::vector<lt::Point> points;
  for (int i = 0; i < 3000; ++i) {
    points.push_back({i * 0.5, -i * 1.0, std::string("p") += std::to_string(i),
                      i % 3 == 0 ? std::nullopt : std::optional(i)});
  }
  const auto got = pool().map<lt::mirror>(points);
  ASSERT_EQ(got.size(), points.size());
  for (std::size_t i = 0; i < points.size(); ++i) ASSERT_EQ(got[i], lt::mirror(points[i])) << i;
}

TEST(LibraryMap, VariableSizeOutputs) {
  const std::vector<std::string> lines = {"", "one", "two words", "a b c d e f"};
  const auto got = pool().map<lt::words>(lines);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_TRUE(got[0].empty());
  EXPECT_EQ(got[2], (std::vector<std::string>{"two", "words"}));
  EXPECT_EQ(got[3].size(), 6u);
}

TEST(LibraryMap, CallbackSeesIndicesInOrder) {
  std::uint64_t next = 0;
  std::int64_t sum = 0;
  pool().map<lt::square>(iota(0, 300'000), [&](std::uint64_t index, std::int64_t&& v) {
    ASSERT_EQ(index, next);
    ++next;
    sum += v;
  });
  EXPECT_EQ(next, 300'000u);
  std::int64_t expected = 0;
  for (std::int64_t n = 0; n < 300'000; ++n) expected += n * n;
  EXPECT_EQ(sum, expected);
}

TEST(LibraryMap, UnorderedCoversEveryIndexOnce) {
  std::vector<int> seen(5000, 0);
  std::vector<std::int64_t> inputs(5000);
  std::iota(inputs.begin(), inputs.end(), 1);
  pool().map_unordered<lt::square>(inputs, [&](std::uint64_t index, std::int64_t&& v) {
    ++seen.at(index);
    EXPECT_EQ(v, inputs[index] * inputs[index]);
  });
  EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; }));
}

TEST(LibraryMap, MixedCostsComeBackWholeAndInOrder) {
  // Cheap tasks teach a small cost, so the dear ones at the end go out in
  // large batches, and idle ranks take back their unstarted tasks (Revoke):
  // every result must still arrive once, in order, from whichever rank.
  std::vector<std::int64_t> costs(1000, 2);
  costs.insert(costs.end(), 20, 2000);
  costs.insert(costs.end(), 200, 2);
  EXPECT_EQ(pool().map<lt::spin>(costs), costs);
}

TEST(LibraryMap, EmptyInputsGiveEmptyResults) {
  EXPECT_TRUE(pool().map<lt::square>(std::vector<std::int64_t>{}).empty());
  EXPECT_TRUE(pool().map<lt::square>(iota(5, 5)).empty());
}

TEST(LibraryErrors, MapRethrowsTheFirstFailureWithWhereAndWhat) {
  try {
    pool().map<lt::picky>(iota(1, 100));
    FAIL() << "no exception";
  } catch (const remote_error& e) {
    EXPECT_EQ(e.type_name(), "std::domain_error");
    EXPECT_EQ(e.message(), "no multiples of 7: 7");
    EXPECT_GE(e.rank(), 0);
    EXPECT_FALSE(e.host().empty());
    EXPECT_NE(std::string(e.what()).find("no multiples of 7: 7"), std::string::npos);
  }
  // The pool is still whole: the next call works.
  EXPECT_EQ(pool().map<lt::square>(iota(3, 4)), std::vector<std::int64_t>{9});
}

TEST(LibraryErrors, TryMapKeepsEveryFailureAsData) {
  const auto got = pool().try_map<lt::picky>(iota(0, 50));
  ASSERT_EQ(got.size(), 50u);
  for (std::int64_t n = 0; n < 50; ++n) {
    const auto& r = got[static_cast<std::size_t>(n)];
    if (n % 7 == 0) {
      ASSERT_FALSE(r.ok()) << n;
      EXPECT_EQ(r.error->message(), std::string("no multiples of 7: ") += std::to_string(n));
    } else {
      ASSERT_TRUE(r.ok()) << n;
      EXPECT_EQ(*r.value, n + 1);
    }
  }
}

TEST(LibraryErrors, AnUnregisteredFunctionIsAClearError) {
  try {
    pool().map<lt::never_registered>(iota(0, 3));
    FAIL() << "no exception";
  } catch (const usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("lt::never_registered"), std::string::npos);
  }
}

TEST(LibraryFutures, SubmitGetAndWhenAll) {
  std::vector<future<std::int64_t>> fs;
  for (std::int64_t n = 0; n < 200; ++n) fs.push_back(pool().submit<lt::square>(n));
  EXPECT_EQ(fs[12].get(), 144);
  EXPECT_EQ(fs[12].get(), 144);  // got twice: the same result
  const std::vector<std::int64_t> all = when_all(fs);
  for (std::int64_t n = 0; n < 200; ++n) EXPECT_EQ(all[static_cast<std::size_t>(n)], n * n);
}

TEST(LibraryFutures, AFailureRethrowsOnGet) {
  future<std::int64_t> bad = pool().submit<lt::picky>(14);
  future<std::int64_t> good = pool().submit<lt::picky>(15);
  EXPECT_EQ(good.get(), 16);
  try {
    (void)bad.get();
    FAIL() << "no exception";
  } catch (const remote_error& e) {
    EXPECT_EQ(e.type_name(), "std::domain_error");
    EXPECT_EQ(e.message(), "no multiples of 7: 14");
  }
}

TEST(LibraryFutures, AsCompletedSeesEachOnce) {
  std::vector<future<lt::Point>> fs;
  for (int i = 0; i < 64; ++i) fs.push_back(pool().submit<lt::mirror>(lt::Point{1.0 * i, 2.0, "x", i}));
  std::set<std::size_t> seen;
  as_completed(fs, [&](std::size_t index, const future<lt::Point>& f) {
    EXPECT_TRUE(f.ready());
    EXPECT_EQ(f.get().y, 1.0 * static_cast<double>(index));
    seen.insert(index);
  });
  EXPECT_EQ(seen.size(), 64u);
}

}  // namespace
}  // namespace drover::library_test
