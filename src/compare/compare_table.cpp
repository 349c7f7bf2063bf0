// drover compare's arithmetic and words: medians, speed-ups, why each row looks as it does.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "compare/compare.hpp"
#include "kinds/generators.hpp"
#include "model/kinds.hpp"

namespace drover::compare {
namespace {

std::string fixed(double value, int decimals) {
  char text[48];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string times(double speedup) {
  return fixed(speedup, speedup < 10 ? 2 : 1) + "x";
}

std::string stat_text(const Stat& s, unsigned repeat) {
  std::string text = fixed(s.median, 3);
  if (repeat > 1) text += " [" + fixed(s.min, 3) + "-" + fixed(s.max, 3) + "]";
  return text;
}

// What the durations of a download workload add up to, and the longest one.
std::pair<double, double> sum_and_longest(const Workload& work) {
  const Generator g = work.generator();
  double sum = 0, longest = 0;
  for (std::uint64_t id = 0; id < work.tasks; ++id) {
    const double s = download_seconds_of(g.make(id).input);
    sum += s;
    longest = std::max(longest, s);
  }
  return {sum, longest};
}

std::string explain_cpu(const Workload& work, const Row& row, unsigned cores) {
  const Configuration& c = row.config;
  const std::string w = std::to_string(row.workers);
  const std::string n = std::to_string(work.tasks);
  if (row.workers == 1)
    return "the baseline: one thread runs the " + n + " tasks one after another";
  const std::string shape =
      w + " workers (" + std::to_string(c.ranks) + " x " + std::to_string(c.threads) + ")";
  if (row.oversubscribed) {
    return shape + " on " + std::to_string(cores) +
           " cores: oversubscribed; CPU-bound work gains nothing beyond the cores (at best " +
           std::to_string(cores) + "x), the OS time-slices the workers; got " + times(row.speedup);
  }
  std::string text = shape + " on " + w + " of " + std::to_string(cores) +
                     " cores: CPU-bound work gains only from cores, at best " + w + "x; got " +
                     times(row.speedup);
  if (row.efficiency && *row.efficiency < 0.8) {
    if (work.tasks < row.workers) {
      text += ", but only " + n + (work.tasks == 1 ? " task" : " tasks") + " for " + w + " workers";
    } else if (work.tasks % row.workers != 0) {
      text += ", but " + n + " tasks do not split evenly over " + w + " workers";
    } else {
      text += ", short of it: overhead for tasks this small, or other load on the machine";
    }
  }
  return text;
}

std::string explain_io(const Workload& work, const Row& row, unsigned cores) {
  const auto [sum, longest] = sum_and_longest(work);
  const Configuration& c = row.config;
  const std::string n = std::to_string(work.tasks);
  if (c.one_at_a_time) {
    return "one download at a time (--io-window 1): about the sum of the " + n + " durations, " +
           fixed(sum, 2) + " s";
  }
  if (row.workers == 1) {
    return "the same one thread, but downloads overlap on the async lane: about the longest, " +
           fixed(longest, 2) + " s, not the sum; " + times(row.speedup) +
           " on one core: IO-bound work gains from concurrency beyond the cores";
  }
  if (c.ranks == 1) {
    return std::to_string(c.threads) +
           " pool threads change nothing for downloads: the lane already overlaps them all "
           "(about the longest, " +
           fixed(longest, 2) + " s)";
  }
  return "downloads split over " + std::to_string(c.ranks) +
         " ranks, each lane overlapping its share: still about the longest, " + fixed(longest, 2) +
         " s; waiting needs no cores, so " + std::to_string(row.workers) + " workers on " +
         std::to_string(cores) + " cores cost nothing";
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (const char ch : text) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

}  // namespace

Stat Stat::of(std::vector<double> values) {
  if (values.empty()) throw std::invalid_argument("Stat::of: no values");
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  Stat s;
  s.median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  s.min = values.front();
  s.max = values.back();
  return s;
}

std::string explain(const Workload& work, const Row& row, unsigned cores) {
  return work.lane() == Lane::cpu ? explain_cpu(work, row, cores) : explain_io(work, row, cores);
}

std::vector<Row> make_rows(const Workload& work, const std::vector<Configuration>& configs,
                           const std::vector<std::vector<Measurement>>& measurements,
                           unsigned cores) {
  if (configs.empty() || configs.size() != measurements.size()) {
    throw std::invalid_argument("make_rows: one list of measurements per configuration");
  }
  cores = std::max(1u, cores);
  const bool cpu = work.lane() == Lane::cpu;
  std::vector<Row> rows;
  for (std::size_t i = 0; i < configs.size(); ++i) {
    std::vector<double> own, whole;
    for (const Measurement& m : measurements[i]) {
      own.push_back(m.drover_seconds);
      whole.push_back(m.whole_seconds);
    }
    Row row;
    row.config = configs[i];
    row.workers = configs[i].ranks * configs[i].threads;
    row.cores_used = std::min(row.workers, cores);
    row.oversubscribed = row.workers > cores;
    row.drover = Stat::of(own);
    row.whole = Stat::of(whole);
    rows.push_back(row);
  }
  for (Row& row : rows) {
    row.speedup = row.drover.median > 0 ? rows.front().drover.median / row.drover.median : 0;
    if (cpu) row.efficiency = row.speedup / row.cores_used;
    row.why = explain(work, row, cores);
  }
  return rows;
}

std::string format_table(const Workload& work, const std::vector<Row>& rows, unsigned repeat) {
  const std::vector<std::string> head = {"config",  "ranks x threads", "cores used", "drover s",
                                         "whole s", "speed-up",        "efficiency"};
  std::vector<std::vector<std::string>> cells;
  for (const Row& row : rows) {
    cells.push_back({row.config.name,
                     std::to_string(row.config.ranks) + " x " + std::to_string(row.config.threads),
                     std::to_string(row.cores_used) + (row.oversubscribed ? " (over)" : ""),
                     stat_text(row.drover, repeat), stat_text(row.whole, repeat),
                     times(row.speedup),
                     row.efficiency ? fixed(*row.efficiency * 100, 0) + "%" : "-"});
  }
  std::vector<std::size_t> width(head.size());
  for (std::size_t c = 0; c < head.size(); ++c) {
    width[c] = head[c].size();
    for (const auto& line : cells) width[c] = std::max(width[c], line[c].size());
  }
  const auto join = [&](const std::vector<std::string>& line) {
    std::string text = " ";
    for (std::size_t c = 0; c < line.size(); ++c) {
      text += " " + line[c];
      if (c + 1 < line.size()) text.append(width[c] - line[c].size() + 1, ' ');
    }
    return text + "\n";
  };
  std::string out = work.kind_name() + ": " + work.describe();
  out += repeat > 1 ? "; median [min-max] of " + std::to_string(repeat) + " runs\n" : "; 1 run\n";
  out += join(head);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out += join(cells[i]);
    out += "      why: " + rows[i].why + "\n";
  }
  return out;
}

std::string csv_header() {
  return "kind,config,ranks,threads,io_window,workers,cores_used,oversubscribed,drover_s,"
         "drover_s_min,drover_s_max,whole_s,whole_s_min,whole_s_max,speedup,efficiency,why\n";
}

std::string csv_rows(const Workload& work, const std::vector<Row>& rows) {
  std::string out;
  for (const Row& row : rows) {
    const auto g = [](double v) {
      char text[32];
      std::snprintf(text, sizeof text, "%.6g", v);
      return std::string(text);
    };
    out += work.kind_name() + "," + csv_field(row.config.name) + "," +
           std::to_string(row.config.ranks) + "," + std::to_string(row.config.threads) + "," +
           (row.config.one_at_a_time ? "1" : "") + "," + std::to_string(row.workers) + "," +
           std::to_string(row.cores_used) + "," + (row.oversubscribed ? "true" : "false") + "," +
           g(row.drover.median) + "," + g(row.drover.min) + "," + g(row.drover.max) + "," +
           g(row.whole.median) + "," + g(row.whole.min) + "," + g(row.whole.max) + "," +
           g(row.speedup) + "," + (row.efficiency ? g(*row.efficiency) : "") + "," +
           csv_field(row.why) + "\n";
  }
  return out;
}

}  // namespace drover::compare
