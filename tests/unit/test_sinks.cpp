// Tests of the JSONL and CSV result writers: exact bytes, quoting, escaping, failures.
#include <gtest/gtest.h>

#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <limits>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "model/errors.hpp"
#include "model_test_util.hpp"
#include "outputs/sinks.hpp"

namespace drover {
namespace {

// The specs rows point at. Built on first use, not at static initialisation:
// the first lookup of a kind seals the registry.
struct Specs {
  TaskSpec square = model_test::square_spec(12);
  TaskSpec big = model_test::square_spec(4000000000);
  TaskSpec crunch = model_test::crunch_spec(1000);
  TaskSpec download = model_test::download_spec("a,\"b\".bin", 2.5);
};
const Specs& specs() {
  static const Specs s;
  return s;
}

// A row's output is a view, as into a batch: the bytes are kept here.
std::span<const char> kept(std::string bytes) {
  static std::deque<std::string> store;  // deque: earlier elements never move
  store.push_back(std::move(bytes));
  return store.back();
}

// The kind's output: a square's int64, or a crunch's or download's {value, metric}.
ResultRow row(std::uint64_t id, const TaskSpec& spec, std::int64_t value, double metric = 0) {
  ResultRow r;
  r.id = id;
  r.spec = &spec;
  r.output = spec.kind == model_test::square_id() ? kept(model_test::i64_output(value))
                                                  : kept(model_test::pair_output(value, metric));
  r.rank = 1;
  r.host = "n1";
  r.pid = 42;
  r.thread = 3;
  r.start_us = 1700000000000000;
  r.end_us = 1700000000000250;
  return r;
}

std::vector<ResultRow> sample_rows() {
  ResultRow failed = row(1, specs().big, 0);
  failed.ok = false;
  failed.error = "square of 4000000000 overflows int64";
  failed.attempts = 3;
  const ResultRow crunched = row(2, specs().crunch, 1000, 0.3125);
  ResultRow downloaded = row(3, specs().download, 0, 2.5);
  downloaded.host = "node \"7\"";
  return {row(0, specs().square, 144), failed, crunched, downloaded};
}

std::string write_rows(OutputFormat format, const std::vector<ResultRow>& rows,
                       const std::vector<Column>& columns = default_columns()) {
  std::FILE* file = std::tmpfile();
  EXPECT_NE(file, nullptr);
  auto sink = make_sink(file, format, columns);
  for (const ResultRow& r : rows) sink->write(r);
  sink->close();
  std::rewind(file);
  std::string text;
  char chunk[4096];
  for (std::size_t n; (n = std::fread(chunk, 1, sizeof chunk, file)) > 0;) text.append(chunk, n);
  std::fclose(file);
  return text;
}

std::string parse_error(std::string_view list) {
  try {
    parse_columns(list);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Columns, DefaultsAreEveryColumnInOrder) {
  std::string names;
  for (const Column c : default_columns()) names += std::string(column_name(c)) + ",";
  EXPECT_EQ(names,
            "id,kind,input,ok,value,metric,error,attempts,rank,host,pid,thread,start_us,"
            "end_us,");
  EXPECT_EQ(parse_columns("id,kind,input,ok,value,metric,error,attempts,rank,host,pid,thread,"
                          "start_us,end_us"),
            default_columns());
}

TEST(Columns, ParsesAListInItsOrder) {
  EXPECT_EQ(parse_columns("id,value,error"),
            (std::vector<Column>{Column::id, Column::value, Column::error}));
  EXPECT_EQ(parse_columns(" end_us , id"), (std::vector<Column>{Column::end_us, Column::id}));
  EXPECT_EQ(parse_columns("attempts"), (std::vector<Column>{Column::attempts}));
}

TEST(Columns, BadListsAreInputErrors) {
  EXPECT_EQ(parse_error(""), "--columns names no column");
  EXPECT_EQ(parse_error(" , "), "--columns names no column");
  EXPECT_EQ(parse_error("id,x"),
            "unknown column \"x\" (known: id, kind, input, ok, value, metric, error, attempts, "
            "rank, host, pid, thread, start_us, end_us, signal, user_s, sys_s, max_rss_kib, captured, tag)");
  EXPECT_EQ(parse_error("ID").rfind("unknown column \"ID\" (known: id, ", 0), 0u);  // exact names
  EXPECT_EQ(parse_error("id,value,id"), "column \"id\" is named twice");
  EXPECT_EQ(parse_error("id,,value"), "--columns has an empty name in \"id,,value\"");
  EXPECT_EQ(parse_error("id,"), "--columns has an empty name in \"id,\"");
}

TEST(JsonString, EscapesQuotesBackslashesAndControls) {
  std::string out;
  append_json_string("plain", out);
  append_json_string(
      "q\"b\\n\nt\tr\r\x01\x1f"
      "é",
      out);
  EXPECT_EQ(out, R"("plain""q\"b\\n\nt\tr\r\u0001\u001fé")");
}

TEST(Sinks, JsonlRowsAreExact) {
  const std::string expected =
      R"({"id":0,"kind":"square","input":12,"ok":true,"value":144,"metric":null,"error":null,)"
      R"("attempts":1,"rank":1,"host":"n1","pid":42,"thread":3,"start_us":1700000000000000,)"
      R"("end_us":1700000000000250})"
      "\n"
      R"({"id":1,"kind":"square","input":4000000000,"ok":false,"value":null,"metric":null,)"
      R"("error":"square of 4000000000 overflows int64","attempts":3,"rank":1,"host":"n1",)"
      R"("pid":42,"thread":3,"start_us":1700000000000000,"end_us":1700000000000250})"
      "\n"
      R"({"id":2,"kind":"crunch","input":1000,"ok":true,"value":1000,"metric":0.3125,"error":null,)"
      R"("attempts":1,"rank":1,"host":"n1","pid":42,"thread":3,"start_us":1700000000000000,)"
      R"("end_us":1700000000000250})"
      "\n"
      R"({"id":3,"kind":"download","input":"a,\"b\".bin","ok":true,"value":0,"metric":2.5,)"
      R"("error":null,"attempts":1,"rank":1,"host":"node \"7\"","pid":42,"thread":3,)"
      R"("start_us":1700000000000000,"end_us":1700000000000250})"
      "\n";
  EXPECT_EQ(write_rows(OutputFormat::jsonl, sample_rows()), expected);
}

TEST(Sinks, CsvRowsAreExactAndQuoted) {
  const std::string expected =
      "id,kind,input,ok,value,metric,error,attempts,rank,host,pid,thread,start_us,end_us\n"
      "0,square,12,true,144,,,1,1,n1,42,3,1700000000000000,1700000000000250\n"
      "1,square,4000000000,false,,,square of 4000000000 overflows int64,3,1,n1,42,3,"
      "1700000000000000,1700000000000250\n"
      "2,crunch,1000,true,1000,0.3125,,1,1,n1,42,3,1700000000000000,1700000000000250\n"
      "3,download,\"a,\"\"b\"\".bin\",true,0,2.5,,1,1,\"node \"\"7\"\"\",42,3,"
      "1700000000000000,1700000000000250\n";
  EXPECT_EQ(write_rows(OutputFormat::csv, sample_rows()), expected);
}

TEST(Sinks, ChosenColumnsAreWrittenInTheirOrder) {
  const std::vector<Column> columns = parse_columns("error,id,attempts,value");
  EXPECT_EQ(write_rows(OutputFormat::jsonl, sample_rows(), columns),
            R"({"error":null,"id":0,"attempts":1,"value":144})"
            "\n"
            R"({"error":"square of 4000000000 overflows int64","id":1,"attempts":3,"value":null})"
            "\n"
            R"({"error":null,"id":2,"attempts":1,"value":1000})"
            "\n"
            R"({"error":null,"id":3,"attempts":1,"value":0})"
            "\n");
  EXPECT_EQ(write_rows(OutputFormat::csv, sample_rows(), columns),
            "error,id,attempts,value\n"
            ",0,1,144\n"
            "square of 4000000000 overflows int64,1,3,\n"
            ",2,1,1000\n"
            ",3,1,0\n");
  const std::vector<Column> one = {Column::host};
  EXPECT_EQ(write_rows(OutputFormat::csv, sample_rows(), one),
            "host\nn1\nn1\nn1\n\"node \"\"7\"\"\"\n");
  EXPECT_EQ(write_rows(OutputFormat::jsonl, {sample_rows()[3]}, {Column::input, Column::kind}),
            R"({"input":"a,\"b\".bin","kind":"download"})"
            "\n");
}

