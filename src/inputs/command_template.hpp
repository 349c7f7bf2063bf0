// GNU parallel's command templates ({} {.} {/} {#} {%} {1} ...): parsed once, expanded per task.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace drover {

// Replacement strings, with GNU parallel's meaning (path_parts.hpp has the
// exact rules for the parts):
//   {}    the argument        {.}  without extension    {/}  basename
//   {//}  dirname             {/.} basename without extension
//   {#}   the task's 1-based sequence number
//   {%}   the job slot it runs in (GNU's are 1..slots), known only at run time
//   {n} {n.} {n/} {n//} {n/.}  the same for the n-th argument list only;
//                             {-n} counts from the last list, as GNU's does
// With several lists, {} {.} {/} {//} {/.} give every list's argument, each
// transformed and quoted, separated by one space (GNU's spelling too). Each
// substituted argument is quoted for /bin/sh (shell_quote.hpp); {#} and {%}
// are plain numbers. A template with no replacement string at all gets " {}"
// appended, as in GNU parallel (`gzip -9` ::: a b runs `gzip -9 a`).
//
// Also GNU's: when the first replacement string stands in the command's first
// word (no blank or '=' before it), no argument is quoted anywhere, because
// the arguments are then meant as command text: `{}` ::: 'echo a' runs
// `echo a`, `./{}.sh --x {2}` too. So the template "{}" is how to spell GNU's
// `parallel ::: CMD...` with no command at all. (GNU joins a command given as
// several words with spaces before it looks; callers should too.)
//
// What is an error (InputError, one line naming the string and its column)
// where GNU parallel would quietly substitute nothing or leave text as is:
//  - {0}, {-0}, and {n} or {-n} beyond the number of lists (GNU: {0} is {},
//    {-0} and {9} are empty);
//  - any other brace group made only of the characters 0-9 . / # % + - such
//    as {..}, {+.}, {1..3}, {3#}, {#/}: GNU's --plus strings and mistyped
//    ones, which drover does not know (GNU leaves most literal, makes {3#}
//    empty). Bash's {1..3} is caught too: put such a line in a script;
//  - {= ... =}, GNU's Perl expressions;
//  - an empty (or all-blank) template.
// Every other brace group is literal text, so awk '{print $1}', ${HOME},
// {a,b} and an unmatched { pass through to the shell untouched.
class CommandTemplate {
 public:
  // `lists` (>= 1) is how many argument lists each task's args will have.
  CommandTemplate(std::string_view text, std::size_t lists);

  const std::string& text() const { return text_; }
  std::size_t lists() const { return lists_; }
  // Whether {%} occurs: then the command is complete only where it runs.
  bool uses_slot() const { return uses_slot_; }
  // Whether the template had no replacement string and gets the args appended.
  bool appends_args() const { return appends_args_; }
  // False when the arguments are command text (a replacement string in the
  // first word).
  bool quotes_args() const { return quote_; }

  // Writes the command for one task into `out` (replacing its contents);
  // args.size() must be lists() (std::invalid_argument otherwise).
  void expand(std::span<const std::string> args, std::uint64_t seq, std::uint64_t slot,
              std::string& out) const;
  std::string expand(std::span<const std::string> args, std::uint64_t seq,
                     std::uint64_t slot) const;

  // The command with everything but {%}: the leader can expand early and
  // ship text, and the rank that runs the task fills in its slot.
  struct Pending {
    std::string text;
    std::vector<std::size_t> slot_at;  // byte offsets in text where {%} goes, ascending

    void finish(std::uint64_t slot, std::string& out) const;
    std::string finish(std::uint64_t slot) const;
    bool operator==(const Pending&) const = default;
  };
  void expand_early(std::span<const std::string> args, std::uint64_t seq, Pending& out) const;

 private:
  enum class What : std::uint8_t { literal, every_arg, one_arg, seq, slot };
  enum class Part : std::uint8_t { whole, no_extension, basename, dirname, basename_no_extension };
  struct Piece {
    What what = What::literal;
    Part part = Part::whole;
    std::uint32_t list = 0;  // one_arg: 0-based list index
    std::size_t offset = 0;  // literal: range in literals_
    std::size_t length = 0;
  };

  void parse();
  Piece replacement(std::string_view content, std::size_t column) const;
  void add_literal(std::size_t begin, std::size_t end);
  // Appends the expansion of everything; slot pieces go to `slot_at` when it
  // is given, else the number `slot` is written.
  void run(std::span<const std::string> args, std::uint64_t seq, std::uint64_t slot,
           std::string& out, std::vector<std::size_t>* slot_at) const;

  std::string text_;
  std::string literals_;  // text_, plus " " when the args are appended
  std::size_t lists_;
  std::vector<Piece> pieces_;
  bool uses_slot_ = false;
  bool appends_args_ = false;
  bool quote_ = true;
};

}  // namespace drover
