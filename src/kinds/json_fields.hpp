// Field checks shared by the built-in kinds' task-file parsers.
#pragma once

#include <cstdint>
#include <limits>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace drover::builtin {

// Rejects fields the kind does not know, so a typo ("cout") is not silently ignored.
void check_fields(const nlohmann::json& object, std::string_view kind,
                  std::initializer_list<std::string_view> allowed);
// The field, or InputError "missing field ... for kind ...".
const nlohmann::json& require(const nlohmann::json& object, const char* field,
                              std::string_view kind);
// An integer field in [min, max]; an integral float up to 2^53 ("3.0", "1e3") counts.
std::int64_t require_int64(
    const nlohmann::json& object, const char* field, std::string_view kind,
    std::int64_t min = std::numeric_limits<std::int64_t>::min(),
    std::int64_t max = std::numeric_limits<std::int64_t>::max());
// A JSON number field.
double require_number(const nlohmann::json& object, const char* field, std::string_view kind);
// Appends an integer or a finite double (nine significant digits) as JSON; non-finite is null.
void append_json_int(std::int64_t value, std::string& out);
void append_json_double(double value, std::string& out);

}  // namespace drover::builtin
