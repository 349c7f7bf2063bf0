// The exec kind's byte encodings: a command's input and its result, as the wire and journal carry
// them.
#include "kinds/exec_codec.hpp"

#include <stdexcept>

#include "kinds/pod.hpp"
#include "model/shell_quote.hpp"

namespace drover {
namespace {

using builtin::get_pod;
using builtin::get_text;
using builtin::put_pod;
using builtin::put_text;

// Layout of an input: u8 form (0 shell, 1 argv), then for the shell the
// command and its u32 slot offsets, for argv a u32 count and the words; then
// cwd, a u32 count of env pairs, f64 timeout, u32 cores. Strings are u32
// length + bytes. No version byte: the journal's and the protocol's carry it.
constexpr std::uint8_t kShell = 0;
constexpr std::uint8_t kArgv = 1;

std::uint32_t get_count(std::span<const char> bytes, std::size_t& at, std::size_t min_each) {
  const auto n = get_pod<std::uint32_t>(bytes, at);
  at += 4;
  // A count that cannot fit in what is left is damage: refuse before reserving.
  if (min_each != 0 && n > (bytes.size() - at) / min_each) {
    throw std::invalid_argument("encoded exec input: count longer than the input");
  }
  return n;
}

}  // namespace

void encode_exec_input(const ExecInput& in, std::string& out) {
  const bool shell = in.argv.empty();
  put_pod(out, shell ? kShell : kArgv);
  if (shell) {
    put_text(out, in.cmd);
    put_pod(out, static_cast<std::uint32_t>(in.slot_at.size()));
    for (const std::uint32_t at : in.slot_at) put_pod(out, at);
  } else {
    put_pod(out, static_cast<std::uint32_t>(in.argv.size()));
    for (const std::string& word : in.argv) put_text(out, word);
  }
  put_text(out, in.cwd);
  put_pod(out, static_cast<std::uint32_t>(in.env.size()));
  for (const auto& [name, value] : in.env) {
    put_text(out, name);
    put_text(out, value);
  }
  put_pod(out, in.timeout_seconds);
  put_pod(out, in.cores);
}

ExecInput decode_exec_input(std::span<const char> bytes) {
  ExecInput in;
  std::size_t at = 0;
  const auto form = get_pod<std::uint8_t>(bytes, at);
  at += 1;
  if (form == kShell) {
    in.cmd = get_text(bytes, at);
    in.slot_at.resize(get_count(bytes, at, 4));
    for (std::uint32_t& offset : in.slot_at) {
      offset = get_pod<std::uint32_t>(bytes, at);
      at += 4;
      if (offset > in.cmd.size()) throw std::invalid_argument("encoded exec input: slot offset");
    }
  } else if (form == kArgv) {
    in.argv.resize(get_count(bytes, at, 4));
    for (std::string& word : in.argv) word = get_text(bytes, at);
  } else {
    throw std::invalid_argument("encoded exec input: unknown form");
  }
  in.cwd = get_text(bytes, at);
  in.env.resize(get_count(bytes, at, 8));
  for (auto& [name, value] : in.env) {
    name = get_text(bytes, at);
    value = get_text(bytes, at);
  }
  in.timeout_seconds = get_pod<double>(bytes, at);
  at += 8;
  in.cores = get_pod<std::uint32_t>(bytes, at);
  at += 4;
  if (at != bytes.size()) throw std::invalid_argument("encoded exec input: trailing bytes");
  return in;
}

std::string exec_command_line(const ExecInput& in) {
  if (in.argv.empty()) return in.cmd;
  std::string line;
  for (const std::string& word : in.argv) {
    if (!line.empty()) line.push_back(' ');
    append_shell_quoted(line, word);
  }
  return line;
}

std::uint32_t exec_cores(std::span<const char> bytes) {
  // The cores are the input's last four bytes.
  if (bytes.size() < 4) throw std::invalid_argument("encoded exec input too short");
  return get_pod<std::uint32_t>(bytes, bytes.size() - 4);
}

void encode_exec_output(const ExecOutput& out, std::string& bytes) {
  put_pod(bytes, out.exit_code);
  put_pod(bytes, out.signal);
  put_pod(bytes, out.wall_seconds);
  put_pod(bytes, out.user_seconds);
  put_pod(bytes, out.system_seconds);
  put_pod(bytes, out.max_rss_kib);
  put_text(bytes, out.captured);
}

ExecOutput decode_exec_output(std::span<const char> bytes) {
  ExecOutput out;
  out.exit_code = get_pod<std::int32_t>(bytes, 0);
  out.signal = get_pod<std::int32_t>(bytes, 4);
  out.wall_seconds = get_pod<double>(bytes, 8);
  out.user_seconds = get_pod<double>(bytes, 16);
  out.system_seconds = get_pod<double>(bytes, 24);
  out.max_rss_kib = get_pod<std::int64_t>(bytes, 32);
  std::size_t at = 40;
  out.captured = get_text(bytes, at);
  if (at != bytes.size()) throw std::invalid_argument("encoded exec output: trailing bytes");
  return out;
}

void encode_exec_settings(const ExecSettings& settings, std::string& bytes) {
  put_pod(bytes, settings.slots);
  put_pod(bytes, settings.timeout_seconds);
  put_pod(bytes, settings.kill_grace_seconds);
  put_pod(bytes, static_cast<std::uint8_t>(settings.tag));
  put_pod(bytes, static_cast<std::uint8_t>(settings.stdout_to_stderr));
  put_text(bytes, settings.task_output);
  put_pod(bytes, settings.capture);
}

ExecSettings decode_exec_settings(std::span<const char> bytes) {
  ExecSettings settings;
  if (bytes.empty()) return settings;
  settings.slots = get_pod<std::uint32_t>(bytes, 0);
  settings.timeout_seconds = get_pod<double>(bytes, 4);
  settings.kill_grace_seconds = get_pod<double>(bytes, 12);
  settings.tag = get_pod<std::uint8_t>(bytes, 20) != 0;
  settings.stdout_to_stderr = get_pod<std::uint8_t>(bytes, 21) != 0;
  std::size_t at = 22;
  settings.task_output = get_text(bytes, at);
  settings.capture = get_pod<std::uint64_t>(bytes, at);
  if (at + 8 != bytes.size()) throw std::invalid_argument("encoded exec settings: trailing bytes");
  return settings;
}

std::string exec_task_output_dir(const std::string& root, std::uint64_t id) {
  std::string dir = root;
  if (dir.empty() || dir.back() != '/') dir.push_back('/');
  dir.append(std::to_string(id / 1000)).push_back('/');
  dir.append(std::to_string(id));
  return dir;
}

}  // namespace drover
