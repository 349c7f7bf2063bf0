// Tests of the kind registry, the field checks of each kind and the CPU kernels.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/kinds.hpp"

namespace drover {
namespace {

constexpr std::int64_t kLimit = 3037000499;  // floor(sqrt(INT64_MAX))
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();

std::string parse_error(KindId kind, const char* text) {
  try {
    kind_info(kind).parse(nlohmann::json::parse(text));
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Kinds, RegistryLooksUpByIdAndName) {
  ASSERT_EQ(all_kinds().size(), kKindCount);
  for (std::size_t i = 0; i < kKindCount; ++i) {
    EXPECT_EQ(static_cast<std::size_t>(all_kinds()[i].id), i);
    EXPECT_EQ(find_kind(all_kinds()[i].name), &all_kinds()[i]);
  }
  EXPECT_EQ(kind_info(KindId::square).name, "square");
  EXPECT_EQ(kind_info(KindId::crunch).lane, Lane::cpu);
  EXPECT_EQ(kind_info(KindId::download).lane, Lane::io);
  EXPECT_EQ(kind_info(KindId::download).run, nullptr);
  EXPECT_NE(kind_info(KindId::square).run, nullptr);
  EXPECT_FALSE(kind_info(KindId::square).has_metric);
  EXPECT_TRUE(kind_info(KindId::crunch).has_metric);
  EXPECT_EQ(find_kind("cube"), nullptr);
  EXPECT_EQ(find_kind("Square"), nullptr);
  EXPECT_EQ(known_kinds_mask(), 0b111u);
}

TEST(Kinds, SquareCheckedAtTheOverflowBoundary) {
  EXPECT_EQ(square_checked(0), 0);
  EXPECT_EQ(square_checked(12), 144);
  EXPECT_EQ(square_checked(-12), 144);
  EXPECT_EQ(square_checked(kLimit), 9223372030926249001);
  EXPECT_EQ(square_checked(-kLimit), 9223372030926249001);
  for (std::int64_t n : {kLimit + 1, -kLimit - 1, kInt64Max, kInt64Min}) {
    try {
      square_checked(n);
      ADD_FAILURE() << "no overflow for " << n;
    } catch (const std::overflow_error& e) {
      EXPECT_EQ(std::string(e.what()), "square of " + std::to_string(n) + " overflows int64");
    }
  }
}

TEST(Kinds, SquareRangeMatchesSquareChecked) {
  std::vector<std::int64_t> out(100);
  // Across the positive boundary: the first 10 fit, the 11th overflows.
  EXPECT_EQ(square_range(kLimit - 9, out.size(), out.data()), 10u);
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(out[i], square_checked(kLimit - 9 + static_cast<std::int64_t>(i)));
  }
  // Starting beyond either boundary overflows at once.
  EXPECT_EQ(square_range(-kLimit - 1, out.size(), out.data()), 0u);
  EXPECT_EQ(square_range(kLimit + 1, out.size(), out.data()), 0u);
  EXPECT_EQ(square_range(kInt64Min, out.size(), out.data()), 0u);
  EXPECT_EQ(square_range(kInt64Max - 5, 5, out.data()), 0u);
  // Through zero and up to exactly the boundary.
  EXPECT_EQ(square_range(-50, out.size(), out.data()), out.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i], square_checked(-50 + static_cast<std::int64_t>(i)));
  }
  EXPECT_EQ(square_range(kLimit - 99, out.size(), out.data()), out.size());
  EXPECT_EQ(out.back(), square_checked(kLimit));
  EXPECT_EQ(square_range(-kLimit, 3, out.data()), 3u);
  EXPECT_EQ(out[0], square_checked(-kLimit));
  EXPECT_EQ(square_range(7, 0, out.data()), 0u);
}

