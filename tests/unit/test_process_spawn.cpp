// The two spawn paths: the clone path with many fds open, and the posix_spawn fallback doing the
// same.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "process_test_util.hpp"

namespace drover {
namespace {

using test::command;
using test::lines_of;
using test::RunnerHarness;
using test::shell;
using test::TempDir;

// close_range(CLOSE_RANGE_UNSHARE) came with Linux 5.9.
bool kernel_has_unshare() {
  utsname u{};
  int major = 0, minor = 0;
  if (::uname(&u) != 0 || std::sscanf(u.release, "%d.%d", &major, &minor) != 2) return false;
  return major > 5 || (major == 5 && minor >= 9);
}

RunnerOptions fallback() {
  RunnerOptions o;
  o.fast_spawn = false;
  return o;
}

// Inheritable fds, as a rank running thousands of tasks holds: none may reach a task.
class ManyFds {
 public:
  explicit ManyFds(int pipes) {
    for (int i = 0; i < pipes; ++i) {
      int fds[2];
      if (::pipe(fds) != 0) break;
      fds_.push_back(fds[0]);
      fds_.push_back(fds[1]);
    }
  }
  ~ManyFds() {
    for (int fd : fds_) ::close(fd);
  }
  std::size_t size() const { return fds_.size(); }

 private:
  std::vector<int> fds_;
};

TEST(ProcessSpawn, TheClonePathIsUsedWhereTheKernelHasIt) {
  RunnerHarness h;
  ASSERT_TRUE(h.run_one(command({"true"})).ok());
  EXPECT_EQ(h.runner.spawns_fast(), kernel_has_unshare());
  RunnerHarness plain(fallback());
  ASSERT_TRUE(plain.run_one(command({"true"})).ok());
  EXPECT_FALSE(plain.runner.spawns_fast());
}

TEST(ProcessSpawn, NoneOfManyOpenFdsReachesATask) {
  for (const bool fast : {true, false}) {
    RunnerOptions options;
    options.fast_spawn = fast;
    RunnerHarness h(options);
    ManyFds open(2000);
    ASSERT_EQ(open.size(), 4000u);
    std::vector<ProcessSpec> specs;
    for (std::uint64_t i = 0; i < 20; ++i) specs.push_back(command({"ls", "/proc/self/fd"}, i));
    const auto results = h.run(specs);
    for (std::uint64_t i = 0; i < results.size(); ++i) {
      ASSERT_TRUE(results[i].ok()) << fast << " " << results[i].message();
      EXPECT_EQ(lines_of(h.text_of(i)), (std::vector<std::string>{"0", "1", "2", "3"})) << fast;
    }
  }
}

TEST(ProcessSpawn, OutputSlotsHoldNoPipeAfterTheSpawn) {
  // A background child keeps nothing open; only the task's own pipes matter.
  // If a reserved slot kept the last task's write end, its output would never
  // reach EOF and this run would not finish.
  RunnerHarness h;
  const auto r = h.run({shell("echo one", 1), shell("echo two", 2)});
  ASSERT_TRUE(r[0].ok() && r[1].ok());
  EXPECT_EQ(h.text_of(1), "one\n");
  EXPECT_EQ(h.text_of(2), "two\n");
}

TEST(ProcessSpawn, TheFallbackBehavesAlike) {
  TempDir dir;
  const std::string file = dir.path() + "/file";
  std::ofstream(file) << "x";
  for (const bool fast : {true, false}) {
    RunnerOptions options;
    options.fast_spawn = fast;
    RunnerHarness h(options);
    ProcessSpec bad_cwd = command({"true"}, 3);
    bad_cwd.cwd = file;
    ProcessSpec in_dir = command({"pwd", "-P"}, 4);
    in_dir.cwd = dir.path();
    ProcessSpec pinned = shell("grep Cpus_allowed_list /proc/self/status", 5);
    const std::vector<int> cpus = allowed_cpus();
    ASSERT_FALSE(cpus.empty());
    pinned.cpus = {cpus.back()};
    const auto r = h.run({shell("exit 3", 0), command({"drover-no-such-command-7q"}, 1),
                          command({file}, 2), bad_cwd, in_dir, pinned,
                          command({"grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"}, 6),
                          command({"readlink", "/proc/self/fd/0"}, 7)});
    EXPECT_EQ(r[0].message(), "exit 3") << fast;
    EXPECT_EQ(r[1].message(), "cannot start: drover-no-such-command-7q: not found") << fast;
    EXPECT_EQ(r[2].message(), "cannot start: " + file + ": not executable (permission denied)")
        << fast;
    EXPECT_EQ(r[3].message(), "cannot start: bad cwd " + file + ": not a directory") << fast;
    EXPECT_EQ(h.text_of(4), std::filesystem::canonical(dir.path()).string() + "\n") << fast;
    EXPECT_EQ(h.text_of(5), "Cpus_allowed_list:\t" + std::to_string(cpus.back()) + "\n") << fast;
    EXPECT_EQ(h.text_of(6), "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n") << fast;
    EXPECT_EQ(h.text_of(7), "/dev/null\n") << fast;
  }
}

TEST(ProcessSpawn, ABareNameIsLookedUpInPathInOrder) {
  TempDir dir;
  const std::string denied = dir.path() + "/a", found = dir.path() + "/b";
  ::mkdir(denied.c_str(), 0755);
  ::mkdir(found.c_str(), 0755);
  std::ofstream(denied + "/drover-probe-7q") << "#!/bin/sh\necho denied\n";
  ::chmod((denied + "/drover-probe-7q").c_str(), 0644);  // not executable: the search goes on
  std::ofstream(found + "/drover-probe-7q") << "#!/bin/sh\necho found\n";
  ::chmod((found + "/drover-probe-7q").c_str(), 0755);
  const char* old = std::getenv("PATH");
  const std::string saved = old != nullptr ? old : "";
  ::setenv("PATH", (denied + ":" + found + ":" + saved).c_str(), 1);
  RunnerHarness h;  // reads PATH when it is made
  ::setenv("PATH", saved.c_str(), 1);
  const ProcessResult r = h.run_one(command({"drover-probe-7q"}));
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(h.text_of(0), "found\n");
}

}  // namespace
}  // namespace drover
