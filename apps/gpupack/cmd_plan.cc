// `gpupack plan`: what gpupack would do for a set of pods: where they go on the cluster, which
// idle GPUs it repartitions, which nodes it buys (with each GPU's sharing) or gives back, and
// what that costs against one dedicated GPU per pod.
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "apps/gpupack/commands.h"
#include "catalog/gpu_catalog_loader.h"
#include "catalog/instance_catalog_loader.h"
#include "catalog/k8s_reader.h"
#include "cluster/snapshot.h"
#include "gpu/device_plugin_config.h"
#include "plan/placer.h"
#include "plan/plan.h"
#include "plan/planner.h"
#include "report/output.h"

namespace gpupack::app {
namespace {

struct PlanCommandOptions {
  std::vector<std::string> files;
  std::string snapshot;
  std::vector<std::string> templates;
  std::vector<std::string> catalogs;
  std::string gpu_catalog;
  std::string policy = "gpupack";
  int32_t disruption_budget = 1;
  uint64_t seed = 0;
  std::string output = "table";
};

std::string Dollars(double amount) {
  char text[32];
  std::snprintf(text, sizeof text, "$%.2f/h", amount);
  return text;
}

// One instance catalog from several (`--catalog aws --catalog my.yaml`); the default is every
// embedded cloud, so templates naming any cloud's types resolve.
[[nodiscard]] Result<cluster::InstanceCatalog> LoadInstances(const std::vector<std::string>& names,
                                                             const gpu::GpuCatalog& gpus) {
  std::vector<std::string> sources =
      names.empty() ? catalog::EmbeddedInstanceCatalogNames() : names;
  std::vector<cluster::InstanceType> types;
  cluster::InstanceCatalog::Info info;
  for (const std::string& name : sources) {
    GP_ASSIGN_OR_RETURN(cluster::InstanceCatalog one, catalog::LoadInstanceCatalog(name, gpus));
    info.cloud += (info.cloud.empty() ? "" : "+") + one.info().cloud;
    for (const cluster::InstanceType& type : one.types()) {
      types.push_back(type);
    }
  }
  auto merged = cluster::InstanceCatalog::Create(std::move(info), std::move(types));
  if (!merged) {
    return tl::unexpected(merged.error().WithContext("--catalog"));
  }
  return merged;
}

nlohmann::json SharingJson(const plan::GpuPlan& gpu) {
  return {{"mode", std::string(cluster::SharingModeName(gpu.sharing.mode))},
          {"replicas", gpu.sharing.replicas},
          {"migStrategy", std::string(gpu::MigStrategyName(gpu.sharing.mig_strategy))},
          {"geometry", gpu.geometry}};
}

nlohmann::json GpuJson(const plan::GpuPlan& gpu) {
  return {{"model", gpu.model}, {"sharing", SharingJson(gpu)}};
}

nlohmann::json PlanJson(const plan::Plan& result) {
  nlohmann::json provisions = nlohmann::json::array();
  for (const plan::Provision& p : result.provisions) {
    nlohmann::json gpus = nlohmann::json::array();
    for (const plan::GpuPlan& gpu : p.gpus) {
      gpus.push_back(GpuJson(gpu));
    }
    provisions.push_back({{"template", p.template_name},
                          {"instanceType", p.instance_type},
                          {"capacityType", std::string(cluster::CapacityTypeName(p.capacity_type))},
                          {"zone", p.zone},
                          {"count", p.count},
                          {"pricePerHour", p.price_per_hour},
                          {"gpus", std::move(gpus)},
                          {"nodes", p.node_names},
                          {"reason", p.reason}});
  }
  nlohmann::json placements = nlohmann::json::array();
  for (const plan::Placement& p : result.placements) {
    nlohmann::json devices = nlohmann::json::array();
    for (const plan::DeviceChoice& d : p.devices) {
      devices.push_back({{"gpu", d.gpu}, {"instance", d.instance}, {"slots", d.slots}});
    }
    placements.push_back({{"pod", p.pod},
                          {"node", p.node},
                          {"gpu", p.devices.empty() ? nlohmann::json(nullptr)
                                                    : nlohmann::json(p.devices.front().gpu)},
                          {"devices", std::move(devices)},
                          {"moved", p.moved},
                          {"reason", p.reason}});
  }
  nlohmann::json reconfigurations = nlohmann::json::array();
  for (const plan::Reconfiguration& r : result.reconfigurations) {
    reconfigurations.push_back({{"node", r.node},
                                {"gpu", r.gpu},
                                {"model", r.to.model},
                                {"from", SharingJson(r.from)},
                                {"sharing", SharingJson(r.to)},
                                {"reason", r.reason}});
  }
  nlohmann::json removals = nlohmann::json::array();
  for (const plan::Removal& r : result.removals) {
    removals.push_back(
        {{"node", r.node}, {"pricePerHour", r.price_per_hour}, {"reason", r.reason}});
  }
  nlohmann::json unschedulable = nlohmann::json::array();
  for (const plan::Unschedulable& u : result.unschedulable) {
    unschedulable.push_back({{"pod", u.pod}, {"reason", u.reason}});
  }
  return {{"provisions", std::move(provisions)},
          {"placements", std::move(placements)},
          {"reconfigurations", std::move(reconfigurations)},
          {"removals", std::move(removals)},
          {"unschedulable", std::move(unschedulable)},
          {"costPerHour", result.cost_per_hour},
          {"lowerBoundCostPerHour", result.lower_bound_cost_per_hour},
          {"dedicatedCostPerHour", result.dedicated_cost_per_hour}};
}

std::string SharingText(const plan::GpuPlan& gpu) {
  switch (gpu.sharing.mode) {
    case cluster::SharingMode::kWhole:
      return "whole";
    case cluster::SharingMode::kTimeSlicing:
      return "time-sliced x" + std::to_string(gpu.sharing.replicas);
    case cluster::SharingMode::kMig:
    case cluster::SharingMode::kMigTimeSlicing: {
      std::map<std::string, int> counts;
      for (const std::string& name : gpu.geometry) {
        ++counts[name];
      }
      std::string text = "MIG ";
      if (counts.size() == 1) {
        text += std::to_string(gpu.geometry.size()) + " x " + counts.begin()->first + " (all-" +
                counts.begin()->first + ")";
      } else {
        std::string joined;
        for (const std::string& name : gpu.geometry) {
          joined += (joined.empty() ? "" : "+") + name;
        }
        text += joined;
      }
      if (gpu.sharing.IsTimeSliced()) {
        text += ", each time-sliced x" + std::to_string(gpu.sharing.replicas);
      }
      return text;
    }
  }
  return "";
}

std::string PlanTable(const plan::Plan& result) {
  // Pods per (node, GPU), for "what shares it".
  std::map<std::pair<std::string, int>, std::vector<std::string>> on_gpu;
  for (const plan::Placement& p : result.placements) {
    for (const plan::DeviceChoice& d : p.devices) {
      on_gpu[{p.node, d.gpu}].push_back(p.pod);
    }
  }
  std::string out;
  if (!result.provisions.empty()) {
    report::Table nodes({"node", "template", "instance type", "capacity", "zone", "price", "gpu",
                         "sharing", "pods"});
    for (const plan::Provision& p : result.provisions) {
      for (const std::string& node : p.node_names) {
        for (size_t g = 0; g < p.gpus.size(); ++g) {
          const auto& pods = on_gpu[{node, static_cast<int>(g)}];
          bool first = g == 0;
          nodes.AddRow({first ? node : "", first ? p.template_name : "",
                        first ? p.instance_type : "",
                        first ? std::string(cluster::CapacityTypeName(p.capacity_type)) : "",
                        first ? p.zone : "", first ? Dollars(p.price_per_hour) : "",
                        std::to_string(g) + " " + p.gpus[g].model, SharingText(p.gpus[g]),
                        std::to_string(pods.size())});
        }
      }
    }
    out += "New nodes:\n" + nodes.ToText() + "\n";
  }
  if (!result.reconfigurations.empty()) {
    report::Table table({"node", "gpu", "from", "to", "reason"});
    for (const plan::Reconfiguration& r : result.reconfigurations) {
      table.AddRow(
          {r.node, std::to_string(r.gpu), SharingText(r.from), SharingText(r.to), r.reason});
    }
    out += "Repartitioned GPUs:\n" + table.ToText() + "\n";
  }
  if (!result.placements.empty()) {
    report::Table table({"pod", "node", "gpu", "reason"});
    for (const plan::Placement& p : result.placements) {
      std::string gpus;
      for (const plan::DeviceChoice& d : p.devices) {
        gpus += (gpus.empty() ? "" : ",") + std::to_string(d.gpu);
        if (d.instance >= 0) {
          gpus += "/" + std::to_string(d.instance);
        }
      }
      table.AddRow({p.pod, p.node, gpus.empty() ? "-" : gpus, p.reason});
    }
    out += "Placements:\n" + table.ToText() + "\n";
  }
  if (!result.removals.empty()) {
    report::Table table({"node", "saves", "reason"});
    for (const plan::Removal& r : result.removals) {
      table.AddRow({r.node, Dollars(r.price_per_hour), r.reason});
    }
    out += "Nodes to remove:\n" + table.ToText() + "\n";
  }
  if (!result.unschedulable.empty()) {
    report::Table table({"pod", "reason"});
    for (const plan::Unschedulable& u : result.unschedulable) {
      table.AddRow({u.pod, u.reason});
    }
    out += "Unschedulable:\n" + table.ToText() + "\n";
  }
  out += "Cost: " + Dollars(result.cost_per_hour);
  if (result.dedicated_cost_per_hour > 0) {
    double saved = 1.0 - result.cost_per_hour / result.dedicated_cost_per_hour;
    char percent[16];
    std::snprintf(percent, sizeof percent, "%.0f%%", saved * 100);
    out += " vs " + Dollars(result.dedicated_cost_per_hour) + " with a dedicated GPU per pod: " +
           (saved >= 0 ? std::string(percent) + " saved" : "no saving");
  }
  out += " (lower bound " + Dollars(result.lower_bound_cost_per_hour) + ")\n";
  return out;
}

[[nodiscard]] Status RunPlan(const PlanCommandOptions& options) {
  GP_ASSIGN_OR_RETURN(report::OutputFormat format, report::ParseOutputFormat(options.output));
  if (Result<plan::PlacementPolicy> policy = plan::ParsePlacementPolicy(options.policy); !policy) {
    return InvalidArgumentError("--policy: " + policy.error().message());
  }
  GP_ASSIGN_OR_RETURN(gpu::GpuCatalog gpus,
                      catalog::LoadGpuCatalogWithUserFile(options.gpu_catalog));
  GP_ASSIGN_OR_RETURN(cluster::InstanceCatalog instances, LoadInstances(options.catalogs, gpus));
  std::vector<std::string> paths = options.files;
  if (!options.snapshot.empty()) {
    paths.push_back(options.snapshot);
  }
  paths.insert(paths.end(), options.templates.begin(), options.templates.end());
  GP_ASSIGN_OR_RETURN(catalog::KubeObjects objects,
                      catalog::ReadKubeFiles(paths, gpus, &instances));
  std::vector<std::string> warnings = objects.warnings;
  Result<cluster::ClusterSnapshot> built =
      cluster::BuildSnapshot(std::move(objects.nodes), std::move(objects.pods),
                             std::move(objects.templates), std::move(instances), gpus, warnings);
  if (!built) {
    // The snapshot merges every input (a name defined twice may be in two files): name them.
    std::string inputs;
    for (const std::string& path : paths) {
      inputs += (inputs.empty() ? "" : ", ") + path;
    }
    return MakeError(built.error().code(), inputs + ": " + built.error().message());
  }
  cluster::ClusterSnapshot snapshot = std::move(*built);
  for (const std::string& warning : warnings) {
    std::fprintf(stderr, "gpupack: warning: %s\n", warning.c_str());
  }
  plan::PlanOptions plan_options;
  plan_options.placement_policy = options.policy;
  plan_options.disruption_budget = options.disruption_budget;
  plan_options.seed = options.seed;
  GP_ASSIGN_OR_RETURN(plan::Plan result, plan::MakePlan(snapshot, gpus, plan_options));
  std::fputs(report::FormatOutput(format, PlanTable(result), PlanJson(result)).c_str(), stdout);
  return OkStatus();
}

}  // namespace

void RegisterPlanCommand(CLI::App& root) {
  auto options = std::make_shared<PlanCommandOptions>();
  CLI::App* command = root.add_subcommand(
      "plan", "Plan placements, GPU sharing, new nodes and removals for pending pods");
  command->footer(
      "Reads pods and workloads (Deployment, StatefulSet, ReplicaSet, Job expand into their\n"
      "pods), optionally a cluster snapshot (kubectl get nodes,pods -A -o yaml) and "
      "NodeTemplates,\n"
      "and prints what gpupack would do: pods placed on existing GPUs, idle MIG GPUs of dynamic\n"
      "templates repartitioned, nodes bought (instance type, Spot or on-demand, zone, and how "
      "each\n"
      "GPU is shared: whole, time-sliced, MIG, MIG + time-slicing), nodes given back, and the "
      "cost\n"
      "against one dedicated GPU per pod. Pods nothing can run are listed with the reason.\n\n"
      "Examples:\n"
      "  gpupack plan -f examples/mig-seed-deployment.yaml "
      "--templates examples/templates/a100-mig-single.yaml\n"
      "  gpupack plan -f examples/timesliced-inference.yaml "
      "--templates examples/templates/a100-timesliced.yaml -o json\n"
      "  gpupack plan -f examples/mig-timesliced.yaml "
      "--templates examples/templates/a100-mig-timesliced.yaml --catalog aws\n"
      "  gpupack plan -f pods.yaml --snapshot cluster.yaml --templates templates.yaml "
      "--policy best-fit -o yaml\n");
  command->add_option("-f,--filename", options->files, "Pods or workloads to plan (repeatable)")
      ->required();
  command->add_option("--snapshot", options->snapshot,
                      "The cluster as it is: nodes and their pods (kubectl get ... -o yaml)");
  command->add_option("--templates", options->templates, "NodeTemplate files (repeatable)");
  command->add_option("--catalog", options->catalogs,
                      "Instance catalogs: aws, gcp, azure or a file (repeatable; default all)");
  command->add_option("--gpu-catalog", options->gpu_catalog,
                      "A GPU catalog file that overrides or extends the built-in one");
  command
      ->add_option("--policy", options->policy,
                   "Placement policy on existing nodes: gpupack, first-fit, best-fit, fgd")
      ->capture_default_str();
  command
      ->add_option("--disruption-budget", options->disruption_budget,
                   "At most this many busy nodes removed by consolidation")
      ->capture_default_str();
  command->add_option("--seed", options->seed, "Seed for tie-breaks")->capture_default_str();
  command->add_option("-o,--output", options->output, "Output format: table, json or yaml")
      ->capture_default_str();
  SetAction(*command, [options] { return RunPlan(*options); });
}

}  // namespace gpupack::app
