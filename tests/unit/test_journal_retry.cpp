// --retry-failed: the journal loses exactly its failed tasks, keeps everything else, stays whole.
#include <gtest/gtest.h>

#include <filesystem>

#include "journal/journal_retry.hpp"
#include "journal_test_util.hpp"

namespace drover {
namespace {

using journal_test::explicit_batch;
using journal_test::kIgnore;
using journal_test::kNoSyncs;
using journal_test::range_batch;
using journal_test::write_journal;

// Every id a scan says the journal holds.
std::vector<std::uint64_t> held_ids(const JournalScan& scan) {
  std::vector<std::uint64_t> ids;
  for (const auto& e : scan.entries) {
    for (std::uint32_t i = 0; i < e.count; ++i) ids.push_back(e.first_id + i);
  }
  return ids;
}

TEST(JournalRetry, DropsFailedTasksAndKeepsTheRestOfTheirBatches) {
  JournalBatch mixed = range_batch(10, 10, 1);
  mixed.results.failures = {Failure{0, "a"}, Failure{4, "b"}, Failure{9, "c"}};
  JournalBatch all_failed = range_batch(20, 3, 2);
  all_failed.results.failures = {Failure{0, "x"}, Failure{1, "y"}, Failure{2, "z"}};
  const std::string path =
      write_journal({range_batch(0, 10, 0), mixed, all_failed, explicit_batch(30)});
  const JournalScan before = scan_journal(path);
  ASSERT_EQ(before.failed, 7u);

  EXPECT_EQ(drop_failed_results(path, before, kNoSyncs), 7u);
  const JournalScan after = scan_journal(path);
  EXPECT_EQ(after.failed, 0u);
  EXPECT_EQ(after.fingerprint, before.fingerprint);
  EXPECT_EQ(held_ids(after), (std::vector<std::uint64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13,
                                                         15, 16, 17, 18, 30, 31}));
  EXPECT_FALSE(std::filesystem::exists(path + ".retry"));

  // What is kept is what was there: values, provenance, attempts.
  for (const auto& e : after.entries) {
    const JournalBatch b = read_journal_batch(path, e.offset);
    for (std::size_t i = 0; i < b.tasks.size(); ++i) {
      const std::uint64_t id = b.tasks.first_id + i;
      if (id < 30) {
        EXPECT_EQ(model_test::value_of(b.results, i), static_cast<std::int64_t>(id * id)) << id;
      }
    }
    if (b.tasks.first_id == 30) {
      EXPECT_EQ(b.host, "n2");
      EXPECT_EQ(b.results.attempts, (std::vector<std::uint32_t>{1, 1}));
      // Outputs of mixed sizes (no stride) are cut at the right offsets too.
      EXPECT_EQ(model_test::value_of(b.results, 0), 144);
      EXPECT_EQ(model_test::value_of(b.results, 1), 10'000'000);
      EXPECT_EQ(model_test::metric_of(b.results, 1), 0.25);
    }
  }
}

TEST(JournalRetry, AJournalWithoutFailuresIsLeftAsItIs) {
  const std::string path = write_journal({range_batch(0, 10, 0)});
  const std::string bytes = journal_test::read_bytes(path);
  EXPECT_EQ(drop_failed_results(path, scan_journal(path), kNoSyncs), 0u);
  EXPECT_EQ(journal_test::read_bytes(path), bytes);
}

TEST(JournalRetry, AJournalInUseIsRefusedAndUntouched) {
  const std::string path = write_journal({explicit_batch(0)});
  const JournalScan scan = scan_journal(path);
  const std::string bytes = journal_test::read_bytes(path);
  JournalWriter other = JournalWriter::append(path, scan.valid_bytes, kNoSyncs);
  EXPECT_THROW(drop_failed_results(path, scan, kNoSyncs), InputError);
  EXPECT_EQ(journal_test::read_bytes(path), bytes);
  EXPECT_FALSE(std::filesystem::exists(path + ".retry"));
  other.close();
}

}  // namespace
}  // namespace drover
