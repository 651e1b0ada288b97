#include "plan/lp/simplex.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "common/check.h"

namespace gpupack::plan::lp {

int LinearProgram::AddRow(RowSense sense, double rhs_value) {
  GP_CHECK(objective.empty(), "LinearProgram::AddRow after columns were added");
  senses.push_back(sense);
  rhs.push_back(rhs_value);
  return num_rows() - 1;
}

int LinearProgram::AddColumn(double cost, std::span<const double> coefficients,
                             double upper_bound) {
  GP_CHECK(coefficients.size() == rhs.size(), "LinearProgram::AddColumn: one coefficient per row");
  objective.push_back(cost);
  upper_bounds.push_back(upper_bound);
  matrix.insert(matrix.end(), coefficients.begin(), coefficients.end());
  return num_columns() - 1;
}

double LinearProgram::Coefficient(int row, int column) const {
  return matrix[static_cast<size_t>(column) * rhs.size() + static_cast<size_t>(row)];
}

namespace {

enum class VarState : uint8_t { kBasic, kAtLower, kAtUpper };

// Steps shorter than this count as degenerate, and ratio-test steps this close (relatively) to
// the shortest count as ties.
constexpr double kStepTieTolerance = 1e-12;
// A pivot smaller than this during refactorisation means the basis is numerically singular.
constexpr double kSingularPivot = 1e-11;

// Dot product with four accumulators: the compiler may not reorder a floating-point reduction
// itself, and one accumulator leaves the dense B^-1 products latency-bound.
double Dot(const double* a, const double* b, size_t n) {
  double s0 = 0;
  double s1 = 0;
  double s2 = 0;
  double s3 = 0;
  size_t k = 0;
  for (; k + 4 <= n; k += 4) {
    s0 += a[k] * b[k];
    s1 += a[k + 1] * b[k + 1];
    s2 += a[k + 2] * b[k + 2];
    s3 += a[k + 3] * b[k + 3];
  }
  for (; k < n; ++k) {
    s0 += a[k] * b[k];
  }
  return (s0 + s1) + (s2 + s3);
}

// Whether a row holds up to a relative 1e-6: looser than the solver's own tolerances, since it
// only catches a solution that numerical trouble has made wrong.
bool RowSatisfied(RowSense sense, double activity, double rhs) {
  const double tolerance = 1e-6 * (1 + std::abs(rhs));
  switch (sense) {
    case RowSense::kGreaterEqual:
      return activity >= rhs - tolerance;
    case RowSense::kLessEqual:
      return activity <= rhs + tolerance;
    case RowSense::kEqual:
      return std::abs(activity - rhs) <= tolerance;
  }
  return false;
}

Status Validate(const LinearProgram& lp) {
  const size_t rows = lp.rhs.size();
  const size_t columns = lp.objective.size();
  if (lp.senses.size() != rows) {
    return InvalidArgumentError("linear program: " + std::to_string(lp.senses.size()) +
                                " row senses for " + std::to_string(rows) + " rows");
  }
  if (lp.upper_bounds.size() != columns) {
    return InvalidArgumentError("linear program: " + std::to_string(lp.upper_bounds.size()) +
                                " upper bounds for " + std::to_string(columns) + " columns");
  }
  if (lp.matrix.size() != rows * columns) {
    return InvalidArgumentError(
        "linear program: matrix has " + std::to_string(lp.matrix.size()) +
        " coefficients, expected rows x columns = " + std::to_string(rows * columns));
  }
  for (size_t i = 0; i < rows; ++i) {
    if (!std::isfinite(lp.rhs[i])) {
      return InvalidArgumentError("linear program: row " + std::to_string(i) +
                                  ": right-hand side is not a finite number");
    }
  }
  for (size_t j = 0; j < columns; ++j) {
    if (!std::isfinite(lp.objective[j])) {
      return InvalidArgumentError("linear program: column " + std::to_string(j) +
                                  ": cost is not a finite number");
    }
    if (std::isnan(lp.upper_bounds[j]) || lp.upper_bounds[j] < 0) {
      return InvalidArgumentError("linear program: column " + std::to_string(j) +
                                  ": upper bound must be >= 0");
    }
  }
  for (size_t k = 0; k < lp.matrix.size(); ++k) {
    if (!std::isfinite(lp.matrix[k])) {
      return InvalidArgumentError("linear program: row " + std::to_string(k % rows) + ", column " +
                                  std::to_string(k / rows) +
                                  ": coefficient is not a finite number");
    }
  }
  return OkStatus();
}

Status ValidateBasis(const LinearProgram& lp, const LpBasis& basis) {
  const int rows = lp.num_rows();
  const int columns = lp.num_columns();
  if (basis.basic.size() != lp.rhs.size()) {
    return InvalidArgumentError("warm-start basis: " + std::to_string(basis.basic.size()) +
                                " basic variables for " + std::to_string(rows) + " rows");
  }
  std::vector<bool> seen(static_cast<size_t>(rows + columns), false);
  for (int var : basis.basic) {
    if (var < -rows || var >= columns) {
      return InvalidArgumentError("warm-start basis: variable " + std::to_string(var) +
                                  " out of range");
    }
    const auto slot = static_cast<size_t>(var + rows);
    if (seen[slot]) {
      return InvalidArgumentError("warm-start basis: variable " + std::to_string(var) +
                                  " listed twice");
    }
    seen[slot] = true;
  }
  for (int column : basis.at_upper) {
    if (column < 0 || column >= columns || seen[static_cast<size_t>(column + rows)] ||
        lp.upper_bounds[static_cast<size_t>(column)] == kInfinity) {
      return InvalidArgumentError("warm-start basis: column " + std::to_string(column) +
                                  " cannot sit at its upper bound");
    }
  }
  return OkStatus();
}

// The working state of one solve. Variables are numbered: structural columns [0, n), then one
// logical per row [n, n + m) (slack +1 for <=, surplus -1 for >=, a fixed-at-zero +1 for =), then
// one artificial per row [n + m, n + 2m) (+1, free only in phase 1 and only for >= and = rows).
// Rows are negated where b_i < 0 so that the starting basis (slacks and artificials) is feasible.
class Simplex {
 public:
  Simplex(const LinearProgram& lp, const SimplexOptions& options)
      : lp_(lp),
        options_(options),
        m_(lp.rhs.size()),
        n_(lp.objective.size()),
        total_(n_ + 2 * m_) {
    // Sized here rather than in the initialiser list: GCC 12 at -O2 reports a bogus
    // -Wfree-nonheap-object for the unwinding path of a long list of vector initialisers.
    row_sign_.assign(m_, 1.0);
    logical_coefficient_.assign(m_, 1.0);
    upper_.assign(total_, kInfinity);
    cost_.assign(total_, 0.0);
    state_.assign(total_, VarState::kAtLower);
    basis_.assign(m_, 0);
    basic_value_.assign(m_, 0.0);
    inverse_.assign(m_ * m_, 0.0);
    internal_rhs_.assign(m_, 0.0);
    duals_.assign(m_, 0.0);
    signed_duals_.assign(m_, 0.0);
    column_.assign(m_, 0.0);
    alpha_.assign(m_, 0.0);
    reduced_.assign(total_, 0.0);
    pivot_row_.assign(total_, 0.0);
    max_iterations_ = options.max_iterations > 0 ? static_cast<int64_t>(options.max_iterations)
                                                 : 20 * static_cast<int64_t>(m_ + n_) + 1000;
    segment_ = options.pricing_segment > 0 ? static_cast<size_t>(options.pricing_segment)
                                           : std::max<size_t>(1000, total_ / 8);
    double max_rhs = 1;
    for (size_t i = 0; i < m_; ++i) {
      max_rhs = std::max(max_rhs, std::abs(lp.rhs[i]));
    }
    feasibility_scale_ = options.feasibility_tolerance * max_rhs;
    for (size_t j = 0; j < n_; ++j) {
      upper_[j] = lp.upper_bounds[j];
    }
    for (size_t i = 0; i < m_; ++i) {
      RowSense sense = lp.senses[i];
      if (lp.rhs[i] < 0) {
        row_sign_[i] = -1;
        if (sense == RowSense::kGreaterEqual) {
          sense = RowSense::kLessEqual;
        } else if (sense == RowSense::kLessEqual) {
          sense = RowSense::kGreaterEqual;
        }
      }
      internal_rhs_[i] = row_sign_[i] * lp.rhs[i];
      const size_t logical = n_ + i;
      const size_t artificial = n_ + m_ + i;
      switch (sense) {
        case RowSense::kLessEqual:
          basis_[i] = logical;
          upper_[artificial] = 0;
          break;
        case RowSense::kGreaterEqual:
          logical_coefficient_[i] = -1;
          basis_[i] = artificial;
          break;
        case RowSense::kEqual:
          upper_[logical] = 0;
          basis_[i] = artificial;
          break;
      }
      state_[basis_[i]] = VarState::kBasic;
    }
    // The structural columns as compressed sparse columns with the row signs applied: pricing
    // and the dual simplex's pivot row read every column each iteration, and covering matrices
    // are mostly zeros.
    column_start_.reserve(n_ + 1);
    column_start_.push_back(0);
    for (size_t j = 0; j < n_; ++j) {
      const double* a = lp.matrix.data() + j * m_;
      for (size_t i = 0; i < m_; ++i) {
        if (a[i] != 0) {
          entry_row_.push_back(static_cast<uint32_t>(i));
          entry_value_.push_back(row_sign_[i] * a[i]);
        }
      }
      column_start_.push_back(entry_row_.size());
    }
  }

