// run_job: start-up on every rank, then rank 0 leads and the others work.
#include "runtime/job.hpp"

#include <mpi.h>

#include <algorithm>
#include <boost/mpi/collectives/broadcast.hpp>
#include <memory>
#include <thread>

#include "inputs/leader_inputs.hpp"
#include "launch/launch_env.hpp"
#include "model/errors.hpp"
#include "runtime/loops.hpp"
#include "runtime/startup.hpp"

namespace drover {
namespace {

// Ranks sharing this node: the divisor for the default pool size.
unsigned ranks_on_node(const boost::mpi::communicator& world) {
  MPI_Comm node;
  MPI_Comm_split_type(world, MPI_COMM_TYPE_SHARED, world.rank(), MPI_INFO_NULL, &node);
  int size = 1;
  MPI_Comm_size(node, &size);
  MPI_Comm_free(&node);
  return static_cast<unsigned>(size);
}

void print_error(const JobHooks& hooks, const std::string& message) {
  std::fprintf(hooks.err, "drover: error: %s\n", message.c_str());
  std::fflush(hooks.err);
}

// Commands at once on a rank: --slots, else its pool threads.
std::uint32_t slots_of(const RunOptions& options, const from_worker::Hello& hello) {
  return options.exec.slots != 0 ? options.exec.slots : std::max(1u, hello.threads);
}

// A task asking for more cores than some rank has slots could run on the
// others, but then placing it would depend on where it lands: refused up front.
void refuse_wide_tasks(const RunOptions& options, const LeaderInputs& inputs,
                       const std::vector<from_worker::Hello>& hellos) {
  for (const from_worker::Hello& hello : hellos) {
    const std::uint32_t slots = slots_of(options, hello);
    if (inputs.max_cores > slots) {
      throw InputError("a task asks for " + std::to_string(inputs.max_cores) + " cores; rank " +
                       std::to_string(hello.rank) + " has " + std::to_string(slots) +
                       " slots (--slots, or its pool threads: --threads)");
    }
  }
}

}  // namespace

RankThreads plan_threads(unsigned requested, const boost::mpi::communicator& world) {
  const LaunchEnv launch = detect_launch(current_env());
  const unsigned cores = std::thread::hardware_concurrency();
  const unsigned local_ranks = ranks_on_node(world);
  RankThreads pool{world.rank(), requested, bound_cpu_count(),
                   std::max(1u, cores / std::max(1u, local_ranks))};
  if (pool.threads == 0)
    pool.threads = default_threads(launch, cores, local_ranks, pool.bound_cpus);
  return pool;
}

JobOutcome run_job(const RunOptions& options, const boost::mpi::communicator& world,
                   const JobHooks& hooks) {
  const LaunchEnv launch = detect_launch(current_env());
  const RankThreads pool = plan_threads(options.threads, world);
  const unsigned threads = pool.threads;

  std::string own_error;
  if (!hooks.mpi_thread_level_ok) {
    own_error = "MPI granted thread level " + hooks.mpi_thread_level +
                "; drover needs at least funneled (one thread calls MPI)";
  }
  const from_worker::Hello own = make_hello(world.rank(), pool, own_error.empty(), own_error);

  MpiTransport mpi(world);
  JobOutcome outcome;
  if (world.rank() == 0) {
    LeaderInputs inputs;
    // Rank 0's input checks run inside the start-up, so a bad task file, an
    // unwritable output or a foreign journal stops every rank before task one.
    const auto check_inputs = [&](const std::vector<from_worker::Hello>& hellos) {
      inputs = prepare_leader_inputs(options);
      refuse_wide_tasks(options, inputs, hellos);
      return inputs.plan;
    };
    const StartupOutcome start = startup_leader(mpi, own, check_inputs);
    if (!start.welcome.ok) {
      print_error(hooks, start.welcome.error);
      outcome.exit_code = kExitUsage;
      return outcome;
    }
    for (const std::string& n : inputs.notes) std::fprintf(hooks.err, "drover: %s\n", n.c_str());
    for (const std::string& w : inputs.warnings) {
      std::fprintf(hooks.err, "drover: warning: %s\n", w.c_str());
    }
    if (const auto warning = launch_warning(launch, world.size())) {
      std::fprintf(hooks.err, "drover: warning: %s\n", warning->c_str());
    }
    if (const auto warning = binding_warning(start.threads, options.threads != 0)) {
      std::fprintf(hooks.err, "drover: warning: %s\n", warning->c_str());
    }
    const LoopContext ctx{mpi, options, start.welcome.plan, threads};
    try {
      outcome = lead(ctx, inputs, start.ranks, hooks);
    } catch (const std::exception& e) {
      // Past start-up, an error on rank 0 (a write failure, a protocol bug)
      // would leave the workers waiting for Stop forever: end the whole job.
      print_error(hooks, e.what());
      if (world.size() > 1) world.abort(kExitAborted);
      // Alone there is nobody to stop, and MPI_Abort would only add Open MPI's
      // banner: end as an abandoned run does (MPI_Finalize, then exit 3).
      outcome.exit_code = kExitAborted;
      outcome.abandoned = true;
      return outcome;
    }
  } else {
    const StartupOutcome start = startup_worker(mpi, own);
    if (!start.welcome.ok) {
      outcome.exit_code = kExitUsage;
      return outcome;
    }
    const LoopContext ctx{mpi, options, start.welcome.plan, threads};
    try {
      outcome.abandoned = work(ctx);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "drover: error on rank %d: %s\n", world.rank(), e.what());
      world.abort(kExitAborted);
    }
  }
  // Every rank returns rank 0's verdict, so exit codes agree.
  boost::mpi::broadcast(world, outcome.exit_code, 0);
  return outcome;
}

}  // namespace drover
