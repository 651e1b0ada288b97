// `gpupack controller`: gpupack running against a cluster (DESIGN.md section 5). It watches pods,
// nodes, NodeTemplates and NodeClaims, runs the simulator's control loop on them and acts
// through the Kubernetes API (or, with --dry-run, prints what it would do and writes nothing).
#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <pthread.h>

#include "apps/gpupack/commands.h"
#include "catalog/gpu_catalog_loader.h"
#include "catalog/instance_catalog_loader.h"
#include "common/log.h"
#include "controller/cluster_hooks.h"
#include "controller/controller.h"
#include "controller/conventions.h"
#include "controller/kube_actuator.h"
#include "controller/leader_election.h"
#include "controller/metered_kube_client.h"
#include "controller/metrics.h"
#include "controller/ops_server.h"
#include "kube/http_kube_client.h"
#include "kube/kubeconfig.h"
#include "sim/workload/arrivals.h"

namespace gpupack::app {
namespace {

struct ControllerFlags {
  std::string kubeconfig;
  std::string context;
  bool in_cluster = false;
  std::string namespace_name{controller::kDefaultNamespace};
  std::string config_namespace{controller::kDefaultGpuOperatorNamespace};
  std::string device_plugin_config_map{controller::kDefaultDevicePluginConfigMap};
  std::string mig_parted_config_map{controller::kDefaultMigPartedConfigMap};
  std::string catalog = "aws";
  std::string gpu_catalog;
  bool dry_run = false;
  bool once = false;
  std::string log_format = "text";
  std::string batch_idle = "1s";
  std::string batch_max = "10s";
  std::string empty_node_ttl = "30s";
  std::string node_class;
  bool leader_elect = true;
  std::string metrics_bind_address = ":8080";
  std::string health_probe_bind_address = ":8081";
};

Result<Duration> FlagDuration(const std::string& flag, const std::string& text) {
  Result<Duration> value = sim::ParseDurationText(text);
  if (!value) {
    return tl::unexpected(value.error().WithContext(flag));
  }
  return value;
}

Result<kube::ClusterConfig> ResolveConfig(const ControllerFlags& flags) {
  if (flags.in_cluster) {
    return kube::LoadInClusterConfig(kube::ProcessEnv());
  }
  return kube::ResolveClusterConfig(flags.kubeconfig, flags.context, kube::ProcessEnv());
}

// Blocks SIGINT and SIGTERM in every thread started after it, and waits for them on one thread
// of its own, which cancels `stop` and wakes the controller: a clean shutdown (leases released,
// informers joined) instead of dying mid-write.
class SignalWatcher {
 public:
  SignalWatcher() {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
  }

  void Start(kube::CancelToken& stop, std::function<void()> wake) {
    thread_ = std::thread([this, &stop, wake = std::move(wake)] {
      int signal = 0;
      sigwait(&signals_, &signal);
      if (!done_.load()) {
        log::Info("signal {}: stopping", signal);
      }
      stop.Cancel();
      wake();
    });
  }

  ~SignalWatcher() {
    if (thread_.joinable()) {
      // Wake the watcher if no signal came: send it one it waits for.
      done_.store(true);
      pthread_kill(thread_.native_handle(), SIGTERM);
      thread_.join();
    }
  }

