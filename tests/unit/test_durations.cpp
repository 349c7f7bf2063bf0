// Durations from the command line and from captured `scontrol show job` output.
#include <gtest/gtest.h>

#include "launch/durations.hpp"

namespace drover {
namespace {

using std::chrono::seconds;

TEST(Durations, UnitForms) {
  EXPECT_EQ(parse_duration("90"), seconds(90));
  EXPECT_EQ(parse_duration("90s"), seconds(90));
  EXPECT_EQ(parse_duration("15m"), seconds(900));
  EXPECT_EQ(parse_duration("2h"), seconds(7200));
  EXPECT_EQ(parse_duration("1h30m"), seconds(5400));
  EXPECT_EQ(parse_duration("1h30m15s"), seconds(5415));
}

TEST(Durations, SlurmForms) {
  EXPECT_EQ(parse_duration("05:30"), seconds(330));
  EXPECT_EQ(parse_duration("01:00:00"), seconds(3600));
  EXPECT_EQ(parse_duration("2-00"), seconds(2 * 86400));
  EXPECT_EQ(parse_duration("1-02:03"), seconds(86400 + 2 * 3600 + 3 * 60));
  EXPECT_EQ(parse_duration("1-02:03:04"), seconds(86400 + 2 * 3600 + 3 * 60 + 4));
}

TEST(Durations, GarbageIsRefused) {
  for (const char* bad :
       {"", "-5", "abc", "1h30", "10x", "1:2:3:4", "1-2:3:4:5", ":", "m", "UNLIMITED"}) {
    EXPECT_FALSE(parse_duration(bad)) << bad;
  }
}

// As `scontrol show job` prints it on Slurm 22.05 (fields trimmed).
constexpr const char* kJob =
    "JobId=42 JobName=drover\n"
    "   JobState=RUNNING Reason=None Dependency=(null)\n"
    "   RunTime=00:03:20 TimeLimit=00:10:00 TimeMin=N/A\n"
    "   SubmitTime=2026-11-21T20:00:00 EligibleTime=2026-11-21T20:00:00\n"
    "   OverTimeLimit=0 NumNodes=2 NumCPUs=4\n";

TEST(Durations, RemainingTimeFromScontrol) {
  EXPECT_EQ(parse_remaining_time(kJob), seconds(400));
}

TEST(Durations, NoLimitOrNoFieldsMeansUnknown) {
  EXPECT_FALSE(parse_remaining_time("JobId=1 RunTime=00:00:05 TimeLimit=UNLIMITED"));
  EXPECT_FALSE(parse_remaining_time("JobId=1 RunTime=00:00:05 TimeLimit=Partition_Limit"));
  EXPECT_FALSE(parse_remaining_time("slurm_load_jobs error: Invalid job id specified"));
  EXPECT_FALSE(parse_remaining_time(""));
}

TEST(Durations, OverrunGivesZero) {
  EXPECT_EQ(parse_remaining_time("RunTime=00:11:00 TimeLimit=00:10:00"), seconds(0));
}

TEST(StopMargin, StopBeforeWhenTheLimitIsLonger) {
  const StopMargin m = stop_margin(seconds(600), seconds(60));
  EXPECT_EQ(m.margin, std::chrono::milliseconds(60'000));
  EXPECT_FALSE(m.scaled);
}

// Issue 11: --time-limit 30s under the default --stop-before 60s stopped at once.
TEST(StopMargin, ATenthOfTheLimitWhenStopBeforeIsNoShorter) {
  EXPECT_EQ(stop_margin(seconds(30), seconds(60)).margin, std::chrono::milliseconds(3000));
  EXPECT_TRUE(stop_margin(seconds(30), seconds(60)).scaled);
  EXPECT_EQ(stop_margin(seconds(60), seconds(60)).margin, std::chrono::milliseconds(6000));
  EXPECT_EQ(stop_margin(seconds(5), seconds(60)).margin, std::chrono::milliseconds(500));
  EXPECT_EQ(stop_margin(seconds(0), seconds(60)).margin, std::chrono::milliseconds(0));
}

TEST(StopMargin, SecondsAsTheMessagesPrintThem) {
  EXPECT_EQ(seconds_text(std::chrono::milliseconds(60'000)), "60 s");
  EXPECT_EQ(seconds_text(std::chrono::milliseconds(500)), "0.5 s");
  EXPECT_EQ(seconds_text(std::chrono::milliseconds(1250)), "1.25 s");
  EXPECT_EQ(seconds_text(std::chrono::milliseconds(7)), "0.007 s");
  EXPECT_EQ(seconds_text(seconds(0)), "0 s");
}

}  // namespace
}  // namespace drover
