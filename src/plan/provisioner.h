// Provisioner: the cheapest nodes to buy, with a sharing config for every GPU, for the pending
// pods that fit nowhere in the cluster (DESIGN.md section 3).
//
// Method. Identical pods are grouped into classes (provision_internal::GroupPods), so the work
// scales with classes, not pods. A candidate is a template x instance type x offering (zone and
// capacity type) the template allows; for each, the sharing configs worth trying are derived
// from the demand (provision_internal::SharingConfigsFor: whole GPUs, the template's
// time-slicing replicas or the largest count each class's memory allows, per demanded MIG
// profile the geometry with the most instances of it, under the mixed strategy also the best
// geometry for the mix, each optionally time-sliced). Every node gets one config on all its
// GPUs (the device plugin's and mig-parted's configs are per node). Each class gets a weight:
// the least cost per pod of serving it alone on one node. Then, greedily, every (candidate,
// config) is filled largest-weight class first (cpu, memory, pods and the advertised GPU
// resources must cover the summed requests) and the option with the least price per weighted
// pod served is bought, as many times as the same fill keeps serving; repeat until every pod is
// placed or nothing more can be bought. "Auto" sharing falls out of this: a template that allows
// time-slicing and MIG offers both kinds of configs, and the cheaper per pod wins per node.
//
// Ties: room for the demand to come. The control loop plans small batches, often one pod: then
// every node option that can run it serves one pod at its price, and a whole GPU ties with a
// time-sliced one. Options whose price per pod served ties (within rounding) are ranked by
// their price per pod they can host: the pods served plus the pods of the same open classes
// the node's free GPU slots could still take (GPU resources only; cpu or memory may bind first
// on this node, but slots are what the sharing config decides). More pods like the pending
// ones are the best guess of the demand to come, so the node that leaves usable slots wins over
// one that wastes them, and a whole unshared GPU goes to a shared pod only when no sharing
// config can serve it as cheaply. Ties on that too go to a config without MIG (no
// reconfiguration, and N replicas are at least as large as N MIG instances), then to the
// earlier option.
//
// Template constraints: instance types (include/exclude), GPU models, zones and capacity types
// filter candidates; limits.gpus and limits.hourlyCost count the template's existing nodes plus
// those bought in this pass. Spot share (spotPercent p, with both capacity types allowed): a
// Spot node may be added while the template's Spot GPUs are at most p% of its GPUs, an on-demand
// node while its on-demand GPUs are at most (100-p)%; so after every node the Spot share is
// within one node's GPUs of p% (and with no GPUs yet, the cheaper wins). Without spotPercent the
// cheapest allowed capacity type wins.
//
// Node names are "<options.node_name_prefix><template>-<8 hex>-<n>", the hex a hash of the
// instance type, capacity type, zone, sharing config and the keys of the pods placed, so the
// same pending pods give the same names on every pass and the controller can tell a node it
// already asked for.
//
// Every provision carries a reason ("a2-highgpu-1g spot us-central1-a: 7 pods per node (7 x 1x
// MIG 1g.5gb) on 1 GPU(s) as mig 7x1g.5gb (single), $1.80/h, least cost per pod served of 14
// node options that fit"); every pod no node can run is unschedulable with the deepest check it
// failed ("no offering fits: template t4-only: no GPU with profile 3g.20gb", "template gpu-ts
// allows no offering: ...", or the limits).
//
// Performance: 20,000 pods in 40 classes in BENCHMARKS.md "Provisioner".
//
// Thread safety: pure function.
#pragma once

#include <vector>

#include "cluster/pod.h"
#include "cluster/snapshot.h"
#include "common/error.h"
#include "gpu/gpu_catalog.h"
#include "plan/plan.h"

namespace gpupack::plan {

struct ProvisionRequest {
  const cluster::ClusterSnapshot* snapshot = nullptr;
  std::vector<const cluster::Pod*> pods;  // pods that fit nowhere existing, in queue order
  const gpu::GpuCatalog* catalog = nullptr;
  PlanOptions options;
};

struct ProvisionResult {
  std::vector<Provision> provisions;
  std::vector<Placement> placements;  // onto the new nodes (Provision::node_names)
  std::vector<Unschedulable> unschedulable;

  bool operator==(const ProvisionResult&) const = default;
};

// Chooses templates, instance types, offerings and per-GPU sharing configs so that every pod of
// `request.pods` is placed on a new node or reported unschedulable with the reason. Outputs are
// sorted (provisions by first node name, placements and unschedulable by pod). InvalidArgument
// when the snapshot or catalog is missing.
[[nodiscard]] Result<ProvisionResult> ProvisionNodes(const ProvisionRequest& request);

}  // namespace gpupack::plan
