// The exec and barrier kinds: any command as a task, registered as a user's kind is.
#include <cmath>
#include <memory>
#include <string>

#include "kinds/exec_codec.hpp"
#include "kinds/exec_lane.hpp"
#include "kinds/json_fields.hpp"
#include "kinds/kernels.hpp"
#include "kinds/pod.hpp"
#include "model/errors.hpp"
#include "model/json_text.hpp"
#include "model/kinds.hpp"

namespace drover::builtin {
namespace {

// A day of commands at most per task; beyond it a timeout is a typo.
constexpr double kMaxTimeoutSeconds = 365 * 24 * 3600.0;
constexpr std::int64_t kMaxCores = 4096;

// Strings reach execve and the shell as C strings: a NUL would cut them short.
const std::string& checked_text(const nlohmann::json& value, const std::string& what) {
  if (!value.is_string()) throw InputError(what + " must be a string");
  const std::string& text = value.get_ref<const std::string&>();
  if (text.find('\0') != std::string::npos) throw InputError(what + " must not contain NUL");
  return text;
}

void parse(const nlohmann::json& object, std::string& input) {
  check_fields(object, "exec", {"cmd", "argv", "cwd", "env", "timeout", "cores"});
  ExecInput in;
  const bool has_cmd = object.contains("cmd");
  const bool has_argv = object.contains("argv");
  if (has_cmd == has_argv) {
    throw InputError(has_cmd ? "give \"cmd\" or \"argv\", not both"
                             : "missing field \"cmd\" (a shell command) or \"argv\" (a list)");
  }
  if (has_cmd) {
    in.cmd = checked_text(object["cmd"], "\"cmd\"");
    if (in.cmd.find_first_not_of(" \t\r\n") == std::string::npos) {
      throw InputError("\"cmd\" is an empty command");
    }
  } else {
    const nlohmann::json& argv = object["argv"];
    if (!argv.is_array() || argv.empty())
      throw InputError("\"argv\" must be a non-empty list of strings");
    for (std::size_t i = 0; i < argv.size(); ++i) {
      in.argv.push_back(checked_text(argv[i], "\"argv\"[" + std::to_string(i) + "]"));
    }
    if (in.argv[0].empty()) throw InputError("\"argv\"[0] is an empty program name");
  }
  if (object.contains("cwd")) {
    in.cwd = checked_text(object["cwd"], "\"cwd\"");
    if (in.cwd.empty()) throw InputError("\"cwd\" is empty");
  }
  if (object.contains("env")) {
    const nlohmann::json& env = object["env"];
    if (!env.is_object()) throw InputError("\"env\" must be an object of strings");
    for (const auto& [name, value] : env.items()) {
      if (name.empty() || name.find_first_of("=\0", 0, 2) != std::string::npos) {
        throw InputError("\"env\" has a bad variable name \"" + name + "\"");
      }
      in.env.emplace_back(name, checked_text(value, "\"env\".\"" + name + "\""));
    }
  }
  if (object.contains("timeout")) {
    const double seconds = require_number(object, "timeout", "exec");
    if (!std::isfinite(seconds) || seconds <= 0 || seconds > kMaxTimeoutSeconds) {
      throw InputError("\"timeout\" must be seconds in (0, " +
                       std::to_string(static_cast<long long>(kMaxTimeoutSeconds)) + "]");
    }
    in.timeout_seconds = seconds;
  }
  if (object.contains("cores")) {
    in.cores = static_cast<std::uint32_t>(require_int64(object, "cores", "exec", 1, kMaxCores));
  }
  encode_exec_input(in, input);
}

void start(IoBatch& batch) {
  std::shared_ptr<void>& state = batch.lane_state();
  if (!state) state = std::make_shared<ExecLane>(batch, decode_exec_settings(batch.settings()));
  static_cast<ExecLane*>(state.get())->add(batch);
}

const char* const kFields[] = {"signal", "user_s", "sys_s", "max_rss_kib", "captured"};

bool field_json(std::span<const char> output, std::size_t index, std::string& out) {
  const ExecOutput o = decode_exec_output(output);
  switch (index) {
    case 0:
      append_json_int(o.signal, out);
      return true;
    case 1:
      append_json_double(o.user_seconds, out);
      return true;
    case 2:
      append_json_double(o.system_seconds, out);
      return true;
    case 3:
      append_json_int(o.max_rss_kib, out);
      return true;
    case 4:
      append_json_string(o.captured, out);
      return true;
  }
  return false;
}

}  // namespace

void register_exec() {
  KindOps k;
  k.name = "exec";
  k.lane = Lane::io;
  k.input_type = "{exec cmd|argv,cwd,env,timeout,cores}";
  k.output_type = "{i32 exit,i32 signal,f64 wall,f64 user,f64 sys,i64 rss,str captured}";
  k.start = start;
  k.drain = [](std::shared_ptr<void>& state) { static_cast<ExecLane*>(state.get())->drain(); };
  k.abandon = [](std::shared_ptr<void>& state, std::function<void()> done) {
    static_cast<ExecLane*>(state.get())->abandon(std::move(done));
  };
  k.parse_json = parse;
  k.cores_of = exec_cores;
  k.input_json = [](std::span<const char> input, std::string& out) {
    append_json_string(exec_command_line(decode_exec_input(input)), out);
  };
  k.value_json = [](std::span<const char> output, std::string& out) {
    append_json_int(get_pod<std::int32_t>(output), out);
  };
  k.metric_json = [](std::span<const char> output, std::string& out) {
    append_json_double(get_pod<double>(output, 8), out);
    return true;
  };
  k.metric_name = "wall seconds";
  k.field_names.assign(std::begin(kFields), std::end(kFields));
  k.field_json = field_json;
  k.checksum = [](std::span<const char> output) {
    return static_cast<std::uint64_t>(static_cast<std::uint32_t>(get_pod<std::int32_t>(output)));
  };
  register_kind(std::move(k));
}

void register_barrier() {
  KindOps k;
  k.name = "barrier";
  k.lane = Lane::cpu;
  k.barrier = true;
  k.input_type = "none";
  k.output_type = "none";
  k.run = [](std::span<const char>, std::string&) {};  // never sent: the scheduler settles it
  k.parse_json = [](const nlohmann::json& object, std::string&) {
    check_fields(object, "barrier", {});
  };
  k.input_json = [](std::span<const char>, std::string& out) { out += "null"; };
  k.value_json = [](std::span<const char>, std::string& out) { out += "null"; };
  k.checksum = [](std::span<const char>) { return std::uint64_t{0}; };
  register_kind(std::move(k));
}

}  // namespace drover::builtin
