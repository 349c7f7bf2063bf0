// A discrete-event simulation of ranks running what the pure Scheduler sends: balance measured
// without MPI.
//
// Simulated time only, no clocks, so every figure is deterministic. Each
// rank has `threads` pool threads taking its batches in arrival order and
// running each batch's tasks one after another (and answering Revokes as
// the executor does); a message takes `latency`
// each way; rank 0's scheduler is one server that spends `leader_per_batch`
// per batch it handles. Task costs are the tasks' inputs (nanoseconds, as
// int64), so the kind decides whether the scheduler may read them as a cost
// hint (crunch: KindOps::work_of) or must learn from what batches took.
// Used by tests/unit/test_scheduler_sim.cpp (makespan within a stated factor
// of the ideal) and tests/bench/scheduler_sim.cpp (the README's table).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "kinds/pod.hpp"
#include "model/kinds.hpp"
#include "model/task_source.hpp"
#include "protocol/messages.hpp"
#include "protocol/transport.hpp"
#include "scheduling/consumer.hpp"
#include "scheduling/scheduler.hpp"

namespace drover::sim {

// Tasks from a vector of costs, streamed like a task file (explicit tasks, total known).
class CostSource final : public TaskSource {
 public:
  CostSource(KindId kind, std::vector<std::int64_t> ns) : kind_(kind), ns_(std::move(ns)) {}
  std::optional<std::uint64_t> total() const override { return ns_.size(); }
  std::optional<KindId> peek_kind() override {
    if (next_ >= ns_.size()) return std::nullopt;
    return kind_;
  }
  bool next_batch(std::size_t max_tasks, TaskBatch& batch) override {
    batch.tasks.clear();
    batch.first_id = next_;
    batch.count = 0;
    batch.lane = Lane::cpu;
    if (next_ >= ns_.size()) return false;
    while (next_ < ns_.size() && batch.tasks.size() < std::max<std::size_t>(max_tasks, 1)) {
      TaskSpec spec;
      spec.kind = kind_;
      builtin::put_pod(spec.input, ns_[next_]);
      if (!batch.tasks.empty() && limit_ != nullptr && !limit_->admits(spec)) break;
      if (batch.tasks.empty() && limit_ != nullptr) limit_->begin(spec);
      batch.tasks.push_back(Task{next_++, std::move(spec)});
    }
    return true;
  }
  std::uint64_t next_id() const override { return next_; }
  void skip_to(std::uint64_t id) override { next_ = std::max<std::uint64_t>(next_, id); }
  std::optional<TaskSpec> spec_of(std::uint64_t) const override { return std::nullopt; }
  void set_batch_limit(BatchLimit* limit) override { limit_ = limit; }

