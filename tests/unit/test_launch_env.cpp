// Launch detection on environments captured from mpirun, srun and sbatch runs.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>

#include "launch/launch_env.hpp"

namespace drover {
namespace {

// As Open MPI 4.1 sets them for rank 2 of `mpirun -np 4` on one node.
const EnvMap kMpirun = {{"OMPI_COMM_WORLD_RANK", "2"},
                        {"OMPI_COMM_WORLD_SIZE", "4"},
                        {"OMPI_COMM_WORLD_LOCAL_RANK", "2"},
                        {"OMPI_COMM_WORLD_LOCAL_SIZE", "4"},
                        {"PMIX_RANK", "2"},
                        {"HOME", "/root"}};

// As srun --mpi=pmix sets them for task 5 of 8 on 2 nodes, 2 cpus per task.
const EnvMap kSrun = {{"SLURM_JOB_ID", "1234"},
                      {"SLURM_STEP_ID", "0"},
                      {"SLURM_PROCID", "5"},
                      {"SLURM_LOCALID", "1"},
                      {"SLURM_NTASKS", "8"},
                      {"SLURM_CPUS_PER_TASK", "2"},
                      {"SLURM_JOB_NUM_NODES", "2"},
                      {"SLURM_JOB_NODELIST", "node[1-2]"},
                      {"SLURM_TASKS_PER_NODE", "4(x2)"},
                      {"SLURM_NTASKS_PER_NODE", "4"},
                      {"PMIX_RANK", "5"},
                      {"SLURM_MPI_TYPE", "pmix"}};

TEST(LaunchEnv, MpirunRankAndSizes) {
  const LaunchEnv l = detect_launch(kMpirun);
  EXPECT_EQ(l.launcher, "mpirun");
  EXPECT_EQ(l.rank, 2);
  EXPECT_EQ(l.world_size, 4);
  EXPECT_EQ(l.local_rank, 2);
  EXPECT_EQ(l.local_size, 4);
  EXPECT_FALSE(l.slurm_job_id);
  EXPECT_FALSE(prints_before_init(l));
}

TEST(LaunchEnv, SrunTask) {
  const LaunchEnv l = detect_launch(kSrun);
  EXPECT_EQ(l.launcher, "srun");
  EXPECT_EQ(l.rank, 5);
  EXPECT_EQ(l.world_size, 8);
  EXPECT_EQ(l.local_rank, 1);
  EXPECT_EQ(l.slurm_job_id, "1234");
  EXPECT_EQ(l.slurm_cpus_per_task, 2);
  EXPECT_EQ(l.slurm_num_nodes, 2);
  EXPECT_EQ(l.slurm_nodelist, "node[1-2]");
  // Sorted, and only launcher variables.
  ASSERT_FALSE(l.seen.empty());
  EXPECT_EQ(l.seen.front().first, "PMIX_RANK");
  for (const auto& [k, v] : l.seen) EXPECT_NE(k, "HOME");
}

TEST(LaunchEnv, MpirunInsideSlurmJob) {
  EnvMap env = kMpirun;
  env.insert({{"SLURM_JOB_ID", "99"}, {"SLURM_NTASKS", "4"}});
  const LaunchEnv l = detect_launch(env);
  EXPECT_EQ(l.launcher, "mpirun in a Slurm job");
  EXPECT_EQ(l.rank, 2);
}

TEST(LaunchEnv, SingletonPrintsAndDefaultsToAllCores) {
  const LaunchEnv l = detect_launch({{"PATH", "/usr/bin"}});
  EXPECT_EQ(l.launcher, "none (singleton)");
  EXPECT_FALSE(l.rank);
  EXPECT_TRUE(prints_before_init(l));
  EXPECT_EQ(default_threads(l, 16, 1), 16u);
}

TEST(LaunchEnv, DefaultThreadsSplitCoresAmongRanksOnTheNode) {
  const LaunchEnv l = detect_launch(kMpirun);
  EXPECT_EQ(default_threads(l, 16, 4), 4u);
  EXPECT_EQ(default_threads(l, 2, 5), 1u) << "never zero when oversubscribed";
  EXPECT_EQ(default_threads(l, 2, 0), 2u);
}

TEST(LaunchEnv, DefaultThreadsStayWithinTheCpusARankIsBoundTo) {
  const LaunchEnv l = detect_launch(kMpirun);
  // mpirun -np 2 on 16 cores binds each rank to one core: 8 threads would take turns.
  EXPECT_EQ(default_threads(l, 16, 2, 1), 1u);
  EXPECT_EQ(default_threads(l, 16, 2, 4), 4u);
  EXPECT_EQ(default_threads(l, 16, 2, 16), 8u) << "unbound: the share of the node";
  EXPECT_EQ(default_threads(l, 16, 2, 0), 8u) << "affinity unknown: the share";
}

TEST(LaunchEnv, SlurmNodeNameTellsRanksOnOneHostApart) {
  EnvMap env = kSrun;
  env.insert({"SLURMD_NODENAME", "node2"});
  EXPECT_EQ(detect_launch(env).slurm_node, "node2");
  EXPECT_FALSE(detect_launch(kMpirun).slurm_node);
}

TEST(LaunchEnv, SlurmCpusPerTaskWins) {
  const LaunchEnv l = detect_launch(kSrun);
  EXPECT_EQ(default_threads(l, 64, 4), 2u);
}

TEST(LaunchEnv, DecoratedAndBrokenNumbers) {
  const LaunchEnv l = detect_launch(
      {{"SLURM_JOB_ID", "7"}, {"SLURM_NTASKS", "4(x2)"}, {"SLURM_CPUS_PER_TASK", "lots"}});
  EXPECT_EQ(l.slurm_ntasks, 4);
  EXPECT_FALSE(l.slurm_cpus_per_task);
}

TEST(LaunchEnv, WarnsWhenSlurmAskedForMoreTasksThanMpiSees) {
  const LaunchEnv l = detect_launch({{"SLURM_JOB_ID", "7"}, {"SLURM_NTASKS", "4"}});
  const auto w = launch_warning(l, 1);
  ASSERT_TRUE(w);
  EXPECT_NE(w->find("SLURM_NTASKS=4"), std::string::npos);
  EXPECT_FALSE(launch_warning(l, 4));
  EXPECT_FALSE(launch_warning(detect_launch({}), 1));
}

TEST(StopGrace, MpirunsSigtermAndSigintLeaveASecondSoTheGraceShrinks) {
  using std::chrono::milliseconds;
  const LaunchEnv mpirun = detect_launch(kMpirun);
  EXPECT_EQ(stop_grace(mpirun, SIGTERM, milliseconds(20'000)), kMpirunSignalGrace);
  EXPECT_EQ(stop_grace(mpirun, SIGINT, milliseconds(20'000)), kMpirunSignalGrace);
  EXPECT_EQ(stop_grace(mpirun, SIGINT, milliseconds(100)), milliseconds(100)) << "never longer";
  // mpirun forwards SIGUSR1 and kills nobody after it: the whole grace.
  EXPECT_EQ(stop_grace(mpirun, SIGUSR1, milliseconds(20'000)), milliseconds(20'000));
  // srun gives KillWait (30 s by default): the whole grace.
  EXPECT_EQ(stop_grace(detect_launch(kSrun), SIGTERM, milliseconds(20'000)), milliseconds(20'000));
  EXPECT_EQ(stop_grace(detect_launch({}), SIGTERM, milliseconds(20'000)), milliseconds(20'000));
}

}  // namespace
}  // namespace drover
