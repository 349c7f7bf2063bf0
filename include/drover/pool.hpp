// Pool: map, map_unordered, try_map and submit of registered functions over every rank's threads.
#pragma once

#include <algorithm>
#include <cstring>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "drover/detail/channel.hpp"
#include "drover/errors.hpp"
#include "drover/future.hpp"
#include "drover/serialize.hpp"
#include "drover/task.hpp"

namespace drover {

// The integers [first, last) as a lazy range. A map over it of a task whose
// argument is an integer travels as (first, count): no input crosses ranks.
template <class T>
struct iota_range {
  static_assert(std::is_integral_v<T>, "drover::iota needs integers");
  T first;
  T last;
  struct iterator {
    T value;
    T operator*() const { return value; }
    iterator& operator++() {
      ++value;
      return *this;
    }
    bool operator!=(const iterator& other) const { return value != other.value; }
  };
  iterator begin() const { return {first}; }
  iterator end() const { return {last}; }
  std::uint64_t size() const { return last > first ? static_cast<std::uint64_t>(last - first) : 0; }
};
template <class T, class U>
iota_range<std::common_type_t<T, U>> iota(T first, U last) {
  using C = std::common_type_t<T, U>;
  return {static_cast<C>(first), static_cast<C>(last)};
}

// One item of try_map: its value, or what its task threw.
template <class T>
struct result {
  std::optional<T> value;
  std::optional<remote_error> error;
  bool ok() const noexcept { return value.has_value(); }
};

// The leader's handle on every rank's threads (Runtime::pool(), rank 0 only).
// Calls are made from one thread at a time.
class Pool {
 public:
  explicit Pool(detail::Service& service) : service_(&service) {}

  // The results of F over `inputs`, in order; rethrows the first failure
  // (after every task of the call has finished).
  template <auto F, class Range>
  std::vector<typename task_traits<F>::output> map(const Range& inputs) {
    std::vector<typename task_traits<F>::output> out;
    map<F>(inputs, [&](std::uint64_t, typename task_traits<F>::output&& v) {
      out.push_back(std::move(v));
    });
    return out;
  }
  // Streams results in input order to on_result(index, Out&&), as they can
  // be released: memory stays bounded for inputs of any length.
  template <auto F, class Range, class Fn>
  void map(const Range& inputs, Fn&& on_result) {
    run_map<F>(inputs, true, std::forward<Fn>(on_result), kRethrow);
  }
  // As map, but results in the order they finish.
  template <auto F, class Range, class Fn>
  void map_unordered(const Range& inputs, Fn&& on_result) {
    run_map<F>(inputs, false, std::forward<Fn>(on_result), kRethrow);
  }
  // Every item's value or failure, in order: failures as data, nothing thrown.
  template <auto F, class Range>
  std::vector<result<typename task_traits<F>::output>> try_map(const Range& inputs) {
    using Out = typename task_traits<F>::output;
    std::vector<result<Out>> out;
    const auto on_value = [&](std::uint64_t, Out&& v) {
      out.push_back(result<Out>{std::move(v), std::nullopt});
    };
    const auto on_failure = [&](std::uint64_t, remote_error&& e) {
      out.push_back(result<Out>{std::nullopt, std::move(e)});
    };
    run_map<F>(inputs, true, on_value, &on_failure);
    return out;
  }
  // Runs F(input) somewhere; the future gives its result.
  template <auto F>
  future<typename task_traits<F>::output> submit(const typename task_traits<F>::input& input) {
    std::vector<std::string> inputs(1);
    encode(input, inputs[0]);
    auto state = std::make_shared<detail::FutureState>();
    service_->submit(kind_of<F>(), inputs, state, 0);
    return future<typename task_traits<F>::output>(std::move(state));
  }

 private:
  // Items submitted ahead of those handed on: the bound on what a call holds
  // (its results wait there for an earlier one). About 32 MiB of outputs of
  // a fixed size, 64 Ki items of any other; a range is topped up a quarter
  // window at a time, so the ranks never wait for the caller.
  template <class Out>
  static constexpr std::uint64_t window() {
    constexpr std::size_t size = fixed_size_v<Out>;
    if constexpr (size == 0) {
      return std::uint64_t{1} << 16;
    } else {
      return std::clamp<std::uint64_t>((std::uint64_t{32} << 20) / size, 4096, std::uint64_t{1} << 22);
    }
  }
  static constexpr std::size_t kChunk = 1024;
  // No failure handler: the first failure is rethrown.
  using FailureHandler = void (*)(std::uint64_t, remote_error&&);
  static constexpr const FailureHandler* kRethrow = nullptr;

  template <auto F>
  KindId kind_of() const {
    return service_->kind_named(task_name<F>::value);
  }

  template <class Range>
  static constexpr bool is_iota = false;

  template <auto F, class Range, class Fn, class OnFailure>
  void run_map(const Range& inputs, bool ordered, Fn&& on_result, const OnFailure* on_failure);

