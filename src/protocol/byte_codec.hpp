// The flat byte codec under wire messages and journal records: fixed fields and whole arrays by
// memcpy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <drover/detail/bytes.hpp>

namespace drover {

// Fields travel in native byte order: ranks of one job, and a journal and
// the run that resumes it, run on one machine type. Versions (the protocol
// in the Hello, the journal's header) guard the layouts.
class ByteWriter {
 public:
  // Appends to `out`; with `replace`, empties it first (its capacity stays).
  explicit ByteWriter(detail::Bytes& out, bool replace = false) : out_(out) {
    if (replace) out_.clear();
  }

  template <class T>
  void put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    append(&value, sizeof(T));
  }
  void put_string(const detail::Bytes& b) { put_string(detail::view_of(b)); }
  void put_string(std::string_view s) {
    put(static_cast<std::uint32_t>(s.size()));
    append(s.data(), s.size());
  }
  template <class T>
  void put_array(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    put(static_cast<std::uint64_t>(v.size()));
    append(v.data(), v.size() * sizeof(T));
  }

 private:
  // resize (which leaves the bytes unwritten: Bytes) + memcpy rather than
  // insert: as fast, and g++ 12 warns falsely on small inserts into a vector.
  void append(const void* data, std::size_t n) {
    if (n == 0) return;
    const std::size_t at = out_.size();
    out_.resize(at + n);
    std::memcpy(out_.data() + at, data, n);
  }

  detail::Bytes& out_;
};

// Reads what ByteWriter wrote and trusts nothing: every length is checked
// against what is left before anything is allocated for it. `Errors` gives
// the exception type (Errors::Error) and its messages (kTooShort, kArrayTooLong).
template <class Errors>
class ByteReader {
 public:
  explicit ByteReader(std::span<const char> bytes) : bytes_(bytes) {}

  template <class T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    T value;
    std::memcpy(&value, take(sizeof(T)), sizeof(T));
    return value;
  }
  template <class S>  // std::string or detail::Bytes
  void get_string(S& s) {
    const auto n = get<std::uint32_t>();
    const char* p = take(n);
    s.assign(p, p + n);
  }
  template <class T>
  void get_array(std::vector<T>& v) {
    const auto n = get<std::uint64_t>();
    if (n > remaining() / sizeof(T)) throw typename Errors::Error(Errors::kArrayTooLong);
    v.resize(n);
    if (n != 0) std::memcpy(v.data(), take(n * sizeof(T)), n * sizeof(T));
  }
  // A count of items of at least `min_bytes` each, checked against what is left.
  std::size_t get_count(std::size_t min_bytes, const char* what) {
    const auto n = get<std::uint64_t>();
    if (n > remaining() / min_bytes) throw typename Errors::Error(what);
    return static_cast<std::size_t>(n);
  }
  std::size_t remaining() const { return bytes_.size() - pos_; }

 private:
  const char* take(std::size_t n) {
    if (n > remaining()) throw typename Errors::Error(Errors::kTooShort);
    const char* p = bytes_.data() + pos_;
    pos_ += n;
    return p;
  }

  std::span<const char> bytes_;
  std::size_t pos_ = 0;
};

}  // namespace drover
