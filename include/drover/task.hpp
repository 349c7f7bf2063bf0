// Plain C++ functions as kinds: DROVER_TASK(f) registers `Out f(In)` on every rank of an SPMD program.
//
//   std::int64_t square(std::int64_t n) { return n * n; }
//   DROVER_TASK(square);   // at global scope, after the function
//
// In and Out are any types drover/serialize.hpp can encode. The kind is named
// after the function ("square"); DROVER_TASK_NAMED(f, "name") picks another
// name. A task that throws fails as data: the caller gets drover::remote_error.
// In a program of several files, DROVER_TASK_DECLARE(f) in a header lets other
// files name f in pool calls, and DROVER_TASK_DEFINE(f) in one file registers it.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "drover/errors.hpp"
#include "drover/json.hpp"
#include "drover/kind.hpp"
#include "drover/serialize.hpp"

namespace drover {

namespace detail {

template <class F>
struct signature;
template <class R, class A>
struct signature<R (*)(A)> {
  using result = R;
  using argument = std::remove_cvref_t<A>;
};
template <class R, class A>
struct signature<R (*)(A) noexcept> : signature<R (*)(A)> {};

// Items [from, from + n) of an iota range through F, outputs packed; how many
// succeeded from the start. Inlined into each ISA's copy below.
template <auto F, class In, class Out>
[[gnu::always_inline]] inline std::size_t run_range_body(std::uint64_t from, std::size_t n,
                                                         char* outputs) {
  for (std::size_t i = 0; i < n; ++i) {
    try {
      const Out out = F(static_cast<In>(from + i));
      std::memcpy(outputs + i * sizeof(Out), &out, sizeof(Out));
    } catch (...) {
      return i;
    }
  }
  return n;
}

// Baseline x86-64 has no 64-bit vector multiply, so a loop of integer
// arithmetic stays scalar; a copy built for AVX2, picked at run time, lets
// g++ vectorise it where F is inlined (a square map: about twice the rate).
// Dispatch by hand, not target_clones: those resolve through an ifunc at
// load time, which TSan binaries crash on, and they do not apply to templates.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
template <auto F, class In, class Out>
__attribute__((target("avx2"))) std::size_t run_range_avx2(std::uint64_t from, std::size_t n,
                                                           char* outputs) {
  return run_range_body<F, In, Out>(from, n, outputs);
}
template <auto F, class In, class Out>
std::size_t run_range_fast(std::uint64_t from, std::size_t n, char* outputs) {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) return run_range_avx2<F, In, Out>(from, n, outputs);
  return run_range_body<F, In, Out>(from, n, outputs);
}
#else
template <auto F, class In, class Out>
std::size_t run_range_fast(std::uint64_t from, std::size_t n, char* outputs) {
  return run_range_body<F, In, Out>(from, n, outputs);
}
#endif

}  // namespace detail

// What a registered function takes and returns.
template <auto F>
struct task_traits {
  static_assert(std::is_pointer_v<decltype(F)> &&
                    std::is_function_v<std::remove_pointer_t<decltype(F)>>,
                "drover: a task is a plain function taking one argument: Out f(In)");
  using sig = detail::signature<decltype(F)>;
  using input = typename sig::argument;
  using output = typename sig::result;
  static_assert(!std::is_void_v<output>, "drover: a task returns its result (not void)");
  static_assert(is_serializable_v<input>,
                "drover: the task's argument type cannot be serialised: give it a "
                "serialize(A&) member or free function, or make it trivially copyable");
  static_assert(is_serializable_v<output>,
                "drover: the task's result type cannot be serialised: give it a "
                "serialize(A&) member or free function, or make it trivially copyable");
};

// The name F was registered under; only DROVER_TASK / DROVER_TASK_DECLARE
// define it, so naming an unregistered function in a pool call fails to
// compile with the message below.
template <auto F>
struct task_name {
  static_assert(sizeof(decltype(F)) == 0,
                "drover: this function is not a registered task: add DROVER_TASK(f) at "
                "global scope after it (or DROVER_TASK_DECLARE(f) where it is declared)");
};

