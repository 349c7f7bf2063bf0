// GNU parallel's command templates ({} {.} {/} {#} {%} {1} ...): parsed once, expanded per task.
#include "inputs/command_template.hpp"

#include <charconv>
#include <stdexcept>

#include "model/errors.hpp"
#include "inputs/path_parts.hpp"
#include "model/shell_quote.hpp"

namespace drover {
namespace {

constexpr auto npos = std::string_view::npos;

// Brace groups made only of these are meant as replacement strings; any
// other character (a letter, a space, '$', ',') makes the group shell text.
bool replacement_alphabet(std::string_view content) {
  return content.find_first_not_of("0123456789./#%+-") == npos;
}

// "template: {9} at column 7 names ...": what, where, then why.
std::string template_error(std::string_view subject, std::size_t brace, std::string_view why) {
  std::string message = "template: ";
  message.append(subject);
  message.append(" at column ");
  message.append(std::to_string(brace + 1));
  message.append(why);
  return message;
}

std::string braced(std::string_view content) {
  std::string text = "{";
  text.append(content);
  text.push_back('}');
  return text;
}

void append_number(std::string& out, std::uint64_t n) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out.append(digits, end);
}

}  // namespace

CommandTemplate::CommandTemplate(std::string_view text, std::size_t lists)
    : text_(text), literals_(text), lists_(lists) {
  if (lists_ == 0) throw std::invalid_argument("CommandTemplate: no argument lists");
  if (text_.find_first_not_of(" \t\n\r\f\v") == npos) {
    throw InputError("template: the command is empty");
  }
  parse();
}

void CommandTemplate::add_literal(std::size_t begin, std::size_t end) {
  if (end <= begin) return;
  if (!pieces_.empty() && pieces_.back().what == What::literal &&
      pieces_.back().offset + pieces_.back().length == begin) {
    pieces_.back().length += end - begin;  // "{" left literal joins its neighbours
    return;
  }
  Piece piece;
  piece.offset = begin;
  piece.length = end - begin;
  pieces_.push_back(piece);
}

// One replacement string, from the text between its braces (`column` is
// where its '{' is, for messages).
CommandTemplate::Piece CommandTemplate::replacement(std::string_view content,
                                                    std::size_t column) const {
  Piece piece;
  std::string_view part = content;
  std::size_t digits = 0;
  if (!part.empty() && part.front() == '-') digits = 1;
  while (digits < part.size() && part[digits] >= '0' && part[digits] <= '9') ++digits;
  const bool positional = digits > 0 && !(digits == 1 && part.front() == '-');
  if (positional) {
    piece.what = What::one_arg;
    part.remove_prefix(digits);
  } else {
    piece.what = What::every_arg;
  }
  if (part.empty()) {
    piece.part = Part::whole;
  } else if (part == ".") {
    piece.part = Part::no_extension;
  } else if (part == "/") {
    piece.part = Part::basename;
  } else if (part == "//") {
    piece.part = Part::dirname;
  } else if (part == "/.") {
    piece.part = Part::basename_no_extension;
  } else if (!positional && part == "#") {
    piece.what = What::seq;
  } else if (!positional && part == "%") {
    piece.what = What::slot;
  } else {
    std::string subject = "unknown replacement string ";
    subject.append(braced(content));
    throw InputError(template_error(
        subject, column,
        " (drover knows {} {.} {/} {//} {/.} {#} {%} and {n} {n.} {n/} {n//} {n/.})"));
  }
  if (positional) {
    const bool negative = content.front() == '-';
    const std::string_view number = content.substr(negative ? 1 : 0, digits - (negative ? 1 : 0));
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
    if (n == 0 && ec == std::errc()) {
      throw InputError(template_error(braced(content), column,
                                      ": argument lists are numbered from 1 (-1 is the last)"));
    }
    if (ec != std::errc() || n > lists_) {
      std::string why = " names argument list ";
      why.append(content.substr(0, digits)).append(", but there are ");
      why.append(std::to_string(lists_));
      throw InputError(template_error(braced(content), column, why));
    }
    piece.list = static_cast<std::uint32_t>(negative ? lists_ - n : n - 1);
  }
  return piece;
}

