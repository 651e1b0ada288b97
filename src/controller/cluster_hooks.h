// ClusterHooks: what runs around the Controller's loop in a real cluster, connected through
// ControllerHooks:
//   - the KubeActuator sees every snapshot the loop plans from (SetSnapshot), and after each
//     reconcile finishes the nodes gpupack manages (ReconcileNode: labels, MIG taint, the startup
//     taint once the planned capacity is advertised), writes Events (RecordReport, and
//     RecordProblems for objects the view could not use) and the NodeTemplates' status
//     (UpdateTemplateStatus);
//   - GpupackMetrics records each report and the cluster of each snapshot;
//   - the OpsServer gets a heartbeat on every wakeup (/healthz) and is ready once the informers
//     synced (/readyz).
// Each target may be null: a dry run has no actuator (nothing is written), tests may leave the
// operations out.
//
// LeaderGuardedActuator: an Actuator that refuses every action (FailedPrecondition) while
// `is_leader` says this replica does not hold the Lease, so a replica that lost leadership in
// the middle of a reconcile stops writing at once.
//
// LeaderGuardedClient: a KubeClient for the KubeActuator that refuses every write
// (FailedPrecondition) while `is_leader` is false. The actuator's work after a reconcile (node
// labels, Events, NodeTemplate status) is many writes: a replica whose renew deadline passes in
// the middle, on a slow API server, must not go on writing while another takes over.
//
// RunWhileLeading: how `gpupack controller` runs with leader election: campaign for the Lease,
// run the Controller (informers and loop) only while leading, stop it when leadership ends.
//
// Thread safety: the hooks run on the Controller's loop thread.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "control/control_loop.h"
#include "controller/controller.h"
#include "controller/kube_actuator.h"
#include "controller/leader_election.h"
#include "controller/metrics.h"
#include "controller/ops_server.h"
#include "kube/forwarding_kube_client.h"

namespace gpupack::controller {

struct ClusterHookTargets {
  KubeActuator* actuator = nullptr;
  GpupackMetrics* metrics = nullptr;
  OpsServer* ops = nullptr;
  // Whether the actuator's own work may write now (the leader Lease is held); empty: always.
  std::function<bool()> may_write;
};

ControllerHooks MakeClusterHooks(ClusterHookTargets targets);

class LeaderGuardedActuator final : public control::Actuator {
 public:
  LeaderGuardedActuator(control::Actuator& inner, std::function<bool()> is_leader)
      : inner_(inner), is_leader_(std::move(is_leader)) {}

  [[nodiscard]] Status Bind(const std::string& pod, const std::string& node,
                            const std::vector<plan::DeviceChoice>& devices) override;
  [[nodiscard]] Status Launch(const plan::Provision& provision) override;
  [[nodiscard]] Status Reconfigure(const plan::Reconfiguration& change) override;
  [[nodiscard]] Status Remove(const std::string& node) override;

 private:
  [[nodiscard]] Status CheckLeader(std::string_view action) const;

  control::Actuator& inner_;
  std::function<bool()> is_leader_;
};

class LeaderGuardedClient final : public kube::ForwardingKubeClient {
 public:
  // `inner` must outlive this client.
  LeaderGuardedClient(kube::KubeClient& inner, std::function<bool()> is_leader)
      : ForwardingKubeClient(inner), is_leader_(std::move(is_leader)) {}

  // Writes only; reads and watches pass through.
  [[nodiscard]] Result<nlohmann::json> Create(const kube::Resource& resource,
                                              const std::string& namespace_name,
                                              const nlohmann::json& object,
                                              const kube::WriteOptions& options) override;
  [[nodiscard]] Result<nlohmann::json> Update(const kube::Resource& resource,
                                              const nlohmann::json& object,
                                              const kube::WriteOptions& options) override;
  [[nodiscard]] Result<nlohmann::json> Patch(const kube::Resource& resource,
                                             const kube::ObjectKey& key, kube::PatchType type,
                                             const std::string& body,
                                             const kube::WriteOptions& options) override;
  [[nodiscard]] Result<nlohmann::json> Delete(const kube::Resource& resource,
                                              const kube::ObjectKey& key,
                                              const kube::DeleteOptions& options) override;
  [[nodiscard]] Status Evict(const kube::ObjectKey& pod,
                             const kube::DeleteOptions& options) override;
  [[nodiscard]] Status Bind(const kube::ObjectKey& pod, const std::string& node_name) override;

 private:
  [[nodiscard]] Status CheckLeader(std::string_view verb, std::string_view what) const;

  std::function<bool()> is_leader_;
};

// What RunWhileLeading reports; both optional, called on the elector's thread.
struct LeadingCallbacks {
  // This replica started (true) or stopped (false) leading.
  std::function<void(bool leading)> on_leading;
  // After every acquire or renew attempt, with whether this replica leads now (a standby has no
  // loop to heartbeat /healthz, so it heartbeats from here).
  std::function<void(bool leading)> on_attempt;
};

// Campaigns with `elector` until `stop`; while it leads, runs `controller` (which must be fresh:
// Run once per Controller) on a thread of its own. Returns once the loop has stopped: OK when
// `stop` was set (the Lease released), Unavailable when leadership was lost (a lost leader does
// not campaign again: the process exits and its restart campaigns), or the loop's own error
// (the informers never synced; `stop` is set then). The actions the loop takes must be guarded
// by elector.IsLeader() (LeaderGuardedActuator, ClusterHookTargets::may_write).
[[nodiscard]] Status RunWhileLeading(LeaderElector& elector, Controller& controller,
                                     kube::CancelToken& stop, LeadingCallbacks callbacks);

}  // namespace gpupack::controller
