// Launch environment detection: pure functions over an environment map, tested on captured ones.
#include "launch/launch_env.hpp"

#include <algorithm>
#include <charconv>
#include <csignal>
#include <cstring>

extern char** environ;

namespace drover {
namespace {

std::optional<std::string> get(const EnvMap& env, const std::string& key) {
  auto it = env.find(key);
  if (it == env.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

// Slurm writes some counts with decorations ("4(x2)"); take the leading number.
std::optional<int> get_int(const EnvMap& env, const std::string& key) {
  const auto text = get(env, key);
  if (!text) return std::nullopt;
  int value = 0;
  const char* first = text->data();
  const auto [ptr, ec] = std::from_chars(first, first + text->size(), value);
  if (ec != std::errc() || ptr == first) return std::nullopt;
  return value;
}

template <class T>
std::optional<T> first_of(std::initializer_list<std::optional<T>> options) {
  for (const auto& o : options) {
    if (o) return o;
  }
  return std::nullopt;
}

bool starts_with(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

}  // namespace

EnvMap current_env() {
  EnvMap env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq == nullptr) continue;
    env.emplace(std::string(*e, static_cast<std::size_t>(eq - *e)), std::string(eq + 1));
  }
  return env;
}

LaunchEnv detect_launch(const EnvMap& env) {
  LaunchEnv l;
  const bool ompi = get(env, "OMPI_COMM_WORLD_RANK").has_value();
  const bool slurm_job = get(env, "SLURM_JOB_ID").has_value();
  // srun sets SLURM_PROCID per task; mpirun inside a job does not set
  // SLURM_STEP_ID for its ranks' own launch, but Open MPI's variables win.
  const bool srun_task = get(env, "SLURM_PROCID").has_value() && get(env, "SLURM_STEP_ID");
  if (ompi && slurm_job) {
    l.launcher = "mpirun in a Slurm job";
  } else if (ompi) {
    l.launcher = "mpirun";
  } else if (srun_task) {
    l.launcher = "srun";
  } else if (get(env, "PMIX_RANK") || get(env, "PMI_RANK")) {
    l.launcher = "PMI launcher";
  } else {
    l.launcher = "none (singleton)";
  }

  l.rank = first_of<int>({get_int(env, "OMPI_COMM_WORLD_RANK"), get_int(env, "PMIX_RANK"),
                          get_int(env, "PMI_RANK"),
                          srun_task ? get_int(env, "SLURM_PROCID") : std::nullopt});
  l.world_size = first_of<int>({get_int(env, "OMPI_COMM_WORLD_SIZE"), get_int(env, "PMI_SIZE"),
                                srun_task ? get_int(env, "SLURM_NTASKS") : std::nullopt});
  l.local_rank = first_of<int>({get_int(env, "OMPI_COMM_WORLD_LOCAL_RANK"),
                                srun_task ? get_int(env, "SLURM_LOCALID") : std::nullopt});
  l.local_size = first_of<int>({get_int(env, "OMPI_COMM_WORLD_LOCAL_SIZE"),
                                srun_task ? get_int(env, "SLURM_NTASKS_PER_NODE") : std::nullopt});

  l.slurm_job_id = get(env, "SLURM_JOB_ID");
  l.slurm_ntasks = get_int(env, "SLURM_NTASKS");
  l.slurm_cpus_per_task = get_int(env, "SLURM_CPUS_PER_TASK");
  l.slurm_num_nodes = get_int(env, "SLURM_JOB_NUM_NODES");
  l.slurm_nodelist = get(env, "SLURM_JOB_NODELIST");
  l.slurm_node = get(env, "SLURMD_NODENAME");

  for (const auto& [key, value] : env) {
    if (starts_with(key, "SLURM_") || starts_with(key, "OMPI_COMM_WORLD_") || key == "PMIX_RANK") {
      l.seen.emplace_back(key, value);
    }
  }
  return l;
}

bool prints_before_init(const LaunchEnv& launch) {
  return !launch.rank || *launch.rank == 0;
}

unsigned default_threads(const LaunchEnv& launch, unsigned node_cores, unsigned ranks_on_node,
                         unsigned bound_cpus) {
  if (launch.slurm_cpus_per_task && *launch.slurm_cpus_per_task > 0) {
    return static_cast<unsigned>(*launch.slurm_cpus_per_task);
  }
  if (ranks_on_node == 0) ranks_on_node = 1;
  unsigned share = node_cores / ranks_on_node;
  if (bound_cpus != 0 && bound_cpus < share) share = bound_cpus;
  return share == 0 ? 1 : share;
}

std::optional<std::string> launch_warning(const LaunchEnv& launch, int mpi_world_size) {
  if (mpi_world_size == 1 && launch.slurm_ntasks && *launch.slurm_ntasks > 1) {
    return "MPI sees 1 rank but SLURM_NTASKS=" + std::to_string(*launch.slurm_ntasks) +
           ": started without srun --mpi=pmix or mpirun? Each process runs the whole job alone.";
  }
  return std::nullopt;
}

std::chrono::milliseconds stop_grace(const LaunchEnv& launch, int signal,
                                     std::chrono::milliseconds grace) {
  const bool killed_soon = signal == SIGTERM || signal == SIGINT;
  if (killed_soon && launch.launcher.rfind("mpirun", 0) == 0) {
    return std::min(grace, kMpirunSignalGrace);
  }
  return grace;
}

}  // namespace drover
