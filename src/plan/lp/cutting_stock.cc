#include "plan/lp/cutting_stock.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <string>
#include <utility>

namespace gpupack::plan::lp {

namespace {

// Values within this of an integer count as that integer when rounding.
constexpr double kIntegralityTolerance = 1e-9;
// An artificial (uncovered demand) above this at convergence means the class is not served.
constexpr double kArtificialTolerance = 1e-7;
constexpr int kMaxPenaltyRaises = 3;
constexpr double kPenaltyFactor = 1000;

Status ValidateColumn(const CoverColumn& column, size_t classes, const std::string& name) {
  if (column.coverage.size() != classes) {
    return InvalidArgumentError(name + ": serves " + std::to_string(column.coverage.size()) +
                                " demand classes, expected " + std::to_string(classes));
  }
  if (!std::isfinite(column.cost) || column.cost < 0) {
    return InvalidArgumentError(name + ": cost must be a finite number >= 0, got " +
                                std::to_string(column.cost));
  }
  for (size_t i = 0; i < classes; ++i) {
    if (column.coverage[i] < 0) {
      return InvalidArgumentError(name + ": serves " + std::to_string(column.coverage[i]) +
                                  " units of class " + std::to_string(i) + "; must be >= 0");
    }
  }
  return OkStatus();
}

// Units each class still lacks under `copies`, >= 0.
std::vector<int64_t> Shortfall(const CoveringProblem& problem, std::span<const int64_t> copies) {
  std::vector<int64_t> missing(problem.demand.begin(), problem.demand.end());
  for (size_t j = 0; j < copies.size(); ++j) {
    if (copies[j] == 0) {
      continue;
    }
    const std::vector<int>& coverage = problem.columns[j].coverage;
    for (size_t i = 0; i < missing.size(); ++i) {
      missing[i] -= copies[j] * coverage[i];
    }
  }
  for (int64_t& value : missing) {
    value = std::max<int64_t>(value, 0);
  }
  return missing;
}

// Adds copies, one at a time, of the column with the lowest cost per unit of still-missing
// demand served, until nothing is missing.
Status CompleteGreedily(const CoveringProblem& problem, std::vector<int64_t>& copies) {
  std::vector<int64_t> missing = Shortfall(problem, copies);
  while (true) {
    const auto first_missing =
        std::find_if(missing.begin(), missing.end(), [](int64_t value) { return value > 0; });
    if (first_missing == missing.end()) {
      return OkStatus();
    }
    size_t best = problem.columns.size();
    double best_ratio = kInfinity;
    for (size_t j = 0; j < problem.columns.size(); ++j) {
      int64_t served = 0;
      for (size_t i = 0; i < missing.size(); ++i) {
        served += std::min<int64_t>(missing[i], problem.columns[j].coverage[i]);
      }
      if (served == 0) {
        continue;
      }
      const double ratio = problem.columns[j].cost / static_cast<double>(served);
      if (ratio < best_ratio) {
        best_ratio = ratio;
        best = j;
      }
    }
    if (best == problem.columns.size()) {
      return ResourceExhaustedError("demand class " +
                                    std::to_string(first_missing - missing.begin()) +
                                    " cannot be served by any column");
    }
    ++copies[best];
    for (size_t i = 0; i < missing.size(); ++i) {
      missing[i] = std::max<int64_t>(0, missing[i] - problem.columns[best].coverage[i]);
    }
  }
}

// Removes copies the demand does not need, dearest columns first (ties: later columns first).
void Prune(const CoveringProblem& problem, std::vector<int64_t>& copies) {
  std::vector<int64_t> surplus(problem.demand.size());
  for (size_t i = 0; i < surplus.size(); ++i) {
    surplus[i] = -static_cast<int64_t>(problem.demand[i]);
  }
  for (size_t j = 0; j < copies.size(); ++j) {
    for (size_t i = 0; i < surplus.size(); ++i) {
      surplus[i] += copies[j] * problem.columns[j].coverage[i];
    }
  }
  std::vector<size_t> order(copies.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return problem.columns[a].cost > problem.columns[b].cost ||
           (problem.columns[a].cost == problem.columns[b].cost && a > b);
  });
  for (size_t j : order) {
    int64_t removable = copies[j];
    for (size_t i = 0; i < surplus.size(); ++i) {
      const int coverage = problem.columns[j].coverage[i];
      if (coverage > 0) {
        removable = std::min(removable, surplus[i] / coverage);
      }
    }
    copies[j] -= removable;
    for (size_t i = 0; i < surplus.size(); ++i) {
      surplus[i] -= removable * problem.columns[j].coverage[i];
    }
  }
}

double CostOf(const CoveringProblem& problem, std::span<const int64_t> copies) {
  double cost = 0;
  for (size_t j = 0; j < copies.size(); ++j) {
    cost += problem.columns[j].cost * static_cast<double>(copies[j]);
  }
  return cost;
}

// The master LP: one artificial per class costing `penalty` first, then the columns, so that a
// basis stays valid for the next round's master (which only appends columns).
LinearProgram BuildMaster(const CoveringProblem& problem, double penalty) {
  const size_t classes = problem.demand.size();
  LinearProgram lp;
  for (int demand : problem.demand) {
    lp.AddRow(RowSense::kGreaterEqual, demand);
  }
  std::vector<double> coefficients(classes);
  for (size_t i = 0; i < classes; ++i) {
    std::fill(coefficients.begin(), coefficients.end(), 0.0);
    coefficients[i] = 1;
    lp.AddColumn(penalty, coefficients);
  }
  for (const CoverColumn& column : problem.columns) {
    std::copy(column.coverage.begin(), column.coverage.end(), coefficients.begin());
    lp.AddColumn(column.cost, coefficients);
  }
  return lp;
}

}  // namespace