TEST(Sinks, TagsAreEchoedAndNullWithout) {
  TaskSpec tagged = model_test::square_spec(3);
  tagged.tag = "sample \"17\", a";
  const std::vector<ResultRow> rows = {row(0, tagged, 9), row(1, specs().square, 144)};
  const std::vector<Column> columns = with_tag_column({Column::id, Column::value});
  EXPECT_EQ(columns, with_tag_column(columns)) << "added once";
  EXPECT_EQ(write_rows(OutputFormat::jsonl, rows, columns),
            R"({"id":0,"value":9,"tag":"sample \"17\", a"})"
            "\n"
            R"({"id":1,"value":144,"tag":null})"
            "\n");
  EXPECT_EQ(write_rows(OutputFormat::csv, rows, columns),
            "id,value,tag\n0,9,\"sample \"\"17\"\", a\"\n1,144,\n");
}

// Without a spec there is no kind to read the output with: value and metric are null too.
TEST(Sinks, RowsWithoutASpecHaveNullKindAndInput) {
  ResultRow r = row(9, specs().crunch, 81, 0.5);
  r.spec = nullptr;
  const std::vector<Column> columns = {Column::id,    Column::kind,   Column::input,
                                       Column::value, Column::metric, Column::ok};
  EXPECT_EQ(write_rows(OutputFormat::jsonl, {r}, columns),
            R"({"id":9,"kind":null,"input":null,"value":null,"metric":null,"ok":true})"
            "\n");
  EXPECT_EQ(write_rows(OutputFormat::csv, {r}, columns),
            "id,kind,input,value,metric,ok\n9,,,,,true\n");
}

