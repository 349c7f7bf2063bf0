// Error types that decide exit codes: InputError is the user's mistake (exit 2).
#pragma once

#include <stdexcept>
#include <string>

namespace drover {

// Exit codes, documented in the README and --help.
inline constexpr int kExitOk = 0;
inline constexpr int kExitTasksFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitAborted = 3;  // after start-up: a write failed, a protocol error
inline constexpr int kExitStopped = 4;  // stopped early (signal or time limit): resumable

// Bad CLI values, task files, journals: reported as one line, exit code 2.
// The message names what and where ("tasks.jsonl:12: ...").
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace drover
