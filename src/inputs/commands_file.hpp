// Commands files (the TACC launcher / disBatch habit): one shell command a line, streamed.
#pragma once

#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "inputs/line_reader.hpp"

namespace drover {

// One entry of a commands file: a command for /bin/sh -c, or a barrier.
struct CommandEntry {
  enum class Kind : std::uint8_t { command, barrier };
  Kind kind = Kind::command;
  std::string text;        // the command; empty for a barrier
  std::uint64_t line = 0;  // 1-based line in the file
  bool operator==(const CommandEntry&) const = default;
};

// The rules for one line (without its "\n" or "\r\n"), a pure function:
//  - a NUL byte anywhere is an InputError ("cmds.txt:12: ..."): a command
//    cannot carry one to the shell. Other bytes (invalid UTF-8 too) pass.
//  - a blank line (spaces, tabs) and a comment (first non-blank is '#') give
//    nullopt.
//  - `#DROVER BARRIER` is a barrier. Case, and blanks after '#' and between
//    the words, do not matter ("# drover  barrier" is one too), so a barrier
//    is not lost to a spelling. Any other comment starting exactly with
//    "#DROVER" is an InputError (an unknown directive, or a typo such as
//    "#DROVER BARIER" that would silently drop a barrier); other comments
//    may mention drover freely.
//  - anything else is a command, without its leading and trailing blanks
//    (a trailing blank escaped by a backslash is kept: `echo a\ ` means it).
// `name` is the file's name for messages.
std::optional<CommandEntry> parse_command_line(std::string_view line, std::uint64_t number,
                                               const std::string& name);

// A commands file read lazily, one entry per next(): a file of 10^7 commands
// is never held, and "-" (stdin) may still be open while tasks run.
class CommandsFile {
 public:
  // Opens `path` ("-": `stdin_stream`); a missing, unreadable or directory
  // path is an InputError here, before anything runs.
  explicit CommandsFile(const std::string& path, std::istream& stdin_stream = std::cin);
  // Reads a stream the caller keeps alive, under `name`.
  CommandsFile(std::istream& in, std::string name);

  // The next command or barrier; false at the end.
  bool next(CommandEntry& entry);

  const std::string& name() const { return reader_.name(); }
  std::uint64_t commands() const { return commands_; }  // handed out so far
  std::uint64_t barriers() const { return barriers_; }

 private:
  LineReader reader_;
  std::uint64_t commands_ = 0;
  std::uint64_t barriers_ = 0;
};

}  // namespace drover
