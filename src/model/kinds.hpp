// The sealed registry of work kinds: lookups by id and name, and the fingerprint ranks compare.
#pragma once

#include <drover/kind.hpp>

#include <atomic>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace drover {

// The registry's entries are the KindOps given to register_kind().
using KindInfo = KindOps;

// The first lookup seals the registry: every kind is sorted by name and its
// id set to its position. Registering after that throws. Sealing is
// thread-safe; so is every lookup after it.
const KindInfo& kind_info(KindId id);  // throws std::out_of_range for an unknown id
std::span<const KindInfo> all_kinds();
// The sealed table without the seal check, for the hot paths (wire, executor,
// scheduler) that run only after the start-up has sealed it; null before.
namespace detail {
extern std::atomic<const KindInfo*> sealed_table;
extern std::atomic<std::size_t> sealed_count;
}  // namespace detail
inline const KindInfo& fast_kind_info(KindId id) {
  const KindInfo* table = detail::sealed_table.load(std::memory_order_acquire);
  if (table != nullptr && id < detail::sealed_count.load(std::memory_order_relaxed)) {
    return table[id];
  }
  return kind_info(id);  // not sealed yet, or a bad id: the checked path says which
}
inline std::size_t kind_count() {
  if (detail::sealed_table.load(std::memory_order_acquire) != nullptr) {
    return detail::sealed_count.load(std::memory_order_relaxed);
  }
  return all_kinds().size();
}
// Null when no kind has this name.
const KindInfo* find_kind(std::string_view name);
// "name, name, ..." of every kind, for messages that list the known ones.
std::string kind_names();

// One line per kind, "name lane input_type -> output_type", sorted by name:
// what the Hello carries, so ranks that would read each other's bytes
// differently refuse to start.
std::string registry_fingerprint();
// Empty when the fingerprints agree; else one line naming the first kind on
// which they differ ("kind \"tile\" differs: i64 -> i64 here, str -> i64 there"
// or "kind \"tile\" is missing there"), `here` and `there` naming the sides.
std::string registry_difference(std::string_view ours, std::string_view theirs,
                                std::string_view here = "here", std::string_view there = "there");

// The built-in kinds (square, crunch, download: src/kinds), through
// register_kind as a user's are, each unless a kind of its name is already
// registered (a program's own "square" wins). cli_main calls this first
// thing; a library user's program has only its own kinds unless it calls it
// too. Called explicitly because a static initialiser in a static library is
// dropped when nothing refers to its file. A second call does nothing.
void register_builtin_kinds();
// Whether a kind of this name has been registered (sealed or not).
bool kind_registered(std::string_view name);

}  // namespace drover
