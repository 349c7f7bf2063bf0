// JSON Lines task files: one-line parsing, a validating pass, and a streaming source.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "inputs/generated_source.hpp"
#include "inputs/task_file.hpp"
#include "model/errors.hpp"
#include "model/json_text.hpp"
#include "model/kinds.hpp"
#include "model/task_source.hpp"

namespace drover {
namespace {

// A task is a handful of fields; a longer line is a wrong file, and the cap
// keeps a newline-free binary file from being read into memory whole.
constexpr std::size_t kMaxLineBytes = std::size_t{1} << 20;
// A tag names a task for the user ("sample-17", a path): a line's worth is a mistake.
constexpr std::size_t kMaxTagBytes = 4096;

std::string where(const std::string& file, std::uint64_t line) {
  return file + ":" + std::to_string(line) + ": ";
}

// nlohmann's what() is "[json.exception.parse_error.101] parse error at line 1,
// column 2: ...; last read: '<bytes>'": drop the tag, keep it short, one line
// and printable (the bytes may be invalid UTF-8 or control characters).
std::string short_reason(const char* what) {
  std::string_view text(what);
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find("] ");
    if (close != std::string_view::npos) text.remove_prefix(close + 2);
  }
  // The line is one JSON text, so nlohmann's "line 1" is noise beside the
  // file's own line number: keep only the column.
  constexpr std::string_view kLineOne = "parse error at line 1, ";
  std::string column;
  if (text.rfind(kLineOne, 0) == 0) {
    text.remove_prefix(kLineOne.size());
    column = "parse error at ";
  }
  constexpr std::size_t kMaxReason = 160;
  std::string out = column;
  for (char c : text.substr(0, kMaxReason)) {
    const auto byte = static_cast<unsigned char>(c);
    out += byte < 0x20 || byte >= 0x7f ? '?' : c;
  }
  if (text.size() > kMaxReason) out += "...";
  return out;
}

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\f\v") == std::string_view::npos;
}

// Checks the path before opening: an ifstream happily "opens" a directory, and
// a pipe could not be read a second time by TaskFileSource.
void open_task_file(const std::string& path, std::ifstream& in) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    throw InputError(path + ": cannot open task file: " + std::strerror(errno));
  }
  if (S_ISDIR(info.st_mode)) throw InputError(path + ": is a directory");
  if (!S_ISREG(info.st_mode)) {
    throw InputError(path + ": not a regular file (task files are read twice)");
  }
  in.open(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open task file: " + std::strerror(errno));
}

enum class LineStatus { ok, end, too_long };

// Reads one line into the reused `buffer` without its '\n' or a trailing '\r'.
// istream::getline into a fixed buffer (rather than std::getline) bounds memory.
LineStatus read_line(std::istream& in, const std::string& path, std::string& buffer,
                     std::string_view& line, TaskFileContent& content) {
  if (buffer.size() < kMaxLineBytes + 2) buffer.resize(kMaxLineBytes + 2);
  in.getline(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  if (in.bad()) throw InputError(path + ": read error: " + std::strerror(errno));
  const auto extracted = static_cast<std::size_t>(in.gcount());
  if (extracted == 0 && in.eof()) return LineStatus::end;
  // gcount counts the '\n' when one ended the line; the stored text lacks it.
  std::size_t length = in.eof() || in.fail() ? extracted : extracted - 1;
  content.add(buffer.data(), length);
  if (length < extracted) content.add("\n", 1);
  if (length > kMaxLineBytes || (in.fail() && !in.eof())) return LineStatus::too_long;
  if (length > 0 && buffer[length - 1] == '\r') --length;
  line = std::string_view(buffer.data(), length);
  return LineStatus::ok;
}

}  // namespace

TaskSpec parse_task_line(std::string_view text, const std::string& file, std::uint64_t line) {
  try {
    nlohmann::json object;
    // JSON allows a key twice and nlohmann keeps the last; a task line that
    // says "n" twice is a mistake to report, not to guess at.
    std::vector<std::vector<std::string>> keys;  // per open object
    std::string duplicate;
    const auto check_keys = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& value) {
      using Event = nlohmann::json::parse_event_t;
      if (event == Event::object_start) keys.emplace_back();
      if (event == Event::object_end && !keys.empty()) keys.pop_back();
      if (event == Event::key && !keys.empty() && duplicate.empty()) {
        const std::string& key = value.get_ref<const std::string&>();
        auto& seen = keys.back();
        if (std::find(seen.begin(), seen.end(), key) != seen.end()) duplicate = key;
        seen.push_back(key);
      }
      return true;
    };
    // nlohmann skips a UTF-8 byte-order mark at the start of any text; in a
    // file only its first bytes may carry one.
    if (line > 1 && text.rfind("\xEF\xBB\xBF", 0) == 0) {
      throw InputError("a byte-order mark (BOM) may only start the file");
    }
    try {
      object = nlohmann::json::parse(text, check_keys);
    } catch (const nlohmann::json::exception& e) {
      throw InputError("invalid JSON: " + short_reason(e.what()));
    }
    if (!duplicate.empty()) {
      std::string message = "field ";
      append_json_string(duplicate, message);
      throw InputError(message + " appears twice");
    }
    if (!object.is_object()) throw InputError("a task must be a JSON object");
    const auto kind = object.find("kind");
    if (kind == object.end()) throw InputError("missing field \"kind\"");
    if (!kind->is_string()) throw InputError("\"kind\" must be a string");
    const KindInfo* info = find_kind(kind->get_ref<const std::string&>());
    if (info == nullptr) {
      std::string message = "unknown kind ";
      append_json_string(kind->get_ref<const std::string&>(), message);
      throw InputError(message + " (known: " + kind_names() + ")");
    }
    if (!info->parse_json)
      throw InputError("kind " + info->name + " cannot be read from a task file");
    TaskSpec spec;
    spec.kind = info->id;
    // "tag" is the user's, on any kind: taken out before the kind sees its fields.
    if (const auto tag = object.find("tag"); tag != object.end()) {
      if (!tag->is_string()) throw InputError("\"tag\" must be a string");
      spec.tag = tag->get<std::string>();
      if (spec.tag.size() > kMaxTagBytes) {
        throw InputError("\"tag\" is longer than " + std::to_string(kMaxTagBytes) + " bytes");
      }
      object.erase(tag);
    }
    try {
      info->parse_json(object, spec.input);
    } catch (const InputError&) {
      throw;
    } catch (const std::exception& e) {
      // A user kind's parser (drover/task.hpp) says what is wrong its own way.
      throw InputError(e.what());
    }
    return spec;
  } catch (const InputError& e) {
    throw InputError(where(file, line) + e.what());
  }
}

