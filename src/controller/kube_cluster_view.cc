#include "controller/kube_cluster_view.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "catalog/device_plugin_yaml.h"
#include "catalog/k8s_reader.h"
#include "catalog/mig_parted_yaml.h"
#include "catalog/node_gpus.h"
#include "cluster/gpu_demand.h"
#include "common/log.h"
#include "common/quantity.h"
#include "controller/conventions.h"
#include "controller/node_sharing.h"
#include "kube/resource.h"

namespace gpupack::controller {
namespace {

// The key of mig-parted's config file in its ConfigMap (the GPU Operator's convention).
constexpr std::string_view kMigPartedConfigKey = "config.yaml";
constexpr std::string_view kLabelGpuCount = "nvidia.com/gpu.count";
constexpr std::string_view kLabelInstanceGpuCount = "karpenter.k8s.aws/instance-gpu-count";

cluster::Labels ToLabels(const kube::StringPairs& pairs) {
  cluster::Labels out;
  for (const auto& [key, value] : pairs) {
    out.emplace(key.str(), value.str());
  }
  return out;
}

cluster::Resources ToResources(const kube::ResourceList& list) {
  cluster::Resources out;
  for (const auto& [name, amount] : list) {
    out.Set(name.str(), amount);
  }
  return out;
}

std::string LabelOr(const cluster::Labels& labels, std::string_view key) {
  auto it = labels.find(key);
  return it == labels.end() ? std::string() : it->second;
}

bool HasTaint(const std::vector<cluster::Taint>& taints, std::string_view key) {
  return std::any_of(taints.begin(), taints.end(),
                     [&](const cluster::Taint& taint) { return taint.key == key; });
}

// Parses a generic object's body; InvalidArgument when it is not JSON (informers store what
// they decoded, so this only fails on a corrupted cache).
Result<nlohmann::json> ParseBody(const kube::GenericObject& object, std::string_view kind) {
  nlohmann::json body = nlohmann::json::parse(object.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return InvalidArgumentError(std::string(kind) + "/" + object.meta.name +
                                ": the stored body is not a JSON object");
  }
  return body;
}

// The problems of one object, each line already naming it.
void AddProblems(std::string_view api_version, std::string_view kind, const kube::ObjectMeta& meta,
                 std::vector<std::string> lines, std::vector<ObjectProblem>& problems) {
  for (std::string& line : lines) {
    problems.push_back(ObjectProblem{std::move(line), std::string(kind), std::string(api_version),
                                     meta.namespace_name, meta.name, meta.uid});
  }
}

// The condition `type` of an object's status, or nullptr.
const nlohmann::json* StatusCondition(const nlohmann::json& body, std::string_view type) {
  auto status = body.find("status");
  if (status == body.end() || !status->is_object()) {
    return nullptr;
  }
  auto conditions = status->find("conditions");
  if (conditions == status->end() || !conditions->is_array()) {
    return nullptr;
  }
  for (const nlohmann::json& condition : *conditions) {
    if (condition.is_object() && condition.value("type", "") == type) {
      return &condition;
    }
  }
  return nullptr;
}

// gpupack's two ConfigMaps, read once per snapshot.
struct SharingConfigs {
  std::map<std::string, std::string, std::less<>> device_plugin;  // key -> config file text
  std::optional<gpu::MigPartedSpec> mig_parted;
};

// One of gpupack's ConfigMaps into `out`.
void ReadSharingConfigMap(const kube::GenericObject& config_map, const std::string& what,
                          bool device_plugin, SharingConfigs& out,
                          std::vector<std::string>& problems) {
  Result<nlohmann::json> body = ParseBody(config_map, "ConfigMap");
  if (!body) {
    problems.push_back(body.error().message());
    return;
  }
  const nlohmann::json data = body->value("data", nlohmann::json::object());
  if (!data.is_object()) {
    problems.push_back(what + ": data is not a map");
    return;
  }
  for (const auto& [key, value] : data.items()) {
    if (!value.is_string()) {
      problems.push_back(fmt::format("{}: data.{} is not a string", what, key));
      continue;
    }
    if (device_plugin) {
      // Stored even when it does not parse: a node pointing at it then says why.
      Result<catalog::ParsedDevicePluginConfig> parsed =
          catalog::ParseDevicePluginConfig(value.get<std::string>(), what + " " + key);
      if (!parsed) {
        problems.push_back(parsed.error().message());
      }
      out.device_plugin.emplace(key, value.get<std::string>());
    } else if (key == kMigPartedConfigKey) {
      Result<catalog::ParsedMigParted> parsed =
          catalog::ParseMigPartedConfig(value.get<std::string>(), what + " " + key);
      if (parsed) {
        out.mig_parted = std::move(parsed->spec);
      } else {
        problems.push_back(parsed.error().message());
      }
    }
  }
}

SharingConfigs ReadSharingConfigs(const ClusterObjects& objects, const ViewOptions& options,
                                  std::vector<ObjectProblem>& all_problems) {
  SharingConfigs out;
  for (const kube::GenericObject& config_map : objects.config_maps) {
    if (config_map.meta.namespace_name != options.namespace_name) {
      continue;
    }
    bool device_plugin = config_map.meta.name == options.device_plugin_config_map;
    bool mig_parted = config_map.meta.name == options.mig_parted_config_map;
    if (!device_plugin && !mig_parted) {
      continue;
    }
    std::string what = "ConfigMap/" + config_map.meta.namespace_name + "/" + config_map.meta.name;
    std::vector<std::string> problems;
    ReadSharingConfigMap(config_map, what, device_plugin, out, problems);
    AddProblems("v1", "ConfigMap", config_map.meta, std::move(problems), all_problems);
  }
  return out;
}

// The sharing gpupack planned for each of `count` GPUs of `model` on a node or NodeClaim with
// these labels, read back from gpupack's ConfigMaps as the actuator wrote them.
Result<std::vector<cluster::SharingConfig>> PlannedSharing(const cluster::Labels& labels,
                                                           const gpu::GpuModel& model,
                                                           int64_t count,
                                                           const gpu::GpuCatalog& gpus,
                                                           const SharingConfigs& configs) {
  std::string key = LabelOr(labels, kLabelPlannedSharing);
  if (key.empty()) {
    key = LabelOr(labels, cluster::kLabelDevicePluginConfig);
  }
  if (key.empty()) {
    return NotFoundError(
        fmt::format("no {} or {} label", kLabelPlannedSharing, cluster::kLabelDevicePluginConfig));
  }
  auto text = configs.device_plugin.find(key);
  if (text == configs.device_plugin.end()) {
    return NotFoundError(
        fmt::format("device-plugin config \"{}\" is not in gpupack's ConfigMap", key));
  }
  GP_ASSIGN_OR_RETURN(
      catalog::ParsedDevicePluginConfig parsed,
      catalog::ParseDevicePluginConfig(text->second, "device-plugin config " + key));
  std::vector<gpu::MigConfigEntry> mig_entries;
  std::string mig_config = LabelOr(labels, kLabelMigConfig);
  if (model.mig_capable && !mig_config.empty()) {
    auto entries = configs.mig_parted
                       ? configs.mig_parted->mig_configs.find(mig_config)
                       : std::map<std::string, std::vector<gpu::MigConfigEntry>>::const_iterator();
    if (!configs.mig_parted || entries == configs.mig_parted->mig_configs.end()) {
      return NotFoundError(
          fmt::format("mig-parted config \"{}\" is not in gpupack's ConfigMap", mig_config));
    }
    mig_entries = entries->second;
  }
  GP_ASSIGN_OR_RETURN(std::vector<plan::GpuPlan> plans,
                      GpuPlansFromConfigs(model, gpus.Geometry(model), static_cast<int>(count),
                                          parsed.config, mig_entries));
  std::vector<cluster::SharingConfig> out;
  for (plan::GpuPlan& gpu : plans) {
    out.push_back(std::move(gpu.sharing));
  }
  return out;
}

// Shows `node` with GPUs of `model` shared as `sharing` (one per GPU), advertising what the
// device plugin will once the configs are applied, with gpupack's partition labels.
void SetPlannedGpus(cluster::Node& node, const gpu::GpuModel& model,
                    const std::vector<cluster::SharingConfig>& sharing) {
  node.gpus.clear();
  cluster::Resources advertised;
  for (size_t i = 0; i < sharing.size(); ++i) {
    node.gpus.push_back(cluster::NodeGpu{static_cast<int>(i), model.name, sharing[i], {}});
    advertised += cluster::AdvertisedCapacity(sharing[i], model);
    for (auto& [key, value] : cluster::PartitionLabels(sharing[i], model)) {
      node.labels.insert_or_assign(key, value);
    }
  }
  for (cluster::Resources* resources : {&node.capacity, &node.allocatable}) {
    std::erase_if(resources->scalar, [](const auto& entry) {
      return entry.first.starts_with(cluster::kResourceMigPrefix) ||
             entry.first == cluster::kResourceGpu || entry.first == cluster::kResourceGpuShared;
    });
    *resources += advertised;
  }
}

// The GPU model of a node: GFD's product label, else its instance type's.
Result<const gpu::GpuModel*> NodeGpuModel(const cluster::Node& node, const gpu::GpuCatalog& gpus,
                                          const cluster::InstanceCatalog& instances) {
  std::string product = LabelOr(node.labels, cluster::kLabelGpuProduct);
  if (!product.empty()) {
    return gpus.Find(catalog::SplitGpuProduct(product).first);
  }
  const cluster::InstanceType* type = instances.Find(node.instance_type);
  if (type == nullptr || type->gpu_model.empty()) {
    return NotFoundError(
        fmt::format("no {} label and instance type \"{}\" is not a GPU type "
                    "of the catalog",
                    cluster::kLabelGpuProduct, node.instance_type));
  }
  return gpus.Find(type->gpu_model);
}

// The physical GPU count of a node: its instance type's, else what Karpenter or GFD say.
int64_t NodeGpuCount(const cluster::Node& node, const cluster::InstanceCatalog& instances) {
  if (const cluster::InstanceType* type = instances.Find(node.instance_type)) {
    return type->gpu_count;
  }
  for (std::string_view key : {kLabelInstanceGpuCount, kLabelGpuCount}) {
    Result<int64_t> count = ParseCount(LabelOr(node.labels, key));
    if (count && *count > 0) {
      return *count;
    }
  }
  return 0;
}

// A node still tainted sharing-pending shows the GPUs gpupack planned for it.
Status ApplyPlannedGpus(cluster::Node& node, const gpu::GpuCatalog& gpus,
                        const cluster::InstanceCatalog& instances, const SharingConfigs& configs) {
  GP_ASSIGN_OR_RETURN(const gpu::GpuModel* model, NodeGpuModel(node, gpus, instances));
  GP_ASSIGN_OR_RETURN(
      std::vector<cluster::SharingConfig> sharing,
      PlannedSharing(node.labels, *model, NodeGpuCount(node, instances), gpus, configs));
  SetPlannedGpus(node, *model, sharing);
  return OkStatus();
}

Result<cluster::Node> ReadNode(const kube::NodeObject& object, const gpu::GpuCatalog& gpus,
                               const cluster::InstanceCatalog& instances,
                               const SharingConfigs& configs, std::vector<std::string>& problems) {
  std::string what = "Node/" + object.meta.name;
  cluster::Node node;
  node.name = object.meta.name;
  node.labels = ToLabels(object.meta.labels);
  node.annotations = ToLabels(object.meta.annotations);
  node.unschedulable = object.unschedulable;
  node.ready = object.ready;
  for (const kube::Taint& taint : object.taints) {
    std::optional<cluster::TaintEffect> effect = cluster::ParseTaintEffect(taint.effect.str());
    if (!effect) {
      return InvalidArgumentError(fmt::format("{}: taint {} has an unknown effect \"{}\"", what,
                                              taint.key.str(), taint.effect.str()));
    }
    node.taints.push_back({taint.key.str(), taint.value.str(), *effect});
  }
  node.capacity = ToResources(object.capacity);
  node.allocatable = object.allocatable.empty() ? node.capacity : ToResources(object.allocatable);
  node.instance_type = LabelOr(node.labels, cluster::kLabelInstanceType);
  node.zone = LabelOr(node.labels, cluster::kLabelZone);
  node.template_name = LabelOr(node.labels, cluster::kLabelNodeTemplate);
  node.capacity_type =
      cluster::ParseCapacityType(LabelOr(node.labels, cluster::kLabelCapacityType));
  if (HasTaint(node.taints, control::kTaintSharingPending) && !node.template_name.empty()) {
    Status planned = ApplyPlannedGpus(node, gpus, instances, configs);
    if (planned) {
      return node;
    }
    problems.push_back(
        fmt::format("{}: its planned sharing is unknown ({}); its GPUs are read "
                    "from what it advertises",
                    what, planned.error().message()));
  }
  catalog::NodeFieldReporter report{
      [&](std::string_view field, std::string_view problem) {
        problems.push_back(fmt::format("{}: {}: {}", what, field, problem));
      },
      [&](std::string_view field, std::string_view problem) {
        return Error(ErrorCode::kInvalidArgument, fmt::format("{}: {}: {}", what, field, problem));
      }};
  GP_TRY(catalog::DeriveNodeGpus(gpus, &instances, node, report));
  return node;
}

// The value of a NodeClaim requirement `key` (operator In): its values.
std::vector<std::string> RequirementValues(const nlohmann::json& spec, std::string_view key) {
  const nlohmann::json requirements = spec.value("requirements", nlohmann::json::array());
  if (!requirements.is_array()) {
    return {};
  }
  for (const nlohmann::json& requirement : requirements) {
    if (requirement.is_object() && requirement.value("key", "") == key &&
        requirement.value("operator", "") == "In" && requirement.contains("values") &&
        requirement["values"].is_array()) {
      std::vector<std::string> values;
      for (const nlohmann::json& value : requirement["values"]) {
        if (value.is_string()) {
          values.push_back(value.get<std::string>());
        }
      }
      return values;
    }
  }
  return {};
}

// The coming node of a NodeClaim whose Node has not joined yet.
Result<cluster::Node> ReadNodeClaim(const kube::GenericObject& claim,
                                    const std::vector<cluster::NodeTemplate>& templates,
                                    const gpu::GpuCatalog& gpus,
                                    const cluster::InstanceCatalog& instances,
                                    const SharingConfigs& configs) {
  std::string what = "NodeClaim/" + claim.meta.name;
  auto fail = [&](const std::string& problem) {
    return InvalidArgumentError(what + ": " + problem);
  };
  GP_ASSIGN_OR_RETURN(nlohmann::json body, ParseBody(claim, "NodeClaim"));
  cluster::Labels labels = ToLabels(claim.meta.labels);
  std::string template_name = LabelOr(labels, cluster::kLabelNodeTemplate);
  auto node_template =
      std::find_if(templates.begin(), templates.end(),
                   [&](const cluster::NodeTemplate& t) { return t.name == template_name; });
  if (node_template == templates.end()) {
    return fail(fmt::format("NodeTemplate \"{}\" is not in the cluster", template_name));
  }
  const nlohmann::json spec = body.value("spec", nlohmann::json::object());
  std::vector<std::string> types = RequirementValues(spec, cluster::kLabelInstanceType);
  const cluster::InstanceType* type = types.empty() ? nullptr : instances.Find(types.front());
  if (type == nullptr) {
    return fail(fmt::format("instance type \"{}\" is not in the instance catalog",
                            types.empty() ? "" : types.front()));
  }
  std::vector<std::string> capacity_types = RequirementValues(spec, cluster::kLabelCapacityType);
  std::optional<cluster::CapacityType> capacity_type = cluster::ParseCapacityType(
      capacity_types.empty() ? cluster::CapacityTypeName(cluster::CapacityType::kOnDemand)
                             : capacity_types.front());
  if (!capacity_type) {
    return fail(fmt::format("unknown capacity type \"{}\"", capacity_types.front()));
  }
  std::vector<std::string> zones = RequirementValues(spec, cluster::kLabelZone);
  const cluster::Offering* offering = nullptr;
  for (const cluster::Offering& candidate : type->offerings) {
    // Catalogs without per-zone prices have one offering for every zone ("").
    bool zone_ok = zones.empty() || candidate.zone.empty() ||
                   std::find(zones.begin(), zones.end(), candidate.zone) != zones.end();
    if (candidate.capacity_type == *capacity_type && zone_ok &&
        (offering == nullptr || candidate.price_per_hour < offering->price_per_hour)) {
      offering = &candidate;
    }
  }
  if (offering == nullptr) {
    return fail(fmt::format("{} has no {} offering in the zones it asks for", type->name,
                            cluster::CapacityTypeName(*capacity_type)));
  }
  GP_ASSIGN_OR_RETURN(const gpu::GpuModel* model, gpus.Find(type->gpu_model));
  Result<std::vector<cluster::SharingConfig>> sharing =
      PlannedSharing(labels, *model, type->gpu_count, gpus, configs);
  if (!sharing) {
    return fail(sharing.error().message());
  }
  if (sharing->empty()) {
    return fail(type->name + " has no GPUs");
  }
  cluster::Node node = cluster::PlannedNode(claim.meta.name, *node_template, *type, *offering,
                                            sharing->front(), *model);
  SetPlannedGpus(node, *model, *sharing);
  for (auto& [key, value] : labels) {
    node.labels.insert_or_assign(key, value);
  }
  if (node.zone.empty() && !zones.empty()) {
    node.zone = zones.front();
    node.labels.insert_or_assign(std::string(cluster::kLabelZone), node.zone);
  }
  node.taints.push_back(
      {std::string(control::kTaintSharingPending), "true", cluster::TaintEffect::kNoSchedule});
  node.ready = false;
  return node;
}

// A node selector requirement as the planner matches it; InvalidArgument naming `field` for an
// operator Kubernetes does not have.
Result<cluster::NodeSelectorRequirement> ReadRequirement(const kube::NodeSelectorRequirement& from,
                                                         const std::string& field) {
  std::optional<cluster::SelectorOperator> op = cluster::ParseSelectorOperator(from.op.str());
  if (!op) {
    return InvalidArgumentError(
        fmt::format("{}.operator: \"{}\" is not In, NotIn, Exists, DoesNotExist, Gt or Lt", field,
                    from.op.str()));
  }
  cluster::NodeSelectorRequirement out{from.key.str(), *op, {}};
  for (const kube::Symbol& value : from.values) {
    out.values.push_back(value.str());
  }
  return out;
}

// The pod's required node affinity (nullopt when it has none).
Result<std::optional<cluster::NodeSelector>> ReadRequiredAffinity(const kube::PodObject& object) {
  if (object.required_node_affinity.empty()) {
    return std::nullopt;
  }
  const std::string terms_field =
      "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
      "nodeSelectorTerms";
  cluster::NodeSelector selector;
  for (size_t t = 0; t < object.required_node_affinity.size(); ++t) {
    const kube::NodeSelectorTerm& from = object.required_node_affinity[t];
    const std::string term_field = fmt::format("{}[{}]", terms_field, t);
    cluster::NodeSelectorTerm term;
    for (size_t i = 0; i < from.match_expressions.size(); ++i) {
      GP_ASSIGN_OR_RETURN(cluster::NodeSelectorRequirement requirement,
                          ReadRequirement(from.match_expressions[i],
                                          fmt::format("{}.matchExpressions[{}]", term_field, i)));
      term.match_expressions.push_back(std::move(requirement));
    }
    for (size_t i = 0; i < from.match_fields.size(); ++i) {
      GP_ASSIGN_OR_RETURN(
          cluster::NodeSelectorRequirement requirement,
          ReadRequirement(from.match_fields[i], fmt::format("{}.matchFields[{}]", term_field, i)));
      term.match_fields.push_back(std::move(requirement));
    }
    selector.terms.push_back(std::move(term));
  }
  return selector;
}

Result<cluster::Pod> ReadPod(const kube::PodObject& object) {
  cluster::Pod pod;
  pod.name = object.meta.name;
  pod.namespace_name = object.meta.namespace_name;
  pod.uid = object.meta.uid;
  pod.labels = ToLabels(object.meta.labels);
  pod.annotations = ToLabels(object.meta.annotations);
  pod.requests = ToResources(object.requests);
  pod.requests.pods = 1;
  pod.node_selector = ToLabels(object.node_selector);
  GP_ASSIGN_OR_RETURN(pod.required_affinity, ReadRequiredAffinity(object));
  for (const kube::Toleration& from : object.tolerations) {
    cluster::Toleration toleration;
    toleration.key = from.key.str();
    toleration.op = from.op == "Exists" ? cluster::TolerationOperator::kExists
                                        : cluster::TolerationOperator::kEqual;
    toleration.value = from.value.str();
    toleration.effect = cluster::ParseTaintEffect(from.effect.str());
    pod.tolerations.push_back(std::move(toleration));
  }
  pod.priority = object.priority;
  if (!object.scheduler_name.empty()) {
    pod.scheduler_name = object.scheduler_name.str();
  }
  for (const kube::OwnerRef& owner : object.meta.owners) {
    if (owner.controller) {
      pod.owner = cluster::OwnerRef{owner.kind.str(), owner.name};
    }
  }
  pod.node_name = object.node_name.str();
  for (auto phase : {cluster::PodPhase::kPending, cluster::PodPhase::kRunning,
                     cluster::PodPhase::kSucceeded, cluster::PodPhase::kFailed}) {
    if (object.phase == cluster::PodPhaseName(phase)) {
      pod.phase = phase;
    }
  }
  return pod;
}

Result<cluster::NodeTemplate> ReadTemplate(const kube::GenericObject& object,
                                           const gpu::GpuCatalog& gpus,
                                           std::vector<std::string>& problems) {
  GP_ASSIGN_OR_RETURN(nlohmann::json body, ParseBody(object, "NodeTemplate"));
  body["apiVersion"] = kube::NodeTemplatesResource().ApiVersion();
  body["kind"] = "NodeTemplate";
  body["metadata"] = {{"name", object.meta.name}};
  body.erase("status");
  GP_ASSIGN_OR_RETURN(
      catalog::KubeObjects read,
      catalog::ReadKubeObjects(body.dump(), "NodeTemplate/" + object.meta.name, gpus));
  for (std::string& warning : read.warnings) {
    problems.push_back(std::move(warning));
  }
  if (read.templates.size() != 1) {
    return InvalidArgumentError("NodeTemplate/" + object.meta.name + ": not a NodeTemplate");
  }
  return std::move(read.templates.front());
}

}  // namespace

ViewOptions DefaultViewOptions() {
  return ViewOptions{std::string(kDefaultGpuOperatorNamespace),
                     std::string(kDefaultDevicePluginConfigMap),
                     std::string(kDefaultMigPartedConfigMap)};
}

Result<ClusterReading> BuildClusterSnapshot(const ClusterObjects& objects,
                                            const gpu::GpuCatalog& gpus,
                                            const cluster::InstanceCatalog& instances,
                                            const ViewOptions& options) {
  std::vector<ObjectProblem> problems;
  SharingConfigs configs = ReadSharingConfigs(objects, options, problems);

  std::vector<cluster::NodeTemplate> templates;
  for (const kube::GenericObject& object : objects.node_templates) {
    if (object.meta.deleting) {
      continue;
    }
    std::vector<std::string> lines;
    Result<cluster::NodeTemplate> read = ReadTemplate(object, gpus, lines);
    if (read) {
      templates.push_back(std::move(*read));
    } else {
      lines.push_back(read.error().message() + " (left out)");
    }
    AddProblems(kube::NodeTemplatesResource().ApiVersion(), "NodeTemplate", object.meta,
                std::move(lines), problems);
  }

  std::vector<cluster::Node> nodes;
  std::set<std::string, std::less<>> joined_claims;  // NodeClaims whose Node exists
  for (const kube::NodeObject& object : objects.nodes) {
    if (const std::string* claim = object.meta.Label(kLabelKarpenterNodeClaim)) {
      joined_claims.insert(*claim);
    }
    std::vector<std::string> lines;
    Result<cluster::Node> node = ReadNode(object, gpus, instances, configs, lines);
    if (node) {
      nodes.push_back(std::move(*node));
    } else {
      lines.push_back(node.error().message() + " (left out)");
    }
    AddProblems("v1", "Node", object.meta, std::move(lines), problems);
  }
  std::vector<control::LaunchFailure> failed_launches;
  for (const kube::GenericObject& claim : objects.node_claims) {
    if (claim.meta.Label(cluster::kLabelNodeTemplate) == nullptr ||
        joined_claims.contains(claim.meta.name)) {
      continue;
    }
    // Karpenter's finalizer keeps a claim it deletes for a moment: a failed launch already.
    if (std::optional<control::LaunchFailure> failed = FailedLaunch(claim, claim.meta.deleting)) {
      failed_launches.push_back(std::move(*failed));
      continue;
    }
    if (claim.meta.deleting) {
      continue;
    }
    Result<nlohmann::json> body = ParseBody(claim, "NodeClaim");
    std::string node_name =
        body ? body->value("status", nlohmann::json::object()).value("nodeName", "") : "";
    bool joined = !node_name.empty() &&
                  std::any_of(objects.nodes.begin(), objects.nodes.end(),
                              [&](const kube::NodeObject& n) { return n.meta.name == node_name; });
    if (joined) {
      continue;
    }
    Result<cluster::Node> node = ReadNodeClaim(claim, templates, gpus, instances, configs);
    if (node) {
      nodes.push_back(std::move(*node));
    } else {
      AddProblems(kube::NodeClaimsResource().ApiVersion(), "NodeClaim", claim.meta,
                  {node.error().message() + " (left out)"}, problems);
    }
  }

  std::vector<cluster::Pod> pods;
  for (const kube::PodObject& object : objects.pods) {
    Result<cluster::Pod> pod = ReadPod(object);
    // A pod being deleted still holds its node's resources until it is gone; a pending one
    // will never need a node.
    if (pod && (pod->IsTerminal() || (object.meta.deleting && !pod->IsBound()))) {
      continue;
    }
    Status recognized =
        pod ? cluster::RecognizeGpuDemand(*pod) : Status(tl::unexpected(pod.error()));
    if (!recognized) {
      AddProblems("v1", "Pod", object.meta,
                  {fmt::format("Pod/{}/{}: {} (left out)", object.meta.namespace_name,
                               object.meta.name, recognized.error().message())},
                  problems);
      continue;
    }
    pods.push_back(std::move(*pod));
  }

  std::vector<std::string> warnings;
  GP_ASSIGN_OR_RETURN(cluster::ClusterSnapshot snapshot,
                      cluster::BuildSnapshot(std::move(nodes), std::move(pods),
                                             std::move(templates), instances, gpus, warnings));
  for (std::string& warning : warnings) {
    problems.push_back(ObjectProblem{std::move(warning), "", "", "", "", ""});
  }
  std::sort(problems.begin(), problems.end());
  problems.erase(
      std::unique(problems.begin(), problems.end(),
                  [](const ObjectProblem& a, const ObjectProblem& b) { return a.text == b.text; }),
      problems.end());
  return ClusterReading{std::move(snapshot), std::move(problems), std::move(failed_launches)};
}

std::optional<control::LaunchFailure> FailedLaunch(const kube::GenericObject& claim, bool deleted) {
  if (claim.meta.Label(cluster::kLabelNodeTemplate) == nullptr) {
    return std::nullopt;
  }
  nlohmann::json body = nlohmann::json::parse(claim.body, nullptr, false);
  if (!body.is_object()) {
    return std::nullopt;
  }
  const nlohmann::json* launched = StatusCondition(body, "Launched");
  std::string launched_status = launched != nullptr ? launched->value("status", "") : "";
  control::LaunchFailure failure;
  if (launched_status == "False") {
    failure.reason = fmt::format("Launched=False, {}: {}", launched->value("reason", ""),
                                 launched->value("message", ""));
    failure.exists = !deleted;
  } else if (deleted && launched_status != "True" &&
             body.value("status", nlohmann::json::object()).value("providerID", "").empty()) {
    // What Karpenter does when the cloud has no capacity for any of the claim's offerings.
    failure.reason = "deleted before it launched (insufficient capacity)";
  } else {
    return std::nullopt;
  }
  failure.node = claim.meta.name;
  const nlohmann::json spec = body.value("spec", nlohmann::json::object());
  auto first = [&](std::string_view key) {
    std::vector<std::string> values = RequirementValues(spec, key);
    return values.empty() ? std::string() : values.front();
  };
  failure.instance_type = first(cluster::kLabelInstanceType);
  failure.capacity_type = cluster::ParseCapacityType(first(cluster::kLabelCapacityType))
                              .value_or(cluster::CapacityType::kOnDemand);
  // A claim that allows several zones failed in all of them.
  std::vector<std::string> zones = RequirementValues(spec, cluster::kLabelZone);
  failure.zone = zones.size() == 1 ? zones.front() : "";
  if (failure.instance_type.empty()) {
    return std::nullopt;  // not one of gpupack's: it names no one offering
  }
  return failure;
}

KubeClusterView::KubeClusterView(ClusterInformers informers, const gpu::GpuCatalog& gpus,
                                 const cluster::InstanceCatalog& instances, ViewOptions options)
    : informers_(informers), gpus_(&gpus), instances_(&instances), options_(std::move(options)) {}

ClusterObjects KubeClusterView::Objects() const {
  ClusterObjects objects;
  objects.nodes = informers_.nodes->List();
  objects.pods = informers_.pods->List();
  objects.node_templates = informers_.node_templates->List();
  objects.node_claims = informers_.node_claims->List();
  objects.config_maps = informers_.config_maps->List();
  return objects;
}

Result<cluster::ClusterSnapshot> KubeClusterView::Snapshot() {
  GP_ASSIGN_OR_RETURN(ClusterReading reading,
                      BuildClusterSnapshot(Objects(), *gpus_, *instances_, options_));
  problems_ = std::move(reading.problems);
  std::lock_guard lock(mu_);
  for (control::LaunchFailure& failure : reading.failed_launches) {
    if (reported_failed_.insert(failure.node).second) {
      failures_.push_back(std::move(failure));
    }
  }
  return std::move(reading.snapshot);
}

void KubeClusterView::NoteNodeClaimDeleted(const kube::GenericObject& claim) {
  std::lock_guard lock(mu_);
  if (reported_failed_.erase(claim.meta.name) > 0) {
    return;  // reported when it still existed
  }
  if (std::optional<control::LaunchFailure> failure = FailedLaunch(claim, true)) {
    failures_.push_back(std::move(*failure));
  }
}

std::vector<control::LaunchFailure> KubeClusterView::TakeLaunchFailures() {
  std::vector<control::LaunchFailure> out;
  {
    std::lock_guard lock(mu_);
    out.swap(failures_);
  }
  for (const control::LaunchFailure& failure : out) {
    log::Warn("NodeClaim/{}: launch of {} {}{} failed ({}); that offering is skipped for a while",
              failure.node, failure.instance_type, cluster::CapacityTypeName(failure.capacity_type),
              failure.zone.empty() ? "" : " in " + failure.zone, failure.reason);
  }
  return out;
}

}  // namespace gpupack::controller
