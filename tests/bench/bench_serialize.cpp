// Encode+decode of task values: drover's codec against cereal's binary archives and a bare memcpy.
//
// The cost that decides between the codec and Debian's libcereal-dev: one op is an encode into a
// reused buffer and a decode into a reused value, for an int64, a ~100-byte result struct and
// 1000 floats. The memcpy reference copies the codec's encoding out and back, a floor for any
// codec. Built without cereal (DROVER_BENCH_CEREAL undefined), only drover and memcpy run.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

#include "drover/serialize.hpp"

#if defined(DROVER_BENCH_CEREAL)
#include <cereal/archives/binary.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#endif

namespace drover {
namespace {

// A task result of the kind the codec is for; the one serialize serves both codecs.
struct Stats {
  std::int32_t x = 0, y = 0;
  std::string path;
  double mean = 0;
  std::vector<float> histogram;
  template <class A>
  void serialize(A& a) {
    a(x, y, path, mean, histogram);
  }
  bool operator==(const Stats&) const = default;
};

using Int64 = std::int64_t;
using Floats = std::vector<float>;

template <class T>
T sample();
template <>
Int64 sample<Int64>() {
  return 0x0123'4567'89ab'cdef;
}
template <>
Stats sample<Stats>() {
  Stats s{3, 4, "/scratch/drover/run-0042/chunk-00017.bin", 0.125, {}};
  for (int i = 0; i < 10; ++i) s.histogram.push_back(static_cast<float>(i) * 1.5f);
  return s;
}
template <>
Floats sample<Floats>() {
  Floats v(1000);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) * 0.25f;
  return v;
}

void report(benchmark::State& state, std::size_t encoded_bytes) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * encoded_bytes));
  state.counters["bytes"] = static_cast<double>(encoded_bytes);
}

template <class T>
void BM_serialize_drover(benchmark::State& state) {
  const T value = sample<T>();
  std::string bytes;
  T back{};
  for (auto _ : state) {
    bytes.clear();
    encode(value, bytes);
    decode(bytes, back);
    benchmark::DoNotOptimize(back);
    benchmark::ClobberMemory();
  }
  if (!(back == value)) state.SkipWithError("did not round-trip");
  report(state, bytes.size());
}

template <class T>
void BM_serialize_memcpy(benchmark::State& state) {
  const std::string encoded = encode(sample<T>());
  const std::size_t n = encoded.size();
  std::string wire(n, '\0'), back(n, '\0');
  for (auto _ : state) {
    std::memcpy(wire.data(), encoded.data(), n);
    benchmark::ClobberMemory();
    std::memcpy(back.data(), wire.data(), n);
    benchmark::DoNotOptimize(back.data());
    benchmark::ClobberMemory();
  }
  report(state, n);
}

#if defined(DROVER_BENCH_CEREAL)
// cereal's archives take streams. These two over a reused string and its bytes keep allocation and
// stringstream bookkeeping out of cereal's numbers: what is left is its archives and ostream calls.
class AppendBuf : public std::streambuf {
 public:
  explicit AppendBuf(std::string& out) : out_(out) {}

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out_.append(s, static_cast<std::size_t>(n));
    return n;
  }
  int_type overflow(int_type c) override {
    if (!traits_type::eq_int_type(c, traits_type::eof())) out_ += traits_type::to_char_type(c);
    return traits_type::not_eof(c);
  }

 private:
  std::string& out_;
};

class SpanBuf : public std::streambuf {
 public:
  void reset(std::span<const char> bytes) {
    char* p = const_cast<char*>(bytes.data());  // the get area is only read
    setg(p, p, p + bytes.size());
  }
};

template <class T>
void BM_serialize_cereal(benchmark::State& state) {
  const T value = sample<T>();
  std::string bytes;
  T back{};
  AppendBuf out_buf(bytes);
  SpanBuf in_buf;
  std::ostream out(&out_buf);
  std::istream in(&in_buf);
  for (auto _ : state) {
    bytes.clear();
    {
      cereal::BinaryOutputArchive archive(out);
      archive(value);
    }
    in_buf.reset(bytes);
    in.clear();
    {
      cereal::BinaryInputArchive archive(in);
      archive(back);
    }
    benchmark::DoNotOptimize(back);
    benchmark::ClobberMemory();
  }
  if (!(back == value)) state.SkipWithError("did not round-trip");
  report(state, bytes.size());
}

// cereal as its documentation shows it: a fresh stringstream each way.
template <class T>
void BM_serialize_cereal_sstream(benchmark::State& state) {
  const T value = sample<T>();
  T back{};
  std::size_t size = 0;
  for (auto _ : state) {
    std::ostringstream out;
    {
      cereal::BinaryOutputArchive archive(out);
      archive(value);
    }
    std::istringstream in(out.str());
    size = static_cast<std::size_t>(out.tellp());
    {
      cereal::BinaryInputArchive archive(in);
      archive(back);
    }
    benchmark::DoNotOptimize(back);
    benchmark::ClobberMemory();
  }
  if (!(back == value)) state.SkipWithError("did not round-trip");
  report(state, size);
}
#endif

BENCHMARK_TEMPLATE(BM_serialize_drover, Int64)->MinTime(0.2);
BENCHMARK_TEMPLATE(BM_serialize_drover, Stats)->MinTime(0.2);
BENCHMARK_TEMPLATE(BM_serialize_drover, Floats)->MinTime(0.2);
#if defined(DROVER_BENCH_CEREAL)
BENCHMARK_TEMPLATE(BM_serialize_cereal, Int64)->MinTime(0.2);
BENCHMARK_TEMPLATE(BM_serialize_cereal, Stats)->MinTime(0.2);
BENCHMARK_TEMPLATE(BM_serialize_cereal, Floats)->MinTime(0.2);
BENCHMARK_TEMPLATE(BM_serialize_cereal_sstream, Int64)->MinTime(0.2);
BENCHMARK_TEMPLATE(BM_serialize_cereal_sstream, Stats)->MinTime(0.2);
BENCHMARK_TEMPLATE(BM_serialize_cereal_sstream, Floats)->MinTime(0.2);
#endif
BENCHMARK_TEMPLATE(BM_serialize_memcpy, Int64)->MinTime(0.2);
BENCHMARK_TEMPLATE(BM_serialize_memcpy, Stats)->MinTime(0.2);
BENCHMARK_TEMPLATE(BM_serialize_memcpy, Floats)->MinTime(0.2);

}  // namespace
}  // namespace drover
