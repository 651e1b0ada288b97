// Scheduler: gpupack as a Kubernetes scheduler for the pods that opt in with
// `spec.schedulerName: gpupack` (kSchedulerName). kube-scheduler's default scoring
// (LeastAllocated) spreads pods across nodes, which undoes packing; these pods are placed with the
// planner's own placement policy (plan::Placer, "gpupack" by default: the policy the packing
// benchmark measures, each decision plan::FitChecker's) and bound through the `pods/binding`
// subresource, as kube-scheduler binds (kube-wire 03-pod-binding-create).
//
// One cycle (RunOnce) over a snapshot (the controller's ClusterView):
//   1. the pending gpupack pods in placement order (plan::SortForPlacement) are placed one at a
//      time on the snapshot's ready nodes, each placement accounted before the next;
//   2. per node that receives pods, in parallel (options.bind_workers): with recheck_nodes, the
//      pods bound to the node now are listed (fieldSelector spec.nodeName=<node>); if some are
//      not in the snapshot (another scheduler or a previous cycle bound them since), the node is
//      rebuilt with them and each planned pod re-fitted, and pods that no longer fit are left
//      pending for the next cycle (the API server accepts a binding whatever the node's load; the
//      kubelet would reject the pod later);
//   3. each pod is bound; a 409 (the pod is already bound) is skipped, a 404 (the pod is gone)
//      too; other errors are reported per pod and do not stop the cycle.
//
// Devices: the placement chooses GPUs / MIG instances (plan::DeviceChoice), but the NVIDIA device
// plugin picks the concrete device itself at container start (its Allocate call gets no hint
// from the scheduler), so the choice cannot be enforced; with annotate_devices the pod gets the
// informational annotation kAnnotationDevices (one merge patch before the binding). What *is*
// enforced is the kind of device: the pod's resource (nvidia.com/mig-1g.5gb, nvidia.com/gpu.shared)
// only exists on the devices that fit it.
//
// The control loop (control/control_loop.h) places gpupack pods too, when it plans: its
// Actuator::Bind calls BindPod for them (KubeActuator), so both paths bind the same way.
//
// Thread safety: a Scheduler is used from one thread at a time; it runs its own bind workers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/pod.h"
#include "cluster/snapshot.h"
#include "common/error.h"
#include "gpu/gpu_catalog.h"
#include "kube/kube_client.h"
#include "plan/placer.h"

namespace gpupack::controller {

// spec.schedulerName == kSchedulerName.
bool IsGpupackScheduled(const cluster::Pod& pod);

// The kAnnotationDevices value of `devices`: "3", "0.2x2", "1,2"; "" for none.
std::string FormatDevices(const std::vector<plan::DeviceChoice>& devices);

// Binds pod `pod_key` ("namespace/name") to `node` through pods/binding, first writing
// kAnnotationDevices when `annotate_devices` and there are devices. Errors are KubeClient's:
// Aborted when the pod is already bound (409), NotFound when it is gone, InvalidArgument for a
// key without a namespace. Blocks on the API.
[[nodiscard]] Status BindPod(kube::KubeClient& client, std::string_view pod_key,
                             const std::string& node,
                             const std::vector<plan::DeviceChoice>& devices,
                             bool annotate_devices = false);

struct SchedulerOptions {
  plan::PlacementPolicy policy = plan::PlacementPolicy::kGpupack;
  // Concurrent bindings (each on its own API connection).
  int bind_workers = 8;
  // Re-list each target node's pods before binding to it (see the file comment).
  bool recheck_nodes = true;
  bool annotate_devices = false;
};

struct ScheduleReport {
  int64_t pending = 0;          // gpupack pods pending in the snapshot
  int64_t bound = 0;            // bindings the API server accepted
  int64_t already_bound = 0;    // 409: bound by someone else since the snapshot; skipped
  int64_t gone = 0;             // 404: deleted since the snapshot; skipped
  int64_t unplaced = 0;         // fit on no ready node
  int64_t requeued = 0;         // their node filled up since the snapshot; next cycle
  int64_t failed = 0;           // other errors, in `errors`
  int64_t nodes_rechecked = 0;  // target nodes found changed since the snapshot, re-fitted
  std::vector<plan::Placement> bindings;  // what was bound, by pod key
  // One line per pod that failed, or was requeued because its node could not be re-checked
  // or was found over-committed; by pod key.
  std::vector<std::string> errors;
};

// A one-shot snapshot straight from the API: every node and pod (paged lists), read as
// `kubectl get nodes,pods -o json` would be (catalog::ReadKubeObjects), then BuildSnapshot (no
// templates). The controller reads its snapshot from its informers (KubeClusterView); this is for
// a standalone scheduling cycle, tests and the scheduler benchmark. Errors: the API's, or
// InvalidArgument naming an object that does not read.
[[nodiscard]] Result<cluster::ClusterSnapshot> ListClusterSnapshot(
    kube::KubeClient& client, const gpu::GpuCatalog& catalog, std::vector<std::string>& warnings);

class Scheduler {
 public:
  // `client` and `catalog` are borrowed and must outlive the scheduler.
  Scheduler(kube::KubeClient& client, const gpu::GpuCatalog& catalog, SchedulerOptions options);

  // One cycle over `snapshot` (BuildSnapshot's invariants). Per-pod API errors are in the
  // report; the cycle itself fails only for an invalid option (InvalidArgument). Blocks.
  [[nodiscard]] Result<ScheduleReport> RunOnce(const cluster::ClusterSnapshot& snapshot);

 private:
  kube::KubeClient& client_;
  const gpu::GpuCatalog& catalog_;
  const SchedulerOptions options_;
};

}  // namespace gpupack::controller
