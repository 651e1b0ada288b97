// SolveCoveringExactly through CBC's C API (GP_WITH_CBC=ON). The only file that sees CBC.
#include <cmath>
#include <cstddef>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <coin/Cbc_C_Interface.h>

#include "plan/lp/exact_cover.h"

namespace gpupack::plan::lp {

namespace {

struct CbcModelDeleter {
  void operator()(Cbc_Model* model) const { Cbc_deleteModel(model); }
};

using CbcModelPtr = std::unique_ptr<Cbc_Model, CbcModelDeleter>;

Status CheckCoverable(const CoveringProblem& problem) {
  for (size_t i = 0; i < problem.demand.size(); ++i) {
    if (problem.demand[i] == 0) {
      continue;
    }
    bool served = false;
    for (const CoverColumn& column : problem.columns) {
      served = served || column.coverage[i] > 0;
    }
    if (!served) {
      return ResourceExhaustedError("demand class " + std::to_string(i) + " (" +
                                    std::to_string(problem.demand[i]) +
                                    " units) cannot be served by any column");
    }
  }
  return OkStatus();
}

Result<ExactCoverSolution> Solve(const CoveringProblem& problem, double time_limit_seconds) {
  const int rows = static_cast<int>(problem.demand.size());
  const int columns = static_cast<int>(problem.columns.size());
  // Compressed sparse columns, as Cbc_loadProblem wants them.
  std::vector<CoinBigIndex> starts{0};
  std::vector<int> indices;
  std::vector<double> values;
  std::vector<double> costs;
  for (const CoverColumn& column : problem.columns) {
    for (int i = 0; i < rows; ++i) {
      const int coverage = column.coverage[static_cast<size_t>(i)];
      if (coverage != 0) {
        indices.push_back(i);
        values.push_back(coverage);
      }
    }
    starts.push_back(static_cast<CoinBigIndex>(indices.size()));
    costs.push_back(column.cost);
  }
  const std::vector<double> column_lower(problem.columns.size(), 0.0);
  const std::vector<double> column_upper(problem.columns.size(),
                                         std::numeric_limits<double>::max());
  const std::vector<double> row_lower(problem.demand.begin(), problem.demand.end());
  const std::vector<double> row_upper(problem.demand.size(), std::numeric_limits<double>::max());

  CbcModelPtr model(Cbc_newModel());
  if (model == nullptr) {
    return InternalError("CBC: could not create a model");
  }
  Cbc_loadProblem(model.get(), columns, rows, starts.data(), indices.data(), values.data(),
                  column_lower.data(), column_upper.data(), costs.data(), row_lower.data(),
                  row_upper.data());
  for (int j = 0; j < columns; ++j) {
    Cbc_setInteger(model.get(), j);
  }
  Cbc_setLogLevel(model.get(), 0);
  Cbc_setMaximumSeconds(model.get(), time_limit_seconds);
  Cbc_solve(model.get());
  if (Cbc_isProvenInfeasible(model.get()) != 0) {
    return ResourceExhaustedError("CBC: the covering problem is infeasible");
  }
  const double* best = Cbc_bestSolution(model.get());
  if (best == nullptr) {
    return DeadlineExceededError("CBC found no integer solution within " +
                                 std::to_string(time_limit_seconds) + " s");
  }
  ExactCoverSolution solution;
  // Appended rather than resized then assigned: GCC 12 at -O2 reports a bogus
  // -Wnull-dereference inside vector::resize here.
  solution.copies.reserve(problem.columns.size());
  for (size_t j = 0; j < problem.columns.size(); ++j) {
    const auto copies = static_cast<int64_t>(std::llround(best[j]));
    solution.copies.push_back(copies);
    solution.cost += problem.columns[j].cost * static_cast<double>(copies);
  }
  solution.proven_optimal = Cbc_isProvenOptimal(model.get()) != 0;
  solution.best_bound =
      solution.proven_optimal ? solution.cost : Cbc_getBestPossibleObjValue(model.get());
  return solution;
}

}  // namespace

bool ExactCoverAvailable() { return true; }

Result<ExactCoverSolution> SolveCoveringExactly(const CoveringProblem& problem,
                                                double time_limit_seconds) {
  GP_TRY(ValidateCoveringProblem(problem));
  if (!(time_limit_seconds > 0) || !std::isfinite(time_limit_seconds)) {
    return InvalidArgumentError(
        "exact covering solver: time limit must be a positive number of "
        "seconds");
  }
  GP_TRY(CheckCoverable(problem));
  if (problem.columns.empty()) {
    return ExactCoverSolution{.copies = {}, .cost = 0, .best_bound = 0, .proven_optimal = true};
  }
  // CBC is C++ underneath its C API; keep any exception it lets escape from crossing ours.
  try {
    return Solve(problem, time_limit_seconds);
  } catch (...) {
    return InternalError("CBC threw an exception while solving the covering problem");
  }
}

}  // namespace gpupack::plan::lp