TEST(Kinds, CrunchCountsAndTimes) {
  const CrunchResult result = crunch(200'000);
  EXPECT_EQ(result.final_count, 200'000);
  EXPECT_GT(result.ns_per_increment, 0.0);
  EXPECT_LT(result.ns_per_increment, 1000.0);
  EXPECT_EQ(crunch(0).final_count, 0);
  EXPECT_THROW(crunch(-1), std::invalid_argument);
  const Outcome outcome = kind_info(KindId::crunch).run(TaskSpec{KindId::crunch, 1000, 0, ""});
  EXPECT_EQ(outcome.value, 1000);
}

TEST(Kinds, RunSquareThrowsOnOverflow) {
  const auto run = kind_info(KindId::square).run;
  EXPECT_EQ(run(TaskSpec{KindId::square, -7, 0, ""}).value, 49);
  EXPECT_THROW(run(TaskSpec{KindId::square, kLimit + 1, 0, ""}), std::overflow_error);
}

TEST(Kinds, ParsesGoodFields) {
  EXPECT_EQ(kind_info(KindId::square).parse(nlohmann::json::parse(R"({"kind":"square","n":-3})")),
            (TaskSpec{KindId::square, -3, 0, ""}));
  EXPECT_EQ(kind_info(KindId::square).parse(nlohmann::json::parse(R"({"n":9223372036854775807})")),
            (TaskSpec{KindId::square, kInt64Max, 0, ""}));
  EXPECT_EQ(kind_info(KindId::crunch).parse(nlohmann::json::parse(R"({"count":1000000000000})")),
            (TaskSpec{KindId::crunch, kMaxCrunchCount, 0, ""}));
  EXPECT_EQ(kind_info(KindId::download)
                .parse(nlohmann::json::parse(R"({"name":"a b.bin","seconds":2.5})")),
            (TaskSpec{KindId::download, 0, 2.5, "a b.bin"}));
  EXPECT_EQ(kind_info(KindId::download).parse(nlohmann::json::parse(R"({"name":"é","seconds":0})")),
            (TaskSpec{KindId::download, 0, 0, "é"}));
}

TEST(Kinds, RejectsBadFields) {
  EXPECT_EQ(parse_error(KindId::square, R"({"n":1.5})"), R"("n" must be an integer)");
  EXPECT_EQ(parse_error(KindId::square, R"({"n":3.0})"), R"("n" must be an integer)");
  EXPECT_EQ(parse_error(KindId::square, R"({"n":"3"})"), R"("n" must be an integer)");
  EXPECT_EQ(parse_error(KindId::square, R"({"n":true})"), R"("n" must be an integer)");
  EXPECT_EQ(parse_error(KindId::square, R"({"n":null})"), R"("n" must be an integer)");
  EXPECT_EQ(parse_error(KindId::square, R"({"n":9223372036854775808})"),
            R"("n" is out of range (must fit int64))");
  EXPECT_EQ(parse_error(KindId::square, R"({"n":99999999999999999999})"),
            R"("n" is out of range (must fit int64))");
  EXPECT_EQ(parse_error(KindId::square, R"({"n":-9223372036854775809})"),
            R"("n" is out of range (must fit int64))");
  EXPECT_EQ(parse_error(KindId::square, R"({})"), R"(missing field "n" for kind square)");
  EXPECT_EQ(parse_error(KindId::square, R"({"n":1,"x":2})"),
            R"(unknown field "x" for kind square)");
  EXPECT_EQ(parse_error(KindId::crunch, R"({"cout":5})"),
            R"(unknown field "cout" for kind crunch)");
  EXPECT_EQ(parse_error(KindId::crunch, R"({"count":-1})"),
            R"("count" must be in [0, 1000000000000])");
  EXPECT_EQ(parse_error(KindId::crunch, R"({"count":1000000000001})"),
            R"("count" must be in [0, 1000000000000])");
  EXPECT_EQ(parse_error(KindId::download, R"({"name":"","seconds":1})"),
            R"("name" must be a non-empty string)");
  EXPECT_EQ(parse_error(KindId::download, R"({"name":7,"seconds":1})"),
            R"("name" must be a non-empty string)");
  EXPECT_EQ(parse_error(KindId::download, R"({"name":"a\nb","seconds":1})"),
            R"("name" must not contain control characters)");
  EXPECT_EQ(parse_error(KindId::download, R"({"name":"a","seconds":-0.5})"),
            R"("seconds" must be in [0, 604800])");
  EXPECT_EQ(parse_error(KindId::download, R"({"name":"a","seconds":1e300})"),
            R"("seconds" must be in [0, 604800])");
  EXPECT_EQ(parse_error(KindId::download, R"({"name":"a","seconds":"1"})"),
            R"("seconds" must be a number)");
  EXPECT_EQ(parse_error(KindId::download, R"({"name":"a"})"),
            R"(missing field "seconds" for kind download)");
}

TEST(Kinds, AppendsInputAsJson) {
  std::string out;
  kind_info(KindId::square).append_input_json(TaskSpec{KindId::square, -12, 0, ""}, out);
  out += ' ';
  kind_info(KindId::crunch).append_input_json(TaskSpec{KindId::crunch, 5000, 0, ""}, out);
  out += ' ';
  kind_info(KindId::download).append_input_json(TaskSpec{KindId::download, 0, 1, "a\"b"}, out);
  EXPECT_EQ(out, R"(-12 5000 "a\"b")");
}

}  // namespace
}  // namespace drover
