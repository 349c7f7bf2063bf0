// Generated workloads of the built-in kinds: the parameters behind drover run
// square|crunch|download.
#pragma once

#include <cstdint>
#include <span>

#include "model/task_source.hpp"

namespace drover {

// `total` squares of from, from + 1, ...
Generator square_generator(std::uint64_t total, std::int64_t from);
// `total` crunches of `count` increments each.
Generator crunch_generator(std::uint64_t total, std::int64_t count);
// `total` downloads of durations drawn uniformly from [min, max] seconds by a
// hash of (seed, id): a run is reproducible.
Generator download_generator(std::uint64_t total, double min_seconds, double max_seconds,
                             std::uint64_t seed);
// The planned seconds of a download task's encoded input.
double download_seconds_of(std::span<const char> input);

}  // namespace drover
