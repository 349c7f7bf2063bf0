// Quoting for /bin/sh in GNU parallel's style, so an argument stays one word.
#include "model/shell_quote.hpp"

#include <array>

namespace drover {
namespace {

// The bytes that mean nothing to sh in any position of a word.
constexpr std::array<bool, 256> kSafe = [] {
  std::array<bool, 256> safe{};
  for (int c = 'a'; c <= 'z'; ++c) safe[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) safe[c] = true;
  for (int c = '0'; c <= '9'; ++c) safe[c] = true;
  for (unsigned char c : std::string_view("_+./-")) safe[c] = true;
  return safe;
}();

bool all_safe(std::string_view word) {
  for (char c : word) {
    if (!kSafe[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

}  // namespace

void append_shell_quoted(std::string& out, std::string_view word) {
  if (word.empty()) {
    out.append("''");
    return;
  }
  if (all_safe(word)) {
    out.append(word);
    return;
  }
  // '...' with each ' as '"'"' (close, a double-quoted ', reopen). A word
  // that starts or ends with ' then begins or ends with an empty '', which
  // GNU drops; so do we (rare, so the erase's copy does not matter).
  const std::size_t start = out.size();
  out.push_back('\'');
  while (true) {
    const auto q = word.find('\'');
    out.append(word.substr(0, q));
    if (q == std::string_view::npos) break;
    out.append("'\"'\"'");
    word.remove_prefix(q + 1);
  }
  out.push_back('\'');
  if (out.compare(start, 2, "''") == 0) out.erase(start, 2);
  if (out.size() - start >= 2 && out.compare(out.size() - 2, 2, "''") == 0) {
    out.resize(out.size() - 2);
  }
}

std::string shell_quoted(std::string_view word) {
  std::string out;
  append_shell_quoted(out, word);
  return out;
}

}  // namespace drover
