// Test doubles for the scheduler: a transport that records, a consumer that collects.
#pragma once

#include <cstdint>
#include <vector>

#include "model/task_source.hpp"
#include "model_test_util.hpp"
#include "protocol/transport.hpp"
#include "scheduling/consumer.hpp"
#include "scheduling/scheduler.hpp"

namespace drover::testing {

struct Sent {
  int rank = 0;
  bool stop = false;
  TaskBatch batch;       // for work
  bool abandon = false;  // for stop
};

class RecordingTransport final : public Transport {
 public:
  void send_work(int rank, const TaskBatch& batch) override {
    sent.push_back({rank, false, batch});
  }
  void send_stop(int rank, bool abandon) override { sent.push_back({rank, true, {}, abandon}); }
  void send_drain(int rank) override { drained.push_back(rank); }
  void send_revoke(int rank, std::uint64_t seq) override { revoked.push_back({rank, seq}); }

  // Removes and returns what was sent since the last call.
  std::vector<Sent> take() {
    std::vector<Sent> out;
    out.swap(sent);
    return out;
  }
  std::vector<Sent> sent;
  std::vector<int> drained;  // ranks told to hand back their queued tasks
  struct Revoke {
    int rank;
    std::uint64_t seq;
  };
  std::vector<Revoke> revoked;  // Revokes, in the order sent
};

class CollectingConsumer final : public ResultConsumer {
 public:
  void consume(const TaskBatch& tasks, const ResultBatch& results) override {
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      ids.push_back(tasks.first_id + i);
      values.push_back(model_test::value_of(results, i));
    }
    ++batches;
  }
  std::vector<std::uint64_t> ids;
  std::vector<std::int64_t> values;
  int batches = 0;
};

// The scheduler tests' usual source.
inline Generator squares(std::uint64_t n) {
  return square_generator(n, 0);
}
inline Generator crunches(std::uint64_t n) {  // each counting to 1
  return crunch_generator(n, 1);
}
inline Generator downloads(std::uint64_t n) {
  return download_generator(n, 5, 10, 1);
}

// Ranks 0 and 1 with the given pool threads: the scheduler tests' usual workers.
inline SchedulerConfig two_workers(unsigned threads0 = 1, unsigned threads1 = 1) {
  SchedulerConfig c;
  c.workers = {WorkerSlot{0, threads0}, WorkerSlot{1, threads1}};
  return c;
}

// The results a worker would send for `batch`: value = id * 10, each task
// timed at `us_per_task` microseconds.
inline ResultBatch answer(const TaskBatch& batch, int rank, std::int64_t us_per_task = 1) {
  ResultBatch r;
  r.seq = batch.seq;
  r.rank = rank;
  const auto n = static_cast<std::uint32_t>(batch.size());
  std::vector<std::int64_t> values;
  for (std::uint32_t i = 0; i < n; ++i)
    values.push_back(static_cast<std::int64_t>(batch.first_id + i) * 10);
  model_test::set_values(r, values);
  r.spans.push_back(Span{0, n, 0, 0, 0, us_per_task * n});
  return r;
}

}  // namespace drover::testing
