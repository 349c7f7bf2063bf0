// AsyncLane: the lane thread, its heap of deadlines behind one Asio timer, and a shutdown that lets
// pending timers finish.
#include "execution/async_lane.hpp"

#include <algorithm>

namespace drover {
namespace {

// std::*_heap build a max-heap; "later" as less puts the earliest on top.
struct Later {
  template <class P>
  bool operator()(const P& a, const P& b) const noexcept {
    return a.deadline != b.deadline ? a.deadline > b.deadline : a.order > b.order;
  }
};

}  // namespace

// The work guard keeps run() from returning while no timer is pending yet;
// drain() drops it so run() returns once the last handler has run.
AsyncLane::AsyncLane()
    : guard_(boost::asio::make_work_guard(io_)),
      wake_(io_.get_executor()),
      thread_([this] { io_.run(); }) {}

AsyncLane::~AsyncLane() {
  drain();
}

void AsyncLane::drain() {
  if (!thread_.joinable()) return;
  guard_.reset();
  thread_.join();
}

bool AsyncLane::on_lane_thread() const noexcept {
  return std::this_thread::get_id() == thread_.get_id();
}

void AsyncLane::schedule(Clock::time_point deadline, UniqueJob job) {
  if (on_lane_thread()) {
    push(deadline, std::move(job));
    return;
  }
  // The heap belongs to the lane thread: other threads hand it over.
  post([this, deadline, job = std::move(job)]() mutable noexcept {
    push(deadline, std::move(job));
  });
}

void AsyncLane::push(Clock::time_point deadline, UniqueJob job) {
  heap_.push_back(Pending{deadline, scheduled_++, std::move(job)});
  std::push_heap(heap_.begin(), heap_.end(), Later{});
  if (deadline < armed_for_) arm(deadline);
}

// Re-arming cancels the previous wait; its handler then sees operation_aborted.
// The pending wait is also what keeps io_.run() going while waits remain.
void AsyncLane::arm(Clock::time_point deadline) {
  armed_for_ = deadline;
  wake_.expires_at(deadline);
  wake_.async_wait([this](const boost::system::error_code& error) noexcept {
    if (error == boost::asio::error::operation_aborted) return;
    fire_due();
  });
}

void AsyncLane::fire_due() {
  armed_for_ = Clock::time_point::max();
  const Clock::time_point now = Clock::now();
  while (!heap_.empty() && heap_.front().deadline <= now) {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    UniqueJob job = std::move(heap_.back().job);
    heap_.pop_back();
    job.run();  // may schedule more waits: push() keeps the heap and the timer right
  }
  if (!heap_.empty() && heap_.front().deadline < armed_for_) arm(heap_.front().deadline);
}

}  // namespace drover
