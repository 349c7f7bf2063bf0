// Codec for task inputs and results of user kinds: C++ values to bytes and back, lengths checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "drover/serialize_types.hpp"
#include "drover/type_name.hpp"

namespace drover {

// Bytes that are not the encoding of the type asked for: damage, or a sender of another type.
class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Appends encodings to a string; the archive a serialize(A&) sees when encoding.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  template <class... T>
  void operator()(const T&... v) {
    (write(v), ...);
  }

  void bytes(const void* data, std::size_t n) { out_.append(static_cast<const char*>(data), n); }
  // A u32 count of items of at least min_bytes each; refused here when Reader::length would refuse
  // it, so that what encodes also decodes.
  void length(std::size_t n, std::size_t min_bytes = 1) {
    if (n > serialize_detail::kMaxLength)
      throw std::length_error("serialize: more than 2^32-1 elements or bytes");
    if (min_bytes == 0) {
      if (n > empty_budget_)
        throw std::length_error("serialize: too many elements that encode to no bytes");
      empty_budget_ -= n;
    }
    const auto length = static_cast<std::uint32_t>(n);
    bytes(&length, sizeof length);
  }

 private:
  template <class T>
  void write(const T& v);

  std::string& out_;
  std::size_t empty_budget_ = serialize_detail::kMaxEmptyElements;
};

template <class T>
void Writer::write(const T& v) {
  using namespace serialize_detail;
  constexpr Kind kind = checked_kind<T>();
  // serialize(A&) is one function for both directions, so it is never const.
  if constexpr (kind == Kind::member) {
    const_cast<T&>(v).serialize(*this);
  } else if constexpr (kind == Kind::free_function) {
    serialize(*this, const_cast<T&>(v));
  } else if constexpr (kind == Kind::boolean) {
    const char byte = v ? 1 : 0;
    bytes(&byte, 1);
  } else if constexpr (kind == Kind::number || kind == Kind::trivial) {
    // Padding travels too: a struct with holes sends only its fields once it has a serialize.
    bytes(&v, sizeof v);
  } else if constexpr (kind == Kind::enumeration) {
    write(static_cast<std::underlying_type_t<T>>(v));
  } else if constexpr (kind == Kind::string) {
    length(v.size());
    bytes(v.data(), v.size());
  } else if constexpr (kind == Kind::vector) {
    using E = typename T::value_type;
    length(v.size(), min_size<E>());
    if constexpr (is_bulk<E>()) {
      bytes(v.data(), v.size() * sizeof(E));
    } else {
      for (const auto& e : v) write(e);
    }
  } else if constexpr (kind == Kind::array) {
    if constexpr (is_bulk<T>()) {
      bytes(v.data(), sizeof v);
    } else {
      for (const auto& e : v) write(e);
    }
  } else if constexpr (kind == Kind::optional) {
    write(v.has_value());
    if (v) write(*v);
  } else if constexpr (kind == Kind::tuple) {
    std::apply([&](const auto&... e) { (write(e), ...); }, v);
  } else if constexpr (kind == Kind::variant) {
    if (v.valueless_by_exception()) throw std::invalid_argument("serialize: valueless variant");
    const auto index = static_cast<std::uint8_t>(v.index());
    bytes(&index, 1);
    std::visit([&](const auto& e) { write(e); }, v);
  } else if constexpr (kind == Kind::map) {
    length(v.size(), min_size<typename T::key_type>() + min_size<typename T::mapped_type>());
    for (const auto& [key, value] : v) {
      write(key);
      write(value);
    }
  }
}

// Reads encodings from a span, tracking the position; the archive serialize(A&) sees when decoding.
// After a DecodeError the value being read holds something valid but unspecified.
class Reader {
 public:
  explicit Reader(std::span<const char> bytes) : data_(bytes.data()), size_(bytes.size()) {}

  template <class... T>
  void operator()(T&... v) {
    (read(v), ...);
  }

  std::size_t remaining() const { return size_ - pos_; }
  void bytes(void* out, std::size_t n) {
    if (n > remaining()) throw DecodeError("serialize: input too short");
    if (n != 0) std::memcpy(out, data_ + pos_, n);
    pos_ += n;
  }
  // A u32 count of items of at least min_bytes each, refused before anything is allocated for it
  // unless that many fit in what is left. Items of no bytes draw on a budget for the whole message
  // instead, or a few bytes of counts could ask for gigabytes of them.
  std::size_t length(std::size_t min_bytes = 1) {
    std::uint32_t n;
    bytes(&n, sizeof n);
    if (min_bytes == 0 ? n > empty_budget_ : n > remaining() / min_bytes)
      throw DecodeError("serialize: length longer than the input");
    if (min_bytes == 0) empty_budget_ -= n;
    return n;
  }

 private:
  template <class T>
  void read(T& v);
  template <class E, class Allocator>
  void read_vector(std::vector<E, Allocator>& v);
  template <class Variant, std::size_t... I>
  void read_alternative(Variant& v, std::size_t index, std::index_sequence<I...>);
  template <class Map>
  void read_map(Map& v);

