// The closing summary of a run: totals, per kind and per rank, then notes and the first failures.
#include <algorithm>
#include <string>
#include <string_view>

#include "kinds.hpp"
#include "report.hpp"

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
  if (notes.unfinished == 0 && notes.stop_reason.empty()) return;
  std::string line = "  stopped early: ";
  if (!notes.stop_reason.empty()) line += one_line(notes.stop_reason);
  if (notes.unfinished > 0) {
    if (!notes.stop_reason.empty()) line += "; ";
    line += std::to_string(notes.unfinished) + " tasks not run (resumable with --resume)";
  }
  std::fprintf(out, "%s\n", line.c_str());
}

}  // namespace

void RunReport::print_summary(std::FILE* out, double wall_seconds,
                              const SummaryNotes& notes) const {
  const double rate = wall_seconds > 0 ? static_cast<double>(tasks_) / wall_seconds : 0;
  std::fprintf(out, "drover: %llu tasks, %llu failed in %.6f s (%.0f tasks/s)\n",
               static_cast<unsigned long long>(tasks_), static_cast<unsigned long long>(failed_),
               wall_seconds, rate);
  if (tasks_ > 0) {
    std::fprintf(out, "  %-8s %10s %8s %20s %10s\n", "kind", "tasks", "failed", "value sum",
                 "busy s");
  }
  for (const KindInfo& info : all_kinds()) {
    const KindTotals& totals = per_kind_[static_cast<std::size_t>(info.id)];
    if (totals.tasks == 0) continue;
    std::fprintf(out, "  %-8.*s %10llu %8llu %20llu %10.3f\n", static_cast<int>(info.name.size()),
                 info.name.data(), static_cast<unsigned long long>(totals.tasks),
                 static_cast<unsigned long long>(totals.failed),
                 static_cast<unsigned long long>(totals.value_sum),
                 static_cast<double>(totals.busy_us) / 1e6);
  }
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
