// GNU parallel's argument lists (::: words, :::: files, - for stdin) and their product, streamed.
#include "inputs/arg_lists.hpp"

#include "model/errors.hpp"
#include "inputs/line_reader.hpp"

namespace drover {

std::string ArgOrigin::where() const {
  const std::string name = source ? *source : std::string("?");
  if (words) return name + ", word " + std::to_string(index);
  return name + ":" + std::to_string(index);
}

ArgListSpec ArgListSpec::of_words(std::vector<std::string> words) {
  ArgListSpec spec;
  spec.words = std::move(words);
  return spec;
}

ArgListSpec ArgListSpec::of_file(std::string path) {
  ArgListSpec spec;
  spec.is_file = true;
  spec.path = std::move(path);
  return spec;
}

std::vector<ArgListSpec> parse_arg_lists(std::span<const std::string> words) {
  std::vector<ArgListSpec> lists;
  enum class Mode { none, words, files } mode = Mode::none;
  bool file_after_separator = true;
  for (const std::string& word : words) {
    if (word == ":::+" || word == "::::+") {
      throw InputError(word + ": GNU parallel's linked argument lists are not supported");
    }
    if (word == ":::" || word == "::::") {
      if (mode == Mode::files && !file_after_separator) {
        throw InputError(":::: needs a file name after it (- is stdin)");
      }
      mode = word == ":::" ? Mode::words : Mode::files;
      if (mode == Mode::words) lists.push_back(ArgListSpec::of_words({}));
      file_after_separator = false;
      continue;
    }
    switch (mode) {
      case Mode::none: {
        std::string message = "'";
        message.append(word).append("': expected ::: or :::: before the arguments");
        throw InputError(message);
      }
      case Mode::words:
        lists.back().words.push_back(word);
        break;
      case Mode::files:
        lists.push_back(ArgListSpec::of_file(word));
        file_after_separator = true;
        break;
    }
  }
  if (mode == Mode::files && !file_after_separator) {
    throw InputError(":::: needs a file name after it (- is stdin)");
  }
  return lists;
}

// One list being gone through: words, a file read lazily, or a file that
// cannot be read again, kept from its first pass.
class ArgProduct::Cursor {
 public:
  Cursor(ArgListSpec spec, std::size_t number, std::istream& stdin_stream) {
    if (spec.is_file) {
      reader_ = std::make_unique<LineReader>(spec.path, "argument file", stdin_stream);
      name_ = reader_->name();
    } else {
      held_ = std::move(spec.words);
      replaying_ = true;
      name_ = "::: list ";
      name_.append(std::to_string(number));
    }
  }

  // Lists after the first are gone through many times: a reader that cannot
  // rewind keeps what it reads.
  void prepare_for_repeats() { recording_ = reader_ && !reader_->rewindable(); }

  bool next(std::string& value, ArgOrigin& origin) {
    origin.source = &name_;
    origin.words = !reader_;
    if (replaying_) {
      if (position_ >= held_.size()) return false;
      value = held_[position_++];
      origin.index = position_;
      return true;
    }
    std::string_view line;
    if (!reader_->next(line)) return false;
    if (line.find('\0') != std::string_view::npos) {
      throw InputError(name_ + ":" + std::to_string(reader_->line_number()) +
                       ": the argument holds a NUL byte");
    }
    value.assign(line);
    origin.index = reader_->line_number();
    if (recording_) held_.push_back(value);
    return true;
  }

  // Called only once the list has come to its end.
  void rewind() {
    if (recording_) {
      recording_ = false;
      replaying_ = true;
    }
    if (replaying_) {
      position_ = 0;
    } else {
      reader_->rewind();
    }
  }

  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::unique_ptr<LineReader> reader_;
  std::vector<std::string> held_;
  std::size_t position_ = 0;
  bool replaying_ = false;
  bool recording_ = false;
};

ArgProduct::ArgProduct(std::vector<ArgListSpec> lists, std::istream& stdin_stream) {
  if (lists.empty()) throw InputError("no argument lists (::: words or :::: files)");
  bool stdin_taken = false;
  for (std::size_t i = 0; i < lists.size(); ++i) {
    if (lists[i].is_file && lists[i].path == "-") {
      if (stdin_taken) throw InputError(":::: -: stdin can be only one of the argument lists");
      stdin_taken = true;
    }
    cursors_.push_back(std::make_unique<Cursor>(std::move(lists[i]), i + 1, stdin_stream));
    if (i > 0) cursors_.back()->prepare_for_repeats();
  }
  current_.values.resize(cursors_.size());
  current_.origins.resize(cursors_.size());
}

ArgProduct::~ArgProduct() = default;

std::size_t ArgProduct::lists() const {
  return cursors_.size();
}

bool ArgProduct::next(ArgTuple& tuple) {
  if (done_) return false;
  const std::size_t n = cursors_.size();
  if (!started_) {
    started_ = true;
    for (std::size_t k = 0; k < n; ++k) {
      if (!cursors_[k]->next(current_.values[k], current_.origins[k])) {
        done_ = true;  // an empty list: an empty product
        return false;
      }
    }
  } else {
    // The odometer: the last list that still has an argument moves on, and
    // every list after it starts again.
    std::size_t k = n;
    while (k > 0 && !cursors_[k - 1]->next(current_.values[k - 1], current_.origins[k - 1])) --k;
    if (k == 0) {
      done_ = true;
      return false;
    }
    for (std::size_t j = k; j < n; ++j) {
      cursors_[j]->rewind();
      if (!cursors_[j]->next(current_.values[j], current_.origins[j])) {
        throw InputError(cursors_[j]->name() + ": empty when read again (changed while in use?)");
      }
    }
  }
  current_.seq = ++produced_;
  tuple.seq = current_.seq;
  tuple.values = current_.values;
  tuple.origins = current_.origins;
  return true;
}

}  // namespace drover
