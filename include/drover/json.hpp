// Values as JSON, both ways: result rows of a user's kind, and its inputs in task files.
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
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
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

// Reads what append_json writes: `value` from the JSON value `j`. Throws
// std::invalid_argument saying what was expected where ("[2]: expected a string").
template <class T>
void from_json(const nlohmann::json& j, T& value, const std::string& where = "");

namespace json_detail {

[[noreturn]] inline void expected(const std::string& where, const char* what) {
  throw std::invalid_argument((where.empty() ? std::string("input") : "input" + where) +
                              ": expected " + what);
}

// Reads a user struct's fields from consecutive elements of one array.
class JsonReader {
 public:
  JsonReader(const nlohmann::json& array, const std::string& where) : array_(array), where_(where) {}
  template <class... T>
  void operator()(T&... fields) {
    (read_field(fields), ...);
  }
  void finish() const {
    if (next_ != array_.size()) expected(where_, "an array of as many elements as the struct has fields");
  }

 private:
  template <class T>
  void read_field(T& v) {
    if (next_ >= array_.size()) expected(where_, "an array of as many elements as the struct has fields");
    from_json(array_[next_], v, where_ + "[" + std::to_string(next_) + "]");
    ++next_;
  }
  const nlohmann::json& array_;
  const std::string& where_;
  std::size_t next_ = 0;
};

}  // namespace json_detail

template <class T>
void from_json(const nlohmann::json& j, T& value, const std::string& where) {
  using U = std::remove_cvref_t<T>;
  using json_detail::expected;
  if constexpr (std::is_same_v<U, bool>) {
    if (!j.is_boolean()) expected(where, "true or false");
    value = j.get<bool>();
  } else if constexpr (std::is_integral_v<U>) {
    if (!j.is_number_integer()) expected(where, "an integer");
    const bool fits = j.is_number_unsigned()
                          ? j.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<U>::max())
                          : (j.get<std::int64_t>() >= static_cast<std::int64_t>(std::numeric_limits<U>::min()) &&
                             (j.get<std::int64_t>() < 0 || static_cast<std::uint64_t>(j.get<std::int64_t>()) <=
                                                               static_cast<std::uint64_t>(std::numeric_limits<U>::max())));
    if (!fits) expected(where, "an integer in range");
    value = j.is_number_unsigned() ? static_cast<U>(j.get<std::uint64_t>()) : static_cast<U>(j.get<std::int64_t>());
  } else if constexpr (std::is_floating_point_v<U>) {
    if (!j.is_number()) expected(where, "a number");
    value = j.get<U>();
  } else if constexpr (std::is_enum_v<U>) {
    std::underlying_type_t<U> raw{};
    from_json(j, raw, where);
    value = static_cast<U>(raw);
  } else if constexpr (std::is_same_v<U, std::string>) {
    if (!j.is_string()) expected(where, "a string");
    value = j.get<std::string>();
  } else if constexpr (json_detail::is_optional<U>::value) {
    if (j.is_null()) {
      value.reset();
    } else {
      value.emplace();
      from_json(j, *value, where);
    }
  } else if constexpr (json_detail::is_vector<U>::value) {
    if (!j.is_array()) expected(where, "an array");
    value.clear();
    for (std::size_t i = 0; i < j.size(); ++i) {
      typename U::value_type element{};
      from_json(j[i], element, where + "[" + std::to_string(i) + "]");
      value.push_back(std::move(element));
    }
  } else if constexpr (json_detail::is_array<U>::value) {
    if (!j.is_array() || j.size() != value.size()) expected(where, "an array of fixed length");
    for (std::size_t i = 0; i < value.size(); ++i) {
      from_json(j[i], value[i], where + "[" + std::to_string(i) + "]");
    }
  } else if constexpr (json_detail::is_map<U>::value) {
    if (!j.is_array()) expected(where, "an array of [key, value] pairs");
    value.clear();
    for (std::size_t i = 0; i < j.size(); ++i) {
      std::pair<typename U::key_type, typename U::mapped_type> kv;
      from_json(j[i], kv, where + "[" + std::to_string(i) + "]");
      value.insert(std::move(kv));
    }
  } else if constexpr (json_detail::is_tuple_like<U>::value) {
    if (!j.is_array()) expected(where, "an array");
    json_detail::JsonReader reader(j, where);
    std::apply([&](auto&... e) { reader(e...); }, value);
    reader.finish();
  } else if constexpr (serialize_detail::has_member_serialize<U>) {
    if (!j.is_array()) expected(where, "an array of the struct's fields");
    json_detail::JsonReader reader(j, where);
    value.serialize(reader);
    reader.finish();
  } else if constexpr (serialize_detail::has_free_serialize<U>) {
    if (!j.is_array()) expected(where, "an array of the struct's fields");
    json_detail::JsonReader reader(j, where);
    serialize(reader, value);
    reader.finish();
  } else {
    static_assert(std::is_trivially_copyable_v<U>, "drover: no JSON form for this type");
    if (!j.is_string() || j.get_ref<const std::string&>().size() != 2 * sizeof(U)) {
      expected(where, "a hex string of the value's bytes");
    }
    const std::string& hex = j.get_ref<const std::string&>();
    auto* bytes = reinterpret_cast<unsigned char*>(&value);
    for (std::size_t i = 0; i < sizeof(U); ++i) {
      const auto digit = [&](char c) -> unsigned {
        if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
        if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
        expected(where, "a hex string of the value's bytes");
      };
      bytes[i] = static_cast<unsigned char>(digit(hex[2 * i]) << 4 | digit(hex[2 * i + 1]));
    }
  }
}

}  // namespace drover
