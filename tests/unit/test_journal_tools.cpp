// Tests of the journal tools: the summary of a journal, and its rows exported as the run wrote
// them.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "journal/fingerprint.hpp"
#include "journal/journal.hpp"
#include "model/errors.hpp"
#include "model_test_util.hpp"
#include "outputs/journal_tools.hpp"
#include "outputs/report.hpp"

namespace drover {
namespace {

using model_test::input_n;
using model_test::set_values;

Generator squares(std::int64_t from, std::uint64_t total) {
  return square_generator(total, from);
}

// Squares of a generator's range, one span per task; `rank` names host n<rank>, pid 4000+rank.
JournalBatch range_batch(const Generator& g, std::uint64_t first, std::uint32_t count,
                         std::int32_t rank) {
  JournalBatch b;
  b.tasks = model_test::generated_range(g, first, count);
  b.results.rank = rank;
  std::vector<std::int64_t> values;
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::int64_t n = input_n(g.make(first + i));
    values.push_back(n * n);
    b.results.spans.push_back(Span{i, 1, i % 2, 0, 1000 + i, 1005 + i});
  }
  set_values(b.results, values);
  // append, not "n" + to_string(): g++ 12 at -O3 warns falsely (-Wrestrict) on the latter.
  b.host = "n";
  b.host += std::to_string(rank);
  b.pid = 4000 + rank;
  return b;
}

std::string journal_path() {
  const auto* info = testing::UnitTest::GetInstance()->current_test_info();
  return testing::TempDir() + "journal_tools_" + info->name() + ".drj";
}

std::string write_journal(const std::string& fingerprint,
                          const std::vector<JournalBatch>& batches) {
  const std::string path = journal_path();
  JournalWriter writer =
      JournalWriter::create(path, fingerprint, FsyncPolicy{0, std::chrono::milliseconds{0}});
  for (const JournalBatch& b : batches) writer.add(b);
  writer.close();
  return path;
}

template <class Write>
std::string captured(Write&& write) {
  std::FILE* file = std::tmpfile();
  write(file);
  std::rewind(file);
  std::string text;
  char chunk[4096];
  for (std::size_t n; (n = std::fread(chunk, 1, sizeof chunk, file)) > 0;) text.append(chunk, n);
  std::fclose(file);
  return text;
}

std::string lines(const std::vector<std::string>& each) {
  std::string text;
  for (const std::string& line : each) text += line + "\n";
  return text;
}

std::string summary(const std::string& path) {
  return captured([&](std::FILE* out) { print_journal_summary(path, out); });
}

std::string exported(const std::string& path, OutputFormat format = OutputFormat::jsonl) {
  return captured([&](std::FILE* out) {
    auto sink = make_sink(out, format);
    export_journal(path, *sink);
    sink->close();
  });
}

// The rows the original run wrote: its report saw the batches in id order, with
// a rank table that named the hosts and pids the journal recorded.
std::string written_by_run(const Generator& g, const std::vector<JournalBatch>& in_id_order) {
  const std::vector<RankInfo> ranks = {{"n0", 4000, 1}, {"n1", 4001, 1}, {"n2", 4002, 1}};
  return captured([&](std::FILE* out) {
    auto sink = make_sink(out, OutputFormat::jsonl);
    RunReport report(ranks, g, sink.get());
    for (const JournalBatch& b : in_id_order) report.consume(b.tasks, b.results);
    sink->close();
  });
}

TEST(JournalTools, GeneratedJournalSummaryAndExport) {
  const Generator g = squares(5, 20);
  JournalBatch low = range_batch(g, 0, 8, 2);
  model_test::clear_output(low.results, 3);
  low.results.failures = {{3, "boom"}};
  low.results.attempts = {1, 1, 2, 3, 1, 1, 1, 1};
  const JournalBatch high = range_batch(g, 8, 12, 1);
  // As a run opens it: the generator's fingerprint stamped with the registry's.
  const std::string fingerprint = fingerprint_generated(g) + registry_stamp();
  const std::string path = write_journal(fingerprint, {high, low});

  EXPECT_EQ(summary(path),
            lines({"journal: " + path, "  format version: " + std::to_string(kJournalVersion),
                   "  fingerprint: " + fingerprint, "  batches: 2, tasks: 20, failed: 1",
                   "  ids 0..19 complete", "  ends cleanly (no torn record)"}));

  const std::string rows = exported(path);
  EXPECT_EQ(rows, written_by_run(g, {low, high}));
  EXPECT_EQ(rows.substr(0, rows.find('\n') + 1),
            R"({"id":0,"kind":"square","input":5,"ok":true,"value":25,"metric":null,"error":null,)"
            R"("attempts":1,"rank":2,"host":"n2","pid":4002,"thread":0,"start_us":1000,)"
            R"("end_us":1005})"
            "\n");
  EXPECT_NE(rows.find(R"({"id":3,"kind":"square","input":8,"ok":false,"value":null,"metric":null,)"
                      R"("error":"boom","attempts":3,"rank":2,"host":"n2","pid":4002,)"),
            std::string::npos)
      << rows;
  EXPECT_NE(rows.find(R"({"id":19,"kind":"square","input":24,"ok":true,"value":576,)"),
            std::string::npos)
      << rows;
  const std::string csv = exported(path, OutputFormat::csv);
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "id,kind,input,ok,value,metric,error,attempts,rank,host,pid,thread,start_us,end_us");
  EXPECT_NE(csv.find("\n2,square,7,true,49,,,2,2,n2,4002,0,1002,1007\n"), std::string::npos) << csv;
}

