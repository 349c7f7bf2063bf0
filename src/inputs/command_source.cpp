// The exec kind's TaskSource: commands files and templates as streamed batches of exec tasks.
#include "inputs/command_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <streambuf>

#include "kinds/exec_codec.hpp"
#include "model/errors.hpp"
#include "model/json_text.hpp"

namespace drover {

// Hands a regular file's bytes to an istream, adding each to a content hash
// as it goes and ending after `limit`: so the bytes the count and the hash
// cover are exactly the bytes the lines came from, in one read of the file.
class CommandSource::HashingBuf final : public std::streambuf {
 public:
  explicit HashingBuf(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      throw InputError(path + ": cannot open commands file: " + std::strerror(errno));
    }
  }
  ~HashingBuf() override { ::close(fd_); }
  HashingBuf(const HashingBuf&) = delete;
  HashingBuf& operator=(const HashingBuf&) = delete;

  void restart(std::uint64_t limit) {
    if (::lseek(fd_, 0, SEEK_SET) != 0) {
      throw InputError(path_ + ": cannot be read a second time: " + std::strerror(errno));
    }
    content_ = TaskFileContent{};
    limit_ = limit;
    setg(buffer_, buffer_, buffer_);
  }
  const TaskFileContent& content() const { return content_; }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    const std::uint64_t left = limit_ - content_.bytes;
    if (left == 0) return traits_type::eof();
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(sizeof buffer_, left));
    ssize_t n = 0;
    do {
      n = ::read(fd_, buffer_, want);
    } while (n < 0 && errno == EINTR);
    // The stream rethrows this (its exception mask has badbit): the message
    // keeps the file's name and errno, which a bare badbit would lose.
    if (n < 0) throw InputError(path_ + ": read error: " + std::strerror(errno));
    if (n == 0) return traits_type::eof();
    content_.add(buffer_, static_cast<std::size_t>(n));
    setg(buffer_, buffer_, buffer_ + n);
    return traits_type::to_int_type(*gptr());
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::uint64_t limit_ = std::numeric_limits<std::uint64_t>::max();
  TaskFileContent content_;
  char buffer_[1 << 16];
};