void CommandTemplate::parse() {
  const std::string_view text = text_;
  std::size_t literal_begin = 0;
  std::size_t i = 0;
  bool any_replacement = false;
  while ((i = text.find('{', i)) != npos) {
    if (i + 1 < text.size() && text[i + 1] == '=' && text.find("=}", i + 2) != npos) {
      throw InputError(
          template_error("{=", i, ": GNU parallel's Perl expressions are not supported"));
    }
    // The group is this '{' to the next '}', unless another '{' comes first:
    // then this one is literal ("{{}}" is "{", the argument, "}").
    const auto close = text.find_first_of("{}", i + 1);
    if (close == npos || text[close] == '{') {
      i = close == npos ? text.size() : close;
      continue;
    }
    const std::string_view content = text.substr(i + 1, close - i - 1);
    if (!replacement_alphabet(content)) {
      i = close + 1;
      continue;
    }
    const Piece piece = replacement(content, i);
    if (piece.what == What::slot) uses_slot_ = true;
    add_literal(literal_begin, i);
    pieces_.push_back(piece);
    if (!any_replacement) {
      // GNU's rule: a replacement string in the command's first word (before
      // any blank or '=') makes the arguments command text, left unquoted
      // everywhere: `{}` runs each argument as a command line.
      quote_ = text.substr(0, i).find_first_of(" \t\n=") != npos;
    }
    any_replacement = true;
    i = literal_begin = close + 1;
  }
  add_literal(literal_begin, text.size());
  if (!any_replacement) {
    // GNU's implicit " {}" (`gzip -9` runs `gzip -9 FILE`).
    appends_args_ = true;
    literals_.push_back(' ');
    add_literal(text.size(), literals_.size());
    Piece every;
    every.what = What::every_arg;
    pieces_.push_back(every);
  }
}

void CommandTemplate::run(std::span<const std::string> args, std::uint64_t seq, std::uint64_t slot,
                          std::string& out, std::vector<std::size_t>* slot_at) const {
  if (args.size() != lists_) {
    std::string message = "CommandTemplate: ";
    message.append(std::to_string(args.size())).append(" args for ");
    message.append(std::to_string(lists_)).append(" lists");
    throw std::invalid_argument(message);
  }
  std::string scratch;  // only a multi-line argument's basename is built here
  const auto append_arg = [&](std::string_view arg, Part part) {
    switch (part) {
      case Part::whole:
        break;
      case Part::no_extension:
        arg = drop_extension(arg);
        break;
      case Part::basename:
        arg = drop_directory(arg, scratch);
        break;
      case Part::dirname:
        arg = directory_of(arg);
        break;
      case Part::basename_no_extension:
        arg = drop_directory_and_extension(arg, scratch);
        break;
    }
    if (quote_) {
      append_shell_quoted(out, arg);
    } else {
      out.append(arg);
    }
  };
  out.clear();
  for (const Piece& piece : pieces_) {
    switch (piece.what) {
      case What::literal:
        out.append(literals_, piece.offset, piece.length);
        break;
      case What::one_arg:
        append_arg(args[piece.list], piece.part);
        break;
      case What::every_arg:
        for (std::size_t k = 0; k < args.size(); ++k) {
          if (k > 0) out.push_back(' ');
          append_arg(args[k], piece.part);
        }
        break;
      case What::seq:
        append_number(out, seq);
        break;
      case What::slot:
        if (slot_at) {
          slot_at->push_back(out.size());
        } else {
          append_number(out, slot);
        }
        break;
    }
  }
}

void CommandTemplate::expand(std::span<const std::string> args, std::uint64_t seq,
                             std::uint64_t slot, std::string& out) const {
  run(args, seq, slot, out, nullptr);
}

std::string CommandTemplate::expand(std::span<const std::string> args, std::uint64_t seq,
                                    std::uint64_t slot) const {
  std::string out;
  run(args, seq, slot, out, nullptr);
  return out;
}

void CommandTemplate::expand_early(std::span<const std::string> args, std::uint64_t seq,
                                   Pending& out) const {
  out.slot_at.clear();
  run(args, seq, 0, out.text, &out.slot_at);
}

void CommandTemplate::Pending::finish(std::uint64_t slot, std::string& out) const {
  out.clear();
  std::size_t done = 0;
  for (const std::size_t at : slot_at) {
    out.append(text, done, at - done);
    append_number(out, slot);
    done = at;
  }
  out.append(text, done, std::string::npos);
}

std::string CommandTemplate::Pending::finish(std::uint64_t slot) const {
  std::string out;
  finish(slot, out);
  return out;
}

}  // namespace drover
