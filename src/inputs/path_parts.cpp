// The parts of an argument that GNU parallel's {.} {/} {//} {/.} name, byte for byte.
#include "inputs/path_parts.hpp"

namespace drover {
namespace {

constexpr auto npos = std::string_view::npos;

// {/} as [0, head_end) + [tail_begin, size): the span GNU drops begins at the
// start of the first line holding a '/' and ends after that line's last '/'
// (its `s:.*/::` tries the leftmost start first, and `.` stops at newlines).
struct DirectoryCut {
  std::size_t head_end = 0;
  std::size_t tail_begin = 0;
};

DirectoryCut directory_cut(std::string_view arg) {
  const auto last = arg.rfind('/');
  if (last == npos) return {0, 0};
  if (arg.find('\n') == npos) return {0, last + 1};  // the usual one-line name
  const auto first_slash = arg.find('/');
  const auto line_start = arg.rfind('\n', first_slash);
  const auto line_end = arg.find('\n', first_slash);
  const auto last_slash = arg.rfind('/', line_end == npos ? npos : line_end - 1);
  return {line_start == npos ? 0 : line_start + 1, last_slash + 1};
}

// File::Basename's trailing-separator strip: drops trailing '/' but keeps
// the first character, so "/" and "//" both become "/".
std::string_view strip_trailing_slashes(std::string_view dir) {
  std::size_t n = dir.size();
  while (n > 1 && dir[n - 1] == '/') --n;
  return dir.substr(0, n);
}

// File::Basename's fileparse: the directory part up to and including the
// last '/', or "./" when there is none.
std::string_view directory_part(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == npos ? std::string_view("./") : path.substr(0, slash + 1);
}

}  // namespace

std::string_view drop_extension(std::string_view arg) {
  // GNU's `\.[^/.]*$`: the last '.', and only when no '/' follows it.
  const auto dot = arg.rfind('.');
  if (dot == npos || arg.find('/', dot) != npos) return arg;
  return arg.substr(0, dot);
}

std::string_view drop_directory(std::string_view arg, std::string& scratch) {
  const auto cut = directory_cut(arg);
  if (cut.head_end == 0) return arg.substr(cut.tail_begin);
  scratch.assign(arg.substr(0, cut.head_end));
  scratch.append(arg.substr(cut.tail_begin));
  return scratch;
}

std::string_view directory_of(std::string_view arg) {
  // The basename is empty when the path ends in '/' (or is empty): then the
  // directory is parsed once more, which is how "a/b/" gives "a".
  const bool empty_base = arg.empty() || arg.back() == '/';
  std::string_view dir = strip_trailing_slashes(directory_part(arg));
  if (empty_base) dir = strip_trailing_slashes(directory_part(dir));
  return dir;
}

std::string_view drop_directory_and_extension(std::string_view arg, std::string& scratch) {
  return drop_extension(drop_directory(arg, scratch));
}

}  // namespace drover