TaskFileSummary validate_task_file(const std::string& path) {
  std::ifstream in;
  open_task_file(path, in);
  TaskFileSummary summary;
  summary.per_kind.assign(all_kinds().size(), 0);
  std::string buffer;
  std::string_view line;
  for (std::uint64_t line_no = 1;; ++line_no) {
    const LineStatus status = read_line(in, path, buffer, line, summary.content);
    if (status == LineStatus::end) break;
    if (status == LineStatus::too_long) {
      throw InputError(where(path, line_no) + "line longer than " + std::to_string(kMaxLineBytes) +
                       " bytes");
    }
    if (is_blank(line)) continue;
    const TaskSpec spec = parse_task_line(line, path, line_no);
    ++summary.tasks;
    ++summary.per_kind[spec.kind];
    if (!spec.tag.empty()) ++summary.tagged;
    if (const KindInfo& kind = kind_info(spec.kind); kind.cores_of) {
      summary.max_cores = std::max(summary.max_cores, kind.cores_of(spec.input));
    }
  }
  if (summary.tasks == 0) throw InputError(path + ": no tasks in file");
  return summary;
}

TaskFileSource::TaskFileSource(std::string path, std::optional<std::uint64_t> total,
                               std::optional<TaskFileContent> checked)
    : path_(std::move(path)), total_(total), checked_(checked) {
  open_task_file(path_, in_);
  fill_lookahead();
}

std::optional<std::uint64_t> TaskFileSource::total() const {
  return total_;
}

std::optional<KindId> TaskFileSource::peek_kind() {
  if (!lookahead_) return std::nullopt;
  return lookahead_->kind;
}

bool TaskFileSource::next_batch(std::size_t max_tasks, TaskBatch& batch) {
  batch.tasks.clear();
  batch.first_id = next_id_;
  batch.count = 0;  // explicit batches carry their tasks; count is for ranges
  if (!lookahead_) return false;
  batch.lane = kind_info(lookahead_->kind).lane;
  // A barrier is a batch of its own: the scheduler settles it alone.
  const std::size_t cap =
      kind_info(lookahead_->kind).barrier ? 1 : std::max<std::size_t>(max_tasks, 1);
  if (limit_ != nullptr) limit_->begin(*lookahead_);
  while (lookahead_ && batch.tasks.size() < cap && kind_info(lookahead_->kind).lane == batch.lane &&
         (batch.tasks.empty() ||
          (!kind_info(lookahead_->kind).barrier && (limit_ == nullptr || limit_->admits(*lookahead_))))) {
    batch.tasks.push_back(Task{next_id_++, std::move(*lookahead_)});
    fill_lookahead();
  }
  return true;
}

void TaskFileSource::skip_to(std::uint64_t id) {
  // Lines are read and parsed but not kept: the file is streamed, never indexed.
  while (lookahead_ && next_id_ < id) {
    ++next_id_;
    fill_lookahead();
  }
}

bool TaskFileSource::fill_lookahead() {
  lookahead_.reset();
  std::string_view line;
  for (;;) {
    // Never past what the check read: lines appended since were not checked.
    if (checked_ && read_.bytes >= checked_->bytes) {
      check_content();
      return false;
    }
    const LineStatus status = read_line(in_, path_, line_, line, read_);
    if (status == LineStatus::end) {
      check_content();
      return false;
    }
    ++line_no_;
    if (status == LineStatus::too_long) {
      throw InputError(where(path_, line_no_) + "line longer than " +
                       std::to_string(kMaxLineBytes) + " bytes");
    }
    if (is_blank(line)) continue;
    lookahead_ = parse_task_line(line, path_, line_no_);
    return true;
  }
}

std::string TaskFileContent::fingerprint() const {
  char text[128];
  std::snprintf(text, sizeof text, "task-file bytes=%" PRIu64 " fnv1a64=%016" PRIx64, bytes, hash);
  return text;
}

void TaskFileSource::check_content() {
  if (checked_ && !change_) change_ = second_pass_change(path_, *checked_, read_, "lines");
}

std::optional<InputChange> second_pass_change(const std::string& path, const TaskFileContent& first,
                                              const TaskFileContent& second,
                                              std::string_view what) {
  if (second != first) {
    return InputChange{path + ": changed while the run read it (" + std::to_string(first.bytes) +
                           " bytes when checked, other bytes when read): the results may not "
                           "match the file as it is now",
                       true};
  }
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0 &&
      static_cast<std::uint64_t>(info.st_size) != second.bytes) {
    return InputChange{path + ": its size changed during the run (" + std::to_string(second.bytes) +
                           " bytes when checked, " + std::to_string(info.st_size) +
                           " now): only the " + std::string(what) +
                           " checked at the start were run",
                       false};
  }
  return std::nullopt;
}

}  // namespace drover
