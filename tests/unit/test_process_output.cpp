// A task's output: whole lines never mixed between tasks, over-long lines cut, files, capture, EOF.
#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "execution/line_splitter.hpp"
#include "process_test_util.hpp"

namespace drover {
namespace {

using test::command;
using test::lines_of;
using test::RunnerHarness;
using test::shell;
using test::TempDir;

std::vector<std::string> split_all(LineSplitter& s, const std::vector<std::string>& pieces,
                                   bool finish = true) {
  std::vector<std::string> out;
  auto emit = [&](std::string_view text) {
    EXPECT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n');
    for (const std::string& l : lines_of(std::string(text))) out.push_back(l);
  };
  for (const std::string& p : pieces) s.feed(p, emit);
  if (finish) s.finish(emit);
  return out;
}

TEST(LineSplitter, WholeLinesAcrossChunks) {
  LineSplitter s(100);
  EXPECT_EQ(split_all(s, {"ab", "c\nde", "f\n\ng", "h"}),
            (std::vector<std::string>{"abc", "def", "", "gh"}));
  EXPECT_EQ(s.lines_split(), 0u);
}

TEST(LineSplitter, ManyLinesOfOneChunkGoOutAtOnce) {
  LineSplitter s(100);
  int calls = 0;
  s.feed("a\nb\nc\npartial", [&](std::string_view text) {
    ++calls;
    EXPECT_EQ(text, "a\nb\nc\n");
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(s.pending_bytes(), 7u);
}

TEST(LineSplitter, LongLinesAreCutAtTheLimit) {
  LineSplitter s(4);
  EXPECT_EQ(split_all(s, {"abcdefghij\n", "xy", "z1234", "\n", "wxyz\n"}),
            (std::vector<std::string>{"abcd", "efgh", "ij", "xyz1", "234", "wxyz"}));
  EXPECT_EQ(s.lines_split(), 3u);
  EXPECT_EQ(s.pending_bytes(), 0u);
}

TEST(LineSplitter, MemoryStaysBoundedWhateverTheLine) {
  LineSplitter s(1000);
  const std::string chunk(4096, 'x');
  std::size_t bytes = 0;
  for (int i = 0; i < 1000; ++i) {
    s.feed(chunk, [&](std::string_view text) {
      EXPECT_LE(text.size(), 1001u);
      bytes += text.size();
    });
    EXPECT_LE(s.pending_bytes(), 1000u);
  }
  EXPECT_EQ(bytes + s.pending_bytes(), 4096u * 1000u + s.lines_split());
}

TEST(TagLines, PrefixesEveryLine) {
  std::string out;
  tag_lines(out, "7", "a\nb\n");
  EXPECT_EQ(out, "7\ta\n7\tb\n");
}

// Several tasks writing thousands of lines at once, through stdio buffers
// that break lines across writes: every line must arrive whole, from one task.
TEST(Process, LinesOfConcurrentTasksNeverMix) {
  RunnerHarness h;
  constexpr int kTasks = 6;
  constexpr int kLines = 4000;
  std::vector<ProcessSpec> specs;
  for (int t = 0; t < kTasks; ++t) {
    std::ostringstream awk;
    awk << "BEGIN{pad=sprintf(\"%700s\",\"\"); for(i=0;i<" << kLines << ";i++){"
        << "printf \"t" << t << " %d %s\\n\", i, substr(pad,1,(i*37)%700);"
        << "if (i%3==0) printf \"e" << t << " %d\\n\", i > \"/dev/stderr\" }}";
    specs.push_back(command({"awk", awk.str()}, static_cast<std::uint64_t>(t)));
  }
  const auto results = h.run(specs);
  for (const auto& r : results) EXPECT_TRUE(r.ok()) << r.message();
  for (const test::Chunk& c : h.chunks) {
    ASSERT_FALSE(c.text.empty());
    ASSERT_EQ(c.text.back(), '\n');
    const std::string prefix = (c.stream == Stream::out ? "t" : "e") + std::to_string(c.task_id) + " ";
    for (const std::string& line : lines_of(c.text)) ASSERT_TRUE(line.starts_with(prefix)) << line;
  }
  for (int t = 0; t < kTasks; ++t) {
    const auto out = lines_of(h.text_of(static_cast<std::uint64_t>(t)));
    ASSERT_EQ(out.size(), static_cast<std::size_t>(kLines));
    for (int i = 0; i < kLines; ++i) {
      const std::string want = "t" + std::to_string(t) + " " + std::to_string(i) + " " +
                               std::string(static_cast<std::size_t>((i * 37) % 700), ' ');
      ASSERT_EQ(out[static_cast<std::size_t>(i)], want);
    }
    EXPECT_EQ(lines_of(h.text_of(static_cast<std::uint64_t>(t), Stream::err)).size(),
              static_cast<std::size_t>((kLines + 2) / 3));
  }
}

TEST(Process, OverLongLinesAreCutAndCounted) {
  RunnerOptions options;
  options.line_limit = 1000;
  RunnerHarness h(options);
  const ProcessResult r =
      h.run_one(shell("head -c 2500 /dev/zero | tr '\\0' x; echo; echo short; printf end"));
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(lines_of(h.text_of(0)),
            (std::vector<std::string>{std::string(1000, 'x'), std::string(1000, 'x'),
                                      std::string(500, 'x'), "short", "end"}));
  EXPECT_EQ(r.lines_split, 2u);
}

TEST(Process, AHugeLineIsPassedOnInBoundedPieces) {
  RunnerHarness h;  // the default 64 KiB limit
  std::size_t bytes = 0, largest = 0;
  h.on_line = [&](const OutputLines& l) {
    bytes += l.text.size();
    largest = std::max(largest, l.text.size());
  };
  const ProcessResult r = h.run_one(shell("head -c 20000000 /dev/zero | tr '\\0' x"));
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_LE(largest, 64u * 1024 + 1);
  EXPECT_EQ(r.lines_split, 20000000u / (64 * 1024));
  EXPECT_EQ(bytes, 20000000u + r.lines_split + 1) << "one added newline per piece";
}

TEST(Process, OutputToFiles) {
  TempDir dir;
  RunnerHarness h;
  ProcessSpec spec = shell("echo to-out; echo to-err >&2; printf 0123456789");
  spec.output_dir = dir.path() + "/task-7";
  spec.capture = 4;
  const ProcessResult r = h.run_one(spec);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_TRUE(h.chunks.empty()) << "no pipe, nothing through drover";
  std::stringstream out, err;
  out << std::ifstream(spec.output_dir + "/out").rdbuf();
  err << std::ifstream(spec.output_dir + "/err").rdbuf();
  EXPECT_EQ(out.str(), "to-out\n0123456789");
  EXPECT_EQ(err.str(), "to-err\n");
  EXPECT_EQ(r.captured, "6789");
}

TEST(Process, OutputDirThatCannotBeMadeFails) {
  RunnerHarness h;
  ProcessSpec spec = command({"true"});
  spec.output_dir = "/nonexistent/parent/task";
  const ProcessResult r = h.run_one(spec);
  EXPECT_FALSE(r.started);
  EXPECT_EQ(r.message(), "cannot start: cannot create /nonexistent/parent/task: No such file or directory");
}

TEST(Process, CaptureKeepsTheLastBytesOfStdout) {
  RunnerHarness h;
  ProcessSpec big = shell("head -c 300000 /dev/zero | tr '\\0' y; printf 'tail-marker\\n'; echo e >&2", 1);
  big.capture = 12;
  ProcessSpec small = shell("printf ab", 2);
  small.capture = 100;
  const auto r = h.run({big, small, shell("echo none", 3)});
  EXPECT_EQ(r[0].captured, "tail-marker\n");
  EXPECT_EQ(r[1].captured, "ab");
  EXPECT_EQ(r[2].captured, "");
}

// A background child keeps the pipe open after the task's shell exited: the
// task is finished only at EOF, with everything it wrote.
TEST(Process, OutputIsDrainedToEofBeforeTheTaskFinishes) {
  RunnerHarness h;
  const ProcessResult r = h.run_one(shell("(sleep 0.2; echo late) & echo early"));
  ASSERT_TRUE(r.ok()) << r.message();
  std::vector<std::string> lines = lines_of(h.text_of(0));
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ(lines, (std::vector<std::string>{"early", "late"}));
}

}  // namespace
}  // namespace drover
