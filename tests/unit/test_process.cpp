// ProcessRunner: exit codes, signals, commands that cannot start, cwd, env, fd hygiene, rusage, pinning.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "process_test_util.hpp"

namespace drover {
namespace {

using test::command;
using test::lines_of;
using test::RunnerHarness;
using test::shell;
using test::TempDir;

TEST(Process, ExitCodeZeroIsOk) {
  RunnerHarness h;
  const ProcessResult r = h.run_one(command({"true"}));
  EXPECT_TRUE(r.started);
  EXPECT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.message(), "");
  EXPECT_LE(r.started_at, r.ended_at);
}

TEST(Process, NonZeroExitIsAFailureNamingTheCode) {
  RunnerHarness h;
  const ProcessResult r = h.run_one(shell("exit 3"));
  EXPECT_TRUE(r.started);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.message(), "exit 3");
}

TEST(Process, ASignalIsNamed) {
  RunnerHarness h;
  // No core file in the test's directory whatever the machine's core limit.
  const ProcessResult r = h.run_one(shell("ulimit -c 0; kill -SEGV $$"));
  EXPECT_TRUE(r.started);
  EXPECT_EQ(r.signal, SIGSEGV);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_EQ(r.message(), "killed by SIGSEGV");
}

TEST(Process, TheShellsNotFoundIsExplained) {
  RunnerHarness h;
  const ProcessResult r = h.run_one(shell("drover-no-such-command-7q"));
  EXPECT_TRUE(r.started);
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_EQ(r.message(), "exit 127 (the shell found no such command)");
  EXPECT_NE(h.text_of(0, Stream::err).find("not found"), std::string::npos);
}

TEST(Process, CommandNotFoundFailsWithoutStarting) {
  RunnerHarness h;
  const auto r = h.run({command({"drover-no-such-command-7q"}, 1),
                        command({"/nonexistent/dir/prog"}, 2)});
  EXPECT_FALSE(r[0].started);
  EXPECT_EQ(r[0].message(), "cannot start: drover-no-such-command-7q: not found");
  EXPECT_EQ(r[0].task.task_id, 1u);
  EXPECT_FALSE(r[1].started);
  EXPECT_EQ(r[1].message(), "cannot start: /nonexistent/dir/prog: not found");
  EXPECT_EQ(h.runner.running(), 0u);
}

TEST(Process, NotExecutableFailsWithoutStarting) {
  TempDir dir;
  const std::string script = dir.path() + "/script.sh";
  std::ofstream(script) << "#!/bin/sh\necho hi\n";
  ::chmod(script.c_str(), 0644);
  const std::string garbage = dir.path() + "/garbage";
  std::ofstream(garbage) << "not a program\n";
  ::chmod(garbage.c_str(), 0755);
  RunnerHarness h;
  const auto r = h.run({command({script}), command({garbage}), command({dir.path()})});
  EXPECT_EQ(r[0].message(), "cannot start: " + script + ": not executable (permission denied)");
  EXPECT_EQ(r[1].message(), "cannot start: " + garbage + ": not an executable (exec format error)");
  EXPECT_EQ(r[2].message(), "cannot start: " + dir.path() + ": not executable (permission denied)");
}

TEST(Process, BadCwdIsNamed) {
  TempDir dir;
  const std::string file = dir.path() + "/file";
  std::ofstream(file) << "x";
  RunnerHarness h;
  ProcessSpec missing = command({"true"});
  missing.cwd = dir.path() + "/missing";
  ProcessSpec not_dir = command({"true"});
  not_dir.cwd = file;
  const auto r = h.run({missing, not_dir});
  EXPECT_FALSE(r[0].started);
  EXPECT_EQ(r[0].message(), "cannot start: bad cwd " + missing.cwd + ": No such file or directory");
  EXPECT_EQ(r[1].message(), "cannot start: bad cwd " + file + ": not a directory");
}

TEST(Process, CwdIsHonoured) {
  TempDir dir;
  RunnerHarness h;
  ProcessSpec spec = command({"pwd", "-P"});
  spec.cwd = dir.path();
  const ProcessResult r = h.run_one(spec);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(h.text_of(0), std::filesystem::canonical(dir.path()).string() + "\n");
}

