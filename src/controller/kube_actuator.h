// KubeActuator: control::Actuator over the Kubernetes API (DESIGN.md sections 4-5). What the
// control loop decides becomes writes a real cluster understands:
//
//   Launch       one karpenter.sh/v1 NodeClaim per node of the provision, named
//                `<template>-<10 hex>` (a hash of the planning input and the node's index, so a
//                retried or restarted launch gets 409 AlreadyExists, taken as success). Before
//                it: the device-plugin ConfigMap key and the mig-parted config the labels will
//                point at.
//   Reconfigure  only when no running pod on the node (listed from the API, not the cache) uses
//                the GPU being changed: taint gpupack.io/sharing-pending, write the ConfigMap
//                keys, relabel (FailedPrecondition otherwise).
//   Remove       cordon, evict every pod that is not a DaemonSet's or a mirror pod (a
//                PodDisruptionBudget refusal stops it: Unavailable, the node stays cordoned and
//                the loop tries again later), then delete the NodeClaim (a Node only when it has
//                none).
//   Bind         pods/binding for pods whose schedulerName is gpupack; kube-scheduler binds the
//                others once the node is ready (a no-op here, logged).
//
// Beside the Actuator interface the Controller calls ReconcileNode for each node of a template
// (labels and taints to match the planned sharing; the startup taint comes off only when the
// node advertises the planned capacity and, for MIG, the MIG manager reports success),
// RecordReport (core/v1 Events on pods and nodes) and UpdateTemplateStatus (NodeTemplate status).
//
// Writes never clobber what others wrote: labels and taints change through JSON patches guarded
// by `test` operations (a concurrent change makes the patch fail; the object is read again and the
// patch rebuilt), ConfigMaps by merge patches that add keys (keys a node label may still point at
// are never deleted).
//
// Thread safety: none; the Controller calls it from its loop thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/snapshot.h"
#include "common/clock.h"
#include "common/error.h"
#include "control/control_loop.h"
#include "controller/conventions.h"
#include "controller/kube_cluster_view.h"
#include "controller/node_sharing.h"
#include "gpu/gpu_catalog.h"
#include "kube/kube_client.h"
#include "kube/objects.h"
#include "plan/plan.h"

namespace gpupack::controller {

// Label and taint changes of one node (defined in kube_actuator.cc).
struct NodeChanges;

struct KubeActuatorOptions {
  // Where gpupack's sharing ConfigMaps live (the GPU Operator's namespace: its device plugin and
  // MIG manager read them from there), and their names (the operator's
  // devicePlugin.config.name and migManager.config.name must name the same).
  std::string config_namespace{kDefaultGpuOperatorNamespace};
  std::string device_plugin_config_map{kDefaultDevicePluginConfigMap};
  std::string mig_parted_config_map{kDefaultMigPartedConfigMap};
  // Events about nodes (cluster-scoped) go here, where `kubectl describe node` finds them.
  std::string node_event_namespace = "default";
  // reportingInstance of Events: this replica (its pod name); empty: not written.
  std::string reporting_instance;
  // Pods with this schedulerName are bound by gpupack through pods/binding.
  std::string scheduler_name = "gpupack";
  // The NodeClass of NodeClaims whose template has no spec.nodeClassRef; Launch fails
  // (FailedPrecondition) when neither names one, since Karpenter requires it.
  std::optional<cluster::NodeClassRef> default_node_class;
  // spec.expireAfter of NodeClaims ("720h", Karpenter's default; "Never" keeps nodes).
  std::string node_claim_expire_after = "720h";
};

// What ReconcileNode found.
enum class NodeState {
  kUnmanaged,  // no planned sharing: nothing to do
  kApplying,   // labels written or config not applied yet: the startup taint stays
  kReady,      // advertises the planned capacity; no startup taint
  kFailed,     // the MIG manager reported failed: the startup taint stays, a Warning Event said so
};

std::string_view NodeStateName(NodeState state);

class KubeActuator final : public control::Actuator {
 public:
  // `client`, `catalog` and `clock` must outlive the actuator.
  KubeActuator(kube::KubeClient& client, const gpu::GpuCatalog& catalog, const Clock& clock,
               KubeActuatorOptions options = {});

  // The snapshot the loop plans from (templates, instance catalog, pods and nodes by name). The
  // Controller sets it before each ControlLoop::Reconcile; Launch, Reconfigure and Events look
  // things up in it. Until set, Launch fails with FailedPrecondition.
  void SetSnapshot(std::shared_ptr<const cluster::ClusterSnapshot> snapshot);

  [[nodiscard]] Status Bind(const std::string& pod, const std::string& node,
                            const std::vector<plan::DeviceChoice>& devices) override;
  [[nodiscard]] Status Launch(const plan::Provision& provision) override;
  [[nodiscard]] Status Reconfigure(const plan::Reconfiguration& change) override;
  [[nodiscard]] Status Remove(const std::string& node) override;

