// The joblog writer, byte for byte against rows GNU parallel 20221122 wrote (captured).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "model/errors.hpp"
#include "outputs/joblog.hpp"

namespace drover {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::chrono::system_clock::time_point at_us(std::int64_t us) {
  return std::chrono::system_clock::time_point(std::chrono::microseconds(us));
}

JoblogRow row(std::uint64_t seq, std::int64_t start_us, std::chrono::nanoseconds runtime,
              int exit_value, int signal, std::string_view command) {
  JoblogRow r;
  r.seq = seq;
  r.host = ":";
  r.start = at_us(start_us);
  r.runtime = runtime;
  r.exit_value = exit_value;
  r.signal = signal;
  r.command = command;
  return r;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Joblog, HeaderAsGnuParallel) {
  EXPECT_EQ(kJoblogHeader,
            "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n");
}

TEST(Joblog, RowsAsGnuParallelWroteThem) {
  // parallel --joblog: `sh -c "exit {}"` ::: 0 3, `kill -9 $$` ::: x, a
  // --timeout 1 kill, and `echo {}` ::: 'a b' (4 bytes of stdout).
  EXPECT_EQ(joblog_row(row(1, 1796166206029000, 20ms, 0, 0, "sh -c \"exit 0\"")),
            "1\t:\t1796166206.029\t     0.020\t0\t0\t0\t0\tsh -c \"exit 0\"\n");
  EXPECT_EQ(joblog_row(row(2, 1796166206050000, 2ms, 3, 0, "sh -c \"exit 3\"")),
            "2\t:\t1796166206.050\t     0.002\t0\t0\t3\t0\tsh -c \"exit 3\"\n");
  EXPECT_EQ(joblog_row(row(1, 1796166206270000, 0ms, 0, 9, "kill -9 $$ x")),
            "1\t:\t1796166206.270\t     0.000\t0\t0\t0\t9\tkill -9 $$ x\n");
  EXPECT_EQ(joblog_row(row(1, 1796166229901000, 1121ms, -1, 15, "sleep 5 1")),
            "1\t:\t1796166229.901\t     1.121\t0\t0\t-1\t15\tsleep 5 1\n");
  JoblogRow echo = row(1, 1796166206463000, 8ms, 0, 0, "echo 'a b'");
  echo.receive = 4;
  EXPECT_EQ(joblog_row(echo), "1\t:\t1796166206.463\t     0.008\t0\t4\t0\t0\techo 'a b'\n");
}

TEST(Joblog, NewlinesInTheCommandBecomeNul) {
  // GNU wrote "echo x\0echo b" for the template "echo {}\necho b".
  const std::string line = joblog_row(row(1, 1796166231323000, 0ms, 0, 0, "echo x\necho b"));
  EXPECT_EQ(line, std::string("1\t:\t1796166231.323\t     0.000\t0\t0\t0\t0\techo x") + '\0' +
                      "echo b\n");
  // Tabs stay as they are (GNU's row for `echo {}` ::: TAB).
  EXPECT_EQ(joblog_row(row(1, 0, 0ms, 0, 0, "echo '\t'")),
            "1\t:\t0.000\t     0.000\t0\t0\t0\t0\techo '\t'\n");
}

TEST(Joblog, StartRoundsAndRuntimeTruncatesToTheMillisecond) {
  const auto start_of = [](std::int64_t us) {
    const std::string line = joblog_row(row(1, us, 0ms, 0, 0, "x"));
    return line.substr(4, line.find('\t', 4) - 4);
  };
  EXPECT_EQ(start_of(1796166206028500), "1796166206.029");  // %.3f rounds
  EXPECT_EQ(start_of(1796166206028499), "1796166206.028");
  EXPECT_EQ(start_of(1796166206999600), "1796166207.000");
  EXPECT_EQ(start_of(0), "0.000");
  const auto runtime_of = [](std::chrono::nanoseconds d) {
    const std::string line = joblog_row(row(1, 0, d, 0, 0, "x"));
    const auto begin = line.find('\t', 4) + 1;
    return line.substr(begin, line.find('\t', begin) - begin);
  };
  EXPECT_EQ(runtime_of(20'999'999ns), "     0.020");  // int(x*1000)/1000 truncates
  EXPECT_EQ(runtime_of(999'999ns), "     0.000");
  EXPECT_EQ(runtime_of(12'345'678'900'000ns), " 12345.678");
  EXPECT_EQ(runtime_of(std::chrono::hours(24 * 365)), "31536000.000");  // %10 widens
  EXPECT_EQ(runtime_of(-5ms), "     0.000");
}

TEST(Joblog, AllColumnsInOrder) {
  JoblogRow r = row(18446744073709551615ULL, 1500, 1500ms, 255, 11, "cmd");
  r.host = "node17";
  r.send = 7;
  r.receive = 123456789012ULL;
  EXPECT_EQ(joblog_row(r),
            "18446744073709551615\tnode17\t0.002\t     1.500\t7\t123456789012\t255\t11\tcmd\n");
}

class JoblogFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "drover-joblog-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = (dir_ / "jobs.log").string();
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  std::string path_;
};

TEST_F(JoblogFile, BufferedUntilFlushed) {
  const JoblogRow first = row(1, 1796166206029000, 20ms, 0, 0, "true");
  {
    JoblogWriter log(path_, JoblogWriter::Mode::truncate);
    log.write(first);
    EXPECT_EQ(slurp(path_), "");  // no system call per row
    log.flush();
    EXPECT_EQ(slurp(path_), std::string(kJoblogHeader) + joblog_row(first));
    log.write(row(2, 1796166206050000, 2ms, 1, 0, "false"));
  }  // the destructor flushes the rest
  EXPECT_EQ(slurp(path_), std::string(kJoblogHeader) + joblog_row(first) +
                              joblog_row(row(2, 1796166206050000, 2ms, 1, 0, "false")));
  // Append mode, as GNU's --joblog +FILE: rows only, after the old ones.
  {
    JoblogWriter log(path_, JoblogWriter::Mode::append);
    log.write(row(3, 0, 0ms, 0, 0, "x"));
  }
  EXPECT_EQ(slurp(path_), std::string(kJoblogHeader) + joblog_row(first) +
                              joblog_row(row(2, 1796166206050000, 2ms, 1, 0, "false")) +
                              "3\t:\t0.000\t     0.000\t0\t0\t0\t0\tx\n");
  // Truncate starts over.
  { JoblogWriter log(path_, JoblogWriter::Mode::truncate); }
  EXPECT_EQ(slurp(path_), kJoblogHeader);
}

TEST_F(JoblogFile, ALongRunWritesWithoutWaitingForFlush) {
  JoblogWriter log(path_, JoblogWriter::Mode::truncate);
  const std::string command(200, 'c');
  std::size_t total = kJoblogHeader.size();
  for (int i = 1; i <= 1000; ++i) {
    const JoblogRow r = row(static_cast<std::uint64_t>(i), 0, 0ms, 0, 0, command);
    log.write(r);
    total += joblog_row(r).size();
  }
  // Written in 64 KiB pieces as the buffer fills; the tail waits for flush().
  const auto size = fs::file_size(path_);
  EXPECT_GE(size, 64u * 1024);
  EXPECT_LT(size, total);
  log.flush();
  EXPECT_EQ(fs::file_size(path_), total);
}

TEST_F(JoblogFile, NotInheritedByTasks) {
  JoblogWriter log(path_, JoblogWriter::Mode::truncate);
  int found = 0;
  for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    if (fs::read_symlink(entry.path(), ec) != fs::path(path_)) continue;
    const int fd = std::stoi(entry.path().filename().string());
    EXPECT_TRUE(::fcntl(fd, F_GETFD) & FD_CLOEXEC);
    ++found;
  }
  EXPECT_EQ(found, 1);
}

TEST_F(JoblogFile, ErrorsNameTheFile) {
  const std::string bad = (dir_ / "no-such-dir" / "jobs.log").string();
  try {
    JoblogWriter log(bad, JoblogWriter::Mode::truncate);
    FAIL() << "opened";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), bad + ": cannot open the joblog: No such file or directory");
  }
  JoblogWriter full("/dev/full", JoblogWriter::Mode::truncate);
  full.write(row(1, 0, 0ms, 0, 0, "x"));
  try {
    full.flush();
    FAIL() << "wrote to /dev/full";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "/dev/full: cannot write the joblog: No space left on device");
  }
}

}  // namespace
}  // namespace drover
