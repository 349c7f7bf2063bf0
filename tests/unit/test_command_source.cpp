// CommandSource over a commands file: exec tasks, barriers alone, stdin, resume, file changes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "command_source_test_util.hpp"
#include "inputs/command_source.hpp"
#include "kinds/exec_codec.hpp"
#include "model/errors.hpp"
#include "model/kinds.hpp"

namespace drover {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;
using namespace command_source_test;

// The built-in exec and barrier kinds, whatever order static initialisers run in.
const bool builtins_registered = [] {
  register_builtin_kinds();
  return true;
}();

const char* const kCommands =
    "# set-up first\n"
    "echo a\n"
    "\n"
    "  echo b  \n"
    "#DROVER BARRIER\n"
    "echo c\r\n"
    "  # drover barrier\n"
    "#DROVER BARRIER\n"
    "echo d";  // no final newline

const std::vector<std::string> kCommandBatches = {"0:echo a,1:echo b", "2:BARRIER", "3:echo c",
                                                  "4:BARRIER",         "5:BARRIER", "6:echo d"};

class CommandSourceFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "drover-cmdsrc-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = (dir_ / "cmds.txt").string();
    write(path_, kCommands);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static void write(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
  }
  CommandSourceSpec spec() const { return CommandSourceSpec{path_, {}, {}}; }

  fs::path dir_;
  std::string path_;
};

TEST_F(CommandSourceFile, EntriesAreTasksAndEveryBarrierIsABatchOfItsOwn) {
  const auto source = open_command_source(spec());
  EXPECT_EQ(source->total(), 7u) << "four commands and three barriers";
  EXPECT_EQ(source->peek_kind(), exec_id());
  EXPECT_EQ(batches(*source, 100), kCommandBatches);
  EXPECT_EQ(source->next_id(), 7u);
  EXPECT_FALSE(source->input_change().has_value());
}

TEST_F(CommandSourceFile, ATaskIsTheCommandAloneForTheShellOnTheExecKindsLane) {
  const auto source = open_command_source(spec());
  TaskBatch batch;
  ASSERT_TRUE(source->next_batch(1, batch));
  ASSERT_EQ(batch.tasks.size(), 1u);
  EXPECT_EQ(batch.lane, Lane::io);
  EXPECT_EQ(batch.tasks[0].spec.kind, exec_id());
  ExecInput expected;
  expected.cmd = "echo a";
  EXPECT_EQ(decode_exec_input(batch.tasks[0].spec.input), expected);
  EXPECT_EQ(batch.count, 0u);
  EXPECT_FALSE(source->spec_of(0).has_value());
}

TEST_F(CommandSourceFile, StdinIsReadLazilyWithTheSameTasksAndNoTotal) {
  std::istringstream in(kCommands);
  const auto source = open_command_source(CommandSourceSpec{"-", {}, {}}, in);
  EXPECT_EQ(in.tellg(), 0) << "nothing read before the run asks";
  EXPECT_FALSE(source->total().has_value());
  EXPECT_EQ(source->fingerprint(), "exec commands stdin");
  TaskBatch batch;
  ASSERT_TRUE(source->next_batch(1, batch));
  EXPECT_EQ(shown(batch.tasks.at(0)), "echo a");
  EXPECT_EQ(in.tellg(), 22) << "a one-task batch reads no line past its own";
  EXPECT_EQ(batches(*source, 100),
            (std::vector<std::string>{"1:echo b", "2:BARRIER", "3:echo c", "4:BARRIER", "5:BARRIER",
                                      "6:echo d"}));
}

TEST_F(CommandSourceFile, BatchesHoldAtMostMaxTasks) {
  std::string text;
  for (int i = 0; i < 10; ++i) text += "echo " + std::to_string(i) + "\n";
  write(path_, text);
  const auto source = open_command_source(spec());
  EXPECT_EQ(source->total(), 10u);
  EXPECT_EQ(batches(*source, 3),
            (std::vector<std::string>{"0:echo 0,1:echo 1,2:echo 2", "3:echo 3,4:echo 4,5:echo 5",
                                      "6:echo 6,7:echo 7,8:echo 8", "9:echo 9"}));
  const auto again = open_command_source(spec());
  EXPECT_EQ(batches(*again, 0).size(), 10u) << "max_tasks 0 is taken as 1";
}

TEST_F(CommandSourceFile, SkipToPassesOverEntriesAndNeverGoesBack) {
  const auto source = open_command_source(spec());
  source->skip_to(3);
  EXPECT_EQ(source->next_id(), 3u);
  source->skip_to(1);
  EXPECT_EQ(source->next_id(), 3u) << "never backwards";
  EXPECT_EQ(source->peek_kind(), exec_id());
  source->skip_to(4);  // over the peeked entry
  EXPECT_EQ(source->peek_kind(), barrier_id());
  EXPECT_EQ(batches(*source, 100),
            (std::vector<std::string>{"4:BARRIER", "5:BARRIER", "6:echo d"}));
  const auto past = open_command_source(spec());
  past->skip_to(100);
  EXPECT_EQ(past->next_id(), 7u) << "stops at the end";
  EXPECT_FALSE(past->peek_kind().has_value());
  EXPECT_FALSE(past->input_change().has_value()) << "skipped bytes count as read";
}