  // Makes `node` (one with gpupack.io/node-template) match its planned sharing: the labels
  // nvidia.com/device-plugin.config, nvidia.com/mig.config and nvidia.com/gpu.mig-partition-<p>
  // and the MIG taint; then removes gpupack.io/sharing-pending once allocatable shows the
  // planned capacity (and nvidia.com/mig.config.state is success for MIG). The plan is the
  // gpupack.io/planned-sharing label (+ nvidia.com/mig.config) read against gpupack's
  // ConfigMaps.
  [[nodiscard]] Result<NodeState> ReconcileNode(const kube::NodeObject& node);

  // core/v1 Events for what one Reconcile did: Warning GpupackUnschedulable on each pod the
  // planner could not place (with its reason), Normal GpupackNominated on pods nominated to a
  // coming node (`nominations`: pod key -> node). Node Events (GpupackLaunched,
  // GpupackReconfigured, GpupackRemoved) are written by the actions themselves. A repeated Event
  // (same object, reason and message) has its count and lastTimestamp patched.
  [[nodiscard]] Status RecordReport(
      const control::ReconcileReport& report,
      const std::map<std::string, std::string, std::less<>>& nominations);

  // A Warning Event on each object of `problems` (those with a kind), reason
  // GpupackInvalid<Kind> (GpupackInvalidPod, GpupackInvalidNode, GpupackInvalidNodeTemplate,
  // GpupackInvalidNodeClaim, GpupackInvalidConfigMap), the problem's line as its message. The
  // Controller passes each problem once, when it has lasted two reconciles.
  [[nodiscard]] Status RecordProblems(const std::vector<ObjectProblem>& problems);

  // Merge-patches the status subresource of every NodeTemplate of `snapshot`: nodes, gpus,
  // replicas (slots), allocated (slots in use), allocationRatio, hourlyCost, and a Ready
  // condition. Skips templates whose status would not change since the last call.
  [[nodiscard]] Status UpdateTemplateStatus(const cluster::ClusterSnapshot& snapshot);

  // The NodeClaims Launch created (or found), by the provision's node name.
  const std::map<std::string, std::string, std::less<>>& node_claims() const {
    return node_claims_;
  }

 private:
  // The object an Event is about; namespace_name empty for cluster-scoped objects.
  struct EventObject {
    std::string api_version;
    std::string kind;
    std::string name;
    std::string uid;
    std::string namespace_name;
  };

  struct RecordedEvent {
    std::string namespace_name;
    std::string name;
    int64_t count = 0;
  };

  // Reads both ConfigMaps into plugin_configs_ / mig_configs_ (absent ConfigMaps are empty).
  [[nodiscard]] Status LoadConfigMaps();
  // Makes sure the device-plugin key and the mig-parted config of `sharing` are written.
  [[nodiscard]] Status WriteSharingConfig(const NodeSharing& sharing);
  // Patches `node` (JSON patch with `test` guards, re-read and rebuilt on conflict); false when
  // nothing needed to change.
  [[nodiscard]] Result<bool> ApplyNodeChanges(const std::string& node, const NodeChanges& changes);
  // The label and taint changes that make a node carry `sharing`.
  NodeChanges SharingChanges(const NodeSharing& sharing) const;
  // Creates the Event, or bumps its count when the same one was written before.
  [[nodiscard]] Status Emit(const EventObject& object, std::string_view reason,
                            const std::string& message, bool warning);

  kube::KubeClient* client_;
  const gpu::GpuCatalog* catalog_;
  const Clock* clock_;
  KubeActuatorOptions options_;
  std::shared_ptr<const cluster::ClusterSnapshot> snapshot_;
  std::map<std::string, std::string, std::less<>> node_claims_;
  int64_t launches_since_snapshot_ = 0;
  // What gpupack's ConfigMaps are known to hold, by key / config name.
  std::map<std::string, gpu::DevicePluginConfig, std::less<>> plugin_configs_;
  std::map<std::string, std::vector<gpu::MigConfigEntry>, std::less<>> mig_configs_;
  // Events written, by "<namespace>/<kind>/<object>|<reason>|<message>".
  std::map<std::string, RecordedEvent, std::less<>> events_;
  // Nominations already announced (pod -> node).
  std::map<std::string, std::string, std::less<>> nominated_;
  // Last status written and when Ready was first reported, by template.
  std::map<std::string, std::string, std::less<>> template_status_;
  std::map<std::string, Timestamp, std::less<>> template_ready_since_;
};

// The deterministic NodeClaim name: `<template>-<10 hex>` of a stable hash of `seed_keys`
// (sorted first) and `index`.
std::string NodeClaimName(std::string_view template_name, std::vector<std::string> seed_keys,
                          int index);

}  // namespace gpupack::controller
