// Node: a Kubernetes node as the planner sees it: labels, taints, allocatable resources, what is
// already requested on it, where it runs and at what price, and its physical GPUs, each with its
// SharingConfig and the pods holding its slots.
//
// Slots of one GPU (see sharing.h): `instance` is the index of a MIG placement in the GPU's
// geometry (or -1 when the GPU is not in MIG mode); each device (the GPU or one instance) has
// `replicas` slots when time-sliced, else 1. A GpuAllocation holds `slots` of one device.
//
// Kubernetes does not say which physical GPU a running pod got; AllocateBoundPod accounts a pod
// on the lowest-numbered devices that can hold it, which is how many slots are free, not a
// placement policy (placement is the planner's).
//
// Thread safety: values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cluster/instance_type.h"
#include "cluster/node_template.h"
#include "cluster/pod.h"
#include "cluster/resources.h"
#include "cluster/scheduling.h"
#include "cluster/sharing.h"
#include "common/error.h"
#include "gpu/gpu_catalog.h"

namespace gpupack::cluster {

struct GpuAllocation {
  std::string pod;    // Pod::Key()
  int instance = -1;  // MIG placement index, -1 when the GPU is not in MIG mode
  int32_t slots = 1;  // replicas taken on that device (1 unless time-sliced and asked for more)
  int64_t gpu_memory_bytes = 0;  // what the pod said it needs (gpupack.io/gpu-memory), 0 if not

  bool operator==(const GpuAllocation&) const = default;
};

struct NodeGpu {
  int index = 0;
  std::string model;  // GPU catalog name; empty when the node does not say (no GFD labels)
  SharingConfig sharing;
  std::vector<GpuAllocation> allocations;

  // Slots taken on device `instance` (-1: the whole GPU when not MIG).
  int32_t UsedSlots(int instance) const;

  // Slots per device: replicas when time-sliced, else 1.
  int32_t SlotsPerDevice() const { return sharing.IsTimeSliced() ? sharing.replicas : 1; }

  // Free slots on device `instance`.
  int32_t FreeSlots(int instance) const { return SlotsPerDevice() - UsedSlots(instance); }

  // No pod holds any slot: the only state in which the GPU may be repartitioned.
  bool IsIdle() const { return allocations.empty(); }

  bool operator==(const NodeGpu&) const = default;
};

struct Node {
  std::string name;
  Labels labels;
  Labels annotations;
  std::vector<Taint> taints;
  bool unschedulable = false;  // cordoned (spec.unschedulable)
  bool ready = true;           // the Ready condition

  Resources capacity;
  Resources allocatable;
  Resources requested;  // sum of the requests of bound, non-terminal pods

  std::string instance_type;                  // node.kubernetes.io/instance-type
  std::string zone;                           // topology.kubernetes.io/zone
  std::optional<CapacityType> capacity_type;  // karpenter.sh/capacity-type
  std::string template_name;                  // gpupack.io/node-template; empty if not ours
  double price_per_hour = 0;                  // from the instance catalog; 0 when unknown

  std::vector<NodeGpu> gpus;
  std::vector<std::string> pods;  // keys of bound, non-terminal pods, sorted

  // allocatable - requested.
  Resources Free() const { return allocatable - requested; }

  // The sum of AdvertisedCapacity over the GPUs (models resolved in `catalog`); what
  // allocatable's nvidia.com/* entries should be once the device plugin applied the config.
  [[nodiscard]] Result<Resources> ExpectedGpuCapacity(const gpu::GpuCatalog& catalog) const;
};

// The node `node_template` would get from buying `type` through `offering`, every GPU shared as
// `sharing` (of GPU model `model`, the type's): labels are the template's NodeLabels plus
// PartitionLabels, taints the template's plus SharingTaints, capacity and allocatable the type's
// capacity with the GPU resources the device plugin will advertise instead of nvidia.com/gpu
// (no system reservation is subtracted; a planner that models kube-reserved subtracts it), price
// the offering's. This is what the planner fits pending pods against before the node exists.
Node PlannedNode(std::string name, const NodeTemplate& node_template, const InstanceType& type,
                 const Offering& offering, const SharingConfig& sharing,
                 const gpu::GpuModel& model);

// Accounts a bound pod on `node`: adds its requests and key, and (for a GPU pod) allocations on
// the lowest-numbered devices that can hold it: a whole GPU per unit for kWholeGpu (unshared
// GPUs), one slot of an instance of the profile for kMigProfile, one replica slot for
// kSharedGpu (a time-sliced GPU, or a time-sliced instance when the pod asked a .shared MIG
// resource). ResourceExhausted "<pod>: no free <what> on <node>" when the GPUs cannot hold it
// (the node's labels and the pods disagree); the pod's CPU and memory are accounted anyway.
[[nodiscard]] Status AllocateBoundPod(Node& node, const Pod& pod, const gpu::GpuCatalog& catalog);

// Removes every allocation and request of pod `key` from `node` (no-op when absent).
void ReleasePod(Node& node, const Pod& pod);

}  // namespace gpupack::cluster
