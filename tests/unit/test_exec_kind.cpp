// The exec kind: its codecs, its task-file fields, and ExecLane's slots over a real io_context.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <map>
#include <string>
#include <vector>

#include "inputs/task_file.hpp"
#include "kinds/exec_codec.hpp"
#include "kinds/exec_lane.hpp"
#include "model/errors.hpp"
#include "model/kinds.hpp"

namespace drover {
namespace {

const bool builtins_registered = [] {
  register_builtin_kinds();
  return true;
}();

ExecInput decoded_line(const std::string& json) {
  const TaskSpec spec = parse_task_line(json, "t.jsonl", 1);
  EXPECT_EQ(kind_info(spec.kind).name, "exec");
  return decode_exec_input(spec.input);
}

TEST(ExecCodec, InputsOutputsAndSettingsRoundTrip) {
  ExecInput in;
  in.argv = {"./sim", "--seed", "7", ""};
  in.cwd = "runs/7";
  in.env = {{"OMP_NUM_THREADS", "2"}, {"EMPTY", ""}};
  in.timeout_seconds = 600;
  in.cores = 2;
  std::string bytes;
  encode_exec_input(in, bytes);
  EXPECT_EQ(decode_exec_input(bytes), in);
  EXPECT_EQ(exec_cores(bytes), 2u);
  EXPECT_EQ(exec_command_line(in), "./sim --seed 7 ''");

  ExecInput shell;
  shell.cmd = "echo {%} and {%}";
  shell.slot_at = {5, 13};
  bytes.clear();
  encode_exec_input(shell, bytes);
  EXPECT_EQ(decode_exec_input(bytes), shell);

  const ExecOutput out{3, 0, 1.5, 0.25, 0.125, 2048, "tail\n"};
  bytes.clear();
  encode_exec_output(out, bytes);
  EXPECT_EQ(decode_exec_output(bytes), out);

  ExecSettings settings;
  settings.slots = 4;
  settings.timeout_seconds = 0.5;
  settings.tag = true;
  settings.task_output = "out";
  settings.capture = 100;
  bytes.clear();
  encode_exec_settings(settings, bytes);
  EXPECT_EQ(decode_exec_settings(bytes), settings);
  EXPECT_EQ(decode_exec_settings({}), ExecSettings{});
}

TEST(ExecCodec, DamagedBytesThrowRatherThanReadPastTheEnd) {
  ExecInput in;
  in.argv = {"a", "b"};
  std::string bytes;
  encode_exec_input(in, bytes);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_THROW(decode_exec_input(std::span<const char>(bytes.data(), n)), std::invalid_argument)
        << n;
  }
  std::string huge = bytes;
  huge[1] = '\xff';  // the argv count
  huge[2] = '\xff';
  EXPECT_THROW(decode_exec_input(huge), std::invalid_argument);
  EXPECT_THROW(decode_exec_input(bytes + "x"), std::invalid_argument);
}

TEST(ExecCodec, TaskOutputDirectoriesAreShardedByThousands) {
  EXPECT_EQ(exec_task_output_dir("out", 0), "out/0/0");
  EXPECT_EQ(exec_task_output_dir("out/", 999), "out/0/999");
  EXPECT_EQ(exec_task_output_dir("out", 12345), "out/12/12345");
}

TEST(ExecTaskFile, FieldsAreReadAndCheckedOneLineEach) {
  const ExecInput in = decoded_line(
      R"({"kind":"exec","argv":["ls","-l"],"cwd":"d","env":{"A":"1"},"timeout":2.5,"cores":3})");
  EXPECT_EQ(in.argv, (std::vector<std::string>{"ls", "-l"}));
  EXPECT_EQ(in.cwd, "d");
  EXPECT_EQ(in.env, (std::vector<std::pair<std::string, std::string>>{{"A", "1"}}));
  EXPECT_EQ(in.timeout_seconds, 2.5);
  EXPECT_EQ(in.cores, 3u);
  EXPECT_EQ(decoded_line(R"({"kind":"exec","cmd":"echo hi"})").cmd, "echo hi");

  const std::map<std::string, std::string> bad = {
      {R"({"kind":"exec","cmd":"a","argv":["a"]})", "not both"},
      {R"({"kind":"exec"})", "missing field \"cmd\""},
      {R"({"kind":"exec","argv":[]})", "non-empty list"},
      {R"({"kind":"exec","argv":[""]})", "empty program name"},
      {R"({"kind":"exec","cmd":"a\u0000b"})", "NUL"},
      {R"({"kind":"exec","cmd":"a","timeout":0})", "\"timeout\" must be seconds"},
      {R"({"kind":"exec","cmd":"a","cores":1.5})", "\"cores\" must be an integer"},
      {R"({"kind":"exec","cmd":"a","env":{"X":3}})", "must be a string"},
      {R"({"kind":"exec","cmd":"a","cwd":""})", "\"cwd\" is empty"},
      {R"({"kind":"exec","cmd":"a","shell":"bash"})", "unknown field \"shell\""},
      {R"({"kind":"barrier","x":1})", "unknown field \"x\""},
  };
  for (const auto& [line, message] : bad) {
    try {
      parse_task_line(line, "t.jsonl", 4);
      ADD_FAILURE() << line;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("t.jsonl:4:"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  }
}

// A batch over a real io_context: records what ExecLane reports.
class RecordingBatch final : public IoBatch {
 public:
  RecordingBatch(boost::asio::io_context& io, std::vector<ExecInput> inputs)
      : outputs(inputs.size()), errors(inputs.size()), io_(io), inputs_(std::move(inputs)) {}
  std::size_t size() const override { return inputs_.size(); }
  std::span<const char> input(std::size_t i) override {
    scratch_.clear();
    encode_exec_input(inputs_[i], scratch_);
    return scratch_;
  }
  void finish(std::size_t i, std::span<const char> output, Clock::time_point,
              Clock::time_point) override {
    outputs[i] = decode_exec_output(output);
    order.push_back(i);
  }
  void fail(std::size_t i, std::string_view message) override {
    errors[i] = message;
    order.push_back(i);
  }
  void fail_with_output(std::size_t i, std::string_view message, std::span<const char> output,
                        Clock::time_point, Clock::time_point) override {
    outputs[i] = decode_exec_output(output);
    fail(i, message);
  }
  void at(Clock::time_point, std::function<void()>) override {}
  bool announcing() const override { return false; }
  void announce(std::string_view) override {}
  std::uint64_t task_id(std::size_t i) const override { return 100 + i; }
  std::uint32_t attempt(std::size_t) const override { return 1; }
  int rank() const override { return 0; }
  unsigned threads() const override { return 1; }
  boost::asio::io_context& io_context() override { return io_; }
  std::shared_ptr<void>& lane_state() override { return state_; }
  std::function<void(bool, std::string_view)> line_writer() override {
    return [this](bool, std::string_view text) { lines.append(text); };
  }
  std::string_view settings() const override { return {}; }

  std::vector<ExecOutput> outputs;
  std::vector<std::string> errors;
  std::vector<std::size_t> order;
  std::string lines;

 private:
  boost::asio::io_context& io_;
  std::vector<ExecInput> inputs_;
  std::string scratch_;
  std::shared_ptr<void> state_;
};

ExecInput shell(std::string cmd, std::uint32_t cores = 1) {
  ExecInput in;
  in.cmd = std::move(cmd);
  in.cores = cores;
  return in;
}

TEST(ExecLane, SlotsBoundConcurrencyAndAWideTaskWaitsForEnoughOfThem) {
  boost::asio::io_context io;
  // Two slots: the two-core task waits until both are free, and nothing overtakes it.
  RecordingBatch batch(io, {shell("echo t0 $DROVER_SLOT"), shell("echo t1 $DROVER_SLOT"),
                            shell("echo wide $DROVER_SLOT", 2), shell("exit 4"), shell("true", 3)});
  ExecSettings settings;
  settings.slots = 2;
  ExecLane lane(batch, settings);
  lane.add(batch);
  io.run();
  EXPECT_EQ(batch.errors[4], "needs 3 cores; rank 0 has 2 slots");
  EXPECT_EQ(batch.order.front(), 4u) << "refused before anything ran";
  // Task 2 (two cores) starts only once tasks 0 and 1 have both ended, and task 3 waits
  // behind it: orders the slots impose, whatever the machine's timing.
  const auto at = [&](std::size_t i) {
    return std::find(batch.order.begin(), batch.order.end(), i) - batch.order.begin();
  };
  EXPECT_LT(at(0), at(2));
  EXPECT_LT(at(1), at(2));
  EXPECT_LT(at(2), at(3));
  EXPECT_EQ(batch.outputs[3].exit_code, 4);
  EXPECT_EQ(batch.errors[3], "exit 4");
  EXPECT_NE(batch.lines.find("t0 1\n"), std::string::npos) << batch.lines;
  EXPECT_NE(batch.lines.find("wide 1\n"), std::string::npos) << batch.lines;
  EXPECT_NE(batch.lines.find("t1 2\n"), std::string::npos)
      << "task 1 ran in slot 2: " << batch.lines;
}

TEST(ExecLane, SlotNumbersFillTheTemplatesPercentStrings) {
  boost::asio::io_context io;
  // "echo {%}-{%}" as CommandTemplate::expand_early leaves it: the text and where slots go.
  ExecInput in = shell("echo -");
  in.slot_at = {5, 6};
  RecordingBatch batch(io, {in});
  ExecLane lane(batch, ExecSettings{});
  lane.add(batch);
  io.run();
  EXPECT_EQ(batch.lines, "1-1\n");
}

}  // namespace
}  // namespace drover
