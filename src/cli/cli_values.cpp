// Option values of drover run that need parsing: generators, durations, --halt, exec flags.
#include "cli/cli_common.hpp"

#include <cmath>
#include <limits>

#include "kinds/generators.hpp"
#include "kinds/kernels.hpp"
#include "launch/durations.hpp"
#include "model/errors.hpp"
#include "model/kinds.hpp"

namespace drover::cli_detail {

Generator make_generator(const po::variables_map& vm, const std::string& kind_name) {
  const KindInfo* kind = find_kind(kind_name);
  if (kind == nullptr) {
    throw InputError("unknown kind \"" + kind_name + "\" (known: " + kind_names() + ")");
  }
  constexpr std::int64_t kMaxTasks = 1'000'000'000'000'000;  // 1e15: days of squares
  // The CLI's own flags for the built-in kinds' generators; any other kind
  // with a generator counts up from --from, as square does (an integer argument).
  if (kind->name != "crunch" && kind->name != "download") {
    if (!kind->generate) {
      throw InputError("kind " + kind->name + " has no generator here: give it a --tasks-file");
    }
    reject_foreign(vm, kind->name, {"tasks", "min", "max", "seed"});
    const std::int64_t count = int_in(vm, "count", 10, 0, kMaxTasks);
    const std::int64_t from =
        int_in(vm, "from", 0, std::numeric_limits<std::int64_t>::min(), kI64Max);
    if (count > 0 && from > kI64Max - (count - 1)) {
      throw InputError("--from " + std::to_string(from) + " with --count " + std::to_string(count) +
                       " runs past the largest 64-bit integer");
    }
    Generator g = square_generator(static_cast<std::uint64_t>(count), from);
    g.kind = kind->id;  // the same parameters: the input of task 0
    return g;
  }
  if (kind->name == "crunch") {
    reject_foreign(vm, "crunch", {"from", "min", "max", "seed"});
    const auto tasks = static_cast<std::uint64_t>(int_in(vm, "tasks", 8, 0, 1'000'000'000));
    return crunch_generator(tasks, int_in(vm, "count", 10'000'000, 0, kMaxCrunchCount));
  }
  if (kind->name == "download") {
    reject_foreign(vm, "download", {"from", "count"});
    const auto tasks = static_cast<std::uint64_t>(int_in(vm, "tasks", 20, 0, 100'000'000));
    const double min = seconds_in(vm, "min", 5.0);
    const double max = seconds_in(vm, "max", 10.0);
    if (min > max) {
      throw InputError("--min " + std::to_string(min) + " is above --max " + std::to_string(max));
    }
    const auto seed = static_cast<std::uint64_t>(int_in(vm, "seed", 1, 0, kI64Max));
    return download_generator(tasks, min, max, seed);
  }
  throw InputError("kind " + kind->name + " has no generator here: give it a --tasks-file");
}

// --timeout: seconds ("0.5", "0.5s", "600") or a duration ("90s", "15m", "1:30:00").
double timeout_in(const po::variables_map& vm, const char* name) {
  const std::string text = vm[name].as<std::string>();
  double seconds = -1;
  std::size_t used = 0;
  try {
    seconds = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used + 1 == text.size() && text.back() == 's') used = text.size();
  if (used != text.size()) {
    const auto d = parse_duration(text);
    seconds = d ? static_cast<double>(d->count()) : -1;
  }
  if (!std::isfinite(seconds) || seconds <= 0 || seconds > 365 * 24 * 3600.0) {
    throw InputError(std::string("--") + name +
                     " must be a positive duration (0.5, 90s, 15m), not \"" + text + "\"");
  }
  return seconds;
}

// --halt soon,fail=3 | now,fail=3 | soon,fail=20% | never (GNU parallel's spelling).
std::optional<HaltRule> halt_in(const std::string& text) {
  if (text == "never") return std::nullopt;
  const std::string bad =
      "--halt must be soon,fail=N, now,fail=N, soon,fail=N% or never, not \"" + text + "\"";
  const auto comma = text.find(',');
  if (comma == std::string::npos) throw InputError(bad);
  HaltRule rule;
  rule.text = text;
  const std::string when = text.substr(0, comma);
  std::string what = text.substr(comma + 1);
  if (when != "soon" && when != "now") throw InputError(bad);
  rule.now = when == "now";
  if (what.rfind("fail=", 0) != 0) throw InputError(bad);
  what = what.substr(5);
  const bool percent = !what.empty() && what.back() == '%';
  if (percent) what.pop_back();
  if (what.empty() || what.find_first_not_of("0123456789.") != std::string::npos) {
    throw InputError(bad);
  }
  const double value = std::stod(what);
  if (percent) {
    if (!(value > 0 && value <= 100))
      throw InputError("--halt: the percentage must be in (0, 100]");
    rule.percent = value;
  } else {
    if (value < 1 || value != std::floor(value) || value > 1e15) {
      throw InputError("--halt: fail=N needs a whole N >= 1");
    }
    rule.failures = static_cast<std::uint64_t>(value);
  }
  return rule;
}

// The exec kind's flags: a commands file or a template (and its lists), and how to run them.
void parse_exec(const po::variables_map& vm, const std::vector<std::string>& kinds,
                std::vector<std::string> lists, RunOptions& o) {
  const bool commands = vm.count("commands") != 0;
  if (commands) {
    o.commands_file = vm["commands"].as<std::string>();
    if (o.commands_file.empty()) throw InputError("--commands must name a file");
    if (kinds.size() > 1) throw InputError("give --commands FILE or a command template, not both");
    if (!lists.empty()) throw InputError("::: and :::: go with a command template, not --commands");
  } else if (kinds.size() < 2) {
    throw InputError(
        "drover run exec needs --commands FILE or a command template "
        "(drover run exec 'gzip {}' ::: a b)");
  } else {
    // GNU's habit: a command given as several words is one template.
    for (std::size_t i = 1; i < kinds.size(); ++i) {
      if (i > 1) o.command_template.push_back(' ');
      o.command_template += kinds[i];
    }
    o.arg_words = std::move(lists);
  }
  reject_foreign(vm, "exec", {"count", "from", "tasks", "min", "max", "seed"});
}

// How commands run, for drover run exec and for a task file's exec lines alike.
void parse_exec_settings(const po::variables_map& vm, RunOptions& o) {
  if (vm.count("slots") != 0) {
    o.exec.slots = static_cast<std::uint32_t>(int_in(vm, "slots", 0, 1, 1'000'000));
  }
  if (vm.count("timeout") != 0) o.exec.timeout_seconds = timeout_in(vm, "timeout");
  if (vm.count("kill-grace") != 0) o.exec.kill_grace_seconds = timeout_in(vm, "kill-grace");
  o.exec.tag = vm["tag"].as<bool>();
  if (vm.count("task-output") != 0) {
    o.exec.task_output = vm["task-output"].as<std::string>();
    if (o.exec.task_output.empty()) throw InputError("--task-output must name a directory");
  }
  if (vm.count("capture") != 0) {
    o.exec.capture = static_cast<std::uint64_t>(int_in(vm, "capture", 0, 0, 1 << 20));
  }
  if (vm.count("joblog") != 0) {
    o.joblog = vm["joblog"].as<std::string>();
    if (o.joblog.empty()) throw InputError("--joblog must name a file");
  }
}

}  // namespace drover::cli_detail
