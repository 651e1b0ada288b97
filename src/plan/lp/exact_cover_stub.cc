// SolveCoveringExactly for builds without CBC (GP_WITH_CBC=OFF, the default).
#include "plan/lp/exact_cover.h"

namespace gpupack::plan::lp {

bool ExactCoverAvailable() { return false; }

Result<ExactCoverSolution> SolveCoveringExactly(const CoveringProblem& problem,
                                                double /*time_limit_seconds*/) {
  GP_TRY(ValidateCoveringProblem(problem));
  return FailedPreconditionError(
      "exact covering solver unavailable: gpupack was built without CBC (configure with "
      "-DGP_WITH_CBC=ON and install coinor-libcbc-dev)");
}

}  // namespace gpupack::plan::lp