TEST(Process, ArgvHasNoShell) {
  RunnerHarness h;
  const ProcessResult r = h.run_one(command({"printf", "%s|", "a b", "$HOME", "*"}));
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(h.text_of(0), "a b|$HOME|*|\n") << "an unterminated last line gets its newline";
}

TEST(ProcessEnvTest, DropsTheLaunchersVariablesOnce) {
  const char* env[] = {"OMPI_COMM_WORLD_RANK=1", "PMIX_RANK=0", "PMI_FD=3", "KEEP=1",
                       "DROVER_TASK_ID=99", "NOEQUALS", "PATH=/usr/bin:/bin", nullptr};
  const ProcessEnv plain = ProcessEnv::from(env);
  EXPECT_EQ(plain.entries(), (std::vector<std::string>{"KEEP=1", "PATH=/usr/bin:/bin"}));
  const ProcessEnv kept = ProcessEnv::from(env, true);
  EXPECT_EQ(kept.entries().size(), 5u);
}

TEST(Process, TaskEnvironment) {
  const char* env[] = {"OMPI_COMM_WORLD_RANK=1", "PMIX_RANK=0", "PMI_FD=3", "KEEP=1",
                       "DROVER_TASK_ID=99", "PATH=/usr/bin:/bin", nullptr};
  RunnerOptions options;
  options.rank = 3;
  options.host = "node-a";
  RunnerHarness h(options, ProcessEnv::from(env));
  ProcessSpec spec = command({"/usr/bin/env"}, 7);
  spec.identity.attempt = 2;
  spec.identity.slot = 1;
  spec.env = {{"OWN", "x y"}, {"KEEP", "2"}, {"DROVER_RANK", "ignored"}};
  ASSERT_TRUE(h.run_one(spec).ok());
  std::vector<std::string> got = lines_of(h.text_of(7));
  std::sort(got.begin(), got.end());
  const std::vector<std::string> want = {"DROVER_ATTEMPT=2", "DROVER_HOST=node-a", "DROVER_RANK=3",
                                   "DROVER_SLOT=1",    "DROVER_TASK_ID=7",   "KEEP=2",
                                   "OWN=x y",          "PATH=/usr/bin:/bin"};
  const auto cpus_line = std::find_if(got.begin(), got.end(), [](const std::string& l) {
    return l.starts_with("DROVER_CPUS=");
  });
  ASSERT_NE(cpus_line, got.end());
  EXPECT_GT(cpus_line->size(), std::string("DROVER_CPUS=").size());
  got.erase(cpus_line);
  EXPECT_EQ(got, want);
}

TEST(Process, NoFileDescriptorLeaks) {
  // Inheritable on purpose: closefrom(3) must close them all the same.
  const int leaky = ::open("/dev/null", O_RDONLY);
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  ASSERT_GE(leaky, 3);
  RunnerHarness h;
  const ProcessResult r = h.run_one(command({"ls", "/proc/self/fd"}));
  ::close(leaky);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  ASSERT_TRUE(r.ok()) << r.message();
  // 0 1 2, and 3: the directory ls itself is listing.
  EXPECT_EQ(lines_of(h.text_of(0)), (std::vector<std::string>{"0", "1", "2", "3"}));
}

TEST(Process, StdinIsDevNull) {
  RunnerHarness h;
  ASSERT_TRUE(h.run_one(command({"readlink", "/proc/self/fd/0"})).ok());
  EXPECT_EQ(h.text_of(0), "/dev/null\n");
}