  Result<LpSolution> Solve() {
    if (StartFromDualFeasibleBasis()) {
      GP_TRY(Refactor());
      return Finish(/*primal_feasible=*/false);
    }
    GP_TRY(Refactor());
    GP_ASSIGN_OR_RETURN(bool feasible, RunPrimalPhaseOne());
    if (!feasible) {
      LpSolution solution;
      solution.status = LpStatus::kInfeasible;
      solution.iterations = static_cast<int>(iterations_);
      return solution;
    }
    return Finish(/*primal_feasible=*/true);
  }

  // Solves from a caller's basis (validated by ValidateBasis). Returns nullopt when that basis
  // is singular or neither primal nor dual feasible; the caller then starts cold.
  std::optional<Result<LpSolution>> SolveFrom(const LpBasis& start) {
    for (size_t var = 0; var < total_; ++var) {
      state_[var] = VarState::kAtLower;
    }
    for (size_t j = 0; j < n_; ++j) {
      cost_[j] = lp_.objective[j];
    }
    for (size_t i = 0; i < m_; ++i) {
      upper_[n_ + m_ + i] = 0;
      const int var = start.basic[i];
      basis_[i] = var >= 0 ? static_cast<size_t>(var) : n_ + static_cast<size_t>(-1 - var);
      state_[basis_[i]] = VarState::kBasic;
    }
    for (int column : start.at_upper) {
      state_[static_cast<size_t>(column)] = VarState::kAtUpper;
    }
    if (!Refactor()) {
      return std::nullopt;
    }
    bool primal_feasible = true;
    for (size_t i = 0; i < m_; ++i) {
      primal_feasible = primal_feasible && basic_value_[i] >= -feasibility_scale_ &&
                        basic_value_[i] <= upper_[basis_[i]] + feasibility_scale_;
    }
    if (!primal_feasible) {
      ComputeReducedCosts();
      for (size_t var = 0; var < total_; ++var) {
        if (state_[var] != VarState::kBasic && upper_[var] > 0 &&
            std::abs(ClampedReducedCost(var) - reduced_[var]) > options_.optimality_tolerance) {
          return std::nullopt;
        }
      }
    }
    return Finish(primal_feasible);
  }

