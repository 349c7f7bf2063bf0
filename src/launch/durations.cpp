// Durations as people and Slurm write them, parsed by pure functions.
#include "launch/durations.hpp"

#include <charconv>
#include <cstdio>
#include <string>
#include <vector>

namespace drover {
namespace {

std::optional<long long> number(std::string_view s) {
  long long v = 0;
  if (s.empty()) return std::nullopt;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

// "1h30m", "90s", "15m", "90": a sum of numbers with h/m/s units (bare: seconds).
std::optional<long long> unit_form(std::string_view s) {
  long long total = 0;
  std::size_t i = 0;
  bool any = false;
  while (i < s.size()) {
    std::size_t j = i;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    const auto n = number(s.substr(i, j - i));
    if (!n) return std::nullopt;
    long long scale = 1;
    if (j < s.size()) {
      switch (s[j]) {
        case 'h':
          scale = 3600;
          break;
        case 'm':
          scale = 60;
          break;
        case 's':
          scale = 1;
          break;
        default:
          return std::nullopt;
      }
      ++j;
    } else if (any) {
      return std::nullopt;  // "1h30" is ambiguous: say "1h30m"
    }
    total += *n * scale;
    any = true;
    i = j;
  }
  return any ? std::optional(total) : std::nullopt;
}

// Slurm: "MM:SS", "HH:MM:SS", "D-HH", "D-HH:MM", "D-HH:MM:SS".
std::optional<long long> slurm_form(std::string_view s) {
  long long days = 0;
  const auto dash = s.find('-');
  if (dash != std::string_view::npos) {
    const auto d = number(s.substr(0, dash));
    if (!d) return std::nullopt;
    days = *d;
    s = s.substr(dash + 1);
  }
  std::vector<long long> parts;
  std::size_t start = 0;
  while (true) {
    const auto colon = s.find(':', start);
    const auto n =
        number(s.substr(start, colon == std::string_view::npos ? s.npos : colon - start));
    if (!n) return std::nullopt;
    parts.push_back(*n);
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  long long h = 0, m = 0, sec = 0;
  if (dash != std::string_view::npos) {
    if (parts.size() == 1)
      h = parts[0];
    else if (parts.size() == 2)
      h = parts[0], m = parts[1];
    else if (parts.size() == 3)
      h = parts[0], m = parts[1], sec = parts[2];
    else
      return std::nullopt;
  } else if (parts.size() == 2) {
    m = parts[0], sec = parts[1];
  } else if (parts.size() == 3) {
    h = parts[0], m = parts[1], sec = parts[2];
  } else {
    return std::nullopt;
  }
  return ((days * 24 + h) * 60 + m) * 60 + sec;
}

std::optional<std::string_view> field(std::string_view text, std::string_view key) {
  std::size_t at = 0;
  while ((at = text.find(key, at)) != std::string_view::npos) {
    // Whole words only: "TimeLimit=" must not match "OverTimeLimit=".
    if (at == 0 || text[at - 1] == ' ' || text[at - 1] == '\n' || text[at - 1] == '\t') {
      const auto begin = at + key.size();
      auto end = text.find_first_of(" \t\n", begin);
      if (end == std::string_view::npos) end = text.size();
      return text.substr(begin, end - begin);
    }
    at += key.size();
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  const bool slurm =
      text.find(':') != std::string_view::npos || text.find('-') != std::string_view::npos;
  const auto s = slurm ? slurm_form(text) : unit_form(text);
  if (!s) return std::nullopt;
  return std::chrono::seconds(*s);
}

std::optional<std::chrono::seconds> parse_remaining_time(std::string_view out) {
  const auto limit_text = field(out, "TimeLimit=");
  const auto run_text = field(out, "RunTime=");
  if (!limit_text || !run_text) return std::nullopt;
  const auto limit = parse_duration(*limit_text);  // UNLIMITED, Partition_Limit: no number
  const auto run = parse_duration(*run_text);
  if (!limit || !run) return std::nullopt;
  return *limit > *run ? *limit - *run : std::chrono::seconds(0);
}

StopMargin stop_margin(std::chrono::seconds time_left, std::chrono::seconds stop_before) {
  if (time_left > stop_before) return {stop_before, false};
  return {std::chrono::duration_cast<std::chrono::milliseconds>(time_left) / 10, true};
}

std::string seconds_text(std::chrono::milliseconds d) {
  char text[32];
  const long long ms = d.count();
  if (ms % 1000 == 0) {
    std::snprintf(text, sizeof text, "%lld s", ms / 1000);
    return text;
  }
  std::snprintf(text, sizeof text, "%.3f", static_cast<double>(ms) / 1000);
  std::string out = text;
  out.erase(out.find_last_not_of('0') + 1);  // "0.500" -> "0.5"
  return out + " s";
}

}  // namespace drover
