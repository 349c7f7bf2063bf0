// type_name<T>(): a stable description of T's encoded shape, for the registry's fingerprint.
#pragma once

#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "drover/serialize_types.hpp"

namespace drover {

template <class T>
std::string type_name();

namespace serialize_detail {

template <class... E>
std::string join_names(Types<E...>, [[maybe_unused]] char separator) {
  std::string text;
  ((text += separator, text += type_name<E>()), ...);
  return text.empty() ? text : text.substr(1);
}

// An archive that records the description of each field it is given.
class Describer {
 public:
  template <class... T>
  void operator()(const T&...) {
    ((text += text.empty() ? "" : ",", text += type_name<T>()), ...);
  }
  std::string text;
};

// The structs being described on this thread, innermost last: one met again inside itself (a tree
// node holding a vector of nodes) is written "^n", n structs up, rather than recursing forever.
inline std::vector<const void*>& structs_being_described() {
  thread_local std::vector<const void*> open;
  return open;
}
template <class T>
inline constexpr char type_tag = 0;

template <class T>
std::string describe_struct() {
  auto& open = structs_being_described();
  for (std::size_t i = open.size(); i-- > 0;) {
    if (open[i] == &type_tag<T>) return std::string("^") += std::to_string(open.size() - i);
  }
  open.push_back(&type_tag<T>);
  struct Close {
    std::vector<const void*>& open;
    ~Close() { open.pop_back(); }
  } close{open};
  T probe{};
  Describer archive;
  if constexpr (kind_of<T>() == Kind::member) {
    probe.serialize(archive);
  } else {
    serialize(archive, probe);
  }
  return "{" + archive.text + "}";
}

template <class T>
std::string number_name() {
  if constexpr (std::is_same_v<T, char>) return "char";
  // Appended, not "i" + to_string(...): g++ 12 at -O3 warns falsely on that (-Wrestrict).
  std::string name(1, std::is_floating_point_v<T> ? 'f' : std::is_signed_v<T> ? 'i' : 'u');
  name += std::to_string(sizeof(T) * 8);
  return name;
}

}  // namespace serialize_detail

// A stable description of T's encoded shape ("i64", "[f32]", "(i32,str)", "{i32,str}"), equal
// between ranks that register the same types; a registry fingerprint is built from it.
template <class T>
std::string type_name() {
  using namespace serialize_detail;
  using U = std::remove_cv_t<T>;
  constexpr Kind kind = checked_kind<U>();
  if constexpr (kind == Kind::member || kind == Kind::free_function) {
    return describe_struct<U>();
  } else if constexpr (kind == Kind::boolean) {
    return "bool";
  } else if constexpr (kind == Kind::number) {
    return number_name<U>();
  } else if constexpr (kind == Kind::enumeration) {
    return "enum:" + type_name<std::underlying_type_t<U>>();
  } else if constexpr (kind == Kind::trivial) {
    return std::string("pod") += std::to_string(sizeof(U));
  } else if constexpr (kind == Kind::string) {
    return "str";
  } else if constexpr (kind == Kind::vector) {
    return "[" + type_name<typename U::value_type>() + "]";
  } else if constexpr (kind == Kind::array) {
    return type_name<typename U::value_type>() + "[" + std::to_string(std::tuple_size_v<U>) + "]";
  } else if constexpr (kind == Kind::optional) {
    return "?" + type_name<typename U::value_type>();
  } else if constexpr (kind == Kind::tuple) {
    return "(" + join_names(members_t<U>{}, ',') + ")";
  } else if constexpr (kind == Kind::variant) {
    return "<" + join_names(members_t<U>{}, '|') + ">";
  } else {
    return "{" + type_name<typename U::key_type>() + ":" + type_name<typename U::mapped_type>() +
           "}";
  }
}

}  // namespace drover
