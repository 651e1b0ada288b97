// TEMPORARY until branch `prov` lands: ProvisionNodes reports every pod unschedulable and the
// lower bound is 0, so the planner builds and its existing-capacity paths can be tested.
#include "plan/lower_bound.h"
#include "plan/provisioner.h"

namespace gpupack::plan {

Result<ProvisionResult> ProvisionNodes(const ProvisionRequest& request) {
  ProvisionResult result;
  for (const cluster::Pod* pod : request.pods) {
    result.unschedulable.push_back(
        Unschedulable{pod->Key(), "fits on no existing node; provisioning not available"});
  }
  return result;
}

Result<double> LowerBoundCostPerHour(const cluster::ClusterSnapshot& /*snapshot*/,
                                     std::span<const cluster::Pod* const> /*pending*/,
                                     const gpu::GpuCatalog& /*catalog*/,
                                     const PlanOptions& /*options*/) {
  return 0.0;
}

}  // namespace gpupack::plan
