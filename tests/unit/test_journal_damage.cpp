// A damaged journal: a torn tail is dropped; other damage stops the reader, naming path and offset.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "journal/journal.hpp"
#include "journal/journal_codec.hpp"
#include "journal_test_util.hpp"
#include "model/kinds.hpp"

namespace drover {
namespace {

using namespace journal_test;

TEST(JournalDamage, EveryCutInsideTheLastRecordIsATornTail) {
  const std::string path =
      write_journal({range_batch(0, 10, 1), explicit_batch(10), explicit_batch(13)});
  const std::uint64_t full = read_bytes(path).size();
  const std::uint64_t last = scan_journal(path).entries[2].offset;
  for (std::uint64_t cut = full - 1; cut > last; --cut) {  // truncate() only shrinks
    ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(cut)), 0);
    JournalScan scan;
    ASSERT_NO_THROW(scan = scan_journal(path)) << "cut at " << cut;
    EXPECT_TRUE(scan.torn_tail) << "cut at " << cut;
    EXPECT_EQ(scan.batches, 2u);
    EXPECT_EQ(scan.tasks, 13u);
    EXPECT_EQ(scan.valid_bytes, last);
  }
  ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(last)), 0);
  EXPECT_FALSE(scan_journal(path).torn_tail);
}

TEST(JournalDamage, AFlippedByteInAMiddleRecordIsDamageNamingItsOffset) {
  const std::string path =
      write_journal({range_batch(0, 10, 1), explicit_batch(10), range_batch(13, 4, 2)});
  const std::string good = read_bytes(path);
  const JournalScan scan = scan_journal(path);
  const std::uint64_t middle = scan.entries[1].offset;
  const std::uint64_t end = scan.entries[2].offset;
  ASSERT_LT(middle, end);
  const std::string expected = ": record at byte " + std::to_string(middle) + " is damaged (";
  // Every byte, length included, in memory (the same reader as for files):
  // the length has its own checksum, so a damaged one is never taken for a
  // torn tail (format version 2).
  for (std::uint64_t at = middle; at < end; ++at) {
    std::string bytes = good;
    bytes[at] = static_cast<char>(bytes[at] ^ 0x5a);
    EXPECT_EQ(error_of([&] { parse_journal(bytes, kIgnore); }).rfind("journal" + expected, 0), 0u)
        << "byte " << at;
  }
  std::string bytes = good;
  bytes[middle] = static_cast<char>(bytes[middle] - 1);  // a length one short
  EXPECT_EQ(error_of([&] { parse_journal(bytes, kIgnore); }).rfind("journal" + expected, 0), 0u);
  bytes = good;
  bytes[end - 1] = static_cast<char>(bytes[end - 1] ^ 0x5a);
  write_bytes(path, bytes);
  EXPECT_EQ(error_of([&] { scan_journal(path); }).rfind(path + expected, 0), 0u);
}

TEST(JournalDamage, AFlippedByteInTheLastRecordIsATornTail) {
  const std::string path = write_journal({range_batch(0, 10, 1), explicit_batch(10)});
  const std::string good = read_bytes(path);
  const std::uint64_t last = scan_journal(path).entries[1].offset;
  // The record header (length and its checksum) is whole: a flip there is damage.
  for (std::uint64_t at = last; at < last + 8; ++at) {
    std::string bytes = good;
    bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
    EXPECT_NE(error_of([&] { parse_journal(bytes, kIgnore); }), "") << "byte " << at;
  }
  // Past it, a payload that does not check out in the last record: torn.
  for (std::uint64_t at = last + 8; at < good.size(); ++at) {
    std::string bytes = good;
    bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
    const JournalScan scan = parse_journal(bytes, kIgnore);
    EXPECT_TRUE(scan.torn_tail) << "byte " << at;
    EXPECT_EQ(scan.batches, 1u);
    EXPECT_EQ(scan.valid_bytes, last);
  }
}

TEST(JournalDamage, AZeroFilledTailIsATornTailButOtherBytesAfterItAreNot) {
  const std::string good = read_bytes(write_journal({range_batch(0, 10, 1)}));
  const JournalScan scan = parse_journal(good + std::string(4096, '\0'), kIgnore);
  EXPECT_TRUE(scan.torn_tail);
  EXPECT_EQ(scan.batches, 1u);
  EXPECT_EQ(scan.valid_bytes, good.size());
  EXPECT_EQ(error_of([&] { parse_journal(good + std::string(4096, '\0') + "x", kIgnore); }),
            "journal: record at byte " + std::to_string(good.size()) +
                " is damaged (length checksum mismatch)");
}

