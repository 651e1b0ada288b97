#include "report/scale.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "common/rng.h"

namespace gpupack::report {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(FormatNumberTest, GroupsThousandsAndAddsPrefixAndSuffix) {
  EXPECT_EQ(FormatNumber(1234567.891, NumberFormat::Fixed(2)), "1,234,567.89");
  EXPECT_EQ(FormatNumber(12345, NumberFormat::Currency("$", 0)), "$12,345");
  EXPECT_EQ(FormatNumber(999, NumberFormat::Fixed(0)), "999");
  EXPECT_EQ(FormatNumber(0.873, NumberFormat::Percent(1)), "87.3%");
  EXPECT_EQ(FormatNumber(2.25, NumberFormat::Fixed(1).WithSuffix(" min")), "2.2 min");
}

TEST(FormatNumberTest, PutsTheMinusInFrontOfThePrefix) {
  EXPECT_EQ(FormatNumber(-1500, NumberFormat::Currency("$", 0)), "-$1,500");
}

TEST(FormatNumberTest, NeverWritesNegativeZero) {
  EXPECT_EQ(FormatNumber(-0.0001, NumberFormat::Fixed(2)), "0.00");
  EXPECT_EQ(FormatNumber(-0.0, NumberFormat::Fixed(0)), "0");
}

TEST(FormatNumberTest, WritesNonFiniteValuesAsNotAvailable) {
  EXPECT_EQ(FormatNumber(kNaN, NumberFormat()), "n/a");
  EXPECT_EQ(FormatNumber(kInf, NumberFormat::Currency("$", 2)), "n/a");
}

TEST(FormatDurationTest, WritesTheTwoLargestUnits) {
  EXPECT_EQ(FormatDuration(0), "0");
  EXPECT_EQ(FormatDuration(45), "45s");
  EXPECT_EQ(FormatDuration(1800), "30m");
  EXPECT_EQ(FormatDuration(5400), "1h 30m");
  EXPECT_EQ(FormatDuration(21600), "6h");
  EXPECT_EQ(FormatDuration(86400), "1d");
  EXPECT_EQ(FormatDuration(86400 + 6 * 3600 + 59), "1d 6h");
  EXPECT_EQ(FormatDuration(-3600), "-1h");
  EXPECT_EQ(FormatDuration(kNaN), "n/a");
}

void ExpectCovers(const Ticks& ticks, double lo, double hi) {
  ASSERT_GE(ticks.values.size(), 2u);
  EXPECT_LE(ticks.lo, lo);
  EXPECT_GE(ticks.hi, hi);
  EXPECT_DOUBLE_EQ(ticks.values.front(), ticks.lo);
  EXPECT_DOUBLE_EQ(ticks.values.back(), ticks.hi);
  for (size_t i = 1; i < ticks.values.size(); ++i) {
    EXPECT_NEAR(ticks.values[i] - ticks.values[i - 1], ticks.step, ticks.step * 1e-9);
  }
}

TEST(NiceTicksTest, CoverRandomRangesWithFewNiceSteps) {
  Rng rng(7);
  for (int round = 0; round < 2000; ++round) {
    const double scale = std::pow(10.0, static_cast<double>(rng.UniformInt(-4, 6)));
    double lo = (rng.UniformDouble() * 2 - 1) * scale;
    double hi = lo + rng.UniformDouble() * scale;
    const int max_ticks = static_cast<int>(rng.UniformInt(3, 12));
    const Ticks ticks = NiceTicks(lo, hi, max_ticks);
    ExpectCovers(ticks, lo, hi);
    EXPECT_LE(ticks.values.size(), static_cast<size_t>(max_ticks)) << lo << " " << hi;
    // The step is 1, 2, 2.5 or 5 times a power of ten.
    const double mantissa = ticks.step / std::pow(10.0, std::floor(std::log10(ticks.step)));
    const bool nice = std::abs(mantissa - 1) < 1e-9 || std::abs(mantissa - 2) < 1e-9 ||
                      std::abs(mantissa - 2.5) < 1e-9 || std::abs(mantissa - 5) < 1e-9;
    EXPECT_TRUE(nice) << ticks.step;
  }
}

TEST(NiceTicksTest, GivesTheUsualTicksForACountFromZero) {
  const Ticks ticks = NiceTicks(0, 57, 6);
  EXPECT_EQ(ticks.values, (std::vector<double>{0, 20, 40, 60}));
}

TEST(NiceTicksTest, WidensAnEmptyRange) {
  ExpectCovers(NiceTicks(0, 0, 5), 0, 1);
  ExpectCovers(NiceTicks(5, 5, 5), 2.5, 7.5);
  ExpectCovers(NiceTicks(-3, -3, 5), -4.5, -1.5);
}

TEST(DurationTicksTest, StepsThroughADayInRoundHours) {
  const Ticks ticks = DurationTicks(0, 86100, 10);
  ExpectCovers(ticks, 0, 86100);
  EXPECT_EQ(ticks.step, 10800);
  EXPECT_EQ(ticks.hi, 86400);
}

TEST(DurationTicksTest, UsesMinutesForAnHour) {
  const Ticks ticks = DurationTicks(0, 3600, 8);
  ExpectCovers(ticks, 0, 3600);
  EXPECT_EQ(ticks.step, 600);
}

TEST(DurationTicksTest, UsesWholeDaysForMonths) {
  const Ticks ticks = DurationTicks(0, 90 * 86400.0, 8);
  ExpectCovers(ticks, 0, 90 * 86400.0);
  EXPECT_EQ(std::fmod(ticks.step, 86400), 0);
  EXPECT_LE(ticks.values.size(), 8u);
}

TEST(DurationTicksTest, GivesTwoTicksForARangeFarNarrowerThanASecond) {
  ExpectCovers(DurationTicks(0, 1e-300, 5), 0, 1e-300);
}

TEST(NiceTicksTest, CoverANarrowRangeFarFromZero) {
  ExpectCovers(NiceTicks(1e15, 1e15 + 0.25, 5), 1e15, 1e15 + 0.25);
}

TEST(DurationTicksTest, DrawsASinglePointInTime) {
  ExpectCovers(DurationTicks(600, 600, 5), 600, 600);
}

TEST(TickDecimalsTest, ShowsJustEnoughDigitsToTellTicksApart) {
  EXPECT_EQ(TickDecimals(20, 1), 0);
  EXPECT_EQ(TickDecimals(0.5, 1), 1);
  EXPECT_EQ(TickDecimals(0.25, 1), 2);
  EXPECT_EQ(TickDecimals(0.2, 100), 0);  // 20% steps
  EXPECT_EQ(TickDecimals(0.025, 100), 1);
}

TEST(EstimateTextWidthTest, GrowsWithTheTextAndTheFont) {
  EXPECT_EQ(EstimateTextWidth("", 12), 0);
  EXPECT_GT(EstimateTextWidth("mig+time-slicing", 12), EstimateTextWidth("mig", 12));
  EXPECT_GT(EstimateTextWidth("auto", 16), EstimateTextWidth("auto", 12));
  // A multi-byte character counts once.
  EXPECT_EQ(EstimateTextWidth("\xC2\xB7", 10), EstimateTextWidth("a", 10));
}

}  // namespace
}  // namespace gpupack::report
