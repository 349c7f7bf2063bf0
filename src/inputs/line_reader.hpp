// Bounded line reading with line numbers, for argument files and commands files.
#pragma once

#include <cstdint>
#include <fstream>
#include <istream>
#include <memory>
#include <string>
#include <string_view>

namespace drover {

// A line longer than this is a wrong file (a binary without newlines, say):
// refusing it bounds memory. The kernel takes at most 128 KiB for one
// argument anyway (MAX_ARG_STRLEN), so no runnable command comes near it.
inline constexpr std::size_t kMaxInputLineBytes = std::size_t{1} << 20;

// Reads one line at a time, lazily: a pipe may still be open, and a file of
// 10^7 lines is never held. The line ending ("\n" or "\r\n") is dropped and a
// last line without one still counts. Errors are InputError with
// "name:line: ...".
class LineReader {
 public:
  // Opens `path`, or reads `stdin_stream` for "-" (named "stdin" then).
  // `what` says what the file is for in errors ("argument file"): a missing,
  // unreadable or directory path is refused here, before anything runs.
  LineReader(const std::string& path, std::string_view what, std::istream& stdin_stream);
  // Reads a stream the caller owns and keeps alive, under `name`.
  LineReader(std::istream& in, std::string name);

  // The next line (a view into a reused buffer, valid until the next call);
  // false at the end.
  bool next(std::string_view& line);
  // The number of the line next() returned last (1-based; 0 before any).
  std::uint64_t line_number() const { return line_; }
  const std::string& name() const { return name_; }

  // Only a regular file opened by path can be read again from the start.
  bool rewindable() const { return rewindable_; }
  void rewind();

 private:
  std::string name_;
  std::unique_ptr<std::ifstream> file_;
  std::istream* in_ = nullptr;
  std::string buffer_;
  std::uint64_t line_ = 0;
  bool rewindable_ = false;
};

}  // namespace drover
