// Helpers for the CommandSource tests: the exec and barrier kinds' ids, batches as strings.
#pragma once

#include <gtest/gtest.h>

#include <iostream>
#include <string>
#include <vector>

#include "inputs/command_source.hpp"
#include "kinds/exec_codec.hpp"
#include "model/errors.hpp"
#include "model/kinds.hpp"

namespace drover::command_source_test {

inline KindId exec_id() {
  return find_kind("exec")->id;
}
inline KindId barrier_id() {
  return find_kind("barrier")->id;
}

// The command of an exec task, "BARRIER" for a barrier.
inline std::string shown(const Task& t) {
  if (t.spec.kind == barrier_id()) return t.spec.input.empty() ? "BARRIER" : "BARRIER+input";
  return decode_exec_input(t.spec.input).cmd;
}

// Every batch, as "id:what,id:what" strings.
inline std::vector<std::string> batches(CommandSource& source, std::size_t max_tasks) {
  std::vector<std::string> out;
  TaskBatch batch;
  batch.seq = 77;
  while (true) {
    const auto kind = source.peek_kind();
    const bool more = source.next_batch(max_tasks, batch);
    EXPECT_EQ(kind.has_value(), more);
    EXPECT_EQ(batch.seq, 77u) << "seq is the scheduler's";
    if (!more) {
      EXPECT_TRUE(batch.tasks.empty());
      break;
    }
    EXPECT_EQ(batch.tasks.front().spec.kind, *kind);
    EXPECT_EQ(batch.lane, kind_info(*kind).lane);
    std::string text;
    for (std::size_t i = 0; i < batch.tasks.size(); ++i) {
      const Task& t = batch.tasks[i];
      EXPECT_EQ(t.id, batch.first_id + i) << "ids are consecutive";
      EXPECT_EQ(kind_info(t.spec.kind).lane, batch.lane);
      if (i > 0) text += ',';
      text.append(std::to_string(t.id)).append(":").append(shown(t));
    }
    out.push_back(text);
  }
  return out;
}

inline std::string error_of(const CommandSourceSpec& spec, std::istream& in = std::cin) {
  try {
    open_command_source(spec, in);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

inline CommandSourceSpec of_template(std::string text, std::vector<std::string> words) {
  return CommandSourceSpec{{}, std::move(text), std::move(words)};
}

}  // namespace drover::command_source_test
