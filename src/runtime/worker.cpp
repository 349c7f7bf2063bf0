// A worker rank's loop: run arriving batches on the local executor, send results back.
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/executor.hpp"
#include "runtime/backoff.hpp"
#include "runtime/loops.hpp"

namespace drover {

void work(const LoopContext& ctx) {
  CompletionQueue<ResultBatch> done;
  LocalExecutor local(executor_config(ctx), done);

  IdleBackoff backoff;
  TaskBatch batch;
  std::vector<ResultBatch> finished;
  bool stopped = false;
  while (!stopped) {
    bool progress = false;
    while (const auto message = ctx.mpi.poll()) {
      progress = true;
      if (message->tag == Tag::work) {
        decode(message->bytes, batch);
        local.submit(std::move(batch));
        batch = TaskBatch{};
      } else if (message->tag == Tag::stop) {
        stopped = true;  // rank 0 sends Stop only once it has every result
        break;
      } else {
        throw std::runtime_error("protocol: unexpected tag " +
                                 std::to_string(static_cast<int>(message->tag)) + " from rank " +
                                 std::to_string(message->source));
      }
    }
    if (done.drain_into(finished) != 0) {
      progress = true;
      for (const ResultBatch& r : finished) ctx.mpi.send(0, Tag::results, r);
      finished.clear();
    }
    if (progress || stopped) {
      backoff.reset();
    } else if (const auto wait = backoff.next(); wait.count() == 0) {
      std::this_thread::yield();
    } else {
      done.wait_for(wait);
    }
  }
  ctx.mpi.flush();
}

}  // namespace drover