 private:
  KindId kind_;
  std::vector<std::int64_t> ns_;
  std::uint64_t next_ = 0;
  BatchLimit* limit_ = nullptr;
};

struct SimConfig {
  int ranks = 2;
  unsigned threads = 1;
  double latency = 20e-6;  // seconds, one way
  // Rank 0's time per batch handled (receive, schedule, send): the
  // scheduler's own estimate, SchedulerConfig::leader_seconds_per_batch.
  double leader_per_batch = SchedulerConfig{}.leader_seconds_per_batch;
  SchedulerConfig scheduler;  // workers are filled in from ranks and threads
};

struct SimResult {
  double makespan = 0;  // first dispatch to last result at rank 0
  double work = 0;      // sum of task costs
  double longest = 0;   // the longest task
  std::uint64_t batches = 0;
  std::uint64_t revokes = 0;     // Revokes the scheduler sent
  std::uint64_t taken_back = 0;  // tasks they took back and resent
  double workers = 0;  // pool threads in all
  // In-order list scheduling with no overhead: each task, in the file's
  // order, to the thread that frees first. What any scheduler that does not
  // read ahead and reorder the input can reach at best.
  double greedy = 0;
  // The best any schedule could do: all threads busy, or the longest task.
  double ideal() const { return std::max(work / workers, longest); }
  double ratio() const { return ideal() > 0 ? makespan / ideal() : 1.0; }
};

class SimTransport final : public Transport {
 public:
  struct Sent {
    int rank;
    TaskBatch batch;     // work, or empty for a revoke
    std::uint64_t revoke = 0;  // seq of the batch to take back; 0: work
  };
  void send_work(int rank, const TaskBatch& batch) override { sent.push_back({rank, batch, 0}); }
  void send_stop(int, bool) override { ++stops; }
  void send_revoke(int rank, std::uint64_t seq) override {
    sent.push_back({rank, TaskBatch{}, seq});
    ++revokes;
  }
  std::vector<Sent> sent;
  int stops = 0;
  int revokes = 0;
};

class NullSink final : public ResultConsumer {
 public:
  void consume(const TaskBatch&, const ResultBatch&) override {}
};

inline std::int64_t cost_ns(const Task& t) {
  return builtin::get_pod<std::int64_t>(
      std::span<const char>(t.spec.input.data(), t.spec.input.size()));
}

// Runs `costs` (ns per task, in order) as tasks of `kind` to the end.
//
// A rank's batches queue in arrival order for its threads; a batch runs on
// one thread, its tasks back to back, claimed as the executor claims them
// (a quarter of the batch at a time), so a Revoke takes back the tasks of
// a queued batch, or of a running one those after its current claim.
inline SimResult simulate(const SimConfig& cfg, KindId kind, std::vector<std::int64_t> costs) {
  SimResult out;
  for (std::int64_t c : costs) {
    out.work += static_cast<double>(c) * 1e-9;
    out.longest = std::max(out.longest, static_cast<double>(c) * 1e-9);
  }
  out.workers = static_cast<double>(cfg.ranks) * cfg.threads;
  {
    std::priority_queue<double, std::vector<double>, std::greater<>> free_at;
    for (double w = 0; w < out.workers; ++w) free_at.push(0.0);
    for (std::int64_t c : costs) {
      const double t = free_at.top() + static_cast<double>(c) * 1e-9;
      free_at.pop();
      free_at.push(t);
      out.greedy = std::max(out.greedy, t);
    }
  }
  SchedulerConfig config = cfg.scheduler;
  config.workers.clear();
  for (int r = 0; r < cfg.ranks; ++r) config.workers.push_back(WorkerSlot{r, cfg.threads});
  CostSource source(kind, std::move(costs));
  SimTransport transport;
  NullSink sink;
  Scheduler scheduler(config, source, transport, sink);

  enum class What { work, revoke, thread_free, results, revoked };
  struct Event {
    double at;
    std::uint64_t order;  // ties in send order: deterministic, and no message overtakes
    What what;
    int rank;
    unsigned thread = 0;
    std::uint64_t version = 0;  // thread_free: stale once a revoke moved the end
    TaskBatch batch;
    ResultBatch results;
    from_worker::Revoked answer;
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : order > o.order; }
  };
  struct Running {
    TaskBatch batch;
    double start = 0;
    std::size_t kept = 0;  // tasks it will run (all, unless revoked)
    std::uint64_t version = 0;
    bool busy = false;
  };
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events;
  std::uint64_t order = 0;
  std::vector<std::deque<TaskBatch>> queued(cfg.ranks);
  std::vector<std::vector<Running>> threads(cfg.ranks, std::vector<Running>(cfg.threads));
  const auto seconds = [](const Task& t) { return static_cast<double>(cost_ns(t)) * 1e-9; };
  const auto us = [](double s) { return static_cast<std::int64_t>(std::llround(s * 1e6)); };
  const auto results_of = [&](const TaskBatch& b, std::size_t kept, int rank, unsigned thread,
                              double start, double end) {
    ResultBatch r;
    r.seq = b.seq;
    r.rank = rank;
    r.count = static_cast<std::uint32_t>(kept);
    r.stride = 8;
    r.outputs.assign(std::size_t{r.count} * 8, '\0');
    if (kept != 0) r.spans.push_back(Span{0, r.count, thread, 0, us(start), us(end)});
    return r;
  };
  const auto end_of = [&](const Running& run) {
    double end = run.start;
    for (std::size_t i = 0; i < run.kept; ++i) end += seconds(run.batch.tasks[i]);
    return end;
  };
  const auto start_queued = [&](int rank, double now) {
    for (unsigned t = 0; t < cfg.threads && !queued[rank].empty(); ++t) {
      Running& run = threads[rank][t];
      if (run.busy) continue;
      run.batch = std::move(queued[rank].front());
      queued[rank].pop_front();
      run.start = now;
      run.kept = run.batch.size();
      run.busy = true;
      ++run.version;
      events.push(Event{end_of(run), order++, What::thread_free, rank, t, run.version, {}, {}, {}});
    }
  };
  const auto ship = [&](double now) {
    for (SimTransport::Sent& s : transport.sent) {
      if (s.revoke == 0) ++out.batches;
      events.push(Event{now + cfg.latency, order++, s.revoke == 0 ? What::work : What::revoke,
                        s.rank, 0, 0, std::move(s.batch), {}, from_worker::Revoked{s.revoke, false, 0}});
    }
    transport.sent.clear();
  };
  // A revoke at `now`: the tasks not yet claimed (claims of a quarter of the batch).
  const auto revoke = [&](int rank, std::uint64_t seq, double now) {
    from_worker::Revoked answer{seq, false, 0};
    auto& q = queued[rank];
    for (auto it = q.begin(); it != q.end(); ++it) {
      if (it->seq != seq) continue;
      answer = {seq, true, 0};
      events.push(Event{now + cfg.latency, order++, What::revoked, rank, 0, 0, {}, {}, answer});
      events.push(Event{now + cfg.latency, order++, What::results, rank, 0, 0, {},
                        results_of(*it, 0, rank, 0, now, now), {}});
      q.erase(it);
      return;
    }
    for (unsigned t = 0; t < cfg.threads; ++t) {
      Running& run = threads[rank][t];
      if (!run.busy || run.batch.seq != seq) continue;
      const std::size_t n = run.batch.size();
      const std::size_t grain = std::max<std::size_t>(1, n / 4);
      std::size_t claimed = 0;
      double at = run.start;
      for (std::size_t i = 0; i < n; ++i) {
        if (i % grain == 0) {
          if (at > now) break;
          claimed = std::min(n, i + grain);
        }
        at += seconds(run.batch.tasks[i]);
      }
      if (claimed < run.kept) {
        run.kept = claimed;
        ++run.version;
        answer = {seq, true, static_cast<std::uint32_t>(claimed)};
        events.push(Event{end_of(run), order++, What::thread_free, rank, t, run.version, {}, {}, {}});
      }
      break;
    }
    events.push(Event{now + cfg.latency, order++, What::revoked, rank, 0, 0, {}, {}, answer});
  };
  scheduler.start();
  ship(0.0);
  double last = 0;
  double leader_free = 0;
  while (!events.empty()) {
    Event e = events.top();
    events.pop();
    switch (e.what) {
      case What::work:
        queued[e.rank].push_back(std::move(e.batch));
        start_queued(e.rank, e.at);
        break;
      case What::revoke:
        revoke(e.rank, e.answer.seq, e.at);
        break;
      case What::thread_free: {
        Running& run = threads[e.rank][e.thread];
        if (!run.busy || run.version != e.version) break;  // a revoke moved its end
        run.busy = false;
        events.push(Event{e.at + cfg.latency, order++, What::results, e.rank, 0, 0, {},
                          results_of(run.batch, run.kept, e.rank, e.thread, run.start, e.at), {}});
        start_queued(e.rank, e.at);
        break;
      }
      case What::results:
      case What::revoked: {
        const double start = std::max(e.at, leader_free);
        leader_free = start + cfg.leader_per_batch;
        if (e.what == What::results) {
          last = leader_free;
          scheduler.on_results(std::move(e.results));
        } else {
          scheduler.on_revoked(e.answer.seq, e.answer.taken, e.answer.kept);
        }
        ship(leader_free);
        break;
      }
    }
  }
  out.makespan = last;
  out.revokes = static_cast<std::uint64_t>(transport.revokes);
  out.taken_back = scheduler.tasks_taken_back();
  return out;
}