 private:
  // From a basis that is primal feasible (or else dual feasible): the dual simplex when needed,
  // then primal phase 2 (which after the dual simplex only removes the small dual
  // infeasibilities the Harris ratio test may leave, usually in zero pivots).
  Result<LpSolution> Finish(bool primal_feasible) {
    LpSolution solution;
    if (!primal_feasible) {
      GP_ASSIGN_OR_RETURN(primal_feasible, RunDual());
    }
    if (!primal_feasible) {
      solution.status = LpStatus::kInfeasible;
      solution.iterations = static_cast<int>(iterations_);
      return solution;
    }
    GP_ASSIGN_OR_RETURN(bool bounded, RunPhase());
    solution.iterations = static_cast<int>(iterations_);
    if (!bounded) {
      solution.status = LpStatus::kUnbounded;
      return solution;
    }
    GP_TRY(Extract(solution));
    return solution;
  }

  // Switches to the all-logical basis with the real costs when it is dual feasible: every
  // structural column with a negative cost has a finite upper bound to sit at (covering LPs,
  // where every cost is >= 0, always qualify). Returns false, changing nothing, otherwise.
  bool StartFromDualFeasibleBasis() {
    for (size_t j = 0; j < n_; ++j) {
      if (lp_.objective[j] < -options_.optimality_tolerance && upper_[j] == kInfinity) {
        return false;
      }
    }
    for (size_t j = 0; j < n_; ++j) {
      cost_[j] = lp_.objective[j];
      if (cost_[j] < -options_.optimality_tolerance) {
        state_[j] = VarState::kAtUpper;
      }
    }
    for (size_t i = 0; i < m_; ++i) {
      state_[basis_[i]] = VarState::kAtLower;
      basis_[i] = n_ + i;
      state_[n_ + i] = VarState::kBasic;
      upper_[n_ + m_ + i] = 0;
    }
    return true;
  }

