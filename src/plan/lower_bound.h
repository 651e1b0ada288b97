// LowerBound: the least any plan could cost per hour for the cluster's pods plus `pending`
// (LP / cutting-stock relaxation, src/plan/lp). Built on branch `prov`.
//
// Thread safety: pure function.
#pragma once

#include <span>

#include "cluster/pod.h"
#include "cluster/snapshot.h"
#include "common/error.h"
#include "gpu/gpu_catalog.h"
#include "plan/plan.h"

namespace gpupack::plan {

[[nodiscard]] Result<double> LowerBoundCostPerHour(const cluster::ClusterSnapshot& snapshot,
                                                   std::span<const cluster::Pod* const> pending,
                                                   const gpu::GpuCatalog& catalog,
                                                   const PlanOptions& options);

}  // namespace gpupack::plan
