// The warning when a rank's pool and the CPUs its launcher bound it to disagree.
#include <gtest/gtest.h>

#include "launch/binding.hpp"

namespace drover {
namespace {

std::vector<RankThreads> ranks(unsigned n, unsigned threads, unsigned bound, unsigned share) {
  std::vector<RankThreads> out;
  for (unsigned r = 0; r < n; ++r)
    out.push_back(RankThreads{static_cast<int>(r), threads, bound, share});
  return out;
}

TEST(Binding, ThisProcessIsAllowedSomeCpu) {
  EXPECT_GE(bound_cpu_count(), 1u);
}

TEST(Binding, NothingToSayWhenThreadsFitTheirCpus) {
  EXPECT_FALSE(binding_warning(ranks(4, 4, 4, 4), false));
  EXPECT_FALSE(binding_warning(ranks(2, 2, 16, 8), true)) << "unbound ranks: any pool size";
  EXPECT_FALSE(binding_warning(ranks(2, 8, 0, 8), true)) << "affinity unknown";
}

TEST(Binding, MoreThreadsThanBoundCpusNamesTheFixes) {
  const auto w = binding_warning(ranks(2, 8, 1, 8), true);
  ASSERT_TRUE(w);
  EXPECT_NE(w->find("every rank (rank 0) runs 8 pool threads on 1 bound cpu"), std::string::npos)
      << *w;
  EXPECT_NE(w->find("--bind-to none"), std::string::npos) << *w;
  EXPECT_NE(w->find("--map-by slot:PE=8"), std::string::npos) << *w;
  EXPECT_NE(w->find("--cpus-per-task=8"), std::string::npos) << *w;
}

TEST(Binding, OneCrowdedRankAmongManyIsCountedAndNamed) {
  auto all = ranks(8, 2, 2, 2);
  all[5].bound_cpus = 1;
  const auto w = binding_warning(all, true);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->rfind("1 of 8 ranks (rank 5) runs 2 pool threads", 0), 0u) << *w;
}

TEST(Binding, ADefaultCutShortByBindingIsReportedOnlyWhenThreadsWereNotGiven) {
  // mpirun -np 2 on 16 cores: bound to one core each, so the default is 1, not 8.
  const auto w = binding_warning(ranks(2, 1, 1, 8), false);
  ASSERT_TRUE(w);
  EXPECT_NE(w->find("is bound to 1 cpu(s) of its 8-core share of the node"), std::string::npos)
      << *w;
  EXPECT_FALSE(binding_warning(ranks(2, 1, 1, 8), true)) << "--threads 1 was asked for";
}

TEST(Binding, ASingletonIsNamedPlainly) {
  const auto w = binding_warning(ranks(1, 4, 2, 4), true);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->rfind("rank 0 runs 4 pool threads on 2 bound cpu(s)", 0), 0u) << *w;
}

}  // namespace
}  // namespace drover
