// KubeClusterView: the control loop's ClusterView over the informers' caches (DESIGN.md section
// 5): Nodes, Pods, gpupack NodeTemplates, Karpenter NodeClaims and gpupack's ConfigMaps become
// one cluster::ClusterSnapshot, read the same way the YAML readers read those objects.
//
//   Node        -> cluster::Node. GPUs from GFD's labels and the advertised resources
//                  (catalog::DeriveNodeGpus, as `gpupack plan` reads a node), except on a node
//                  still tainted gpupack.io/sharing-pending: its GPUs are shown with the sharing
//                  gpupack planned for it (the device-plugin config key of its
//                  nvidia.com/device-plugin.config or gpupack.io/planned-sharing label, the
//                  mig-parted config of nvidia.com/mig.config, both looked up in gpupack's
//                  ConfigMaps), so the planner counts its coming slots, not the unconfigured GPUs.
//   NodeClaim   -> a coming node NAMED AFTER THE NODECLAIM while no Node exists for it (no Node
//                  labelled karpenter.sh/nodeclaim=<name>, none named status.nodeName): the node
//                  its template would get from the claim's instance type, capacity type and zone
//                  (cluster::PlannedNode) with the planned sharing, tainted sharing-pending. Only
//                  claims labelled gpupack.io/node-template; claims being deleted are left out.
//   Pod         -> cluster::Pod, GPU demand by cluster::RecognizeGpuDemand; terminal pods and
//                  pending pods being deleted are left out.
//   NodeTemplate-> cluster::NodeTemplate by catalog::ReadNodeTemplate (the CR body is JSON,
//                  which is YAML).
//
// A broken object (an unknown GPU model, a template that does not validate, a sharing config
// gpupack's ConfigMaps do not hold, a pod whose GPU request is impossible) never stops the loop:
// it is left out (or, for a node's GPUs, shown without them) and reported in `problems` as one
// line, "<Kind>/<name>: <what>", with the object it is about, for the controller's log and a
// Warning Event on that object.
//
// Failed launches: Karpenter deletes a NodeClaim it found no capacity for (after an Event
// InsufficientCapacityError on it) and marks one whose launch failed otherwise with the status
// condition Launched=False. Either way the claim is no coming node: a claim with Launched=False
// is left out and, like a gpupack claim deleted before it launched (seen with its
// deletionTimestamp while Karpenter's finalizer holds it, or in the informer's deletion the
// Controller passes to NoteNodeClaimDeleted), reported once through TakeLaunchFailures, with
// the offering its requirements name, so the loop skips that offering for a while and plans the
// pods again elsewhere.
//
// Thread safety: BuildClusterSnapshot is a pure function. KubeClusterView::Snapshot may run
// while the informers update (they copy under their locks); one caller at a time.
// NoteNodeClaimDeleted may be called from any thread.
#pragma once

#include <compare>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cluster/instance_type.h"
#include "cluster/snapshot.h"
#include "common/error.h"
#include "control/control_loop.h"
#include "gpu/gpu_catalog.h"
#include "kube/informer.h"
#include "kube/objects.h"

namespace gpupack::controller {

// Where gpupack's ConfigMaps are (the names the actuator writes).
struct ViewOptions {
  std::string namespace_name;
  std::string device_plugin_config_map;
  std::string mig_parted_config_map;
};

// ViewOptions with the conventions.h defaults (the ConfigMaps in the GPU Operator's namespace, as
// KubeActuatorOptions has them).
ViewOptions DefaultViewOptions();

// The cluster's objects as the informers hold them.
struct ClusterObjects {
  std::vector<kube::NodeObject> nodes;
  std::vector<kube::PodObject> pods;
  std::vector<kube::GenericObject> node_templates;
  std::vector<kube::GenericObject> node_claims;
  std::vector<kube::GenericObject> config_maps;  // those of ViewOptions::namespace_name
};

// An object the view could not use, in whole or in part.
struct ObjectProblem {
  std::string text;  // "<Kind>/<name>: <what>", one line
  // The object: its kind (empty for a problem of no one object, such as a BuildSnapshot
  // warning), apiVersion, namespace (empty: cluster-scoped), name and uid.
  std::string kind;
  std::string api_version;
  std::string namespace_name;
  std::string name;
  std::string uid;

  auto operator<=>(const ObjectProblem&) const = default;
};

struct ClusterReading {
  cluster::ClusterSnapshot snapshot;
  // Objects left out or read in part, and BuildSnapshot's warnings, sorted by text, unique.
  std::vector<ObjectProblem> problems;
  // gpupack NodeClaims whose launch failed (Launched=False, or being deleted before they
  // launched), left out of the snapshot.
  std::vector<control::LaunchFailure> failed_launches;
};

// The launch failure of a gpupack NodeClaim (one labelled gpupack.io/node-template) with the
// offering its requirements name: one with the status condition Launched=False (exists), or,
// when `deleted` (its last state before it was deleted), one that never launched (no
// Launched=True condition, no providerID). nullopt otherwise.
std::optional<control::LaunchFailure> FailedLaunch(const kube::GenericObject& claim, bool deleted);

// Builds the snapshot from `objects`. Fails only when the snapshot itself cannot be built (the
// instance catalog or a duplicate the API server would never return); per-object problems go to
// `problems`.
[[nodiscard]] Result<ClusterReading> BuildClusterSnapshot(const ClusterObjects& objects,
                                                          const gpu::GpuCatalog& gpus,
                                                          const cluster::InstanceCatalog& instances,
                                                          const ViewOptions& options);

// The informers a view reads (borrowed; they outlive the view).
struct ClusterInformers {
  kube::NodeInformer* nodes = nullptr;
  kube::PodInformer* pods = nullptr;
  kube::GenericInformer* node_templates = nullptr;
  kube::GenericInformer* node_claims = nullptr;
  kube::GenericInformer* config_maps = nullptr;
};

class KubeClusterView final : public control::ClusterView {
 public:
  // `gpus` and `instances` are borrowed and must outlive the view.
  KubeClusterView(ClusterInformers informers, const gpu::GpuCatalog& gpus,
                  const cluster::InstanceCatalog& instances, ViewOptions options);

  [[nodiscard]] Result<cluster::ClusterSnapshot> Snapshot() override;

  // The failed launches found since the last call: claims with Launched=False in a Snapshot and
  // claims deleted before they launched, each once.
  std::vector<control::LaunchFailure> TakeLaunchFailures() override;

  // The informer's NodeClaim handler calls this with the last state of a deleted claim.
  void NoteNodeClaimDeleted(const kube::GenericObject& claim);

  // The problems of the latest Snapshot.
  const std::vector<ObjectProblem>& problems() const { return problems_; }

  // What the informers hold now.
  ClusterObjects Objects() const;

 private:
  ClusterInformers informers_;
  const gpu::GpuCatalog* gpus_;
  const cluster::InstanceCatalog* instances_;
  ViewOptions options_;
  std::vector<ObjectProblem> problems_;

  std::mutex mu_;  // guards the two below: deletions come on the informer's thread
  std::vector<control::LaunchFailure> failures_;
  // Claims reported failed while they still existed: their deletion is not reported again.
  std::set<std::string, std::less<>> reported_failed_;
};

}  // namespace gpupack::controller