  // Structs that hold vectors of themselves could nest as deep as the input is long; deeper than
  // this is refused before the stack runs out.
  static constexpr int kMaxDepth = 1000;

  const char* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  std::size_t empty_budget_ = serialize_detail::kMaxEmptyElements;
};

template <class T>
void Reader::read(T& v) {
  using namespace serialize_detail;
  constexpr Kind kind = checked_kind<T>();
  if constexpr (kind == Kind::member || kind == Kind::free_function) {
    struct Nesting {
      int& depth;
      ~Nesting() { --depth; }
    } nesting{++depth_};
    if (depth_ > kMaxDepth) throw DecodeError("serialize: nested too deeply");
    if constexpr (kind == Kind::member) {
      v.serialize(*this);
    } else {
      serialize(*this, v);
    }
  } else if constexpr (kind == Kind::boolean) {
    unsigned char byte;
    bytes(&byte, 1);
    if (byte > 1) throw DecodeError("serialize: bad bool");
    v = byte == 1;
  } else if constexpr (kind == Kind::number || kind == Kind::trivial) {
    bytes(&v, sizeof v);
  } else if constexpr (kind == Kind::enumeration) {
    // Any value of the underlying type is taken: which ones mean something is the enum's owner's.
    std::underlying_type_t<T> underlying;
    read(underlying);
    v = static_cast<T>(underlying);
  } else if constexpr (kind == Kind::string) {
    const std::size_t n = length(1);
    v.assign(data_ + pos_, n);
    pos_ += n;
  } else if constexpr (kind == Kind::vector) {
    read_vector(v);
  } else if constexpr (kind == Kind::array) {
    if constexpr (is_bulk<T>()) {
      bytes(v.data(), sizeof v);
    } else {
      for (auto& e : v) read(e);
    }
  } else if constexpr (kind == Kind::optional) {
    unsigned char flag;
    bytes(&flag, 1);
    if (flag > 1) throw DecodeError("serialize: bad optional flag");
    if (flag == 0) {
      v.reset();
    } else {
      if (!v) v.emplace();
      read(*v);
    }
  } else if constexpr (kind == Kind::tuple) {
    std::apply([&](auto&... e) { (read(e), ...); }, v);
  } else if constexpr (kind == Kind::variant) {
    std::uint8_t index;
    bytes(&index, 1);
    read_alternative(v, index, std::make_index_sequence<std::variant_size_v<T>>{});
  } else if constexpr (kind == Kind::map) {
    read_map(v);
  }
}

template <class E, class Allocator>
void Reader::read_vector(std::vector<E, Allocator>& v) {
  if constexpr (serialize_detail::is_bulk<E>()) {
    v.resize(length(sizeof(E)));
    bytes(v.data(), v.size() * sizeof(E));
  } else if constexpr (std::is_same_v<E, bool>) {
    v.resize(length(1));
    for (std::size_t i = 0; i < v.size(); ++i) {
      bool b;
      read(b);
      v[i] = b;
    }
  } else {
    v.resize(length(serialize_detail::min_size<E>()));
    for (auto& e : v) read(e);
  }
}

template <class Variant, std::size_t... I>
void Reader::read_alternative(Variant& v, std::size_t index, std::index_sequence<I...>) {
  if (index >= sizeof...(I)) throw DecodeError("serialize: bad variant index");
  (void)((index == I && (read(v.template emplace<I>()), true)) || ...);
}

template <class Map>
void Reader::read_map(Map& v) {
  using K = typename Map::key_type;
  using V = typename Map::mapped_type;
  v.clear();
  const std::size_t n = length(serialize_detail::min_size<K>() + serialize_detail::min_size<V>());
  for (std::size_t i = 0; i < n; ++i) {
    K key{};
    V value{};
    read(key);
    read(value);
    // One encoding per map: a std::map's keys must ascend, an unordered one's must not repeat.
    if constexpr (serialize_detail::is_instance_v<Map, std::map>) {
      if (!v.empty() && !v.key_comp()(std::prev(v.end())->first, key))
        throw DecodeError("serialize: map keys out of order");
      v.emplace_hint(v.end(), std::move(key), std::move(value));
    } else if (!v.emplace(std::move(key), std::move(value)).second) {
      throw DecodeError("serialize: duplicate map key");
    }
  }
}

// Appends the encoding of value to out.
template <class T>
void encode(const T& value, std::string& out) {
  Writer writer(out);
  writer(value);
}

template <class T>
std::string encode(const T& value) {
  std::string out;
  encode(value, out);
  return out;
}

// Decodes exactly bytes into out: a short input and trailing bytes are both DecodeErrors.
template <class T>
void decode(std::span<const char> bytes, T& out) {
  Reader reader(bytes);
  reader(out);
  if (reader.remaining() != 0) throw DecodeError("serialize: trailing bytes");
}

template <class T>
T decode(std::span<const char> bytes) {
  T out{};
  decode(bytes, out);
  return out;
}

}  // namespace drover
