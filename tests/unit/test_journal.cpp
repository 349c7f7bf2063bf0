// Journal writer and reader: batches round-trip, appends continue a run, fsync follows the policy.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>

#include "journal/journal.hpp"
#include "journal/journal_codec.hpp"
#include "journal_test_util.hpp"
#include "model_test_util.hpp"

namespace drover {
namespace {

using namespace journal_test;
using namespace std::string_literals;
using std::chrono::milliseconds;

TEST(Journal, Crc32IsTheIeeeChecksum) {
  EXPECT_EQ(journal_detail::crc32("123456789"s), 0xCBF43926u);
  EXPECT_EQ(journal_detail::crc32(""s), 0u);
  // Eight bytes at a time agrees with the bit-at-a-time definition at every
  // length and alignment.
  std::string bytes;
  for (int i = 0; i < 80; ++i) bytes += static_cast<char>(i * 37 + 11);
  for (std::size_t start = 0; start < 8; ++start) {
    for (std::size_t n = 0; start + n <= bytes.size(); ++n) {
      std::uint32_t c = 0xFFFFFFFFu;
      for (std::size_t i = start; i < start + n; ++i) {
        c ^= static_cast<unsigned char>(bytes[i]);
        for (int bit = 0; bit < 8; ++bit) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
      }
      ASSERT_EQ(journal_detail::crc32(std::string_view(bytes).substr(start, n)), ~c)
          << start << "+" << n;
    }
  }
}

TEST(Journal, BatchesRoundTripInFileOrderAndScanSortsThemById) {
  const std::vector<JournalBatch> batches = {explicit_batch(100), range_batch(0, 10, 1),
                                             range_batch(10, 90, 2)};
  const std::string path = write_journal(batches, "fingerprint \0 with a nul"s);
  const JournalScan scan = scan_journal(path);
  EXPECT_EQ(scan.version, kJournalVersion);
  EXPECT_EQ(scan.fingerprint, "fingerprint \0 with a nul"s);
  EXPECT_EQ(scan.batches, 3u);
  EXPECT_EQ(scan.tasks, 103u);
  EXPECT_EQ(scan.failed, 1u);
  EXPECT_FALSE(scan.torn_tail);
  EXPECT_EQ(scan.valid_bytes, read_bytes(path).size());
  ASSERT_EQ(scan.entries.size(), 3u);
  const std::uint64_t first_ids[] = {0, 10, 100};
  const std::uint32_t counts[] = {10, 90, 3};
  const JournalBatch* expected[] = {&batches[1], &batches[2], &batches[0]};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(scan.entries[i].first_id, first_ids[i]);
    EXPECT_EQ(scan.entries[i].count, counts[i]);
    EXPECT_EQ(read_journal_batch(path, scan.entries[i].offset), *expected[i]);
  }
  EXPECT_LT(scan.entries[2].offset, scan.entries[0].offset);  // written first

