// The exec kind's TaskSource: a commands file or a template over ::: / :::: lists, streamed.
#pragma once

#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "inputs/arg_lists.hpp"
#include "inputs/command_template.hpp"
#include "inputs/commands_file.hpp"
#include "inputs/task_file.hpp"
#include "model/kinds.hpp"
#include "model/task_source.hpp"

namespace drover {

// What the CLI gathered: exactly one of commands_file ("-" is stdin) and
// template_text is non-empty; list_words are the words after the template
// ("::: a b :::: names.txt"), none with a commands file.
struct CommandSourceSpec {
  std::string commands_file;
  std::string template_text;
  std::vector<std::string> list_words;
};

// Tasks of the kind "exec", one per command: entry n (commands and barriers
// alike, 0-based) is task n. A commands file's `#DROVER BARRIER` is a task of
// the kind "barrier" with an empty input, always alone in its batch; without
// that kind registered it is an InputError "<file>:<line>: barriers need the
// barrier kind", met where the line is read.
//
// A regular commands file is read twice: once here, to count its entries
// (total()), check every line and fingerprint its bytes, and again while the
// run pulls batches, reading no more bytes than the first pass did (lines
// appended meanwhile were not counted) and telling at the end whether they
// were the same (input_change). stdin, pipes and templates are read once,
// lazily: tasks run while stdin is still open, and total() is unknown.
class CommandSource final : public TaskSource {
 public:
  // Throws InputError for a spec that is not exactly one input, a bad
  // template or list, an input that cannot be opened, and (regular files)
  // the first bad line; std::logic_error when no kind "exec" is registered.
  explicit CommandSource(const CommandSourceSpec& spec, std::istream& stdin_stream = std::cin);
  ~CommandSource() override;
  CommandSource(const CommandSource&) = delete;
  CommandSource& operator=(const CommandSource&) = delete;

  std::optional<std::uint64_t> total() const override { return total_; }
  // May read one entry ahead; a bad line is an InputError naming file:line.
  std::optional<KindId> peek_kind() override;
  bool next_batch(std::size_t max_tasks, TaskBatch& batch) override;
  std::uint64_t next_id() const override { return next_id_; }
  void skip_to(std::uint64_t id) override;
  std::optional<TaskSpec> spec_of(std::uint64_t) const override { return std::nullopt; }
  std::optional<InputChange> input_change() const override { return change_; }

  // One line for the journal, the same for the same input, so a resume can
  // tell that it reads what the first run read: a regular file by its bytes
  // (not its name: a moved file still resumes), stdin and pipes by what they
  // are, a template by its text and every list (words, and files by name).
  std::string fingerprint() const { return fingerprint_; }

 private:
  class HashingBuf;

  void open_commands_file(const std::string& path, std::istream& stdin_stream);
  void open_template(const CommandSourceSpec& spec, std::istream& stdin_stream);
  // Restarts a regular file from its first byte, reading at most `limit`.
  void start_pass(std::uint64_t limit);
  // The barrier kind for the barrier on `line`, or InputError.
  KindId barrier_kind(std::uint64_t line) const;
  // Reads the next entry into lookahead_, or (build false) only passes over
  // it; false at the end.
  bool read_entry(bool build);
  bool fill_lookahead();
  void check_content();

  const KindInfo* exec_ = nullptr;
  const KindInfo* barrier_ = nullptr;  // null: a barrier is an InputError
  std::string fingerprint_;
  std::optional<std::uint64_t> total_;

  // A commands file: regular ones through buf_ and stream_, others directly.
  std::string path_;
  std::unique_ptr<HashingBuf> buf_;
  std::unique_ptr<std::istream> stream_;
  std::unique_ptr<CommandsFile> commands_;
  CommandEntry entry_;
  std::optional<TaskFileContent> checked_;  // what the first pass read
  std::optional<InputChange> change_;

  // A template: its expansion of each tuple of the lists' product.
  std::unique_ptr<CommandTemplate> template_;
  std::unique_ptr<ArgProduct> product_;
  ArgTuple tuple_;
  CommandTemplate::Pending pending_;

  std::optional<TaskSpec> lookahead_;  // the task next_id_, once read
  bool ended_ = false;
  std::uint64_t next_id_ = 0;
};

// The CLI's way in: one source for `drover exec`. A template with no lists
// reads its arguments from stdin, one a line (GNU parallel's `ls | parallel
// gzip`), as if `:::: -` followed it.
std::unique_ptr<CommandSource> open_command_source(const CommandSourceSpec& spec,
                                                   std::istream& stdin_stream = std::cin);

}  // namespace drover
