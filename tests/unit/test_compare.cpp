// Tests of drover compare's parts that start no process: options, configurations, command
// lines, the table's arithmetic and the choice of explanation.
#include <gtest/gtest.h>

#include "kinds/generators.hpp"

#include <string>
#include <vector>

#include "compare/compare.hpp"
#include "model/errors.hpp"

namespace drover::compare {
namespace {

using Args = std::vector<std::string>;

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

Workload crunch_work(std::uint64_t tasks) {
  Workload w;
  w.cpu_bound = true;
  w.tasks = tasks;
  w.count = 1000;
  return w;
}

Workload download_work() {
  Workload w;
  w.cpu_bound = false;
  w.tasks = 16;
  w.min_seconds = 0.2;
  w.max_seconds = 0.4;
  w.seed = 1;
  return w;
}

std::vector<Measurement> runs(std::initializer_list<double> seconds, double startup = 0.1) {
  std::vector<Measurement> out;
  for (const double s : seconds) out.push_back({s, s + startup});
  return out;
}

TEST(CompareConfigurations, CpuKindsGetSerialThreadsProcessesBoth) {
  const auto c = configurations(Lane::cpu, 2, 4);
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0], (Configuration{"serial", 1, 1, false}));
  EXPECT_EQ(c[1], (Configuration{"threads", 1, 4, false}));
  EXPECT_EQ(c[2], (Configuration{"processes", 2, 1, false}));
  EXPECT_EQ(c[3], (Configuration{"both", 2, 4, false}));
}

TEST(CompareConfigurations, IoKindsAddTheLaneAndSerialIsOneAtATime) {
  const auto c = configurations(Lane::io, 2, 2);
  ASSERT_EQ(c.size(), 5u);
  EXPECT_EQ(c[0], (Configuration{"serial", 1, 1, true}));
  EXPECT_EQ(c[1], (Configuration{"async lane", 1, 1, false}));
  EXPECT_EQ(c[4], (Configuration{"both", 2, 2, false}));
}

TEST(CompareConfigurations, RowsEqualToAnEarlierOneAreLeftOut) {
  EXPECT_EQ(configurations(Lane::cpu, 1, 1).size(), 1u);
  const auto one_rank = configurations(Lane::cpu, 1, 3);
  ASSERT_EQ(one_rank.size(), 2u);
  EXPECT_EQ(one_rank[1].name, "threads");
  const auto one_thread = configurations(Lane::io, 3, 1);
  ASSERT_EQ(one_thread.size(), 3u);
  EXPECT_EQ(one_thread[2].name, "processes");
}

TEST(CompareCommands, RunArgumentsPerKind) {
  EXPECT_EQ(run_arguments(crunch_work(8), {"threads", 1, 2, false}, "/t/s.json"),
            (Args{"run", "crunch", "--tasks", "8", "--count", "1000", "--threads", "2", "-q",
                  "--summary-json", "/t/s.json"}));
  EXPECT_EQ(run_arguments(download_work(), {"serial", 1, 1, true}, "s.json"),
            (Args{"run", "download", "--tasks", "16", "--min", "0.2", "--max", "0.4", "--seed", "1",
                  "--threads", "1", "--io-window", "1", "-q", "--summary-json", "s.json"}));
}

TEST(CompareCommands, MpirunOnlyForSeveralRanksAndAlwaysUnderTimeout) {
  const Args args = {"run", "crunch"};
  EXPECT_EQ(command_line("/b/drover", "/usr/bin/mpirun", {"threads", 1, 2, false}, args, 60, false),
            (Args{"timeout", "-k", "10", "60", "/b/drover", "run", "crunch"}));
  EXPECT_EQ(command_line("/b/drover", "/usr/bin/mpirun", {"both", 3, 2, false}, args, 60, true),
            (Args{"timeout", "-k", "10", "60", "/usr/bin/mpirun", "--quiet", "--oversubscribe",
                  "--bind-to", "none", "--allow-run-as-root", "--mca", "mpi_yield_when_idle", "1",
                  "-np", "3", "/b/drover", "run", "crunch"}));
}

TEST(CompareOptions, DefaultsComeFromTheCores) {
  const Options o = parse_options({}, 6);
  EXPECT_FALSE(o.help);
  EXPECT_EQ(o.ranks, 6u);
  EXPECT_EQ(o.threads, 6u);
  EXPECT_EQ(o.cores, 6u);
  EXPECT_EQ(o.repeat, 3u);
  ASSERT_EQ(o.workloads.size(), 2u);
  EXPECT_EQ(o.workloads[0].kind_name(), "crunch");
  EXPECT_EQ(o.workloads[0].tasks, 48u);  // 8 per core
  EXPECT_EQ(o.workloads[1].kind_name(), "download");
  EXPECT_EQ(o.workloads[1].tasks, 16u);
  EXPECT_DOUBLE_EQ(o.workloads[1].min_seconds, 0.2);
  EXPECT_DOUBLE_EQ(o.workloads[1].max_seconds, 0.4);
  EXPECT_TRUE(o.csv.empty());
  EXPECT_TRUE(o.mpirun.empty());
}

