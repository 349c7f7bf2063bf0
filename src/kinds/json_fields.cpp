// Field checks shared by the built-in kinds' task-file parsers, and their number formatting.
#include "json_fields.hpp"

#include <charconv>
#include <cmath>

#include "model/errors.hpp"
#include "model/json_text.hpp"

namespace drover::builtin {

void check_fields(const nlohmann::json& object, std::string_view kind,
                  std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : object.items()) {
    if (key == "kind") continue;
    bool known = false;
    for (std::string_view name : allowed) known = known || key == name;
    if (!known) {
      std::string quoted;
      append_json_string(key, quoted);
      throw InputError("unknown field " + quoted + " for kind " + std::string(kind));
    }
  }
}

const nlohmann::json& require(const nlohmann::json& object, const char* field,
                              std::string_view kind) {
  const auto it = object.find(field);
  if (it == object.end()) {
    throw InputError("missing field \"" + std::string(field) + "\" for kind " + std::string(kind));
  }
  return *it;
}

// JSON numbers come as signed, unsigned (above INT64_MAX) or float; only the
// first is an int64, and a float is rejected even when integral ("3.0").
std::int64_t require_int64(const nlohmann::json& object, const char* field, std::string_view kind) {
  const nlohmann::json& value = require(object, field, kind);
  // nlohmann reads integers beyond uint64 as floats: still say "out of range".
  const bool too_big = (value.is_number_unsigned() && value.get<std::uint64_t>() > INT64_MAX) ||
                       (value.is_number_float() && std::fabs(value.get<double>()) >= 0x1p63 &&
                        std::trunc(value.get<double>()) == value.get<double>());
  if (too_big) {
    throw InputError("\"" + std::string(field) + "\" is out of range (must fit int64)");
  }
  if (!value.is_number_integer()) {
    throw InputError("\"" + std::string(field) + "\" must be an integer");
  }
  return value.get<std::int64_t>();
}

double require_number(const nlohmann::json& object, const char* field, std::string_view kind) {
  const nlohmann::json& value = require(object, field, kind);
  if (!value.is_number()) throw InputError("\"" + std::string(field) + "\" must be a number");
  return value.get<double>();
}

void append_json_int(std::int64_t value, std::string& out) {
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, value).ptr);
}

// Nine significant digits: exact for microsecond-ish seconds and ns figures,
// and general format stays short ("0.25", "1e-05").
void append_json_double(double value, std::string& out) {
  if (!std::isfinite(value)) {
    out += "null";  // JSON has no NaN or infinity
    return;
  }
  char digits[32];
  out.append(
      digits,
      std::to_chars(digits, digits + sizeof digits, value, std::chars_format::general, 9).ptr);
}

}  // namespace drover::builtin
