// LowerBound: the least any plan can spend per hour on new nodes to host `pods` (the LP
// relaxation of the cutting-stock problem behind provisioning; DESIGN.md section 3, src/plan/lp).
//
// Formulation. Rows: classes of identical pods (provision_internal::GroupPods) that no existing
// node could ever host; a class of pods asking for k GPU units has k "pieces" per pod, and the
// demand is the pieces of the class. Columns: ONE GPU of a candidate (template x instance type x
// offering) with one sharing config, at the offering's price divided by the type's GPU count,
// serving a multiset of pieces. The LP is solved by column generation (lp::SolveCovering with a
// pricing callback): for the master's duals, a column's best multiset is found per device of the
// GPU (the GPU itself, or each MIG instance) by a small knapsack (below), and equal devices take
// equal multisets.
//
// Why it is a relaxation of what plan/fit.cc allows, by construction. Take any node a plan can
// buy and any set of pods Fit (FitChecker, the planner's and the simulator's only rule) lets it
// hold. Split the node into its GPUs and each pod into its units; then each GPU with the pieces
// on it is a column of this LP, or is dominated by one:
//   - Per GPU, not per node: a G-GPU node is G columns at price / G each, so a plan's node costs
//     exactly what its G columns cost. The LP may thus buy a fraction of an 8-GPU node, as its
//     solution may use any fraction of any column anyway; whole-node granularity would only be
//     an integrality the LP drops. GPUs of one node may also differ (as after a repartition).
//   - Sharing configs: every one the planner can give a GPU: whole (when time-slicing is off);
//     time-slicing with the template's replicas, or any count 2..48 when it leaves them open;
//     MIG with every maximal geometry (mixed strategy) or every single-profile geometry with the
//     most instances of its profile (single), and the instances of a geometry contain those of
//     any geometry inside it. The geometries do not depend on the replica count, which is kept
//     as a range [lo, hi] in one column family (see below).
//   - Which pieces a device may hold is decided by FitChecker::Fits itself: a class is eligible
//     on a kind of device when one pod of it fits the empty planned node (labels, taints, cpu,
//     memory, pod count, the whole count of units) and one unit of it fits a copy of that node
//     whose GPUs keep only devices of that kind (resource name, MIG profile, the memory of the
//     device, the compute share of a slot at the loosest replica count lo).
//   - What Fit enforces on one device holding several pieces, weakened to two sums: the pieces
//     on it are at most its replicas r, and r is at most every piece's cap (the largest replica
//     count at which a slot still gives the pod's milli_gpu, from SlotMilliGpu), so a column
//     family tries each r in [lo, hi] that some cap sets and keeps the pieces whose cap is >= r;
//     on a time-sliced device the pods' gpupack.io/gpu-memory add up to at most the device's
//     memory (DeviceMemoryBytes; a pod of k units counts memory / k per piece, since Fit counts
//     it once per device it uses), in units of 1/32 of the device rounded down on both sides.
//   - CPU, memory and the pod count of several pods together, the template limits, the Spot
//     share and dearer offerings of an equal GPU are ignored (only the cheapest is kept).
// A plan's new nodes therefore give a feasible integer solution of the LP, which costs at least
// the LP optimum. Pods that no column serves (unschedulable) are not counted; callers pass only
// the pods a plan hosts (MakePlan passes the pending pods it does not report unschedulable), as
// no bound can hold against a plan that leaves pods out.
//
// Pods that some existing node might host (its labels and taints allow them, ignoring the labels
// and the MIG taint a repartition could change) are dropped from the demand, so the bound is on
// the cost of new nodes. The simulator bounds a whole cluster by passing a snapshot without
// nodes and every pod that runs.
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

// USD per hour; 0 when no pod needs a new node. Errors: those of lp::SolveCovering
// (DeadlineExceeded when column generation does not converge).
[[nodiscard]] Result<double> LowerBoundCostPerHour(const cluster::ClusterSnapshot& snapshot,
                                                   std::span<const cluster::Pod* const> pods,
                                                   const gpu::GpuCatalog& catalog,
                                                   const PlanOptions& options);

}  // namespace gpupack::plan
