// CommandSource over a template: the ::: / :::: product, {%} offsets, stdin, fingerprints, errors.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "command_source_test_util.hpp"
#include "inputs/command_source.hpp"
#include "kinds/exec_codec.hpp"
#include "model/errors.hpp"

namespace drover {
namespace {

using namespace std::string_literals;
using namespace command_source_test;

TEST(CommandSourceTemplate, TheProductExpandsWithSlotOffsetsForTheRankToFill) {
  std::istringstream none;
  const auto source = open_command_source(
      of_template("echo {1} {2} n={#} slot={%}/{%}", {":::", "a", "b c", ":::", "1", "2"}), none);
  EXPECT_FALSE(source->total().has_value());
  std::vector<std::string> finished;
  TaskBatch batch;
  while (source->next_batch(100, batch)) {
    EXPECT_EQ(batch.lane, Lane::io);
    for (const Task& t : batch.tasks) {
      EXPECT_EQ(t.spec.kind, exec_id());
      const ExecInput in = decode_exec_input(t.spec.input);
      EXPECT_TRUE(in.argv.empty());
      EXPECT_EQ(in.cores, 1u);
      ASSERT_EQ(in.slot_at.size(), 2u);
      const CommandTemplate::Pending pending{in.cmd, {in.slot_at[0], in.slot_at[1]}};
      finished.push_back(pending.finish(7));
    }
  }
  EXPECT_EQ(finished,
            (std::vector<std::string>{"echo a 1 n=1 slot=7/7", "echo a 2 n=2 slot=7/7",
                                      "echo 'b c' 1 n=3 slot=7/7", "echo 'b c' 2 n=4 slot=7/7"}));
  EXPECT_EQ(source->next_id(), 4u);
}

TEST(CommandSourceTemplate, TheOffsetsAreWhereTheSlotGoes) {
  std::istringstream none;
  const auto source = open_command_source(of_template("run {%} {}", {":::", "x"}), none);
  TaskBatch batch;
  ASSERT_TRUE(source->next_batch(1, batch));
  const ExecInput in = decode_exec_input(batch.tasks.at(0).spec.input);
  EXPECT_EQ(in.cmd, "run  x");
  EXPECT_EQ(in.slot_at, (std::vector<std::uint32_t>{4}));
}

TEST(CommandSourceTemplate, ArgumentsComeFromStdinWithFourColonsDashOrNoListsAtAll) {
  for (const auto& words : {std::vector<std::string>{"::::", "-"}, std::vector<std::string>{}}) {
    std::istringstream in("x.txt\ny z.txt\n");
    const auto source = open_command_source(of_template("gzip -9", words), in);
    EXPECT_EQ(source->fingerprint(), R"(exec template="gzip -9" lists=1 :::: "-")");
    EXPECT_EQ(batches(*source, 10),
              (std::vector<std::string>{"0:gzip -9 x.txt,1:gzip -9 'y z.txt'"}));
  }
}

TEST(CommandSourceTemplate, SkipToCountsTuplesAndKeepsTheirSequenceNumbers) {
  std::istringstream in("a\nb\nc\nd\n");
  const auto source = open_command_source(of_template("echo {#} {}", {"::::", "-"}), in);
  source->skip_to(2);
  EXPECT_EQ(batches(*source, 10), (std::vector<std::string>{"2:echo 3 c,3:echo 4 d"}));
}

TEST(CommandSourceTemplate, TheFingerprintNamesTheTemplateAndEveryList) {
  std::istringstream none;
  const auto spec = of_template("echo {1} {2}", {":::", "a", "b c", "::::", "-"});
  const std::string fingerprint = open_command_source(spec, none)->fingerprint();
  EXPECT_EQ(fingerprint, R"(exec template="echo {1} {2}" lists=2 ::: "a" "b c" :::: "-")");
  EXPECT_EQ(open_command_source(spec, none)->fingerprint(), fingerprint);
  EXPECT_NE(
      open_command_source(of_template("echo {1} {2}", {":::", "a", "b", "c", "::::", "-"}), none)
          ->fingerprint(),
      fingerprint);
  EXPECT_EQ(open_command_source(of_template("x", {":::"}), none)->fingerprint(),
            R"(exec template="x" lists=1 :::)");
}

TEST(CommandSourceTemplate, AnEmptyListGivesNoTasks) {
  std::istringstream none;
  const auto source = open_command_source(of_template("echo {}", {":::"}), none);
  EXPECT_FALSE(source->peek_kind().has_value());
  TaskBatch batch;
  EXPECT_FALSE(source->next_batch(5, batch));
  EXPECT_EQ(batch.first_id, 0u);
}

TEST(CommandSourceTemplate, BadTemplatesListsAndSpecsFailAtConstruction) {
  std::istringstream none;
  EXPECT_NE(error_of(of_template("echo {0}", {":::", "a"}), none), "no error");
  EXPECT_NE(error_of(of_template("echo {2}", {":::", "a"}), none), "no error");
  EXPECT_EQ(error_of(of_template("echo", {"a", ":::", "b"}), none),
            "'a': expected ::: or :::: before the arguments");
  EXPECT_EQ(error_of(of_template("echo", {"::::", "/no/such/list"}), none)
                .rfind("/no/such/list: cannot open argument file", 0),
            0u);
  EXPECT_EQ(error_of(CommandSourceSpec{}, none),
            "no commands: give a commands file or a command template");
  EXPECT_EQ(error_of(CommandSourceSpec{"cmds.txt", "echo", {}}, none),
            "give a commands file or a command template, not both");
  EXPECT_EQ(error_of(CommandSourceSpec{"-", {}, {":::", "a"}}, none),
            "':::': a commands file takes no argument lists (::: and :::: go with a template)");
}

TEST(CommandSourceTemplate, ABadArgumentLineFailsWhenReachedNamingFileAndLine) {
  std::istringstream in("ok\nbad\0arg\n"s);
  const auto source = open_command_source(of_template("echo", {"::::", "-"}), in);
  TaskBatch batch;
  ASSERT_TRUE(source->next_batch(1, batch));
  try {
    source->next_batch(5, batch);
    ADD_FAILURE() << "a NUL byte was accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "stdin:2: the argument holds a NUL byte");
  }
}

}  // namespace
}  // namespace drover
