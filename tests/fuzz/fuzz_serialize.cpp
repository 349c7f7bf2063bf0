// libFuzzer target: the serialisation codec on arbitrary bytes, where only DecodeError may come out
// and whatever decodes must encode back to exactly the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "drover/serialize.hpp"

namespace {

struct Entry {
  std::string name;
  std::optional<std::string> note;
  std::int32_t count = 0;
  std::optional<double> mean;
  std::vector<float> histogram;
  template <class A>
  void serialize(A& a) {
    a(name, note, count, mean, histogram);
  }
};

// Recursive, to reach the nesting limit.
struct Node {
  std::int32_t value = 0;
  std::vector<Node> children;
  template <class A>
  void serialize(A& a) {
    a(value, children);
  }
};

using Record =
    std::tuple<std::int32_t, std::string, std::vector<std::int64_t>, std::optional<bool>>;

template <class T>
void check(std::span<const char> input) {
  T value;
  try {
    drover::decode(input, value);
  } catch (const drover::DecodeError&) {
    return;
  }
  // One encoding per value: anything else accepted would be bytes the decoder did not check.
  const std::string again = drover::encode(value);
  if (again.size() != input.size() ||
      (!again.empty() && std::memcmp(again.data(), input.data(), again.size()) != 0)) {
    std::fprintf(stderr, "fuzz_serialize: %s decoded but encodes back to other bytes\n",
                 drover::type_name<T>().c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const char> input(reinterpret_cast<const char*>(data), size);
  check<std::int64_t>(input);
  check<std::string>(input);
  check<std::vector<Entry>>(input);
  check<Record>(input);
  check<std::map<std::string, std::vector<Node>>>(input);
  check<std::variant<bool, std::string, std::vector<std::optional<std::int16_t>>>>(input);
  return 0;
}
