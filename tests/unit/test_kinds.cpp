// Tests of the kind registry, the field checks of each kind and the CPU kernels.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/errors.hpp"
#include "model/kinds.hpp"
#include "model_test_util.hpp"

namespace drover {
namespace {

using namespace model_test;

constexpr std::int64_t kLimit = 3037000499;  // floor(sqrt(INT64_MAX))
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();

TaskSpec parsed(KindId kind, const char* text) {
  TaskSpec spec{kind, {}, {}};
  kind_info(kind).parse_json(nlohmann::json::parse(text), spec.input);
  return spec;
}

std::string parse_error(KindId kind, const char* text) {
  try {
    parsed(kind, text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Kinds, RegistryIsSortedByNameWithIdsFromPositions) {
  ASSERT_GE(all_kinds().size(), 3u);
  for (std::size_t i = 0; i < all_kinds().size(); ++i) {
    EXPECT_EQ(all_kinds()[i].id, i);
    EXPECT_EQ(find_kind(all_kinds()[i].name), &all_kinds()[i]);
    if (i > 0) {
      EXPECT_LT(all_kinds()[i - 1].name, all_kinds()[i].name);
    }
  }
  EXPECT_EQ(kind_info(square_id()).name, "square");
  EXPECT_EQ(kind_info(crunch_id()).lane, Lane::cpu);
  EXPECT_EQ(kind_info(download_id()).lane, Lane::io);
  EXPECT_FALSE(kind_info(download_id()).run);
  EXPECT_TRUE(kind_info(download_id()).start);
  EXPECT_TRUE(kind_info(square_id()).run);
  EXPECT_FALSE(kind_info(square_id()).metric_json);
  EXPECT_TRUE(kind_info(crunch_id()).metric_json);
  EXPECT_EQ(find_kind("cube"), nullptr);
  EXPECT_EQ(find_kind("Square"), nullptr);
  EXPECT_THROW(kind_info(static_cast<KindId>(all_kinds().size())), std::out_of_range);
  // barrier and exec: the exec kind's, or its stand-ins in test_command_source.cpp.
  EXPECT_EQ(kind_names(), "barrier, crunch, download, exec, square");
}

TEST(Kinds, RegisteringAfterTheRegistryIsSealedIsRefused) {
  all_kinds();  // seals
  KindOps late;
  late.name = "late";
  late.run = [](std::span<const char>, std::string&) {};
  late.input_json = late.value_json = [](std::span<const char>, std::string&) {};
  late.checksum = [](std::span<const char>) { return std::uint64_t{0}; };
  try {
    register_kind(late);
    ADD_FAILURE() << "registered after sealing";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("after the registry was sealed"), std::string::npos);
  }
  EXPECT_EQ(find_kind("late"), nullptr);
}

TEST(Kinds, IncompleteKindsAreRefusedWithTheirName) {
  KindOps k;
  k.name = "half";
  EXPECT_THROW(register_kind(k), std::logic_error);  // a CPU kind without run
  k.name = "bad name";
  EXPECT_THROW(register_kind(k), std::logic_error);
  k.name = "";
  EXPECT_THROW(register_kind(k), std::logic_error);
  k.name = "io";
  k.lane = Lane::io;
  try {
    register_kind(k);
    ADD_FAILURE() << "an IO kind without start was accepted";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("\"io\" has no start"), std::string::npos);
  }
}

TEST(Kinds, FingerprintNamesEveryKindAndItsTypes) {
  const std::string f = registry_fingerprint();
  EXPECT_NE(f.find("square cpu i64 -> i64\n"), std::string::npos);
  EXPECT_NE(f.find("crunch cpu i64 -> {i64,f64}\n"), std::string::npos);
  EXPECT_NE(f.find("download io {str,f64} -> {i64,f64}\n"), std::string::npos);
  EXPECT_EQ(registry_difference(f, f), "");
}

TEST(Kinds, DifferenceNamesTheFirstKindThatDiffers) {
  const std::string ours = "a cpu i64 -> i64\nb cpu str -> i64\n";
  EXPECT_EQ(registry_difference(ours, "a cpu i64 -> i64\nb cpu i64 -> i64\n"),
            "kind \"b\" differs: cpu str -> i64 here, cpu i64 -> i64 there");
  EXPECT_EQ(registry_difference(ours, "a cpu i64 -> i64\n"), "kind \"b\" is missing there");
  EXPECT_EQ(registry_difference(ours, ours + "c io str -> i64\n"), "kind \"c\" is missing here");
  EXPECT_EQ(registry_difference(ours, "b cpu str -> i64\n"), "kind \"a\" is missing there");
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
  ResultBatch r;
  std::string output;
  kind_info(crunch_id()).run(crunch_spec(1000).input, output);
  r.outputs = detail::to_bytes(output);
  r.count = 1;
  r.stride = 16;
  EXPECT_EQ(value_of(r, 0), 1000);
  EXPECT_GE(metric_of(r, 0), 0.0);
}

TEST(Kinds, RunSquareThrowsOnOverflow) {
  const auto& run = kind_info(square_id()).run;
  std::string out;
  run(square_spec(-7).input, out);
  EXPECT_EQ(builtin::get_pod<std::int64_t>(out), 49);
  out.clear();
  EXPECT_THROW(run(square_spec(kLimit + 1).input, out), std::overflow_error);
}

TEST(Kinds, SquareBlockMatchesSquareCheckedAndStopsAtAnOverflow) {
  std::vector<std::int64_t> in = {-3, 0, kLimit, -kLimit, 12};
  std::vector<std::int64_t> out(in.size());
  const auto block = [&] {
    return square_block(reinterpret_cast<const char*>(in.data()), in.size(),
                        reinterpret_cast<char*>(out.data()));
  };
  EXPECT_EQ(block(), in.size());
  for (std::size_t i = 0; i < in.size(); ++i) EXPECT_EQ(out[i], square_checked(in[i]));
  in[3] = kLimit + 1;
  EXPECT_EQ(block(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(out[i], square_checked(in[i]));
  in[0] = kInt64Min;
  EXPECT_EQ(block(), 0u);
  EXPECT_EQ(square_block(nullptr, 0, nullptr), 0u);
}

TEST(Kinds, GeneratorsMakeTheInputsOfTheirIds) {
  EXPECT_EQ(square_generator(10, -5).make(7), square_spec(2));
  EXPECT_EQ(crunch_generator(3, 400).make(2), crunch_spec(400));
  const TaskSpec d = download_generator(9, 1, 2, 7).make(8);
  EXPECT_EQ(input_name(d), "file-0009.bin");
  EXPECT_GE(input_seconds(d), 1.0);
  EXPECT_LE(input_seconds(d), 2.0);
  // Block and single generation agree.
  std::vector<std::int64_t> block(4);
  const Generator g = square_generator(100, 40);
  kind_info(square_id()).generate_block(g.params, 10, 4, reinterpret_cast<char*>(block.data()));
  EXPECT_EQ(block, (std::vector<std::int64_t>{50, 51, 52, 53}));
}

TEST(Kinds, ParsesGoodFields) {
  EXPECT_EQ(parsed(square_id(), R"({"kind":"square","n":-3})"), square_spec(-3));
  EXPECT_EQ(parsed(square_id(), R"({"n":9223372036854775807})"), square_spec(kInt64Max));
  EXPECT_EQ(parsed(crunch_id(), R"({"count":1000000000000})"), crunch_spec(kMaxCrunchCount));
  EXPECT_EQ(parsed(download_id(), R"({"name":"a b.bin","seconds":2.5})"),
            download_spec("a b.bin", 2.5));
  EXPECT_EQ(parsed(download_id(), R"({"name":"é","seconds":0})"), download_spec("é", 0));
}

TEST(Kinds, RejectsBadFields) {
  EXPECT_EQ(parse_error(square_id(), R"({"n":1.5})"), R"("n" must be an integer)");
  // Issue 11: an exact integer written as a float is that integer, up to 2^53.
  EXPECT_EQ(parsed(square_id(), R"({"n":3.0})"), square_spec(3));
  EXPECT_EQ(parsed(crunch_id(), R"({"count":1e3})"), crunch_spec(1000));
  EXPECT_EQ(parsed(square_id(), R"({"n":-9007199254740992.0})"), square_spec(-9007199254740992));
  EXPECT_EQ(parse_error(square_id(), R"({"n":1e17})"),
            R"("n" above 2^53 must be written as an integer, without a point or exponent)");
  EXPECT_EQ(parse_error(square_id(), R"({"n":1e300})"), R"("n" is out of range (must fit int64))");
  // Issue 11: a count beyond uint64's reach names the kind's own limit, not int64's.
  EXPECT_EQ(parse_error(crunch_id(), R"({"count":18446744073709551615})"),
            R"("count" must be in [0, 1000000000000])");
  EXPECT_EQ(parse_error(square_id(), R"({"n":"3"})"), R"("n" must be an integer)");
  EXPECT_EQ(parse_error(square_id(), R"({"n":true})"), R"("n" must be an integer)");
  EXPECT_EQ(parse_error(square_id(), R"({"n":null})"), R"("n" must be an integer)");
  EXPECT_EQ(parse_error(square_id(), R"({"n":9223372036854775808})"),
            R"("n" is out of range (must fit int64))");
  EXPECT_EQ(parse_error(square_id(), R"({"n":99999999999999999999})"),
            R"("n" is out of range (must fit int64))");
  EXPECT_EQ(parse_error(square_id(), R"({"n":-9223372036854775809})"),
            R"("n" is out of range (must fit int64))");
  EXPECT_EQ(parse_error(square_id(), R"({})"), R"(missing field "n" for kind square)");
  EXPECT_EQ(parse_error(square_id(), R"({"n":1,"x":2})"), R"(unknown field "x" for kind square)");
  EXPECT_EQ(parse_error(crunch_id(), R"({"cout":5})"), R"(unknown field "cout" for kind crunch)");
  EXPECT_EQ(parse_error(crunch_id(), R"({"count":-1})"),
            R"("count" must be in [0, 1000000000000])");
  EXPECT_EQ(parse_error(crunch_id(), R"({"count":1000000000001})"),
            R"("count" must be in [0, 1000000000000])");
  EXPECT_EQ(parse_error(download_id(), R"({"name":"","seconds":1})"),
            R"("name" must be a non-empty string)");
  EXPECT_EQ(parse_error(download_id(), R"({"name":7,"seconds":1})"),
            R"("name" must be a non-empty string)");
  EXPECT_EQ(parse_error(download_id(), R"({"name":"a\nb","seconds":1})"),
            R"("name" must not contain control characters)");
  EXPECT_EQ(parse_error(download_id(), R"({"name":"a","seconds":-0.5})"),
            R"("seconds" must be in [0, 604800])");
  EXPECT_EQ(parse_error(download_id(), R"({"name":"a","seconds":1e300})"),
            R"("seconds" must be in [0, 604800])");
  EXPECT_EQ(parse_error(download_id(), R"({"name":"a","seconds":"1"})"),
            R"("seconds" must be a number)");
  EXPECT_EQ(parse_error(download_id(), R"({"name":"a"})"),
            R"(missing field "seconds" for kind download)");
}

TEST(Kinds, AppendsInputAsJson) {
  std::string out;
  kind_info(square_id()).input_json(square_spec(-12).input, out);
  out += ' ';
  kind_info(crunch_id()).input_json(crunch_spec(5000).input, out);
  out += ' ';
  kind_info(download_id()).input_json(download_spec("a\"b", 1).input, out);
  EXPECT_EQ(out, R"(-12 5000 "a\"b")");
}

}  // namespace
}  // namespace drover
