// LocalExecutor::revoke: rank 0 takes back the tasks of a CPU batch that no pool thread has
// claimed.
#include "execution/executor.hpp"
#include "execution/executor_state.hpp"

namespace drover {

std::optional<std::uint32_t> LocalExecutor::revoke(std::uint64_t seq) {
  std::shared_ptr<BatchState> state;
  {
    std::lock_guard lock(revocable_mutex_);
    const auto it = revocable_.find(seq);
    if (it != revocable_.end()) state = it->second.lock();
  }
  if (!state) return std::nullopt;
  // Join the batch as one more unit: it cannot finish, and read `kept`,
  // before this has set it. None left: it is finishing.
  std::size_t units = state->units_left.load(std::memory_order_acquire);
  do {
    if (units == 0) return std::nullopt;
  } while (!state->units_left.compare_exchange_weak(units, units + 1, std::memory_order_acq_rel));
  const std::size_t n = state->batch.size();
  const std::size_t limit = state->chunks != 0 ? state->chunks : n;
  std::size_t claimed = state->next_task.load(std::memory_order_relaxed);
  bool taken = false;
  while (claimed < limit) {
    if (state->next_task.compare_exchange_weak(claimed, BatchState::kRevoked + claimed,
                                               std::memory_order_relaxed)) {
      taken = true;
      break;
    }
  }
  if (taken) {
    state->kept_chunks = claimed;
    state->kept =
        static_cast<std::uint32_t>(state->chunks != 0 ? n * claimed / state->chunks : claimed);
  }
  const std::uint32_t kept = state->kept;
  unit_done(*state);
  if (!taken) return std::nullopt;
  return kept;
}

}  // namespace drover
