// Test helpers for the open task model: built-in kinds' specs and outputs as plain values.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "inputs/generated_source.hpp"
#include "inputs/task_file.hpp"
#include "kinds/generators.hpp"
#include "kinds/kernels.hpp"
#include "kinds/pod.hpp"
#include "model/kinds.hpp"
#include "model/task.hpp"
#include "model/task_source.hpp"

namespace drover::model_test {

inline KindId kind_id(std::string_view name) {
  const KindInfo* k = find_kind(name);
  if (k == nullptr) throw std::logic_error("no kind " + std::string(name));
  return k->id;
}
inline KindId square_id() {
  return kind_id("square");
}
inline KindId crunch_id() {
  return kind_id("crunch");
}
inline KindId download_id() {
  return kind_id("download");
}

inline TaskSpec square_spec(std::int64_t n) {
  TaskSpec s{square_id(), {}, {}};
  builtin::put_pod(s.input, n);
  return s;
}
inline TaskSpec crunch_spec(std::int64_t count) {
  TaskSpec s{crunch_id(), {}, {}};
  builtin::put_pod(s.input, count);
  return s;
}
inline TaskSpec download_spec(std::string_view name, double seconds) {
  TaskSpec s{download_id(), {}, {}};
  builtin::put_text(s.input, name);
  builtin::put_pod(s.input, seconds);
  return s;
}

// Tasks [first, first + count) of a generator, as GeneratedSource hands them out.
inline TaskBatch generated_range(const Generator& g, std::uint64_t first, std::uint32_t count) {
  TaskBatch b;
  b.first_id = first;
  b.count = count;
  b.lane = kind_info(g.kind).lane;
  b.kind = g.kind;
  b.params = g.params;
  b.first_item = first;
  return b;
}

// The int64 a square or crunch input holds.
inline std::int64_t input_n(const TaskSpec& s) {
  return builtin::get_pod<std::int64_t>(s.input);
}
inline std::string input_name(const TaskSpec& s) {
  std::size_t at = 0;
  return std::string(builtin::get_text(s.input, at));
}
inline double input_seconds(const TaskSpec& s) {
  return download_seconds_of(s.input);
}

// The first int64 of output i (every built-in kind's value), and the double
// after it (crunch's and download's metric).
inline std::int64_t value_of(const ResultBatch& r, std::size_t i) {
  return builtin::get_pod<std::int64_t>(r.output(i));
}
inline double metric_of(const ResultBatch& r, std::size_t i) {
  return builtin::get_pod<double>(r.output(i), 8);
}
inline std::vector<std::int64_t> values_of(const ResultBatch& r) {
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < r.size(); ++i) out.push_back(value_of(r, i));
  return out;
}

// Packed int64 outputs (a square's), replacing what `r` held.
inline void set_values(ResultBatch& r, const std::vector<std::int64_t>& values) {
  r.count = static_cast<std::uint32_t>(values.size());
  r.stride = 8;
  r.ends.clear();
  const char* p = reinterpret_cast<const char*>(values.data());
  r.outputs.assign(p, p + values.size() * 8);
}
inline ResultBatch with_values(ResultBatch r, const std::vector<std::int64_t>& values) {
  set_values(r, values);
  return r;
}
// Packed {int64, double} outputs (a crunch's or a download's).
inline void set_values_and_metrics(ResultBatch& r, const std::vector<std::int64_t>& values,
                                   const std::vector<double>& metrics) {
  r.count = static_cast<std::uint32_t>(values.size());
  r.stride = 16;
  r.ends.clear();
  r.outputs.clear();
  for (std::size_t i = 0; i < values.size(); ++i) {
    builtin::put_pod(r.outputs, values[i]);
    builtin::put_pod(r.outputs, i < metrics.size() ? metrics[i] : 0.0);
  }
}

// One encoded output: an int64 (a square's), or {int64, double} (a crunch's or a download's).
inline std::string i64_output(std::int64_t value) {
  std::string out;
  builtin::put_pod(out, value);
  return out;
}
inline std::string pair_output(std::int64_t value, double metric) {
  std::string out = i64_output(value);
  builtin::put_pod(out, metric);
  return out;
}
// Outputs of any sizes, without a stride (a batch of mixed kinds), replacing what `r` held.
inline void set_outputs(ResultBatch& r, const std::vector<std::string>& outputs) {
  r.count = static_cast<std::uint32_t>(outputs.size());
  r.stride = 0;
  r.outputs.clear();
  r.ends.clear();
  for (const std::string& o : outputs) {
    detail::append(r.outputs, o);
    r.ends.push_back(static_cast<std::uint32_t>(r.outputs.size()));
  }
}
// Overwrites the first int64 of output i (which must hold one).
inline void set_value(ResultBatch& r, std::size_t i, std::int64_t value) {
  const std::span<const char> out = r.output(i);
  if (out.size() < 8) throw std::logic_error("set_value: output shorter than an int64");
  const auto at = static_cast<std::size_t>(out.data() - r.outputs.data());
  std::memcpy(r.outputs.data() + at, &value, 8);
}
// What the executor leaves for a failed task: zeros with a stride, else an empty output.
inline void clear_output(ResultBatch& r, std::size_t i) {
  if (r.stride != 0) {
    std::memset(r.outputs.data() + i * r.stride, 0, r.stride);
    return;
  }
  const std::uint32_t begin = i == 0 ? 0 : r.ends[i - 1];
  const std::uint32_t removed = r.ends[i] - begin;
  r.outputs.erase(r.outputs.begin() + begin, r.outputs.begin() + begin + removed);
  for (std::size_t j = i; j < r.ends.size(); ++j) r.ends[j] -= removed;
}

}  // namespace drover::model_test