TEST(Process, SignalsAreUnblockedAndDefault) {
  // Ignored and blocked here, as a rank may have them: the task must not inherit either.
  struct sigaction ignore = {}, old_pipe = {};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGPIPE, &ignore, &old_pipe), 0);
  sigset_t block, old_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &block, &old_mask), 0);
  RunnerHarness h;
  const ProcessResult r = h.run_one(command({"grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"}));
  ::sigaction(SIGPIPE, &old_pipe, nullptr);
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(h.text_of(0), "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

TEST(Process, EachTaskLeadsItsOwnProcessGroup) {
  RunnerHarness h;
  ASSERT_TRUE(h.run_one(shell("echo $$ $(ps -o pgid= -p $$)")).ok());
  const std::string text = h.text_of(0);
  const std::size_t space = text.find(' ');
  ASSERT_NE(space, std::string::npos);
  EXPECT_EQ(std::stol(text.substr(0, space)), std::stol(text.substr(space + 1)));
  EXPECT_NE(std::stol(text.substr(0, space)), static_cast<long>(::getpgrp()));
}

TEST(Process, RusageOfACpuBoundTask) {
  RunnerHarness h;
  const ProcessResult r = h.run_one(command({"awk", "BEGIN{for(i=0;i<1e7;i++) s+=i; print s}"}));
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_GT(r.user_seconds, 0.0);
  EXPECT_GE(r.system_seconds, 0.0);
  EXPECT_GT(r.max_rss_kib, 0);
  EXPECT_GT(r.wall_seconds, 0.0);
}

TEST(Process, ManyTasksAtOnce) {
  RunnerHarness h;
  std::vector<ProcessSpec> specs;
  for (std::uint64_t i = 0; i < 200; ++i) specs.push_back(shell("echo $DROVER_TASK_ID", i));
  const auto results = h.run(specs);
  for (std::uint64_t i = 0; i < results.size(); ++i) {
    EXPECT_TRUE(results[i].ok()) << i << ": " << results[i].message();
    EXPECT_EQ(results[i].task.task_id, i);
    EXPECT_EQ(h.text_of(i), std::to_string(i) + "\n");
  }
  EXPECT_EQ(h.runner.running(), 0u);
}

TEST(Process, FdLimitIsRaisedAndBudgeted) {
  RunnerHarness h;
  const FdBudget& b = h.runner.fd_budget();
  EXPECT_EQ(b.soft, b.hard);
  rlimit now{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &now), 0);
  EXPECT_EQ(now.rlim_cur, b.soft);
  EXPECT_GT(b.open_at_start, 2u);
  EXPECT_GT(b.max_tasks, 0u);
  EXPECT_LE(b.max_tasks * FdBudget::per_task + b.open_at_start, b.soft);
}

std::vector<int> this_thread_cpus() {
  cpu_set_t set;
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  return cpus;
}

TEST(Process, PinnedToItsCpus) {
  const std::vector<int> before = this_thread_cpus();
  ASSERT_FALSE(before.empty());
  RunnerHarness h;
  ProcessSpec spec = shell("grep Cpus_allowed_list /proc/self/status; echo $DROVER_CPUS");
  spec.cpus = {before.back()};
  const ProcessResult r = h.run_one(spec);
  ASSERT_TRUE(r.ok()) << r.message();
  const std::string cpu = std::to_string(before.back());
  EXPECT_EQ(h.text_of(0), "Cpus_allowed_list:\t" + cpu + "\n" + cpu + "\n");
  EXPECT_EQ(this_thread_cpus(), before) << "the spawning thread got its own mask back";
}

TEST(Process, UnpinnedTasksGetTheRanksCpus) {
  RunnerHarness h;
  ASSERT_TRUE(h.run_one(shell("grep Cpus_allowed_list /proc/self/status")).ok());
  std::ifstream status("/proc/self/status");
  std::string line, mine;
  while (std::getline(status, line))
    if (line.starts_with("Cpus_allowed_list")) mine = line;
  EXPECT_EQ(h.text_of(0), mine + "\n");
}

TEST(Process, PinningToNoSuchCpuFails) {
  RunnerHarness h;
  ProcessSpec spec = command({"true"});
  spec.cpus = {1 << 20};
  const ProcessResult r = h.run_one(spec);
  EXPECT_FALSE(r.started);
  EXPECT_EQ(r.message(), "cannot start: cannot pin to cpu 1048576: no such cpu");
}

TEST(Process, BadSpecsFailWithoutStarting) {
  RunnerHarness h;
  ProcessSpec both = shell("true");
  both.argv = {"true"};
  const auto r = h.run({ProcessSpec{}, both});
  EXPECT_EQ(r[0].message(), "cannot start: empty command");
  EXPECT_EQ(r[1].message(), "cannot start: both argv and a shell command");
}

}  // namespace
}  // namespace drover