  // Phase 1 of the primal simplex: minimises the sum of the artificials, then fixes them at
  // zero and installs the real costs. Returns false when the LP is infeasible.
  Result<bool> RunPrimalPhaseOne() {
    for (size_t i = 0; i < m_; ++i) {
      cost_[n_ + m_ + i] = 1;
    }
    GP_ASSIGN_OR_RETURN(bool bounded, RunPhase());
    if (!bounded) {
      // Impossible in exact arithmetic: the phase 1 objective is bounded below by zero.
      return InternalError("simplex: phase 1 reported an unbounded direction (numerical trouble)");
    }
    double infeasibility = 0;
    for (size_t i = 0; i < m_; ++i) {
      if (basis_[i] >= n_ + m_) {
        infeasibility += basic_value_[i];
      }
    }
    if (infeasibility > feasibility_scale_) {
      return false;
    }
    // The ratio test removes any artificial still basic (at zero) as soon as a pivot touches
    // its row.
    for (size_t i = 0; i < m_; ++i) {
      cost_[n_ + m_ + i] = 0;
      upper_[n_ + m_ + i] = 0;
    }
    for (size_t j = 0; j < n_; ++j) {
      cost_[j] = lp_.objective[j];
    }
    return true;
  }

  // The dual simplex from a dual feasible basis: the leaving row is the basic variable whose
  // bound violation is largest relative to the norm of its row of B^-1 (dual steepest edge,
  // exact since B^-1 is explicit); the entering column comes from a Harris two-pass ratio test
  // over that row of B^-1 A. Returns false when a violated row has no entering column, which
  // proves the LP infeasible.
  Result<bool> RunDual() {
    bland_ = false;
    degenerate_run_ = 0;
    ComputeReducedCosts();
    while (true) {
      const size_t leaving_row = ChooseLeavingRow();
      if (leaving_row == m_) {
        if (pivots_since_refactor_ == 0) {
          return true;
        }
        GP_TRY(Refactor());
        ComputeReducedCosts();
        continue;
      }
      if (++iterations_ > max_iterations_) {
        return DeadlineExceededError("simplex: iteration limit of " +
                                     std::to_string(max_iterations_) + " reached");
      }
      const size_t leaving = basis_[leaving_row];
      const bool to_lower = basic_value_[leaving_row] < 0;
      const double violation =
          to_lower ? basic_value_[leaving_row] : basic_value_[leaving_row] - upper_[leaving];
      ComputePivotRow(leaving_row);
      const size_t entering = DualRatioTest(to_lower);
      if (entering == total_) {
        return false;
      }
      const double dual_step = ClampedReducedCost(entering) / pivot_row_[entering];
      for (size_t var = 0; var < total_; ++var) {
        if (pivot_row_[var] != 0) {
          reduced_[var] -= dual_step * pivot_row_[var];
        }
      }
      reduced_[entering] = 0;
      reduced_[leaving] = -dual_step;
      LoadColumn(entering);
      for (size_t i = 0; i < m_; ++i) {
        alpha_[i] = Dot(&inverse_[i * m_], column_.data(), m_);
      }
      const double primal_step = violation / alpha_[leaving_row];
      for (size_t i = 0; i < m_; ++i) {
        basic_value_[i] -= primal_step * alpha_[i];
      }
      const double entering_value =
          (state_[entering] == VarState::kAtUpper ? upper_[entering] : 0) + primal_step;
      state_[leaving] = to_lower ? VarState::kAtLower : VarState::kAtUpper;
      ReplaceBasic(leaving_row, entering, entering_value);
      UpdateDegeneracy(std::abs(dual_step));
      if (pivots_since_refactor_ >= options_.refactor_interval) {
        GP_TRY(Refactor());
        ComputeReducedCosts();
      }
    }
  }

  void ComputeReducedCosts() {
    ComputeDuals();
    for (size_t var = 0; var < total_; ++var) {
      reduced_[var] = state_[var] == VarState::kBasic ? 0 : ReducedCost(var);
    }
  }

  // A nonbasic reduced cost with a sign that would break dual feasibility read as zero.
  double ClampedReducedCost(size_t var) const {
    return state_[var] == VarState::kAtLower ? std::max(reduced_[var], 0.0)
                                             : std::min(reduced_[var], 0.0);
  }

