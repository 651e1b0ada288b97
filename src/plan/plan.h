// Plan and PlanOptions: what the planner decides for one snapshot (DESIGN.md section 3) and the
// knobs it decides with.
//
// A Plan is a list of decisions, each with a one-line human reason: placements (a pending pod
// onto a node, GPU, MIG instance), reconfigurations (an idle GPU gets a new sharing config),
// provisions (nodes to buy from a template, with the sharing config of every GPU), removals
// (nodes to give back) and unschedulable pods (with why). Costs are USD per hour.
//
// Invariants of a plan MakePlan returns: every list is sorted (placements by pod, provisions by
// their first node name, reconfigurations by node then GPU, removals by node, unschedulable by
// pod); every pending pod appears exactly once, in placements or in unschedulable; no resource
// or slot of any node (existing or provisioned) is over-committed; every geometry is valid for
// its GPU model; a reconfigured GPU held no running pod; a removed node's pods are all placed
// elsewhere in the same plan.
//
// Thread safety: values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/instance_type.h"
#include "cluster/sharing.h"

namespace gpupack::plan {

// A pod put on a device. `instance` is the MIG placement index in the GPU's geometry (-1 when
// the GPU is not in MIG mode); `slots` the replicas taken on that device.
struct DeviceChoice {
  int gpu = -1;
  int instance = -1;
  int32_t slots = 1;

  bool operator==(const DeviceChoice&) const = default;
};

struct Placement {
  std::string pod;                    // Pod::Key()
  std::string node;                   // an existing node or one of a Provision's node_names
  std::vector<DeviceChoice> devices;  // empty for a pod without GPU demand
  // True when the pod is moved off a node the plan removes (consolidation), false when pending.
  bool moved = false;
  std::string reason;

  bool operator==(const Placement&) const = default;
};

// One GPU of a node, with how it is (to be) shared.
struct GpuPlan {
  std::string model;  // GPU catalog name
  cluster::SharingConfig sharing;
  std::vector<std::string> geometry;  // MIG profile names, largest first; empty when not MIG

  bool operator==(const GpuPlan&) const = default;
};

// An idle GPU of an existing node gets a new sharing config (a MIG geometry through the MIG
// manager, or a time-slicing replica count through the device plugin config).
struct Reconfiguration {
  std::string node;
  int gpu = 0;
  GpuPlan from;
  GpuPlan to;
  std::string reason;

  bool operator==(const Reconfiguration&) const = default;
};

// `count` identical nodes to buy from a template.
struct Provision {
  std::string template_name;
  std::string instance_type;
  cluster::CapacityType capacity_type = cluster::CapacityType::kOnDemand;
  std::string zone;
  int32_t count = 1;
  double price_per_hour = 0;            // of one node
  std::vector<GpuPlan> gpus;            // one per GPU of one node, by GPU index
  std::vector<std::string> node_names;  // count names, the nodes placements refer to
  std::string reason;

  bool operator==(const Provision&) const = default;
};

struct Removal {
  std::string node;
  double price_per_hour = 0;  // saved per hour
  std::string reason;

  bool operator==(const Removal&) const = default;
};

struct Unschedulable {
  std::string pod;
  std::string reason;

  bool operator==(const Unschedulable&) const = default;
};

struct Plan {
  std::vector<Placement> placements;
  std::vector<Reconfiguration> reconfigurations;
  std::vector<Provision> provisions;
  std::vector<Removal> removals;
  std::vector<Unschedulable> unschedulable;

  // The cluster after the plan: kept nodes plus provisioned ones, USD per hour.
  double cost_per_hour = 0;
  // The cheapest any plan could be (LP relaxation); cost_per_hour >= this.
  double lower_bound_cost_per_hour = 0;
  // What the planned GPU pods would cost with one whole, unshared GPU per requested GPU, at the
  // cheapest per-GPU price of the instance types the templates allow: the "saved" line's base.
  double dedicated_cost_per_hour = 0;

  bool operator==(const Plan&) const = default;
};

struct PlanOptions {
  // The placement policy onto existing capacity: "gpupack" (default), "first-fit", "best-fit",
  // "fgd" (fragmentation-aware). See placer.h.
  std::string placement_policy = "gpupack";
  // At most this many existing nodes removed per plan (0: no consolidation).
  int32_t disruption_budget = 1;
  // Never move pods owned by a Job (a running batch job restarts from scratch when moved).
  bool protect_running_jobs = true;
  // Whether idle GPUs of dynamic MIG templates may be repartitioned.
  bool repartition = true;
  // Templates the planner may provision from; empty: all of the snapshot's.
  std::vector<std::string> allowed_templates;
  // Prefix of the names given to nodes a plan provisions ("<prefix><template>-<n>").
  std::string node_name_prefix = "planned-";
  // Seeds every tie-break that is not already ordered by name.
  uint64_t seed = 0;
  // Whether to compute the plan's reference costs, lower_bound_cost_per_hour (an LP over the
  // pending pods, often the dearest step of a plan) and dedicated_cost_per_hour; both 0 when
  // off. The simulator, which plans thousands of times, reads neither and turns them off.
  bool reference_costs = true;

  bool operator==(const PlanOptions&) const = default;
};

// The annotation that keeps a pod where it is (Karpenter's convention, gpupack's prefix).
inline constexpr std::string_view kAnnotationDoNotDisrupt = "gpupack.io/do-not-disrupt";

}  // namespace gpupack::plan
