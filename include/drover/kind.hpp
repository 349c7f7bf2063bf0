// What a kind of task is to drover: a registered name, a lane, and typed input and output as bytes.
//
// Every kind, the built-in square, crunch and download as much as a user's
// own, is one KindOps given to register_kind() before the runtime starts. The
// typed layer (drover/task.hpp, DROVER_TASK) builds a KindOps from a plain C++
// function; this header is the untyped record underneath, for kinds that need
// more (a block kernel, an IO kind on the async lane, a task-file parser).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace drover {

// Where a kind's tasks run: CPU kinds on the rank's thread pool, IO kinds on
// its async lane, whose concurrency is not capped by the number of cores.
enum class Lane : std::uint8_t { cpu = 0, io = 1 };

// A kind's position in the registry sorted by name: every rank of one binary
// derives the same ids whatever the order of static initialisation.
using KindId = std::uint16_t;

// A batch of one IO kind's tasks, handed to KindOps::start on the async lane's
// thread. Every method is for that thread only. The batch stays alive until
// each of its tasks got finish() or fail() exactly once.
class IoBatch {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~IoBatch() = default;
  virtual std::size_t size() const = 0;
  // The encoded input of task i (valid until the next call of input()).
  virtual std::span<const char> input(std::size_t i) = 0;
  // Task i is done: its encoded output, and when it started and ended.
  virtual void finish(std::size_t i, std::span<const char> output, Clock::time_point started,
                      Clock::time_point ended) = 0;
  // Task i failed: failures are data, the rank carries on.
  virtual void fail(std::size_t i, std::string_view message) = 0;
  // Task i was never started because the run is stopping (KindOps::drain):
  // no failure of the task; rank 0 leaves it unfinished for --resume.
  virtual void not_started(std::size_t i) { fail(i, "not started: drover is stopping"); }
  // Task i failed but has an output all the same (a command that exited 3
  // still has its exit code, times and rusage for the row). Kinds whose
  // outputs have a fixed size get zeros instead, as for fail().
  virtual void fail_with_output(std::size_t i, std::string_view message,
                                std::span<const char> output, Clock::time_point started,
                                Clock::time_point ended) = 0;
  // Task i's id in the run, and its attempt: 1, or 2 and up when retried.
  virtual std::uint64_t task_id(std::size_t i) const = 0;
  virtual std::uint32_t attempt(std::size_t i) const = 0;
  // This rank's number, and its pool threads (its share of the node's cores).
  virtual int rank() const = 0;
  virtual unsigned threads() const = 0;
  // The lane's Boost.Asio io_context, for kinds that wait on sockets, pipes
  // or processes. Handlers run on the lane thread; they must not throw.
  virtual boost::asio::io_context& io_context() = 0;
  // What this kind keeps on this rank's lane across batches (a connection
  // pool, the running processes): empty until the kind fills it, destroyed
  // after the lane's last task, off the lane thread once it has stopped.
  virtual std::shared_ptr<void>& lane_state() = 0;
  // Writes whole lines (each ending with '\n') to drover's stdout, or its
  // stderr: what a task printed. Valid, from the lane thread, as long as the
  // lane state; under mpirun every rank's lines reach rank 0's stdout whole.
  virtual std::function<void(bool to_stderr, std::string_view lines)> line_writer() = 0;
  // The run's settings for this kind, as whoever started the run set them
  // (the CLI's --slots, --timeout, ... for exec): bytes the kind decodes, the
  // same on every rank; empty when none were given.
  virtual std::string_view settings() const = 0;
  // Calls `then` on the lane thread at `deadline` (at once if it has passed).
  virtual void at(Clock::time_point deadline, std::function<void()> then) = 0;
  // Whether per-task lines are wanted (the CLI's -q turns them off), and one
  // whole line to print, prefixed with the rank, pid and lane.
  virtual bool announcing() const = 0;
  virtual void announce(std::string_view line) = 0;
};

struct KindOps {
  std::string name;  // what task files, the CLI and the result rows call it
  Lane lane = Lane::cpu;
  // Readable shapes of the encoded input and output ("i64", "{str,f64}"): part
  // of the registry fingerprint that every rank must agree on.
  std::string input_type;
  std::string output_type;
  // Encoded sizes when every input (output) has the same size, else 0. A
  // fixed output size lets a batch's outputs travel as one packed array.
  std::uint32_t input_size = 0;
  std::uint32_t output_size = 0;
  // True when every task costs about the same whatever its input, so a
  // measured cost of one predicts the next (cheap batches may then run on
  // the comm thread). False for kinds like crunch, whose input is its cost.
  bool uniform_cost = false;

