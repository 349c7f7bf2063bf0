// Commands files: comments, barriers, line endings, bad bytes, file:line in every error.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "model/errors.hpp"
#include "inputs/commands_file.hpp"

namespace drover {
namespace {

namespace fs = std::filesystem;

const std::string kName = "cmds.txt";

std::string line_error(std::string_view line) {
  try {
    parse_command_line(line, 12, kName);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

// "cmd@line" or "BARRIER@line" for every entry.
std::vector<std::string> entries(CommandsFile& file) {
  std::vector<std::string> out;
  CommandEntry e;
  while (file.next(e)) {
    const std::string what = e.kind == CommandEntry::Kind::barrier ? "BARRIER" : e.text;
    out.push_back(what + "@" + std::to_string(e.line));
  }
  return out;
}

TEST(CommandsFileLine, CommandsAreTrimmed) {
  const auto e = parse_command_line("  \tgzip -9 data/a.csv  \t", 3, kName);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, CommandEntry::Kind::command);
  EXPECT_EQ(e->text, "gzip -9 data/a.csv");
  EXPECT_EQ(e->line, 3u);
  // A blank escaped by a backslash is part of the command; an escaped
  // backslash before a blank is not an escape.
  EXPECT_EQ(parse_command_line("echo a\\  ", 1, kName)->text, "echo a\\ ");
  EXPECT_EQ(parse_command_line("echo a\\\\  ", 1, kName)->text, "echo a\\\\");
  // Comments after a command are the shell's business.
  EXPECT_EQ(parse_command_line("ls # list", 1, kName)->text, "ls # list");
  // Invalid UTF-8 passes through as bytes.
  EXPECT_EQ(parse_command_line("echo \xff\xfe", 1, kName)->text, "echo \xff\xfe");
}

TEST(CommandsFileLine, BlanksAndCommentsAreSkipped) {
  for (const char* skipped : {"", "   ", "\t \f", "# a comment", "   #indented", "#!/bin/bash",
                              "# drover runs these", "#drover: fine", "# DROVER BARRIER later"}) {
    EXPECT_FALSE(parse_command_line(skipped, 1, kName)) << skipped;
  }
}

TEST(CommandsFileLine, BarrierSpellings) {
  for (const char* barrier : {"#DROVER BARRIER", "  #DROVER BARRIER  ", "#DROVER\tBARRIER",
                              "# DROVER BARRIER", "#drover barrier", "#  Drover   Barrier"}) {
    const auto e = parse_command_line(barrier, 4, kName);
    ASSERT_TRUE(e) << barrier;
    EXPECT_EQ(e->kind, CommandEntry::Kind::barrier) << barrier;
    EXPECT_EQ(e->text, "");
    EXPECT_EQ(e->line, 4u);
  }
}

TEST(CommandsFileLine, UnknownDirectivesAndNulAreErrors) {
  EXPECT_EQ(line_error("#DROVER BARIER"),
            "cmds.txt:12: unknown directive '#DROVER BARIER' (the directive drover knows is "
            "#DROVER BARRIER)");
  EXPECT_EQ(line_error("#DROVER BARRIER now").substr(0, 31), "cmds.txt:12: unknown directive ");
  EXPECT_EQ(line_error("#DROVERBARRIER").substr(0, 31), "cmds.txt:12: unknown directive ");
  EXPECT_EQ(line_error("#DROVER"),
            "cmds.txt:12: unknown directive '#DROVER' (the directive drover knows is "
            "#DROVER BARRIER)");
  EXPECT_EQ(line_error(std::string_view("echo a\0b", 8)), "cmds.txt:12: the line holds a NUL byte");
  EXPECT_EQ(line_error(std::string_view("# c\0", 4)), "cmds.txt:12: the line holds a NUL byte");
  // Control bytes in the quoted directive are shown as '?': one printable line.
  EXPECT_EQ(line_error("#DROVER \x1b[31m"),
            "cmds.txt:12: unknown directive '#DROVER ?[31m' (the directive drover knows is "
            "#DROVER BARRIER)");
}

TEST(CommandsFileStream, EntriesWithTheirLines) {
  std::istringstream in(
      "#!/bin/sh\r\n"
      "# stage 1\r\n"
      "gzip -9 a.csv\r\n"
      "\r\n"
      "gzip -9 b.csv\n"
      "#DROVER BARRIER\n"
      "   \n"
      "cat a.csv.gz b.csv.gz > all.gz");  // no final newline
  CommandsFile file(in, kName);
  EXPECT_EQ(entries(file),
            (std::vector<std::string>{"gzip -9 a.csv@3", "gzip -9 b.csv@5", "BARRIER@6",
                                      "cat a.csv.gz b.csv.gz > all.gz@8"}));
  EXPECT_EQ(file.commands(), 3u);
  EXPECT_EQ(file.barriers(), 1u);
  EXPECT_EQ(file.name(), kName);
}

TEST(CommandsFileStream, ErrorsNameTheLineInTheFile) {
  std::istringstream in("true\n\n#DROVER WAIT\n");
  CommandsFile file(in, kName);
  CommandEntry e;
  ASSERT_TRUE(file.next(e));
  try {
    file.next(e);
    FAIL() << "no error";
  } catch (const InputError& error) {
    EXPECT_EQ(std::string(error.what()).substr(0, 33), "cmds.txt:3: unknown directive '#D");
  }
}

TEST(CommandsFileStream, StdinAndAnEmptyFile) {
  std::istringstream in("echo 1\necho 2\n");
  CommandsFile file("-", in);
  EXPECT_EQ(entries(file), (std::vector<std::string>{"echo 1@1", "echo 2@2"}));
  EXPECT_EQ(file.name(), "stdin");
  std::istringstream empty("# nothing\n\n");
  CommandsFile none(empty, kName);
  EXPECT_TRUE(entries(none).empty());
  EXPECT_EQ(none.commands(), 0u);
}

TEST(CommandsFileStream, UnreadablePathsAreRefused) {
  std::string pattern = (fs::temp_directory_path() / "drover-cmds-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const fs::path dir = pattern;
  const auto message = [](const std::string& path) {
    try {
      CommandsFile file(path);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message((dir / "none.txt").string()),
            (dir / "none.txt").string() + ": cannot open commands file: No such file or directory");
  EXPECT_EQ(message(dir.string()), dir.string() + ": cannot open commands file: is a directory");
  const std::string real = (dir / "cmds.txt").string();
  std::ofstream(real) << "echo hi\n";
  CommandsFile file(real);
  EXPECT_EQ(entries(file), (std::vector<std::string>{"echo hi@1"}));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace drover
