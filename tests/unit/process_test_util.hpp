// A ProcessRunner on its own io_context for tests: run specs, collect lines and results.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "execution/process.hpp"

namespace drover::test {

struct Chunk {
  std::uint64_t task_id;
  Stream stream;
  std::string text;
};

// The deadlines here are failure bounds for a broken runner, never waits.
inline constexpr std::chrono::seconds kDeadline{120};

class RunnerHarness {
 public:
  explicit RunnerHarness(RunnerOptions options = {}, ProcessEnv env = ProcessEnv::from_environ())
      : runner(io, std::move(env), std::move(options), [this](const OutputLines& l) {
          chunks.push_back(Chunk{l.task.task_id, l.stream, std::string(l.text)});
          if (on_line) on_line(l);
        }) {}

  // Starts every spec at once and runs until all have finished; results in spec order.
  std::vector<ProcessResult> run(const std::vector<ProcessSpec>& specs) {
    std::vector<std::optional<ProcessResult>> results(specs.size());
    std::size_t done = 0;
    for (std::size_t i = 0; i < specs.size(); ++i)
      runner.start(specs[i], [&results, &done, i](const ProcessResult& r) {
        results[i] = r;
        ++done;
      });
    EXPECT_TRUE(run_until([&] { return done == specs.size(); })) << "tasks did not finish";
    std::vector<ProcessResult> out;
    for (auto& r : results) out.push_back(r.value_or(ProcessResult{}));
    return out;
  }
  ProcessResult run_one(const ProcessSpec& spec) { return run({spec}).front(); }

  // Runs the io_context until `done()` holds; false at the deadline or when
  // the io_context ran out of work first.
  bool run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + kDeadline;
    if (io.stopped()) io.restart();  // a previous run ran out of work
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      if (io.run_one_for(std::chrono::seconds(1)) == 0 && io.stopped()) return done();
    }
    return true;
  }

  // stdout (or stderr) of one task, chunks joined.
  std::string text_of(std::uint64_t task_id, Stream stream = Stream::out) const {
    std::string all;
    for (const Chunk& c : chunks)
      if (c.task_id == task_id && c.stream == stream) all += c.text;
    return all;
  }

  boost::asio::io_context io;
  std::vector<Chunk> chunks;
  std::function<void(const OutputLines&)> on_line;
  ProcessRunner runner;
};

inline ProcessSpec shell(std::string command, std::uint64_t task_id = 0) {
  ProcessSpec spec;
  spec.shell_command = std::move(command);
  spec.identity.task_id = task_id;
  return spec;
}

inline ProcessSpec command(std::vector<std::string> argv, std::uint64_t task_id = 0) {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.identity.task_id = task_id;
  return spec;
}

// Splits whole lines (each ending '\n') into lines without it.
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t at = 0;
  for (std::size_t nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1)
    lines.push_back(text.substr(at, nl - at));
  if (at < text.size()) lines.push_back(text.substr(at));
  return lines;
}

// A fresh directory under /tmp, removed with its files at the end of the test.
class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/drover-process-XXXXXX";
    if (::mkdtemp(name) != nullptr) path_ = name;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace drover::test
