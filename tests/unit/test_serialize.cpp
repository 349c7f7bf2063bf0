// The serialisation codec: every supported type round-trips; damaged or hostile bytes are refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <variant>
#include <vector>

#include "drover/serialize.hpp"

// Outside drover: a free serialize must be found by argument-dependent lookup.
namespace serialize_test_user {

struct FreePoint {
  std::int32_t a = 0;
  std::string b;
  bool operator==(const FreePoint&) const = default;
};

template <class A>
void serialize(A& a, FreePoint& p) {
  a(p.a, p.b);
}

}  // namespace serialize_test_user

namespace drover {
namespace {

using serialize_test_user::FreePoint;

struct Point {
  std::int32_t x = 0, y = 0;
  std::string path;
  template <class A>
  void serialize(A& a) {
    a(x, y, path);
  }
  bool operator==(const Point&) const = default;
};

struct Sample {
  std::string name;
  std::optional<std::string> note;
  std::vector<double> values;
  std::optional<std::int32_t> count;
  template <class A>
  void serialize(A& a) {
    a(name, note);  // two calls, as a serialize may make
    a(values, count);
  }
  bool operator==(const Sample&) const = default;
};

// Trivially copyable, yet its serialize says only b travels.
struct HalfSent {
  std::int32_t a = 0, b = 0;
  template <class A>
  void serialize(A& ar) {
    ar(b);
  }
};

struct Pod16 {
  double a;
  std::int64_t b;
  bool operator==(const Pod16&) const = default;
};

struct Node {
  std::int32_t value = 0;
  std::vector<Node> children;
  template <class A>
  void serialize(A& a) {
    a(value, children);
  }
  bool operator==(const Node&) const = default;
};

struct Empty {
  template <class A>
  void serialize(A&) {}
  bool operator==(const Empty&) const = default;
};

struct NotCopyable {
  std::string s;  // neither trivially copyable nor with a serialize
};

enum class Colour : std::uint8_t { red = 1, green = 2 };

// Counts what a container asks for, to show a hostile length allocates nothing.
inline std::size_t largest_allocation = 0;
template <class T>
struct CountingAllocator {
  using value_type = T;
  CountingAllocator() = default;
  template <class U>
  CountingAllocator(const CountingAllocator<U>&) {}
  T* allocate(std::size_t n) {
    largest_allocation = std::max(largest_allocation, n * sizeof(T));
    return std::allocator<T>().allocate(n);
  }
  void deallocate(T* p, std::size_t n) { std::allocator<T>().deallocate(p, n); }
  bool operator==(const CountingAllocator&) const = default;
};

template <class T>
T round_trip(const T& value) {
  std::string bytes;
  encode(value, bytes);
  return decode<T>(bytes);
}

template <class T>
void expect_round_trip(const T& value) {
  EXPECT_EQ(round_trip(value), value);
}

// Runs f, expecting a DecodeError whose message contains `what`.
template <class F>
void expect_decode_error(F f, std::string_view what) {
  try {
    f();
    ADD_FAILURE() << "no DecodeError; expected one saying " << what;
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string_view(e.what()).find(what), std::string_view::npos) << e.what();
  }
}

template <class T>
void expect_refused(const std::string& bytes, std::string_view what) {
  expect_decode_error([&] { decode<T>(bytes); }, what);
}

std::string bytes_of(std::initializer_list<int> values) {
  std::string s;
  for (int v : values) s += static_cast<char>(v);
  return s;
}

std::string u32_bytes(std::uint32_t n) {
  std::string s(4, '\0');
  std::memcpy(s.data(), &n, 4);
  return s;
}

std::vector<Sample> samples() {
  return {Sample{"first", "a note", {1.5, -2.25, 1e300}, 7},
          Sample{"", std::nullopt, {}, std::nullopt},
          Sample{std::string("with\0nul", 8), std::string(), {0.0}, -1}};
}

TEST(SerializeRoundTrip, Numbers) {
  expect_round_trip(std::int8_t{-8});
  expect_round_trip(std::uint8_t{250});
  expect_round_trip(std::int16_t{-30000});
  expect_round_trip(std::uint16_t{65000});
  expect_round_trip(std::int32_t{-2'000'000'000});
  expect_round_trip(std::uint32_t{4'000'000'000});
  expect_round_trip(std::numeric_limits<std::int64_t>::min());
  expect_round_trip(std::numeric_limits<std::uint64_t>::max());
  expect_round_trip(3.25f);
  expect_round_trip(-1e-300);
  expect_round_trip(std::numeric_limits<double>::infinity());
  expect_round_trip('x');
  expect_round_trip(true);
  expect_round_trip(false);
  expect_round_trip(Colour::green);
  expect_round_trip(Pod16{2.5, -9});
}

TEST(SerializeRoundTrip, Strings) {
  expect_round_trip(std::string());
  expect_round_trip(std::string("hello"));
  expect_round_trip(std::string("a\0b\xff", 4));
  expect_round_trip(std::string(100'000, 'z'));
}

TEST(SerializeRoundTrip, Vectors) {
  expect_round_trip(std::vector<std::int64_t>{});
  expect_round_trip(std::vector<std::int64_t>{1, -2, 3});
  expect_round_trip(std::vector<float>(1000, 0.5f));
  expect_round_trip(std::vector<bool>{});
  expect_round_trip(std::vector<bool>{true, false, true, true, false});
  expect_round_trip(std::vector<std::string>{"", "one", std::string(300, 'q')});
  expect_round_trip(std::vector<std::vector<int>>{{}, {1}, {2, 3}});
  expect_round_trip(std::vector<Colour>{Colour::red, Colour::green});
  expect_round_trip(std::vector<Pod16>{{1, 2}, {3, 4}});
  expect_round_trip(std::vector<std::array<std::int16_t, 3>>{{1, 2, 3}, {4, 5, 6}});
  expect_round_trip(std::vector<Empty>(5));
  expect_round_trip(std::vector<std::tuple<>>(3));
}

TEST(SerializeRoundTrip, ArraysOptionalsPairsTuples) {
  expect_round_trip(std::array<float, 4>{1, 2, 3, 4});
  expect_round_trip(std::array<std::string, 2>{"a", "bc"});
  expect_round_trip(std::array<bool, 3>{true, false, true});
  expect_round_trip(std::array<int, 0>{});
  expect_round_trip(std::optional<std::int32_t>{});
  expect_round_trip(std::optional<std::int32_t>{5});
  expect_round_trip(std::optional<std::string>{"x"});
  expect_round_trip(std::optional<std::optional<bool>>{std::optional<bool>{}});
  expect_round_trip(std::pair<int, std::string>{3, "three"});
  expect_round_trip(std::tuple<>{});
  expect_round_trip(std::tuple<int, double, std::string, bool>{1, 2.5, "s", true});
  expect_round_trip(std::tuple<std::vector<int>, std::vector<std::string>>{{1, 2}, {"a", ""}});
  expect_round_trip(std::tuple<std::vector<int>, std::vector<std::string>>{});
}

TEST(SerializeRoundTrip, MapsAndVariants) {
  expect_round_trip(std::map<std::string, int>{});
  expect_round_trip(std::map<std::string, int>{{"a", 1}, {"b", 2}, {"c", 3}});
  expect_round_trip(std::unordered_map<int, std::string>{{1, "one"}, {2, "two"}, {40, ""}});
  using V = std::variant<int, std::string, std::vector<double>>;
  expect_round_trip(V{7});
  expect_round_trip(V{std::string("seven")});
  expect_round_trip(V{std::vector<double>{7, 7}});
  expect_round_trip(std::vector<V>{V{1}, V{"two"}, V{std::vector<double>{}}});
}

TEST(SerializeRoundTrip, UserStructsAndNesting) {
  expect_round_trip(Point{1, -2, "/data/run/7.bin"});
  expect_round_trip(samples());
  expect_round_trip(std::vector<Sample>{});
  expect_round_trip(FreePoint{9, "free"});
  expect_round_trip(std::vector<FreePoint>{{1, "a"}, {2, ""}});
  expect_round_trip(std::map<std::string, std::vector<Point>>{{"k", {{1, 2, "p"}, {3, 4, ""}}}});
  expect_round_trip(std::optional<Sample>{samples()[0]});
  expect_round_trip(Node{1, {Node{2, {}}, Node{3, {Node{4, {}}}}}});
  expect_round_trip(Empty{});
}

TEST(SerializeRoundTrip, SerializeWinsOverTrivialCopy) {
  const std::string bytes = encode(HalfSent{1, 2});
  ASSERT_EQ(bytes.size(), 4u);
  const HalfSent back = decode<HalfSent>(bytes);
  EXPECT_EQ(back.a, 0);
  EXPECT_EQ(back.b, 2);
}

TEST(SerializeRoundTrip, ConstValuesEncodeThroughANonConstSerialize) {
  const Point p{4, 5, "const"};
  const std::vector<Sample> s = samples();
  const FreePoint f{1, "f"};
  std::string out;
  encode(p, out);
  encode(s, out);
  encode(f, out);
  Reader reader(out);
  Point p2;
  std::vector<Sample> s2;
  FreePoint f2;
  reader(p2, s2, f2);
  EXPECT_EQ(reader.remaining(), 0u);
  EXPECT_EQ(p2, p);
  EXPECT_EQ(s2, s);
  EXPECT_EQ(f2, f);
}

TEST(SerializeRoundTrip, EncodeAppendsAndWriterComposes) {
  std::string out = "head";
  encode(std::int32_t{1}, out);
  EXPECT_EQ(out.substr(0, 4), "head");
  EXPECT_EQ(out.size(), 8u);

  std::string bytes;
  Writer writer(bytes);
  writer(std::int64_t{5}, std::string("s"), true);
  writer(3.5);
  std::int64_t a = 0;
  std::string b;
  bool c = false;
  double d = 0;
  Reader reader(bytes);
  reader(a, b, c);
  EXPECT_EQ(reader.remaining(), 8u);
  reader(d);
  EXPECT_EQ(std::tie(a, b, c, d), std::make_tuple(std::int64_t{5}, std::string("s"), true, 3.5));
}

TEST(SerializeRoundTrip, DecodeIntoAUsedValueReplacesIt) {
  std::vector<std::string> v{"x", "y", "z"};
  decode(encode(std::vector<std::string>{"only"}), v);
  EXPECT_EQ(v, std::vector<std::string>{"only"});
  std::optional<int> o = 4;
  decode(encode(std::optional<int>{}), o);
  EXPECT_FALSE(o);
  std::map<int, int> m{{1, 1}, {2, 2}};
  decode(encode(std::map<int, int>{{3, 3}}), m);
  EXPECT_EQ(m, (std::map<int, int>{{3, 3}}));
}

TEST(SerializeRoundTrip, UnalignedInput) {
  const std::vector<double> values{1, 2, 3, 4.5};
  const std::string bytes = encode(values);
  std::string shifted = "x" + bytes;
  EXPECT_EQ(decode<std::vector<double>>(std::span<const char>(shifted).subspan(1)), values);
  shifted = "xyz" + encode(std::int64_t{-77});
  EXPECT_EQ(decode<std::int64_t>(std::span<const char>(shifted).subspan(3)), -77);
}

TEST(SerializeEncoding, IsNativeAndCompact) {
  std::int64_t n = 0x0102030405060708;
  EXPECT_EQ(encode(n), std::string(reinterpret_cast<const char*>(&n), 8));
  EXPECT_EQ(encode(true), bytes_of({1}));
  EXPECT_EQ(encode(std::string("ab")), u32_bytes(2) + "ab");
  EXPECT_EQ(encode(std::optional<std::int8_t>{}), bytes_of({0}));
  EXPECT_EQ(encode(std::optional<std::int8_t>{9}), bytes_of({1, 9}));
  EXPECT_EQ(encode(std::vector<float>(3)).size(), 4u + 12u);
  EXPECT_EQ(encode(std::vector<bool>{true, false}), u32_bytes(2) + bytes_of({1, 0}));
  EXPECT_EQ(encode(std::pair<std::int8_t, std::int16_t>{1, 2}).size(), 3u);  // no padding
  EXPECT_EQ(encode(std::variant<int, std::int8_t>{std::int8_t{5}}), bytes_of({1, 5}));
  EXPECT_EQ(encode(std::tuple<>{}), "");
  EXPECT_EQ(encode(Point{1, 2, "p"}).size(), 4u + 4u + 4u + 1u);
}

TEST(SerializeEncoding, SmallValuesAllocateNothingBeyondTheOutput) {
  std::string out;
  out.reserve(256);
  const char* data = out.data();
  encode(std::int64_t{1}, out);
  encode(Point{1, 2, std::string(40, 'p')}, out);
  encode(std::vector<float>(10), out);
  EXPECT_EQ(out.data(), data);
}

TEST(SerializeEncoding, LengthsBeyondU32AreRefused) {
  std::string out;
  Writer writer(out);
  EXPECT_NO_THROW(writer.length(std::numeric_limits<std::uint32_t>::max()));
  EXPECT_THROW(writer.length(std::size_t{1} << 32), std::length_error);
  EXPECT_THROW(encode(std::vector<std::tuple<>>(100'000)), std::length_error);
}

TEST(SerializeTraits, FixedSize) {
  static_assert(fixed_size_v<std::int64_t> == 8);
  static_assert(fixed_size_v<bool> == 1);
  static_assert(fixed_size_v<float> == 4);
  static_assert(fixed_size_v<Colour> == 1);
  static_assert(fixed_size_v<Pod16> == 16);
  static_assert(fixed_size_v<std::array<float, 4>> == 16);
  static_assert(fixed_size_v<std::pair<std::int32_t, double>> == 12);
  static_assert(fixed_size_v<std::tuple<std::int32_t, bool, std::array<std::int16_t, 3>>> == 11);
  static_assert(fixed_size_v<std::string> == 0);
  static_assert(fixed_size_v<std::vector<int>> == 0);
  static_assert(fixed_size_v<std::optional<int>> == 0);
  static_assert(fixed_size_v<std::tuple<int, std::string>> == 0);
  static_assert(fixed_size_v<std::array<std::string, 2>> == 0);
  static_assert(fixed_size_v<Point> == 0);
  static_assert(fixed_size_v<HalfSent> == 0);  // has serialize
  static_assert(fixed_size_v<std::list<int>> == 0);
  // The claim holds: every value of a fixed type encodes to that many bytes.
  EXPECT_EQ(encode(std::tuple<std::int32_t, bool, std::array<std::int16_t, 3>>{}).size(), 11u);
  EXPECT_EQ(encode(std::pair<std::int32_t, double>{}).size(), 12u);
}

TEST(SerializeTraits, Serializable) {
  static_assert(is_serializable_v<int>);
  static_assert(is_serializable_v<const std::string>);
  static_assert(is_serializable_v<std::vector<Sample>>);
  static_assert(is_serializable_v<Node>);
  static_assert(is_serializable_v<FreePoint>);
  static_assert(is_serializable_v<Pod16>);
  static_assert(is_serializable_v<std::map<std::string, std::variant<int, Point>>>);
  static_assert(!is_serializable_v<int*>);
  static_assert(!is_serializable_v<const char*>);
  static_assert(!is_serializable_v<std::nullptr_t>);
  static_assert(!is_serializable_v<int Point::*>);
  static_assert(!is_serializable_v<std::string_view>);
  static_assert(!is_serializable_v<std::span<const int>>);
  static_assert(!is_serializable_v<std::list<int>>);
  static_assert(!is_serializable_v<NotCopyable>);
  static_assert(!is_serializable_v<std::vector<std::list<int>>>);
  static_assert(!is_serializable_v<std::optional<int*>>);
  static_assert(!is_serializable_v<std::tuple<int, std::list<int>>>);
  static_assert(!is_serializable_v<std::pair<NotCopyable, int>>);
  static_assert(!is_serializable_v<std::map<int, std::list<int>>>);
  static_assert(!is_serializable_v<std::array<std::string_view, 2>>);
  SUCCEED();
}

TEST(SerializeTraits, TypeNames) {
  EXPECT_EQ(type_name<std::int64_t>(), "i64");
  EXPECT_EQ(type_name<std::uint8_t>(), "u8");
  EXPECT_EQ(type_name<double>(), "f64");
  EXPECT_EQ(type_name<bool>(), "bool");
  EXPECT_EQ(type_name<char>(), "char");
  EXPECT_EQ(type_name<std::string>(), "str");
  EXPECT_EQ(type_name<std::vector<float>>(), "[f32]");
  EXPECT_EQ((type_name<std::array<float, 4>>()), "f32[4]");
  EXPECT_EQ(type_name<std::optional<std::int32_t>>(), "?i32");
  EXPECT_EQ((type_name<std::pair<std::int32_t, std::string>>()), "(i32,str)");
  EXPECT_EQ((type_name<std::tuple<std::int32_t, std::string>>()), "(i32,str)");
  EXPECT_EQ(type_name<std::tuple<>>(), "()");
  EXPECT_EQ(type_name<Point>(), "{i32,i32,str}");
  EXPECT_EQ(type_name<const Point>(), "{i32,i32,str}");
  EXPECT_EQ(type_name<std::vector<Sample>>(), "[{str,?str,[f64],?i32}]");
  EXPECT_EQ(type_name<FreePoint>(), "{i32,str}");
  EXPECT_EQ(type_name<Empty>(), "{}");
  EXPECT_EQ(type_name<HalfSent>(), "{i32}");
  EXPECT_EQ(type_name<Pod16>(), "pod16");
  EXPECT_EQ(type_name<Colour>(), "enum:u8");
  EXPECT_EQ((type_name<std::map<std::string, std::int32_t>>()), "{str:i32}");
  EXPECT_EQ((type_name<std::variant<std::int32_t, std::string>>()), "<i32|str>");
  EXPECT_EQ(type_name<Node>(), "{i32,[^1]}");
  EXPECT_EQ(type_name<std::vector<Node>>(), "[{i32,[^1]}]");
}

// Every proper prefix of an encoding is refused: the codec never reads past the end.
template <class T>
void expect_every_truncation_refused(const T& value) {
  const std::string bytes = encode(value);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_THROW(decode<T>(std::span<const char>(bytes.data(), n)), DecodeError)
        << type_name<T>() << " cut to " << n << " of " << bytes.size() << " bytes";
  }
  EXPECT_EQ(decode<T>(bytes), value);
}

TEST(SerializeDamage, EveryTruncationThrows) {
  expect_every_truncation_refused(std::int64_t{42});
  expect_every_truncation_refused(std::string("truncate me"));
  expect_every_truncation_refused(std::vector<float>{1, 2, 3});
  expect_every_truncation_refused(samples());
  expect_every_truncation_refused(
      std::tuple<std::vector<int>, std::optional<std::string>, bool>{{1, 2}, "o", true});
  expect_every_truncation_refused(std::map<std::string, int>{{"a", 1}, {"bb", 2}});
  expect_every_truncation_refused(Node{1, {Node{2, {}}, Node{3, {}}}});
  expect_every_truncation_refused(std::variant<int, std::string>{"v"});
}

TEST(SerializeDamage, TrailingBytesThrow) {
  expect_refused<std::int32_t>(encode(std::int64_t{1}), "trailing bytes");
  expect_refused<std::vector<Sample>>(encode(samples()) + "x", "trailing bytes");
  expect_refused<std::tuple<>>(std::string("x"), "trailing bytes");
}

TEST(SerializeDamage, ShortInputSaysSo) {
  expect_refused<std::int64_t>(std::string("1234"), "input too short");
  expect_refused<std::string>(std::string("\x05"), "input too short");
}

TEST(SerializeDamage, BadFlagsThrow) {
  expect_refused<bool>(bytes_of({2}), "bad bool");
  expect_refused<std::vector<bool>>(u32_bytes(2) + bytes_of({1, 7}), "bad bool");
  expect_refused<std::optional<int>>(bytes_of({2, 0, 0, 0, 0}), "bad optional flag");
  expect_refused<std::variant<int, bool>>(bytes_of({2, 0, 0, 0, 0}), "bad variant index");
  expect_refused<std::variant<int, bool>>(bytes_of({1, 3}), "bad bool");
}

TEST(SerializeDamage, MapsHaveOneEncoding) {
  std::string twice = u32_bytes(2) + encode(std::string("k")) + encode(1);
  twice += encode(std::string("k")) + encode(2);
  expect_refused<std::map<std::string, int>>(twice, "out of order");
  expect_refused<std::unordered_map<std::string, int>>(twice, "duplicate");
  std::string descending = u32_bytes(2) + encode(2) + encode(0) + encode(1) + encode(0);
  expect_refused<std::map<int, int>>(descending, "out of order");
}

TEST(SerializeDamage, HugeLengthsThrowWithoutAllocating) {
  // 2^32-1 int64s claimed by a 10-byte message.
  const std::string claim = u32_bytes(0xffff'ffff) + "abcdef";
  ASSERT_EQ(claim.size(), 10u);
  largest_allocation = 0;
  using Counted = std::vector<std::int64_t, CountingAllocator<std::int64_t>>;
  expect_refused<Counted>(claim, "length longer than the input");
  using CountedStrings = std::vector<std::string, CountingAllocator<std::string>>;
  expect_refused<CountedStrings>(claim, "length longer than the input");
  using CountedSamples = std::vector<Sample, CountingAllocator<Sample>>;
  expect_refused<CountedSamples>(claim, "length longer than the input");
  EXPECT_EQ(largest_allocation, 0u);

  expect_refused<std::string>(claim, "length longer than the input");
  expect_refused<std::vector<bool>>(claim, "length longer than the input");
  expect_refused<std::map<int, int>>(claim, "length longer than the input");
  // Seven bytes cannot hold one int64, nor nine two.
  expect_refused<std::vector<std::int64_t>>(u32_bytes(1) + "1234567",
                                            "length longer than the input");
  expect_refused<std::vector<std::int64_t>>(u32_bytes(2) + "123456789",
                                            "length longer than the input");
  // A Sample is at least 4 + 1 + 4 + 1 bytes, so 19 bytes cannot hold two.
  expect_refused<std::vector<Sample>>(u32_bytes(2) + std::string(19, '\0'),
                                      "length longer than the input");
}

TEST(SerializeDamage, ElementsOfNoBytesAreCappedPerMessage) {
  EXPECT_EQ(decode<std::vector<Empty>>(u32_bytes(1000)).size(), 1000u);
  expect_refused<std::vector<Empty>>(u32_bytes(0xffff'ffff), "length longer than the input");
  expect_refused<std::vector<std::tuple<>>>(u32_bytes(1'000'000), "length longer than the input");
  // Many small counts of empties must not add up to gigabytes either.
  std::string many = u32_bytes(1000);
  for (int i = 0; i < 1000; ++i) many += u32_bytes(60'000);
  expect_refused<std::vector<std::vector<std::tuple<>>>>(many, "length longer than the input");
  // And what would not decode does not encode.
  const std::vector<std::vector<Empty>> two(2, std::vector<Empty>(40'000));
  EXPECT_THROW(encode(two), std::length_error);
  EXPECT_NO_THROW(encode(std::vector<std::vector<Empty>>(2, std::vector<Empty>(30'000))));
}

// A chain of depth nodes, each with one child but the last.
std::string node_chain(int depth) {
  std::string bytes;
  for (int i = 0; i < depth; ++i) bytes += encode(std::int32_t{i}) + u32_bytes(i + 1 < depth);
  return bytes;
}

TEST(SerializeDamage, DeepNestingIsRefusedBeforeTheStackRunsOut) {
  const Node node = decode<Node>(node_chain(900));
  EXPECT_EQ(node.children.size(), 1u);
  expect_refused<Node>(node_chain(1001), "nested too deeply");
  expect_refused<Node>(node_chain(200'000), "nested too deeply");
}

// Decodes bytes as T: a DecodeError or a value that re-encodes to exactly the same bytes.
template <class T>
int decode_or_refuse(const std::string& bytes, bool canonical = true) {
  T value;
  try {
    decode(bytes, value);
  } catch (const DecodeError&) {
    return 0;
  }
  if (canonical) {
    EXPECT_EQ(encode(value), bytes) << type_name<T>();
  }
  return 1;
}

using Record = std::tuple<std::int32_t, std::string, std::optional<double>, std::vector<bool>>;

int decode_as_everything(const std::string& bytes) {
  return decode_or_refuse<std::int64_t>(bytes) + decode_or_refuse<std::string>(bytes) +
         decode_or_refuse<std::vector<std::int64_t>>(bytes) +
         decode_or_refuse<std::vector<std::string>>(bytes) +
         decode_or_refuse<std::vector<Sample>>(bytes) + decode_or_refuse<Record>(bytes) +
         decode_or_refuse<std::optional<Point>>(bytes) + decode_or_refuse<Node>(bytes) +
         decode_or_refuse<std::map<std::string, std::vector<int>>>(bytes) +
         decode_or_refuse<std::unordered_map<int, std::string>>(bytes, false) +
         decode_or_refuse<std::variant<std::int8_t, std::string, std::vector<Empty>>>(bytes) +
         decode_or_refuse<std::array<std::optional<bool>, 3>>(bytes);
}

TEST(SerializeDamage, RandomBytesNeverCrash) {
  std::mt19937 random(20240601);
  int decoded = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string bytes(random() % 48, '\0');
    for (auto& c : bytes) c = static_cast<char>(random() % 4 == 0 ? random() : random() % 3);
    decoded += decode_as_everything(bytes);
  }
  EXPECT_GT(decoded, 0);
}

TEST(SerializeDamage, MutatedEncodingsNeverCrash) {
  std::mt19937 random(7);
  const std::vector<std::string> seeds = {
      encode(samples()),
      encode(Record{5, "record", 2.5, {true, false}}),
      encode(Node{1, {Node{2, {}}, Node{3, {Node{4, {}}}}}}),
      encode(std::map<std::string, std::vector<int>>{{"a", {1, 2}}, {"b", {}}}),
  };
  int decoded = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string bytes = seeds[i % seeds.size()];
    for (int flips = 1 + random() % 3; flips > 0; --flips) {
      const std::size_t at = random() % bytes.size();
      switch (random() % 4) {
        case 0:
          bytes[at] = static_cast<char>(random());
          break;
        case 1:
          bytes[at] = static_cast<char>(0xff);
          break;
        case 2:
          bytes.erase(at, 1 + random() % 4);
          break;
        default:
          bytes.insert(at, 1, static_cast<char>(random() % 3));
      }
      if (bytes.empty()) bytes.push_back(0);
    }
    decoded += decode_as_everything(bytes);
  }
  EXPECT_GT(decoded, 0);
}

}  // namespace
}  // namespace drover