double CoveringSolution::RelativeGap() const {
  if (lp_bound <= 0) {
    return integer_cost <= 0 ? 0 : kInfinity;
  }
  return (integer_cost - lp_bound) / lp_bound;
}

Status ValidateCoveringProblem(const CoveringProblem& problem) {
  for (size_t i = 0; i < problem.demand.size(); ++i) {
    if (problem.demand[i] < 0) {
      return InvalidArgumentError("demand class " + std::to_string(i) + ": demand " +
                                  std::to_string(problem.demand[i]) + " must be >= 0");
    }
  }
  for (size_t j = 0; j < problem.columns.size(); ++j) {
    GP_TRY(
        ValidateColumn(problem.columns[j], problem.demand.size(), "column " + std::to_string(j)));
  }
  return OkStatus();
}

Result<std::vector<int64_t>> RoundCovering(const CoveringProblem& problem,
                                           std::span<const double> fractional) {
  GP_TRY(ValidateCoveringProblem(problem));
  if (fractional.size() != problem.columns.size()) {
    return InvalidArgumentError("rounding: " + std::to_string(fractional.size()) + " values for " +
                                std::to_string(problem.columns.size()) + " columns");
  }
  std::vector<int64_t> up(fractional.size());
  std::vector<int64_t> down(fractional.size());
  for (size_t j = 0; j < fractional.size(); ++j) {
    const double value = std::max(0.0, fractional[j]);
    up[j] = static_cast<int64_t>(std::ceil(value - kIntegralityTolerance));
    down[j] = static_cast<int64_t>(std::floor(value + kIntegralityTolerance));
  }
  GP_TRY(CompleteGreedily(problem, up));
  GP_TRY(CompleteGreedily(problem, down));
  Prune(problem, up);
  Prune(problem, down);
  return CostOf(problem, down) < CostOf(problem, up) ? down : up;
}

Result<CoveringSolution> SolveCovering(const CoveringProblem& problem,
                                       const PricingCallback& pricing,
                                       const CoveringOptions& options) {
  GP_TRY(ValidateCoveringProblem(problem));
  const size_t classes = problem.demand.size();
  CoveringProblem master = problem;
  double max_cost = 0;
  for (const CoverColumn& column : master.columns) {
    max_cost = std::max(max_cost, column.cost);
  }
  double penalty = kPenaltyFactor * (1 + max_cost);
  int penalty_raises = 0;
  CoveringSolution solution;
  std::optional<LpBasis> basis;
  while (true) {
    if (solution.pricing_rounds >= options.max_pricing_rounds) {
      return DeadlineExceededError("column generation did not converge in " +
                                   std::to_string(options.max_pricing_rounds) + " rounds");
    }
    ++solution.pricing_rounds;
    const LinearProgram lp = BuildMaster(master, penalty);
    GP_ASSIGN_OR_RETURN(LpSolution lp_solution,
                        SolveLp(lp, options.simplex, basis ? &*basis : nullptr));
    if (lp_solution.status != LpStatus::kOptimal) {
      // Artificials make the master feasible and costs >= 0 make it bounded.
      return InternalError("column generation: master LP not optimal (numerical trouble)");
    }
    basis = std::move(lp_solution.basis);
    // Covering duals are >= 0; rounding can leave -1e-16, which the callback need not handle.
    for (double& dual : lp_solution.duals) {
      dual = std::max(dual, 0.0);
    }
    if (pricing) {
      std::optional<CoverColumn> column = pricing(lp_solution.duals);
      if (column) {
        GP_TRY(ValidateColumn(*column, classes,
                              "priced column " + std::to_string(master.columns.size())));
        double reduced_cost = column->cost;
        for (size_t i = 0; i < classes; ++i) {
          reduced_cost -= lp_solution.duals[i] * column->coverage[i];
        }
        if (reduced_cost >= -options.reduced_cost_tolerance) {
          return InternalError(
              "column generation: the pricing callback returned a column with "
              "reduced cost " +
              std::to_string(reduced_cost) +
              " >= 0; it must return nullopt when no column improves");
        }
        master.columns.push_back(*std::move(column));
        continue;
      }
    }
    size_t uncovered = classes;
    for (size_t i = 0; i < classes; ++i) {
      if (lp_solution.x[i] > kArtificialTolerance) {
        uncovered = i;
        break;
      }
    }
    if (uncovered != classes) {
      if (!pricing || penalty_raises == kMaxPenaltyRaises) {
        return ResourceExhaustedError("demand class " + std::to_string(uncovered) + " (" +
                                      std::to_string(problem.demand[uncovered]) +
                                      " units) cannot be served by any column");
      }
      ++penalty_raises;
      penalty *= kPenaltyFactor;
      continue;
    }
    solution.lp_bound = lp_solution.objective;
    for (size_t i = 0; i < classes; ++i) {
      // The artificials sit at (numerically) zero; their cost does not belong in the bound.
      solution.lp_bound -= penalty * lp_solution.x[i];
    }
    solution.fractional.assign(lp_solution.x.begin() + static_cast<ptrdiff_t>(classes),
                               lp_solution.x.end());
    solution.duals = std::move(lp_solution.duals);
    break;
  }
  GP_ASSIGN_OR_RETURN(solution.integer, RoundCovering(master, solution.fractional));
  solution.integer_cost = CostOf(master, solution.integer);
  solution.columns = std::move(master.columns);
  return solution;
}

}  // namespace gpupack::plan::lp
