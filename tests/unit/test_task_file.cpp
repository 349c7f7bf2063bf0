// Tests of task-file parsing, validation and the streaming TaskFileSource.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "inputs/generated_source.hpp"
#include "inputs/task_file.hpp"
#include "model/errors.hpp"
#include "model/task_source.hpp"
#include "model_test_util.hpp"

namespace drover {
namespace {

using namespace model_test;

namespace fs = std::filesystem;

std::string line_error(std::string_view text) {
  try {
    parse_task_line(text, "t.jsonl", 7);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

class TaskFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "drover-taskfile-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& content) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  std::string validate_error(const std::string& path) {
    try {
      validate_task_file(path);
    } catch (const InputError& e) {
      return e.what();
    }
    return "no error";
  }

  fs::path dir_;
};

TEST(ParseTaskLine, ParsesEachKind) {
  EXPECT_EQ(parse_task_line(R"({"kind":"square","n":12})", "f", 1), (square_spec(12)));
  EXPECT_EQ(parse_task_line(R"( {"count": 5, "kind": "crunch"} )", "f", 1), (crunch_spec(5)));
  EXPECT_EQ(parse_task_line(R"({"kind":"download","name":"x.bin","seconds":1.25})", "f", 1),
            (download_spec("x.bin", 1.25)));
}

TEST(ParseTaskLine, ATagIsTheUsersOnAnyKind) {
  TaskSpec tagged = square_spec(12);
  tagged.tag = "sample-17";
  EXPECT_EQ(parse_task_line(R"({"kind":"square","tag":"sample-17","n":12})", "f", 1), tagged);
  EXPECT_EQ(parse_task_line(R"({"kind":"square","n":12,"tag":""})", "f", 1), square_spec(12));
  EXPECT_EQ(line_error(R"({"kind":"square","n":1,"tag":17})"), "t.jsonl:7: \"tag\" must be a string");
  EXPECT_EQ(line_error(R"({"kind":"square","n":1,"tag":"a","tag":"b"})"),
            "t.jsonl:7: field \"tag\" appears twice");
  const std::string big = R"({"kind":"square","n":1,"tag":")" + std::string(4097, 'x') + "\"}";
  EXPECT_EQ(line_error(big), "t.jsonl:7: \"tag\" is longer than 4096 bytes");
}

TEST(ParseTaskLine, ErrorsNameFileLineAndCause) {
  EXPECT_EQ(
      line_error(R"({"kind":"square","n":})").rfind("t.jsonl:7: invalid JSON: parse error", 0), 0u);
  EXPECT_EQ(line_error("[1,2]"), "t.jsonl:7: a task must be a JSON object");
  EXPECT_EQ(line_error("12"), "t.jsonl:7: a task must be a JSON object");
  // barrier and exec: the exec kind's, or its stand-ins in test_command_source.cpp.
  EXPECT_EQ(line_error(R"({"kind":"cube","n":2})"),
            R"(t.jsonl:7: unknown kind "cube" (known: barrier, crunch, download, exec, square))");
  EXPECT_EQ(line_error(R"({"n":2})"), R"(t.jsonl:7: missing field "kind")");
  EXPECT_EQ(line_error(R"({"kind":1,"n":2})"), R"(t.jsonl:7: "kind" must be a string)");
  EXPECT_EQ(line_error(R"({"kind":"square"})"), R"(t.jsonl:7: missing field "n" for kind square)");
  EXPECT_EQ(line_error(R"({"kind":"square","n":"5"})"), R"(t.jsonl:7: "n" must be an integer)");
  EXPECT_EQ(line_error(R"({"kind":"square","n":2.5})"), R"(t.jsonl:7: "n" must be an integer)");
  EXPECT_EQ(line_error(R"({"kind":"square","n":100000000000000000000})"),
            R"(t.jsonl:7: "n" is out of range (must fit int64))");
  EXPECT_EQ(line_error(R"({"kind":"crunch","count":-5})"),
            R"(t.jsonl:7: "count" must be in [0, 1000000000000])");
  EXPECT_EQ(line_error(R"({"kind":"download","name":"a","seconds":-1})"),
            R"(t.jsonl:7: "seconds" must be in [0, 604800])");
  EXPECT_EQ(line_error(R"({"kind":"download","name":"","seconds":1})"),
            R"(t.jsonl:7: "name" must be a non-empty string)");
  EXPECT_EQ(line_error(R"({"kind":"square","n":1,"m":2})"),
            R"(t.jsonl:7: unknown field "m" for kind square)");
  EXPECT_EQ(line_error(R"({"kind":"square","n":1,"a\nb":2})"),
            R"(t.jsonl:7: unknown field "a\nb" for kind square)");
}

TEST(ParseTaskLine, NumberOverflowAndBadUtf8AreOneLineErrors) {
  const std::string huge = line_error(R"({"kind":"download","name":"a","seconds":1e400})");
  EXPECT_EQ(huge.rfind("t.jsonl:7: invalid JSON: ", 0), 0u) << huge;
  EXPECT_NE(huge.find("1e400"), std::string::npos) << huge;
  const std::string utf8 =
      line_error("{\"kind\":\"download\",\"name\":\"a\xff\xfe\",\"seconds\":1}");
  EXPECT_EQ(utf8.rfind("t.jsonl:7: invalid JSON: ", 0), 0u) << utf8;
  for (char c : utf8) {
    EXPECT_TRUE(static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f)
        << utf8;
  }
}

TEST_F(TaskFileTest, ValidateCountsTasksSkippingBlankLinesAndCrlf) {
  const std::string path = write("ok.jsonl",
                                 "{\"kind\":\"square\",\"n\":1}\r\n"
                                 "\r\n"
                                 "   \t\n"
                                 "{\"kind\":\"download\",\"name\":\"a\",\"seconds\":0.5}\r\n"
                                 "{\"kind\":\"square\",\"n\":2}");  // no final newline
  const TaskFileSummary summary = validate_task_file(path);
  EXPECT_EQ(summary.tasks, 3u);
  EXPECT_EQ(summary.per_kind[square_id()], 2u);
  EXPECT_EQ(summary.per_kind[crunch_id()], 0u);
  EXPECT_EQ(summary.per_kind[download_id()], 1u);
}

TEST_F(TaskFileTest, ValidateNamesTheBadLine) {
  const std::string path = write("bad.jsonl",
                                 "{\"kind\":\"square\",\"n\":1}\n\n"
                                 "{\"kind\":\"square\",\"n\":1.5}\n");
  EXPECT_EQ(validate_error(path), path + ":3: \"n\" must be an integer");
  const std::string crlf = write("crlf.jsonl", "\r\n{\"kind\":\"cube\"}\r\n");
  EXPECT_EQ(validate_error(crlf).rfind(crlf + ":2: unknown kind \"cube\"", 0), 0u);
  const std::string utf8 =
      write("utf8.jsonl", "{\"kind\":\"download\",\"name\":\"\xc3\x28\",\"seconds\":1}\n");
  EXPECT_EQ(validate_error(utf8).rfind(utf8 + ":1: invalid JSON", 0), 0u);
}

TEST_F(TaskFileTest, ValidateRejectsMissingEmptyDirectoryAndLongLines) {
  const std::string missing = (dir_ / "nope.jsonl").string();
  EXPECT_EQ(validate_error(missing),
            missing + ": cannot open task file: No such file or directory");
  EXPECT_EQ(validate_error(dir_.string()), dir_.string() + ": is a directory");
  const std::string empty = write("empty.jsonl", "");
  EXPECT_EQ(validate_error(empty), empty + ": no tasks in file");
  const std::string blank = write("blank.jsonl", "\n  \n\r\n");
  EXPECT_EQ(validate_error(blank), blank + ": no tasks in file");
  const std::string long_line =
      write("long.jsonl", "{\"kind\":\"square\",\"n\":1}\n" + std::string(3 << 20, ' ') + "\n");
  EXPECT_EQ(validate_error(long_line), long_line + ":2: line longer than 1048576 bytes");
}

TEST_F(TaskFileTest, SourceGroupsConsecutiveTasksOfOneLane) {
  const std::string path = write("mixed.jsonl",
                                 "{\"kind\":\"square\",\"n\":1}\n"
                                 "{\"kind\":\"crunch\",\"count\":2}\n"
                                 "\n"
                                 "{\"kind\":\"square\",\"n\":3}\r\n"
                                 "{\"kind\":\"download\",\"name\":\"a\",\"seconds\":1}\n"
                                 "{\"kind\":\"download\",\"name\":\"b\",\"seconds\":2}\n"
                                 "{\"kind\":\"square\",\"n\":4}\n");
  TaskFileSource source(path, 6);
  EXPECT_EQ(source.total(), 6u);
  TaskBatch batch;
  batch.seq = 9;

  EXPECT_EQ(source.peek_kind(), square_id());
  ASSERT_TRUE(source.next_batch(2, batch));  // capped by max_tasks
  EXPECT_EQ(batch.lane, Lane::cpu);
  EXPECT_EQ(batch.first_id, 0u);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch.tasks[0], (Task{0, square_spec(1)}));
  EXPECT_EQ(batch.tasks[1], (Task{1, crunch_spec(2)}));
  EXPECT_EQ(batch.seq, 9u);

