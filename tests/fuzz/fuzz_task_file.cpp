// libFuzzer target: each input line through parse_task_line; only InputError may come out.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "inputs/generated_source.hpp"
#include "inputs/task_file.hpp"
#include "model/errors.hpp"
#include "model/kinds.hpp"
#include "model/task_source.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::uint64_t line = 0;
  for (std::size_t start = 0; start <= input.size();) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    ++line;
    try {
      const drover::TaskSpec spec =
          drover::parse_task_line(input.substr(start, end - start), "fuzz.jsonl", line);
      // What an accepted task prints as its "input" column must be JSON again:
      // nlohmann throws (a finding: only InputError is caught) if it is not.
      std::string json;
      drover::kind_info(spec.kind).input_json(spec.input, json);
      static_cast<void>(nlohmann::json::parse(json));
    } catch (const drover::InputError&) {
    }
    start = end + 1;
  }
  return 0;
}
