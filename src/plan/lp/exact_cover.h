// Optional exact solver for small covering problems (cutting_stock.h), through CBC.
//
// The planner's bound is the LP relaxation (cutting_stock.h); this proves, on small cases (tests,
// benchmarks, the simulator's quality report), how far that bound and the planner's plans are from
// the true integer optimum. CBC (Debian coinor-libcbc-dev) is linked only when the project is
// configured with -DGP_WITH_CBC=ON; otherwise the function reports FailedPrecondition and
// ExactCoverAvailable() returns false, so callers and tests can skip cleanly. The CBC C API is
// used only inside exact_cover_cbc.cc.
//
// Thread safety: each call builds and frees its own CBC model; CBC itself keeps no global state
// that we rely on, but it is not documented as thread-safe, so call from one thread at a time.
#pragma once

#include <cstdint>
#include <vector>

#include "common/error.h"
#include "plan/lp/cutting_stock.h"

namespace gpupack::plan::lp {

struct ExactCoverSolution {
  std::vector<int64_t> copies;  // integer copies per column of the problem
  double cost = 0;              // sum of cost * copies
  double best_bound = 0;        // CBC's proven lower bound on the optimum
  bool proven_optimal = false;  // false when the time limit stopped the search first
};

// True when this build links CBC.
bool ExactCoverAvailable();

// Solves min cost·x, coverage·x >= demand, x >= 0 integer over the problem's explicit columns,
// searching for at most `time_limit_seconds` (> 0). Errors: InvalidArgument
// (ValidateCoveringProblem, or a bad time limit); FailedPrecondition when built without CBC;
// ResourceExhausted when the problem is infeasible (a class no column serves);
// DeadlineExceeded when the time limit passed before any integer solution was found; Internal
// when CBC fails.
[[nodiscard]] Result<ExactCoverSolution> SolveCoveringExactly(const CoveringProblem& problem,
                                                              double time_limit_seconds);

}  // namespace gpupack::plan::lp
