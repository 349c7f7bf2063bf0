// The kind registry: registration before the run, then a sealed table sorted by name.
#include "model/kinds.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace drover {
namespace {

struct Registry {
  std::mutex mutex;
  std::vector<KindInfo> pending;  // registered, not yet sealed
  std::atomic<bool> sealed{false};
  std::vector<KindInfo> kinds;  // sorted by name; written once, under mutex, before sealed
};

// A function-local static: registrations from static initialisers in any
// translation unit find it constructed, whatever the initialisation order.
Registry& registry() {
  static Registry r;
  return r;
}

const char* lane_name(Lane lane) {
  return lane == Lane::cpu ? "cpu" : "io";
}

const std::vector<KindInfo>& sealed_kinds() {
  Registry& r = registry();
  if (r.sealed.load(std::memory_order_acquire)) return r.kinds;
  std::lock_guard lock(r.mutex);
  if (!r.sealed.load(std::memory_order_relaxed)) {
    r.kinds = std::move(r.pending);
    std::sort(r.kinds.begin(), r.kinds.end(),
              [](const KindInfo& a, const KindInfo& b) { return a.name < b.name; });
    for (std::size_t i = 0; i < r.kinds.size(); ++i) r.kinds[i].id = static_cast<KindId>(i);
    detail::sealed_count.store(r.kinds.size(), std::memory_order_relaxed);
    detail::sealed_table.store(r.kinds.data(), std::memory_order_release);
    r.sealed.store(true, std::memory_order_release);
  }
  return r.kinds;
}

// The line of `fingerprint` that describes `name`, or empty.
std::string_view line_for(std::string_view fingerprint, std::string_view name) {
  while (!fingerprint.empty()) {
    const auto end = std::min(fingerprint.find('\n'), fingerprint.size());
    const std::string_view line = fingerprint.substr(0, end);
    if (line.substr(0, line.find(' ')) == name) return line;
    fingerprint.remove_prefix(std::min(end + 1, fingerprint.size()));
  }
  return {};
}

}  // namespace

namespace detail {
std::atomic<const KindInfo*> sealed_table{nullptr};
std::atomic<std::size_t> sealed_count{0};
}  // namespace detail

void register_kind(KindOps ops) {
  if (ops.name.empty()) throw std::logic_error("register_kind: a kind needs a name");
  if (ops.name.find_first_of(" \n\t,\"") != std::string::npos) {
    throw std::logic_error("register_kind: kind name \"" + ops.name +
                           "\" has a space, comma, quote or line break");
  }
  if (ops.lane == Lane::cpu && !ops.run) {
    throw std::logic_error("register_kind: CPU kind \"" + ops.name + "\" has no run function");
  }
  if (ops.lane == Lane::io && !ops.start) {
    throw std::logic_error("register_kind: IO kind \"" + ops.name + "\" has no start function");
  }
  if (!ops.input_json || !ops.value_json || !ops.checksum) {
    throw std::logic_error("register_kind: kind \"" + ops.name +
                           "\" lacks input_json, value_json or checksum");
  }
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  if (r.sealed.load(std::memory_order_relaxed)) {
    throw std::logic_error("register_kind: \"" + ops.name +
                           "\" registered after the registry was sealed (register kinds before "
                           "the runtime starts)");
  }
  for (const KindInfo& k : r.pending) {
    if (k.name == ops.name) {
      throw std::logic_error("register_kind: kind \"" + ops.name + "\" registered twice");
    }
  }
  if (r.pending.size() >= 0xFFFF) throw std::logic_error("register_kind: too many kinds");
  r.pending.push_back(std::move(ops));
}

bool kind_registered(std::string_view name) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  const auto& kinds = r.sealed.load(std::memory_order_relaxed) ? r.kinds : r.pending;
  return std::any_of(kinds.begin(), kinds.end(), [&](const KindInfo& k) { return k.name == name; });
}

const KindInfo& kind_info(KindId id) {
  const auto& kinds = sealed_kinds();
  if (id >= kinds.size())
    throw std::out_of_range("kind_info: unknown kind id " + std::to_string(id));
  return kinds[id];
}

const KindInfo* find_kind(std::string_view name) {
  for (const KindInfo& info : sealed_kinds()) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

std::span<const KindInfo> all_kinds() {
  return sealed_kinds();
}

std::string kind_names() {
  std::string text;
  for (const KindInfo& info : sealed_kinds()) {
    if (!text.empty()) text += ", ";
    text += info.name;
  }
  return text;
}

std::string registry_fingerprint() {
  std::string text;
  for (const KindInfo& k : sealed_kinds()) {
    text += k.name + ' ' + lane_name(k.lane) + ' ' + k.input_type + " -> " + k.output_type + '\n';
  }
  return text;
}

std::string registry_difference(std::string_view ours, std::string_view theirs,
                                std::string_view here_name, std::string_view there_name) {
  if (ours == theirs) return {};
  // Every kind of either side, by name: the first that differs is named.
  for (const std::string_view side : {ours, theirs}) {
    std::string_view rest = side;
    while (!rest.empty()) {
      const auto end = std::min(rest.find('\n'), rest.size());
      const std::string_view line = rest.substr(0, end);
      rest.remove_prefix(std::min(end + 1, rest.size()));
      const std::string_view name = line.substr(0, line.find(' '));
      const std::string_view here = line_for(ours, name);
      const std::string_view there = line_for(theirs, name);
      if (here == there) continue;
      const std::string quoted = "kind \"" + std::string(name) + "\"";
      if (here.empty()) return quoted + " is missing " + std::string(here_name);
      if (there.empty()) return quoted + " is missing " + std::string(there_name);
      const auto shape = [](std::string_view l) { return l.substr(l.find(' ') + 1); };
      return quoted + " differs: " + std::string(shape(here)) + " " + std::string(here_name) +
             ", " + std::string(shape(there)) + " " + std::string(there_name);
    }
  }
  return "the kind registries differ";
}

}  // namespace drover
