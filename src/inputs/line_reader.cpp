// Bounded line reading with line numbers, for argument files and commands files.
#include "inputs/line_reader.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "model/errors.hpp"

namespace drover {
namespace {

std::string where(const std::string& name, std::uint64_t line) {
  std::string text = name;
  text.push_back(':');
  text.append(std::to_string(line));
  text.append(": ");
  return text;
}

}  // namespace

LineReader::LineReader(const std::string& path, std::string_view what, std::istream& stdin_stream) {
  if (path == "-") {
    name_ = "stdin";
    in_ = &stdin_stream;
    return;
  }
  name_ = path;
  // stat first: an ifstream "opens" a directory and only fails on reading.
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    throw InputError(path + ": cannot open " + std::string(what) + ": " + std::strerror(errno));
  }
  if (S_ISDIR(info.st_mode)) {
    throw InputError(path + ": cannot open " + std::string(what) + ": is a directory");
  }
  file_ = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*file_) {
    throw InputError(path + ": cannot open " + std::string(what) + ": " + std::strerror(errno));
  }
  in_ = file_.get();
  rewindable_ = S_ISREG(info.st_mode);  // not a FIFO or /dev/stdin
}

LineReader::LineReader(std::istream& in, std::string name) : name_(std::move(name)), in_(&in) {}

bool LineReader::next(std::string_view& line) {
  // istream::getline into a fixed buffer, not std::getline, so a line without
  // end cannot grow the buffer past the cap.
  if (buffer_.size() < kMaxInputLineBytes + 2) buffer_.resize(kMaxInputLineBytes + 2);
  in_->getline(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  if (in_->bad()) {
    throw InputError(where(name_, line_ + 1) + "read error: " + std::strerror(errno));
  }
  const auto extracted = static_cast<std::size_t>(in_->gcount());
  if (extracted == 0 && in_->eof()) return false;
  ++line_;
  // gcount counts the '\n' that ended the line; the buffer does not hold it.
  const bool ended_by_newline = !in_->eof() && !in_->fail();
  std::size_t length = ended_by_newline ? extracted - 1 : extracted;
  if (length > kMaxInputLineBytes || (in_->fail() && !in_->eof())) {
    throw InputError(where(name_, line_) + "line longer than " +
                     std::to_string(kMaxInputLineBytes >> 20) + " MiB");
  }
  if (length > 0 && buffer_[length - 1] == '\r') --length;
  line = std::string_view(buffer_.data(), length);
  return true;
}

void LineReader::rewind() {
  if (!rewindable_) throw InputError(name_ + ": cannot be read a second time");
  in_->clear();
  in_->seekg(0);
  if (!*in_) throw InputError(name_ + ": cannot be read a second time: seek failed");
  line_ = 0;
}

}  // namespace drover
