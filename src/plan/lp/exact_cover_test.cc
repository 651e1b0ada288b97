#include "plan/lp/exact_cover.h"

#include <cmath>
#include <optional>
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

constexpr double kTimeLimitSeconds = 30;

TEST(ExactCoverTest, ReportsFailedPreconditionWhenBuiltWithoutCbc) {
  if (ExactCoverAvailable()) {
    GTEST_SKIP() << "built with CBC";
  }
  const CoveringProblem problem{.demand = {1}, .columns = {{.cost = 1, .coverage = {1}}}};
  const Result<ExactCoverSolution> solution = SolveCoveringExactly(problem, kTimeLimitSeconds);
  ASSERT_FALSE(solution.has_value());
  EXPECT_EQ(solution.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(solution.error().message().find("GP_WITH_CBC"), std::string::npos);
}

class ExactCoverWithCbcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!ExactCoverAvailable()) {
      GTEST_SKIP() << "built without CBC (GP_WITH_CBC=OFF)";
    }
  }
};

TEST_F(ExactCoverWithCbcTest, NeedsThreeGpusForTheMigMixWhoseBoundIsNineteenSevenths) {
  const CoveringProblem problem{.demand = {7, 3, 2}, .columns = MigGeometryColumns()};
  const Result<ExactCoverSolution> exact = SolveCoveringExactly(problem, kTimeLimitSeconds);
  ASSERT_TRUE(exact.has_value()) << exact.error().message();
  EXPECT_TRUE(exact->proven_optimal);
  EXPECT_NEAR(exact->cost, 3, 1e-9);
  EXPECT_TRUE(CoversDemand(problem, exact->copies));
}

TEST_F(ExactCoverWithCbcTest, SolvesTheClassicRollInstanceBetweenBoundAndRounding) {
  const CoveringProblem problem{.demand = kItemDemand, .columns = AllRollPatterns()};
  const Result<ExactCoverSolution> exact = SolveCoveringExactly(problem, kTimeLimitSeconds);
  const Result<CoveringSolution> relaxed = SolveCovering(problem);
  ASSERT_TRUE(exact.has_value()) << exact.error().message();
  ASSERT_TRUE(relaxed.has_value()) << relaxed.error().message();
  EXPECT_TRUE(CoversDemand(problem, exact->copies));
  EXPECT_GE(exact->cost, std::ceil(relaxed->lp_bound - 1e-9));
  EXPECT_LE(exact->cost, relaxed->integer_cost);
  EXPECT_LE(exact->best_bound, exact->cost + 1e-9);
}

TEST_F(ExactCoverWithCbcTest, ReportsAClassNoColumnServes) {
  const CoveringProblem problem{.demand = {1, 1}, .columns = {{.cost = 1, .coverage = {1, 0}}}};
  const Result<ExactCoverSolution> exact = SolveCoveringExactly(problem, kTimeLimitSeconds);
  ASSERT_FALSE(exact.has_value());
  EXPECT_EQ(exact.error().code(), ErrorCode::kResourceExhausted);
}

TEST_F(ExactCoverWithCbcTest, RejectsANonPositiveTimeLimit) {
  const CoveringProblem problem{.demand = {1}, .columns = {{.cost = 1, .coverage = {1}}}};
  const Result<ExactCoverSolution> exact = SolveCoveringExactly(problem, 0);
  ASSERT_FALSE(exact.has_value());
  EXPECT_EQ(exact.error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(ExactCoverWithCbcTest, MatchesBruteForceOnRandomSmallProblems) {
  const bool passed = rc::check([] {
    const int classes = *rc::gen::inRange(1, 4);
    const int columns = *rc::gen::inRange(1, 5);
    CoveringProblem problem;
    for (int i = 0; i < classes; ++i) {
      problem.demand.push_back(*rc::gen::inRange(0, 6));
    }
    for (int j = 0; j < columns; ++j) {
      CoverColumn column{.cost = static_cast<double>(*rc::gen::inRange(0, 11)), .coverage = {}};
      for (int i = 0; i < classes; ++i) {
        column.coverage.push_back(*rc::gen::inRange(1, 4));
      }
      problem.columns.push_back(std::move(column));
    }
    const Result<ExactCoverSolution> exact = SolveCoveringExactly(problem, kTimeLimitSeconds);
    const std::optional<double> optimum = BruteForceCoveringCost(problem);
    RC_ASSERT(exact.has_value());
    RC_ASSERT(optimum.has_value());
    RC_ASSERT(exact->proven_optimal);
    RC_ASSERT(std::abs(exact->cost - *optimum) <= 1e-7);
    RC_ASSERT(CoversDemand(problem, exact->copies));
  });
  EXPECT_TRUE(passed);
}

}  // namespace
}  // namespace gpupack::plan::lp
