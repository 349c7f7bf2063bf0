// Cuts a byte stream into whole lines of bounded length, holding at most one partial line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace drover {

// Lines that arrive whole within one chunk are handed on straight from the
// caller's buffer, many at a time; only the tail of a chunk (a line still
// being written) is copied, so memory stays at most `limit` + 1 bytes however
// long a line is. A line of more than `limit` bytes (its '\n' not counted) goes
// out in pieces of `limit` bytes, each ending with an added '\n'.
class LineSplitter {
 public:
  explicit LineSplitter(std::size_t limit) : limit_(limit == 0 ? 1 : limit) {}

  // Calls emit(std::string_view) with one or more whole lines, each ending '\n'.
  template <class Emit>
  void feed(std::string_view data, Emit&& emit) {
    while (!data.empty()) {
      if (pending_.empty()) {
        // Whole lines of at most limit_ bytes, straight from `data`.
        std::size_t end = 0;
        for (std::size_t nl; (nl = data.find('\n', end)) != std::string_view::npos &&
                             nl - end <= limit_;)
          end = nl + 1;
        if (end > 0) {
          emit(data.substr(0, end));
          data.remove_prefix(end);
          continue;
        }
      }
      const std::size_t room = limit_ - pending_.size();
      const std::size_t nl = data.find('\n');
      if (nl != std::string_view::npos && nl <= room) {
        pending_.append(data.substr(0, nl + 1));
        emit_pending(emit);
        data.remove_prefix(nl + 1);
      } else if (nl == std::string_view::npos && data.size() <= room) {
        pending_.append(data);
        return;
      } else {
        pending_.append(data.substr(0, room));
        pending_.push_back('\n');
        ++split_;
        emit_pending(emit);
        data.remove_prefix(room);
      }
    }
  }

  // End of the stream: a last line without '\n' goes out with one.
  template <class Emit>
  void finish(Emit&& emit) {
    if (pending_.empty()) return;
    pending_.push_back('\n');
    emit_pending(emit);
  }

  std::uint64_t lines_split() const noexcept { return split_; }
  std::size_t pending_bytes() const noexcept { return pending_.size(); }

 private:
  template <class Emit>
  void emit_pending(Emit& emit) {
    emit(std::string_view(pending_));
    pending_.clear();
    // After a long line, give the memory back: most tasks sit idle between lines.
    if (pending_.capacity() > kKeep) std::string().swap(pending_);
  }

  static constexpr std::size_t kKeep = 4096;

  std::size_t limit_;
  std::string pending_;
  std::uint64_t split_ = 0;
};

}  // namespace drover
