// The closing summary of a run: totals, per kind and per rank, then notes and the first failures;
// as text for people and as one JSON object for scripts.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "model/kinds.hpp"
#include "outputs/report.hpp"

namespace drover {
namespace {

// Beyond this many ranks the summary gives the spread instead of every rank.
constexpr std::size_t kRanksListed = 16;

// Messages come from exceptions on other ranks: keep the summary one line each.
std::string one_line(std::string_view text) {
  constexpr std::size_t kMaxMessage = 200;
  std::string out(text.substr(0, kMaxMessage));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (text.size() > kMaxMessage) out += "...";
  return out;
}

void print_notes(std::FILE* out, const SummaryNotes& notes, const std::vector<RankInfo>& ranks) {
  if (!notes.excluded_ranks.empty()) {
    std::fprintf(out, "  excluded ranks:");
    const char* separator = " ";
    for (const auto& [rank, reason] : notes.excluded_ranks) {
      const bool known = rank >= 0 && static_cast<std::size_t>(rank) < ranks.size();
      const std::string host = known ? ranks[static_cast<std::size_t>(rank)].host : "?";
      std::fprintf(out, "%s%d (%s) %s", separator, rank, one_line(host).c_str(),
                   one_line(reason).c_str());
      separator = "; ";
    }
    std::fprintf(out, "\n");
  }
  if (notes.order_holds > 0) {
    char held[64];
    std::snprintf(held, sizeof held, "%.1f s", notes.order_held_seconds);
    std::fprintf(out,
                 "  in order: new work held back %llu %s, %s in all: up to %llu finished "
                 "results (%.1f MiB) waited for an earlier task (--order-buffer %llu MiB; "
                 "--unordered does not wait)\n",
                 static_cast<unsigned long long>(notes.order_holds),
                 notes.order_holds == 1 ? "time" : "times", held,
                 static_cast<unsigned long long>(notes.order_peak_waiting),
                 static_cast<double>(notes.order_peak_bytes) / (1 << 20),
                 static_cast<unsigned long long>(notes.order_buffer_mib));
  }
  if (notes.order_waiting > 0) {
    std::fprintf(out, "  in order: %llu finished results wait for task %llu, not written%s\n",
                 static_cast<unsigned long long>(notes.order_waiting),
                 static_cast<unsigned long long>(notes.order_behind),
                 notes.journal ? " (the journal holds them: --resume writes them)" : "");
  }
  if (notes.unfinished == 0 && notes.stop_reason.empty()) return;
  std::string line = "  stopped early: ";
  if (!notes.stop_reason.empty()) line += one_line(notes.stop_reason);
  if (notes.unfinished > 0) {
    if (!notes.stop_reason.empty()) line += "; ";
    line += std::to_string(notes.unfinished) + " tasks not run";
    if (notes.library) {
      line += " (their calls threw drover::stopped_error)";
    } else {
      line += notes.journal ? " (resumable with --resume)"
                            : " (no --journal to resume from: add --journal FILE next time)";
    }
  }
  std::fprintf(out, "%s\n", line.c_str());
}

// busy / (threads x wall) per rank, and max / mean busy; empty and nullopt
// when there is no CPU work or no wall time to share it over.
struct Utilisation {
  std::vector<double> per_rank;
  std::optional<double> imbalance;
  bool cpu = false;  // per_rank from CPU time (else from task time)
};

// Utilisation is CPU time / (threads x wall) when every rank reported its CPU
// time: wall-clock busy time counts a task descheduled (16 ranks on 2 cores
// showed 97 %) and misses work on the comm thread (square runs showed 0 %).
// Imbalance compares task time, which is what the scheduler balances.
Utilisation utilisation_of(const std::vector<std::int64_t>& busy_us, const std::vector<double>& cpu,
                           const std::vector<std::uint32_t>& threads, double wall_seconds) {
  Utilisation u;
  std::int64_t total = 0;
  for (const std::int64_t b : busy_us) total += b;
  if (busy_us.empty() || total <= 0 || !(wall_seconds > 0)) return u;
  u.cpu = cpu.size() >= busy_us.size() &&
          std::all_of(cpu.begin(), cpu.begin() + static_cast<std::ptrdiff_t>(busy_us.size()),
                      [](double c) { return c >= 0; });
  for (std::size_t r = 0; r < busy_us.size(); ++r) {
    const double used = u.cpu ? cpu[r] : static_cast<double>(busy_us[r]) / 1e6;
    u.per_rank.push_back(used / (static_cast<double>(threads[r]) * wall_seconds));
  }
  const double mean = static_cast<double>(total) / static_cast<double>(busy_us.size());
  u.imbalance = static_cast<double>(*std::max_element(busy_us.begin(), busy_us.end())) / mean;
  return u;
}

// Tasks per second with at least two significant digits: 0.40, 3.5, 42, 4555.
std::string rate_text(double rate) {
  char text[48];
  const int decimals =
      rate > 0 && rate < 100 ? std::max(0, 1 - static_cast<int>(std::floor(std::log10(rate)))) : 0;
  std::snprintf(text, sizeof text, "%.*f", decimals, rate);
  return text;
}

int percent(double fraction) {
  return static_cast<int>(fraction * 100 + 0.5);
}

}  // namespace

void RunReport::set_cpu_seconds(std::size_t rank, double seconds) {
  if (rank >= cpu_seconds_per_rank_.size()) cpu_seconds_per_rank_.resize(rank + 1, -1.0);
  cpu_seconds_per_rank_[rank] = std::max(0.0, seconds);
}

std::uint32_t RunReport::threads_of(std::size_t rank) const {
  return rank < ranks_.size() ? std::max<std::uint32_t>(1, ranks_[rank].threads) : 1;
}

// "utilisation: rank 0 97%, rank 1 95% (...)"; beyond kRanksListed ranks the spread.
void RunReport::print_utilisation(std::FILE* out, double wall_seconds) const {
  std::vector<std::uint32_t> threads;
  for (std::size_t r = 0; r < busy_us_per_rank_.size(); ++r) threads.push_back(threads_of(r));
  const Utilisation u = utilisation_of(busy_us_per_rank_, cpu_seconds_per_rank_, threads, wall_seconds);
  if (!u.imbalance) return;
  std::string line = "  utilisation: ";
  if (u.per_rank.size() <= kRanksListed) {
    for (std::size_t r = 0; r < u.per_rank.size(); ++r) {
      line += (r == 0 ? "rank " : ", rank ") + std::to_string(r) + " " +
              std::to_string(percent(u.per_rank[r])) + "%";
    }
  } else {
    std::vector<std::size_t> order(u.per_rank.size());
    for (std::size_t r = 0; r < order.size(); ++r) order[r] = r;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return u.per_rank[a] < u.per_rank[b]; });
    const std::size_t n = order.size();
    const double median = n % 2 == 1
                              ? u.per_rank[order[n / 2]]
                              : (u.per_rank[order[n / 2 - 1]] + u.per_rank[order[n / 2]]) / 2;
    line += std::to_string(n) + " ranks, min " + std::to_string(percent(u.per_rank[order[0]])) +
            "% (rank " + std::to_string(order[0]) + "), median " + std::to_string(percent(median)) +
            "%, max " + std::to_string(percent(u.per_rank[order[n - 1]])) + "% (rank " +
            std::to_string(order[n - 1]) + ")";
  }
  char tail[96];
  std::snprintf(tail, sizeof tail, " (%s / (threads x wall)); imbalance %.2f (max / mean busy)",
                u.cpu ? "CPU time" : "busy", *u.imbalance);
  std::fprintf(out, "%s%s\n", line.c_str(), tail);
}

