// Fingerprints tell runs' work apart and give generated work back for journal export.
#include <gtest/gtest.h>

#include <fstream>

#include "core/errors.hpp"
#include "core/fingerprint.hpp"

namespace drover {
namespace {

Generator downloads() {
  Generator g;
  g.kind = KindId::download;
  g.total = 20;
  g.min_seconds = 0.1;
  g.max_seconds = 1.0 / 3.0;
  g.seed = 7;
  return g;
}

TEST(Fingerprint, GeneratedRoundTripsExactly) {
  const Generator g = downloads();
  const auto back = generator_from_fingerprint(fingerprint_generated(g));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, g);
  Generator squares;
  squares.kind = KindId::square;
  squares.total = 1'000'000;
  squares.from = -5;
  EXPECT_EQ(generator_from_fingerprint(fingerprint_generated(squares)), squares);
}

TEST(Fingerprint, DifferentWorkDifferentFingerprint) {
  Generator a = downloads();
  Generator b = a;
  b.seed = 8;
  EXPECT_NE(fingerprint_generated(a), fingerprint_generated(b));
  b = a;
  b.total = 21;
  EXPECT_NE(fingerprint_generated(a), fingerprint_generated(b));
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
                           "generated kind=square bogus=1", "task-file bytes=1"}) {
    EXPECT_FALSE(generator_from_fingerprint(text)) << text;
  }
}

}  // namespace
}  // namespace drover
