// AsyncLane: starting the lane thread and the shutdown that lets pending timers finish.
#include "async_lane.hpp"

namespace drover {

// The work guard keeps run() from returning while no timer is pending yet;
// the destructor drops it so run() returns once the last handler has run.
AsyncLane::AsyncLane()
    : guard_(boost::asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}

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

}  // namespace drover
