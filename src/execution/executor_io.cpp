// LocalExecutor's IO half: IO kinds start their batches on the async lane, never on a pool thread.
#include <algorithm>
#include <cstdio>
#include <future>

#include "execution/executor_state.hpp"
#include "execution/output_relay.hpp"

namespace drover {

void LocalExecutor::run_io(std::shared_ptr<BatchState> state) {
  state->result.spans.resize(state->batch.size());
  // The whole batch is one unit: everything after this runs on the lane thread.
  state->units_left.store(1, std::memory_order_relaxed);
  state->io_left = state->batch.size();
  // Starting on the lane keeps submit() cheap and every announcement on one thread.
  lane_->post([this, state = std::move(state)]() noexcept { start_io(state); });
}

void LocalExecutor::start_io(const std::shared_ptr<BatchState>& state) noexcept {
  BatchState& s = *state;
  s.self = state;  // released by the last task done (IoView::task_done)
  const std::size_t n = s.batch.size();
  // Tasks grouped by kind, in order: usually one group, the whole batch.
  std::vector<std::pair<KindId, std::vector<std::uint32_t>>> groups;
  for (std::size_t i = 0; i < n; ++i) {
    const KindId kind = s.kind != nullptr ? s.kind->id : s.batch.tasks[i].spec.kind;
    auto group =
        std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == kind; });
    if (group == groups.end()) group = groups.insert(groups.end(), {kind, {}});
    group->second.push_back(static_cast<std::uint32_t>(i));
  }
  // Every view exists before any starts: a kind that finishes at once must
  // not end the batch while another group has not been counted.
  for (auto& [kind, indices] : groups) {
    s.views.push_back(std::make_unique<IoView>(*this, s, kind, std::move(indices)));
  }
  for (std::size_t g = 0; g < groups.size(); ++g) {
    IoView& view = *s.views[g];
    const KindInfo& kind = fast_kind_info(groups[g].first);
    view.guarded([&] {
      if (!kind.start) throw std::logic_error("kind " + kind.name + " does not run on the IO lane");
      kind.start(view);
    });
  }
}

void LocalExecutor::announce(std::string_view text) noexcept {
  std::string& line = announce_line_;
  line.assign(announce_prefix_).append(text);
  if (config_.announce_sink) {
    try {
      config_.announce_sink(line);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "drover: announce sink failed: %s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "drover: announce sink failed: unknown exception\n");
    }
    return;
  }
  // One write per line, through rank 0 from a worker (see OutputRelay).
  line.push_back('\n');
  write_lines(config_.announce_on_stderr, line);
}

void LocalExecutor::write_lines(bool to_stderr, std::string_view lines) noexcept {
  try {
    if (config_.relay != nullptr) {
      config_.relay->append(to_stderr, lines);
    } else {
      write_output_lines(to_stderr, lines);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "drover: task output lost: %s\n", e.what());
  }
}

void LocalExecutor::drain() {
  lane_->post([this]() noexcept {
    for (std::size_t id = 0; id < lane_states_.size(); ++id) {
      const KindInfo& kind = fast_kind_info(static_cast<KindId>(id));
      if (!lane_states_[id] || !kind.drain) continue;
      try {
        kind.drain(lane_states_[id]);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "drover: draining kind %s failed: %s\n", kind.name.c_str(), e.what());
      }
    }
  });
}

bool LocalExecutor::abandon(std::chrono::nanoseconds limit) {
  // Counted on the lane thread; the promise is kept by whichever kind ends last.
  struct Pending {
    std::size_t left = 1;  // the posting job's own share, released when it has asked every kind
    std::promise<void> all_done;
    void release() {
      if (--left == 0) all_done.set_value();
    }
  };
  auto pending = std::make_shared<Pending>();
  std::future<void> finished = pending->all_done.get_future();
  lane_->post([this, pending]() noexcept {
    for (std::size_t id = 0; id < lane_states_.size(); ++id) {
      const KindInfo& kind = fast_kind_info(static_cast<KindId>(id));
      if (!lane_states_[id] || !kind.abandon) continue;
      ++pending->left;
      try {
        kind.abandon(lane_states_[id], [pending] { pending->release(); });
      } catch (const std::exception& e) {
        std::fprintf(stderr, "drover: stopping kind %s failed: %s\n", kind.name.c_str(), e.what());
        pending->release();
      }
    }
    pending->release();
  });
  return finished.wait_for(limit) == std::future_status::ready;
}

}  // namespace drover
