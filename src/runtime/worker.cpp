// A worker rank's loop: run arriving batches on the local executor, send results back.
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "execution/executor.hpp"
#include "execution/output_relay.hpp"
#include "runtime/backoff.hpp"
#include "runtime/loops.hpp"
#include "runtime/signals.hpp"

namespace drover {

bool work(const LoopContext& ctx) {
  const double cpu_at_start = process_cpu_seconds();
  // On the heap: an abandoned stop leaves them running (see the end).
  auto done = std::make_unique<CompletionQueue<ResultBatch>>();
  // Task lines go to rank 0 (see OutputRelay); on the heap for the same reason.
  auto relay = std::make_unique<OutputRelay>();
  ExecutorConfig config = executor_config(ctx);
  config.relay = relay.get();
  auto local = std::make_unique<LocalExecutor>(std::move(config), *done);
  from_worker::Output output;
  // One Output in flight at a time: while rank 0 has not taken the last one,
  // lines wait in the relay, whose bound then holds the tasks on their pipes
  // (sent freely, 4 tasks writing 2 GB to /dev/null through rank 0 took a
  // worker to 1 GB of queued sends). At the end everything goes.
  const auto send_output = [&](bool last = false) {
    if (!last && ctx.mpi.unfinished_sends() > 0) return;
    if (relay->take(output.out, output.err)) ctx.mpi.send(0, Tag::output, output);
  };

  IdleBackoff backoff;
  TaskBatch batch;
  std::vector<ResultBatch> finished;
  bool asked_to_stop = false;
  std::optional<to_worker::Stop> stop;
  while (!stop) {
    bool progress = false;
    // A signal here is rank 0's to act on: it decides for every rank.
    if (!asked_to_stop && stop_signal() != 0) {
      ctx.mpi.send(0, Tag::stop_request, from_worker::StopRequest{stop_signal()});
      asked_to_stop = true;
    }
    while (const auto message = ctx.mpi.poll()) {
      progress = true;
      if (message->tag == Tag::work) {
        decode(message->bytes, batch);
        local->submit(std::move(batch));
        batch = TaskBatch{};
      } else if (message->tag == Tag::drain) {
        local->drain();
      } else if (message->tag == Tag::revoke) {
        answer_revoke(ctx.mpi, *local, message->bytes);
      } else if (message->tag == Tag::stop) {
        decode(message->bytes, stop.emplace());
        break;
      } else {
        throw std::runtime_error("protocol: unexpected tag " +
                                 std::to_string(static_cast<int>(message->tag)) + " from rank " +
                                 std::to_string(message->source));
      }
    }
    // Lines before results where they can go: a task's output then reaches
    // rank 0 before its row does (not while an earlier Output is in flight).
    send_output();
    if (done->drain_into(finished) != 0) {
      progress = true;
      send_output();
      for (const ResultBatch& r : finished) ctx.mpi.send(0, Tag::results, r);
      finished.clear();
    }
    if (progress || stop) {
      backoff.reset();
    } else if (const auto wait = backoff.next(); wait.count() == 0) {
      std::this_thread::yield();
    } else {
      done->wait_for(wait);
    }
  }
  // Messages between two ranks do not overtake: once rank 0 has the ack, it
  // has every result sent before it, and every send here can complete.
  send_output(true);
  ctx.mpi.send(0, Tag::stop_ack, from_worker::StopAck{process_cpu_seconds() - cpu_at_start});
  ctx.mpi.flush();
  relay->close();  // what abandoned tasks still print goes to this rank's own stdout
  if (stop->abandon) {
    // Tasks still running are left unfinished (the journal does not hold
    // them; --resume runs them). Waiting for them is what the stop avoids,
    // so the executor is deliberately never destroyed: the process ends
    // with _Exit after MPI_Finalize (entry.cpp).
    (void)local->abandon(kAbandonLimit);  // commands get SIGTERM, then SIGKILL
    (void)local.release();
    (void)done.release();
    (void)relay.release();
    return true;
  }
  return false;
}

}  // namespace drover
