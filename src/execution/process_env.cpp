// A task's environment: the rank's environ filtered once, then per task a copy of pointers and DROVER_*.
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <string_view>

#include "execution/process_internal.hpp"

extern char** environ;

namespace drover {
namespace {

std::string_view name_of(std::string_view entry) {
  return entry.substr(0, entry.find('='));
}

// The launcher's variables would make a task that is itself an MPI program
// join the rank's job (or fail to): a task starts as its own job.
// Open MPI's two root permissions are the user's own word, never the
// launcher's: a task run as root that is an MPI program needs them too.
bool is_mpi_var(std::string_view name) {
  if (name == "OMPI_ALLOW_RUN_AS_ROOT" || name == "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM") return false;
  return name.starts_with("OMPI_") || name.starts_with("PMIX_") || name.starts_with("PMI_");
}

void set_number(std::string& var, std::string_view prefix, std::uint64_t value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  var.assign(prefix).append(digits, end);
}

}  // namespace

bool is_drover_task_var(std::string_view name) {
  return name == "DROVER_TASK_ID" || name == "DROVER_RANK" || name == "DROVER_SLOT" ||
         name == "DROVER_ATTEMPT" || name == "DROVER_HOST" || name == "DROVER_CPUS";
}

ProcessEnv ProcessEnv::from(const char* const* env, bool keep_mpi_vars) {
  ProcessEnv out;
  for (; env != nullptr && *env != nullptr; ++env) {
    const std::string_view entry(*env);
    const std::string_view name = name_of(entry);
    if (name.size() == entry.size()) continue;  // no '=': not a variable
    if (!keep_mpi_vars && is_mpi_var(name)) continue;
    if (is_drover_task_var(name)) continue;  // a drover inside a task sets its own
    out.entries_.emplace_back(entry);
  }
  return out;
}

ProcessEnv ProcessEnv::from_environ(bool keep_mpi_vars) {
  return from(environ, keep_mpi_vars);
}

EnvBuilder::EnvBuilder(ProcessEnv base, int rank, const std::string& host,
                       std::string default_cpus)
    : base_(std::move(base)), default_cpus_(std::move(default_cpus)) {
  // The strings never change from here on, so their buffers stay put.
  base_ptrs_.reserve(base_.entries().size());
  for (const std::string& e : base_.entries()) base_ptrs_.push_back(const_cast<char*>(e.c_str()));
  set_number(rank_var_, "DROVER_RANK=", static_cast<std::uint64_t>(rank < 0 ? 0 : rank));
  host_var_.assign("DROVER_HOST=").append(host);
  envp_.reserve(base_ptrs_.size() + 8);
}

char* const* EnvBuilder::build(const ProcessSpec& spec, const std::string& cpus_text) {
  envp_.clear();
  if (spec.env.empty()) {
    envp_.insert(envp_.end(), base_ptrs_.begin(), base_ptrs_.end());
  } else {
    // The rare path: a task with its own variables drops the base's of the same names.
    own_vars_.clear();
    for (const auto& [name, value] : spec.env) {
      if (name.empty() || name.find('=') != std::string::npos || is_drover_task_var(name))
        continue;
      own_vars_.push_back(std::string(name).append("=").append(value));
    }
    for (char* entry : base_ptrs_) {
      const std::string_view name = name_of(entry);
      const bool overridden =
          std::any_of(spec.env.begin(), spec.env.end(), [&](const auto& kv) { return kv.first == name; });
      if (!overridden) envp_.push_back(entry);
    }
    for (std::string& v : own_vars_) envp_.push_back(v.data());
  }
  set_number(task_var_, "DROVER_TASK_ID=", spec.identity.task_id);
  set_number(slot_var_, "DROVER_SLOT=", spec.identity.slot);
  set_number(attempt_var_, "DROVER_ATTEMPT=", spec.identity.attempt);
  cpus_var_.assign("DROVER_CPUS=").append(spec.cpus.empty() ? default_cpus_ : cpus_text);
  envp_.push_back(task_var_.data());
  envp_.push_back(rank_var_.data());
  envp_.push_back(slot_var_.data());
  envp_.push_back(attempt_var_.data());
  envp_.push_back(host_var_.data());
  envp_.push_back(cpus_var_.data());
  envp_.push_back(nullptr);
  return envp_.data();
}

std::string cpu_list_text(std::vector<int> cpus) {
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  std::string text;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!text.empty()) text.push_back(',');
    text.append(std::to_string(cpus[i]));
    if (j > i) text.append("-").append(std::to_string(cpus[j]));
    i = j + 1;
  }
  return text;
}

}  // namespace drover
