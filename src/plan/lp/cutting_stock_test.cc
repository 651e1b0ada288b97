#include "plan/lp/cutting_stock.h"

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "plan/lp/test_problems.h"

namespace gpupack::plan::lp {
namespace {

using testing::AllRollPatterns;
using testing::BruteForceCoveringCost;
using testing::CoversDemand;
using testing::kItemDemand;
using testing::MigGeometryColumns;
using testing::PriceRollPattern;

constexpr double kTol = 1e-7;

// Strong duality and dual feasibility over the final columns: the bound is b·y, and no column
// (in particular none the pricing could add) prices below zero. Returns the first violation.
std::string DualViolation(const CoveringProblem& problem, const CoveringSolution& solution) {
  if (solution.duals.size() != problem.demand.size()) {
    return "wrong number of duals";
  }
  double dual_value = 0;
  for (size_t i = 0; i < problem.demand.size(); ++i) {
    if (solution.duals[i] < -kTol) {
      return "negative dual for class " + std::to_string(i);
    }
    dual_value += problem.demand[i] * solution.duals[i];
  }
  if (std::abs(dual_value - solution.lp_bound) > 1e-6 * (1 + solution.lp_bound)) {
    return "strong duality fails: b·y = " + std::to_string(dual_value) +
           ", bound = " + std::to_string(solution.lp_bound);
  }
  for (size_t j = 0; j < solution.columns.size(); ++j) {
    double reduced_cost = solution.columns[j].cost;
    for (size_t i = 0; i < problem.demand.size(); ++i) {
      reduced_cost -= solution.duals[i] * solution.columns[j].coverage[i];
    }
    if (reduced_cost < -1e-6) {
      return "column " + std::to_string(j) + " prices out at " + std::to_string(reduced_cost);
    }
  }
  return "";
}

// Primal feasibility of the fractional solution and of the integer one, and their costs.
std::string PrimalViolation(const CoveringProblem& problem, const CoveringSolution& solution) {
  if (solution.fractional.size() != solution.columns.size() ||
      solution.integer.size() != solution.columns.size()) {
    return "wrong sizes";
  }
  double fractional_cost = 0;
  for (size_t j = 0; j < solution.columns.size(); ++j) {
    if (solution.fractional[j] < -kTol) {
      return "negative value for column " + std::to_string(j);
    }
    fractional_cost += solution.columns[j].cost * solution.fractional[j];
  }
  if (std::abs(fractional_cost - solution.lp_bound) > 1e-6 * (1 + solution.lp_bound)) {
    return "bound differs from the fractional solution's cost";
  }
  for (size_t i = 0; i < problem.demand.size(); ++i) {
    double served = 0;
    for (size_t j = 0; j < solution.columns.size(); ++j) {
      served += solution.fractional[j] * solution.columns[j].coverage[i];
    }
    if (served < problem.demand[i] - 1e-6) {
      return "fractional solution leaves class " + std::to_string(i) + " short";
    }
  }
  const CoveringProblem final_problem{.demand = problem.demand, .columns = solution.columns};
  if (!CoversDemand(final_problem, solution.integer)) {
    return "integer solution leaves demand uncovered";
  }
  double cost = 0;
  for (size_t j = 0; j < solution.columns.size(); ++j) {
    cost += solution.columns[j].cost * static_cast<double>(solution.integer[j]);
  }
  if (std::abs(cost - solution.integer_cost) > kTol) {
    return "integer cost is not the sum of its columns";
  }
  if (solution.integer_cost < solution.lp_bound - kTol) {
    return "integer solution beats the LP bound";
  }
  return "";
}

void ExpectFeasible(const CoveringProblem& problem, const CoveringSolution& solution) {
  EXPECT_EQ(PrimalViolation(problem, solution), "");
}

void ExpectDualCertificate(const CoveringProblem& problem, const CoveringSolution& solution) {
  EXPECT_EQ(DualViolation(problem, solution), "");
}

TEST(CuttingStockTest, ReproducesTheClassicRollBoundByColumnGeneration) {
  // Chvatal's worked example reaches 452.25 rolls; every integer plan needs at least 453.
  const CoveringProblem problem{.demand = kItemDemand, .columns = {}};
  const Result<CoveringSolution> solution = SolveCovering(problem, PriceRollPattern);
  ASSERT_TRUE(solution.has_value()) << solution.error().message();
  EXPECT_NEAR(solution->lp_bound, 452.25, 1e-6);
  EXPECT_GE(solution->integer_cost, 453);
  EXPECT_GT(solution->pricing_rounds, 1);
  ExpectFeasible(problem, *solution);
  ExpectDualCertificate(problem, *solution);
  // Pricing proved no pattern improves, so all patterns together give the same bound.
  for (const CoverColumn& pattern : AllRollPatterns()) {
    double reduced_cost = pattern.cost;
    for (size_t i = 0; i < pattern.coverage.size(); ++i) {
      reduced_cost -= solution->duals[i] * pattern.coverage[i];
    }
    EXPECT_GE(reduced_cost, -1e-9);
  }
}

TEST(CuttingStockTest, ReachesTheSameRollBoundFromEveryPatternListedExplicitly) {
  const CoveringProblem problem{.demand = kItemDemand, .columns = AllRollPatterns()};
  const Result<CoveringSolution> solution = SolveCovering(problem);
  ASSERT_TRUE(solution.has_value()) << solution.error().message();
  EXPECT_NEAR(solution->lp_bound, 452.25, 1e-6);
  EXPECT_EQ(solution->pricing_rounds, 1);
  EXPECT_EQ(solution->columns.size(), problem.columns.size());
  ExpectFeasible(problem, *solution);
  ExpectDualCertificate(problem, *solution);
  // The rounded plan of this instance is within a few rolls of the bound.
  EXPECT_LE(solution->integer_cost, 452.25 + static_cast<double>(problem.demand.size()));
}

TEST(CuttingStockTest, BoundsMigGeometriesByComputeSlices) {
  // Demand 7 x 1g + 3 x 2g + 2 x 3g on 7-slice GPUs (classes 1g, 2g, 3g).
  // Lower: y = (1/7, 2/7, 3/7) is dual feasible, since every geometry uses at most 7 compute
  // slices, so LP >= (7 + 3*2 + 2*3)/7 = 19/7. Upper: 1.5 x (3g+2g+2g) + 0.5 x (3g+1g x4) +
  // 5/7 x (1g x7) serves (2 + 5, 3, 2) with 19/7 GPUs. Hence the LP bound is exactly 19/7, and
  // every integer plan needs 3 GPUs, e.g. 3g+2g+2g, 3g+2g+1g+1g and 1g x7.
  const CoveringProblem problem{.demand = {7, 3, 2}, .columns = MigGeometryColumns()};
  const Result<CoveringSolution> solution = SolveCovering(problem);
  ASSERT_TRUE(solution.has_value()) << solution.error().message();
  EXPECT_NEAR(solution->lp_bound, 19.0 / 7.0, 1e-9);
  EXPECT_NEAR(solution->integer_cost, 3, kTol);
  EXPECT_NEAR(solution->RelativeGap(), (3 - 19.0 / 7.0) / (19.0 / 7.0), 1e-9);
  ExpectFeasible(problem, *solution);
  ExpectDualCertificate(problem, *solution);
}

TEST(CuttingStockTest, ReportsADemandClassNoColumnServes) {
  const CoveringProblem problem{.demand = {1, 2}, .columns = {{.cost = 1, .coverage = {1, 0}}}};
  const Result<CoveringSolution> solution = SolveCovering(problem);
  ASSERT_FALSE(solution.has_value());
  EXPECT_EQ(solution.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_NE(solution.error().message().find("demand class 1"), std::string::npos);
}

TEST(CuttingStockTest, ReportsADemandClassThePricingNeverServes) {
  const CoveringProblem problem{.demand = {1, 2}, .columns = {}};
  const PricingCallback pricing = [](std::span<const double> duals) -> std::optional<CoverColumn> {
    if (duals[0] > 1 + 1e-9) {
      return CoverColumn{.cost = 1, .coverage = {1, 0}};
    }
    return std::nullopt;
  };
  const Result<CoveringSolution> solution = SolveCovering(problem, pricing);
  ASSERT_FALSE(solution.has_value());
  EXPECT_EQ(solution.error().code(), ErrorCode::kResourceExhausted);
}

TEST(CuttingStockTest, FindsAnExpensiveColumnByRaisingThePenalty) {
  // The only column serving class 0 costs far more than the first artificial's penalty.
  const CoveringProblem problem{.demand = {2}, .columns = {}};
  const PricingCallback pricing = [](std::span<const double> duals) -> std::optional<CoverColumn> {
    if (duals[0] > 1e7 + 1e-3) {
      return CoverColumn{.cost = 1e7, .coverage = {1}};
    }
    return std::nullopt;
  };
  const Result<CoveringSolution> solution = SolveCovering(problem, pricing);
  ASSERT_TRUE(solution.has_value()) << solution.error().message();
  EXPECT_NEAR(solution->lp_bound, 2e7, 1e-3);
  EXPECT_NEAR(solution->integer_cost, 2e7, 1e-3);
}

TEST(CuttingStockTest, RejectsAPricingCallbackThatDoesNotImprove) {
  const CoveringProblem problem{.demand = {1}, .columns = {{.cost = 1, .coverage = {1}}}};
  const PricingCallback pricing = [](std::span<const double>) -> std::optional<CoverColumn> {
    return CoverColumn{.cost = 5, .coverage = {1}};
  };
  const Result<CoveringSolution> solution = SolveCovering(problem, pricing);
  ASSERT_FALSE(solution.has_value());
  EXPECT_EQ(solution.error().code(), ErrorCode::kInternal);
  EXPECT_NE(solution.error().message().find("reduced cost"), std::string::npos);
}

TEST(CuttingStockTest, RejectsAPricedColumnOfTheWrongSize) {
  const CoveringProblem problem{.demand = {1, 1}, .columns = {}};
  const PricingCallback pricing = [](std::span<const double>) -> std::optional<CoverColumn> {
    return CoverColumn{.cost = 1, .coverage = {1}};
  };
  const Result<CoveringSolution> solution = SolveCovering(problem, pricing);
  ASSERT_FALSE(solution.has_value());
  EXPECT_EQ(solution.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(solution.error().message().find("priced column 0"), std::string::npos);
}

TEST(CuttingStockTest, StopsAfterTheRoundLimitBecauseAnUnconvergedValueIsNoBound) {
  const CoveringProblem problem{.demand = kItemDemand, .columns = {}};
  CoveringOptions options;
  options.max_pricing_rounds = 2;
  const Result<CoveringSolution> solution = SolveCovering(problem, PriceRollPattern, options);
  ASSERT_FALSE(solution.has_value());
  EXPECT_EQ(solution.error().code(), ErrorCode::kDeadlineExceeded);
}

TEST(CuttingStockTest, RejectsNegativeDemandCostAndCoverage) {
  const std::vector<CoveringProblem> bad = {
      {.demand = {-1}, .columns = {}},
      {.demand = {1}, .columns = {{.cost = -1, .coverage = {1}}}},
      {.demand = {1}, .columns = {{.cost = 1, .coverage = {-1}}}},
      {.demand = {1}, .columns = {{.cost = 1, .coverage = {1, 1}}}},
  };
  for (const CoveringProblem& problem : bad) {
    const Result<CoveringSolution> solution = SolveCovering(problem);
    ASSERT_FALSE(solution.has_value());
    EXPECT_EQ(solution.error().code(), ErrorCode::kInvalidArgument) << solution.error().message();
  }
}

TEST(CuttingStockTest, CoversZeroDemandWithNothing) {
  const CoveringProblem problem{.demand = {0, 0}, .columns = {{.cost = 3, .coverage = {1, 1}}}};
  const Result<CoveringSolution> solution = SolveCovering(problem);
  ASSERT_TRUE(solution.has_value()) << solution.error().message();
  EXPECT_EQ(solution->lp_bound, 0);
  EXPECT_EQ(solution->integer_cost, 0);
  EXPECT_EQ(solution->RelativeGap(), 0);
}

TEST(CuttingStockTest, GivesTheSameAnswerTwice) {
  const CoveringProblem problem{.demand = kItemDemand, .columns = {}};
  const Result<CoveringSolution> first = SolveCovering(problem, PriceRollPattern);
  const Result<CoveringSolution> second = SolveCovering(problem, PriceRollPattern);
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(first->lp_bound, second->lp_bound);
  EXPECT_EQ(first->fractional, second->fractional);
  EXPECT_EQ(first->integer, second->integer);
  ASSERT_EQ(first->columns.size(), second->columns.size());
  for (size_t j = 0; j < first->columns.size(); ++j) {
    EXPECT_EQ(first->columns[j].coverage, second->columns[j].coverage);
  }
}

TEST(CuttingStockRoundingTest, PrefersRoundingDownAndCompletingWhenRoundingUpCostsMore) {
  // x = (0.5, 0.5): rounding up buys both columns (cost 11); rounding down and completing
  // greedily buys only the cheap one per unit, which serves everything (cost 1).
  const CoveringProblem problem{
      .demand = {1, 1},
      .columns = {{.cost = 1, .coverage = {1, 1}}, {.cost = 10, .coverage = {1, 1}}}};
  const Result<std::vector<int64_t>> copies = RoundCovering(problem, std::vector{0.5, 0.5});
  ASSERT_TRUE(copies.has_value()) << copies.error().message();
  EXPECT_EQ(*copies, (std::vector<int64_t>{1, 0}));
}

TEST(CuttingStockRoundingTest, PrunesCopiesTheDemandDoesNotNeed) {
  // Rounding x = (1.2, 0.9) up gives (2, 1); one copy of the dear column is then redundant.
  const CoveringProblem problem{
      .demand = {2}, .columns = {{.cost = 1, .coverage = {1}}, {.cost = 3, .coverage = {1}}}};
  const Result<std::vector<int64_t>> copies = RoundCovering(problem, std::vector{1.2, 0.9});
  ASSERT_TRUE(copies.has_value()) << copies.error().message();
  EXPECT_EQ(*copies, (std::vector<int64_t>{2, 0}));
}

TEST(CuttingStockRoundingTest, TreatsNearIntegersAsIntegers) {
  const CoveringProblem problem{.demand = {3}, .columns = {{.cost = 1, .coverage = {1}}}};
  const Result<std::vector<int64_t>> copies = RoundCovering(problem, std::vector{3.0000000001});
  ASSERT_TRUE(copies.has_value()) << copies.error().message();
  EXPECT_EQ(*copies, (std::vector<int64_t>{3}));
}

struct RandomCovering {
  CoveringProblem problem;
  bool coverable = true;
};

rc::Gen<RandomCovering> GenCovering() {
  return rc::gen::exec([] {
    RandomCovering random;
    const int classes = *rc::gen::inRange(1, 4);
    const int columns = *rc::gen::inRange(1, 5);
    for (int i = 0; i < classes; ++i) {
      random.problem.demand.push_back(*rc::gen::inRange(0, 6));
    }
    for (int j = 0; j < columns; ++j) {
      CoverColumn column{.cost = static_cast<double>(*rc::gen::inRange(0, 11)), .coverage = {}};
      for (int i = 0; i < classes; ++i) {
        column.coverage.push_back(*rc::gen::inRange(0, 4));
      }
      random.problem.columns.push_back(std::move(column));
    }
    for (int i = 0; i < classes; ++i) {
      bool served = random.problem.demand[static_cast<size_t>(i)] == 0;
      for (const CoverColumn& column : random.problem.columns) {
        served = served || column.coverage[static_cast<size_t>(i)] > 0;
      }
      random.coverable = random.coverable && served;
    }
    return random;
  });
}

// LP bound <= brute-force integer optimum <= rounded cost, primal feasibility and strong duality
// on random small covering problems.
RC_GTEST_PROP(CuttingStockProperty, BoundOptimumAndRoundingAreOrdered, ()) {
  const RandomCovering random = *GenCovering();
  const CoveringProblem& problem = random.problem;
  const Result<CoveringSolution> solution = SolveCovering(problem);
  if (!random.coverable) {
    RC_ASSERT(!solution.has_value());
    RC_ASSERT(solution.error().code() == ErrorCode::kResourceExhausted);
    return;
  }
  RC_ASSERT(solution.has_value());
  const std::optional<double> optimum = BruteForceCoveringCost(problem);
  RC_ASSERT(optimum.has_value());
  RC_ASSERT(solution->lp_bound <= *optimum + 1e-7);
  RC_ASSERT(*optimum <= solution->integer_cost + 1e-7);
  RC_ASSERT(PrimalViolation(problem, *solution) == "");
  RC_ASSERT(DualViolation(problem, *solution) == "");
}

// Pricing the same columns one at a time (most negative reduced cost first) reaches the bound of
// listing them all.
RC_GTEST_PROP(CuttingStockProperty, PricingReachesTheExplicitBound, ()) {
  const RandomCovering random = *GenCovering();
  RC_PRE(random.coverable);
  const CoveringProblem& problem = random.problem;
  const PricingCallback pricing =
      [&problem](std::span<const double> duals) -> std::optional<CoverColumn> {
    std::optional<CoverColumn> best;
    double best_reduced_cost = -1e-7;
    for (const CoverColumn& column : problem.columns) {
      double reduced_cost = column.cost;
      for (size_t i = 0; i < duals.size(); ++i) {
        reduced_cost -= duals[i] * column.coverage[i];
      }
      if (reduced_cost < best_reduced_cost) {
        best_reduced_cost = reduced_cost;
        best = column;
      }
    }
    return best;
  };
  const Result<CoveringSolution> listed = SolveCovering(problem);
  const Result<CoveringSolution> priced =
      SolveCovering(CoveringProblem{.demand = problem.demand, .columns = {}}, pricing);
  RC_ASSERT(listed.has_value());
  RC_ASSERT(priced.has_value());
  RC_ASSERT(std::abs(listed->lp_bound - priced->lp_bound) <= 1e-6 * (1 + listed->lp_bound));
}

}  // namespace
}  // namespace gpupack::plan::lp