// The KindOps of `Out f(In)`: decode, call, encode; JSON rows from the codec's shapes.
template <auto F>
KindOps make_kind(std::string name) {
  using In = typename task_traits<F>::input;
  using Out = typename task_traits<F>::output;
  KindOps k;
  k.name = std::move(name);
  k.lane = Lane::cpu;
  k.input_type = type_name<In>();
  k.output_type = type_name<Out>();
  k.input_size = static_cast<std::uint32_t>(fixed_size_v<In>);
  k.output_size = static_cast<std::uint32_t>(fixed_size_v<Out>);
  k.run = [](std::span<const char> input, std::string& output) {
    encode(F(decode<In>(input)), output);
  };
  k.input_json = [](std::span<const char> input, std::string& out) {
    append_json(decode<In>(input), out);
  };
  // Task files: {"kind": name, "input": <In as JSON>} (drover/json.hpp's shapes).
  k.parse_json = [](const nlohmann::json& object, std::string& input) {
    for (const auto& [key, value] : object.items()) {
      if (key != "kind" && key != "input") {
        throw std::invalid_argument("unknown field \"" + key + "\" (a task is {\"kind\", \"input\"})");
      }
    }
    const auto it = object.find("input");
    if (it == object.end()) throw std::invalid_argument("missing field \"input\"");
    In value{};
    from_json(*it, value);
    encode(value, input);
  };
  k.value_json = [](std::span<const char> output, std::string& out) {
    append_json(decode<Out>(output), out);
  };
  k.checksum = [](std::span<const char> output) {
    if constexpr (std::is_integral_v<Out> && sizeof(Out) <= 8) {
      return static_cast<std::uint64_t>(decode<Out>(output));
    } else {
      std::uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a of the bytes
      for (const char c : output) hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
      return hash;
    }
  };
  if constexpr (std::is_arithmetic_v<In> && std::is_arithmetic_v<Out>) {
    // Numbers in, numbers out: a batch runs as one loop over packed values,
    // with no call through KindOps per task. A task that throws stops the
    // loop; the executor runs it once more, alone, through run for its message.
    k.run_block = [](const char* inputs, std::size_t n, char* outputs) -> std::size_t {
      for (std::size_t i = 0; i < n; ++i) {
        In in;
        std::memcpy(&in, inputs + i * sizeof(In), sizeof(In));
        try {
          const Out out = F(in);
          std::memcpy(outputs + i * sizeof(Out), &out, sizeof(Out));
        } catch (...) {
          return i;
        }
      }
      return n;
    };
  }
  if constexpr (std::is_integral_v<In> && !std::is_same_v<In, bool>) {
    // drover::iota ranges travel as (first, count): inputs are rebuilt where
    // they run, from params = the input of task id 0, wrapping.
    k.generate = [](std::span<const char> params, std::uint64_t id, std::string& input) {
      std::uint64_t base = 0;
      std::memcpy(&base, params.data(), std::min(params.size(), sizeof base));
      encode(static_cast<In>(base + id), input);
    };
    k.generate_block = [](std::span<const char> params, std::uint64_t first_id, std::size_t n,
                          char* inputs) {
      std::uint64_t base = 0;
      std::memcpy(&base, params.data(), std::min(params.size(), sizeof base));
      for (std::size_t i = 0; i < n; ++i) {
        const In v = static_cast<In>(base + first_id + i);
        std::memcpy(inputs + i * sizeof(In), &v, sizeof(In));
      }
    };
    if constexpr (std::is_arithmetic_v<Out>) {
      // An iota range of a number-to-number task in one pass: inputs are
      // never stored (for a square, half the worker's time was writing and
      // reading them back).
      k.run_range = [](std::span<const char> params, std::uint64_t first, std::size_t n,
                       char* outputs) -> std::size_t {
        std::uint64_t base = 0;
        std::memcpy(&base, params.data(), std::min(params.size(), sizeof base));
        return detail::run_range_fast<F, In, Out>(base + first, n, outputs);
      };
    }
  }
  return k;
}

// Registers a kind at static initialisation.
struct TaskRegistration {
  explicit TaskRegistration(KindOps ops) { register_kind(std::move(ops)); }
};

}  // namespace drover

#define DROVER_DETAIL_CONCAT2(a, b) a##b
#define DROVER_DETAIL_CONCAT(a, b) DROVER_DETAIL_CONCAT2(a, b)

// Names `f` for pool calls (a header may hold this); registers nothing.
#define DROVER_TASK_DECLARE_NAMED(f, kind_name)       \
  template <>                                         \
  struct drover::task_name<&f> {                      \
    static constexpr const char* value = kind_name;   \
  }
#define DROVER_TASK_DECLARE(f) DROVER_TASK_DECLARE_NAMED(f, #f)

// Registers `f` under the name it was declared with (one file of the program).
#define DROVER_TASK_DEFINE(f)                                                    \
  static const ::drover::TaskRegistration DROVER_DETAIL_CONCAT(drover_task_, __LINE__) { \
    ::drover::make_kind<&f>(::drover::task_name<&f>::value)                      \
  }

// Declares and registers `f`: the usual one-line form, at global scope.
#define DROVER_TASK_NAMED(f, kind_name)   \
  DROVER_TASK_DECLARE_NAMED(f, kind_name); \
  DROVER_TASK_DEFINE(f)
#define DROVER_TASK(f) DROVER_TASK_NAMED(f, #f)
