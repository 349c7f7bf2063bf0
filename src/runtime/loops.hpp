// The two rank loops, mirrored: lead (rank 0) and work (every other rank).
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "execution/executor.hpp"
#include "execution/output_relay.hpp"
#include "inputs/leader_inputs.hpp"
#include "inputs/run_options.hpp"
#include "launch/binding.hpp"
#include "model/kinds.hpp"
#include "model/task_source.hpp"
#include "outputs/report.hpp"
#include "outputs/sinks.hpp"
#include "protocol/messages.hpp"
#include "protocol/transport.hpp"
#include "protocol/wire.hpp"
#include "runtime/job.hpp"
#include "runtime/mpi_transport.hpp"
#include "scheduling/scheduler.hpp"

namespace drover {

struct LoopContext {
  MpiTransport& mpi;
  const RunOptions& options;
  const to_worker::Plan& plan;
  unsigned threads = 1;  // this rank's pool
};

// This rank's executor, as the plan and the thread count say.
// User and system CPU seconds of this process so far, every thread: what a
// rank really got of its cores (wall time counts time descheduled too).
inline double process_cpu_seconds() {
  rusage u{};
  if (::getrusage(RUSAGE_SELF, &u) != 0) return 0;
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

inline ExecutorConfig executor_config(const LoopContext& ctx) {
  ExecutorConfig config;
  config.rank = ctx.mpi.rank();
  config.threads = ctx.threads;
  config.announce = ctx.plan.announce;
  config.announce_on_stderr = ctx.plan.announce_on_stderr;
  config.kind_settings.resize(kind_count());
  for (const auto& [name, bytes] : ctx.plan.kind_settings) {
    if (const KindInfo* kind = find_kind(name)) config.kind_settings[kind->id] = bytes;
  }
  return config;
}

// A worker's task lines (from_worker::Output), for rank 0's printer, or
// written at once without one (the library).
inline void print_output(std::span<const char> bytes, OutputRelay* printer = nullptr) {
  from_worker::Output output;
  decode(bytes, output);
  for (const bool err : {false, true}) {
    const std::string& lines = err ? output.err : output.out;
    if (lines.empty()) continue;
    if (printer != nullptr) {
      printer->append(err, lines);
    } else {
      write_output_lines(err, lines);
    }
  }
}

// How long IO kinds get to end what they run when a rank abandons its tasks
// (exec: SIGTERM, its kill grace, SIGKILL): past it the rank leaves anyway, and
// the process guardian kills what is left.
inline constexpr std::chrono::seconds kAbandonLimit{5};

// Every final batch into the journal, with the provenance of its rank.
class JournalRecorder final : public ResultConsumer {
 public:
  JournalRecorder(JournalWriter& writer, const std::vector<RankInfo>& ranks)
      : writer_(writer), ranks_(ranks) {}
  void consume(const TaskBatch& tasks, const ResultBatch& results) override {
    const bool known = results.rank >= 0 && static_cast<std::size_t>(results.rank) < ranks_.size();
    writer_.add(tasks, results, known ? std::string_view(ranks_[results.rank].host) : "?",
                known ? ranks_[results.rank].pid : 0);
  }

 private:
  JournalWriter& writer_;
  const std::vector<RankInfo>& ranks_;
};

// What a rank answers a Revoke for batch `seq`: revoke()'s kept count, if it took any.
inline from_worker::Revoked revoke_answer(LocalExecutor& local, std::uint64_t seq) {
  const std::optional<std::uint32_t> kept = local.revoke(seq);
  return from_worker::Revoked{seq, kept.has_value(), kept.value_or(0)};
}

// Rank 0 works too: batches for rank 0 go straight to its own executor.
class LeaderTransport final : public Transport {
 public:
  LeaderTransport(MpiTransport& mpi, LocalExecutor& local) : mpi_(mpi), local_(local) {}
  void send_work(int rank, const TaskBatch& batch) override {
    if (rank == 0) {
      local_.submit(batch);
    } else {
      mpi_.send(rank, Tag::work, batch);
    }
  }
  void send_stop(int rank, bool abandon) override {
    if (rank != 0) mpi_.send(rank, Tag::stop, to_worker::Stop{abandon});
  }
  void send_drain(int rank) override {
    if (rank == 0) {
      local_.drain();
    } else {
      mpi_.send_empty(rank, Tag::drain);
    }
  }
  // Rank 0's own answer waits for the loop's deliver_local_revoked (the
  // scheduler is calling this): its batch's results come later.
  void send_revoke(int rank, std::uint64_t seq) override {
    if (rank == 0) {
      local_revoked_.push_back(revoke_answer(local_, seq));
    } else {
      mpi_.send(rank, Tag::revoke, to_worker::Revoke{seq});
    }
  }
  // The loop calls this before it takes rank 0's own results.
  void deliver_local_revoked(Scheduler& scheduler) {
    while (!local_revoked_.empty()) {
      std::vector<from_worker::Revoked> answers;
      answers.swap(local_revoked_);
      for (const from_worker::Revoked& r : answers) scheduler.on_revoked(r.seq, r.taken, r.kept);
    }
  }

 private:
  MpiTransport& mpi_;
  LocalExecutor& local_;
  std::vector<from_worker::Revoked> local_revoked_;
};

// A worker's answer to Revoke, and the one rank 0's loops give the scheduler.
inline void answer_revoke(MpiTransport& mpi, LocalExecutor& local, std::span<const char> bytes) {
  to_worker::Revoke revoke;
  decode(bytes, revoke);
  // Sent before that batch's results, which cover the kept tasks only.
  mpi.send(0, Tag::revoked, revoke_answer(local, revoke.seq));
}

inline void take_revoked(Scheduler& scheduler, std::span<const char> bytes) {
  from_worker::Revoked answer;
  decode(bytes, answer);
  scheduler.on_revoked(answer.seq, answer.taken, answer.kept);
}

// Rank 0: schedules the inputs' source over every rank (itself included),
// writes rows and journal, prints the summary, and sends Stop to all.
JobOutcome lead(const LoopContext& ctx, LeaderInputs& inputs, const std::vector<RankInfo>& ranks,
                const JobHooks& hooks);

// This rank's pool size and binding facts, by the CLI's rules (collective:
// every rank of `world` calls it).
RankThreads plan_threads(unsigned requested, const boost::mpi::communicator& world);

// Other ranks: run every batch that arrives and send the results back, until
// Stop. Returns true when the Stop abandoned tasks still running here.
bool work(const LoopContext& ctx);

}  // namespace drover