  // The basic row violating its bounds most per unit of dual steepest-edge weight, m_ when none
  // does (Bland's rule: the violated row whose basic variable has the lowest index).
  size_t ChooseLeavingRow() const {
    size_t best = m_;
    double best_score = 0;
    for (size_t i = 0; i < m_; ++i) {
      const double value = basic_value_[i];
      const double upper = upper_[basis_[i]];
      double violation = 0;
      if (value < -feasibility_scale_) {
        violation = -value;
      } else if (value > upper + feasibility_scale_) {
        violation = value - upper;
      }
      if (violation == 0) {
        continue;
      }
      if (bland_) {
        if (best == m_ || basis_[i] < basis_[best]) {
          best = i;
        }
        continue;
      }
      const double* row = &inverse_[i * m_];
      const double weight = Dot(row, row, m_);
      const double score = violation * violation / weight;
      if (score > best_score) {
        best_score = score;
        best = i;
      }
    }
    return best;
  }

  // pivot_row_[var] = (row r of B^-1) · a_var for the nonbasic, non-fixed variables, else 0.
  void ComputePivotRow(size_t leaving_row) {
    const double* rho = &inverse_[leaving_row * m_];
    for (size_t var = 0; var < total_; ++var) {
      if (state_[var] == VarState::kBasic || upper_[var] == 0) {
        pivot_row_[var] = 0;
      } else if (var < n_) {
        pivot_row_[var] = SparseDot(rho, var);
      } else if (var < n_ + m_) {
        pivot_row_[var] = logical_coefficient_[var - n_] * rho[var - n_];
      } else {
        pivot_row_[var] = rho[var - n_ - m_];
      }
    }
  }

  // The entering variable for a leaving row that goes to its lower bound (`to_lower`) or upper
  // bound, total_ when none can enter. Harris: the first pass finds the longest dual step that
  // keeps every reduced cost within the optimality tolerance of its sign, the second picks the
  // largest pivot among the columns whose own ratio fits in it. Bland mode: the exact shortest
  // step, lowest index among ties.
  size_t DualRatioTest(bool to_lower) const {
    const double sign = to_lower ? -1.0 : 1.0;
    auto candidate_rate = [&](size_t var) {
      const double rate = sign * pivot_row_[var];
      if (state_[var] == VarState::kAtLower && rate > options_.pivot_tolerance) {
        return rate;
      }
      if (state_[var] == VarState::kAtUpper && rate < -options_.pivot_tolerance) {
        return -rate;
      }
      return 0.0;
    };
    double bound = kInfinity;
    for (size_t var = 0; var < total_; ++var) {
      const double rate = candidate_rate(var);
      if (rate > 0) {
        const double slack = bland_ ? 0 : options_.optimality_tolerance;
        bound = std::min(bound, (std::abs(ClampedReducedCost(var)) + slack) / rate);
      }
    }
    if (bound == kInfinity) {
      return total_;
    }
    const double limit = bound + kStepTieTolerance * (1 + bound);
    size_t best = total_;
    double best_rate = 0;
    for (size_t var = 0; var < total_; ++var) {
      const double rate = candidate_rate(var);
      if (rate == 0 || std::abs(ClampedReducedCost(var)) / rate > limit) {
        continue;
      }
      if (bland_) {
        return var;
      }
      if (rate > best_rate) {
        best_rate = rate;
        best = var;
      }
    }
    return best;
  }

  // Makes `entering` basic in `row` with `value` and updates B^-1 from alpha_ (= B^-1 a_entering):
  // the pivot row is divided by alpha_row, the others lose alpha_i times it. The leaving
  // variable's state must already be set.
  void ReplaceBasic(size_t row, size_t entering, double value) {
    state_[entering] = VarState::kBasic;
    basis_[row] = entering;
    basic_value_[row] = value;
    double* pivot = &inverse_[row * m_];
    const double scale = 1 / alpha_[row];
    for (size_t k = 0; k < m_; ++k) {
      pivot[k] *= scale;
    }
    for (size_t i = 0; i < m_; ++i) {
      const double factor = alpha_[i];
      if (i == row || factor == 0) {
        continue;
      }
      double* target = &inverse_[i * m_];
      for (size_t k = 0; k < m_; ++k) {
        target[k] -= factor * pivot[k];
      }
    }
    ++pivots_since_refactor_;
  }

  // Sum over structural column `var`'s nonzeros of vector[row] * a_row,var (row signs applied).
  double SparseDot(const double* vector, size_t var) const {
    double sum = 0;
    for (size_t k = column_start_[var]; k < column_start_[var + 1]; ++k) {
      sum += vector[entry_row_[k]] * entry_value_[k];
    }
    return sum;
  }

  // Writes the internal (row-sign-adjusted) column of variable `var` into column_.
  void LoadColumn(size_t var) {
    std::fill(column_.begin(), column_.end(), 0.0);
    if (var < n_) {
      for (size_t k = column_start_[var]; k < column_start_[var + 1]; ++k) {
        column_[entry_row_[k]] = entry_value_[k];
      }
      return;
    }
    if (var < n_ + m_) {
      column_[var - n_] = logical_coefficient_[var - n_];
    } else {
      column_[var - n_ - m_] = 1;
    }
  }

