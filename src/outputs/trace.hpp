// A run as a Chrome trace (JSON trace events): one bar per span, a row per rank and thread.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "model/task_source.hpp"
#include "outputs/report.hpp"
#include "scheduling/consumer.hpp"

namespace drover {

// Writes the trace-event JSON array format that Perfetto (ui.perfetto.dev) and
// chrome://tracing open: one complete event ("ph":"X") per span, with
// pid = rank and tid = thread (pool threads 0..T-1, the io lane T, the comm
// thread T+1, T from the rank's Hello), named after the kind ("square x 512"
// when a span times 512 tasks), args {id, input, n} of the span's first task
// (and failed, when tasks of the span failed); then metadata events naming
// every process "rank R (host)" and thread "pool t" / "io lane" / "comm".
//
// Streamed: events go out through a 1 MiB buffer as batches arrive; nothing of
// the run is held. The array format tolerates a missing closing bracket, so a
// run killed mid-way still leaves a trace the viewers open.
class TraceWriter final : public ResultConsumer {
 public:
  // `origin_us` (microseconds since the Unix epoch) is time zero of the trace;
  // by default the time of construction, which is before any task of the run
  // starts. Not the first event seen: results arrive out of start order, and
  // Perfetto rejects negative timestamps (a span that still starts before the
  // origin, with another host's clock behind, is moved to 0 and says so in
  // its args). Throws InputError naming `path` when it cannot be created.
  // `path` "-" is stdout (flushed at close, not closed).
  TraceWriter(const std::string& path, std::vector<RankInfo> ranks, Generator generator,
              std::optional<std::int64_t> origin_us = std::nullopt);
  ~TraceWriter() override;
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  void consume(const TaskBatch& tasks, const ResultBatch& results) override;
  // Writes nothing: a replayed batch ran in an earlier run (--resume), whose
  // times belong to that run's timeline, not this one.
  void consume_replayed(const JournalBatch&) override {}

  // Ends the JSON array and closes the file; throws std::runtime_error naming
  // the path when anything could not be written. Idempotent.
  void close();

  std::uint64_t events() const { return events_; }  // complete events written so far

 private:
  void write_metadata();
  void write_span(const TaskBatch& batch, const ResultBatch& results, const Span& span,
                  std::size_t failed);
  void begin_event();
  void flush_buffer();

  std::string path_;
  std::vector<RankInfo> ranks_;
  Generator generator_;
  std::int64_t origin_us_;
  std::FILE* file_ = nullptr;
  bool owns_file_ = true;  // false for stdout
  bool write_failed_ = false;
  int write_error_ = 0;  // errno of the first failed write
  std::string buffer_;
  std::uint64_t events_ = 0;
  bool first_event_ = true;
  TaskSpec scratch_;  // the first task of a range span, rebuilt from the generator
};

}  // namespace drover