// The workloads of issue 12, for `workers` pool threads in all; seeded, so the same every run.
// 200 tasks of 1 ms per thread: a run of 0.2 s whatever the rank count.
inline std::vector<std::int64_t> uniform(std::size_t workers, std::int64_t ns = 1'000'000) {
  return std::vector<std::int64_t>(200 * workers, ns);
}
// Many cheap tasks, then a few expensive ones at the end (the shape of issue 12's item 1).
inline std::vector<std::int64_t> bimodal(std::size_t workers) {
  std::vector<std::int64_t> v(200 * workers, 2'000);
  v.insert(v.end(), 20 * workers, 10'000'000);
  return v;
}
// Pareto (alpha 1.5) from 0.1 ms: a few tasks hundreds of times the median.
inline std::vector<std::int64_t> heavy_tailed(std::size_t workers, std::uint64_t seed = 7) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<std::int64_t> v(100 * workers);
  for (std::int64_t& c : v) c = static_cast<std::int64_t>(1e5 / std::pow(1.0 - u(rng), 1.0 / 1.5));
  return v;
}
// Uniform 1 ms tasks with one of 50 ms in the middle (a quarter of the ideal run).
inline std::vector<std::int64_t> straggler(std::size_t workers) {
  std::vector<std::int64_t> v = uniform(workers);
  v[v.size() / 2] = 50'000'000;
  return v;
}

// The four, by name, for the unit tests and the benchmark's table.
struct Workload {
  const char* name;
  std::vector<std::int64_t> (*make)(std::size_t workers);
};
inline const std::vector<Workload>& workloads() {
  static const std::vector<Workload> all = {
      {"uniform 1 ms", [](std::size_t w) { return uniform(w); }},
      {"bimodal (2 us, then 10 ms)", bimodal},
      {"heavy-tailed (Pareto 1.5)", [](std::size_t w) { return heavy_tailed(w); }},
      {"one straggler (50 ms)", straggler}};
  return all;
}

}  // namespace drover::sim