  detail::Service* service_;
};

template <class T>
inline constexpr bool Pool::is_iota<iota_range<T>> = true;

template <auto F, class Range, class Fn, class OnFailure>
void Pool::run_map(const Range& inputs, bool ordered, Fn&& on_result,
                   const OnFailure* on_failure) {
  using In = typename task_traits<F>::input;
  using Out = typename task_traits<F>::output;
  const KindId kind = kind_of<F>();
  // No more than about twice what the ranks hold at once: results beyond
  // that only queue for this thread, and a long queue of them has left the
  // cache by the time it is read (a map of 1e8 squares on one rank: 412 M
  // results/s with a fixed 32 MiB window, about 910 with this one).
  const std::uint64_t kWindow =
      std::clamp<std::uint64_t>(2 * service_->in_flight(), 4096, window<Out>());
  auto channel = std::make_shared<detail::QueueChannel>();
  std::uint64_t produced = 0;   // items submitted
  std::uint64_t handed = 0;     // items handed on (in order when ordered)
  std::uint64_t received = 0;   // items whose results arrived
  std::optional<remote_error> first_failure;
  std::map<std::uint64_t, detail::Piece> waiting;  // ordered: pieces ahead of `handed`
  std::vector<detail::Piece> arrived;

  const auto hand_on = [&](detail::Piece& piece) {
    if constexpr (std::is_arithmetic_v<Out>) {
      // Numbers packed with nothing failed: a plain loop over them, which the
      // compiler can unroll or vectorise with the callback inlined (a
      // callback per result is most of what the caller's thread does).
      if (piece.failures.empty() && piece.stride == sizeof(Out) && !first_failure) {
        const char* bytes = piece.outputs.data();
        const std::uint64_t first = piece.first_index;
        for (std::uint32_t i = 0; i < piece.count; ++i) {
          Out v;
          std::memcpy(&v, bytes + std::size_t{i} * sizeof(Out), sizeof(Out));
          on_result(first + i, std::move(v));
        }
        handed += piece.count;
        return;
      }
    }
    std::size_t next_failure = 0;
    for (std::uint32_t i = 0; i < piece.count; ++i) {
      const std::uint64_t index = piece.first_index + i;
      const bool failed =
          next_failure < piece.failures.size() && piece.failures[next_failure].offset == i;
      if (failed) {
        remote_error e = piece.error(piece.failures[next_failure++]);
        if (on_failure != nullptr) {
          (*on_failure)(index, std::move(e));
        } else if (!first_failure) {
          first_failure.emplace(std::move(e));
        }
      } else if (!first_failure) {
        if constexpr (std::is_arithmetic_v<Out>) {
          Out v;  // a number: its bytes, as the kind wrote them
          std::memcpy(&v, piece.output(i).data(), sizeof(Out));
          on_result(index, std::move(v));
        } else {
          on_result(index, decode<Out>(piece.output(i)));
        }
      }
    }
    handed += piece.count;
  };
  const auto drain = [&] {
    channel->wait_drain(arrived);
    for (detail::Piece& piece : arrived) {
      received += piece.count;
      if (!ordered) {
        hand_on(piece);
      } else {
        const std::uint64_t first = piece.first_index;
        waiting.emplace(first, std::move(piece));
      }
    }
    arrived.clear();
    while (!waiting.empty() && waiting.begin()->first == handed) {
      hand_on(waiting.begin()->second);
      waiting.erase(waiting.begin());
    }
  };

  if constexpr (is_iota<Range> && std::is_integral_v<In> && !std::is_same_v<In, bool>) {
    // Generated where they run: item i is first + i (the kind's generate).
    const std::uint64_t total = inputs.size();
    // A quarter of what may be pending, too: a submission larger than the
    // room left waits until everything before it is done, and the ranks
    // would idle at each chunk's end.
    const std::uint64_t chunk =
        std::max<std::uint64_t>(1, std::min(kWindow, service_->max_pending()) / 4);
    while (produced < total || received < produced) {
      if (produced < total && !first_failure && produced - handed < kWindow) {
        const std::uint64_t n = std::min<std::uint64_t>(chunk, total - produced);
        std::string chunk_params;
        encode(static_cast<std::uint64_t>(static_cast<std::int64_t>(inputs.first)) + produced,
               chunk_params);
        service_->submit_range(kind, n, chunk_params, channel, produced);
        produced += n;
        continue;
      }
      if (received == produced) break;  // stopped producing after a failure
      drain();
    }
  } else {
    auto it = std::begin(inputs);
    const auto end = std::end(inputs);
    std::vector<std::string> chunk;
    const std::uint64_t chunk_size =
        std::max<std::uint64_t>(1, std::min<std::uint64_t>(kChunk, service_->max_pending() / 4));
    while (it != end || received < produced) {
      if (it != end && !first_failure && produced - handed < kWindow) {
        chunk.clear();
        while (it != end && chunk.size() < chunk_size) {
          chunk.emplace_back();
          encode(static_cast<const In&>(*it), chunk.back());
          ++it;
        }
        const std::uint64_t n = chunk.size();
        service_->submit(kind, chunk, channel, produced);
        produced += n;
        continue;
      }
      if (received == produced) break;
      drain();
    }
  }
  if (first_failure) throw *first_failure;
}

}  // namespace drover
