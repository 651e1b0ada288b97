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
// Thread safety: the hooks run on the Controller's loop thread.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "control/control_loop.h"
#include "controller/controller.h"
#include "controller/kube_actuator.h"
#include "controller/metrics.h"
#include "controller/ops_server.h"

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

}  // namespace gpupack::controller
