// Values as JSON text, for the input and value columns of result rows of a user's kind.
//
// The shapes the codec knows (drover/serialize.hpp) map to JSON: numbers and
// bools as themselves, strings as strings, containers, pairs, tuples and
// user structs (their serialize fields in order) as arrays, an empty optional
// as null. A trivially copyable type with no serialize has no fields to show:
// it is written as the hex of its bytes, in a string.
#pragma once

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "drover/serialize.hpp"

namespace drover {

template <class T>
void append_json(const T& value, std::string& out);

namespace json_detail {

inline void append_string(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    } else {
      out += c;
    }
  }
  out += '"';
}

// The archive a user's serialize(A&) is called with: each field one array element.
class JsonArchive {
 public:
  explicit JsonArchive(std::string& out) : out_(out) {}
  template <class... T>
  void operator()(const T&... fields) {
    (append_field(fields), ...);
  }

 private:
  template <class T>
  void append_field(const T& v) {
    if (!first_) out_ += ',';
    first_ = false;
    append_json(v, out_);
  }
  std::string& out_;
  bool first_ = true;
};

template <class T>
struct is_vector : std::false_type {};
template <class E, class A>
struct is_vector<std::vector<E, A>> : std::true_type {};
template <class T>
struct is_optional : std::false_type {};
template <class E>
struct is_optional<std::optional<E>> : std::true_type {};
template <class T>
struct is_array : std::false_type {};
template <class E, std::size_t N>
struct is_array<std::array<E, N>> : std::true_type {};
template <class T>
struct is_tuple_like : std::false_type {};
template <class A, class B>
struct is_tuple_like<std::pair<A, B>> : std::true_type {};
template <class... E>
struct is_tuple_like<std::tuple<E...>> : std::true_type {};
template <class T>
struct is_map : std::false_type {};
template <class K, class V, class C, class A>
struct is_map<std::map<K, V, C, A>> : std::true_type {};
template <class K, class V, class H, class E, class A>
struct is_map<std::unordered_map<K, V, H, E, A>> : std::true_type {};

}  // namespace json_detail

// Appends `value` as one JSON value.
template <class T>
void append_json(const T& value, std::string& out) {
  using U = std::remove_cvref_t<T>;
  if constexpr (std::is_same_v<U, bool>) {
    out += value ? "true" : "false";
  } else if constexpr (std::is_integral_v<U>) {
    char digits[24];
    out.append(digits, std::to_chars(digits, digits + sizeof digits, value).ptr);
  } else if constexpr (std::is_floating_point_v<U>) {
    if (!std::isfinite(value)) {
      out += "null";  // JSON has no NaN or infinity
      return;
    }
    char digits[40];
    out.append(digits, std::to_chars(digits, digits + sizeof digits, value).ptr);
  } else if constexpr (std::is_enum_v<U>) {
    append_json(static_cast<std::underlying_type_t<U>>(value), out);
  } else if constexpr (std::is_same_v<U, std::string>) {
    json_detail::append_string(value, out);
  } else if constexpr (json_detail::is_optional<U>::value) {
    if (value) {
      append_json(*value, out);
    } else {
      out += "null";
    }
  } else if constexpr (json_detail::is_vector<U>::value || json_detail::is_array<U>::value ||
                       json_detail::is_map<U>::value) {
    out += '[';
    bool first = true;
    for (const auto& element : value) {
      if (!first) out += ',';
      first = false;
      append_json(element, out);  // a map's elements are pairs: [key,value]
    }
    out += ']';
  } else if constexpr (json_detail::is_tuple_like<U>::value) {
    out += '[';
    json_detail::JsonArchive archive(out);
    std::apply([&](const auto&... e) { archive(e...); }, value);
    out += ']';
  } else if constexpr (serialize_detail::has_member_serialize<U>) {
    out += '[';
    json_detail::JsonArchive archive(out);
    const_cast<U&>(value).serialize(archive);
    out += ']';
  } else if constexpr (serialize_detail::has_free_serialize<U>) {
    out += '[';
    json_detail::JsonArchive archive(out);
    serialize(archive, const_cast<U&>(value));
    out += ']';
  } else {
    static_assert(std::is_trivially_copyable_v<U>, "drover: no JSON form for this type");
    static constexpr char kHex[] = "0123456789abcdef";
    const auto* bytes = reinterpret_cast<const unsigned char*>(&value);
    out += '"';
    for (std::size_t i = 0; i < sizeof(U); ++i) {
      out += kHex[bytes[i] >> 4];
      out += kHex[bytes[i] & 15];
    }
    out += '"';
  }
}

}  // namespace drover