TEST(CompareOptions, GivenValuesWin) {
  const Options o = parse_options({"--kinds",   "download, crunch",
                                   "--ranks",   "3",
                                   "--threads", "1",
                                   "--repeat",  "5",
                                   "--tasks",   "7",
                                   "--count",   "99",
                                   "--min",     "0.01",
                                   "--max",     "0.02",
                                   "--csv",     "t.csv",
                                   "--timeout", "30",
                                   "--mpirun",  "/opt/mpi/bin/mpirun"},
                                  2);
  EXPECT_EQ(o.ranks, 3u);
  EXPECT_EQ(o.threads, 1u);
  EXPECT_EQ(o.repeat, 5u);
  EXPECT_EQ(o.timeout_seconds, 30u);
  ASSERT_EQ(o.workloads.size(), 2u);
  EXPECT_EQ(o.workloads[0].kind_name(), "download");
  EXPECT_EQ(o.workloads[0].tasks, 7u);
  EXPECT_DOUBLE_EQ(o.workloads[0].max_seconds, 0.02);
  EXPECT_EQ(o.workloads[1].tasks, 7u);
  EXPECT_EQ(o.workloads[1].count, 99);
  EXPECT_EQ(o.csv, "t.csv");
  EXPECT_EQ(o.mpirun, "/opt/mpi/bin/mpirun");
}

TEST(CompareOptions, HelpExplainsTheRows) {
  EXPECT_TRUE(parse_options({"--help"}, 2).help);
  EXPECT_TRUE(parse_options({"-h", "--ranks", "0"}, 2).help) << "help wins over bad values";
  const std::string help = help_text(2);
  for (const char* part : {"--ranks", "--threads", "--repeat", "--kinds", "--csv", "--io-window 1",
                           "Process(target=only_sleep())", "oversubscription", "2 here"}) {
    EXPECT_TRUE(has(help, part)) << part << " missing from:\n" << help;
  }
}

// Issue 11: the help showed "(=0.20000000000000001)" for --min.
TEST(CompareOptions, HelpShowsDefaultsAsWritten) {
  const std::string help = help_text(2);
  EXPECT_TRUE(has(help, "--min arg (=0.2)")) << help;
  EXPECT_TRUE(has(help, "--max arg (=0.4)")) << help;
  EXPECT_FALSE(has(help, "0.2000")) << help;
  EXPECT_FALSE(has(help, "0.4000")) << help;
}

TEST(CompareOptions, BadValuesAreOneLineErrors) {
  const std::vector<Args> bad = {{"--kinds", "square"},
                                 {"--kinds", "crunch,crunch"},
                                 {"--kinds", ""},
                                 {"--ranks", "0"},
                                 {"--threads", "x"},
                                 {"--repeat", "0"},
                                 {"--min", "1", "--max", "0.5"},
                                 {"--max", "nan"},
                                 {"--tasks", "0"},
                                 {"--bogus"},
                                 {"extra"},
                                 {"--csv", ""}};
  for (const Args& args : bad) {
    try {
      (void)parse_options(args, 2);
      ADD_FAILURE() << "accepted: " << args[0];
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    }
  }
}

TEST(CompareTable, StatIsMedianMinMax) {
  const Stat odd = Stat::of({3, 1, 2});
  EXPECT_DOUBLE_EQ(odd.median, 2);
  EXPECT_DOUBLE_EQ(odd.min, 1);
  EXPECT_DOUBLE_EQ(odd.max, 3);
  EXPECT_DOUBLE_EQ(Stat::of({4, 1, 2, 3}).median, 2.5);
  EXPECT_THROW((void)Stat::of({}), std::invalid_argument);
}

TEST(CompareTable, SpeedupAndEfficiencyAgainstSerial) {
  const Workload w = crunch_work(16);
  const auto configs = configurations(Lane::cpu, 2, 2);
  const auto rows =
      make_rows(w, configs,
                {runs({4.0, 4.2, 3.9}), runs({2.1, 2.0, 2.2}), runs({2.05}), runs({2.0, 2.1})}, 2);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_DOUBLE_EQ(rows[0].speedup, 1.0);
  EXPECT_DOUBLE_EQ(*rows[0].efficiency, 1.0);
  EXPECT_DOUBLE_EQ(rows[1].speedup, 4.0 / 2.1);
  EXPECT_EQ(rows[1].cores_used, 2u);
  EXPECT_DOUBLE_EQ(*rows[1].efficiency, 4.0 / 2.1 / 2);
  EXPECT_DOUBLE_EQ(rows[1].whole.median, 2.2);
  EXPECT_EQ(rows[3].workers, 4u);
  EXPECT_EQ(rows[3].cores_used, 2u);
  EXPECT_TRUE(rows[3].oversubscribed);
  EXPECT_FALSE(rows[2].oversubscribed);
  EXPECT_DOUBLE_EQ(rows[3].drover.median, 2.05);
  EXPECT_THROW((void)make_rows(w, configs, {runs({1})}, 2), std::invalid_argument);
}