  ASSERT_TRUE(source.next_batch(10, batch));  // stops before the io task
  EXPECT_EQ(batch.first_id, 2u);
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch.tasks[0], (Task{2, square_spec(3)}));

  EXPECT_EQ(source.peek_kind(), download_id());
  ASSERT_TRUE(source.next_batch(10, batch));
  EXPECT_EQ(batch.lane, Lane::io);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch.tasks[1], (Task{4, download_spec("b", 2)}));

  ASSERT_TRUE(source.next_batch(10, batch));
  EXPECT_EQ(batch.lane, Lane::cpu);
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch.tasks[0].id, 5u);

  EXPECT_FALSE(source.peek_kind());
  EXPECT_FALSE(source.next_batch(10, batch));
  EXPECT_EQ(batch.size(), 0u);
}

TEST_F(TaskFileTest, SourceReportsOpenFailuresAndLaterBadLines) {
  const std::string missing = (dir_ / "gone.jsonl").string();
  EXPECT_THROW(TaskFileSource(missing, std::nullopt), InputError);
  const std::string path = write("later.jsonl", "{\"kind\":\"square\",\"n\":1}\nnot json\n");
  TaskFileSource source(path, std::nullopt);
  EXPECT_EQ(source.total(), std::nullopt);
  TaskBatch batch;
  try {
    source.next_batch(10, batch);
    ADD_FAILURE() << "no error for line 2";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path + ":2: invalid JSON", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace drover
