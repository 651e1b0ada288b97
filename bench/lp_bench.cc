// Speed of the planner's lower-bound kernel (src/plan/lp): the dense simplex on random covering
// LPs of the planner's shapes (demand classes x enumerated patterns), and column generation on
// cutting-stock instances. Figures go in BENCHMARKS.md, "LP lower bound".
#include <vector>

#include <benchmark/benchmark.h>

#include "common/rng.h"
#include "plan/lp/cutting_stock.h"
#include "plan/lp/exact_cover.h"
#include "plan/lp/simplex.h"
#include "plan/lp/test_problems.h"

namespace gpupack::plan::lp {
namespace {

void BM_SolveRandomCoveringLp(benchmark::State& state) {
  const auto rows = static_cast<int>(state.range(0));
  const auto columns = static_cast<int>(state.range(1));
  const LinearProgram lp = testing::RandomCoveringLp(rows, columns, 42);
  int iterations = 0;
  for (auto _ : state) {
    Result<LpSolution> solution = SolveLp(lp);
    if (!solution || solution->status != LpStatus::kOptimal) {
      state.SkipWithError("not optimal");
      return;
    }
    iterations = solution->iterations;
    benchmark::DoNotOptimize(solution);
  }
  state.counters["simplex_iterations"] = iterations;
}

BENCHMARK(BM_SolveRandomCoveringLp)
    ->Args({20, 200})
    ->Args({50, 2000})
    ->Args({100, 20000})
    ->Unit(benchmark::kMillisecond);

void BM_ColumnGenerationClassicRolls(benchmark::State& state) {
  const CoveringProblem problem{.demand = testing::kItemDemand, .columns = {}};
  int rounds = 0;
  for (auto _ : state) {
    Result<CoveringSolution> solution = SolveCovering(problem, testing::PriceRollPattern);
    if (!solution) {
      state.SkipWithError(solution.error().message().c_str());
      return;
    }
    rounds = solution->pricing_rounds;
    benchmark::DoNotOptimize(solution);
  }
  state.counters["pricing_rounds"] = rounds;
}

BENCHMARK(BM_ColumnGenerationClassicRolls)->Unit(benchmark::kMillisecond);

// A random cutting-stock instance with `classes` item widths in [50, 400] on rolls of 1000,
// demands 10..200: pricing by knapsack, master re-solved each round.
void BM_ColumnGenerationRandomCuttingStock(benchmark::State& state) {
  const auto classes = static_cast<size_t>(state.range(0));
  Rng rng(7);
  std::vector<int> widths;
  CoveringProblem problem;
  for (size_t i = 0; i < classes; ++i) {
    widths.push_back(static_cast<int>(rng.UniformInt(50, 400)));
    problem.demand.push_back(static_cast<int>(rng.UniformInt(10, 200)));
  }
  const PricingCallback pricing = [&widths](std::span<const double> duals) {
    return testing::PriceKnapsackPattern(1000, widths, duals);
  };
  int rounds = 0;
  for (auto _ : state) {
    Result<CoveringSolution> solution = SolveCovering(problem, pricing);
    if (!solution) {
      state.SkipWithError(solution.error().message().c_str());
      return;
    }
    rounds = solution->pricing_rounds;
    benchmark::DoNotOptimize(solution);
  }
  state.counters["pricing_rounds"] = rounds;
}

BENCHMARK(BM_ColumnGenerationRandomCuttingStock)
    ->Arg(10)
    ->Arg(40)
    ->Arg(100)
    ->Unit(benchmark::kMillisecond);

// The exact integer optimum of the roll instance over every pattern, by CBC (GP_WITH_CBC=ON
// builds only), to set the LP bound's cost beside an exact solver's.
void BM_ExactCoverClassicRollsWithCbc(benchmark::State& state) {
  if (!ExactCoverAvailable()) {
    state.SkipWithError("built without CBC (GP_WITH_CBC=OFF)");
    return;
  }
  const CoveringProblem problem{.demand = testing::kItemDemand,
                                .columns = testing::AllRollPatterns()};
  double cost = 0;
  for (auto _ : state) {
    Result<ExactCoverSolution> solution = SolveCoveringExactly(problem, 60);
    if (!solution || !solution->proven_optimal) {
      state.SkipWithError("CBC did not prove optimality");
      return;
    }
    cost = solution->cost;
    benchmark::DoNotOptimize(solution);
  }
  state.counters["optimum"] = cost;
}

BENCHMARK(BM_ExactCoverClassicRollsWithCbc)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gpupack::plan::lp
