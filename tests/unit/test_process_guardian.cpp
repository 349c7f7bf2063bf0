// The guardian: task groups it lists die when the rank goes, even by SIGKILL; the others live.
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "execution/process_guardian.hpp"
#include "process_test_util.hpp"

extern char** environ;

namespace drover {
namespace {

using test::RunnerHarness;
using test::shell;

// `sleep 30` as the leader of a group of its own, as the runner starts tasks.
pid_t spawn_group_leader() {
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  char sleep_name[] = "sleep";
  char seconds[] = "30";
  char* argv[] = {sleep_name, seconds, nullptr};
  pid_t pid = 0;
  EXPECT_EQ(posix_spawnp(&pid, "sleep", nullptr, &attr, argv, environ), 0);
  posix_spawnattr_destroy(&attr);
  return pid;
}

int termination_signal(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

TEST(ProcessGuardian, KillsListedGroupsWhenThePipeCloses) {
  const pid_t listed = spawn_group_leader();
  const pid_t removed = spawn_group_leader();
  {
    ProcessGuardian guardian(4096);
    // Past the first page of the table, which grows as slots are handed out.
    std::vector<std::uint32_t> slots;
    for (int i = 0; i < 600; ++i) slots.push_back(guardian.add(0x500000 + i));
    for (std::uint32_t s : slots) guardian.remove(s);
    for (int i = 0; i < 600; ++i) guardian.add(0x500000 + i);  // reused; above any pid_max: no such groups
    guardian.remove(guardian.add(removed));
    EXPECT_NE(guardian.add(listed), ProcessGuardian::kNoSlot);
  }  // EOF for the guardian, which is reaped here: it has done its work
  EXPECT_EQ(termination_signal(listed), SIGKILL);
  EXPECT_EQ(::kill(removed, 0), 0) << "a removed group is left alone";
  ::kill(removed, SIGTERM);
  EXPECT_EQ(termination_signal(removed), SIGTERM);
}

TEST(ProcessGuardian, RefusesGroupsItMustNeverKill) {
  ProcessGuardian guardian(16);
  EXPECT_EQ(guardian.add(0), ProcessGuardian::kNoSlot);
  EXPECT_EQ(guardian.add(1), ProcessGuardian::kNoSlot);
  EXPECT_EQ(guardian.add(-5), ProcessGuardian::kNoSlot);
}

// A process's state letter and process group from /proc/<pid>/stat; state 0 if gone.
std::pair<char, long> state_and_group(const std::filesystem::path& proc_dir) {
  std::ifstream stat(proc_dir / "stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const std::size_t close = text.rfind(')');
  if (close == std::string::npos || close + 2 > text.size()) return {0, 0};
  std::istringstream fields(text.substr(close + 2));
  char state = 0;
  long ppid = 0, pgrp = 0;
  fields >> state >> ppid >> pgrp;
  return {state, pgrp};
}

// Alive: not gone, and not a zombie (this machine's init may never reap one).
bool is_live(pid_t pid) {
  const char state = state_and_group("/proc/" + std::to_string(pid)).first;
  return state != 0 && state != 'Z' && state != 'X';
}

// Live processes whose process group is `pgid`, from /proc.
std::vector<pid_t> live_members(pid_t pgid) {
  std::vector<pid_t> pids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto [state, pgrp] = state_and_group(entry.path());
    if (pgrp == pgid && state != 0 && state != 'Z' && state != 'X') pids.push_back(std::stoi(name));
  }
  return pids;
}

// Waits, without polling, until each process has exited: a pidfd per process.
bool all_exit_within(const std::vector<pid_t>& pids, std::chrono::seconds bound) {
  std::vector<pollfd> fds;
  for (pid_t p : pids) {
    const int fd = static_cast<int>(::syscall(SYS_pidfd_open, p, 0));
    if (fd >= 0) fds.push_back(pollfd{fd, POLLIN, 0});  // else it is gone already
  }
  const auto deadline = std::chrono::steady_clock::now() + bound;
  bool all = true;
  for (pollfd& f : fds) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    all = all && ::poll(&f, 1, static_cast<int>(std::max<long>(left.count(), 0))) == 1;
    ::close(f.fd);
  }
  return all;
}

// A rank SIGKILLed with a task (and the task's own child) running: this test
// binary again, as a child running the disabled test below, is that rank.
TEST(ProcessGuardian, NothingOfATaskSurvivesASigkilledRank) {
  int out[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  std::vector<std::string> env_text = {"DROVER_TEST_GUARDIAN_CHILD=1"};
  for (char** e = environ; *e != nullptr; ++e) env_text.emplace_back(*e);
  std::vector<char*> envp;
  for (std::string& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string arg0 = "drover_unit_tests";
  std::string filter = "--gtest_filter=ProcessGuardianChild.DISABLED_RunsATaskUntilKilled";
  std::string disabled = "--gtest_also_run_disabled_tests";
  char* argv[] = {arg0.data(), filter.data(), disabled.data(), nullptr};
  pid_t rank = 0;
  ASSERT_EQ(posix_spawn(&rank, "/proc/self/exe", &actions, nullptr, argv, envp.data()), 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);

  // Its report: "task <pgid> <background child> guardian <pid>".
  FILE* from_rank = ::fdopen(out[0], "r");
  ASSERT_NE(from_rank, nullptr);
  char line[512];
  long pgid = 0, child = 0, guardian = 0;
  while (std::fgets(line, sizeof line, from_rank) != nullptr)
    if (std::sscanf(line, "task %ld %ld guardian %ld", &pgid, &child, &guardian) == 3) break;
  ASSERT_GT(pgid, 1) << "the child rank did not report its task";
  const std::vector<pid_t> before = live_members(static_cast<pid_t>(pgid));
  EXPECT_GE(before.size(), 2u) << "the task's shell and its background sleep run";
  EXPECT_TRUE(is_live(static_cast<pid_t>(child)));

  ASSERT_EQ(::kill(rank, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(rank, &status, 0), rank);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  std::fclose(from_rank);

  // Wait for the members seen, then look again: one forked meanwhile has had
  // its SIGKILL too, but may still be on its way out when the first scan sees it.
  std::vector<pid_t> members = before;
  for (int scan = 0; scan < 100 && !members.empty(); ++scan) {
    ASSERT_TRUE(all_exit_within(members, std::chrono::seconds(30)));
    members = live_members(static_cast<pid_t>(pgid));
  }
  EXPECT_TRUE(members.empty()) << members.size() << " processes of the task's group live on";
  EXPECT_FALSE(is_live(static_cast<pid_t>(child))) << "the task's own child is gone too";
  EXPECT_TRUE(all_exit_within({static_cast<pid_t>(guardian)}, std::chrono::seconds(30)))
      << "the guardian exits once it has done its work";
}

// Only as the child of the test above (its variable set), never on its own.
TEST(ProcessGuardianChild, DISABLED_RunsATaskUntilKilled) {
  if (std::getenv("DROVER_TEST_GUARDIAN_CHILD") == nullptr) GTEST_SKIP() << "a helper";
  RunnerHarness h;
  bool reported = false;
  h.on_line = [&](const OutputLines& l) {
    std::printf("task %.*s guardian %d\n", static_cast<int>(l.text.size() - 1), l.text.data(),
                static_cast<int>(h.runner.guardian_pid()));
    std::fflush(stdout);
    reported = true;
  };
  // $! exists once the shell's fork returned, before the echo.
  h.runner.start(shell("sleep 60 & echo $$ $!; exec sleep 60"), [](const ProcessResult&) {});
  ASSERT_TRUE(h.run_until([&] { return reported; }));
  h.run_until([] { return false; });  // until the parent kills this process
}

}  // namespace
}  // namespace drover
