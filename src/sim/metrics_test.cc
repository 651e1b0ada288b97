#include "sim/metrics.h"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace gpupack::sim {
namespace {

StrategyResult Outcome(std::string name, double cost, int unscheduled) {
  StrategyResult result;
  result.name = std::move(name);
  result.cost = cost;
  for (int i = 0; i < unscheduled; ++i) {
    result.unscheduled.push_back(UnscheduledPod{"default/p" + std::to_string(i), "no node"});
  }
  return result;
}

TEST(ComparisonTest, SavingsAreAgainstDedicatedForRunsThatScheduledAsMuch) {
  Comparison comparison = Compare(
      {Outcome("dedicated", 100, 1), Outcome("time-slicing", 40, 1), Outcome("mig", 120, 0)});
  ASSERT_EQ(comparison.dedicated, 0U);
  EXPECT_DOUBLE_EQ(*comparison.SavingsVsDedicated(0), 0.0);
  EXPECT_DOUBLE_EQ(*comparison.SavingsVsDedicated(1), 0.6);
  EXPECT_DOUBLE_EQ(*comparison.SavingsVsDedicated(2), -0.2);
}

TEST(ComparisonTest, ARunThatLeftMorePodsUnscheduledSavesNothingAndIsNotTheCheapest) {
  // A strategy that ran nothing costs nothing: that is no saving.
  Comparison comparison = Compare({Outcome("dedicated", 100, 0), Outcome("mig+time-slicing", 0, 7),
                                   Outcome("mig", 30, 0), Outcome("auto", 30, 0)});
  EXPECT_FALSE(comparison.SavingsVsDedicated(1));
  EXPECT_DOUBLE_EQ(*comparison.SavingsVsDedicated(2), 0.7);
  EXPECT_EQ(comparison.Cheapest(), 2U);  // ties: the first
}

TEST(ComparisonTest, NoSavingsWithoutADedicatedRunThatCostSomething) {
  EXPECT_FALSE(Compare({Outcome("mig", 30, 0)}).SavingsVsDedicated(0));
  EXPECT_FALSE(Compare({Outcome("dedicated", 0, 0), Outcome("mig", 30, 0)}).SavingsVsDedicated(1));
}

TEST(ComparisonTest, TheHeadlineGivesTheCheapestStrategyAndItsSaving) {
  Comparison comparison = Compare(
      {Outcome("dedicated", 1000, 0), Outcome("time-slicing", 500, 0), Outcome("mig", 800, 0)});
  EXPECT_EQ(comparison.Headline(),
            "time-slicing costs $500, 50% less than dedicated GPUs ($1,000)");
}

TEST(ComparisonTest, TheHeadlineSaysSharingSavesNothingWhenDedicatedIsCheapest) {
  Comparison comparison = Compare({Outcome("dedicated", 1000, 0), Outcome("time-slicing", 1030, 0),
                                   Outcome("mig", 1100, 0), Outcome("mig+time-slicing", 0, 7)});
  EXPECT_EQ(comparison.Headline(),
            "Sharing saves nothing here: dedicated GPUs cost $1,000; time-slicing costs 3% more");
  EXPECT_EQ(Compare({Outcome("dedicated", 1000, 0), Outcome("mig", 0, 7)}).Headline(),
            "Sharing saves nothing here: dedicated GPUs cost $1,000");
  // Nothing to compare with: no claim about sharing.
  EXPECT_EQ(Compare({Outcome("dedicated", 1000, 0)}).Headline(), "dedicated costs $1,000");
}

}  // namespace
}  // namespace gpupack::sim