TEST_F(CommandSourceFile, APipeIsReadOnceWithNoTotal) {
  const std::string fifo = (dir_ / "cmds.fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // Held open for writing (O_RDWR does not wait for a reader) until the
  // source has it open, so neither side blocks and no thread is needed.
  const int writer = ::open(fifo.c_str(), O_RDWR);
  ASSERT_GE(writer, 0);
  const std::string text = "echo a\n#DROVER BARRIER\n";
  ASSERT_EQ(::write(writer, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  const auto source = open_command_source(CommandSourceSpec{fifo, {}, {}});
  ::close(writer);
  // A pipe cannot be read twice: a first pass would leave nothing to run.
  EXPECT_FALSE(source->total().has_value());
  EXPECT_EQ(source->fingerprint(), "exec commands stream");
  EXPECT_EQ(batches(*source, 10), (std::vector<std::string>{"0:echo a", "1:BARRIER"}));
}

TEST_F(CommandSourceFile, ABadLineInARegularFileFailsAtConstructionNamingFileAndLine) {
  write(path_, "echo a\necho b\n#DROVER BARIER\necho c\n");
  EXPECT_EQ(error_of(spec()).rfind(path_ + ":3: unknown directive '#DROVER BARIER'", 0), 0u)
      << error_of(spec());
  EXPECT_EQ(error_of(CommandSourceSpec{(dir_ / "none.txt").string(), {}, {}})
                .rfind((dir_ / "none.txt").string() + ": cannot open commands file", 0),
            0u);
  EXPECT_NE(error_of(CommandSourceSpec{dir_.string(), {}, {}}).find("is a directory"),
            std::string::npos);
}

TEST_F(CommandSourceFile, ABadLineOnStdinFailsWhenReachedNamingTheLine) {
  std::istringstream in("echo a\necho b\nfoo\0bar\necho c\n"s);
  const auto source = open_command_source(CommandSourceSpec{"-", {}, {}}, in);
  TaskBatch batch;
  ASSERT_TRUE(source->next_batch(2, batch));
  EXPECT_EQ(batch.tasks.size(), 2u);
  try {
    source->peek_kind();
    ADD_FAILURE() << "a NUL byte was accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "stdin:3: the line holds a NUL byte");
  }
}

TEST_F(CommandSourceFile, TheFingerprintIsTheContentNotTheName) {
  const std::string fingerprint = open_command_source(spec())->fingerprint();
  TaskFileContent content;
  content.add(kCommands, std::strlen(kCommands));
  const std::string expected = content.fingerprint();  // "task-file bytes=..."
  EXPECT_EQ(fingerprint, "exec commands file " + expected.substr(expected.find("bytes=")));
  const std::string moved = (dir_ / "moved.txt").string();
  write(moved, kCommands);
  EXPECT_EQ(open_command_source(CommandSourceSpec{moved, {}, {}})->fingerprint(), fingerprint);
  write(moved, std::string(kCommands) + "\n");
  EXPECT_NE(open_command_source(CommandSourceSpec{moved, {}, {}})->fingerprint(), fingerprint);
}

TEST_F(CommandSourceFile, LinesAppendedDuringTheRunAreNotRunAndTheChangeIsNamed) {
  write(path_, "echo 1\necho 2\necho 3\n");
  const auto source = open_command_source(spec());
  TaskBatch batch;
  ASSERT_TRUE(source->next_batch(1, batch));
  std::ofstream(path_, std::ios::app) << "echo 4\n#DROVER NONSENSE\n";
  EXPECT_EQ(batches(*source, 10), (std::vector<std::string>{"1:echo 2,2:echo 3"}));
  const auto change = source->input_change();
  ASSERT_TRUE(change.has_value());
  EXPECT_FALSE(change->content);
  EXPECT_EQ(change->message, path_ +
                                 ": its size changed during the run (21 bytes when checked, "
                                 "45 now): only the commands checked at the start were run");
}

TEST_F(CommandSourceFile, BytesEditedDuringTheRunAreAContentChange) {
  // Far more than the source's read buffer, so the edit lands in bytes not
  // yet read when the first batch is out.
  std::string text;
  for (int i = 10000; i < 30000; ++i) text += "echo " + std::to_string(i) + "\n";
  write(path_, text);
  const auto source = open_command_source(spec());
  EXPECT_EQ(source->total(), 20000u);
  TaskBatch batch;
  ASSERT_TRUE(source->next_batch(1, batch));
  {
    std::fstream edit(path_, std::ios::in | std::ios::out | std::ios::binary);
    edit.seekp(static_cast<std::streamoff>(text.size() - 6));
    edit << "99999";  // the last line, same length
  }
  std::string last;
  while (source->next_batch(1000, batch)) last = shown(batch.tasks.back());
  EXPECT_EQ(last, "echo 99999") << "the run read the edited line";
  EXPECT_EQ(source->next_id(), 20000u);
  const auto change = source->input_change();
  ASSERT_TRUE(change.has_value());
  EXPECT_TRUE(change->content);
  EXPECT_EQ(change->message.rfind(path_ + ": changed while the run read it", 0), 0u)
      << change->message;
}

}  // namespace
}  // namespace drover