  // c_j - y·a_j with the current duals.
  double ReducedCost(size_t var) const {
    if (var < n_) {
      return cost_[var] - SparseDot(duals_.data(), var);
    }
    if (var < n_ + m_) {
      return cost_[var] - logical_coefficient_[var - n_] * duals_[var - n_];
    }
    return cost_[var] - duals_[var - n_ - m_];
  }

  // y = c_B B^-1 (internal rows), and the same with the row signs applied (original rows).
  void ComputeDuals() {
    std::fill(duals_.begin(), duals_.end(), 0.0);
    for (size_t i = 0; i < m_; ++i) {
      const double cb = cost_[basis_[i]];
      if (cb == 0) {
        continue;
      }
      const double* row = &inverse_[i * m_];
      for (size_t k = 0; k < m_; ++k) {
        duals_[k] += cb * row[k];
      }
    }
    for (size_t k = 0; k < m_; ++k) {
      signed_duals_[k] = row_sign_[k] * duals_[k];
    }
  }

  // Whether `var` may enter and by how much its reduced cost `d` improves the objective.
  double Improvement(size_t var, double d) const {
    if (state_[var] == VarState::kBasic || upper_[var] == 0) {
      return 0;
    }
    if (state_[var] == VarState::kAtLower) {
      return d < -options_.optimality_tolerance ? -d : 0;
    }
    return d > options_.optimality_tolerance ? d : 0;
  }

  // Returns the entering variable, or total_ when none improves.
  size_t ChooseEntering() {
    if (bland_) {
      for (size_t var = 0; var < total_; ++var) {
        if (Improvement(var, ReducedCost(var)) > 0) {
          return var;
        }
      }
      return total_;
    }
    size_t scanned = 0;
    while (scanned < total_) {
      const size_t count = std::min(segment_, total_ - scanned);
      size_t best = total_;
      double best_improvement = 0;
      for (size_t k = 0; k < count; ++k) {
        const size_t var = (pricing_start_ + k) % total_;
        const double improvement = Improvement(var, ReducedCost(var));
        if (improvement > best_improvement) {
          best_improvement = improvement;
          best = var;
        }
      }
      pricing_start_ = (pricing_start_ + count) % total_;
      scanned += count;
      if (best != total_) {
        return best;
      }
    }
    return total_;
  }

  // Recomputes B^-1 from the basis by Gauss-Jordan elimination with partial pivoting, then the
  // basic values from it.
  Status Refactor() {
    std::vector<double> work(m_ * m_);  // work[i * m + p]: row i of B, column p = basis_[p]
    for (size_t p = 0; p < m_; ++p) {
      LoadColumn(basis_[p]);
      for (size_t i = 0; i < m_; ++i) {
        work[i * m_ + p] = column_[i];
      }
    }
    std::fill(inverse_.begin(), inverse_.end(), 0.0);
    for (size_t i = 0; i < m_; ++i) {
      inverse_[i * m_ + i] = 1;
    }
    for (size_t p = 0; p < m_; ++p) {
      size_t pivot_row = p;
      for (size_t i = p + 1; i < m_; ++i) {
        if (std::abs(work[i * m_ + p]) > std::abs(work[pivot_row * m_ + p])) {
          pivot_row = i;
        }
      }
      if (std::abs(work[pivot_row * m_ + p]) < kSingularPivot) {
        return InternalError("simplex: the basis became numerically singular");
      }
      if (pivot_row != p) {
        std::swap_ranges(work.begin() + static_cast<ptrdiff_t>(p * m_),
                         work.begin() + static_cast<ptrdiff_t>((p + 1) * m_),
                         work.begin() + static_cast<ptrdiff_t>(pivot_row * m_));
        std::swap_ranges(inverse_.begin() + static_cast<ptrdiff_t>(p * m_),
                         inverse_.begin() + static_cast<ptrdiff_t>((p + 1) * m_),
                         inverse_.begin() + static_cast<ptrdiff_t>(pivot_row * m_));
      }
      const double scale = 1 / work[p * m_ + p];
      for (size_t k = 0; k < m_; ++k) {
        work[p * m_ + k] *= scale;
        inverse_[p * m_ + k] *= scale;
      }
      for (size_t i = 0; i < m_; ++i) {
        const double factor = work[i * m_ + p];
        if (i == p || factor == 0) {
          continue;
        }
        for (size_t k = 0; k < m_; ++k) {
          work[i * m_ + k] -= factor * work[p * m_ + k];
          inverse_[i * m_ + k] -= factor * inverse_[p * m_ + k];
        }
      }
    }
    // x_B = B^-1 (b - sum over nonbasic-at-upper of a_j u_j).
    std::vector<double> residual = internal_rhs_;
    for (size_t var = 0; var < total_; ++var) {
      if (state_[var] == VarState::kAtUpper) {
        LoadColumn(var);
        for (size_t i = 0; i < m_; ++i) {
          residual[i] -= column_[i] * upper_[var];
        }
      }
    }
    for (size_t i = 0; i < m_; ++i) {
      basic_value_[i] = Dot(&inverse_[i * m_], residual.data(), m_);
    }
    pivots_since_refactor_ = 0;
    return OkStatus();
  }

