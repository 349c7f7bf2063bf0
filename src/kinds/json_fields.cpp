// Field checks shared by the built-in kinds' task-file parsers, and their number formatting.
#include "json_fields.hpp"

#include <charconv>
#include <cmath>
#include <limits>

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

// JSON numbers come as signed, unsigned (above INT64_MAX) or float. A float
// that is an exact integer of at most 2^53 ("3.0", "1e3": Python and
// spreadsheets write integers so) is that integer; above 2^53 a float may
// already be rounded, so it is refused rather than guessed at.
std::int64_t require_int64(const nlohmann::json& object, const char* field, std::string_view kind,
                           std::int64_t min, std::int64_t max) {
  const nlohmann::json& value = require(object, field, kind);
  const auto out_of_range = [&] {
    std::string what = "\"";
    what += field;
    if (min == std::numeric_limits<std::int64_t>::min() &&
        max == std::numeric_limits<std::int64_t>::max()) {
      return InputError(what + "\" is out of range (must fit int64)");
    }
    what += "\" must be in [";
    what += std::to_string(min);
    what += ", ";
    what += std::to_string(max);
    what += "]";
    return InputError(what);
  };
  std::int64_t n = 0;
  if (value.is_number_unsigned() && value.get<std::uint64_t>() > INT64_MAX) {
    throw out_of_range();
  } else if (value.is_number_integer()) {
    n = value.get<std::int64_t>();
  } else if (value.is_number_float()) {
    const double d = value.get<double>();
    if (std::trunc(d) != d) throw InputError("\"" + std::string(field) + "\" must be an integer");
    if (std::fabs(d) > 0x1p53) {
      if (std::fabs(d) >= 0x1p63) throw out_of_range();
      throw InputError("\"" + std::string(field) +
                       "\" above 2^53 must be written as an integer, without a point or exponent");
    }
    n = static_cast<std::int64_t>(d);
  } else {
    throw InputError("\"" + std::string(field) + "\" must be an integer");
  }
  if (n < min || n > max) throw out_of_range();
  return n;
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