  std::vector<JournalBatch> seen;
  const JournalScan parsed =
      parse_journal(read_bytes(path), [&](const JournalBatch& b) { seen.push_back(b); });
  EXPECT_EQ(seen, batches);
  EXPECT_EQ(parsed.valid_bytes, scan.valid_bytes);
  EXPECT_EQ(parsed.tasks, scan.tasks);
}

// The lane is not kept either: it follows from the batch's kinds.
TEST(Journal, SeqIsNotKeptAndTheLaneFollowsTheKinds) {
  JournalBatch b = range_batch(0, 4, 1);
  b.tasks.seq = 9;
  b.tasks.lane = Lane::io;
  b.results.seq = 9;
  JournalBatch downloads;
  downloads.tasks = model_test::generated_range(download_generator(10, 1, 2, 3), 4, 2);
  model_test::set_values_and_metrics(downloads.results, {1500, 1800}, {1.5, 1.8});
  downloads.results.spans = {Span{0, 1, 2, 0, 10, 20}, Span{1, 1, 2, 0, 10, 30}};
  downloads.tasks.lane = Lane::cpu;
  const std::string path = write_journal({b, downloads});
  const JournalScan scan = scan_journal(path);
  ASSERT_EQ(scan.entries.size(), 2u);
  EXPECT_EQ(read_journal_batch(path, scan.entries[0].offset), range_batch(0, 4, 1));
  const JournalBatch read = read_journal_batch(path, scan.entries[1].offset);
  EXPECT_EQ(read.tasks.lane, Lane::io);
  downloads.tasks.lane = Lane::io;
  EXPECT_EQ(read, downloads);
}

TEST(Journal, BatchesLargerThanTheWriteBlockRoundTrip) {
  const JournalBatch big = range_batch(0, 300'000, 3);  // about 4 MiB of values and spans
  const std::string path = write_journal({big, range_batch(300'000, 5, 1)});
  const JournalScan scan = scan_journal(path);
  ASSERT_EQ(scan.batches, 2u);
  EXPECT_EQ(read_journal_batch(path, scan.entries[0].offset), big);
  EXPECT_EQ(read_journal_batch(path, scan.entries[1].offset), range_batch(300'000, 5, 1));
}

TEST(Journal, AppendContinuesTheFileAndKeepsItsFingerprint) {
  const std::string path = write_journal({range_batch(0, 10, 1), explicit_batch(10)}, "abc");
  const JournalScan first = scan_journal(path);
  {
    JournalWriter w = JournalWriter::append(path, first.valid_bytes, kNoSyncs);
    w.add(range_batch(13, 7, 2));
    w.close();
    EXPECT_EQ(w.records(), 1u);
  }
  const JournalScan second = scan_journal(path);
  EXPECT_EQ(second.fingerprint, "abc");
  EXPECT_EQ(second.batches, 3u);
  EXPECT_EQ(second.tasks, 20u);
  EXPECT_EQ(second.failed, 1u);
  ASSERT_EQ(second.entries.size(), 3u);
  EXPECT_EQ(second.entries[2].offset, first.valid_bytes);
  EXPECT_EQ(read_journal_batch(path, second.entries[2].offset), range_batch(13, 7, 2));
}

TEST(Journal, AppendCutsOffATornTail) {
  const std::string path = write_journal({range_batch(0, 10, 1), range_batch(10, 10, 1)});
  ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(read_bytes(path).size() - 3)), 0);
  const JournalScan torn = scan_journal(path);
  ASSERT_TRUE(torn.torn_tail);
  EXPECT_EQ(torn.batches, 1u);
  {
    JournalWriter w = JournalWriter::append(path, torn.valid_bytes, kNoSyncs);
    w.add(range_batch(10, 10, 2));
  }  // the destructor closes
  const JournalScan healed = scan_journal(path);
  EXPECT_FALSE(healed.torn_tail);
  EXPECT_EQ(healed.batches, 2u);
  EXPECT_EQ(read_journal_batch(path, healed.entries[1].offset), range_batch(10, 10, 2));
}

TEST(Journal, AppendRefusesAFileShorterThanItsScan) {
  const std::string path = write_journal({range_batch(0, 10, 1)});
  const std::uint64_t size = read_bytes(path).size();
  EXPECT_EQ(error_of([&] { JournalWriter::append(path, size + 1, kNoSyncs); }),
            path + ": journal is shorter than when it was read");
  EXPECT_EQ(read_bytes(path).size(), size);
  EXPECT_EQ(error_of([&] { JournalWriter::append(path + ".missing", size, kNoSyncs); }),
            path + ".missing: cannot open journal: No such file or directory");
}

TEST(Journal, CreateNamesAPathItCannotCreate) {
  const std::string dir = testing::TempDir() + "no-such-dir/journal.drj";
  EXPECT_EQ(error_of([&] { JournalWriter::create(dir, "x", kNoSyncs); }),
            dir + ": cannot create journal: No such file or directory");
}

// Issue 11: /dev/full said "cannot create journal: Invalid argument" (ftruncate's EINVAL).
TEST(Journal, CreateRefusesWhatIsNotARegularFile) {
  if (::access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no writable /dev/full";
  EXPECT_EQ(error_of([] { JournalWriter::create("/dev/full", "x", kNoSyncs); }),
            "/dev/full: is a character device, not a regular file: a journal must be a regular "
            "file");
}

TEST(Journal, FsyncFollowsTheRecordCount) {
  JournalWriter w = JournalWriter::create(temp_path(), "fp", FsyncPolicy{1, milliseconds{0}});
  const std::uint64_t at_start = w.syncs();  // the header is synced at creation
  const auto now = std::chrono::steady_clock::now();
  w.maybe_sync(now);  // nothing new: no sync
  EXPECT_EQ(w.syncs(), at_start);
  for (std::uint64_t i = 1; i <= 3; ++i) {
    w.add(range_batch(i * 10, 10, 1));
    w.maybe_sync(now);
    EXPECT_EQ(w.syncs(), at_start + i);
  }
  w.close();
  EXPECT_EQ(w.syncs(), at_start + 4);
  EXPECT_EQ(w.records(), 3u);
}

TEST(Journal, FsyncFollowsTheIntervalOfTheTimesItIsGiven) {
  JournalWriter w = JournalWriter::create(temp_path(), "fp", FsyncPolicy{0, milliseconds{1000}});
  const std::uint64_t at_start = w.syncs();
  const auto later = std::chrono::steady_clock::now() + std::chrono::hours(1);
  w.add(range_batch(0, 10, 1));
  w.maybe_sync(later);
  EXPECT_EQ(w.syncs(), at_start + 1);
  w.add(range_batch(10, 10, 1));
  w.maybe_sync(later + milliseconds(999));
  EXPECT_EQ(w.syncs(), at_start + 1);
  w.maybe_sync(later + milliseconds(1000));
  EXPECT_EQ(w.syncs(), at_start + 2);
}

TEST(Journal, NoPolicyMeansASyncOnlyAtClose) {
  const std::string path = temp_path();
  JournalWriter w = JournalWriter::create(path, "fp", kNoSyncs);
  const std::uint64_t at_start = w.syncs();
  w.add(range_batch(0, 10, 1));
  w.maybe_sync(std::chrono::steady_clock::now() + std::chrono::hours(1));
  EXPECT_EQ(w.syncs(), at_start);
  w.close();
  EXPECT_EQ(w.syncs(), at_start + 1);
  w.close();  // a second close is a no-op
  EXPECT_EQ(scan_journal(path).batches, 1u);
}

TEST(Journal, AMovedWriterKeepsWritingTheSameFile) {
  const std::string path = temp_path();
  JournalWriter first = JournalWriter::create(path, "fp", kNoSyncs);
  first.add(range_batch(0, 10, 1));
  JournalWriter second = std::move(first);
  second.add(range_batch(10, 10, 1));
  JournalWriter third = JournalWriter::create(path + ".other", "fp", kNoSyncs);
  third = std::move(second);  // closes .other, takes over path
  third.add(range_batch(20, 10, 1));
  third.close();
  EXPECT_EQ(scan_journal(path).batches, 3u);
  EXPECT_EQ(scan_journal(path + ".other").batches, 0u);
}

TEST(Journal, TheWriterRefusesABatchTheReaderWouldRefuse) {
  JournalWriter w = JournalWriter::create(temp_path(), "fp", kNoSyncs);
  JournalBatch b = range_batch(0, 10, 1);
  b.results.count = 9;  // one result short
  b.results.outputs.resize(9 * 8);
  EXPECT_THROW(w.add(b), std::invalid_argument);
  b = range_batch(0, 10, 1);
  b.results.outputs.pop_back();  // packed outputs that do not fit count x stride
  EXPECT_THROW(w.add(b), std::invalid_argument);
  b = explicit_batch(5);
  b.results.ends[1] = b.results.ends[0] - 1;  // output offsets out of order
  EXPECT_THROW(w.add(b), std::invalid_argument);
  b = explicit_batch(5);
  b.tasks.tasks[1].id = 7;
  EXPECT_THROW(w.add(b), std::invalid_argument);
  b = range_batch(0, 10, 1);
  b.results.spans.pop_back();
  EXPECT_THROW(w.add(b), std::invalid_argument);
  EXPECT_EQ(w.records(), 0u);
}

}  // namespace
}  // namespace drover
