// A task file that changes while the run reads it: appended lines are not run, edits are named.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "inputs/task_file.hpp"
#include "journal/fingerprint.hpp"
#include "model_test_util.hpp"

namespace drover {
namespace {

namespace fs = std::filesystem;

class TaskFileChange : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "drover-change-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = (dir_ / "t.jsonl").string();
    std::ofstream out(path_, std::ios::binary);
    for (int n = 10; n < 20; ++n) out << "{\"kind\":\"square\",\"n\":" << n << "}\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Starts a source as the run does (after the check), takes the first task,
  // lets `change` edit the file, then reads the rest.
  template <class Change>
  std::vector<std::int64_t> run_with(Change change, std::optional<InputChange>& found) {
    const TaskFileSummary summary = validate_task_file(path_);
    TaskFileSource source(path_, summary.tasks, summary.content);
    std::vector<std::int64_t> inputs;
    TaskBatch batch;
    EXPECT_TRUE(source.next_batch(1, batch));
    for (const Task& t : batch.tasks) inputs.push_back(model_test::input_n(t.spec));
    change();
    while (source.next_batch(3, batch)) {
      for (const Task& t : batch.tasks) inputs.push_back(model_test::input_n(t.spec));
    }
    found = source.input_change();
    return inputs;
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(TaskFileChange, TheCheckedContentIsTheJournalsFingerprint) {
  EXPECT_EQ(validate_task_file(path_).content.fingerprint(), fingerprint_task_file(path_));
}

TEST_F(TaskFileChange, AnUnchangedFileSaysNothing) {
  std::optional<InputChange> found;
  EXPECT_EQ(run_with([] {}, found).size(), 10u);
  EXPECT_FALSE(found.has_value());
}

TEST_F(TaskFileChange, LinesAppendedDuringTheRunAreNotRunAndAWarningSaysSo) {
  std::optional<InputChange> found;
  const auto inputs = run_with(
      [&] { std::ofstream(path_, std::ios::app) << "{\"kind\":\"square\",\"n\":99}\nnot json\n"; },
      found);
  EXPECT_EQ(inputs, (std::vector<std::int64_t>{10, 11, 12, 13, 14, 15, 16, 17, 18, 19}));
  ASSERT_TRUE(found.has_value());
  EXPECT_FALSE(found->content);
  EXPECT_NE(found->message.find("t.jsonl: its size changed during the run (250 bytes when checked, "
                                "284 now): only the lines checked at the start were run"),
            std::string::npos)
      << found->message;
}

TEST_F(TaskFileChange, ALineEditedDuringTheRunIsAnErrorNamingTheFile) {
  {
    // Far more than a stream buffer, so the edit lands in bytes not yet read.
    std::ofstream out(path_, std::ios::binary);
    for (int n = 10000; n < 30000; ++n) out << "{\"kind\":\"square\",\"n\":" << n << "}\n";
  }
  std::optional<InputChange> found;
  const auto inputs = run_with(
      [&] {
        std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(28 * 19999 + 21);  // the last line's 29999 becomes 77777: same size
        f << "77777";
      },
      found);
  ASSERT_EQ(inputs.size(), 20000u);
  EXPECT_EQ(inputs.back(), 77777);
  ASSERT_TRUE(found.has_value());
  EXPECT_TRUE(found->content);
  EXPECT_NE(found->message.find("t.jsonl: changed while the run read it"), std::string::npos)
      << found->message;
}

}  // namespace
}  // namespace drover