TEST(CompareTable, IoRowsHaveNoEfficiency) {
  const auto rows =
      make_rows(download_work(), configurations(Lane::io, 2, 2),
                {runs({4.8}), runs({0.4}), runs({0.4}), runs({0.41}), runs({0.41})}, 2);
  EXPECT_DOUBLE_EQ(rows[1].speedup, 12.0);
  for (const Row& row : rows) EXPECT_FALSE(row.efficiency.has_value());
}

TEST(CompareExplain, CpuRowsSayWhatCoresAllow) {
  const Workload w = crunch_work(15);
  const auto rows = make_rows(w, configurations(Lane::cpu, 2, 2),
                              {runs({4}), runs({2.02}), runs({3}), runs({2})}, 2);
  EXPECT_TRUE(has(rows[0].why, "baseline")) << rows[0].why;
  EXPECT_TRUE(has(rows[1].why, "gains only from cores, at best 2x; got 1.98x")) << rows[1].why;
  EXPECT_FALSE(has(rows[1].why, "but")) << rows[1].why;
  EXPECT_TRUE(has(rows[2].why, "15 tasks do not split evenly over 2 workers")) << rows[2].why;
  EXPECT_TRUE(has(rows[3].why, "4 workers (2 x 2) on 2 cores: oversubscribed")) << rows[3].why;

  const auto few =
      make_rows(crunch_work(1), configurations(Lane::cpu, 1, 2), {runs({1}), runs({1})}, 2);
  EXPECT_TRUE(has(few[1].why, "but only 1 task for 2 workers")) << few[1].why;
  const auto even =
      make_rows(crunch_work(16), configurations(Lane::cpu, 1, 2), {runs({1}), runs({1})}, 2);
  EXPECT_TRUE(has(even[1].why, "overhead")) << even[1].why;
}

TEST(CompareExplain, IoRowsSaySumOrLongest) {
  const Workload w = download_work();
  const auto rows =
      make_rows(w, configurations(Lane::io, 2, 2),
                {runs({4.8}), runs({0.4}), runs({0.4}), runs({0.41}), runs({0.41})}, 2);
  // The durations are the generator's: their sum and maximum are known before any run.
  const Generator g = w.generator();
  double sum = 0, longest = 0;
  for (std::uint64_t id = 0; id < w.tasks; ++id) {
    const double seconds = download_seconds_of(g.make(id).input);
    sum += seconds;
    longest = std::max(longest, seconds);
  }
  char sum_text[32], longest_text[32];
  std::snprintf(sum_text, sizeof sum_text, "%.2f s", sum);
  std::snprintf(longest_text, sizeof longest_text, "%.2f s", longest);
  EXPECT_TRUE(has(rows[0].why, "one download at a time (--io-window 1)")) << rows[0].why;
  EXPECT_TRUE(has(rows[0].why, sum_text)) << rows[0].why;
  EXPECT_TRUE(has(rows[1].why, "overlap on the async lane")) << rows[1].why;
  EXPECT_TRUE(has(rows[1].why, longest_text)) << rows[1].why;
  EXPECT_TRUE(has(rows[1].why, "beyond the cores")) << rows[1].why;
  EXPECT_TRUE(has(rows[2].why, "2 pool threads change nothing")) << rows[2].why;
  EXPECT_TRUE(has(rows[4].why, "split over 2 ranks")) << rows[4].why;
}

TEST(CompareTable, TextAndCsv) {
  const Workload w = crunch_work(16);
  const auto rows =
      make_rows(w, configurations(Lane::cpu, 2, 1), {runs({4, 4.4}), runs({2, 2.2})}, 2);
  const std::string table = format_table(w, rows, 2);
  EXPECT_TRUE(has(table,
                  "crunch: 16 crunch tasks of 1000 increments (CPU-bound); median "
                  "[min-max] of 2 runs\n"))
      << table;
  EXPECT_TRUE(has(table, "config     ranks x threads  cores used  drover s")) << table;
  EXPECT_TRUE(has(table, "serial     1 x 1            1           4.200 [4.000-4.400]")) << table;
  EXPECT_TRUE(has(table, "2.00x")) << table;
  EXPECT_TRUE(has(table, "100%")) << table;
  EXPECT_TRUE(has(table, "      why: the baseline")) << table;

  const std::string csv = csv_header() + csv_rows(w, rows);
  EXPECT_TRUE(has(csv, "kind,config,ranks,threads,io_window,workers,cores_used,oversubscribed,"))
      << csv;
  EXPECT_TRUE(has(csv, "\ncrunch,processes,2,1,,2,2,false,2.1,2,2.2,2.2,2.1,2.3,2,1,\"2 workers "))
      << csv;
  const auto io =
      make_rows(download_work(), configurations(Lane::io, 1, 1), {runs({4}), runs({1})}, 1);
  EXPECT_TRUE(has(csv_rows(download_work(), io), "download,serial,1,1,1,1,1,false,")) << csv;
}

}  // namespace
}  // namespace drover::compare
