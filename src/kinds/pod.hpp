// Fixed-size values in and out of the built-in kinds' encoded inputs and outputs.
#pragma once

#include <cstddef>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace drover::builtin {

template <class T, class Out>  // Out: std::string or Bytes
void put_pod(Out& out, const T& value) {
  static_assert(std::is_trivially_copyable_v<T>);
  const char* p = reinterpret_cast<const char*>(&value);
  if constexpr (std::is_same_v<Out, std::string>) {
    out.append(p, sizeof(T));  // g++ 12 warns falsely on a string's small insert
  } else {
    out.insert(out.end(), p, p + sizeof(T));
  }
}

// The T at byte `at`; a short input is a bug upstream (inputs are checked
// when parsed or decoded), reported as a task failure, never read past.
template <class T>
T get_pod(std::span<const char> bytes, std::size_t at = 0) {
  static_assert(std::is_trivially_copyable_v<T>);
  if (bytes.size() < at + sizeof(T)) throw std::invalid_argument("encoded value too short");
  T value;
  std::memcpy(&value, bytes.data() + at, sizeof(T));
  return value;
}

// A string as the codec writes one: a u32 length, then the bytes.
inline void put_text(std::string& out, std::string_view text) {
  put_pod(out, static_cast<std::uint32_t>(text.size()));
  out.append(text);
}

inline std::string_view get_text(std::span<const char> bytes, std::size_t& at) {
  const auto n = get_pod<std::uint32_t>(bytes, at);
  at += 4;
  if (bytes.size() - at < n) throw std::invalid_argument("encoded text too short");
  const std::string_view text(bytes.data() + at, n);
  at += n;
  return text;
}

}  // namespace drover::builtin