  // Runs the simplex with the current costs to optimality. Returns false when unbounded.
  Result<bool> RunPhase() {
    bland_ = false;
    degenerate_run_ = 0;
    while (true) {
      ComputeDuals();
      const size_t entering = ChooseEntering();
      if (entering == total_) {
        if (pivots_since_refactor_ == 0) {
          return true;
        }
        // Confirm optimality on a freshly computed inverse.
        GP_TRY(Refactor());
        continue;
      }
      if (++iterations_ > max_iterations_) {
        return DeadlineExceededError("simplex: iteration limit of " +
                                     std::to_string(max_iterations_) + " reached");
      }
      GP_ASSIGN_OR_RETURN(bool bounded, Pivot(entering));
      if (!bounded) {
        return false;
      }
      if (pivots_since_refactor_ >= options_.refactor_interval) {
        GP_TRY(Refactor());
      }
    }
  }

  // Moves `entering` off its bound as far as the ratio test allows. Returns false when nothing
  // limits the step (unbounded direction).
  Result<bool> Pivot(size_t entering) {
    LoadColumn(entering);
    for (size_t i = 0; i < m_; ++i) {
      alpha_[i] = Dot(&inverse_[i * m_], column_.data(), m_);
    }
    const double direction = state_[entering] == VarState::kAtLower ? 1.0 : -1.0;
    double shortest = kInfinity;
    for (size_t i = 0; i < m_; ++i) {
      const double step = RowStep(i, direction);
      shortest = std::min(shortest, step);
    }
    const double flip_step = upper_[entering];
    size_t leaving_row = m_;
    if (shortest < flip_step) {
      const double tie = shortest + kStepTieTolerance * (1 + shortest);
      for (size_t i = 0; i < m_; ++i) {
        if (RowStep(i, direction) > tie) {
          continue;
        }
        if (leaving_row == m_ || (bland_ ? basis_[i] < basis_[leaving_row]
                                         : std::abs(alpha_[i]) > std::abs(alpha_[leaving_row]))) {
          leaving_row = i;
        }
      }
    }
    const double step = leaving_row == m_ ? flip_step : shortest;
    if (step == kInfinity) {
      return false;
    }
    for (size_t i = 0; i < m_; ++i) {
      basic_value_[i] -= direction * step * alpha_[i];
    }
    UpdateDegeneracy(step);
    if (leaving_row == m_) {
      ++pivots_since_refactor_;
      state_[entering] =
          state_[entering] == VarState::kAtLower ? VarState::kAtUpper : VarState::kAtLower;
      return true;
    }
    const double entering_value =
        state_[entering] == VarState::kAtLower ? step : upper_[entering] - step;
    state_[basis_[leaving_row]] =
        direction * alpha_[leaving_row] > 0 ? VarState::kAtLower : VarState::kAtUpper;
    ReplaceBasic(leaving_row, entering, entering_value);
    return true;
  }

  // How far the entering variable may move before basic row i reaches a bound (kInfinity when
  // it never does or the pivot element is too small to trust).
  double RowStep(size_t i, double direction) const {
    const double rate = direction * alpha_[i];  // basic value decreases at this rate
    if (rate > options_.pivot_tolerance) {
      return std::max(0.0, basic_value_[i] / rate);
    }
    if (rate < -options_.pivot_tolerance) {
      const double upper = upper_[basis_[i]];
      if (upper == kInfinity) {
        return kInfinity;
      }
      return std::max(0.0, (upper - basic_value_[i]) / -rate);
    }
    return kInfinity;
  }

  // Bland's rule after a run of degenerate pivots; Dantzig again after a step that moved.
  void UpdateDegeneracy(double step) {
    if (step > kStepTieTolerance) {
      degenerate_run_ = 0;
      bland_ = false;
      return;
    }
    if (++degenerate_run_ >= options_.degenerate_pivots_before_bland) {
      bland_ = true;
    }
  }