TEST(JournalTools, GapsAreListedAsRanges) {
  const Generator g = squares(0, 100);
  const std::string path =
      write_journal(fingerprint_generated(g), {range_batch(g, 8, 2, 1), range_batch(g, 0, 2, 1),
                                               range_batch(g, 2, 2, 0), range_batch(g, 50, 1, 0)});
  EXPECT_NE(summary(path).find("  batches: 4, tasks: 7, failed: 0\n"
                               "  ids 0..3, 8..9, 50 (3 ranges; 93 of 100 tasks not run)\n"),
            std::string::npos)
      << summary(path);
}

TEST(JournalTools, ManyRangesAreCutShort) {
  const Generator g = squares(0, 1000);
  std::vector<JournalBatch> batches;
  for (std::uint64_t r = 0; r < 13; ++r) batches.push_back(range_batch(g, r * 10, 5, 0));
  const std::string text = summary(write_journal(fingerprint_generated(g), batches));
  EXPECT_NE(text.find("  ids 0..4, 10..14, 20..24, 30..34, 40..44, 50..54, 60..64, 70..74, "
                      "80..84, 90..94, +3 more (13 ranges; 935 of 1000 tasks not run)\n"),
            std::string::npos)
      << text;
}

TEST(JournalTools, TaskFileJournalSummaryAndExport) {
  JournalBatch b;
  b.tasks.first_id = 100;
  b.tasks.tasks = {Task{100, model_test::square_spec(-12)},
                   Task{101, model_test::crunch_spec(1000)},
                   Task{102, model_test::download_spec("av.avi", 7.5)}};
  b.results.rank = 3;
  // Mixed kinds: outputs without a stride; the failed download's is empty.
  model_test::set_outputs(b.results,
                          {model_test::i64_output(144), model_test::pair_output(1000, 0.25), ""});
  for (std::uint32_t i = 0; i < 3; ++i) b.results.spans.push_back(Span{i, 1, i, 0, 10, 20 + i});
  b.results.failures = {Failure{2, "download of av.avi failed: simulated"}};
  b.results.attempts = {1, 2, 3};
  b.host = "old \"host\"";
  b.pid = 31337;
  const std::string fingerprint = "task-file bytes=123 fnv1a64=0123456789abcdef";
  const std::string path = write_journal(fingerprint, {b});

  const std::string text = summary(path);
  EXPECT_NE(text.find("  fingerprint: task-file bytes=123 fnv1a64=0123456789abcdef\n"
                      "  batches: 1, tasks: 3, failed: 1\n"
                      "  ids 100..102 (1 range)\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(exported(path),
            R"({"id":100,"kind":"square","input":-12,"ok":true,"value":144,"metric":null,)"
            R"("error":null,"attempts":1,"rank":3,"host":"old \"host\"","pid":31337,"thread":0,)"
            R"("start_us":10,"end_us":20})"
            "\n"
            R"({"id":101,"kind":"crunch","input":1000,"ok":true,"value":1000,"metric":0.25,)"
            R"("error":null,"attempts":2,"rank":3,"host":"old \"host\"","pid":31337,"thread":1,)"
            R"("start_us":10,"end_us":21})"
            "\n"
            R"({"id":102,"kind":"download","input":"av.avi","ok":false,"value":null,"metric":null,)"
            R"("error":"download of av.avi failed: simulated","attempts":3,"rank":3,)"
            R"("host":"old \"host\"","pid":31337,"thread":2,"start_us":10,"end_us":22})"
            "\n");
}

TEST(JournalTools, ATornLastRecordIsNamed) {
  const Generator g = squares(0, 10);
  const std::string path =
      write_journal(fingerprint_generated(g), {range_batch(g, 0, 4, 0), range_batch(g, 4, 4, 1)});
  const auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size - 3);  // a crash in the middle of the last write
  const JournalScan scan = scan_journal(path);
  ASSERT_TRUE(scan.torn_tail);
  const std::string text = summary(path);
  EXPECT_NE(
      text.find("  batches: 1, tasks: 4, failed: 0\n"
                "  ids 0..3 (1 range; 6 of 10 tasks not run)\n"
                "  ends in a torn record after byte " +
                std::to_string(scan.valid_bytes) + " (a write cut short); --resume drops it\n"),
      std::string::npos)
      << text;
  EXPECT_EQ(exported(path), written_by_run(g, {range_batch(g, 0, 4, 0)}));
}

TEST(JournalTools, UnreadableJournalsAreInputErrors) {
  const std::string missing = journal_path();
  std::filesystem::remove(missing);
  std::string scan_error;
  try {
    scan_journal(missing);
  } catch (const InputError& e) {
    scan_error = e.what();
  }
  ASSERT_EQ(scan_error.rfind(missing + ": ", 0), 0u) << scan_error;
  for (int tool = 0; tool < 2; ++tool) {
    try {
      if (tool == 0) summary(missing);
      if (tool == 1) exported(missing);
      ADD_FAILURE() << "no error from tool " << tool;
    } catch (const InputError& e) {
      EXPECT_EQ(e.what(), scan_error);  // the journal's own message, unchanged
    }
  }
}

TEST(JournalTools, RangeBatchesNeedAGeneratorToExport) {
  const Generator g = squares(0, 10);
  const std::string path =
      write_journal("task-file bytes=1 fnv1a64=0000000000000000", {range_batch(g, 0, 4, 0)});
  try {
    exported(path);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              path +
                  ": a batch of generated tasks in a journal whose fingerprint "
                  "(task-file bytes=1 fnv1a64=0000000000000000) names no generator");
  }
}

}  // namespace
}  // namespace drover