namespace {

std::string where(const std::string& name, std::uint64_t line) {
  return name + ":" + std::to_string(line) + ": ";
}

bool is_regular_file(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

// `exec template="..." lists=2 ::: "a" "b" :::: "names.txt"`: JSON strings
// keep it one line whatever the words hold, and tell "a b" from "a" "b".
std::string template_fingerprint(const std::string& text, const std::vector<ArgListSpec>& lists) {
  std::string out = "exec template=";
  append_json_string(text, out);
  out += " lists=" + std::to_string(lists.size());
  for (const ArgListSpec& list : lists) {
    out += list.is_file ? " ::::" : " :::";
    if (list.is_file) {
      out += ' ';
      append_json_string(list.path, out);
    }
    for (const std::string& word : list.words) {
      out += ' ';
      append_json_string(word, out);
    }
  }
  return out;
}

}  // namespace

CommandSource::CommandSource(const CommandSourceSpec& spec, std::istream& stdin_stream) {
  exec_ = find_kind("exec");
  if (exec_ == nullptr) {
    throw std::logic_error("CommandSource: the kind \"exec\" is not registered");
  }
  barrier_ = find_kind("barrier");
  const bool file = !spec.commands_file.empty();
  const bool text = !spec.template_text.empty();
  if (file == text) {
    throw InputError(file ? "give a commands file or a command template, not both"
                          : "no commands: give a commands file or a command template");
  }
  if (file && !spec.list_words.empty()) {
    throw InputError(
        "'" + spec.list_words.front() +
        "': a commands file takes no argument lists (::: and :::: go with a template)");
  }
  if (file) {
    open_commands_file(spec.commands_file, stdin_stream);
  } else {
    open_template(spec, stdin_stream);
  }
}

CommandSource::~CommandSource() = default;

void CommandSource::open_commands_file(const std::string& path, std::istream& stdin_stream) {
  path_ = path;
  if (path == "-" || !is_regular_file(path)) {
    // Readable once only: no count, and nothing read until the run asks.
    commands_ = std::make_unique<CommandsFile>(path, stdin_stream);
    fingerprint_ = path == "-" ? "exec commands stdin" : "exec commands stream";
    return;
  }
  buf_ = std::make_unique<HashingBuf>(path);
  start_pass(std::numeric_limits<std::uint64_t>::max());
  while (commands_->next(entry_)) {
    if (entry_.kind == CommandEntry::Kind::barrier) barrier_kind(entry_.line);
  }
  checked_ = buf_->content();
  total_ = commands_->commands() + commands_->barriers();
  char text[96];
  std::snprintf(text, sizeof text, "exec commands file bytes=%" PRIu64 " fnv1a64=%016" PRIx64,
                checked_->bytes, checked_->hash);
  fingerprint_ = text;
  start_pass(checked_->bytes);
}

void CommandSource::start_pass(std::uint64_t limit) {
  commands_.reset();
  buf_->restart(limit);
  stream_ = std::make_unique<std::istream>(buf_.get());
  stream_->exceptions(std::ios::badbit);
  commands_ = std::make_unique<CommandsFile>(*stream_, path_);
}

void CommandSource::open_template(const CommandSourceSpec& spec, std::istream& stdin_stream) {
  std::vector<ArgListSpec> lists = parse_arg_lists(spec.list_words);
  if (lists.empty()) lists.push_back(ArgListSpec::of_file("-"));
  template_ = std::make_unique<CommandTemplate>(spec.template_text, lists.size());
  fingerprint_ = template_fingerprint(spec.template_text, lists);
  product_ = std::make_unique<ArgProduct>(std::move(lists), stdin_stream);
}

KindId CommandSource::barrier_kind(std::uint64_t line) const {
  if (barrier_ == nullptr) {
    throw InputError(where(commands_->name(), line) + "barriers need the barrier kind");
  }
  return barrier_->id;
}

bool CommandSource::read_entry(bool build) {
  if (ended_) return false;
  ExecInput input;
  if (template_) {
    if (!product_->next(tuple_)) {
      ended_ = true;
      return false;
    }
    if (!build) return true;
    template_->expand_early(tuple_.values, tuple_.seq, pending_);
    // The codec's lengths and slot offsets are 32-bit.
    if (pending_.text.size() > std::numeric_limits<std::uint32_t>::max()) {
      throw InputError("task " + std::to_string(tuple_.seq) + ": command longer than 4 GiB");
    }
    input.cmd = pending_.text;
    input.slot_at.assign(pending_.slot_at.begin(), pending_.slot_at.end());
  } else {
    if (!commands_->next(entry_)) {
      ended_ = true;
      check_content();
      return false;
    }
    if (entry_.kind == CommandEntry::Kind::barrier) {
      const KindId kind = barrier_kind(entry_.line);
      if (build) lookahead_ = TaskSpec{kind, {}, {}};
      return true;
    }
    if (!build) return true;
    input.cmd = std::move(entry_.text);
  }
  lookahead_ = TaskSpec{exec_->id, {}, {}};
  encode_exec_input(input, lookahead_->input);
  return true;
}

bool CommandSource::fill_lookahead() {
  return lookahead_.has_value() || read_entry(true);
}

std::optional<KindId> CommandSource::peek_kind() {
  if (!fill_lookahead()) return std::nullopt;
  return lookahead_->kind;
}

bool CommandSource::next_batch(std::size_t max_tasks, TaskBatch& batch) {
  batch.tasks.clear();
  batch.first_id = next_id_;
  batch.count = 0;  // explicit tasks; count is for generated ranges
  batch.kind = 0;
  batch.params.clear();
  batch.first_item = 0;
  if (!fill_lookahead()) return false;
  const auto is_barrier = [&] { return barrier_ != nullptr && lookahead_->kind == barrier_->id; };
  batch.lane = fast_kind_info(lookahead_->kind).lane;
  const bool barrier = is_barrier();
  const std::size_t cap = barrier || max_tasks == 0 ? 1 : max_tasks;
  // Read only as far as the batch needs: with stdin, a line more could wait
  // on a producer that has not written it yet.
  do {
    batch.tasks.push_back(Task{next_id_++, std::move(*lookahead_)});
    lookahead_.reset();
  } while (batch.tasks.size() < cap && fill_lookahead() && !is_barrier() &&
           fast_kind_info(lookahead_->kind).lane == batch.lane);
  return true;
}

void CommandSource::skip_to(std::uint64_t id) {
  // Every entry is still read (and checked): ids are ordinals, and a
  // regular file's second pass must see all of its bytes.
  while (next_id_ < id) {
    if (lookahead_) {
      lookahead_.reset();
    } else if (!read_entry(false)) {
      return;
    }
    ++next_id_;
  }
}

void CommandSource::check_content() {
  if (checked_ && !change_)
    change_ = second_pass_change(path_, *checked_, buf_->content(), "commands");
}

std::unique_ptr<CommandSource> open_command_source(const CommandSourceSpec& spec,
                                                   std::istream& stdin_stream) {
  return std::make_unique<CommandSource>(spec, stdin_stream);
}

}  // namespace drover
