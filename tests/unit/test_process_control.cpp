// ProcessRunner's control: timeouts (SIGTERM, then SIGKILL), stop, stop_all, tear-down.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "process_test_util.hpp"

namespace drover {
namespace {

using namespace std::chrono_literals;
using test::command;
using test::RunnerHarness;
using test::shell;

RunnerOptions short_grace() {
  RunnerOptions options;
  options.kill_grace = 100ms;
  return options;
}

TEST(Process, TimeoutKillsATaskThatIgnoresSigterm) {
  RunnerHarness h(short_grace());
  ProcessSpec spec = shell("trap '' TERM; while :; do sleep 1; done");
  spec.timeout = 200ms;
  const ProcessResult r = h.run_one(spec);
  EXPECT_TRUE(r.started);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.message(), "timed out after 0.2 s");
}

TEST(Process, TimeoutTermsFirst) {
  RunnerHarness h(short_grace());
  // Its sleep gets SIGTERM with the group; the shell's trap then exits 7.
  ProcessSpec spec = shell("trap 'exit 7' TERM; while :; do sleep 1; done");
  spec.timeout = 200ms;
  const ProcessResult r = h.run_one(spec);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(r.message(), "timed out after 0.2 s");
}

// The shell exits at once; its background child holds the pipe until the
// timeout signals the whole group (the zombie leader keeps the pgid ours).
TEST(Process, TimeoutReachesChildrenThatHoldTheOutputOpen) {
  RunnerHarness h(short_grace());
  ProcessSpec spec = shell("sleep 60 & echo started");
  spec.timeout = 300ms;
  const ProcessResult r = h.run_one(spec);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << "the shell itself had exited";
  EXPECT_EQ(h.text_of(0), "started\n");
}

TEST(Process, NoTimeoutNoTimer) {
  RunnerHarness h(short_grace());
  ProcessSpec spec = shell("echo fine");
  spec.timeout = 60s;
  const ProcessResult r = h.run_one(spec);
  EXPECT_TRUE(r.ok()) << r.message();
  EXPECT_FALSE(r.timed_out);
}

TEST(Process, StopAllTermsThenKillsAndRefusesNewTasks) {
  RunnerHarness h(short_grace());
  std::vector<std::optional<ProcessResult>> results(3);
  std::size_t done = 0;
  auto record = [&](std::size_t i) {
    return [&, i](const ProcessResult& r) {
      results[i] = r;
      ++done;
    };
  };
  h.runner.start(command({"sleep", "60"}, 0), record(0));
  h.runner.start(command({"sleep", "60"}, 1), record(1));
  h.runner.start(shell("trap '' TERM; echo ready; while :; do sleep 1; done", 2), record(2));
  // The trap must be in place before the stop, or SIGTERM would end that shell too.
  ASSERT_TRUE(h.run_until([&] { return h.text_of(2) == "ready\n"; }));
  EXPECT_EQ(h.runner.running(), 3u);
  h.runner.stop_all(200ms);
  std::optional<ProcessResult> refused;
  h.runner.start(command({"true"}), [&](const ProcessResult& r) { refused = r; });
  ASSERT_TRUE(h.run_until([&] { return done == 3 && refused; }));
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(results[i]->stopped);
    EXPECT_EQ(results[i]->signal, SIGTERM);
    EXPECT_EQ(results[i]->message(), "stopped");
  }
  EXPECT_TRUE(results[2]->stopped);
  EXPECT_EQ(results[2]->signal, SIGKILL);
  EXPECT_FALSE(refused->started);
  EXPECT_EQ(refused->message(), "cannot start: drover is stopping");
  EXPECT_EQ(h.runner.running(), 0u);
}

TEST(Process, StopOneTaskLeavesTheOthers) {
  RunnerHarness h(short_grace());
  std::optional<ProcessResult> stopped, other;
  const ProcessId id =
      h.runner.start(command({"sleep", "60"}, 1), [&](const ProcessResult& r) { stopped = r; });
  h.runner.start(shell("echo other", 2), [&](const ProcessResult& r) { other = r; });
  h.runner.stop(id, 0ns);
  ASSERT_TRUE(h.run_until([&] { return stopped && other; }));
  EXPECT_TRUE(stopped->stopped);
  EXPECT_EQ(stopped->signal, SIGKILL) << "no grace: SIGKILL at once";
  EXPECT_TRUE(other->ok()) << other->message();
  h.runner.stop(id, 0ns);  // a finished task: nothing to do
}

TEST(Process, DestroyingTheRunnerKillsAndReapsItsTasks) {
  auto h = std::make_unique<RunnerHarness>();
  bool exit_handler_ran = false;
  h->runner.start(shell("echo $$; exec sleep 60"), [&](const ProcessResult&) {
    exit_handler_ran = true;
  });
  ASSERT_TRUE(h->run_until([&] { return !h->text_of(0).empty(); }));
  const pid_t pid = static_cast<pid_t>(std::stol(h->text_of(0)));
  ASSERT_EQ(::kill(pid, 0), 0);
  h.reset();
  EXPECT_EQ(::kill(pid, 0), -1) << "killed and reaped: not even a zombie";
  EXPECT_EQ(errno, ESRCH);
  EXPECT_FALSE(exit_handler_ran);
}

}  // namespace
}  // namespace drover
