// Launch environment detection: pure functions over an environment map, tested on captured ones.
#pragma once

#include <map>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace drover {

using EnvMap = std::map<std::string, std::string>;

// This process's environment as a map (the only impure function here).
EnvMap current_env();

struct LaunchEnv {
  // "mpirun", "srun", "mpirun in a Slurm job", or "none (singleton)".
  std::string launcher;
  std::optional<int> rank;        // this process's rank, when a launcher says so
  std::optional<int> world_size;  // ranks the launcher started
  std::optional<int> local_rank;  // rank among those on this node
  std::optional<int> local_size;  // ranks on this node
  // Slurm
  std::optional<std::string> slurm_job_id;
  std::optional<int> slurm_ntasks;
  std::optional<int> slurm_cpus_per_task;
  std::optional<int> slurm_num_nodes;
  std::optional<std::string> slurm_nodelist;
  // The Slurm node this process runs on (SLURMD_NODENAME): the only name that
  // tells ranks apart when several slurmd share a host, as in test clusters.
  std::optional<std::string> slurm_node;
  // Every SLURM_*, OMPI_COMM_WORLD_* and PMIX_RANK variable seen, sorted, for `drover info`.
  std::vector<std::pair<std::string, std::string>> seen;
};

LaunchEnv detect_launch(const EnvMap& env);

// Before MPI starts, whether this process should print (help, usage errors):
// rank 0 by the launcher's variables, or a process no launcher started.
bool prints_before_init(const LaunchEnv& launch);

// The default pool size: SLURM_CPUS_PER_TASK when set, else the node's cores
// divided by the ranks on it, at least 1, and no more than the CPUs the rank
// is bound to (`bound_cpus`, 0: unknown): threads beyond them only take turns.
unsigned default_threads(const LaunchEnv& launch, unsigned node_cores, unsigned ranks_on_node,
                         unsigned bound_cpus = 0);

// A warning when the launch looks wrong (world of 1 while Slurm asked for
// more tasks: a wrong launcher or missing PMI), else nullopt.
std::optional<std::string> launch_warning(const LaunchEnv& launch, int mpi_world_size);

// How long tasks in flight may run on after a stop signal. mpirun, told to
// stop (a terminal's Ctrl-C, kill, scancel of the batch shell), passes its
// ranks SIGTERM a second later and SIGKILLs them one second after that
// (odls_base_sigkill_timeout, 1 s; measured with Open MPI 4.1.4): the
// summary and the flushed journal must fit in that second, so SIGTERM and
// SIGINT under mpirun get at most kMpirunSignalGrace. srun and Slurm's time
// limit give KillWait (30 s by default), and SIGUSR1 is forwarded with no
// kill after it: those get the whole `grace`.
inline constexpr std::chrono::milliseconds kMpirunSignalGrace{300};
std::chrono::milliseconds stop_grace(const LaunchEnv& launch, int signal,
                                     std::chrono::milliseconds grace);

}  // namespace drover