// A record with a good checksum over a batch no writer makes: damage even at
// the end of the file, since a torn write does not produce a matching CRC.
// Here, a kind id past the registry's: an explicit task's, and a range's.
TEST(JournalDamage, AnInconsistentBatchWithAGoodChecksumIsDamage) {
  // Payload: type, first_id, count, range kind, params (u32 length + bytes),
  // first_item, task count, then each task's id, kind and input.
  const JournalBatch explicit_tasks = explicit_batch(10);
  const std::size_t task_kind_at =
      12 + 1 + 8 + 4 + 2 + 4 + explicit_tasks.tasks.params.size() + 8 + 8 + 8;
  const std::size_t range_kind_at = 12 + 1 + 8 + 4;
  const std::pair<JournalBatch, std::size_t> cases[] = {{explicit_tasks, task_kind_at},
                                                        {range_batch(10, 3, 1), range_kind_at}};
  // The first id past the registry's kinds (KindId is a u16 registry position).
  const auto unknown = static_cast<KindId>(all_kinds().size());
  const std::string head = read_bytes(write_journal({range_batch(0, 10, 1)}));
  for (const auto& [inconsistent, kind_at] : cases) {
    Bytes record;
    journal_detail::append_record(inconsistent.tasks, inconsistent.results, inconsistent.host,
                                  inconsistent.pid, record);
    KindId was;
    std::memcpy(&was, record.data() + kind_at, sizeof was);
    ASSERT_EQ(was, model_test::square_id()) << "the offset of a square's kind id";
    std::memcpy(record.data() + kind_at, &unknown, sizeof unknown);
    const std::uint32_t crc = journal_detail::crc32(std::span<const char>(record).subspan(12));
    std::memcpy(record.data() + 8, &crc, 4);
    const std::string bad(record.begin(), record.end());
    const std::string expected = "journal: record at byte " + std::to_string(head.size()) +
                                 " is damaged (unknown kind id " + std::to_string(unknown) + ")";
    EXPECT_EQ(error_of([&] { parse_journal(head + bad, kIgnore); }), expected);
    Bytes after;
    const JournalBatch next = range_batch(50, 1, 1);
    journal_detail::append_record(next.tasks, next.results, next.host, next.pid, after);
    EXPECT_EQ(error_of([&] {
                parse_journal(head + bad + std::string(after.begin(), after.end()), kIgnore);
              }),
              expected);
  }
}

TEST(JournalDamage, TwoBatchesWithTheSameTasksAreAnError) {
  const std::string path =
      write_journal({range_batch(0, 10, 1), range_batch(20, 5, 1), range_batch(5, 10, 2)});
  EXPECT_EQ(error_of([&] { scan_journal(path); }), path + ": tasks 5..9 appear twice");
  const std::string same = write_journal({range_batch(0, 10, 1), range_batch(0, 10, 1)});
  EXPECT_EQ(error_of([&] { scan_journal(same); }), same + ": tasks 0..9 appear twice");
  const std::string inside =
      write_journal({range_batch(0, 100, 1), range_batch(50, 0, 1), range_batch(60, 5, 1)});
  EXPECT_EQ(error_of([&] { scan_journal(inside); }), inside + ": tasks 60..64 appear twice");
}

TEST(JournalDamage, HeaderErrorsNameThePath) {
  const std::string path = temp_path();
  const std::string good = read_bytes(write_journal({}, "fingerprint"));
  const auto error_for = [&](const std::string& bytes) {
    write_bytes(path, bytes);
    return error_of([&] { scan_journal(path); });
  };
  EXPECT_EQ(error_for(""), path + ": not a drover journal");
  EXPECT_EQ(error_for("DRVJ"), path + ": not a drover journal");
  EXPECT_EQ(error_for("{\"kind\":\"square\",\"n\":12}\n"), path + ": not a drover journal");
  const std::string reads = ", this drover reads version " + std::to_string(kJournalVersion);
  std::string version = good;
  version[8] = static_cast<char>(kJournalVersion + 1);
  EXPECT_EQ(error_for(version), path + ": journal version " + std::to_string(kJournalVersion + 1) +
                                    reads + ": written by a newer drover");
  version[8] = 2;  // the closed task model's journals
  EXPECT_EQ(error_for(version), path + ": journal version 2" + reads +
                                    ": written by an older drover; finish its run with that "
                                    "drover, or start a new journal");
  std::string damaged = good;
  damaged[20] = static_cast<char>(damaged[20] ^ 0x10);
  EXPECT_EQ(error_for(damaged), path + ": journal header is damaged");
  EXPECT_EQ(error_for(good), "");

  // Every other flip and cut, in memory: the same reader, without file system time.
  const auto error_in_memory = [&](const std::string& bytes) {
    return error_of([&] { parse_journal(bytes, kIgnore); });
  };
  for (std::size_t at = 12; at < good.size(); ++at) {
    std::string bytes = good;
    bytes[at] = static_cast<char>(bytes[at] ^ 0x10);
    EXPECT_EQ(error_in_memory(bytes), "journal: journal header is damaged") << "byte " << at;
  }
  for (std::size_t cut = 8; cut < good.size(); ++cut) {
    EXPECT_EQ(error_in_memory(good.substr(0, cut)), "journal: journal header is damaged") << cut;
  }
}

TEST(JournalDamage, MissingFilesAndDirectoriesAreNamed) {
  const std::string missing = testing::TempDir() + "no-such-journal.drj";
  EXPECT_EQ(error_of([&] { scan_journal(missing); }),
            missing + ": cannot open journal: No such file or directory");
  EXPECT_EQ(error_of([&] { read_journal_batch(missing, 0); }),
            missing + ": cannot open journal: No such file or directory");
  const std::string dir = temp_path() + ".d";
  ::mkdir(dir.c_str(), 0700);
  EXPECT_EQ(error_of([&] { scan_journal(dir); }), dir + ": is a directory");
}

TEST(JournalDamage, ReadingABatchAtABadOffsetIsDamage) {
  const std::string path = write_journal({range_batch(0, 10, 1)});
  const JournalScan scan = scan_journal(path);
  const auto error_at = [&](std::uint64_t offset) {
    return error_of([&] { read_journal_batch(path, offset); });
  };
  EXPECT_EQ(error_at(scan.valid_bytes), path + ": record at byte " +
                                            std::to_string(scan.valid_bytes) +
                                            " is damaged (past the end of the journal)");
  EXPECT_EQ(error_at(1u << 30).rfind(path + ": record at byte 1073741824 is damaged", 0), 0u);
  EXPECT_NE(error_at(scan.entries[0].offset + 1), "");
  EXPECT_EQ(error_at(scan.entries[0].offset), "");
}

}  // namespace
}  // namespace drover
