// A simplex solver (dual and primal, dense basis inverse) for the small linear programs behind
// the planner's lower bound.
//
// Problem: minimise c·x subject to rows a_i·x >= b_i, <= b_i or = b_i and 0 <= x_j <= u_j
// (u_j may be +infinity). Who calls it: the cutting-stock column generation in
// cutting_stock.h (the planner's "no plan can beat this" bound, DESIGN.md section 3), and
// anything else that needs an LP with duals. It is generic math over plain vectors and knows
// nothing about GPUs.
//
// Method: a bounded-variable revised simplex with an explicit dense m x m basis inverse, updated
// by one elementary row operation per pivot (O(m^2)) and recomputed by Gauss-Jordan elimination
// with partial pivoting every `refactor_interval` pivots and before optimality is declared
// (O(m^3)), so rounding errors cannot build up. The structural columns are copied once into
// compressed sparse columns (with row signs applied) because every iteration reads all of them.
// Rows with b_i < 0 are negated first. Which algorithm runs depends on the start:
//   * The all-slack basis is dual feasible whenever every negative-cost column has a finite
//     upper bound (always for covering LPs, whose costs are >= 0): then the dual simplex runs
//     from it, choosing the leaving row by dual steepest edge (exact weights, cheap with an
//     explicit inverse) and the entering column by a Harris two-pass ratio test. On a
//     100 x 20,000 covering LP this takes about 1.4 m iterations; the primal two-phase method
//     with Dantzig pricing needed over 7,000 on one of the same shape (BENCHMARKS.md).
//   * Otherwise, primal phase 1 minimises the sum of one artificial per >= or = row, then the
//     artificials are fixed at zero.
//   * A warm start (LpBasis) runs primal phase 2 when its basis is primal feasible for this LP,
//     the dual simplex when it is dual feasible, and is dropped for a cold start otherwise.
// Every path ends with primal phase 2: Dantzig pricing over segments of the columns (partial
// pricing) and a ratio test that prefers the largest pivot among near-ties. After
// `degenerate_pivots_before_bland` consecutive pivots that do not move the objective, both the
// primal and the dual simplex switch to Bland's rule (lowest index leaves and enters among ties),
// which makes cycling impossible, and switch back after the next pivot that does move it.
//
// Cost: O(m^2 + nnz(A)) per iteration plus the occasional O(m^3) refactorisation; memory
// O(m^2 + nnz(A)) besides the caller's problem. Measured figures are in BENCHMARKS.md, "LP lower
// bound" (100 rows x 20,000 columns: about 0.1 s of CPU).
//
// Tolerances (SimplexOptions): all absolute, so the solver suits data of moderate magnitude
// (costs and coefficients within a few orders of magnitude of 1, as the planner's dollars per
// hour and pod counts are). A basic value within `feasibility_tolerance` of a bound counts as
// on it; a reduced cost within `optimality_tolerance` of zero counts as non-improving; pivot
// elements smaller than `pivot_tolerance` are never chosen.
//
// Duals: LpSolution::duals[i] is the shadow price of row i, d(objective)/d(b_i): >= 0 for a >=
// row, <= 0 for a <= row, free for an = row. Reduced costs are d_j = c_j - sum_i y_i a_ij; at an
// optimum d_j >= 0 for x_j at 0 and d_j <= 0 for x_j at a finite upper bound, so strong duality
// reads c·x = b·y + sum_{j at upper bound} u_j d_j (just c·x = b·y without upper bounds).
//
// Thread safety: pure functions of their arguments; call from any thread.
#pragma once

#include <limits>
#include <span>
#include <vector>

#include "common/error.h"

namespace gpupack::plan::lp {

inline constexpr double kInfinity = std::numeric_limits<double>::infinity();

enum class RowSense { kGreaterEqual, kLessEqual, kEqual };

// A linear program with a dense, column-major constraint matrix. Build it with AddRow (all rows
// first) and AddColumn, or fill the fields directly: `matrix` holds num_rows() values per
// column, column j at [j * num_rows(), (j + 1) * num_rows()).
struct LinearProgram {
  std::vector<RowSense> senses;      // one per row
  std::vector<double> rhs;           // b_i, one per row
  std::vector<double> objective;     // c_j, one per column
  std::vector<double> upper_bounds;  // u_j, one per column; kInfinity when unbounded
  std::vector<double> matrix;        // column-major coefficients a_ij

  int num_rows() const { return static_cast<int>(rhs.size()); }

  int num_columns() const { return static_cast<int>(objective.size()); }

  // Adds row i = num_rows(). Only while there are no columns yet (GP_CHECK).
  int AddRow(RowSense sense, double rhs_value);

  // Adds column j = num_columns() with the given cost, one coefficient per row (GP_CHECK on the
  // size) and upper bound.
  int AddColumn(double cost, std::span<const double> coefficients, double upper_bound = kInfinity);

  double Coefficient(int row, int column) const;
};

enum class LpStatus { kOptimal, kInfeasible, kUnbounded };

// A basis, to warm-start a related solve (same rows; columns may have been appended, costs or
// bounds changed). basic[i] >= 0 names structural column basic[i]; basic[i] = -1 - k names the
// slack/surplus of row k. at_upper lists the nonbasic columns at their upper bound; every other
// nonbasic column is at zero.
struct LpBasis {
  std::vector<int> basic;     // one per row
  std::vector<int> at_upper;  // ascending
};

struct SimplexOptions {
  double feasibility_tolerance = 1e-9;
  double optimality_tolerance = 1e-9;
  double pivot_tolerance = 1e-9;
  // 0 picks 20 * (rows + columns) + 1000: far more than a healthy solve needs (typically 2 to 3
  // times the row count), low enough to stop a numerical loop quickly.
  int max_iterations = 0;
  int refactor_interval = 64;
  int degenerate_pivots_before_bland = 32;
  // Columns priced per segment by the primal simplex (partial pricing); 0 picks
  // max(1000, columns / 8).
  int pricing_segment = 0;
};

struct LpSolution {
  LpStatus status = LpStatus::kInfeasible;
  // The rest is filled only when status == kOptimal.
  double objective = 0;
  std::vector<double> x;              // one per column
  std::vector<double> duals;          // one per row (see the header comment for signs)
  std::vector<double> reduced_costs;  // one per column
  int iterations = 0;                 // pivots and bound flips, both phases
  LpBasis basis;                      // the optimal basis, for a warm start
};

// Solves `lp`, starting from `warm_start` when given (borrowed; typically the previous solve's
// basis after columns were appended, as column generation does). A warm basis that is singular,
// or neither primal nor dual feasible for `lp`, is dropped for a cold start. Infeasible and
// unbounded problems are statuses, not errors. Errors: InvalidArgument when the sizes disagree,
// a number is NaN, infinite (except upper bounds) or a bound negative, or the warm basis names
// a variable out of range or twice; DeadlineExceeded when the iteration limit is reached;
// Internal when the basis becomes numerically singular or the final solution violates a row by
// more than the tolerance after refactorisation.
[[nodiscard]] Result<LpSolution> SolveLp(const LinearProgram& lp,
                                         const SimplexOptions& options = {},
                                         const LpBasis* warm_start = nullptr);

}  // namespace gpupack::plan::lp
