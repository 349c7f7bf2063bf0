// Fingerprints tell runs' work apart and give generated work back for journal export.
#include <gtest/gtest.h>

#include <fstream>

#include "journal/fingerprint.hpp"
#include "kinds/generators.hpp"
#include "model/errors.hpp"
#include "model/kinds.hpp"

namespace drover {
namespace {

Generator downloads(std::uint64_t seed = 7) {
  return download_generator(20, 0.1, 1.0 / 3.0, seed);
}

TEST(Fingerprint, GeneratedRoundTripsExactly) {
  const Generator g = downloads();
  const auto back = generator_from_fingerprint(fingerprint_generated(g));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, g);
  const Generator squares = square_generator(1'000'000, -5);
  EXPECT_EQ(generator_from_fingerprint(fingerprint_generated(squares)), squares);
  // The parameters are the kind's encoded bytes, in hex: from = -5 as a little-endian int64.
  EXPECT_EQ(fingerprint_generated(squares),
            "generated kind=square total=1000000 params=fbffffffffffffff");
  EXPECT_EQ(fingerprint_generated(crunch_generator(3, 256)),
            "generated kind=crunch total=3 params=0001000000000000");
}

TEST(Fingerprint, TheRegistryStampIsIgnoredWhenReadingTheGenerator) {
  const std::string stamp = registry_stamp();
  ASSERT_EQ(stamp.size(), std::string(" kinds=").size() + 16) << stamp;
  EXPECT_EQ(stamp.rfind(" kinds=", 0), 0u) << stamp;
  EXPECT_EQ(stamp.find_first_not_of("0123456789abcdef", 7), std::string::npos) << stamp;
  EXPECT_EQ(registry_stamp(), stamp);  // a pure function of the registry
  const Generator g = downloads();
  EXPECT_EQ(generator_from_fingerprint(fingerprint_generated(g) + stamp), g);
}

TEST(Fingerprint, DifferentWorkDifferentFingerprint) {
  const Generator a = downloads();
  Generator b = downloads(8);
  EXPECT_NE(fingerprint_generated(a), fingerprint_generated(b));
  b = a;
  b.total = 21;
  EXPECT_NE(fingerprint_generated(a), fingerprint_generated(b));
  // The same parameters for another kind are other work.
  EXPECT_NE(fingerprint_generated(square_generator(5, 1)),
            fingerprint_generated(crunch_generator(5, 1)));
}

TEST(Fingerprint, TaskFilesByContent) {
  const std::string dir = ::testing::TempDir();
  std::ofstream(dir + "/fp-a.jsonl") << "{\"kind\":\"square\",\"n\":1}\n";
  std::ofstream(dir + "/fp-b.jsonl") << "{\"kind\":\"square\",\"n\":1}\n";
  std::ofstream(dir + "/fp-c.jsonl") << "{\"kind\":\"square\",\"n\":2}\n";
  EXPECT_EQ(fingerprint_task_file(dir + "/fp-a.jsonl"), fingerprint_task_file(dir + "/fp-b.jsonl"));
  EXPECT_NE(fingerprint_task_file(dir + "/fp-a.jsonl"), fingerprint_task_file(dir + "/fp-c.jsonl"));
  EXPECT_FALSE(generator_from_fingerprint(fingerprint_task_file(dir + "/fp-a.jsonl")));
  EXPECT_THROW(fingerprint_task_file(dir + "/no-such-file"), InputError);
}

TEST(Fingerprint, GarbageIsNotAGenerator) {
  for (const char* text : {"", "generated", "generated kind=cube", "generated kind=square total=x",
                           "generated kind=square bogus=1", "task-file bytes=1",
                           "generated kind=square total=1",           // no params
                           "generated kind=square total=1 params=0",  // odd hex
                           "generated kind=square total=1 params=zz00000000000000",
                           "generated kind=cube total=1 params=0000000000000000"}) {
    EXPECT_FALSE(generator_from_fingerprint(text)) << text;
  }
}

}  // namespace
}  // namespace drover
