// The covering (cutting-stock) LP behind the planner's lower bound, solved by column generation.
//
// Problem: demand classes i = 0..m-1 each need d_i units; a column j (a "pattern") costs c_j >= 0
// per copy and serves a_ij >= 0 units of class i. The integer problem
//     min sum_j c_j x_j   s.t.   sum_j a_ij x_j >= d_i,   x_j >= 0 integer
// is what the planner solves heuristically (a pattern is, e.g., one node of an offering with a
// per-GPU sharing config; DESIGN.md section 3). Its LP relaxation is a lower bound no plan can
// beat; SolveCovering returns it, with a cheap integer solution (round up, then greedy repair) so
// callers can report every plan's gap.
//
// Columns come from an explicit list, from a pricing callback, or both. The callback receives the
// master LP's duals y (one per class, >= 0) and returns a column with reduced cost
// c - y·a < 0 (ideally the most negative), or nullopt when none exists; that proves the master's
// LP value optimal over every column the callback could ever produce. Column generation starts
// from the explicit columns plus one artificial column per class (cost `M`, serving one unit), so
// the master is always feasible; an LP value reached with artificials still in use is still a
// valid lower bound (extra columns only lower a minimum), and if pricing is exhausted while one
// is in use, every real column serving that class costs at least M, so M is raised (x1000, at
// most 3 times, starting at 1000 x (1 + the largest cost seen)) before the class is declared
// uncoverable.
//
// Determinism: the same problem and callback give the same result (the simplex is
// deterministic; ties in rounding break by column order).
//
// Tolerances: a returned column must have reduced cost below -`reduced_cost_tolerance`
// (1e-9 by default); LP values carry the simplex tolerances (simplex.h).
//
// Complexity: one simplex solve per pricing round over (explicit + generated) columns, each
// warm-started from the previous round's basis (the new column is the only change, so a few
// primal pivots usually do); rounds grow with the number of classes (6 for the 4-class roll
// instance, about 250 for 100 random classes; BENCHMARKS.md "LP lower bound").
//
// Thread safety: pure functions; the callback is called on the calling thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "common/error.h"
#include "plan/lp/simplex.h"

namespace gpupack::plan::lp {

struct CoverColumn {
  double cost = 0;            // per copy, >= 0
  std::vector<int> coverage;  // a_ij >= 0, one per demand class
};

struct CoveringProblem {
  std::vector<int> demand;           // d_i >= 0, one per demand class
  std::vector<CoverColumn> columns;  // explicit columns (may be empty when pricing supplies all)
};

// Given the master's duals (one per class), returns an improving column or nullopt.
using PricingCallback = std::function<std::optional<CoverColumn>(std::span<const double> duals)>;

struct CoveringOptions {
  int max_pricing_rounds = 10000;
  double reduced_cost_tolerance = 1e-9;
  SimplexOptions simplex;
};

struct CoveringSolution {
  double lp_bound = 0;               // the LP optimum: no integer solution costs less
  std::vector<CoverColumn> columns;  // explicit columns, then generated ones in order
  std::vector<double> fractional;    // LP value per column in `columns`
  std::vector<double> duals;         // final master duals, one per class
  std::vector<int64_t> integer;      // feasible integer copies per column in `columns`
  double integer_cost = 0;           // sum of cost * integer
  int pricing_rounds = 0;            // master solves

  // (integer_cost - lp_bound) / lp_bound; 0 when both are 0.
  double RelativeGap() const;
};

// InvalidArgument naming the class or column when sizes disagree, a demand, coverage or cost is
// negative, or a cost is not finite. Shared with the exact solver (exact_cover.h).
[[nodiscard]] Status ValidateCoveringProblem(const CoveringProblem& problem);

// Solves the LP relaxation (with column generation when `pricing` is set) and rounds it.
// Errors: InvalidArgument (see ValidateCoveringProblem, also for a priced column);
// ResourceExhausted naming the first demand class no column can serve; Internal when the
// callback returns a column that does not improve (it would loop forever); DeadlineExceeded
// after `max_pricing_rounds` master solves, since an unconverged master value is not a bound;
// the simplex's errors.
[[nodiscard]] Result<CoveringSolution> SolveCovering(const CoveringProblem& problem,
                                                     const PricingCallback& pricing = nullptr,
                                                     const CoveringOptions& options = {});

// Rounds a fractional covering solution to a feasible integer one: the cheaper (ties: the first)
// of (a) every x_j rounded up and (b) every x_j rounded down, each then completed greedily (the
// column with the lowest cost per newly served unit, one copy at a time, so the remaining demand
// should be small) and pruned (the dearest copies that are not needed are removed). Values within
// 1e-9 of an integer count as that integer. `fractional` has one value per column. Exposed for
// callers that round their own LP solutions. Errors: InvalidArgument (the problem, or the wrong
// number of values); ResourceExhausted naming a demand class no column serves.
[[nodiscard]] Result<std::vector<int64_t>> RoundCovering(const CoveringProblem& problem,
                                                         std::span<const double> fractional);

}  // namespace gpupack::plan::lp
