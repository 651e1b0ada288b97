#include "controller/cluster_hooks.h"

#include <utility>

#include "cluster/gpu_demand.h"
#include "common/log.h"

namespace gpupack::controller {
namespace {

// Finishes every node gpupack manages, then Events and NodeTemplate status. One node's failure
// does not stop the others; the first error is returned with how many more there were.
Status AfterReconcile(KubeActuator& actuator, const ReconcileContext& context) {
  std::vector<std::string> errors;
  for (const kube::NodeObject& node : context.nodes) {
    if (node.meta.Label(cluster::kLabelNodeTemplate) == nullptr) {
      continue;
    }
    Result<NodeState> state = actuator.ReconcileNode(node);
    if (!state) {
      errors.push_back(state.error().message());
    } else if (*state != NodeState::kUnmanaged) {
      log::Debug("node {}: {}", node.meta.name, NodeStateName(*state));
    }
  }
  if (Status events = actuator.RecordReport(context.report, context.nominations); !events) {
    errors.push_back(events.error().message());
  }
  if (Status events = actuator.RecordProblems(context.lasting_problems); !events) {
    errors.push_back(events.error().message());
  }
  if (Status status = actuator.UpdateTemplateStatus(context.snapshot); !status) {
    errors.push_back(status.error().message());
  }
  if (errors.empty()) {
    return OkStatus();
  }
  std::string more =
      errors.size() > 1 ? " (and " + std::to_string(errors.size() - 1) + " more)" : "";
  return UnavailableError(errors.front() + more);
}

}  // namespace

ControllerHooks MakeClusterHooks(ClusterHookTargets targets) {
  ControllerHooks hooks;
  if (targets.ops != nullptr) {
    OpsServer* ops = targets.ops;
    hooks.on_synced = [ops] { ops->SetReady(true); };
    hooks.on_wakeup = [ops] { ops->Heartbeat(); };
  }
  hooks.on_snapshot = [targets](std::shared_ptr<const cluster::ClusterSnapshot> snapshot) {
    if (targets.metrics != nullptr) {
      targets.metrics->UpdateCluster(*snapshot);
    }
    if (targets.actuator != nullptr) {
      targets.actuator->SetSnapshot(std::move(snapshot));
    }
  };
  if (targets.metrics != nullptr) {
    GpupackMetrics* metrics = targets.metrics;
    hooks.on_report = [metrics](const control::ReconcileReport& report, Duration latency) {
      metrics->RecordReconcile(report, latency);
    };
  }
  if (targets.actuator != nullptr) {
    KubeActuator* actuator = targets.actuator;
    hooks.after_reconcile =
        [actuator, may_write = targets.may_write](const ReconcileContext& context) -> Status {
      if (may_write && !may_write()) {
        return FailedPreconditionError(
            "nodes, Events and NodeTemplate status not written: this replica no longer holds "
            "the leader Lease");
      }
      return AfterReconcile(*actuator, context);
    };
  }
  return hooks;
}

Status LeaderGuardedActuator::CheckLeader(std::string_view action) const {
  if (is_leader_()) {
    return OkStatus();
  }
  return FailedPreconditionError(std::string(action) +
                                 ": not done, this replica no longer holds the leader Lease");
}

Status LeaderGuardedActuator::Bind(const std::string& pod, const std::string& node,
                                   const std::vector<plan::DeviceChoice>& devices) {
  GP_TRY(CheckLeader("bind " + pod));
  return inner_.Bind(pod, node, devices);
}

Status LeaderGuardedActuator::Launch(const plan::Provision& provision) {
  GP_TRY(CheckLeader("launch " + provision.template_name));
  return inner_.Launch(provision);
}

Status LeaderGuardedActuator::Reconfigure(const plan::Reconfiguration& change) {
  GP_TRY(CheckLeader("reconfigure " + change.node));
  return inner_.Reconfigure(change);
}

Status LeaderGuardedActuator::Remove(const std::string& node) {
  GP_TRY(CheckLeader("remove " + node));
  return inner_.Remove(node);
}

}  // namespace gpupack::controller
