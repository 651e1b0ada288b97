#include "controller/cluster_hooks.h"

#include <atomic>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cluster/gpu_demand.h"
#include "common/log.h"
#include "kube/objects.h"

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

Status LeaderGuardedClient::CheckLeader(std::string_view verb, std::string_view what) const {
  if (is_leader_()) {
    return OkStatus();
  }
  return FailedPreconditionError(
      fmt::format("{} {}: not done, this replica no longer holds the leader Lease", verb, what));
}

Result<nlohmann::json> LeaderGuardedClient::Create(const kube::Resource& resource,
                                                   const std::string& namespace_name,
                                                   const nlohmann::json& object,
                                                   const kube::WriteOptions& options) {
  GP_TRY(CheckLeader("create", resource.DisplayName()));
  return inner().Create(resource, namespace_name, object, options);
}

Result<nlohmann::json> LeaderGuardedClient::Update(const kube::Resource& resource,
                                                   const nlohmann::json& object,
                                                   const kube::WriteOptions& options) {
  GP_TRY(CheckLeader("update", resource.DisplayName()));
  return inner().Update(resource, object, options);
}

Result<nlohmann::json> LeaderGuardedClient::Patch(const kube::Resource& resource,
                                                  const kube::ObjectKey& key, kube::PatchType type,
                                                  const std::string& body,
                                                  const kube::WriteOptions& options) {
  GP_TRY(CheckLeader("patch", resource.DisplayName() + " " + key.ToString()));
  return inner().Patch(resource, key, type, body, options);
}

Result<nlohmann::json> LeaderGuardedClient::Delete(const kube::Resource& resource,
                                                   const kube::ObjectKey& key,
                                                   const kube::DeleteOptions& options) {
  GP_TRY(CheckLeader("delete", resource.DisplayName() + " " + key.ToString()));
  return inner().Delete(resource, key, options);
}

Status LeaderGuardedClient::Evict(const kube::ObjectKey& pod, const kube::DeleteOptions& options) {
  GP_TRY(CheckLeader("evict", "pod " + pod.ToString()));
  return inner().Evict(pod, options);
}

Status LeaderGuardedClient::Bind(const kube::ObjectKey& pod, const std::string& node_name) {
  GP_TRY(CheckLeader("bind", "pod " + pod.ToString()));
  return inner().Bind(pod, node_name);
}

Status RunWhileLeading(LeaderElector& elector, Controller& controller, kube::CancelToken& stop,
                       LeadingCallbacks callbacks) {
  std::atomic<bool> leading{false};
  kube::CancelToken loop_stop;
  std::thread loop;
  Status loop_status = OkStatus();
  LeaderCallbacks elector_callbacks;
  elector_callbacks.on_started_leading = [&] {
    leading = true;
    if (callbacks.on_leading) {
      callbacks.on_leading(true);
    }
    log::Info("leading: starting the informers and the control loop");
    loop = std::thread([&] {
      loop_status = controller.Run(loop_stop);
      if (!loop_status) {
        stop.Cancel();  // the elector releases the Lease and returns
      }
    });
  };
  elector_callbacks.on_stopped_leading = [&] {
    leading = false;
    if (callbacks.on_leading) {
      callbacks.on_leading(false);
    }
    loop_stop.Cancel();
    controller.Wake();
  };
  elector_callbacks.on_attempt = [&] {
    if (callbacks.on_attempt) {
      callbacks.on_attempt(leading.load());
    }
  };
  elector_callbacks.on_new_leader = [](const std::string& identity) {
    log::Info("the leader is {}", identity);
  };
  LeaderElector::End end = elector.Run(stop, elector_callbacks);
  loop_stop.Cancel();
  controller.Wake();
  if (loop.joinable()) {
    loop.join();
  }
  GP_TRY(loop_status);
  if (end == LeaderElector::End::kLostLeadership) {
    return UnavailableError(
        "lost the leader Lease; exiting so that a restarted process campaigns again");
  }
  return OkStatus();
}

}  // namespace gpupack::controller
