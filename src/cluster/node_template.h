// NodeTemplate: the gpupack.io/v1alpha1 NodeTemplate custom resource's spec as values: which
// instance types, GPU models, zones and capacity types gpupack may buy for it, how the GPUs of its
// nodes are shared, what labels and taints its nodes carry, and its limits.
//
// Field names follow the CRD (spec.instanceTypes, gpuModels, zones, capacityTypes,
// gpuSharing.timeSlicing{enabled, sharedClientsPerGpu, perGpuModel},
// gpuSharing.mig{enabled, strategy, dynamic}); the reader (catalog/node_template_reader.h) lists
// the rest. Empty lists mean "no constraint", except capacity_types, where empty means on-demand
// only (Karpenter's default: Spot is opt-in).
//
// GPU model names are the GPU catalog's canonical names (the reader resolves the spellings users
// write, such as the GFD product label "NVIDIA-A100-SXM4-40GB").
//
// Thread safety: values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/gpu_demand.h"
#include "cluster/instance_type.h"
#include "cluster/scheduling.h"
#include "cluster/sharing.h"

namespace gpupack::cluster {

struct TimeSlicingSpec {
  bool enabled = false;
  // Replicas per GPU; 0 when not set, which lets the planner choose (2..48).
  int32_t shared_clients_per_gpu = 0;
  // Per-GPU-model overrides, keyed by canonical model name.
  std::map<std::string, int32_t, std::less<>> per_gpu_model;

  // The replicas for GPUs of `model`: its override, else shared_clients_per_gpu; 0 when
  // time-slicing is off or neither is set (the planner chooses).
  int32_t ReplicasFor(std::string_view model) const;

  bool operator==(const TimeSlicingSpec&) const = default;
};

struct MigSpec {
  bool enabled = false;
  // single unless set: the GPU Operator's default, and the strategy the seed's
  // nvidia.com/gpu + mig-partition selector form needs.
  MigStrategy strategy = MigStrategy::kSingle;
  // True: gpupack may repartition idle GPUs to match pending pods; false: a node's geometry is
  // chosen when it is created and kept.
  bool dynamic = false;

  bool operator==(const MigSpec&) const = default;
};

// The Karpenter NodeClass the template's NodeClaims use (spec.nodeClassRef of a NodeClaim:
// which AMI, subnets, security groups; e.g. karpenter.k8s.aws EC2NodeClass "gpu").
struct NodeClassRef {
  std::string group;
  std::string kind;
  std::string name;

  bool operator==(const NodeClassRef&) const = default;
};

struct NodeTemplate {
  std::string name;

  // Constraints. Instance-type patterns may use '*' as a wildcard ("g5.*").
  std::vector<std::string> instance_types;          // include; empty: any
  std::vector<std::string> exclude_instance_types;  // applied after include
  std::vector<std::string> gpu_models;              // empty: any
  std::vector<std::string> zones;                   // empty: any
  std::vector<CapacityType> capacity_types;         // empty: on-demand only
  // Share of the template's GPUs to run on Spot, 0..100; nullopt: no target (cheapest wins).
  std::optional<int32_t> spot_percent;
  int32_t min_gpus_per_node = 0;  // 0: no minimum
  int32_t max_gpus_per_node = 0;  // 0: no maximum

  TimeSlicingSpec time_slicing;
  MigSpec mig;

  Labels labels;              // added to every node of the template
  std::vector<Taint> taints;  // added to every node of the template

  // spec.nodeClassRef; nullopt when the template does not name one (the controller's default).
  std::optional<NodeClassRef> node_class_ref;
  std::optional<int64_t> max_gpus;        // limits.gpus: physical GPUs in all its nodes
  std::optional<double> max_hourly_cost;  // limits.hourlyCost: USD per hour
  // The name under which the limits and the Spot share are counted: templates derived from one
  // (the simulator's per-strategy copies) share its budget. Empty: the template's own name.
  std::string limits_group;

  const std::string& LimitsGroup() const { return limits_group.empty() ? name : limits_group; }

  // Capacity types allowed (on-demand when the list is empty).
  std::vector<CapacityType> AllowedCapacityTypes() const;

  // Whether the template may buy `type`: name include/exclude patterns, GPU model, GPU count
  // within min/max per node. CPU-only types are never allowed (templates make GPU nodes).
  bool AllowsInstanceType(const InstanceType& type) const;

  // Whether the template may buy `offering` (zone and capacity type).
  bool AllowsOffering(const Offering& offering) const;

  // The labels a node of this template created from `type` and `offering` will carry: the
  // template's labels, gpupack.io/node-template, instance type, zone, capacity type. The
  // planner matches pending pods' selectors against these before the node exists.
  Labels NodeLabels(const InstanceType& type, const Offering& offering) const;

  bool operator==(const NodeTemplate&) const = default;
};

// Whether `name` matches `pattern`, where '*' matches any run of characters.
bool MatchesGlob(std::string_view pattern, std::string_view name);

// A pod's demand made concrete for a template it pins with gpupack.io/node-template: a plain
// nvidia.com/gpu request on a template that time-slices (and has no MIG) becomes a replica
// (kSharedGpu); a MIG demand on a template with MIG and time-slicing becomes a time-sliced
// instance. Other demands are returned unchanged.
GpuDemand RefineForTemplate(const GpuDemand& demand, const NodeTemplate& node_template);

}  // namespace gpupack::cluster
