// One thread running a Boost.Asio io_context: timers and jobs for IO-bound tasks.
#pragma once

#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdint>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "execution/unique_job.hpp"

namespace drover {

// IO-bound tasks wait, they do not compute: one thread multiplexes any number
// of them, so a pool thread never blocks on a download.
//
// Callbacks must be noexcept: an exception escaping a handler would unwind out
// of io_context::run and end the lane; the caller turns failures into data.
// after() and post() may be called from any thread, the lane's own included.
class AsyncLane {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts the lane thread.
  AsyncLane();
  // Calls drain().
  ~AsyncLane();
  AsyncLane(const AsyncLane&) = delete;
  AsyncLane& operator=(const AsyncLane&) = delete;

  // Runs `job` on the lane thread.
  template <class F>
  void post(F&& job) {
    static_assert(std::is_nothrow_invocable_v<std::decay_t<F>&>,
                  "AsyncLane::post needs a noexcept callable");
    boost::asio::post(io_, std::forward<F>(job));
  }

  // Calls `on_done` on the lane thread once `delay` has passed.
  template <class F>
  void after(std::chrono::nanoseconds delay, F&& on_done) {
    at(Clock::now() + delay, std::forward<F>(on_done));
  }
  // Calls `on_done` on the lane thread at `deadline` (at once if it has passed).
  template <class F>
  void at(Clock::time_point deadline, F&& on_done) {
    schedule(deadline, UniqueJob(std::forward<F>(on_done)));
  }

  // Waits for every pending timer to fire and every posted job to run (timers
  // are not cancelled; work they start in turn is waited for too), then joins
  // the lane thread. Afterwards after() and post() must not be called. Not from
  // the lane thread; a second call does nothing.
  void drain();

  // True when called from the lane thread.
  bool on_lane_thread() const noexcept;
  // The io_context the lane thread runs, for IO kinds' own sockets, pipes
  // and processes (their handlers run on the lane thread).
  boost::asio::io_context& io_context() noexcept { return io_; }

 private:
  // Bound to the io_context's own executor rather than any_io_executor: a
  // smaller timer object and no type erasure on each wait.
  using Timer = boost::asio::basic_waitable_timer<Clock, boost::asio::wait_traits<Clock>,
                                                  boost::asio::io_context::executor_type>;
  struct Pending {
    Clock::time_point deadline;
    std::uint64_t order;  // ties fire in the order they were scheduled
    UniqueJob job;
  };

  void schedule(Clock::time_point deadline, UniqueJob job);
  void push(Clock::time_point deadline, UniqueJob job);  // lane thread only
  void arm(Clock::time_point deadline);
  void fire_due();

  boost::asio::io_context io_{1};  // hint: only one thread runs it
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  // The lane's own min-heap of deadlines behind one Asio timer: a pending wait
  // costs a heap slot and a job (about 100 bytes), scheduling one costs no
  // lock and no system call, and each wake-up runs every wait that is due.
  // One Asio timer per wait re-armed the kernel timer per wait instead, which
  // made starting 100,000 downloads take 35 ms.
  std::vector<Pending> heap_;
  std::uint64_t scheduled_ = 0;
  Timer wake_;
  Clock::time_point armed_for_ = Clock::time_point::max();
  std::thread thread_;
};

}  // namespace drover