 private:
  sigset_t signals_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// "karpenter.k8s.aws/EC2NodeClass/default" -> {group, kind, name}.
Result<cluster::NodeClassRef> ParseNodeClass(const std::string& text) {
  size_t first = text.find('/');
  size_t second = first == std::string::npos ? first : text.find('/', first + 1);
  if (second == std::string::npos || first == 0 || second == first + 1 ||
      second + 1 >= text.size() || text.find('/', second + 1) != std::string::npos) {
    return InvalidArgumentError(
        "--node-class: want <group>/<kind>/<name> (e.g. "
        "karpenter.k8s.aws/EC2NodeClass/default), got \"" +
        text + "\"");
  }
  return cluster::NodeClassRef{text.substr(0, first), text.substr(first + 1, second - first - 1),
                               text.substr(second + 1)};
}

Status RunController(const ControllerFlags& flags) {
  // Before any thread starts (the operations server's, the informers'), so that only the
  // watcher's thread takes SIGINT/SIGTERM.
  SignalWatcher signals;
  log::Format log_format = log::Format::kText;
  if (!log::ParseFormat(flags.log_format, log_format)) {
    return InvalidArgumentError("--log-format: must be text or json, got \"" + flags.log_format +
                                "\"");
  }
  log::Configure(log::Level::kInfo, log_format);

  controller::ControllerOptions options;
  options.view.namespace_name = flags.config_namespace;
  options.view.device_plugin_config_map = flags.device_plugin_config_map;
  options.view.mig_parted_config_map = flags.mig_parted_config_map;
  GP_ASSIGN_OR_RETURN(options.control.batch_idle, FlagDuration("--batch-idle", flags.batch_idle));
  GP_ASSIGN_OR_RETURN(options.control.batch_max, FlagDuration("--batch-max", flags.batch_max));
  GP_ASSIGN_OR_RETURN(options.control.empty_node_ttl,
                      FlagDuration("--empty-node-ttl", flags.empty_node_ttl));
  options.control.plan.disruption_budget = 0;  // the controller does not move running pods

  GP_ASSIGN_OR_RETURN(gpu::GpuCatalog gpus, catalog::LoadGpuCatalogWithUserFile(flags.gpu_catalog));
  Result<cluster::InstanceCatalog> instances = catalog::LoadInstanceCatalog(flags.catalog, gpus);
  if (!instances) {
    return tl::unexpected(instances.error().WithContext("--catalog"));
  }
  std::optional<cluster::NodeClassRef> node_class;
  if (!flags.node_class.empty()) {
    GP_ASSIGN_OR_RETURN(node_class, ParseNodeClass(flags.node_class));
  }

  GP_ASSIGN_OR_RETURN(kube::ClusterConfig config, ResolveConfig(flags));
  std::string server = config.server + " (" + config.source + ")";
  GP_ASSIGN_OR_RETURN(auto http, kube::HttpKubeClient::Create(config, {}));
  controller::GpupackMetrics metrics;
  controller::MeteredKubeClient client(*http, metrics);
  // One request before anything else, so a wrong address or credential is one clear line.
  if (Result<nlohmann::json> version = client.GetPath("/version"); !version) {
    return UnavailableError("cannot reach the Kubernetes API server at " + server + ": " +
                            version.error().message());
  }

  SystemClock clock;
  kube::RealSleeper sleeper;
  std::unique_ptr<controller::LeaderElector> elector;
  if (flags.leader_elect && !flags.dry_run) {
    controller::LeaderElectionConfig election;
    election.lease_namespace = flags.namespace_name;
    election.identity = controller::DefaultLeaderIdentity();
    GP_TRY(controller::ValidateLeaderElectionConfig(election));
    elector = std::make_unique<controller::LeaderElector>(client, clock, sleeper, election);
  }
  auto is_leader = [&elector] { return elector == nullptr || elector->IsLeader(); };

  // The actuator: nothing is written in a dry run; otherwise every action (and the actuator's
  // own work after each reconcile) only while this replica holds the Lease.
  controller::DryRunActuator dry_run(stdout, gpus);
  // Every write the actuator makes is checked against the Lease, not only each action: its work
  // after a reconcile is many writes, and the renew deadline may pass in the middle.
  controller::LeaderGuardedClient actuator_client(client, is_leader);
  std::unique_ptr<controller::KubeActuator> kube_actuator;
  std::unique_ptr<controller::LeaderGuardedActuator> guarded;
  control::Actuator* actuator = &dry_run;
  if (!flags.dry_run) {
    controller::KubeActuatorOptions actuator_options;
    actuator_options.config_namespace = options.view.namespace_name;
    actuator_options.device_plugin_config_map = flags.device_plugin_config_map;
    actuator_options.mig_parted_config_map = flags.mig_parted_config_map;
    actuator_options.default_node_class = node_class;
    actuator_options.reporting_instance =
        elector != nullptr ? elector->identity() : controller::DefaultLeaderIdentity();
    kube_actuator =
        std::make_unique<controller::KubeActuator>(actuator_client, gpus, clock, actuator_options);
    guarded = std::make_unique<controller::LeaderGuardedActuator>(*kube_actuator, is_leader);
    actuator = guarded.get();
  }
  controller::Controller controller(client, *actuator, gpus, *instances, clock, sleeper, options);

  if (flags.once) {
    controller.SetHooks(
        controller::MakeClusterHooks({kube_actuator.get(), nullptr, nullptr, is_leader}));
    if (elector != nullptr) {
      GP_ASSIGN_OR_RETURN(bool leading, elector->TryAcquireOrRenew());
      if (!leading) {
        const auto& record = elector->observed_record();
        return FailedPreconditionError("another gpupack controller (" +
                                       (record ? record->holder_identity : "?") +
                                       ") holds the leader Lease " + flags.namespace_name +
                                       "; stop it, or plan without writing with --dry-run");
      }
    }
    Result<control::ReconcileReport> report = controller.RunOnce();
    if (elector != nullptr) {
      if (Status released = elector->Release(); !released) {
        log::Warn("releasing the leader Lease: {}", released.error().message());
      }
    }
    if (!report) {
      return tl::unexpected(report.error());
    }
    std::printf("# %s\n", controller::DescribeReport(*report).c_str());
    for (const plan::Unschedulable& pod : report->unschedulable) {
      std::printf("# cannot place %s: %s\n", pod.pod.c_str(), pod.reason.c_str());
    }
    return OkStatus();
  }

  controller::OpsServerOptions ops_options;
  ops_options.metrics_bind_address = flags.metrics_bind_address;
  ops_options.probe_bind_address = flags.health_probe_bind_address;
  controller::OpsServer ops(metrics.registry(), clock, ops_options);
  GP_TRY(ops.Start());
  controller.SetHooks(
      controller::MakeClusterHooks({kube_actuator.get(), &metrics, &ops, is_leader}));
  kube::CancelToken stop;
  signals.Start(stop, [&controller] { controller.Wake(); });
  log::Info("gpupack controller {} watching {}{}", elector ? elector->identity() : "", server,
            flags.dry_run ? " (dry run)" : "");
  if (elector == nullptr) {
    return controller.Run(stop);
  }

  // A standby is alive (it heartbeats on every campaign attempt) and ready while it campaigns;
  // the leader's loop heartbeats itself.
  ops.SetReady(true);
  controller::LeadingCallbacks callbacks;
  callbacks.on_leading = [&metrics](bool leading) { metrics.SetLeader(leading); };
  callbacks.on_attempt = [&ops](bool leading) {
    if (!leading) {
      ops.Heartbeat();
    }
  };
  return controller::RunWhileLeading(*elector, controller, stop, callbacks);
}

}  // namespace

void RegisterControllerCommand(CLI::App& root) {
  CLI::App* command = root.add_subcommand(
      "controller",
      "Run gpupack in a cluster: watch pods, nodes, NodeTemplates and NodeClaims, plan pending\n"
      "GPU pods with the simulator's control loop and act through the Kubernetes API\n"
      "(Karpenter NodeClaims, NVIDIA device-plugin and mig-parted ConfigMaps, node labels).\n\n"
      "Examples:\n"
      "  gpupack controller --dry-run --once --kubeconfig ~/.kube/config\n"
      "      print the plan it would carry out now, write nothing, exit\n"
      "  gpupack controller --in-cluster --config-namespace gpu-operator --catalog aws\n"
      "      what deploy/ runs: leader election, /metrics on :8080, probes on :8081\n"
      "  gpupack controller --context staging --dry-run --log-format json --batch-idle 2s\n");
  auto flags = std::make_shared<ControllerFlags>();
  command->add_option("--kubeconfig", flags->kubeconfig,
                      "kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)");
  command->add_option("--context", flags->context, "kubeconfig context (default: current)");
  command->add_flag("--in-cluster", flags->in_cluster,
                    "Use the pod's service account (what deploy/ does)");
  command->add_option("--namespace", flags->namespace_name, "Namespace of the leader Lease")
      ->capture_default_str();
  command
      ->add_option("--config-namespace", flags->config_namespace,
                   "Namespace of gpupack's ConfigMaps: where the GPU Operator runs")
      ->capture_default_str();
  command
      ->add_option("--device-plugin-config-map", flags->device_plugin_config_map,
                   "The device-plugin ConfigMap (the GPU Operator's devicePlugin.config.name)")
      ->capture_default_str();
  command
      ->add_option("--mig-config-map", flags->mig_parted_config_map,
                   "The mig-parted ConfigMap (the GPU Operator's migManager.config.name)")
      ->capture_default_str();
  command->add_option("--catalog", flags->catalog, "Instance catalog: aws, gcp, azure or a file")
      ->capture_default_str();
  command->add_option("--gpu-catalog", flags->gpu_catalog,
                      "A GPU catalog file whose models replace or add to the built-in ones");
  command->add_flag("--dry-run", flags->dry_run,
                    "Plan and print each action (one line each); write nothing");
  command->add_flag("--once", flags->once, "Read the cluster, reconcile once, exit");
  command->add_option("--log-format", flags->log_format, "text or json")->capture_default_str();
  command
      ->add_option("--batch-idle", flags->batch_idle,
                   "Plan pending pods this long after the last one arrived")
      ->capture_default_str();
  command->add_option("--batch-max", flags->batch_max, "... and at most this long after the first")
      ->capture_default_str();
  command
      ->add_option("--empty-node-ttl", flags->empty_node_ttl,
                   "Remove a gpupack node that has been empty this long")
      ->capture_default_str();
  command->add_option("--node-class", flags->node_class,
                      "Karpenter NodeClass of templates without spec.nodeClassRef, as "
                      "<group>/<kind>/<name> (e.g. karpenter.k8s.aws/EC2NodeClass/default)");
  command->add_flag("--leader-elect,!--no-leader-elect", flags->leader_elect,
                    "Act only while holding the leader Lease (default true)");
  command
      ->add_option("--metrics-bind-address", flags->metrics_bind_address,
                   "Where /metrics is served")
      ->capture_default_str();
  command
      ->add_option("--health-probe-bind-address", flags->health_probe_bind_address,
                   "Where /healthz and /readyz are served")
      ->capture_default_str();
  SetAction(*command, [flags] { return RunController(*flags); });
}

}  // namespace gpupack::app