  Status Extract(LpSolution& solution) {
    solution.status = LpStatus::kOptimal;
    // Logicals and artificials of a row span the same unit column, so either names the row.
    solution.basis.basic.resize(m_);
    for (size_t i = 0; i < m_; ++i) {
      const size_t var = basis_[i];
      const size_t row = var < n_ + m_ ? var - n_ : var - n_ - m_;
      solution.basis.basic[i] = var < n_ ? static_cast<int>(var) : -1 - static_cast<int>(row);
    }
    for (size_t j = 0; j < n_; ++j) {
      if (state_[j] == VarState::kAtUpper) {
        solution.basis.at_upper.push_back(static_cast<int>(j));
      }
    }
    solution.x.assign(n_, 0.0);
    for (size_t j = 0; j < n_; ++j) {
      if (state_[j] == VarState::kAtUpper) {
        solution.x[j] = upper_[j];
      }
    }
    for (size_t i = 0; i < m_; ++i) {
      if (basis_[i] >= n_) {
        continue;
      }
      const double value = basic_value_[i];
      const double upper = upper_[basis_[i]];
      if (value < -feasibility_scale_ || value > upper + feasibility_scale_) {
        return InternalError("simplex: basic variable " + std::to_string(basis_[i]) + " = " +
                             std::to_string(value) + " left its bounds (numerical trouble)");
      }
      solution.x[basis_[i]] = std::clamp(value, 0.0, upper);
    }
    solution.duals = signed_duals_;
    solution.reduced_costs.resize(n_);
    solution.objective = 0;
    for (size_t j = 0; j < n_; ++j) {
      solution.reduced_costs[j] = ReducedCost(j);
      solution.objective += lp_.objective[j] * solution.x[j];
    }
    // Check every row against the original data: the last guard against numerical trouble.
    std::vector<double> activity(m_, 0.0);
    for (size_t j = 0; j < n_; ++j) {
      const double value = solution.x[j];
      if (value == 0) {
        continue;
      }
      const double* a = lp_.matrix.data() + j * m_;
      for (size_t i = 0; i < m_; ++i) {
        activity[i] += a[i] * value;
      }
    }
    for (size_t i = 0; i < m_; ++i) {
      if (!RowSatisfied(lp_.senses[i], activity[i], lp_.rhs[i])) {
        return InternalError("simplex: row " + std::to_string(i) + " violated by the solution (" +
                             std::to_string(activity[i]) + " vs " + std::to_string(lp_.rhs[i]) +
                             "); numerical trouble");
      }
    }
    return OkStatus();
  }

  const LinearProgram& lp_;
  const SimplexOptions& options_;
  const size_t m_;
  const size_t n_;
  const size_t total_;
  int64_t max_iterations_ = 0;
  size_t segment_ = 0;
  double feasibility_scale_ = 0;
  std::vector<double> row_sign_;
  std::vector<size_t> column_start_;  // structural column j: entries [start_j, start_j+1)
  std::vector<uint32_t> entry_row_;
  std::vector<double> entry_value_;  // row-sign-adjusted coefficients
  std::vector<double> logical_coefficient_;
  std::vector<double> upper_;
  std::vector<double> cost_;
  std::vector<VarState> state_;
  std::vector<size_t> basis_;         // basis_[position] = variable
  std::vector<double> basic_value_;   // value of basis_[position]
  std::vector<double> inverse_;       // B^-1, row-major m x m
  std::vector<double> internal_rhs_;  // b with row signs applied
  std::vector<double> duals_;         // internal rows
  std::vector<double> signed_duals_;  // original rows
  std::vector<double> column_;        // scratch: one internal column
  std::vector<double> alpha_;         // scratch: B^-1 times the entering column
  std::vector<double> reduced_;       // dual simplex: reduced cost per variable
  std::vector<double> pivot_row_;     // dual simplex: row r of B^-1 A per variable
  int64_t iterations_ = 0;
  int pivots_since_refactor_ = 0;
  size_t pricing_start_ = 0;
  int degenerate_run_ = 0;
  bool bland_ = false;
};

}  // namespace

Result<LpSolution> SolveLp(const LinearProgram& lp, const SimplexOptions& options,
                           const LpBasis* warm_start) {
  GP_TRY(Validate(lp));
  if (warm_start != nullptr) {
    GP_TRY(ValidateBasis(lp, *warm_start));
    Simplex warm(lp, options);
    std::optional<Result<LpSolution>> solution = warm.SolveFrom(*warm_start);
    if (solution) {
      return *std::move(solution);
    }
  }
  Simplex simplex(lp, options);
  return simplex.Solve();
}

}  // namespace gpupack::plan::lp
