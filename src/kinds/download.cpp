// The download kind: a simulated download that waits on the async lane, never on a pool thread.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "kinds/json_fields.hpp"
#include "kinds/kernels.hpp"
#include "kinds/pod.hpp"
#include "model/errors.hpp"
#include "model/json_text.hpp"
#include "model/kinds.hpp"

namespace drover::builtin {
namespace {

// Input {str name, f64 seconds}; output {i64 planned ms, f64 seconds waited}.
struct Input {
  std::string_view name;
  double seconds = 0;
};

Input read_input(std::span<const char> bytes) {
  std::size_t at = 0;
  Input in;
  in.name = get_text(bytes, at);
  in.seconds = get_pod<double>(bytes, at);
  return in;
}

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

// A batch's downloads start together, as an async client issues a batch of
// requests: each deadline is that instant plus the download's duration. The
// batch then waits as one list sorted by deadline, with one pending wait for
// its next deadline, so a download in flight costs 16 bytes and 100,000 of
// them start in a few milliseconds.
struct Waits {
  struct Due {
    IoBatch::Clock::time_point deadline;
    std::uint32_t index;
  };
  IoBatch* batch = nullptr;
  IoBatch::Clock::time_point started;
  std::vector<Due> due;
  std::vector<double> planned;  // seconds, by index
  std::size_t next = 0;
  std::string line;  // reused for announcements
};

void announce(Waits& w, bool finished, std::string_view name, double seconds) {
  char tail[64];
  std::snprintf(tail, sizeof tail, finished ? " in %.2f s" : " (%.2f s)", seconds);
  w.line.assign(finished ? "finished " : "downloading ").append(name).append(tail);
  w.batch->announce(w.line);
}

void wait_for_next(std::shared_ptr<Waits> w);

// Finishes every download whose deadline has passed: under load one wake-up
// serves many, so late wake-ups do not pile up.
void finish_due(const std::shared_ptr<Waits>& w) {
  const auto now = IoBatch::Clock::now();
  const double waited = std::chrono::duration<double>(now - w->started).count();
  std::string output;
  while (w->next < w->due.size() && w->due[w->next].deadline <= now) {
    const std::uint32_t i = w->due[w->next++].index;
    output.clear();
    put_pod(output, std::llround(w->planned[i] * 1000));
    put_pod(output, waited);
    if (w->batch->announcing()) announce(*w, true, read_input(w->batch->input(i)).name, waited);
    w->batch->finish(i, output, w->started, now);
  }
  wait_for_next(w);
}

void wait_for_next(std::shared_ptr<Waits> w) {
  if (w->next == w->due.size()) return;  // every task has finished: the batch is over
  const auto deadline = w->due[w->next].deadline;
  w->batch->at(deadline, [w = std::move(w)] { finish_due(w); });
}

void start(IoBatch& batch) {
  auto w = std::make_shared<Waits>();
  w->batch = &batch;
  w->started = IoBatch::Clock::now();
  const std::size_t n = batch.size();
  w->due.reserve(n);
  w->planned.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    Input in;
    try {
      in = read_input(batch.input(i));
    } catch (const std::exception& e) {
      batch.fail(i, e.what());
      continue;
    }
    // Inputs are validated upstream; clamping keeps the duration cast defined regardless.
    const double seconds = in.seconds >= 0 ? std::min(in.seconds, kMaxDownloadSeconds) : 0.0;
    w->planned[i] = seconds;
    if (batch.announcing()) announce(*w, false, in.name, seconds);
    const auto wait = std::chrono::duration_cast<IoBatch::Clock::duration>(
        std::chrono::duration<double>(seconds));
    w->due.push_back(Waits::Due{w->started + wait, static_cast<std::uint32_t>(i)});
  }
  std::sort(w->due.begin(), w->due.end(), [](const Waits::Due& a, const Waits::Due& b) {
    return a.deadline != b.deadline ? a.deadline < b.deadline : a.index < b.index;
  });
  wait_for_next(std::move(w));
}

void parse(const nlohmann::json& object, std::string& input) {
  check_fields(object, "download", {"name", "seconds"});
  const nlohmann::json& name = require(object, "name", "download");
  if (!name.is_string() || name.get_ref<const std::string&>().empty()) {
    throw InputError("\"name\" must be a non-empty string");
  }
  const std::string& text = name.get_ref<const std::string&>();
  for (unsigned char c : text) {
    // Names end up in one-line announcements and CSV cells.
    if (c < 0x20 || c == 0x7f) throw InputError("\"name\" must not contain control characters");
  }
  const double seconds = require_number(object, "seconds", "download");
  if (!std::isfinite(seconds) || seconds < 0 || seconds > kMaxDownloadSeconds) {
    throw InputError("\"seconds\" must be in [0, " +
                     std::to_string(static_cast<long long>(kMaxDownloadSeconds)) + "]");
  }
  put_text(input, text);
  put_pod(input, seconds);
}

// Generated downloads: params {f64 min, f64 max, u64 seed}; names are
// file-0001.bin, file-0002.bin, ... (id + 1, at least 4 digits).
void generate(std::span<const char> params, std::uint64_t id, std::string& input) {
  const auto min = get_pod<double>(params, 0);
  const auto max = get_pod<double>(params, 8);
  const auto seed = get_pod<std::uint64_t>(params, 16);
  // Rounding of min + span*u can land a hair above max.
  const double seconds = std::min(min + (max - min) * unit_draw(seed, id), max);
  char name[40];
  const int length =
      std::snprintf(name, sizeof name, "file-%04llu.bin", static_cast<unsigned long long>(id) + 1);
  put_text(input, std::string_view(name, static_cast<std::size_t>(length)));
  put_pod(input, seconds);
}

}  // namespace

void register_download() {
  KindOps k;
  k.name = "download";
  k.lane = Lane::io;
  k.input_type = "{str,f64}";
  k.output_type = "{i64,f64}";
  k.output_size = 16;
  k.start = start;
  k.parse_json = parse;
  k.input_json = [](std::span<const char> input, std::string& out) {
    append_json_string(read_input(input).name, out);
  };
  k.value_json = [](std::span<const char> output, std::string& out) {
    append_json_int(get_pod<std::int64_t>(output), out);
  };
  k.metric_json = [](std::span<const char> output, std::string& out) {
    append_json_double(get_pod<double>(output, 8), out);
    return true;
  };
  k.metric_name = "seconds waited";
  k.checksum = [](std::span<const char> output) {
    return static_cast<std::uint64_t>(get_pod<std::int64_t>(output));
  };
  k.generate = generate;
  register_kind(std::move(k));
}

}  // namespace drover::builtin