TEST(Sinks, ExtremeNumbersAreWrittenWhole) {
  // A crunch's output: an int64 value and a double metric.
  ResultRow r = row(std::numeric_limits<std::uint64_t>::max(), specs().crunch,
                    std::numeric_limits<std::int64_t>::min(), -1.23456789e-300);
  r.rank = std::numeric_limits<std::int32_t>::min();
  r.attempts = std::numeric_limits<std::uint32_t>::max();
  r.start_us = std::numeric_limits<std::int64_t>::max();
  const std::vector<Column> columns = {Column::id,       Column::value,    Column::rank,
                                       Column::attempts, Column::start_us, Column::metric};
  EXPECT_EQ(write_rows(OutputFormat::csv, {r}, columns),
            "id,value,rank,attempts,start_us,metric\n"
            "18446744073709551615,-9223372036854775808,-2147483648,4294967295,"
            "9223372036854775807,-1.23456789e-300\n");
}

TEST(Sinks, CsvQuotesLineBreaksInErrors) {
  ResultRow failed = row(5, specs().square, 0);
  failed.ok = false;
  failed.error = "two\nlines, \"quoted\"";
  const std::string text = write_rows(OutputFormat::csv, {failed});
  EXPECT_NE(text.find(",\"two\nlines, \"\"quoted\"\"\","), std::string::npos) << text;
}

TEST(Sinks, MetricsKeepPrecisionAndNonFiniteBecomesNull) {
  ResultRow r = row(0, specs().crunch, 1, 7.123456789);
  EXPECT_NE(write_rows(OutputFormat::jsonl, {r}).find("\"metric\":7.12345679,"), std::string::npos);
  r = row(0, specs().crunch, 1, std::numeric_limits<double>::infinity());
  EXPECT_NE(write_rows(OutputFormat::jsonl, {r}).find("\"metric\":null,"), std::string::npos);
  EXPECT_EQ(write_rows(OutputFormat::csv, {r}, {Column::value, Column::metric}),
            "value,metric\n1,\n");
  // A square has no metric at all.
  EXPECT_NE(write_rows(OutputFormat::jsonl, {row(0, specs().square, 1)}).find("\"metric\":null,"),
            std::string::npos);
}

TEST(Sinks, LargeOutputIsWrittenCompletely) {
  std::vector<ResultRow> rows;
  for (std::uint64_t i = 0; i < 30000; ++i) rows.push_back(row(i, specs().square, 144));
  const std::string text = write_rows(OutputFormat::jsonl, rows);
  std::istringstream lines(text);
  std::uint64_t count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    ASSERT_EQ(line.rfind("{\"id\":" + std::to_string(count) + ",", 0), 0u);
  }
  EXPECT_EQ(count, 30000u);
}

TEST(Sinks, OpenSinkWritesAFileAndNamesBadPaths) {
  const auto path = std::filesystem::temp_directory_path() / "drover-test-sink.csv";
  auto sink = open_sink(path.string(), OutputFormat::csv);
  sink->write(row(0, specs().square, 144));
  sink->close();
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str().substr(0, 3), "id,");
  EXPECT_NE(text.str().find("\n0,square,12,true,144,"), std::string::npos);
  std::filesystem::remove(path);
  try {
    open_sink("/nonexistent-dir/out.jsonl", OutputFormat::jsonl);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "/nonexistent-dir/out.jsonl: cannot write output file: No such file or directory");
  }
}

TEST(Sinks, CloseReportsAFullDisk) {
  std::FILE* full = std::fopen("/dev/full", "wb");
  if (full == nullptr) GTEST_SKIP() << "no /dev/full";
  auto sink = make_sink(full, OutputFormat::jsonl);
  sink->write(row(0, specs().square, 144));
  try {
    sink->close();
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("No space left on device"), std::string::npos) << e.what();
  }
  std::fclose(full);
}

TEST(Sinks, WriteFailsFastOnAFullDisk) {
  std::FILE* full = std::fopen("/dev/full", "wb");
  if (full == nullptr) GTEST_SKIP() << "no /dev/full";
  auto sink = make_sink(full, OutputFormat::jsonl);
  // More than one buffer's worth: the first block write fails inside write().
  EXPECT_THROW(for (int i = 0; i < 20000; ++i)
                   sink->write(row(static_cast<std::uint64_t>(i), specs().square, 1)),
               std::runtime_error);
  EXPECT_THROW(sink->close(), std::runtime_error);
  std::fclose(full);
}

}  // namespace
}  // namespace drover
