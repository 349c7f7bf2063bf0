// Row columns by name (the --columns list) and the JSON string escaping the writers share.
#include <algorithm>
#include <array>
#include <string>

#include "model/errors.hpp"
#include "outputs/sinks.hpp"

namespace drover {
namespace {

constexpr std::array<std::string_view, 20> kColumnNames = {
    "id",       "kind",   "input", "ok",          "value",    "metric",   "error",
    "attempts", "rank",   "host",  "pid",         "thread",   "start_us", "end_us",
    "signal",   "user_s", "sys_s", "max_rss_kib", "captured", "tag"};
static_assert(static_cast<std::size_t>(Column::tag) + 1 == kColumnNames.size());

std::string known_columns() {
  std::string text;
  for (const std::string_view name : kColumnNames) {
    if (!text.empty()) text += ", ";
    text += name;
  }
  return text;
}

std::string_view trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

}  // namespace

const std::vector<Column>& default_columns() {
  static const std::vector<Column> columns = [] {
    std::vector<Column> all;
    for (std::size_t i = 0; i <= static_cast<std::size_t>(Column::end_us); ++i) {
      all.push_back(static_cast<Column>(i));
    }
    return all;
  }();
  return columns;
}

const std::vector<Column>& command_columns() {
  static const std::vector<Column> columns = [] {
    std::vector<Column> all;
    for (std::size_t i = 0; i <= static_cast<std::size_t>(Column::captured); ++i) {
      all.push_back(static_cast<Column>(i));
    }
    return all;
  }();
  return columns;
}

std::vector<Column> with_tag_column(std::vector<Column> columns) {
  if (std::find(columns.begin(), columns.end(), Column::tag) == columns.end()) {
    columns.push_back(Column::tag);
  }
  return columns;
}

std::string_view column_name(Column column) {
  return kColumnNames.at(static_cast<std::size_t>(column));
}

std::vector<Column> parse_columns(std::string_view list) {
  if (trimmed(list).find_first_not_of(", \t") == std::string_view::npos) {
    throw InputError("--columns names no column");
  }
  std::vector<Column> columns;
  std::size_t begin = 0;
  while (begin <= list.size()) {
    const std::size_t comma = std::min(list.find(',', begin), list.size());
    const std::string_view name = trimmed(list.substr(begin, comma - begin));
    begin = comma + 1;
    if (name.empty()) {
      throw InputError("--columns has an empty name in \"" + std::string(list) + "\"");
    }
    const auto* found = std::find(kColumnNames.begin(), kColumnNames.end(), name);
    if (found == kColumnNames.end()) {
      throw InputError("unknown column \"" + std::string(name) + "\" (known: " + known_columns() +
                       ")");
    }
    const auto column = static_cast<Column>(found - kColumnNames.begin());
    if (std::find(columns.begin(), columns.end(), column) != columns.end()) {
      throw InputError("column \"" + std::string(name) + "\" is named twice");
    }
    columns.push_back(column);
  }
  return columns;
}

}  // namespace drover
