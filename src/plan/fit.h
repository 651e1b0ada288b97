// Fit: whether a pod can run on a node exactly as kube-scheduler and the NVIDIA device plugin
// would decide, plus gpupack's GPU-memory rule, and if so on which devices.
//
// Checks, cheapest first (the order reasons are reported in):
//   1. the node is schedulable: ready and not cordoned;
//   2. the pod count, cpu and memory fit allocatable - requested (NodeResourcesFit);
//   3. nodeSelector and required node affinity (NodeAffinity);
//   4. every NoSchedule/NoExecute taint is tolerated (TaintToleration);
//   5. every extended resource the pod requests (nvidia.com/gpu, nvidia.com/mig-1g.5gb, ...)
//      fits what the node advertises minus what is requested (the scheduler only counts);
//   6. concrete devices exist: a device (a GPU, or a MIG instance of its geometry) advertises
//      the pod's GPU resource (DeviceResourceName), has a free slot, is of the pod's MIG profile
//      when it asked for one, and keeps memory honest: a MIG instance or whole GPU has at least
//      the pod's gpupack.io/gpu-memory; on a time-sliced device the budgets of the pods sharing
//      it add up to at most its memory; a pod with milli_gpu needs a slot that gives at least
//      that compute share (1000 / replicas of a GPU, or of a MIG instance's share).
//
// The device choice is deterministic and tight: among the devices that can hold a slot, the one
// with the fewest free slots (then the least memory headroom, then the lowest GPU and instance
// index); whole-GPU pods take the lowest-numbered free GPUs. A pod asking for k units takes
// them as AllocateBoundPod would account them (several slots of one time-sliced device when
// there is room).
//
// Nodes being launched are judged as given: a node that is not ready or carries the startup taint
// takes no pod here (as the scheduler decides for a real bind). The control loop shows such
// coming nodes to the planner ready and untainted, with the pods nominated to them accounted
// (control/control_loop.h), so planning counts them as capacity and never buys them twice.
//
// Performance: Fits() allocates nothing unless it succeeds (it then writes the choice into the
// caller's vector); reasons are only built by WhyNot(), which a caller asks for after a miss.
//
// Thread safety: FitChecker is immutable after construction; const methods are safe from
// several threads.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cluster/node.h"
#include "cluster/pod.h"
#include "gpu/gpu_catalog.h"
#include "plan/plan.h"

namespace gpupack::plan {

class FitChecker {
 public:
  // `catalog` must outlive the checker.
  explicit FitChecker(const gpu::GpuCatalog& catalog);

  // True when `pod` can run on `node`; then `devices` (cleared first) holds the chosen devices
  // (empty for a pod without GPU demand). `devices` may be null when only the answer matters.
  bool Fits(const cluster::Pod& pod, const cluster::Node& node,
            std::vector<DeviceChoice>* devices) const;

  // Why `pod` cannot run on `node`, as one line naming the node and the first failing check
  // ("node a: taint nvidia.com/gpu.mig=true:NoSchedule not tolerated", "node a: insufficient
  // nvidia.com/mig-1g.5gb"); "" when it fits.
  std::string WhyNot(const cluster::Pod& pod, const cluster::Node& node) const;

  // The catalog model of a node GPU, or nullptr when the node does not say or the catalog does
  // not know it (then no memory rule can be applied, as the scheduler applies none).
  const gpu::GpuModel* ModelOf(const cluster::NodeGpu& device) const;

  const gpu::GpuCatalog& catalog() const { return *catalog_; }

 private:
  // The first failing check as a reason without the node prefix; "" when it fits. With
  // `devices` non-null and a fit, the choice.
  std::string Check(const cluster::Pod& pod, const cluster::Node& node, bool want_reason,
                    std::vector<DeviceChoice>* devices) const;

  const gpu::GpuCatalog* catalog_;
  // The catalog's models by name, open addressing: a power-of-two table (at most half full)
  // probed linearly from a hash of the name. Every fit check looks its node's model up: a
  // binary search was a tenth of a check, and std::unordered_map's string hash and modulo 3% of
  // a simulated run's CPU time.
  std::vector<const gpu::GpuModel*> models_;
};

// Accounts `pod` on `node` on the chosen devices (from FitChecker::Fits): requests, pod key and
// GPU allocations. The caller guarantees the choice came from Fits on this node state.
void Assign(cluster::Node& node, const cluster::Pod& pod, const std::vector<DeviceChoice>& devices);

// Compute share of one slot of device `instance` of `device`, in thousandths of a GPU: 1000 for
// a whole GPU, 1000 / replicas when time-sliced, scaled by the MIG instance's compute slices.
int64_t SlotMilliGpu(const cluster::NodeGpu& device, const gpu::GpuModel* model, int instance);

// Memory of one device (the GPU or MIG instance `instance`) in bytes; 0 when the model is
// unknown.
int64_t DeviceMemoryBytes(const cluster::NodeGpu& device, const gpu::GpuModel* model, int instance);

}  // namespace gpupack::plan
