// LowerBound: the least any plan can spend per hour on new nodes for `pending` (the LP relaxation
// of the cutting-stock problem behind provisioning; DESIGN.md section 3, src/plan/lp).
//
// Formulation. Rows: classes of identical pending pods (provision_internal::GroupPods) that no
// existing node could ever host; demand = pods in the class. Columns: one node of a candidate
// (template x instance type x offering) with one sharing config on every GPU, serving a multiset
// of pods; cost = the offering's price per hour. The LP is solved by column generation
// (lp::SolveCovering with a pricing callback): for the master's duals, each node shape's best
// multiset is an unbounded integer knapsack per GPU resource (slots of that resource are the
// capacity, a pod's units of it the weight, its class's dual the value).
//
// Why no plan beats it. Every node any plan (the provisioner's or another obeying gpupack's
// rules: one sharing config per node, the per-slot memory and compute rule of
// provision_internal) can buy for these pods is, with the pods it hosts, a column of this LP or
// dominated by one, because the column set is a relaxation:
//   - the sharing configs enumerated are every config such a node can have: whole; every
//     replica count 2..48 (or the template's); for MIG every single-profile geometry with the
//     most instances of its profile (single strategy) or every maximal geometry (mixed), and
//     instances of a geometry are a superset of those of any geometry it contains;
//   - CPU, memory and the pod count are ignored, and so are the template limits, the Spot
//     share and the pricing of other offerings of the same shape (the cheapest is kept);
//   - pods that some existing node might host (its labels and taints allow them, ignoring the
//     labels and the MIG taint that a repartition could change) are dropped from the demand.
// A plan's new nodes are thus a feasible integer solution of the LP, whose value is at least
// the LP optimum. Pods that no column serves (unschedulable) are not counted.
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

// USD per hour; 0 when no pending pod needs a new node. Errors: those of lp::SolveCovering
// (DeadlineExceeded when column generation does not converge).
[[nodiscard]] Result<double> LowerBoundCostPerHour(const cluster::ClusterSnapshot& snapshot,
                                                   std::span<const cluster::Pod* const> pending,
                                                   const gpu::GpuCatalog& catalog,
                                                   const PlanOptions& options);

}  // namespace gpupack::plan
