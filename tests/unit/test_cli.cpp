// The command line: what each flag means, env fallbacks, and every kind of bad input.
#include <gtest/gtest.h>

#include "kinds/generators.hpp"

#include <initializer_list>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "model/errors.hpp"

namespace drover {
namespace {

CliResult parse(std::initializer_list<const char*> args, const EnvMap& env = {}) {
  std::vector<const char*> argv = {"drover"};
  argv.insert(argv.end(), args.begin(), args.end());
  return parse_cli(static_cast<int>(argv.size()), argv.data(), env);
}

std::string error_of(std::initializer_list<const char*> args, const EnvMap& env = {}) {
  try {
    parse(args, env);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Cli, SquareWithCountAndFrom) {
  const CliResult r = parse({"run", "square", "--count", "1000", "--from", "-5"});
  ASSERT_EQ(r.command, Command::run);
  ASSERT_TRUE(r.run.generator);
  EXPECT_EQ(*r.run.generator, square_generator(1000, -5));
  EXPECT_TRUE(r.run.ordered);
  EXPECT_EQ(r.run.batch, 0u);
}

TEST(Cli, CrunchTasksAndCount) {
  const CliResult r = parse({"run", "crunch", "--tasks", "8", "--count", "10000000"});
  EXPECT_EQ(*r.run.generator, crunch_generator(8, 10'000'000));
}

TEST(Cli, DownloadDefaultsAreFiveToTenSeconds) {
  const CliResult r = parse({"run", "download"});
  EXPECT_EQ(*r.run.generator, download_generator(20, 5.0, 10.0, 1));
  const CliResult s =
      parse({"run", "download", "--tasks", "3", "--min", "0.5", "--max", "1", "--seed", "7", "-q"});
  EXPECT_EQ(*s.run.generator, download_generator(3, 0.5, 1, 7));
  EXPECT_FALSE(s.run.announce);
}

TEST(Cli, TaskFileOutputAndFormat) {
  const CliResult r = parse({"run", "--tasks-file", "t.jsonl", "--output", "r.csv", "--format",
                             "csv", "--unordered", "--batch", "1", "--threads", "3"});
  EXPECT_FALSE(r.run.generator);
  EXPECT_EQ(r.run.tasks_file, "t.jsonl");
  EXPECT_EQ(r.run.output, "r.csv");
  EXPECT_EQ(r.run.format, OutputFormat::csv);
  EXPECT_FALSE(r.run.ordered);
  EXPECT_EQ(r.run.batch, 1u);
  EXPECT_EQ(r.run.threads, 3u);
}

TEST(Cli, EnvironmentFillsWhatTheCommandLineLeavesOut) {
  const EnvMap env = {{"DROVER_THREADS", "6"},
                      {"DROVER_BATCH", "16"},
                      {"DROVER_FORMAT", "csv"},
                      {"DROVER_UNRELATED", "x"}};
  const CliResult r = parse({"run", "square", "--threads", "2"}, env);
  EXPECT_EQ(r.run.threads, 2u) << "the command line wins";
  EXPECT_EQ(r.run.batch, 16u);
  EXPECT_EQ(r.run.format, OutputFormat::csv);
}

TEST(Cli, HelpAndVersion) {
  EXPECT_EQ(parse({"--help"}).command, Command::help);
  EXPECT_NE(parse({"--help"}).text.find("Exit codes"), std::string::npos);
  const CliResult run_help = parse({"run", "--help"});
  EXPECT_EQ(run_help.command, Command::help);
  EXPECT_NE(run_help.text.find("--tasks-file"), std::string::npos);
  EXPECT_EQ(parse({"--version"}).command, Command::version);
  EXPECT_NE(parse({"--version"}).text.find("drover "), std::string::npos);
  EXPECT_EQ(parse({"info"}).command, Command::info);
}

struct BadCase {
  std::vector<const char*> args;
  const char* expected;  // a fragment the one-line message must contain
};

TEST(Cli, BadInputIsOneLineNamingTheProblem) {
  const std::vector<BadCase> cases = {
      {{}, "no command"},
      {{"frobnicate"}, "unknown command \"frobnicate\""},
      {{"run"}, "needs a kind"},
      {{"run", "cube"}, "unknown kind \"cube\""},
      {{"run", "square", "crunch"}, "one kind"},
      {{"run", "square", "--count", "-1"}, "--count -1 is out of range"},
      {{"run", "square", "--count", "abc"}, "count"},
      {{"run", "square", "--count", "99999999999999999999"}, "count"},
      {{"run", "square", "--from", "9223372036854775807", "--count", "2"}, "runs past"},
      {{"run", "crunch", "--count", "-5"}, "--count -5 is out of range"},
      {{"run", "crunch", "--tasks", "-1"}, "--tasks -1"},
      {{"run", "download", "--min", "9", "--max", "2"}, "--min 9"},
      {{"run", "download", "--min", "-1"}, "--min must be"},
      {{"run", "download", "--max", "nan"}, "--max must be"},
      {{"run", "download", "--max", "1e300"}, "--max must be"},
      {{"run", "square", "--min", "1"}, "--min does not apply to square"},
      {{"run", "crunch", "--from", "1"}, "--from does not apply to crunch"},
      {{"run", "download", "--count", "1"}, "--count does not apply to download"},
      {{"run", "square", "--tasks-file", "x"}, "not both"},
      {{"run", "--tasks-file", "x", "--count", "3"}, "--count does not apply"},
      {{"run", "--tasks-file", ""}, "must name a file"},
      {{"run", "square", "--format", "xml"}, "--format must be jsonl or csv"},
      {{"run", "square", "--batch", "-2"}, "--batch -2"},
      {{"run", "square", "--threads", "100000"}, "--threads 100000"},
      {{"run", "square", "--io-window", "0"}, "--io-window 0"},
      {{"run", "square", "--bogus"}, "bogus"},
      {{"run", "square", "--count"}, "count"},
      {{"run", "square", "--output", ""}, "--output must name a file"},
      {{"info", "--threads", "-3"}, "--threads -3"},
  };
  for (const BadCase& c : cases) {
    std::vector<const char*> argv = {"drover"};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    std::string message = "(no error)";
    try {
      parse_cli(static_cast<int>(argv.size()), argv.data(), {});
    } catch (const InputError& e) {
      message = e.what();
    }
    std::string joined;
    for (const char* a : c.args) joined += std::string(a) + " ";
    EXPECT_NE(message.find(c.expected), std::string::npos)
        << "args: " << joined << "\nmessage: " << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
  }
}

TEST(Cli, BadEnvironmentValuesAreNamed) {
  EXPECT_NE(error_of({"run", "square"}, {{"DROVER_THREADS", "many"}}).find("threads"),
            std::string::npos);
}

// Issue 11: SLURM_CPUS_PER_TASK=100000 got past the --threads cap to fail at
// start-up (exit 3), and 5000 started 5000 threads.
TEST(Cli, SlurmCpusPerTaskIsCheckedLikeThreads) {
  for (const char* value : {"100000", "5000", "0", "-2", "8x", "many"}) {
    const EnvMap env = {{"SLURM_CPUS_PER_TASK", value}};
    const std::string message = error_of({"run", "square"}, env);
    EXPECT_EQ(message.rfind("SLURM_CPUS_PER_TASK=" + std::string(value) + " ", 0), 0u) << message;
    EXPECT_NE(message.find("[1, 4096]"), std::string::npos) << message;
    EXPECT_NE(error_of({"info"}, env).find("SLURM_CPUS_PER_TASK"), std::string::npos);
    EXPECT_EQ(parse({"run", "square", "--threads", "2"}, env).run.threads, 2u)
        << "--threads wins, the variable is not used";
  }
  EXPECT_EQ(parse({"run", "square"}, {{"SLURM_CPUS_PER_TASK", "4096"}}).run.threads, 0u);
  EXPECT_EQ(parse({"run", "square"}, {{"SLURM_CPUS_PER_TASK", ""}}).run.threads, 0u);
}

TEST(Cli, EmptyEnvironmentFallbacksAreUnset) {
  const EnvMap env = {{"DROVER_THREADS", ""},   {"DROVER_BATCH", ""}, {"DROVER_FORMAT", ""},
                      {"DROVER_IO_WINDOW", ""}, {"DROVER_QUIET", ""}, {"DROVER_OUTPUT", ""}};
  const CliResult r = parse({"run", "square"}, env);
  EXPECT_EQ(r.run.threads, 0u);
  EXPECT_EQ(r.run.batch, 0u);
  EXPECT_EQ(r.run.format, OutputFormat::jsonl);
  EXPECT_EQ(r.run.io_window, 100'000u);
  EXPECT_TRUE(r.run.announce);
  EXPECT_EQ(r.run.output, "");
  EXPECT_EQ(parse({"info"}, env).command, Command::info);
}

}  // namespace
}  // namespace drover