void RunReport::write_summary_json(std::FILE* out, double wall_seconds,
                                   const SummaryNotes& notes) const {
  using Json = nlohmann::ordered_json;
  const std::size_t n_ranks = std::max(tasks_per_rank_.size(), busy_us_per_rank_.size());
  std::vector<std::uint32_t> threads;
  std::vector<std::int64_t> busy(busy_us_per_rank_);
  busy.resize(n_ranks, 0);
  for (std::size_t r = 0; r < n_ranks; ++r) threads.push_back(threads_of(r));
  const Utilisation u = utilisation_of(busy, cpu_seconds_per_rank_, threads, wall_seconds);

  Json j;
  j["tasks"] = tasks_;
  j["failed"] = failed_;
  j["wall_seconds"] = wall_seconds;
  const auto run_now = static_cast<double>(tasks_ - replayed_);
  j["tasks_per_second"] = wall_seconds > 0 ? run_now / wall_seconds : 0.0;
  j["replayed"] = replayed_;
  j["retried"] = retried_;
  j["recovered"] = recovered_;
  Json kinds = Json::object();
  for (const KindInfo& info : all_kinds()) {
    const KindTotals& totals = per_kind_[info.id];
    if (totals.tasks == 0) continue;
    kinds[std::string(info.name)] = {{"tasks", totals.tasks},
                                     {"failed", totals.failed},
                                     {"value_sum", totals.value_sum},
                                     {"busy_s", static_cast<double>(totals.busy_us) / 1e6}};
  }
  j["per_kind"] = std::move(kinds);
  Json ranks = Json::array();
  for (std::size_t r = 0; r < n_ranks; ++r) {
    Json rank = {{"rank", r},
                 {"host", std::string(host_of(static_cast<std::int32_t>(r)))},
                 {"threads", threads[r]},
                 {"tasks", r < tasks_per_rank_.size() ? tasks_per_rank_[r] : 0},
                 {"busy_s", static_cast<double>(busy[r]) / 1e6},
                 {"cpu_s", r < cpu_seconds_per_rank_.size() && cpu_seconds_per_rank_[r] >= 0
                               ? Json(cpu_seconds_per_rank_[r])
                               : Json(nullptr)}};
    rank["utilisation"] = u.per_rank.empty() ? Json(nullptr) : Json(u.per_rank[r]);
    ranks.push_back(std::move(rank));
  }
  j["ranks"] = std::move(ranks);
  j["imbalance"] = u.imbalance ? Json(*u.imbalance) : Json(nullptr);
  Json excluded = Json::array();
  for (const auto& [rank, reason] : notes.excluded_ranks) {
    excluded.push_back({{"rank", rank}, {"host", std::string(host_of(rank))}, {"reason", reason}});
  }
  j["excluded_ranks"] = std::move(excluded);
  j["stop_reason"] = notes.stop_reason.empty() ? Json(nullptr) : Json(notes.stop_reason);
  j["unfinished"] = notes.unfinished;
  j["order"] = {{"holds", notes.order_holds},
                {"held_s", notes.order_held_seconds},
                {"peak_waiting", notes.order_peak_waiting},
                {"peak_bytes", notes.order_peak_bytes},
                {"waiting", notes.order_waiting},
                {"behind", notes.order_behind}};
  j["taken_back"] = {{"revokes", notes.revokes}, {"tasks", notes.taken_back}};
  // Hosts and messages come from other ranks: bytes that are not UTF-8 are replaced, not fatal.
  const std::string text = j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  if (std::fwrite(text.data(), 1, text.size(), out) != text.size() || std::fflush(out) != 0) {
    throw std::runtime_error(std::string("cannot write the summary JSON: ") + std::strerror(errno));
  }
}

