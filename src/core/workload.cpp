// Generated workloads: the task of any id, computed on demand, and their range batches.
#include <algorithm>
#include <cstdio>
#include <limits>

#include "kinds.hpp"
#include "workload.hpp"

namespace drover {
namespace {

// splitmix64's output function: a bijective mix with good avalanche, so
// neighbouring ids get unrelated draws.
std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A uniform draw in [0, 1): the (id+1)-th output of a splitmix64 stream seeded
// with `seed`, so any id is reached without stepping through the others.
double unit_draw(std::uint64_t seed, std::uint64_t id) {
  const std::uint64_t bits = mix64(seed + (id + 1) * 0x9e3779b97f4a7c15ULL);
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

}  // namespace

TaskSpec Generator::make(std::uint64_t id) const {
  TaskSpec spec;
  spec.kind = kind;
  switch (kind) {
    case KindId::square:
      // Unsigned wrap-around then a modular cast (C++20): never UB, and exact
      // whenever from + id fits, which the caller guarantees.
      spec.n = static_cast<std::int64_t>(static_cast<std::uint64_t>(from) + id);
      break;
    case KindId::crunch:
      spec.n = count;
      break;
    case KindId::download: {
      spec.seconds = download_seconds(id);
      char name[40];
      const int length = std::snprintf(name, sizeof name, "file-%04llu.bin",
                                       static_cast<unsigned long long>(id) + 1);
      spec.name.assign(name, static_cast<std::size_t>(length));
      break;
    }
  }
  return spec;
}

double Generator::download_seconds(std::uint64_t id) const {
  const double u = unit_draw(seed, id);
  // Rounding of min + span*u can land a hair above max.
  return std::min(min_seconds + (max_seconds - min_seconds) * u, max_seconds);
}

GeneratedSource::GeneratedSource(const Generator& generator) : generator_(generator) {}

std::optional<std::uint64_t> GeneratedSource::total() const {
  return generator_.total;
}

std::optional<KindId> GeneratedSource::peek_kind() {
  if (next_id_ >= generator_.total) return std::nullopt;
  return generator_.kind;
}

bool GeneratedSource::next_batch(std::size_t max_tasks, TaskBatch& batch) {
  batch.tasks.clear();
  batch.first_id = next_id_;
  batch.count = 0;
  if (next_id_ >= generator_.total) return false;
  // TaskBatch::count is 32-bit; a larger request is served in several batches.
  const std::uint64_t cap = std::min<std::uint64_t>(std::max<std::size_t>(max_tasks, 1),
                                                    std::numeric_limits<std::uint32_t>::max());
  const std::uint64_t n = std::min(cap, generator_.total - next_id_);
  batch.count = static_cast<std::uint32_t>(n);
  batch.lane = kind_info(generator_.kind).lane;
  next_id_ += n;
  return true;
}

void GeneratedSource::skip_to(std::uint64_t id) {
  next_id_ = std::max(next_id_, std::min(id, generator_.total));
}

std::optional<TaskSpec> GeneratedSource::spec_of(std::uint64_t id) const {
  if (id >= generator_.total) return std::nullopt;
  return generator_.make(id);
}

}  // namespace drover
