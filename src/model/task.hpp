// Value types for work items and their results: what travels between ranks and into the journal.
#pragma once

#include <drover/detail/bytes.hpp>
#include <drover/kind.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace drover {

using detail::Bytes;  // outputs, messages and records: sized, then written

// What one task asks for: a kind and its encoded input (the kind's codec
// decides the bytes; an int64 is 8 of them and fits std::string's inline
// buffer, so a task of a small input allocates nothing).
struct TaskSpec {
  KindId kind = 0;
  std::string input;
  // The task line's own "tag" (empty: none), echoed in its row and kept in
  // the journal. Rank 0's only: it does not travel to the ranks.
  std::string tag;
  bool operator==(const TaskSpec&) const = default;
};

struct Task {
  std::uint64_t id = 0;  // dense, 0-based: generated index or task-file ordinal
  TaskSpec spec;
  bool operator==(const Task&) const = default;
};

// A batch of tasks for one rank. Generated work travels as an id range: the
// worker rebuilds each input with the kind's generator from the batch's
// parameters, so a batch of a million squares is a few bytes; other work
// travels as explicit tasks. Either way the ids of a batch are consecutive:
// [first_id, first_id + size()).
struct TaskBatch {
  std::uint64_t seq = 0;  // assigned by the scheduler, echoed in the reply
  std::uint64_t first_id = 0;
  std::uint32_t count = 0;  // used when tasks is empty (a generated range)
  Lane lane = Lane::cpu;    // every task of a batch runs on the same lane
  std::vector<Task> tasks;  // explicit tasks; empty for a generated range
  // A range's kind and generator parameters: task first_id + i has the input
  // kind.generate(params, first_item + i). A run's generator numbers its items
  // by task id (first_item == first_id); a library call's from its first task.
  KindId kind = 0;
  std::string params;
  std::uint64_t first_item = 0;
  // 1 for a first run; a retry batch (one task) has the attempt it will be.
  std::uint32_t attempt = 1;

  std::size_t size() const { return tasks.empty() ? count : tasks.size(); }
  bool is_range() const { return tasks.empty(); }
  bool operator==(const TaskBatch&) const = default;
};

// Timing and placement for tasks [first, first + count) of a batch. Kinds too
// cheap to time one by one (a block kernel) get one span per chunk; others one per task.
struct Span {
  std::uint32_t first = 0;
  std::uint32_t count = 0;
  std::uint32_t thread = 0;    // pool threads 0..T-1; the async lane T; the comm thread T+1
  std::uint32_t reserved = 0;  // fills what would be padding: spans go on the wire whole
  std::int64_t start_us = 0;   // microseconds since the Unix epoch
  std::int64_t end_us = 0;
  bool operator==(const Span&) const = default;
};

// Failure::type of a task its rank never started because the run was
// stopping (Transport::send_drain): rank 0 leaves it unfinished, so the journal
// does not hold it and --resume runs it; it is no failure of the task.
inline constexpr std::string_view kNotStarted = "drover::not_started";

// A task that threw: failures are data, the rank carries on.
struct Failure {
  Failure() = default;
  Failure(std::uint32_t index_, std::string message_, std::string type_ = {})
      : index(index_), message(std::move(message_)), type(std::move(type_)) {}
  std::uint32_t index = 0;  // position within the batch
  std::string message;
  std::string type;  // the exception's type name, when the task threw one
  bool operator==(const Failure&) const = default;
};

// Results for one TaskBatch, in the batch's task order. Outputs are the
// kinds' encoded bytes, packed: with a stride every output has that many
// bytes (a batch of one kind of fixed-size output: 10^6 squares are 8 MB and
// no offsets); without, ends[i] is where output i ends. A failed task's
// output is zeros (stride) or empty.
struct ResultBatch {
  std::uint64_t seq = 0;
  std::int32_t rank = 0;
  std::uint32_t count = 0;
  std::uint32_t stride = 0;
  Bytes outputs;
  std::vector<std::uint32_t> ends;  // when stride is 0: one per task, cumulative
  std::vector<Span> spans;          // cover every task exactly once, in order
  std::vector<Failure> failures;    // sorted by index
  // Rank 0 only, never on the wire: how many times each task ran (retries),
  // one per task, or empty when every task ran once.
  std::vector<std::uint32_t> attempts;

  std::size_t size() const { return count; }
  std::span<const char> output(std::size_t i) const {
    if (stride != 0) return {outputs.data() + i * stride, stride};
    const std::size_t begin = i == 0 ? 0 : ends[i - 1];
    return {outputs.data() + begin, ends[i] - begin};
  }
  // Why the outputs do not fit count, stride and ends, or null.
  const char* shape_problem() const {
    if (stride != 0) {
      if (!ends.empty()) return "both a stride and output offsets";
      if (outputs.size() != std::size_t{count} * stride) return "packed outputs of the wrong size";
      return nullptr;
    }
    if (ends.size() != count) return "output offset count differs from task count";
    std::uint32_t last = 0;
    for (const std::uint32_t end : ends) {
      if (end < last) return "output offsets out of order";
      last = end;
    }
    if (last != outputs.size()) return "output offsets do not end at the outputs' size";
    return nullptr;
  }
  bool operator==(const ResultBatch&) const = default;
};

}  // namespace drover
