// Value types for work items and their results: what travels between ranks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace drover {

// Built-in work kinds. The numeric values go on the wire: append, never reorder.
enum class KindId : std::uint8_t { square = 0, crunch = 1, download = 2 };
inline constexpr std::size_t kKindCount = 3;

// Where a kind runs: CPU kinds on the thread pool, IO kinds on the async lane.
enum class Lane : std::uint8_t { cpu = 0, io = 1 };

// What one task asks for. Which fields matter depends on the kind.
struct TaskSpec {
  KindId kind = KindId::square;
  std::int64_t n = 0;  // square: the number; crunch: increments to count
  double seconds = 0;  // download: simulated duration
  std::string name;    // download: file name
  bool operator==(const TaskSpec&) const = default;
};

struct Task {
  std::uint64_t id = 0;  // dense, 0-based: generated index or task-file ordinal
  TaskSpec spec;
  bool operator==(const Task&) const = default;
};

// A batch of tasks for one rank. Generated workloads travel as an id range
// (the worker rebuilds each task from the shared Generator), so a batch of a
// million squares is a few bytes; task-file work travels as explicit tasks.
// Either way the ids of a batch are consecutive: [first_id, first_id + size()).
struct TaskBatch {
  std::uint64_t seq = 0;  // assigned by the scheduler, echoed in the reply
  std::uint64_t first_id = 0;
  std::uint32_t count = 0;  // used when tasks is empty (a generated range)
  Lane lane = Lane::cpu;    // every task of a batch runs on the same lane
  std::vector<Task> tasks;  // explicit tasks; empty for a generated range

  std::size_t size() const { return tasks.empty() ? count : tasks.size(); }
  bool is_range() const { return tasks.empty(); }
  bool operator==(const TaskBatch&) const = default;
};

// Timing and placement for tasks [first, first + count) of a batch. CPU kinds
// too cheap to time one by one (square) get one span per chunk; others one per task.
struct Span {
  std::uint32_t first = 0;
  std::uint32_t count = 0;
  std::uint32_t thread = 0;    // pool threads 0..T-1; the async lane T; the comm thread T+1
  std::uint32_t reserved = 0;  // fills what would be padding: spans go on the wire whole
  std::int64_t start_us = 0;   // microseconds since the Unix epoch
  std::int64_t end_us = 0;
  bool operator==(const Span&) const = default;
};

// A task that threw: failures are data, the rank carries on.
struct Failure {
  std::uint32_t index = 0;  // position within the batch
  std::string message;
  bool operator==(const Failure&) const = default;
};

// Results for one TaskBatch, in the batch's task order.
struct ResultBatch {
  std::uint64_t seq = 0;
  std::int32_t rank = 0;
  std::vector<std::int64_t> values;  // one per task; 0 where the task failed
  std::vector<double> metrics;       // one per task, or empty when no task has one
  std::vector<Span> spans;           // cover every task exactly once, in order
  std::vector<Failure> failures;     // sorted by index
  // Rank 0 only, never on the wire: how many times each task ran (retries),
  // one per task, or empty when every task ran once.
  std::vector<std::uint32_t> attempts;

  std::size_t size() const { return values.size(); }
  bool operator==(const ResultBatch&) const = default;
};

}  // namespace drover
