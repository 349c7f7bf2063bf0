// Rank 0's input checks that need no MPI: which paths name one file, and refusing them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "inputs/leader_inputs.hpp"
#include "model/errors.hpp"

namespace drover {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, the working directory while the test runs
// (relative paths are what users type), removed at the end.
class SameFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "drover-same-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    old_cwd_ = fs::current_path();
    fs::current_path(dir_);
  }
  void TearDown() override {
    fs::current_path(old_cwd_);
    fs::remove_all(dir_);
  }
  static void touch(const std::string& path) { std::ofstream(path) << "x\n"; }

  fs::path dir_;
  fs::path old_cwd_;
};

TEST_F(SameFile, SpellingsOfOneMissingFileAreOne) {
  EXPECT_TRUE(same_file("./a1.x", "a1.x"));
  EXPECT_TRUE(same_file((dir_ / "a1.x").string(), "a1.x"));
  fs::create_directory("bad");
  EXPECT_TRUE(same_file("bad/../bad/a3.x", "bad/a3.x"));
  fs::current_path("bad");
  EXPECT_TRUE(same_file("../bad/a3.x", "a3.x"));
  EXPECT_FALSE(same_file("../a3.x", "a3.x"));
}

TEST_F(SameFile, ExistingFilesCompareByInode) {
  touch("a");
  fs::create_hard_link("a", "hard");
  fs::create_symlink("a", "soft");
  touch("b");
  EXPECT_TRUE(same_file("a", "hard"));
  EXPECT_TRUE(same_file("soft", "./a"));
  EXPECT_FALSE(same_file("a", "b"));
  EXPECT_FALSE(same_file("a", "missing"));
}

TEST_F(SameFile, SymlinkedDirectoriesAndDanglingLinksAreFollowed) {
  fs::create_directory("real");
  fs::create_directory_symlink("real", "alias");
  EXPECT_TRUE(same_file("alias/out.x", "real/out.x"));
  fs::create_symlink("target.x", "dangling");
  EXPECT_TRUE(same_file("dangling", "target.x"));
  fs::create_symlink("dangling", "chain");
  EXPECT_TRUE(same_file("chain", "./target.x"));
  fs::create_symlink((dir_ / "real" / "deep.x").string(), "absolute");
  EXPECT_TRUE(same_file("absolute", "alias/deep.x"));
  EXPECT_FALSE(same_file("dangling", "other.x"));
}

TEST_F(SameFile, DashIsOnlyItself) {
  EXPECT_TRUE(same_file("-", "-"));
  EXPECT_FALSE(same_file("-", "./-"));
  EXPECT_FALSE(same_file("out.x", "-"));
}

std::string refusal_of(const RunOptions& o) {
  try {
    refuse_shared_files(o);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST_F(SameFile, EveryPairOfFilesIsChecked) {
  RunOptions o;
  o.output = "./a1.x";
  o.journal = "a1.x";
  EXPECT_EQ(refusal_of(o), "./a1.x and a1.x are one file: named by both --output and --journal");
  o = {};
  o.trace = "t.json";
  o.summary_json = "./t.json";
  EXPECT_NE(refusal_of(o).find("named by both --trace and --summary-json"), std::string::npos);
  o = {};
  touch("tasks.jsonl");
  fs::create_symlink("tasks.jsonl", "link.jsonl");
  o.tasks_file = "tasks.jsonl";
  o.journal = "link.jsonl";
  EXPECT_NE(refusal_of(o).find("named by both --journal and --tasks-file"), std::string::npos);
  o = {};
  o.output = "out.x";
  o.trace = "trace.x";
  o.journal = "j.x";
  o.summary_json = "s.x";
  o.tasks_file = "tasks.jsonl";
  EXPECT_EQ(refusal_of(o), "(accepted)");
}

TEST_F(SameFile, TwoOutputsOnStdoutAreRefusedStdinIsNotAnOutput) {
  // From a string, not a literal: g++ 12 at -O3 warns falsely (-Wrestrict) on
  // assigning the one-character literal.
  const std::string dash = "-";
  RunOptions o;
  o.output = dash;
  o.summary_json = dash;
  EXPECT_EQ(refusal_of(o), "- (stdout): named by both --output and --summary-json");
  o = {};
  o.output = dash;
  o.tasks_file = dash;
  o.trace = "trace.json";
  EXPECT_EQ(refusal_of(o), "(accepted)");
}

}  // namespace
}  // namespace drover
