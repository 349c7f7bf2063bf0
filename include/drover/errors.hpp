// Errors the library throws: a task that failed elsewhere, and a misuse of the API.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace drover {

// A task threw (or failed) on some rank: get() and map() rethrow it here,
// with where it happened and what it was.
class remote_error : public std::runtime_error {
 public:
  remote_error(std::uint64_t task_id, int rank, std::string host, std::string type_name,
               std::string message)
      : std::runtime_error(describe(task_id, rank, host, type_name, message)),
        task_id_(task_id),
        rank_(rank),
        host_(std::move(host)),
        type_name_(std::move(type_name)),
        message_(std::move(message)) {}

  std::uint64_t task_id() const noexcept { return task_id_; }
  int rank() const noexcept { return rank_; }
  const std::string& host() const noexcept { return host_; }
  // The exception's type ("std::runtime_error"), empty when the task did not throw one.
  const std::string& type_name() const noexcept { return type_name_; }
  const std::string& message() const noexcept { return message_; }

 private:
  // Appended piece by piece: g++ 12 at -O3 warns falsely (-Wrestrict) on
  // "literal" + std::string temporaries.
  static std::string describe(std::uint64_t task_id, int rank, const std::string& host,
                              const std::string& type_name, const std::string& message) {
    std::string text = "task ";
    text += std::to_string(task_id);
    text += " failed on rank ";
    text += std::to_string(rank);
    text += " (";
    text += host;
    text += "): ";
    if (!type_name.empty()) {
      text += type_name;
      text += ": ";
    }
    text += message;
    return text;
  }

  std::uint64_t task_id_;
  int rank_;
  std::string host_;
  std::string type_name_;
  std::string message_;
};

// The runtime stopped before the call finished: a stop signal (SIGTERM,
// SIGINT, SIGUSR1) or the time limit. The tasks that finished are in the
// journal when there is one; the same program run again with resume picks up
// from there. Escaping main, it ends the job with exit code 4, as the CLI's
// clean stop does.
class stopped_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The API used in a way it cannot serve: a pool on a worker rank, an
// unregistered function, a second Runtime.
class usage_error : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

}  // namespace drover
