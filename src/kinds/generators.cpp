// Generated workloads of the built-in kinds: their parameters, encoded as each kind's generate
// reads them.
#include "kinds/generators.hpp"

#include <stdexcept>

#include "kinds/pod.hpp"
#include "model/kinds.hpp"

namespace drover {
namespace {

Generator make(const char* kind, std::uint64_t total) {
  const KindInfo* info = find_kind(kind);
  if (info == nullptr) throw std::logic_error(std::string("no built-in kind ") + kind);
  Generator g;
  g.kind = info->id;
  g.total = total;
  return g;
}

}  // namespace

Generator square_generator(std::uint64_t total, std::int64_t from) {
  Generator g = make("square", total);
  builtin::put_pod(g.params, from);
  return g;
}

Generator crunch_generator(std::uint64_t total, std::int64_t count) {
  Generator g = make("crunch", total);
  builtin::put_pod(g.params, count);
  return g;
}

Generator download_generator(std::uint64_t total, double min_seconds, double max_seconds,
                             std::uint64_t seed) {
  Generator g = make("download", total);
  builtin::put_pod(g.params, min_seconds);
  builtin::put_pod(g.params, max_seconds);
  builtin::put_pod(g.params, seed);
  return g;
}

double download_seconds_of(std::span<const char> input) {
  std::size_t at = 0;
  builtin::get_text(input, at);
  return builtin::get_pod<double>(input, at);
}

}  // namespace drover
