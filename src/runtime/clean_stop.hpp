// Rank 0's clean stop, shared by the CLI's loop and the library's: a signal or the time limit.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "launch/durations.hpp"
#include "launch/launch_env.hpp"
#include "runtime/signals.hpp"
#include "scheduling/scheduler.hpp"

namespace drover {

// A stop signal on rank 0 or on a worker (its StopRequest), or the time limit
// minus its margin, stops dispatch; tasks in flight get the grace (shorter
// for SIGTERM and SIGINT under mpirun: stop_grace), then are abandoned.
class CleanStop {
 public:
  using Clock = std::chrono::steady_clock;

  CleanStop(Scheduler& scheduler, const LaunchEnv& launch, std::chrono::milliseconds grace,
            std::optional<std::chrono::seconds> time_left, std::chrono::milliseconds margin,
            Clock::time_point started)
      : scheduler_(scheduler),
        launch_(launch),
        grace_(grace),
        time_left_(time_left),
        margin_(margin) {
    if (time_left) dispatch_until_ = started + (*time_left - margin);
  }

  // Every loop iteration: this rank's signal, the time limit, the grace.
  void tick(Clock::time_point now) {
    if (const int signal = stop_signal(); signal != 0) {
      begin(std::string(signal_name(signal)) + " on rank 0", stop_grace(launch_, signal, grace_));
    } else if (dispatch_until_ && now >= *dispatch_until_) {
      begin("the time limit is " + seconds_text(margin_) + " away (limit " +
                seconds_text(*time_left_) + " after the start)",
            grace_);
    }
    if (grace_until_ && now >= *grace_until_ && !scheduler_.finished()) scheduler_.abandon();
  }

  // A worker caught `signal`: every rank stops with it.
  void on_request(int rank, int signal) {
    begin(std::string(signal_name(signal)) + " on rank " + std::to_string(rank),
          stop_grace(launch_, signal, grace_));
  }

  // --halt: no more dispatch; tasks in flight run to their end (soon) or are
  // abandoned at once (now). A signal after it still brings the grace.
  void halt(std::string reason, bool now) {
    if (!reason_.empty() || scheduler_.finished()) return;
    halted_ = true;
    reason_ = std::move(reason);
    scheduler_.stop_dispatch();
    if (now) grace_until_ = Clock::now();
  }

  // Why the run stopped; empty when it went to the end.
  const std::string& reason() const { return reason_; }
  bool halted() const { return halted_; }

 private:
  void begin(std::string reason, std::chrono::milliseconds wait) {
    if (grace_until_ || scheduler_.finished()) return;
    if (reason_.empty()) reason_ = std::move(reason);
    grace_until_ = Clock::now() + wait;
    scheduler_.stop_dispatch();
  }

  Scheduler& scheduler_;
  const LaunchEnv& launch_;
  std::chrono::milliseconds grace_;
  std::optional<std::chrono::seconds> time_left_;
  std::chrono::milliseconds margin_;
  std::optional<Clock::time_point> dispatch_until_;
  std::optional<Clock::time_point> grace_until_;
  std::string reason_;
  bool halted_ = false;
};

}  // namespace drover
