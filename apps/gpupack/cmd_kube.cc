// `gpupack kube get nodes|pods`: a smoke tool for the Kubernetes client. It reads the cluster
// the way the controller will (kubeconfig or in-cluster service account, paged lists, the same
// compact objects) and prints what gpupack sees: GPU capacity, MIG and sharing labels, pending
// GPU pods.
#include <cstdio>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "apps/gpupack/commands.h"
#include "kube/http_kube_client.h"
#include "kube/kubeconfig.h"
#include "kube/objects.h"
#include "report/output.h"

namespace gpupack::app {
namespace {

struct KubeGetOptions {
  std::string what;
  std::string kubeconfig;
  std::string context;
  std::string namespace_name;
  std::string selector;
  std::string output = "table";
};

bool IsGpuResource(const std::string& name) { return name.rfind("nvidia.com/", 0) == 0; }

std::string GpuSummary(const kube::ResourceList& list) {
  std::string text;
  for (const auto& [name, amount] : list) {
    if (IsGpuResource(name.str()) && amount > 0) {
      text += (text.empty() ? "" : ",") + name.str().substr(11) + "=" + std::to_string(amount);
    }
  }
  return text.empty() ? "-" : text;
}

std::string LabelOr(const kube::ObjectMeta& meta, std::string_view key) {
  const std::string* value = meta.Label(key);
  return value == nullptr ? "-" : *value;
}

nlohmann::json ResourcesJson(const kube::ResourceList& list) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, amount] : list) {
    out[name.str()] = amount;
  }
  return out;
}

nlohmann::json LabelsJson(const kube::StringPairs& labels) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : labels) {
    out[key.str()] = value.str();
  }
  return out;
}

Status Print(report::OutputFormat format, const nlohmann::json& document,
             const report::Table& table) {
  std::string text = format == report::OutputFormat::kJson   ? report::ToJsonText(document)
                     : format == report::OutputFormat::kYaml ? report::ToYamlText(document)
                                                             : table.ToText();
  std::fputs(text.c_str(), stdout);
  return OkStatus();
}

Status RunKubeGet(const KubeGetOptions& options) {
  GP_ASSIGN_OR_RETURN(report::OutputFormat format, report::ParseOutputFormat(options.output));
  GP_ASSIGN_OR_RETURN(
      kube::ClusterConfig config,
      kube::ResolveClusterConfig(options.kubeconfig, options.context, kube::ProcessEnv()));
  GP_ASSIGN_OR_RETURN(auto client, kube::HttpKubeClient::Create(config, {}));
  kube::ListOptions list_options;
  list_options.limit = 500;
  list_options.label_selector = options.selector;
  list_options.namespace_name = options.namespace_name;
  nlohmann::json document = nlohmann::json::array();
  if (options.what == "nodes") {
    GP_ASSIGN_OR_RETURN(kube::ObjectList list,
                        client->ListAll(kube::NodesResource(), list_options));
    report::Table table(
        {"name", "ready", "gpu capacity", "mig.config", "device-plugin.config", "taints"});
    for (const auto& item : list.items) {
      GP_ASSIGN_OR_RETURN(kube::NodeObject node, kube::DecodeNode(item));
      table.AddRow({node.meta.name, node.ready ? "True" : "False", GpuSummary(node.capacity),
                    LabelOr(node.meta, "nvidia.com/mig.config"),
                    LabelOr(node.meta, "nvidia.com/device-plugin.config"),
                    std::to_string(node.taints.size())});
      document.push_back({{"name", node.meta.name},
                          {"ready", node.ready},
                          {"capacity", ResourcesJson(node.capacity)},
                          {"allocatable", ResourcesJson(node.allocatable)},
                          {"labels", LabelsJson(node.meta.labels)}});
    }
    return Print(format, document, table);
  }
  GP_ASSIGN_OR_RETURN(kube::ObjectList list, client->ListAll(kube::PodsResource(), list_options));
  report::Table table({"namespace", "name", "node", "phase", "gpu requests"});
  for (const auto& item : list.items) {
    GP_ASSIGN_OR_RETURN(kube::PodObject pod, kube::DecodePod(item));
    std::string phase = pod.unschedulable ? pod.phase.str() + " (Unschedulable)" : pod.phase.str();
    table.AddRow({pod.meta.namespace_name, pod.meta.name,
                  pod.node_name.empty() ? "-" : pod.node_name.str(), phase,
                  GpuSummary(pod.requests)});
    document.push_back({{"namespace", pod.meta.namespace_name},
                        {"name", pod.meta.name},
                        {"node", pod.node_name.str()},
                        {"phase", pod.phase.str()},
                        {"unschedulable", pod.unschedulable},
                        {"requests", ResourcesJson(pod.requests)}});
  }
  return Print(format, document, table);
}

}  // namespace

void RegisterKubeCommand(CLI::App& root) {
  CLI::App* kube = root.add_subcommand("kube", "Read the cluster as gpupack sees it");
  kube->require_subcommand(1);
  CLI::App* get = kube->add_subcommand(
      "get",
      "List nodes (GPU capacity, MIG and device-plugin labels) or pods (GPU requests)\n\n"
      "Examples:\n"
      "  gpupack kube get nodes\n"
      "  gpupack kube get pods -n gpu-workloads -o json\n"
      "  gpupack kube get nodes --kubeconfig ~/.kube/eks --context prod -l "
      "gpupack.io/node-template\n");
  auto options = std::make_shared<KubeGetOptions>();
  get->add_option("what", options->what, "nodes or pods")
      ->required()
      ->check(CLI::IsMember({"nodes", "pods"}));
  get->add_option("--kubeconfig", options->kubeconfig,
                  "kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)");
  get->add_option("--context", options->context, "kubeconfig context (default: current-context)");
  get->add_option("-n,--namespace", options->namespace_name, "pods: one namespace (default: all)");
  get->add_option("-l,--selector", options->selector, "label selector, as kubectl takes it");
  get->add_option("-o,--output", options->output, "table, json or yaml");
  SetAction(*get, [options] { return RunKubeGet(*options); });
}

}  // namespace gpupack::app
