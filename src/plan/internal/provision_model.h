// What the provisioner and the lower bound share: pending pods grouped into classes of identical
// pods, the ways a template can buy a node (candidates), the sharing configs worth trying on such
// a node, and whether one pod of a class can run on an empty planned node.
//
// The model of a new node: every GPU of a node gets the same SharingConfig (the device plugin's
// and mig-parted's configs are per node), the node advertises what cluster::PlannedNode says, and
// a pod's GPU resource units are fungible within one resource name (all devices advertising one
// name are identical on a uniform node). gpupack's memory rule is kept per slot: a pod fits a
// slot when its gpupack.io/gpu-memory is at most the device's memory divided by its replicas
// (so any mix of such pods keeps every device honest), and its milli_gpu at most the slot's
// compute share. With that, a multiset of pods fits an empty planned node exactly when every pod
// is eligible and their summed requests are covered by the node's allocatable.
//
// Thread safety: values and pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "cluster/node.h"
#include "cluster/pod.h"
#include "cluster/sharing.h"
#include "cluster/snapshot.h"
#include "gpu/gpu_catalog.h"
#include "plan/plan.h"

namespace gpupack::plan::provision_internal {

// Pods with equal requests, GPU demand, selectors, affinity, tolerations and priority: the
// planner treats them alike, so work scales with classes, not pods.
struct PodClass {
  std::vector<const cluster::Pod*> pods;  // in the order given (queue order)

  const cluster::Pod& representative() const { return *pods.front(); }
};

// Groups `pods` into classes, ordered by their first pod's position.
std::vector<PodClass> GroupPods(std::span<const cluster::Pod* const> pods);

// One way to buy a node: template x instance type x offering, with the type's GPU model.
struct Candidate {
  const cluster::NodeTemplate* node_template = nullptr;
  const cluster::InstanceType* type = nullptr;
  const cluster::Offering* offering = nullptr;
  const gpu::GpuModel* model = nullptr;
};

// Every candidate of the snapshot's templates (only `options.allowed_templates` when set), by
// template, type, zone, capacity type. Types whose GPU model the catalog does not know are
// skipped. `problems` receives one line per template that allows no offering at all.
std::vector<Candidate> Candidates(const cluster::ClusterSnapshot& snapshot,
                                  const gpu::GpuCatalog& catalog, const PlanOptions& options,
                                  std::vector<std::string>& problems);

// Pods that state neither GPU memory nor a compute share get this many replicas when the
// template leaves the count to gpupack (the value NVIDIA's time-slicing examples use).
inline constexpr int32_t kDefaultReplicas = 4;

// The largest replica count in 2..48 at which one pod of `pod`'s demand keeps gpupack's memory
// and compute rule on a device with `device_memory_bytes` and `device_milli` (1000 for a whole
// GPU); kDefaultReplicas when the pod states neither; 0 when even 2 replicas break it.
int32_t MaxReplicasFor(const cluster::GpuDemand& demand, int64_t device_memory_bytes,
                       int64_t device_milli);

// The sharing configs worth trying for nodes of `candidate` that should serve `classes`
// (weights: pods still to place per class; classes with weight 0 are ignored):
//   - neither time-slicing nor MIG: whole GPUs;
//   - time-slicing: the template's replicas, or (when it leaves them to gpupack) each distinct
//     MaxReplicasFor of the classes;
//   - MIG (MIG-capable models only): per demanded profile the geometry with the most instances
//     of it, and under the mixed strategy also MigGeometryEngine::Best for the demanded mix;
//     a pod that asks a plain nvidia.com/gpu and states its GPU memory or compute share demands,
//     under the single strategy (which advertises instances as nvidia.com/gpu), the smallest
//     profile holding it (holding two of it when the template time-slices);
//     with time-slicing also each of these time-sliced (replicas as above). Whole GPUs too when
//     time-slicing is off (MIG is allowed, not imposed).
// Sorted and unique (by Describe), so the result is deterministic.
std::vector<cluster::SharingConfig> SharingConfigsFor(const Candidate& candidate,
                                                      const gpu::GpuCatalog& catalog,
                                                      std::span<const PodClass> classes,
                                                      std::span<const int64_t> weights);

// Why one pod of `pod`'s kind cannot run on the empty planned `node` (built by PlannedNode for
// `candidate` with `sharing`); stage 0 and "" when it can. Stages, in check order: 1 node
// labels (selector, affinity), 2 taints, 3 no device of the pod's GPU resource or profile,
// 4 memory or compute share of a slot too small, 5 cpu, memory or pods of the node too small.
struct Misfit {
  int stage = 0;
  std::string reason;
};

Misfit CheckEmptyNode(const cluster::Pod& pod, const Candidate& candidate,
                      const cluster::SharingConfig& sharing, const cluster::Node& node);

// How many more copies of `request` fit in `free` (cpu, memory, pods and every scalar the request
// names); `limit` caps the answer.
int64_t CopiesThatFit(const cluster::Resources& free, const cluster::Resources& request,
                      int64_t limit);

}  // namespace gpupack::plan::provision_internal
