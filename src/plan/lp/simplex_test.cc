#include "plan/lp/simplex.h"

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "plan/lp/test_problems.h"

namespace gpupack::plan::lp {

// Lets rapidcheck print row senses in counterexamples (found by argument-dependent lookup under
// the name rapidcheck fixes, hence the NOLINT).
void showValue(RowSense sense, std::ostream& os);  // NOLINT(readability-identifier-naming)

void showValue(RowSense sense, std::ostream& os) {  // NOLINT(readability-identifier-naming)
  os << (sense == RowSense::kGreaterEqual ? ">=" : sense == RowSense::kLessEqual ? "<=" : "=");
}

namespace {

using testing::RandomCoveringLp;

constexpr double kTol = 1e-7;

LinearProgram MakeLp(const std::vector<std::vector<double>>& rows,
                     const std::vector<RowSense>& senses, const std::vector<double>& rhs,
                     const std::vector<double>& costs, const std::vector<double>& upper = {}) {
  LinearProgram lp;
  for (size_t i = 0; i < rows.size(); ++i) {
    lp.AddRow(senses[i], rhs[i]);
  }
  for (size_t j = 0; j < costs.size(); ++j) {
    std::vector<double> column;
    for (const std::vector<double>& row : rows) {
      column.push_back(row[j]);
    }
    lp.AddColumn(costs[j], column, upper.empty() ? kInfinity : upper[j]);
  }
  return lp;
}

// Checks the KKT conditions, which together prove optimality without knowing the answer:
// primal feasibility, dual sign feasibility, reduced costs of the right sign for each column's
// position (at 0, between bounds, at its upper bound), complementary slackness and strong
// duality c·x = b·y + sum_{x_j = u_j} u_j d_j. Returns the first violation, or "" when none.
std::string CertificateViolation(const LinearProgram& lp, const LpSolution& solution) {
  std::ostringstream problem;
  auto fail = [&](const std::string& what, size_t index, double value) {
    problem << what << " " << index << ": " << value;
    return problem.str();
  };
  if (solution.status != LpStatus::kOptimal) {
    return "not optimal";
  }
  const size_t rows = lp.rhs.size();
  const size_t columns = lp.objective.size();
  if (solution.x.size() != columns || solution.duals.size() != rows ||
      solution.reduced_costs.size() != columns) {
    return "wrong sizes";
  }
  auto coefficient = [&](size_t i, size_t j) { return lp.matrix[j * rows + i]; };
  double primal = 0;
  for (size_t j = 0; j < columns; ++j) {
    primal += lp.objective[j] * solution.x[j];
  }
  if (std::abs(primal - solution.objective) > kTol) {
    return fail("objective differs from c·x by", 0, primal - solution.objective);
  }
  double dual = 0;
  for (size_t i = 0; i < rows; ++i) {
    double activity = 0;
    for (size_t j = 0; j < columns; ++j) {
      activity += coefficient(i, j) * solution.x[j];
    }
    const double y = solution.duals[i];
    const double slack = activity - lp.rhs[i];
    switch (lp.senses[i]) {
      case RowSense::kGreaterEqual:
        if (slack < -kTol || y < -kTol) {
          return fail(">= row violated or negative dual, row", i, slack);
        }
        break;
      case RowSense::kLessEqual:
        if (slack > kTol || y > kTol) {
          return fail("<= row violated or positive dual, row", i, slack);
        }
        break;
      case RowSense::kEqual:
        if (std::abs(slack) > kTol) {
          return fail("= row violated, row", i, slack);
        }
        break;
    }
    if (std::abs(y * slack) > kTol) {
      return fail("complementary slackness fails, row", i, y * slack);
    }
    dual += lp.rhs[i] * y;
  }
  for (size_t j = 0; j < columns; ++j) {
    double d = lp.objective[j];
    for (size_t i = 0; i < rows; ++i) {
      d -= solution.duals[i] * coefficient(i, j);
    }
    if (std::abs(d - solution.reduced_costs[j]) > kTol) {
      return fail("wrong reduced cost, column", j, solution.reduced_costs[j]);
    }
    const double x = solution.x[j];
    const double u = lp.upper_bounds[j];
    if (x < -kTol || x > u + kTol) {
      return fail("bound violated, column", j, x);
    }
    // A column fixed by u_j = 0 sits at both bounds; its reduced cost may have either sign.
    const bool at_lower = x <= kTol;
    const bool at_upper = x >= u - kTol;
    if (at_lower && !at_upper && d < -kTol) {
      return fail("improving reduced cost at zero, column", j, d);
    }
    if (at_upper && !at_lower && d > kTol) {
      return fail("improving reduced cost at the upper bound, column", j, d);
    }
    if (!at_lower && !at_upper && std::abs(d) > kTol) {
      return fail("nonzero reduced cost between bounds, column", j, d);
    }
    if (at_upper) {
      dual += u * d;
    }
  }
  if (std::abs(primal - dual) > kTol * (1 + std::abs(primal))) {
    return fail("strong duality fails: c·x - b·y", 0, primal - dual);
  }
  return "";
}

void ExpectOptimalityCertificate(const LinearProgram& lp, const LpSolution& solution) {
  EXPECT_EQ(CertificateViolation(lp, solution), "");
}

TEST(SimplexTest, SolvesTheWyndorGlassProductMix) {
  // Hillier and Lieberman's first example: max 3 x1 + 5 x2 s.t. x1 <= 4, 2 x2 <= 12,
  // 3 x1 + 2 x2 <= 18; optimum 36 at (2, 6).
  const LinearProgram lp = MakeLp(
      {{1, 0}, {0, 2}, {3, 2}}, {RowSense::kLessEqual, RowSense::kLessEqual, RowSense::kLessEqual},
      {4, 12, 18}, {-3, -5});
  const Result<LpSolution> solution = SolveLp(lp);
  ASSERT_TRUE(solution.has_value()) << solution.error().message();
  EXPECT_NEAR(solution->objective, -36, kTol);
  EXPECT_NEAR(solution->x[0], 2, kTol);
  EXPECT_NEAR(solution->x[1], 6, kTol);
  ExpectOptimalityCertificate(lp, *solution);
}

TEST(SimplexTest, SolvesACoveringDietWithShadowPricesOfTheBindingRows) {
  // min 2x + 3y s.t. x + y >= 4, x + 3y >= 6: optimum 9 at (3, 1), both rows binding.
  const LinearProgram lp =
      MakeLp({{1, 1}, {1, 3}}, {RowSense::kGreaterEqual, RowSense::kGreaterEqual}, {4, 6}, {2, 3});
  const Result<LpSolution> solution = SolveLp(lp);
  ASSERT_TRUE(solution.has_value()) << solution.error().message();
  EXPECT_NEAR(solution->objective, 9, kTol);
  ExpectOptimalityCertificate(lp, *solution);
  // Raising b_1 by a little raises the optimum by y_1 (the definition of the shadow price).
  LinearProgram nudged = lp;
  nudged.rhs[0] += 0.01;
  const Result<LpSolution> nudged_solution = SolveLp(nudged);
  ASSERT_TRUE(nudged_solution.has_value());
  EXPECT_NEAR(nudged_solution->objective - solution->objective, 0.01 * solution->duals[0], 1e-9);
}

TEST(SimplexTest, HonoursEqualityRows) {
  // min x1 + 2 x2 + 3 x3 s.t. x1 + x2 + x3 = 10, x1 - x2 = 2: cost 26 - 3 x2 with x2 <= 4, so
  // the optimum is 14 at (6, 4, 0).
  const LinearProgram lp =
      MakeLp({{1, 1, 1}, {1, -1, 0}}, {RowSense::kEqual, RowSense::kEqual}, {10, 2}, {1, 2, 3});
  const Result<LpSolution> solution = SolveLp(lp);
  ASSERT_TRUE(solution.has_value()) << solution.error().message();
  EXPECT_NEAR(solution->objective, 14, kTol);
  EXPECT_NEAR(solution->x[0], 6, kTol);
  EXPECT_NEAR(solution->x[1], 4, kTol);
  ExpectOptimalityCertificate(lp, *solution);
}

TEST(SimplexTest, KeepsARedundantEqualityRowWithoutLosingFeasibility) {
  // The second row is twice the first: one artificial can never leave the basis.
  const LinearProgram lp =
      MakeLp({{1, 1}, {2, 2}}, {RowSense::kEqual, RowSense::kEqual}, {2, 4}, {1, 2});
  const Result<LpSolution> solution = SolveLp(lp);
  ASSERT_TRUE(solution.has_value()) << solution.error().message();
  EXPECT_NEAR(solution->objective, 2, kTol);
  ExpectOptimalityCertificate(lp, *solution);
}

TEST(SimplexTest, HandlesNegativeRightHandSides) {
  // min -x1 s.t. x1 - x2 <= -1 (x2 >= x1 + 1), x2 <= 5: optimum -4 at (4, 5).
  const LinearProgram lp =
      MakeLp({{1, -1}, {0, 1}}, {RowSense::kLessEqual, RowSense::kLessEqual}, {-1, 5}, {-1, 0});
  const Result<LpSolution> solution = SolveLp(lp);
  ASSERT_TRUE(solution.has_value()) << solution.error().message();
  EXPECT_NEAR(solution->objective, -4, kTol);
  ExpectOptimalityCertificate(lp, *solution);
}

TEST(SimplexTest, RespectsColumnUpperBounds) {
  // max x1 + x2 s.t. x1 + 2 x2 <= 10, x1 <= 4, x2 <= 4: optimum 7 at (4, 3) with x1 at its bound.
  const LinearProgram lp = MakeLp({{1, 2}}, {RowSense::kLessEqual}, {10}, {-1, -1}, {4, 4});
  const Result<LpSolution> solution = SolveLp(lp);
  ASSERT_TRUE(solution.has_value()) << solution.error().message();
  EXPECT_NEAR(solution->objective, -7, kTol);
  EXPECT_NEAR(solution->x[0], 4, kTol);
  ExpectOptimalityCertificate(lp, *solution);
}

TEST(SimplexTest, FlipsABoundedColumnWithoutAPivot) {
  // min -x1 - x2 with both bounded by 3 and a loose row: both end at their upper bounds.
  const LinearProgram lp = MakeLp({{1, 1}}, {RowSense::kLessEqual}, {100}, {-1, -1}, {3, 3});
  const Result<LpSolution> solution = SolveLp(lp);
  ASSERT_TRUE(solution.has_value()) << solution.error().message();
  EXPECT_NEAR(solution->objective, -6, kTol);
  ExpectOptimalityCertificate(lp, *solution);
}

TEST(SimplexTest, ReportsInfeasibleRows) {
  const LinearProgram lp =
      MakeLp({{1, 1}, {1, 1}}, {RowSense::kLessEqual, RowSense::kGreaterEqual}, {1, 2}, {1, 1});
  const Result<LpSolution> solution = SolveLp(lp);
  ASSERT_TRUE(solution.has_value()) << solution.error().message();
  EXPECT_EQ(solution->status, LpStatus::kInfeasible);
}

TEST(SimplexTest, ReportsInfeasibleBoundsAndEqualities) {
  // x1 + x2 = 5 cannot hold with both bounded by 2.
  const LinearProgram lp = MakeLp({{1, 1}}, {RowSense::kEqual}, {5}, {1, 1}, {2, 2});
  const Result<LpSolution> solution = SolveLp(lp);
  ASSERT_TRUE(solution.has_value()) << solution.error().message();
  EXPECT_EQ(solution->status, LpStatus::kInfeasible);
}

TEST(SimplexTest, ReportsAnUnboundedObjective) {
  // min -x1 s.t. x1 - x2 <= 1: x1 = x2 + 1 grows without limit.
  const LinearProgram lp = MakeLp({{1, -1}}, {RowSense::kLessEqual}, {1}, {-1, 0});
  const Result<LpSolution> solution = SolveLp(lp);
  ASSERT_TRUE(solution.has_value()) << solution.error().message();
  EXPECT_EQ(solution->status, LpStatus::kUnbounded);
}

TEST(SimplexTest, ReportsUnboundedWithoutRows) {
  LinearProgram lp;
  lp.AddColumn(-1, {});
  const Result<LpSolution> solution = SolveLp(lp);
  ASSERT_TRUE(solution.has_value()) << solution.error().message();
  EXPECT_EQ(solution->status, LpStatus::kUnbounded);
}

TEST(SimplexTest, SolvesAProblemWithoutColumnsOrRows) {
  const Result<LpSolution> solution = SolveLp(LinearProgram{});
  ASSERT_TRUE(solution.has_value()) << solution.error().message();
  EXPECT_EQ(solution->status, LpStatus::kOptimal);
  EXPECT_EQ(solution->objective, 0);
}

// Beale's example (1955), which cycles forever under Dantzig's rule with lowest-index ties:
// min -3/4 x1 + 20 x2 - 1/2 x3 + 6 x4 s.t. 1/4 x1 - 8 x2 - x3 + 9 x4 <= 0,
// 1/2 x1 - 12 x2 - 1/2 x3 + 3 x4 <= 0, x3 <= 1. Optimum -5/4 at (1, 0, 1, 0).
LinearProgram BealeCyclingExample() {
  return MakeLp({{0.25, -8, -1, 9}, {0.5, -12, -0.5, 3}, {0, 0, 1, 0}},
                {RowSense::kLessEqual, RowSense::kLessEqual, RowSense::kLessEqual}, {0, 0, 1},
                {-0.75, 20, -0.5, 6});
}

TEST(SimplexTest, DoesNotCycleOnBealesExample) {
  const LinearProgram lp = BealeCyclingExample();
  for (int before_bland : {1, 2, 32}) {
    SimplexOptions options;
    options.degenerate_pivots_before_bland = before_bland;
    const Result<LpSolution> solution = SolveLp(lp, options);
    ASSERT_TRUE(solution.has_value()) << solution.error().message();
    EXPECT_NEAR(solution->objective, -1.25, kTol) << "bland after " << before_bland;
    ExpectOptimalityCertificate(lp, *solution);
  }
}

TEST(SimplexTest, StopsAtTheIterationLimitWithDeadlineExceeded) {
  SimplexOptions options;
  options.max_iterations = 1;
  const Result<LpSolution> solution = SolveLp(BealeCyclingExample(), options);
  ASSERT_FALSE(solution.has_value());
  EXPECT_EQ(solution.error().code(), ErrorCode::kDeadlineExceeded);
}

TEST(SimplexTest, RejectsAMatrixOfTheWrongSize) {
  LinearProgram lp = MakeLp({{1, 1}}, {RowSense::kLessEqual}, {1}, {1, 1});
  lp.matrix.pop_back();
  const Result<LpSolution> solution = SolveLp(lp);
  ASSERT_FALSE(solution.has_value());
  EXPECT_EQ(solution.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(solution.error().message().find("matrix"), std::string::npos);
}

TEST(SimplexTest, RejectsNonFiniteNumbers) {
  LinearProgram lp = MakeLp({{1, 1}}, {RowSense::kLessEqual}, {1}, {1, 1});
  lp.objective[1] = std::nan("");
  const Result<LpSolution> solution = SolveLp(lp);
  ASSERT_FALSE(solution.has_value());
  EXPECT_EQ(solution.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(solution.error().message().find("column 1"), std::string::npos);
}

TEST(SimplexTest, PartialAndFullPricingReachTheSameOptimum) {
  const LinearProgram lp = RandomCoveringLp(30, 600, 7);
  SimplexOptions full;
  full.pricing_segment = static_cast<int>(lp.num_columns() + 2 * lp.num_rows());
  SimplexOptions partial;
  partial.pricing_segment = 50;
  const Result<LpSolution> full_solution = SolveLp(lp, full);
  const Result<LpSolution> partial_solution = SolveLp(lp, partial);
  ASSERT_TRUE(full_solution.has_value()) << full_solution.error().message();
  ASSERT_TRUE(partial_solution.has_value()) << partial_solution.error().message();
  EXPECT_NEAR(full_solution->objective, partial_solution->objective, 1e-7);
  ExpectOptimalityCertificate(lp, *full_solution);
  ExpectOptimalityCertificate(lp, *partial_solution);
}

TEST(SimplexTest, SurvivesFrequentAndRareRefactorisation) {
  const LinearProgram lp = RandomCoveringLp(40, 400, 11);
  double objective = 0;
  for (int interval : {1, 5, 1000}) {
    SimplexOptions options;
    options.refactor_interval = interval;
    const Result<LpSolution> solution = SolveLp(lp, options);
    ASSERT_TRUE(solution.has_value()) << solution.error().message();
    ExpectOptimalityCertificate(lp, *solution);
    if (interval == 1) {
      objective = solution->objective;
    }
    EXPECT_NEAR(solution->objective, objective, 1e-7) << "refactor every " << interval;
  }
}

TEST(SimplexWarmStartTest, ResolvesFromItsOwnOptimalBasisWithoutPivots) {
  const LinearProgram lp = RandomCoveringLp(20, 200, 3);
  const Result<LpSolution> cold = SolveLp(lp);
  ASSERT_TRUE(cold.has_value()) << cold.error().message();
  const Result<LpSolution> warm = SolveLp(lp, {}, &cold->basis);
  ASSERT_TRUE(warm.has_value()) << warm.error().message();
  EXPECT_EQ(warm->iterations, 0);
  EXPECT_NEAR(warm->objective, cold->objective, 1e-9);
  ExpectOptimalityCertificate(lp, *warm);
}

TEST(SimplexWarmStartTest, NeedsFewerPivotsAfterAColumnIsAppended) {
  // Column generation's pattern: one improving column per round.
  LinearProgram lp = RandomCoveringLp(30, 300, 5);
  const Result<LpSolution> before = SolveLp(lp);
  ASSERT_TRUE(before.has_value()) << before.error().message();
  // A copy of the first unused column priced at 90% of its dual value: reduced cost < 0.
  size_t unused = 0;
  while (before->x[unused] > 0) {
    ++unused;
  }
  const auto begin = lp.matrix.begin() + static_cast<std::ptrdiff_t>(unused * 30);
  const std::vector<double> coverage(begin, begin + 30);
  double dual_value = 0;
  for (size_t i = 0; i < coverage.size(); ++i) {
    dual_value += before->duals[i] * coverage[i];
  }
  ASSERT_GT(dual_value, 0);
  lp.AddColumn(0.9 * dual_value, coverage);
  const Result<LpSolution> cold = SolveLp(lp);
  const Result<LpSolution> warm = SolveLp(lp, {}, &before->basis);
  ASSERT_TRUE(cold.has_value()) << cold.error().message();
  ASSERT_TRUE(warm.has_value()) << warm.error().message();
  EXPECT_LT(cold->objective, before->objective - 1e-6);
  EXPECT_NEAR(warm->objective, cold->objective, 1e-7);
  EXPECT_LT(warm->iterations, cold->iterations);
  ExpectOptimalityCertificate(lp, *warm);
}

TEST(SimplexWarmStartTest, UsesTheDualSimplexWhenTheRightHandSideGrows) {
  LinearProgram lp = RandomCoveringLp(25, 250, 8);
  const Result<LpSolution> before = SolveLp(lp);
  ASSERT_TRUE(before.has_value()) << before.error().message();
  for (double& b : lp.rhs) {
    b *= 3;  // the old basis turns primal infeasible but stays dual feasible
  }
  const Result<LpSolution> warm = SolveLp(lp, {}, &before->basis);
  ASSERT_TRUE(warm.has_value()) << warm.error().message();
  EXPECT_NEAR(warm->objective, 3 * before->objective, 1e-6);
  ExpectOptimalityCertificate(lp, *warm);
}

TEST(SimplexWarmStartTest, StartsColdFromASingularBasis) {
  // Columns 0 and 1 are equal, so a basis holding both is singular.
  const LinearProgram lp =
      MakeLp({{1, 1, 0}, {1, 1, 1}}, {RowSense::kGreaterEqual, RowSense::kGreaterEqual}, {2, 3},
             {1, 2, 1});
  const LpBasis singular{.basic = {0, 1}, .at_upper = {}};
  const Result<LpSolution> solution = SolveLp(lp, {}, &singular);
  ASSERT_TRUE(solution.has_value()) << solution.error().message();
  EXPECT_NEAR(solution->objective, 3, kTol);
  ExpectOptimalityCertificate(lp, *solution);
}

TEST(SimplexWarmStartTest, RejectsABasisNamingAVariableTwiceOrOutOfRange) {
  const LinearProgram lp =
      MakeLp({{1, 1}, {1, 2}}, {RowSense::kGreaterEqual, RowSense::kGreaterEqual}, {2, 3}, {1, 1});
  for (const LpBasis& bad :
       {LpBasis{.basic = {0, 0}, .at_upper = {}}, LpBasis{.basic = {0, 2}, .at_upper = {}},
        LpBasis{.basic = {-3, 0}, .at_upper = {}}, LpBasis{.basic = {0}, .at_upper = {}},
        LpBasis{.basic = {0, -1}, .at_upper = {1}}}) {
    const Result<LpSolution> solution = SolveLp(lp, {}, &bad);
    ASSERT_FALSE(solution.has_value());
    EXPECT_EQ(solution.error().code(), ErrorCode::kInvalidArgument);
  }
}

// Random small LPs with every row sense, negative data and some upper bounds: whenever the solver
// says optimal, the KKT certificate must hold.
RC_GTEST_PROP(SimplexProperty, OptimalAnswersCarryAValidCertificate, ()) {
  const int rows = *rc::gen::inRange(1, 6);
  const int columns = *rc::gen::inRange(1, 6);
  LinearProgram lp;
  for (int i = 0; i < rows; ++i) {
    const auto sense =
        *rc::gen::element(RowSense::kGreaterEqual, RowSense::kLessEqual, RowSense::kEqual);
    lp.AddRow(sense, *rc::gen::inRange(-10, 11));
  }
  for (int j = 0; j < columns; ++j) {
    std::vector<double> coefficients;
    for (int i = 0; i < rows; ++i) {
      coefficients.push_back(*rc::gen::inRange(-4, 5));
    }
    const bool bounded = *rc::gen::arbitrary<bool>();
    lp.AddColumn(*rc::gen::inRange(-5, 6), coefficients,
                 bounded ? *rc::gen::inRange(0, 6) : kInfinity);
  }
  const Result<LpSolution> solution = SolveLp(lp);
  RC_ASSERT(solution.has_value());
  if (solution->status == LpStatus::kOptimal) {
    const std::string violation = CertificateViolation(lp, *solution);
    RC_ASSERT(violation == "");
  }
}

// An unbounded verdict is checked by a witness: with every column bounded the same LP must be
// either infeasible or optimal, never unbounded; an infeasible verdict must survive dropping the
// objective (feasibility does not depend on costs).
RC_GTEST_PROP(SimplexProperty, VerdictsAreConsistent, ()) {
  const int rows = *rc::gen::inRange(1, 5);
  const int columns = *rc::gen::inRange(1, 5);
  LinearProgram lp;
  for (int i = 0; i < rows; ++i) {
    const auto sense =
        *rc::gen::element(RowSense::kGreaterEqual, RowSense::kLessEqual, RowSense::kEqual);
    lp.AddRow(sense, *rc::gen::inRange(-10, 11));
  }
  for (int j = 0; j < columns; ++j) {
    std::vector<double> coefficients;
    for (int i = 0; i < rows; ++i) {
      coefficients.push_back(*rc::gen::inRange(-4, 5));
    }
    lp.AddColumn(*rc::gen::inRange(-5, 6), coefficients);
  }
  const Result<LpSolution> solution = SolveLp(lp);
  RC_ASSERT(solution.has_value());
  LinearProgram zero_cost = lp;
  std::fill(zero_cost.objective.begin(), zero_cost.objective.end(), 0.0);
  const Result<LpSolution> feasibility = SolveLp(zero_cost);
  RC_ASSERT(feasibility.has_value());
  RC_ASSERT(feasibility->status != LpStatus::kUnbounded);
  RC_ASSERT((feasibility->status == LpStatus::kInfeasible) ==
            (solution->status == LpStatus::kInfeasible));
  if (solution->status == LpStatus::kUnbounded) {
    LinearProgram boxed = lp;
    std::fill(boxed.upper_bounds.begin(), boxed.upper_bounds.end(), 1e4);
    const Result<LpSolution> boxed_solution = SolveLp(boxed);
    RC_ASSERT(boxed_solution.has_value());
    RC_ASSERT(boxed_solution->status == LpStatus::kOptimal);
    // Unbounded below: boxing must allow an objective below what any small box gives.
    LinearProgram small_box = lp;
    std::fill(small_box.upper_bounds.begin(), small_box.upper_bounds.end(), 1e2);
    const Result<LpSolution> small_solution = SolveLp(small_box);
    RC_ASSERT(small_solution.has_value());
    RC_ASSERT(small_solution->status != LpStatus::kUnbounded);
    // A small box may hold no feasible point at all: every one may lie far out along the ray
    // (SimplexTest.AnUnboundedLpWhoseFeasiblePointsLieFarOutIsInfeasibleInASmallBox).
    if (small_solution->status == LpStatus::kOptimal) {
      RC_ASSERT(boxed_solution->objective < small_solution->objective - 1);
    }
  }
}

// The case VerdictsAreConsistent once drew: unbounded, and every feasible point lies beyond a
// box of 100 (x2 near 10,000 in the box of 10,000).
TEST(SimplexTest, AnUnboundedLpWhoseFeasiblePointsLieFarOutIsInfeasibleInASmallBox) {
  LinearProgram lp;
  for (int i = 0; i < 3; ++i) {
    lp.AddRow(RowSense::kEqual, -10);
  }
  for (const std::vector<double>& column :
       std::vector<std::vector<double>>{{-4, 1, 2}, {0, 2, -2}, {1, -4, 3}, {-2, -1, 3}}) {
    lp.AddColumn(-5, column);
  }
  const Result<LpSolution> open = SolveLp(lp);
  ASSERT_TRUE(open.has_value());
  EXPECT_EQ(open->status, LpStatus::kUnbounded);
  LinearProgram big = lp;
  std::fill(big.upper_bounds.begin(), big.upper_bounds.end(), 1e4);
  const Result<LpSolution> far = SolveLp(big);
  ASSERT_TRUE(far.has_value());
  EXPECT_EQ(far->status, LpStatus::kOptimal);
  LinearProgram small = lp;
  std::fill(small.upper_bounds.begin(), small.upper_bounds.end(), 1e2);
  const Result<LpSolution> near = SolveLp(small);
  ASSERT_TRUE(near.has_value());
  EXPECT_EQ(near->status, LpStatus::kInfeasible);
}

// A warm start from a related problem's basis (columns appended, right-hand side changed)
// reaches the cold start's optimum.
RC_GTEST_PROP(SimplexProperty, WarmStartsReachTheColdOptimum, ()) {
  const int rows = *rc::gen::inRange(1, 12);
  const auto seed = *rc::gen::arbitrary<uint64_t>();
  LinearProgram lp = RandomCoveringLp(rows, *rc::gen::inRange(1, 40), seed);
  const Result<LpSolution> before = SolveLp(lp);
  RC_ASSERT(before.has_value());
  RC_PRE(before->status == LpStatus::kOptimal);
  const LinearProgram extra = RandomCoveringLp(rows, *rc::gen::inRange(0, 5), seed + 1);
  for (int j = 0; j < extra.num_columns(); ++j) {
    const auto begin = extra.matrix.begin() + static_cast<std::ptrdiff_t>(j * rows);
    lp.AddColumn(extra.objective[static_cast<size_t>(j)] / 4,
                 std::vector<double>(begin, begin + rows));
  }
  if (*rc::gen::arbitrary<bool>()) {
    for (double& b : lp.rhs) {
      b += *rc::gen::inRange(-5, 20);
    }
  }
  const Result<LpSolution> cold = SolveLp(lp);
  const Result<LpSolution> warm = SolveLp(lp, {}, &before->basis);
  RC_ASSERT(cold.has_value());
  RC_ASSERT(warm.has_value());
  RC_ASSERT(cold->status == warm->status);
  if (cold->status == LpStatus::kOptimal) {
    RC_ASSERT(std::abs(cold->objective - warm->objective) <=
              1e-7 * (1 + std::abs(cold->objective)));
    const std::string violation = CertificateViolation(lp, *warm);
    RC_ASSERT(violation == "");
  }
}

}  // namespace
}  // namespace gpupack::plan::lp
