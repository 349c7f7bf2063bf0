// --joblog: every finished command as a row of GNU parallel's joblog, in the order they became
// final.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "kinds/exec_codec.hpp"
#include "model/kinds.hpp"
#include "outputs/joblog.hpp"
#include "runtime/job.hpp"
#include "scheduling/consumer.hpp"

namespace drover {

// Tasks of other kinds (a task file mixes them) have no row: the joblog is a
// log of commands. Rows already logged by the run a --resume continues are
// not written again (consume_replayed).
class JoblogRecorder final : public ResultConsumer {
 public:
  JoblogRecorder(JoblogWriter& writer, const std::vector<RankInfo>& ranks)
      : writer_(writer), ranks_(ranks) {
    const KindInfo* exec = find_kind("exec");
    exec_ = exec != nullptr ? exec->id : kind_count();
  }

  void consume(const TaskBatch& tasks, const ResultBatch& results) override {
    if (tasks.is_range()) return;  // commands always travel as explicit tasks
    std::size_t span = 0;
    for (std::size_t i = 0; i < tasks.tasks.size(); ++i) {
      const Task& task = tasks.tasks[i];
      if (task.spec.kind != exec_) continue;
      while (span + 1 < results.spans.size() && results.spans[span + 1].first <= i) ++span;
      const Span* s = span < results.spans.size() ? &results.spans[span] : nullptr;
      ExecOutput out;
      const std::span<const char> bytes = results.output(i);
      if (!bytes.empty()) out = decode_exec_output(bytes);
      const std::string command = exec_command_line(decode_exec_input(task.spec.input));
      const bool known =
          results.rank >= 0 && static_cast<std::size_t>(results.rank) < ranks_.size();
      JoblogRow row;
      row.seq = task.id + 1;
      row.host = known ? std::string_view(ranks_[results.rank].host) : std::string_view(":");
      row.start = std::chrono::system_clock::time_point(
          std::chrono::microseconds(s != nullptr ? s->start_us : 0));
      row.runtime = std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::duration<double>(out.wall_seconds));
      row.exit_value = out.exit_code;
      row.signal = out.signal;
      row.command = command;
      writer_.write(row);
    }
    writer_.flush();
  }
  void consume_replayed(const JournalBatch&) override {}

 private:
  JoblogWriter& writer_;
  const std::vector<RankInfo>& ranks_;
  std::size_t exec_ = 0;
};

}  // namespace drover
