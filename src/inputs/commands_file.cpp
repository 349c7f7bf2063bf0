// Commands files (the TACC launcher / disBatch habit): one shell command a line, streamed.
#include "inputs/commands_file.hpp"

#include "model/errors.hpp"

namespace drover {
namespace {

constexpr std::string_view kBlanks = " \t\f\v\r";

bool is_blank(char c) {
  return kBlanks.find(c) != std::string_view::npos;
}

std::string where(const std::string& name, std::uint64_t number) {
  std::string text = name;
  text.push_back(':');
  text.append(std::to_string(number));
  text.append(": ");
  return text;
}

// Case-insensitive ASCII prefix match; advances `text` past it.
bool eat_word(std::string_view& text, std::string_view word) {
  if (text.size() < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != word[i]) return false;
  }
  text.remove_prefix(word.size());
  return true;
}

std::size_t eat_blanks(std::string_view& text) {
  std::size_t n = 0;
  while (n < text.size() && is_blank(text[n])) ++n;
  text.remove_prefix(n);
  return n;
}

// "#", blanks, "drover", blanks, "barrier", blanks: any case.
bool is_barrier(std::string_view comment) {
  comment.remove_prefix(1);
  eat_blanks(comment);
  if (!eat_word(comment, "drover") || eat_blanks(comment) == 0) return false;
  if (!eat_word(comment, "barrier")) return false;
  eat_blanks(comment);
  return comment.empty();
}

// Printable and short, for quoting a bad line in a one-line message.
std::string shown(std::string_view text) {
  constexpr std::size_t kMax = 60;
  std::string out;
  for (char c : text.substr(0, kMax)) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(byte < 0x20 || byte == 0x7f ? '?' : c);
  }
  if (text.size() > kMax) out.append("...");
  return out;
}

}  // namespace

std::optional<CommandEntry> parse_command_line(std::string_view line, std::uint64_t number,
                                               const std::string& name) {
  if (line.find('\0') != std::string_view::npos) {
    throw InputError(where(name, number) + "the line holds a NUL byte");
  }
  std::size_t begin = 0;
  while (begin < line.size() && is_blank(line[begin])) ++begin;
  if (begin == line.size()) return std::nullopt;
  std::size_t end = line.size();
  while (end > begin && is_blank(line[end - 1])) --end;
  if (end < line.size()) {
    // An odd run of backslashes before the first dropped blank escapes it.
    std::size_t slashes = 0;
    while (end - slashes > begin && line[end - 1 - slashes] == '\\') ++slashes;
    if (slashes % 2 == 1) ++end;
  }
  const std::string_view text = line.substr(begin, end - begin);
  CommandEntry entry;
  entry.line = number;
  if (text.front() == '#') {
    if (is_barrier(text)) {
      entry.kind = CommandEntry::Kind::barrier;
      return entry;
    }
    if (text.starts_with("#DROVER")) {
      throw InputError(where(name, number) + "unknown directive '" + shown(text) +
                       "' (the directive drover knows is #DROVER BARRIER)");
    }
    return std::nullopt;
  }
  entry.text.assign(text);
  return entry;
}

CommandsFile::CommandsFile(const std::string& path, std::istream& stdin_stream)
    : reader_(path, "commands file", stdin_stream) {}

CommandsFile::CommandsFile(std::istream& in, std::string name) : reader_(in, std::move(name)) {}

bool CommandsFile::next(CommandEntry& entry) {
  std::string_view line;
  while (reader_.next(line)) {
    auto parsed = parse_command_line(line, reader_.line_number(), reader_.name());
    if (!parsed) continue;
    if (parsed->kind == CommandEntry::Kind::barrier) {
      ++barriers_;
    } else {
      ++commands_;
    }
    entry = std::move(*parsed);
    return true;
  }
  return false;
}

}  // namespace drover
