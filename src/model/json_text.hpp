// JSON string literals for rows, traces and messages: the escaping every writer shares.
#pragma once

#include <string>
#include <string_view>

namespace drover {

// Appends `text` to `out` as a JSON string literal, quotes included.
void append_json_string(std::string_view text, std::string& out);

}  // namespace drover
