// Internal to the library's templates: a byte buffer whose resize does not zero what it adds.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace drover::detail {

// std::allocator, except that a value-initialised element (what resize and
// the count constructor make) is left default-initialised: for char, not
// written at all. Batch outputs, wire messages and journal records are
// sized first and then written whole, and zero-filling them first was a
// fifth of a rank's time for 1e8 squares.
template <class T>
struct DefaultInitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  DefaultInitAllocator() noexcept = default;
  template <class U>
  DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}

  // Only the no-argument form: copies and moves go through allocator_traits' default.
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
};

// Bytes: the outputs of a batch, an encoded message or record. resize()
// leaves new bytes unspecified: write them before they are read.
using Bytes = std::vector<char, DefaultInitAllocator<char>>;

inline Bytes to_bytes(std::string_view s) {
  return Bytes(s.begin(), s.end());
}
inline std::string_view view_of(const Bytes& b) {
  return {b.data(), b.size()};
}
inline void append(Bytes& b, std::string_view s) {
  b.insert(b.end(), s.begin(), s.end());
}

}  // namespace drover::detail
