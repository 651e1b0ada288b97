// `gpupack controller`: gpupack running against a cluster (DESIGN.md section 5). It watches pods,
// nodes, NodeTemplates and NodeClaims, runs the simulator's control loop on them and acts
// through the Kubernetes API (or, with --dry-run, prints what it would do and writes nothing).
#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <pthread.h>

#include "apps/gpupack/commands.h"
#include "catalog/gpu_catalog_loader.h"
#include "catalog/instance_catalog_loader.h"
#include "common/log.h"
#include "controller/controller.h"
#include "controller/conventions.h"
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
  std::string config_namespace;  // empty: namespace_name
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

Status RunController(const ControllerFlags& flags) {
  log::Format log_format = log::Format::kText;
  if (flags.log_format == "json") {
    log_format = log::Format::kJson;
  } else if (flags.log_format != "text") {
    return InvalidArgumentError("--log-format: must be text or json, got \"" + flags.log_format +
                                "\"");
  }
  log::Configure(log::Level::kInfo, log_format);

  controller::ControllerOptions options;
  options.view.namespace_name =
      flags.config_namespace.empty() ? flags.namespace_name : flags.config_namespace;
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

  GP_ASSIGN_OR_RETURN(kube::ClusterConfig config, ResolveConfig(flags));
  std::string server = config.server + " (" + config.source + ")";
  GP_ASSIGN_OR_RETURN(auto client, kube::HttpKubeClient::Create(config, {}));
  // One request before anything else, so a wrong address or credential is one clear line.
  if (Result<nlohmann::json> version = client->GetPath("/version"); !version) {
    return UnavailableError("cannot reach the Kubernetes API server at " + server + ": " +
                            version.error().message());
  }

  if (!flags.dry_run) {
    return FailedPreconditionError(
        "only --dry-run is available in this build (the Kubernetes actuator is not wired yet)");
  }
  controller::DryRunActuator actuator(stdout, gpus);
  SystemClock clock;
  kube::RealSleeper sleeper;
  controller::Controller controller(*client, actuator, gpus, *instances, clock, sleeper, options);

  if (flags.once) {
    GP_ASSIGN_OR_RETURN(control::ReconcileReport report, controller.RunOnce());
    std::printf("# %s\n", controller::DescribeReport(report).c_str());
    for (const plan::Unschedulable& pod : report.unschedulable) {
      std::printf("# cannot place %s: %s\n", pod.pod.c_str(), pod.reason.c_str());
    }
    return OkStatus();
  }

  SignalWatcher signals;
  kube::CancelToken stop;
  signals.Start(stop, [&controller] { controller.Wake(); });
  log::Info("gpupack controller watching {}{}", server, flags.dry_run ? " (dry run)" : "");
  return controller.Run(stop);
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
  command->add_option("--config-namespace", flags->config_namespace,
                      "Namespace of gpupack's ConfigMaps: where the GPU Operator runs "
                      "(default: --namespace)");
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
