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
// gpupack's ConfigMaps do not hold) never stops the loop: it is left out (or, for a node's GPUs,
// shown without them) and reported as one line in `problems`, "<Kind>/<name>: <what>", for the
// controller's log and Events.
//
// Known gap: the informers' compact pods keep no node affinity, so a pod's required node
// affinity is not seen (its nodeSelector and tolerations are).
//
// Thread safety: BuildClusterSnapshot is a pure function. KubeClusterView::Snapshot may run
// while the informers update (they copy under their locks); one caller at a time.
#pragma once

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

struct ClusterReading {
  cluster::ClusterSnapshot snapshot;
  // Objects left out or read in part, and BuildSnapshot's warnings, one line each, sorted.
  std::vector<std::string> problems;
};

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

  // The problems of the latest Snapshot.
  const std::vector<std::string>& problems() const { return problems_; }

  // What the informers hold now.
  ClusterObjects Objects() const;

 private:
  ClusterInformers informers_;
  const gpu::GpuCatalog* gpus_;
  const cluster::InstanceCatalog* instances_;
  ViewOptions options_;
  std::vector<std::string> problems_;
};

}  // namespace gpupack::controller
