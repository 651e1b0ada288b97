#include "sim/workload/arrivals.h"

#include <gtest/gtest.h>

namespace gpupack::sim {
namespace {

using std::chrono::hours;

TEST(ParseDurationText, ReadsUnitsAndBareSeconds) {
  EXPECT_EQ(*ParseDurationText("90s"), Duration(90'000));
  EXPECT_EQ(*ParseDurationText("30m"), Duration(1'800'000));
  EXPECT_EQ(*ParseDurationText("1.5h"), Duration(5'400'000));
  EXPECT_EQ(*ParseDurationText("2d"), Duration(172'800'000));
  EXPECT_EQ(*ParseDurationText("250ms"), Duration(250));
  EXPECT_EQ(*ParseDurationText("3600"), Duration(3'600'000));
}

TEST(ParseDurationText, RejectsMalformedNegativeAndUnknownUnits) {
  EXPECT_FALSE(ParseDurationText(""));
  EXPECT_FALSE(ParseDurationText("-5s"));
  EXPECT_FALSE(ParseDurationText("5w"));
  EXPECT_FALSE(ParseDurationText("abc"));
}

TEST(GenerateArrivals, AtOnceGivesCountArrivalsAtTheInstant) {
  Rng rng(1);
  ArrivalPattern pattern;
  pattern.at = hours(2);
  std::vector<Duration> arrivals = GenerateArrivals(pattern, 5, hours(24), rng);
  ASSERT_EQ(arrivals.size(), 5u);
  for (Duration at : arrivals)
    EXPECT_EQ(at, Duration(hours(2)));
  EXPECT_TRUE(GenerateArrivals(pattern, 5, hours(1), rng).empty());
}

TEST(GenerateArrivals, PoissonCountMatchesRateTimesLength) {
  ArrivalPattern pattern;
  pattern.kind = ArrivalPatternKind::kPoisson;
  pattern.rate_per_hour = 50;
  Rng rng(3);
  // 50/h over 200 h: mean 10000, standard deviation 100; allow 4 sigma.
  size_t count = GenerateArrivals(pattern, std::nullopt, hours(200), rng).size();
  EXPECT_NEAR(static_cast<double>(count), 10'000.0, 400.0);
}

TEST(GenerateArrivals, PoissonRespectsTheCountCapAndIsSorted) {
  ArrivalPattern pattern;
  pattern.kind = ArrivalPatternKind::kPoisson;
  pattern.rate_per_hour = 100;
  Rng rng(4);
  std::vector<Duration> arrivals = GenerateArrivals(pattern, 30, hours(24), rng);
  EXPECT_EQ(arrivals.size(), 30u);
  EXPECT_TRUE(std::is_sorted(arrivals.begin(), arrivals.end()));
}

TEST(GenerateArrivals, DiurnalPeakHoursGetMoreArrivalsThanTroughHours) {
  ArrivalPattern pattern;
  pattern.kind = ArrivalPatternKind::kDiurnal;
  pattern.peak_rate_per_hour = 100;
  pattern.trough_rate_per_hour = 10;
  pattern.peak_hour = 14;
  Rng rng(5);
  std::vector<Duration> arrivals = GenerateArrivals(pattern, std::nullopt, hours(24 * 30), rng);
  // Hour 14 of each day (rate ~100) against hour 2 (rate ~10): a ratio near 10.
  double peak = 0;
  double trough = 0;
  for (Duration at : arrivals) {
    int64_t hour = std::chrono::duration_cast<hours>(at).count() % 24;
    peak += hour == 14 ? 1 : 0;
    trough += hour == 2 ? 1 : 0;
  }
  ASSERT_GT(trough, 0);
  EXPECT_NEAR(peak / trough, 100.0 / 10.0, 2.0);
  // The mean rate of a cosine between 10 and 100 is 55 per hour.
  EXPECT_NEAR(static_cast<double>(arrivals.size()) / (24 * 30), 55.0, 2.0);
}

TEST(GenerateArrivals, TheSameSeedGivesTheSameArrivals) {
  ArrivalPattern pattern;
  pattern.kind = ArrivalPatternKind::kPoisson;
  pattern.rate_per_hour = 10;
  Rng a(9);
  Rng b(9);
  Rng c(10);
  std::vector<Duration> first = GenerateArrivals(pattern, std::nullopt, hours(24), a);
  EXPECT_EQ(first, GenerateArrivals(pattern, std::nullopt, hours(24), b));
  EXPECT_NE(first, GenerateArrivals(pattern, std::nullopt, hours(24), c));
}

TEST(DrawRunTime, DistributionsHaveTheirMeans) {
  Rng rng(11);
  RunTime fixed{DurationDistribution::kFixed, hours(1), 1.0, Duration(0)};
  EXPECT_EQ(DrawRunTime(fixed, rng), Duration(hours(1)));
  EXPECT_FALSE(DrawRunTime(RunTime{}, rng).has_value());
  for (DurationDistribution distribution :
       {DurationDistribution::kExponential, DurationDistribution::kLognormal}) {
    RunTime run_time{distribution, hours(1), 0.5, Duration(0)};
    double sum = 0;
    for (int i = 0; i < 20'000; ++i)
      sum += static_cast<double>(DrawRunTime(run_time, rng)->count());
    EXPECT_NEAR(sum / 20'000 / 3'600'000.0, 1.0, 0.05);
  }
}

}  // namespace
}  // namespace gpupack::sim
