// GNU parallel's argument lists (::: words, :::: files, - for stdin) and their product, streamed.
#pragma once

#include <cstdint>
#include <iostream>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace drover {

// Where one argument came from, for messages: "names.txt:12", "stdin:3",
// "::: list 2, word 5".
struct ArgOrigin {
  const std::string* source = nullptr;  // the list's name, owned by its ArgProduct
  std::uint64_t index = 0;              // 1-based line (files) or word (:::)
  bool words = false;                   // a ::: list rather than a file
  std::string where() const;
};

// One list as the command line gave it: the words after a :::, or one file
// after a :::: ("-" is stdin).
struct ArgListSpec {
  bool is_file = false;
  std::vector<std::string> words;
  std::string path;

  static ArgListSpec of_words(std::vector<std::string> words);
  static ArgListSpec of_file(std::string path);
};

// Splits what follows a template: "::: a b :::: f g" is three lists, the
// words a b, the file f, the file g (each file after :::: is a list of its
// own, as in GNU parallel). An empty ::: list is allowed (it makes no
// tasks); a :::: without a file, words before the first separator, and
// GNU's linked lists :::+ and ::::+ are InputError.
std::vector<ArgListSpec> parse_arg_lists(std::span<const std::string> words);

// The arguments of one task, one per list, and its sequence number ({#}).
struct ArgTuple {
  std::uint64_t seq = 0;  // 1-based
  std::vector<std::string> values;
  std::vector<ArgOrigin> origins;
};

// The product of the lists in GNU parallel's order: the last list varies
// fastest (`::: a b ::: 1 2` gives a 1, a 2, b 1, b 2). Pulled one tuple at a
// time, so tasks can start while stdin is still open.
//
// Streaming policy: the first list is read once, lazily, and never held, so
// it may be stdin or a file of 10^7 names. Every later list is gone through
// once per tuple of the lists before it: ::: words are in memory anyway, a
// regular file is read again from its start, and stdin or a pipe (which
// cannot be) is kept in memory from its first pass. So put the long list
// first; a long stdin list after another list costs its size in memory.
//
// File arguments are lines: every line is one argument, an empty line an
// empty one (as GNU parallel), a "\r\n" ending counts as "\n" (GNU would keep
// the '\r'), and a line with a NUL byte is an InputError naming file:line. A
// ::: word is one argument even if it holds a newline (GNU splits it).
// An empty list makes the product empty (GNU runs the other lists' tasks with
// an empty argument in its place instead, which hides a missing input).
class ArgProduct {
 public:
  // Opens every file now, so a missing or unreadable one (or "-" twice) is
  // refused before any task runs. `stdin_stream` is what "-" reads.
  explicit ArgProduct(std::vector<ArgListSpec> lists, std::istream& stdin_stream = std::cin);
  ~ArgProduct();
  ArgProduct(const ArgProduct&) = delete;
  ArgProduct& operator=(const ArgProduct&) = delete;

  std::size_t lists() const;
  // The next tuple into `tuple` (its buffers reused); false at the end. The
  // origins point into this object.
  bool next(ArgTuple& tuple);
  // Tuples handed out so far: the total once next() has returned false.
  std::uint64_t produced() const { return produced_; }

 private:
  class Cursor;
  std::vector<std::unique_ptr<Cursor>> cursors_;
  ArgTuple current_;
  std::uint64_t produced_ = 0;
  bool started_ = false;
  bool done_ = false;
};

}  // namespace drover
