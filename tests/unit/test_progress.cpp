// Tests of ProgressMeter: when lines are due and what they say, with made-up times and no sleeps.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "outputs/progress.hpp"

namespace drover {
namespace {

using namespace std::chrono_literals;
using Mode = ProgressMeter::Mode;
const ProgressMeter::Clock::time_point t0{std::chrono::hours(1000)};

// A tmpfile the meter writes to, read back whole.
class Captured {
 public:
  Captured() : file_(std::tmpfile()) {}
  ~Captured() { std::fclose(file_); }
  std::FILE* file() { return file_; }
  std::string text() {
    std::fflush(file_);
    std::rewind(file_);
    std::string out;
    char chunk[4096];
    for (std::size_t n; (n = std::fread(chunk, 1, sizeof chunk, file_)) > 0;) out.append(chunk, n);
    return out;
  }

 private:
  std::FILE* file_;
};

TEST(ProgressMeter, LiveRewritesOneLineAtMostTenTimesASecond) {
  Captured out;
  ProgressMeter meter(out.file(), Mode::live, 10s, 1000);
  meter.update(0, 0, t0);
  EXPECT_EQ(out.text(), "\rdrover: 0/1000 tasks (0.0%), 0 failed, ? tasks/s, ETA ?");
  for (int ms = 1; ms < 100; ms += 7) meter.update(static_cast<unsigned>(ms), 0, t0 + ms * 1ms);
  EXPECT_EQ(out.text().size(), 56u) << "nothing more within 100 ms";
  meter.update(250, 3, t0 + 2500ms);  // 100 tasks/s: 750 left take 7.5 s
  EXPECT_EQ(out.text(),
            "\rdrover: 0/1000 tasks (0.0%), 0 failed, ? tasks/s, ETA ?"
            "\rdrover: 250/1000 tasks (25.0%), 3 failed, 100.0 tasks/s, ETA 8s");
}

TEST(ProgressMeter, ShorterLiveLinesArePaddedOverLongerOnes) {
  Captured out;
  ProgressMeter meter(out.file(), Mode::live, 1s, std::nullopt);
  meter.update(0, 0, t0);
  meter.update(123456, 0, t0 + 1s);
  meter.update(123457, 0, t0 + 1000s);  // a lower rate: a shorter line
  const std::string text = out.text();
  const std::string last = text.substr(text.rfind('\r') + 1);
  const std::string longest = "drover: 123456 tasks, 0 failed, 123.5k tasks/s";
  EXPECT_NE(text.find(longest), std::string::npos) << text;
  EXPECT_EQ(last, "drover: 123457 tasks, 0 failed, 123.5 tasks/s" + std::string(1, ' '));
  EXPECT_EQ(last.size(), longest.size());
}

TEST(ProgressMeter, LiveFinishShowsTheLastFiguresAndEndsTheLine) {
  Captured out;
  ProgressMeter meter(out.file(), Mode::live, 1s, 10);
  meter.update(0, 0, t0);
  meter.update(10, 1, t0 + 50ms);  // not due yet, but remembered
  meter.finish(t0 + 60ms);
  EXPECT_EQ(
      out.text().substr(out.text().rfind('\r')),
      "\rdrover: 10/10 tasks (100.0%), 1 failed, 166.7 tasks/s, ETA 0s" + std::string(1, '\n'));
  const auto size = out.text().size();
  meter.update(11, 1, t0 + 10s);
  meter.finish(t0 + 11s);
  EXPECT_EQ(out.text().size(), size) << "nothing after finish";
}

TEST(ProgressMeter, LinesComeOncePerPeriodForLogs) {
  Captured out;
  ProgressMeter meter(out.file(), Mode::lines, 30s, 600);
  for (int s = 0; s <= 95; ++s) meter.update(static_cast<unsigned>(s * 2), 0, t0 + s * 1s);
  EXPECT_EQ(out.text(),
            "drover: 60/600 tasks (10.0%), 0 failed, 2.0 tasks/s, ETA 4m30s, elapsed 30s\n"
            "drover: 120/600 tasks (20.0%), 0 failed, 2.0 tasks/s, ETA 4m00s, elapsed 1m00s\n"
            "drover: 180/600 tasks (30.0%), 0 failed, 2.0 tasks/s, ETA 3m30s, elapsed 1m30s\n");
  meter.finish(t0 + 96s);
  EXPECT_EQ(out.text().back(), '\n');
  EXPECT_EQ(out.text().find('\r'), std::string::npos);
}

TEST(ProgressMeter, RateCountsOnlyThisRunsWork) {
  Captured out;
  ProgressMeter meter(out.file(), Mode::lines, 10s, 2000);
  meter.update(1000, 0, t0);  // 1000 tasks replayed from a journal before the first update
  meter.update(1100, 0, t0 + 10s);
  EXPECT_EQ(out.text(),
            "drover: 1100/2000 tasks (55.0%), 0 failed, 10.0 tasks/s, ETA 1m30s, elapsed 10s\n");
}

TEST(ProgressMeter, FinishedTasksCountWhileTheyWaitForTheOrder) {
  // Issue 12: 600 of 601 finished behind one slow task 0, and the meter said 0.
  Captured out;
  ProgressMeter meter(out.file(), Mode::lines, 1s, 601);
  meter.update(0, 0, t0);
  meter.update(600, 2, t0 + 1s, 600, 0);
  meter.update(601, 2, t0 + 2s);  // task 0 done: everything written
  EXPECT_EQ(out.text(),
            "drover: 600/601 tasks (99.8%), 2 failed, 600.0 tasks/s, ETA 1s, elapsed 1s; "
            "600 wait for task 0 to be written in order\n"
            "drover: 601/601 tasks (100.0%), 2 failed, 300.5 tasks/s, ETA 0s, elapsed 2s\n");
}

TEST(ProgressMeter, OffAndNullPrintNothing) {
  Captured out;
  ProgressMeter off(out.file(), Mode::off, 1s, 10);
  ProgressMeter null(nullptr, Mode::live, 1s, 10);
  for (int s = 0; s < 10; ++s) {
    off.update(1, 0, t0 + s * 1s);
    null.update(1, 0, t0 + s * 1s);
  }
  off.finish(t0 + 10s);
  null.finish(t0 + 10s);
  EXPECT_EQ(out.text(), "");
}

TEST(ProgressMeter, EtaFormats) {
  EXPECT_EQ(format_eta(0), "0s");
  EXPECT_EQ(format_eta(16.2), "17s");
  EXPECT_EQ(format_eta(59.5), "1m00s");
  EXPECT_EQ(format_eta(245), "4m05s");
  EXPECT_EQ(format_eta(7380), "2h03m");
  EXPECT_EQ(format_eta(-1), "?");
  EXPECT_EQ(format_eta(1.0 / 0.0), "?");
}

TEST(ProgressMeter, ModesByNameAndAuto) {
  EXPECT_EQ(progress_mode("live", false, false), Mode::live);
  EXPECT_EQ(progress_mode("lines", true, false), Mode::lines);
  EXPECT_EQ(progress_mode("off", true, true), Mode::off);
  EXPECT_EQ(progress_mode("auto", true, true), Mode::live);
  EXPECT_EQ(progress_mode("auto", false, true), Mode::lines);
  EXPECT_EQ(progress_mode("auto", false, false), Mode::off);
  EXPECT_EQ(progress_mode("loud", true, false), std::nullopt);
}

}  // namespace
}  // namespace drover
