// One thread running a Boost.Asio io_context: timers and jobs for IO-bound tasks.
#pragma once

#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <memory>
#include <thread>
#include <type_traits>
#include <utility>

namespace drover {

// IO-bound tasks wait, they do not compute: one thread multiplexes any number
// of them, so a pool thread never blocks on a download.
//
// Callbacks must be noexcept: an exception escaping a handler would unwind out
// of io_context::run and end the lane; the caller turns failures into data.
// after() and post() may be called from any thread, the lane's own included.
class AsyncLane {
 public:
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
    static_assert(std::is_nothrow_invocable_v<std::decay_t<F>&>,
                  "AsyncLane::after needs a noexcept callable");
    // The handler owns its timer, so a pending timer costs one timer object,
    // one queued operation holding the handler and a slot in the timer heap
    // (a few hundred bytes in all), with no registry to keep in step.
    auto timer = std::make_unique<Timer>(io_.get_executor(), delay);
    Timer& armed = *timer;
    armed.async_wait([timer = std::move(timer), fn = std::decay_t<F>(std::forward<F>(on_done))](
                         const boost::system::error_code&) mutable noexcept { fn(); });
  }

  // Waits for every pending timer to fire and every posted job to run (timers
  // are not cancelled; work they start in turn is waited for too), then joins
  // the lane thread. Afterwards after() and post() must not be called. Not from
  // the lane thread; a second call does nothing.
  void drain();

  // True when called from the lane thread.
  bool on_lane_thread() const noexcept;

 private:
  // Bound to the io_context's own executor rather than any_io_executor: a
  // smaller timer object and no type erasure on each wait.
  using Timer =
      boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                        boost::asio::wait_traits<std::chrono::steady_clock>,
                                        boost::asio::io_context::executor_type>;

  boost::asio::io_context io_{1};  // hint: only one thread runs it
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread thread_;
};

}  // namespace drover