void RunReport::print_summary(std::FILE* out, double wall_seconds,
                              const SummaryNotes& notes) const {
  // The rate is this run's: tasks replayed from the journal took no time now.
  const std::uint64_t run_now = tasks_ - replayed_;
  const double rate = wall_seconds > 0 ? static_cast<double>(run_now) / wall_seconds : 0;
  std::string figures = rate_text(rate) + " tasks/s";
  if (replayed_ > 0 && run_now == 0) {
    figures = "none run now: all " + std::to_string(replayed_) + " replayed from the journal";
  } else if (replayed_ > 0) {
    figures += " over the " + std::to_string(run_now) + " run now; " + std::to_string(replayed_) +
               " replayed from the journal";
  }
  std::fprintf(out, "drover: %llu tasks, %llu failed in %.6f s (%s)\n",
               static_cast<unsigned long long>(tasks_), static_cast<unsigned long long>(failed_),
               wall_seconds, figures.c_str());
  if (tasks_ > 0) {
    std::fprintf(out, "  %-8s %10s %8s %20s %10s\n", "kind", "tasks", "failed", "value sum",
                 "busy s");
  }
  for (const KindInfo& info : all_kinds()) {
    const KindTotals& totals = per_kind_[info.id];
    if (totals.tasks == 0) continue;
    std::fprintf(out, "  %-8.*s %10llu %8llu %20llu %10.3f\n", static_cast<int>(info.name.size()),
                 info.name.data(), static_cast<unsigned long long>(totals.tasks),
                 static_cast<unsigned long long>(totals.failed),
                 static_cast<unsigned long long>(totals.value_sum),
                 static_cast<double>(totals.busy_us) / 1e6);
  }
  print_utilisation(out, wall_seconds);
  if (!tasks_per_rank_.empty() && tasks_per_rank_.size() <= kRanksListed) {
    std::fprintf(out, "  ranks:");
    for (std::size_t r = 0; r < tasks_per_rank_.size(); ++r) {
      std::fprintf(out, " %zu:%llu", r, static_cast<unsigned long long>(tasks_per_rank_[r]));
    }
    std::fprintf(out, "\n");
  } else if (!tasks_per_rank_.empty()) {
    const auto [low, high] = std::minmax_element(tasks_per_rank_.begin(), tasks_per_rank_.end());
    std::fprintf(out, "  ranks: %zu, tasks per rank from %llu (rank %td) to %llu (rank %td)\n",
                 tasks_per_rank_.size(), static_cast<unsigned long long>(*low),
                 low - tasks_per_rank_.begin(), static_cast<unsigned long long>(*high),
                 high - tasks_per_rank_.begin());
  }
  if (replayed_ > 0) {
    std::fprintf(out, "  resumed: %llu tasks from the journal\n",
                 static_cast<unsigned long long>(replayed_));
  }
  if (retried_ > 0) {
    std::fprintf(out, "  retries: %llu tasks retried, %llu of them succeeded\n",
                 static_cast<unsigned long long>(retried_),
                 static_cast<unsigned long long>(recovered_));
  }
  print_notes(out, notes, ranks_);
  if (failed_ == 0) return;
  std::fprintf(out, "  failed tasks (first %zu of %llu):\n", first_failures_.size(),
               static_cast<unsigned long long>(failed_));
  for (const FailedTask& failure : first_failures_) {
    std::fprintf(out, "    id %llu on rank %d (%s): %s\n",
                 static_cast<unsigned long long>(failure.id), failure.rank,
                 one_line(failure.host).c_str(), one_line(failure.message).c_str());
  }
}

}  // namespace drover
