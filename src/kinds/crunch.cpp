// The crunch kind: counts to its input one increment at a time and reports ns per increment.
#include <chrono>
#include <stdexcept>
#include <string>

#include "kinds/json_fields.hpp"
#include "kinds/kernels.hpp"
#include "kinds/pod.hpp"
#include "model/errors.hpp"
#include "model/kinds.hpp"

namespace drover {

CrunchResult crunch(std::int64_t count) {
  if (count < 0) throw std::invalid_argument("crunch count must not be negative");
  const auto start = std::chrono::steady_clock::now();
  std::int64_t i = 0;
  while (i < count) {
    ++i;
    // Makes i opaque to the optimiser each time round: no folding, no vectorising.
    asm volatile("" : "+r"(i));
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CrunchResult result;
  result.final_count = i;
  if (count > 0) {
    result.ns_per_increment =
        std::chrono::duration<double, std::nano>(elapsed).count() / static_cast<double>(count);
  }
  return result;
}

namespace builtin {

// Output: {i64 final count, f64 ns per increment}, 16 bytes.
void register_crunch() {
  KindOps k;
  k.name = "crunch";
  k.lane = Lane::cpu;
  k.input_type = "i64";
  k.output_type = "{i64,f64}";
  k.input_size = 8;
  k.output_size = 16;
  k.uniform_cost = false;  // the input is the cost
  k.work_of = [](std::span<const char> input) {
    return static_cast<double>(get_pod<std::int64_t>(input));
  };
  k.run = [](std::span<const char> input, std::string& output) {
    const CrunchResult r = crunch(get_pod<std::int64_t>(input));
    put_pod(output, r.final_count);
    put_pod(output, r.ns_per_increment);
  };
  k.parse_json = [](const nlohmann::json& object, std::string& input) {
    check_fields(object, "crunch", {"count"});
    const std::int64_t count = require_int64(object, "count", "crunch", 0, kMaxCrunchCount);
    put_pod(input, count);
  };
  k.input_json = [](std::span<const char> input, std::string& out) {
    append_json_int(get_pod<std::int64_t>(input), out);
  };
  k.value_json = [](std::span<const char> output, std::string& out) {
    append_json_int(get_pod<std::int64_t>(output), out);
  };
  k.metric_json = [](std::span<const char> output, std::string& out) {
    append_json_double(get_pod<double>(output, 8), out);
    return true;
  };
  k.metric_name = "ns per increment";
  k.checksum = [](std::span<const char> output) {
    return static_cast<std::uint64_t>(get_pod<std::int64_t>(output));
  };
  // Generated crunches all count to the parameter (--count).
  k.generate = [](std::span<const char> params, std::uint64_t, std::string& input) {
    put_pod(input, get_pod<std::int64_t>(params));
  };
  register_kind(std::move(k));
}

}  // namespace builtin
}  // namespace drover
