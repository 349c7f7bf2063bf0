// What the codec knows of a type before any value: its kind, fixed or fewest bytes, description.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace drover {

class Writer;

namespace serialize_detail {

template <class T, template <class...> class Template>
struct is_instance : std::false_type {};
template <template <class...> class Template, class... Args>
struct is_instance<Template<Args...>, Template> : std::true_type {};
template <class T, template <class...> class Template>
inline constexpr bool is_instance_v = is_instance<T, Template>::value;

template <class T>
struct is_std_array : std::false_type {};
template <class T, std::size_t N>
struct is_std_array<std::array<T, N>> : std::true_type {};
template <class T>
struct is_span : std::false_type {};
template <class T, std::size_t N>
struct is_span<std::span<T, N>> : std::true_type {};

// Trivially copyable, yet their bytes point into memory the receiver does not share.
template <class T>
inline constexpr bool is_address_v =
    std::is_pointer_v<std::remove_all_extents_t<T>> ||
    std::is_member_pointer_v<std::remove_all_extents_t<T>> || std::is_null_pointer_v<T> ||
    is_instance_v<T, std::basic_string_view> || is_span<T>::value;

// Detection calls serialize with a Writer only: a serialize written for "any archive A" (as the
// cereal and Boost shape has it) accepts every archive here.
template <class T>
concept has_member_serialize = requires(T& v, Writer& a) {
  v.serialize(a);
};
template <class T>
concept has_free_serialize = requires(T& v, Writer& a) {
  serialize(a, v);
};

enum class Kind {
  unsupported,
  member,
  boolean,
  number,
  enumeration,
  string,
  vector,
  array,
  optional,
  tuple,  // and pair
  map,
  variant,
  free_function,
  trivial
};

template <class T>
consteval Kind kind_of();
template <class... T>
inline constexpr bool all_supported_v = ((kind_of<T>() != Kind::unsupported) && ...);

// The member types of a pair, tuple or variant, as a pack the helpers below can take apart.
template <class... E>
struct Types {};
template <class T>
struct members_of;
template <template <class...> class Template, class... E>
struct members_of<Template<E...>> {
  using type = Types<E...>;
};
template <class T>
using members_t = typename members_of<T>::type;

template <class... E>
consteval bool all_supported(Types<E...>) {
  return all_supported_v<E...>;
}

// A member serialize wins over everything (even trivial copyability); standard types come before
// free serialize functions so that a user's catch-all template found by ADL cannot capture them.
template <class T>
consteval Kind kind_of() {
  auto if_all = [](bool supported, Kind kind) { return supported ? kind : Kind::unsupported; };
  if constexpr (is_address_v<T>) {
    return Kind::unsupported;
  } else if constexpr (has_member_serialize<T>) {
    return Kind::member;
  } else if constexpr (std::is_same_v<T, bool>) {
    return Kind::boolean;
  } else if constexpr (std::is_arithmetic_v<T>) {
    return Kind::number;
  } else if constexpr (std::is_enum_v<T>) {
    return Kind::enumeration;
  } else if constexpr (std::is_same_v<T, std::string>) {
    return Kind::string;
  } else if constexpr (is_instance_v<T, std::vector>) {
    return if_all(all_supported_v<typename T::value_type>, Kind::vector);
  } else if constexpr (is_std_array<T>::value) {
    return if_all(all_supported_v<typename T::value_type>, Kind::array);
  } else if constexpr (is_instance_v<T, std::optional>) {
    return if_all(all_supported_v<typename T::value_type>, Kind::optional);
  } else if constexpr (is_instance_v<T, std::pair> || is_instance_v<T, std::tuple>) {
    return if_all(all_supported(members_t<T>{}), Kind::tuple);
  } else if constexpr (is_instance_v<T, std::variant>) {
    return if_all(all_supported(members_t<T>{}) && std::variant_size_v<T> < 256, Kind::variant);
  } else if constexpr (is_instance_v<T, std::map> || is_instance_v<T, std::unordered_map>) {
    return if_all(all_supported_v<typename T::key_type, typename T::mapped_type>, Kind::map);
  } else if constexpr (has_free_serialize<T>) {
    return Kind::free_function;
  } else if constexpr (std::is_trivially_copyable_v<T>) {
    return Kind::trivial;
  } else {
    return Kind::unsupported;
  }
}

// Named once so that every entry point fails with the same advice.
template <class T>
consteval Kind checked_kind() {
  static_assert(kind_of<T>() != Kind::unsupported,
                "drover: this type cannot be serialised: give it a serialize(A&) member or free "
                "function, or make it trivially copyable");
  return kind_of<T>();
}

template <class T>
consteval std::size_t fixed_size_of();

// Zero, "not fixed", as soon as one member is not fixed.
template <class... E>
consteval std::size_t fixed_size_sum(Types<E...>) {
  return ((fixed_size_of<E>() != 0) && ...) ? (std::size_t{0} + ... + fixed_size_of<E>()) : 0;
}

template <class T>
consteval std::size_t fixed_size_of() {
  constexpr Kind kind = kind_of<T>();
  if constexpr (kind == Kind::boolean) {
    return 1;
  } else if constexpr (kind == Kind::number || kind == Kind::trivial) {
    return sizeof(T);
  } else if constexpr (kind == Kind::enumeration) {
    return fixed_size_of<std::underlying_type_t<T>>();
  } else if constexpr (kind == Kind::array) {
    return std::tuple_size_v<T> * fixed_size_of<typename T::value_type>();
  } else if constexpr (kind == Kind::tuple) {
    return fixed_size_sum(members_t<T>{});
  } else {
    return 0;
  }
}

// Types whose encoding is their object representation, so a run of them is one memcpy.
template <class T>
consteval bool is_bulk() {
  constexpr Kind kind = kind_of<T>();
  if constexpr (kind == Kind::number || kind == Kind::trivial) {
    return true;
  } else if constexpr (kind == Kind::enumeration) {
    return is_bulk<std::underlying_type_t<T>>();
  } else if constexpr (kind == Kind::array) {
    using E = typename T::value_type;
    return is_bulk<E>() && sizeof(T) == std::tuple_size_v<T> * sizeof(E);
  } else {
    return false;
  }
}

// Elements that encode to no bytes cannot be bounded by the input's length: a message may hold
// this many of them in all.
inline constexpr std::size_t kMaxEmptyElements = std::size_t{1} << 16;
inline constexpr std::size_t kMaxLength = std::numeric_limits<std::uint32_t>::max();

template <class T>
std::size_t min_size();

template <class... E>
std::size_t min_size_sum(Types<E...>) {
  return (std::size_t{0} + ... + min_size<E>());
}
template <class... E>
std::size_t min_size_least(Types<E...>) {
  return std::min({min_size<E>()...});
}

// An archive that adds up the fewest bytes each field can encode to, without looking at values.
class MinSize {
 public:
  template <class... T>
  void operator()(const T&...) {
    total += min_size_sum(Types<T...>{});
  }
  std::size_t total = 0;
};

// The fewest bytes a T can encode to: decoders divide what is left by it to bound a count.
template <class T>
std::size_t min_size() {
  constexpr Kind kind = checked_kind<T>();
  if constexpr (kind == Kind::member || kind == Kind::free_function) {
    // Once per type. Containers stop at their length prefix, so a struct holding a vector of
    // itself does not recurse.
    static const std::size_t size = [] {
      T probe{};
      MinSize archive;
      if constexpr (kind == Kind::member) {
        probe.serialize(archive);
      } else {
        serialize(archive, probe);
      }
      return archive.total;
    }();
    return size;
  } else if constexpr (fixed_size_of<T>() != 0) {
    return fixed_size_of<T>();
  } else if constexpr (kind == Kind::string || kind == Kind::vector || kind == Kind::map) {
    return 4;
  } else if constexpr (kind == Kind::optional) {
    return 1;
  } else if constexpr (kind == Kind::array) {
    return std::tuple_size_v<T> * min_size<typename T::value_type>();
  } else if constexpr (kind == Kind::tuple) {
    return min_size_sum(members_t<T>{});
  } else if constexpr (kind == Kind::variant) {
    return 1 + min_size_least(members_t<T>{});
  } else {
    return 0;
  }
}

}  // namespace serialize_detail

template <class T>
inline constexpr bool is_serializable_v =
    serialize_detail::kind_of<std::remove_cv_t<T>>() != serialize_detail::Kind::unsupported;

template <class T>
inline constexpr std::size_t fixed_size_v = serialize_detail::fixed_size_of<std::remove_cv_t<T>>();

}  // namespace drover
