// The planner: one pure function from a cluster snapshot to a Plan (DESIGN.md section 3).
//
//   1. place pending pods on existing nodes (Placer, the policy of options.placement_policy);
//   2. repartition idle GPUs of dynamic MIG templates for the MIG pods still waiting
//      (Repartitioner);
//   3. buy nodes for the rest (ProvisionNodes), or report them unschedulable with the reason;
//   4. give back nodes whose pods fit elsewhere (Consolidator, within the disruption budget);
//   5. price the result and compute the lower bound it is judged against (LowerBound).
//
// Deterministic: the same snapshot, catalog and options give the same plan, field for field.
//
// Thread safety: pure function; safe to call from several threads on different inputs.
#pragma once

#include <optional>
#include <vector>

#include "cluster/snapshot.h"
#include "common/error.h"
#include "gpu/gpu_catalog.h"
#include "plan/fit.h"
#include "plan/placer.h"
#include "plan/plan.h"

namespace gpupack::plan {

// InvalidArgument for options that make no sense (an unknown placement policy, a negative
// disruption budget, an allowed template the snapshot does not have); errors of the provisioner
// or lower bound are passed on. Pods nothing can run are not errors: they are in
// Plan::unschedulable with the reason.
[[nodiscard]] Result<Plan> MakePlan(const cluster::ClusterSnapshot& snapshot,
                                    const gpu::GpuCatalog& catalog, const PlanOptions& options);

// The same plan from a snapshot the caller gives up: without reference costs it is planned on
// in place instead of on a copy of its nodes (a control-loop pass owns its snapshot, and the
// copy was a third of a simulated plan).
[[nodiscard]] Result<Plan> MakePlan(cluster::ClusterSnapshot&& snapshot,
                                    const gpu::GpuCatalog& catalog, const PlanOptions& options);

// Step 1 of MakePlan alone, for a control-loop pass where every pending pod fits existing
// capacity (the common case: a real cluster's scheduler places such pods, and the rest of the
// planner only matters for pods that fit nowhere). Places `pending` (pods as
// ClusterSnapshot::PendingPods gives them, any order) on `nodes` (a snapshot's, sorted by name)
// as MakePlan would and returns the placements sorted as in a Plan; `nodes` is scratch (it holds
// the placements but the last, copied). nullopt when some pod fits no node: MakePlan would go on
// to repartition or buy nodes, so the caller plans in full. The same errors as MakePlan for bad
// options (`templates`: the snapshot's). The placer comes from `placers` (the loop's).
[[nodiscard]] Result<std::optional<std::vector<Placement>>> PlaceOnExistingNodes(
    std::vector<const cluster::Pod*> pending, cluster::CopyOnWriteNodes& nodes,
    PlacerCache& placers, const std::vector<cluster::NodeTemplate>& templates,
    const PlanOptions& options);

// USD per hour of one whole, unshared GPU at the cheapest offering the snapshot's templates
// (those of options.allowed_templates, or all) allow; falls back on the existing GPU nodes'
// prices, 0 when nothing has a price.
double CheapestGpuPricePerHour(const cluster::ClusterSnapshot& snapshot,
                               const PlanOptions& options);

}  // namespace gpupack::plan
