// drover info: where every rank runs, with how many threads, under which launcher.
#include <mpi.h>
#include <unistd.h>

#include <boost/mpi/collectives/gather.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <climits>
#include <sstream>
#include <thread>

#include "launch/binding.hpp"
#include "launch/launch_env.hpp"
#include "protocol/messages.hpp"
#include "runtime/job.hpp"

namespace drover {
namespace {

// One rank's row, as text: gathering strings keeps the info path trivial.
std::string own_row(const boost::mpi::communicator& world, const RunOptions& options,
                    const LaunchEnv& launch) {
  char host[HOST_NAME_MAX + 1] = {};
  gethostname(host, sizeof host - 1);
  MPI_Comm node;
  MPI_Comm_split_type(world, MPI_COMM_TYPE_SHARED, world.rank(), MPI_INFO_NULL, &node);
  int local_rank = 0, local_size = 1;
  MPI_Comm_rank(node, &local_rank);
  MPI_Comm_size(node, &local_size);
  MPI_Comm_free(&node);
  const unsigned threads =
      options.threads != 0 ? options.threads
                           : default_threads(launch, std::thread::hardware_concurrency(),
                                             static_cast<unsigned>(local_size), bound_cpu_count());
  char row[512];
  const std::string slurm_node = launch.slurm_node.value_or("-");
  std::snprintf(row, sizeof row, "%6d  %-20s %-12s %8d  %5d/%-5d %8u %9u %6u", world.rank(), host,
                slurm_node.c_str(), static_cast<int>(getpid()), local_rank, local_size, threads,
                bound_cpu_count(), std::thread::hardware_concurrency());
  return row;
}

}  // namespace

int run_info(const RunOptions& options, const boost::mpi::communicator& world,
             const JobHooks& hooks) {
  const LaunchEnv launch = detect_launch(current_env());
  const std::string row = own_row(world, options, launch);
  std::vector<std::string> rows;
  boost::mpi::gather(world, row, rows, 0);
  if (world.rank() != 0) return 0;

  char library[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int length = 0;
  MPI_Get_library_version(library, &length);
  std::string first_line(library, library + length);
  first_line = first_line.substr(0, first_line.find_first_of("\n,"));

  std::FILE* out = hooks.out;
  std::fprintf(out, "drover %s, protocol %u\n", DROVER_VERSION, kProtocolVersion);
  std::fprintf(out, "MPI: %s; thread level %s (drover asks for funneled)\n", first_line.c_str(),
               hooks.mpi_thread_level.c_str());
  std::fprintf(out, "launcher: %s; world size %d\n", launch.launcher.c_str(), world.size());
  std::fprintf(out, "\n%6s  %-20s %-12s %8s  %-11s %8s %9s %6s\n", "rank", "host", "slurm-node",
               "pid", "local", "threads", "cpus-bound", "cores");
  for (const std::string& r : rows) std::fprintf(out, "%s\n", r.c_str());
  if (launch.slurm_job_id) {
    std::fprintf(out, "\nSlurm job %s: %d tasks, %d cpus per task, %d nodes (%s)\n",
                 launch.slurm_job_id->c_str(), launch.slurm_ntasks.value_or(0),
                 launch.slurm_cpus_per_task.value_or(0), launch.slurm_num_nodes.value_or(0),
                 launch.slurm_nodelist.value_or("?").c_str());
  } else {
    std::fprintf(out, "\nSlurm: not in a Slurm job\n");
  }
  if (!launch.seen.empty()) {
    std::fprintf(out, "launcher variables seen on rank 0:\n");
    for (const auto& [k, v] : launch.seen) std::fprintf(out, "  %s=%s\n", k.c_str(), v.c_str());
  }
  if (const auto warning = launch_warning(launch, world.size())) {
    std::fprintf(hooks.err, "drover: warning: %s\n", warning->c_str());
  }
  return 0;
}

}  // namespace drover
