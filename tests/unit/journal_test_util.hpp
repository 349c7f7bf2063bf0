// Shared by the journal tests: sample batches, temp files, and the text of an expected error.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "journal/journal.hpp"
#include "model/errors.hpp"
#include "model_test_util.hpp"

namespace drover::journal_test {

inline constexpr FsyncPolicy kNoSyncs{0, std::chrono::milliseconds{0}};
inline const auto kIgnore = [](const JournalBatch&) {};

// A generated range: squares of the ids (from 0), timed in chunks of four as squares are.
inline JournalBatch range_batch(std::uint64_t first, std::uint32_t count, std::int32_t rank) {
  JournalBatch b;
  b.tasks = model_test::generated_range(square_generator(first + count, 0), first, count);
  b.results.rank = rank;
  std::vector<std::int64_t> values;
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto n = static_cast<std::int64_t>(first + i);
    values.push_back(n * n);
  }
  model_test::set_values(b.results, values);
  for (std::uint32_t i = 0; i < count; i += 4) {
    const std::uint32_t n = std::min(4u, count - i);
    b.results.spans.push_back(Span{i, n, i % 3, 0, 1'000'000 + i, 1'000'010 + i});
  }
  b.host = "node-" + std::to_string(rank);
  b.pid = 4000 + rank;
  return b;
}

// Explicit tasks of every kind, with metrics, a failure and a retried task:
// outputs of mixed sizes, so without a stride (the failed download's is empty).
inline JournalBatch explicit_batch(std::uint64_t first) {
  JournalBatch b;
  b.tasks.first_id = first;
  b.tasks.tasks = {Task{first, model_test::square_spec(-12)},
                   Task{first + 1, model_test::crunch_spec(10'000'000)},
                   Task{first + 2, model_test::download_spec("av.avi", 7.5)}};
  b.tasks.tasks[1].spec.tag = "sample-17";  // a task line's own tag (version 4) round-trips too
  b.results.rank = 2;
  model_test::set_outputs(
      b.results, {model_test::i64_output(144), model_test::pair_output(10'000'000, 0.25), ""});
  for (std::uint32_t i = 0; i < 3; ++i) b.results.spans.push_back(Span{i, 1, i, 0, 10, 20});
  b.results.failures = {Failure{2, "download of av.avi failed: simulated"}};
  b.results.attempts = {1, 1, 3};
  b.host = "n2";
  b.pid = 31337;
  return b;
}

// A journal file per test, in gtest's temp folder.
inline std::string temp_path() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return ::testing::TempDir() + "journal_" + info->test_suite_name() + "_" + info->name() + ".drj";
}

// Writes `batches` in order to a new journal at temp_path() and returns the path.
inline std::string write_journal(const std::vector<JournalBatch>& batches,
                                 const std::string& fingerprint = "run-1") {
  const std::string path = temp_path();
  JournalWriter w = JournalWriter::create(path, fingerprint, kNoSyncs);
  for (const JournalBatch& b : batches) w.add(b);
  w.close();
  return path;
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Overwrites in place and then cuts to size: ext4 flushes a file truncated to
// zero at close (auto_da_alloc), which made the damage tests 50 times slower.
inline void write_bytes(const std::string& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(::pwrite(fd, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
  ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(bytes.size())), 0);
  ::close(fd);
}

// The InputError message `f` throws, or "" when it throws nothing.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace drover::journal_test