  // CPU kinds: runs one task, appending its encoded output to `output`
  // (empty on entry). Throws to fail the task with the exception's message.
  std::function<void(std::span<const char> input, std::string& output)> run;
  // Optional, for fixed-size inputs and outputs: runs n tasks whose inputs lie
  // packed in `inputs`, writing packed outputs, and returns how many from the
  // start succeeded; the task after those is run again through `run`, whose
  // throw gives its message. For kernels too cheap for a call each.
  std::function<std::size_t(const char* inputs, std::size_t n, char* outputs)> run_block;

  // IO kinds: starts a batch on the async lane (see IoBatch). Never blocks.
  std::function<void(IoBatch& batch)> start;
  // IO kinds, optional: the rank is leaving with tasks still running (a clean
  // stop whose grace ran out). Called on the lane thread with the kind's
  // lane_state(); ends what runs (exec: SIGTERM, then SIGKILL, to each
  // command's process group) and calls `done` once it has. Those tasks need
  // not be finished: the journal does not hold them and --resume runs them.
  std::function<void(std::shared_ptr<void>& state, std::function<void()> done)> abandon;
  // IO kinds, optional: the run is stopping (a signal, the time limit,
  // --halt). Called on the lane thread with the kind's lane_state(): start
  // none of the tasks held queued, nor any that arrive from now on, and hand
  // each back with IoBatch::not_started; running ones go on.
  std::function<void(std::shared_ptr<void>& state)> drain;
  // Optional, CPU kinds whose cost follows from the input (crunch: its count):
  // a task's work in any unit of the kind's own, proportional to its run time.
  // The scheduler then learns seconds per unit and fills each batch up to its
  // time target by predicted work, so a few expensive tasks among many cheap
  // ones are not sent together to one rank. Called on rank 0 for every task
  // of a task file or a library call (not for generated ranges): keep it cheap.
  std::function<double(std::span<const char> input)> work_of;
  // Optional: the cores (the rank's slots) a task takes, from its input
  // (exec's "cores"), so a task no rank can hold is refused at start-up.
  std::function<std::uint32_t(std::span<const char> input)> cores_of;
  // A barrier: a task of this kind starts only once every task before it has
  // finished, and every task after it waits for it. It runs nowhere; its row
  // is ok with no value.
  bool barrier = false;

  // Task files: the encoded input from one line's JSON object (its "kind"
  // included). Throws InputError naming the field; the caller adds file:line.
  std::function<void(const nlohmann::json& object, std::string& input)> parse_json;
  // Result rows: the input and the value as JSON values.
  std::function<void(std::span<const char> input, std::string& out)> input_json;
  std::function<void(std::span<const char> output, std::string& out)> value_json;
  // Optional second figure of a result (crunch: ns per increment), appended as
  // a JSON value; returns false when there is none. metric_name says what it is.
  std::function<bool(std::span<const char> output, std::string& out)> metric_json;
  std::string metric_name;
  // Optional named figures beyond value and metric, each a column of the
  // result rows (exec: signal, user_s, sys_s, max_rss_kib, ...). field_json
  // appends field `index` of an output as a JSON value, or returns false for
  // none (null).
  std::vector<std::string> field_names;
  std::function<bool(std::span<const char> output, std::size_t index, std::string& out)> field_json;
  // A 64-bit figure of an output whose wrapping sum per kind is a cheap check
  // that two runs agree (an integer output's value, else a hash of its bytes).
  std::function<std::uint64_t(std::span<const char> output)> checksum;

  // Generated workloads (drover run KIND --count N): the input of task `id`
  // from the generator's encoded parameters. Optional.
  std::function<void(std::span<const char> params, std::uint64_t id, std::string& input)> generate;
  // Optional, with fixed-size inputs: n consecutive generated inputs, packed.
  std::function<void(std::span<const char> params, std::uint64_t first_id, std::size_t n,
                     char* inputs)>
      generate_block;
  // Optional, with a fixed-size output: generates and runs items [first, first + n)
  // in one pass, writing packed outputs; returns how many from the start
  // succeeded (as run_block). For kernels that are cheaper than storing their
  // inputs (square: 0.25 ns a task, a quarter of what writing and reading the
  // inputs back costs).
  std::function<std::size_t(std::span<const char> params, std::uint64_t first, std::size_t n,
                            char* outputs)>
      run_range;

  KindId id = 0;  // set by the registry when it is sealed
};

// Adds a kind. Call before the runtime starts (a static initialiser is the
// usual place: DROVER_TASK does that). Throws std::logic_error for a name
// already taken, an empty name, a kind without run (CPU) or start (IO), or a
// registry already sealed by a running job.
void register_kind(KindOps ops);

}  // namespace drover
