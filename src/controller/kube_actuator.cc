#include "controller/kube_actuator.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "catalog/device_plugin_yaml.h"
#include "catalog/mig_parted_yaml.h"
#include "cluster/gpu_demand.h"
#include "cluster/sharing.h"
#include "common/log.h"
#include "controller/node_sharing.h"
#include "controller/scheduler.h"

namespace gpupack::controller {

// The changes ApplyNodeChanges makes: labels set or removed, taints added or removed (by key).
struct NodeChanges {
  std::map<std::string, std::string> set_labels;
  std::set<std::string> remove_labels;
  // Labels whose key starts with this prefix and are not in set_labels are removed.
  std::string remove_label_prefix;
  std::vector<cluster::Taint> add_taints;
  std::set<std::string> remove_taints;
};

namespace {

using nlohmann::json;

constexpr std::string_view kMigPartedKey = "config.yaml";
constexpr std::string_view kAnnotationMirror = "kubernetes.io/config.mirror";
constexpr std::string_view kManagedBy = "app.kubernetes.io/managed-by";
constexpr int kPatchAttempts = 5;

// "2026-11-24T19:41:00Z": the seconds precision core/v1 Event and condition times carry.
std::string Rfc3339(Timestamp time) {
  using namespace std::chrono;
  const sys_seconds seconds{duration_cast<std::chrono::seconds>(time.since_epoch)};
  const sys_days day = floor<days>(seconds);
  const year_month_day date{day};
  const hh_mm_ss<std::chrono::seconds> clock{seconds - day};
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     clock.hours().count(), clock.minutes().count(), clock.seconds().count());
}

// A JSON pointer segment (RFC 6901): "nvidia.com/mig.config" -> "nvidia.com~1mig.config".
std::string PointerSegment(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

kube::ObjectKey PodKey(std::string_view key) {
  size_t slash = key.find('/');
  if (slash == std::string_view::npos) {
    return kube::ObjectKey{"", std::string(key)};
  }
  return kube::ObjectKey{std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

json TaintJson(const cluster::Taint& taint) {
  json out = {{"key", taint.key}, {"effect", std::string(cluster::TaintEffectName(taint.effect))}};
  if (!taint.value.empty()) {
    out["value"] = taint.value;
  }
  return out;
}

cluster::Taint StartupTaint() {
  return cluster::Taint{std::string(control::kTaintSharingPending), "",
                        cluster::TaintEffect::kNoSchedule};
}

bool SameTaint(const json& taint, const cluster::Taint& want) {
  return taint.value("key", "") == want.key &&
         taint.value("effect", "") == cluster::TaintEffectName(want.effect);
}

// Whether a pod is a DaemonSet's or a mirror (static) pod: eviction skips both, as kubectl drain.
bool SkippedByDrain(const json& pod) {
  const json& meta = pod["metadata"];
  if (meta.contains("annotations") && meta["annotations"].contains(kAnnotationMirror)) {
    return true;
  }
  if (meta.contains("ownerReferences")) {
    for (const json& owner : meta["ownerReferences"]) {
      if (owner.value("kind", "") == "DaemonSet") {
        return true;
      }
    }
  }
  return false;
}

bool IsTerminalPod(const json& pod) {
  std::string phase = pod.contains("status") ? pod["status"].value("phase", "") : "";
  return phase == "Succeeded" || phase == "Failed";
}

// A JSON patch for `node` that makes `changes`, guarded by `test` ops on everything it replaces
// or removes; empty when nothing needs to change.
json BuildNodePatch(const json& node, const NodeChanges& changes) {
  json ops = json::array();
  const json& meta = node["metadata"];
  const bool has_labels = meta.contains("labels") && meta["labels"].is_object();
  const json empty = json::object();
  const json& labels = has_labels ? meta["labels"] : empty;
  json added_labels = json::object();
  for (const auto& [key, value] : changes.set_labels) {
    auto found = labels.find(key);
    if (found != labels.end() && found->is_string() && found->get<std::string>() == value) {
      continue;
    }
    if (!has_labels) {
      added_labels[key] = value;
      continue;
    }
    const std::string path = "/metadata/labels/" + PointerSegment(key);
    if (found != labels.end()) {
      ops.push_back({{"op", "test"}, {"path", path}, {"value", *found}});
      ops.push_back({{"op", "replace"}, {"path", path}, {"value", value}});
    } else {
      ops.push_back({{"op", "add"}, {"path", path}, {"value", value}});
    }
  }
  if (!added_labels.empty()) {
    ops.push_back({{"op", "add"}, {"path", "/metadata/labels"}, {"value", added_labels}});
  }
  for (auto it = labels.begin(); it != labels.end(); ++it) {
    const std::string& key = it.key();
    bool remove =
        changes.remove_labels.contains(key) ||
        (!changes.remove_label_prefix.empty() && key.starts_with(changes.remove_label_prefix) &&
         !changes.set_labels.contains(key));
    if (remove) {
      const std::string path = "/metadata/labels/" + PointerSegment(key);
      ops.push_back({{"op", "test"}, {"path", path}, {"value", it.value()}});
      ops.push_back({{"op", "remove"}, {"path", path}});
    }
  }

  const bool has_taints =
      node.contains("spec") && node["spec"].contains("taints") && node["spec"]["taints"].is_array();
  json taints = has_taints ? node["spec"]["taints"] : json::array();
  json wanted = json::array();
  bool changed = false;
  for (const json& taint : taints) {
    if (changes.remove_taints.contains(taint.value("key", ""))) {
      changed = true;
    } else {
      wanted.push_back(taint);
    }
  }
  for (const cluster::Taint& taint : changes.add_taints) {
    bool present = std::any_of(wanted.begin(), wanted.end(),
                               [&](const json& have) { return SameTaint(have, taint); });
    if (!present) {
      wanted.push_back(TaintJson(taint));
      changed = true;
    }
  }
  if (changed) {
    if (has_taints) {
      ops.push_back({{"op", "test"}, {"path", "/spec/taints"}, {"value", taints}});
      ops.push_back({{"op", "replace"}, {"path", "/spec/taints"}, {"value", wanted}});
    } else {
      ops.push_back({{"op", "add"}, {"path", "/spec/taints"}, {"value", wanted}});
    }
  }
  return ops;
}

// Whether the cached `node` already carries what `changes` asks (then nothing is read or
// written).
bool Satisfies(const kube::NodeObject& node, const NodeChanges& changes) {
  for (const auto& [key, value] : changes.set_labels) {
    const std::string* have = node.meta.Label(key);
    if (have == nullptr || *have != value) {
      return false;
    }
  }
  for (const auto& [key, value] : node.meta.labels) {
    if (changes.remove_labels.contains(key.str()) ||
        (!changes.remove_label_prefix.empty() &&
         key.str().starts_with(changes.remove_label_prefix) &&
         !changes.set_labels.contains(key.str()))) {
      return false;
    }
  }
  for (const kube::Taint& taint : node.taints) {
    if (changes.remove_taints.contains(taint.key.str())) {
      return false;
    }
  }
  for (const cluster::Taint& want : changes.add_taints) {
    bool present = std::any_of(node.taints.begin(), node.taints.end(), [&](const kube::Taint& t) {
      return t.key == want.key && t.effect == cluster::TaintEffectName(want.effect);
    });
    if (!present) {
      return false;
    }
  }
  return true;
}

kube::WriteOptions Managed() {
  kube::WriteOptions options;
  options.field_manager = std::string(kFieldManager);
  return options;
}

kube::WriteOptions StatusSubresource() {
  kube::WriteOptions options = Managed();
  options.subresource = "status";
  return options;
}

std::string FormatRatio(double value) { return fmt::format("{:.2f}", value); }

}  // namespace

std::string_view NodeStateName(NodeState state) {
  switch (state) {
    case NodeState::kUnmanaged:
      return "unmanaged";
    case NodeState::kApplying:
      return "applying";
    case NodeState::kReady:
      return "ready";
    case NodeState::kFailed:
      return "failed";
  }
  return "unknown";
}

std::string NodeClaimName(std::string_view template_name, std::vector<std::string> seed_keys,
                          int index) {
  std::sort(seed_keys.begin(), seed_keys.end());
  std::string text;
  for (const std::string& key : seed_keys) {
    text += key;
    text += '\n';
  }
  text += std::to_string(index);
  return std::string(template_name) + "-" + Hex16(StableHash(text)).substr(0, 10);
}

KubeActuator::KubeActuator(kube::KubeClient& client, const gpu::GpuCatalog& catalog,
                           const Clock& clock, KubeActuatorOptions options)
    : client_(&client), catalog_(&catalog), clock_(&clock), options_(std::move(options)) {}

void KubeActuator::SetSnapshot(std::shared_ptr<const cluster::ClusterSnapshot> snapshot) {
  snapshot_ = std::move(snapshot);
  launches_since_snapshot_ = 0;
}

// ---- ConfigMaps ----------------------------------------------------------------------------

Status KubeActuator::LoadConfigMaps() {
  const kube::Resource config_maps = kube::ConfigMapsResource();
  Result<json> plugin =
      client_->Get(config_maps, {options_.config_namespace, options_.device_plugin_config_map});
  if (plugin) {
    const std::string source = options_.device_plugin_config_map;
    const json empty = json::object();
    const json& data = plugin->contains("data") ? (*plugin)["data"] : empty;
    for (auto it = data.begin(); it != data.end(); ++it) {
      if (!it->is_string()) {
        continue;
      }
      Result<catalog::ParsedDevicePluginConfig> parsed =
          catalog::ParseDevicePluginConfig(it->get<std::string>(), source + "/" + it.key());
      if (parsed) {
        plugin_configs_[it.key()] = parsed->config;
      } else {
        log::Warn("{}", parsed.error().message());
      }
    }
  } else if (plugin.error().code() != ErrorCode::kNotFound) {
    return tl::unexpected(plugin.error());
  }
  Result<json> mig =
      client_->Get(config_maps, {options_.config_namespace, options_.mig_parted_config_map});
  if (mig) {
    const json& data = (*mig)["data"];
    if (mig->contains("data") && data.contains(kMigPartedKey) && data[kMigPartedKey].is_string()) {
      GP_ASSIGN_OR_RETURN(catalog::ParsedMigParted parsed,
                          catalog::ParseMigPartedConfig(data[kMigPartedKey].get<std::string>(),
                                                        options_.mig_parted_config_map));
      for (auto& [name, entries] : parsed.spec.mig_configs) {
        mig_configs_[name] = std::move(entries);
      }
    }
  } else if (mig.error().code() != ErrorCode::kNotFound) {
    return tl::unexpected(mig.error());
  }
  return OkStatus();
}

Status KubeActuator::WriteSharingConfig(const NodeSharing& sharing) {
  const kube::Resource config_maps = kube::ConfigMapsResource();
  const std::string text = catalog::RenderDevicePluginConfig(sharing.device_plugin_config);
  auto known = plugin_configs_.find(sharing.device_plugin_key);
  if (known == plugin_configs_.end() || known->second != sharing.device_plugin_config) {
    json config_map = {{"apiVersion", "v1"},
                       {"kind", "ConfigMap"},
                       {"metadata",
                        {{"name", options_.device_plugin_config_map},
                         {"namespace", options_.config_namespace},
                         {"labels", {{std::string(kManagedBy), "gpupack"}}}}},
                       {"data", {{sharing.device_plugin_key, text}}}};
    Result<json> created = client_->Create(config_maps, options_.config_namespace, config_map, {});
    if (!created && created.error().code() == ErrorCode::kAlreadyExists) {
      // A merge patch adds the key and leaves every other key (nodes may point at them) alone.
      json patch = {{"data", {{sharing.device_plugin_key, text}}}};
      created = client_->Patch(config_maps,
                               {options_.config_namespace, options_.device_plugin_config_map},
                               kube::PatchType::kMerge, patch.dump(), {});
    }
    if (!created) {
      return tl::unexpected(created.error());
    }
    plugin_configs_[sharing.device_plugin_key] = sharing.device_plugin_config;
  }

  if (sharing.mig_config.empty()) {
    return OkStatus();
  }
  auto mig_known = mig_configs_.find(sharing.mig_config);
  if (mig_known != mig_configs_.end()) {
    std::vector<gpu::MigConfigEntry> merged = mig_known->second;
    if (!MergeMigEntries(merged, sharing.mig_entries)) {
      return OkStatus();
    }
  }
  // mig-parted reads one key holding every config: read, add ours, write back with the
  // resourceVersion read (a concurrent writer makes it 409: read again and re-apply).
  const kube::ObjectKey key{options_.config_namespace, options_.mig_parted_config_map};
  gpu::MigPartedSpec spec;
  spec.mig_configs[std::string(kMigConfigAllDisabled)] = {AllDisabledMigEntry()};
  MergeMigEntries(spec.mig_configs[sharing.mig_config], sharing.mig_entries);
  json config_map = {
      {"apiVersion", "v1"},
      {"kind", "ConfigMap"},
      {"metadata",
       {{"name", options_.mig_parted_config_map},
        {"namespace", options_.config_namespace},
        {"labels", {{std::string(kManagedBy), "gpupack"}}}}},
      {"data", {{std::string(kMigPartedKey), catalog::RenderMigPartedConfig(spec)}}}};
  Result<json> written = client_->Create(config_maps, options_.config_namespace, config_map, {});
  if (!written && written.error().code() == ErrorCode::kAlreadyExists) {
    written = client_->UpdateWithRetry(config_maps, key, [&](json& object) -> Result<bool> {
      gpu::MigPartedSpec current;
      if (object.contains("data") && object["data"].contains(kMigPartedKey)) {
        GP_ASSIGN_OR_RETURN(
            catalog::ParsedMigParted parsed,
            catalog::ParseMigPartedConfig(object["data"][kMigPartedKey].get<std::string>(),
                                          options_.mig_parted_config_map));
        current = std::move(parsed.spec);
      }
      bool changed = MergeMigEntries(current.mig_configs[sharing.mig_config], sharing.mig_entries);
      if (!current.mig_configs.contains(std::string(kMigConfigAllDisabled))) {
        current.mig_configs[std::string(kMigConfigAllDisabled)] = {AllDisabledMigEntry()};
        changed = true;
      }
      if (!changed) {
        return false;
      }
      object["data"][kMigPartedKey] = catalog::RenderMigPartedConfig(current);
      return true;
    });
  }
  if (!written) {
    return tl::unexpected(written.error());
  }
  MergeMigEntries(mig_configs_[sharing.mig_config], sharing.mig_entries);
  return OkStatus();
}

// ---- Node writes ---------------------------------------------------------------------------

Result<bool> KubeActuator::ApplyNodeChanges(const std::string& node, const NodeChanges& changes) {
  const kube::Resource nodes = kube::NodesResource();
  Error last(ErrorCode::kInternal, "no attempt made");
  for (int attempt = 0; attempt < kPatchAttempts; ++attempt) {
    GP_ASSIGN_OR_RETURN(json object, client_->Get(nodes, {"", node}));
    json ops = BuildNodePatch(object, changes);
    if (ops.empty()) {
      return false;
    }
    Result<json> patched =
        client_->Patch(nodes, {"", node}, kube::PatchType::kJson, ops.dump(), Managed());
    if (patched) {
      return true;
    }
    // A failed `test` is 422: someone changed the node between our read and the patch.
    if (patched.error().code() != ErrorCode::kInvalidArgument) {
      return tl::unexpected(patched.error());
    }
    last = patched.error();
  }
  return tl::unexpected(Error(last.code(), "patch node " + node + ": still conflicting after " +
                                               std::to_string(kPatchAttempts) +
                                               " attempts: " + last.message()));
}

// ---- Actuator ------------------------------------------------------------------------------

// The device plugin picks the devices; a scheduler only names the node.
Status KubeActuator::Bind(const std::string& pod, const std::string& node,
                          const std::vector<plan::DeviceChoice>& devices) {
  std::string scheduler;
  const cluster::Pod* known = snapshot_ ? snapshot_->FindPod(pod) : nullptr;
  if (known != nullptr) {
    scheduler = known->scheduler_name;
  } else {
    GP_ASSIGN_OR_RETURN(json object, client_->Get(kube::PodsResource(), PodKey(pod)));
    scheduler = object["spec"].value("schedulerName", "default-scheduler");
  }
  if (scheduler != options_.scheduler_name) {
    log::Debug("bind {} -> {}: left to {} (it binds once the node is ready)", pod, node, scheduler);
    return OkStatus();
  }
  return BindPod(*client_, pod, node, devices);
}

Status KubeActuator::Launch(const plan::Provision& provision) {
  if (!snapshot_) {
    return FailedPreconditionError("launch " + provision.template_name +
                                   ": the actuator has no snapshot yet");
  }
  const cluster::NodeTemplate* node_template = snapshot_->FindTemplate(provision.template_name);
  if (node_template == nullptr) {
    return NotFoundError("launch: NodeTemplate " + provision.template_name + " not found");
  }
  std::optional<cluster::NodeClassRef> node_class =
      node_template->node_class_ref ? node_template->node_class_ref : options_.default_node_class;
  if (!node_class) {
    return FailedPreconditionError("launch: NodeTemplate " + provision.template_name +
                                   " has no spec.nodeClassRef and the controller no default; "
                                   "Karpenter needs one to create a node");
  }
  const cluster::InstanceType* type = snapshot_->instances.Find(provision.instance_type);
  if (type == nullptr) {
    return NotFoundError("launch: instance type " + provision.instance_type +
                         " is not in the instance catalog");
  }
  GP_ASSIGN_OR_RETURN(NodeSharing sharing, PlanNodeSharing(provision.gpus, *catalog_));
  GP_TRY(WriteSharingConfig(sharing));

  // What the plan was made for: restarted with the same pending pods, the same names come out.
  // The ordinal tells apart two provisions of one plan that look alike.
  std::vector<std::string> seed = {std::to_string(launches_since_snapshot_++),
                                   provision.instance_type,
                                   std::string(cluster::CapacityTypeName(provision.capacity_type)),
                                   provision.zone,
                                   sharing.device_plugin_key,
                                   sharing.mig_config};
  for (const cluster::Pod* pod : snapshot_->PendingPods()) {
    seed.push_back(pod->uid.empty() ? pod->Key() : pod->uid);
  }

  cluster::Labels labels = node_template->labels;
  for (const auto& [key, value] : sharing.labels) {
    labels[key] = value;
  }
  labels[std::string(cluster::kLabelNodeTemplate)] = provision.template_name;
  json taints = json::array();
  for (const cluster::Taint& taint : node_template->taints) {
    taints.push_back(TaintJson(taint));
  }
  for (const cluster::Taint& taint : sharing.taints) {
    if (std::find(node_template->taints.begin(), node_template->taints.end(), taint) ==
        node_template->taints.end()) {
      taints.push_back(TaintJson(taint));
    }
  }
  json requirements = json::array();
  for (const auto& [key, value] :
       {std::pair{cluster::kLabelInstanceType, provision.instance_type},
        std::pair{cluster::kLabelCapacityType,
                  std::string(cluster::CapacityTypeName(provision.capacity_type))},
        std::pair{cluster::kLabelZone, provision.zone}}) {
    if (!value.empty()) {
      requirements.push_back({{"key", key}, {"operator", "In"}, {"values", {value}}});
    }
  }

  const kube::Resource claims = kube::NodeClaimsResource();
  for (int index = 0; index < provision.count; ++index) {
    const std::string name = NodeClaimName(provision.template_name, seed, index);
    json claim = {
        {"apiVersion", claims.ApiVersion()},
        {"kind", "NodeClaim"},
        {"metadata",
         {{"name", name},
          {"labels", labels},
          {"annotations",
           {{"gpupack.io/sharing",
             sharing.device_plugin_key +
                 (sharing.mig_config.empty() ? "" : ":" + sharing.mig_config)},
            {"gpupack.io/reason", provision.reason}}}}},
        {"spec",
         {{"requirements", requirements},
          // The physical GPUs: what Karpenter's instance types list (it does not know MIG or
          // time-slicing resources, which the device plugin advertises later).
          {"resources",
           {{"requests", {{std::string(cluster::kResourceGpu), std::to_string(type->gpu_count)}}}}},
          {"taints", taints},
          {"startupTaints", json::array({TaintJson(StartupTaint())})},
          {"nodeClassRef",
           {{"group", node_class->group}, {"kind", node_class->kind}, {"name", node_class->name}}},
          {"expireAfter", options_.node_claim_expire_after}}}};
    if (taints.empty()) {
      claim["spec"].erase("taints");
    }
    Result<json> created = client_->Create(claims, "", claim, Managed());
    if (!created) {
      switch (created.error().code()) {
        case ErrorCode::kAlreadyExists:
          log::Info("NodeClaim {} already exists (created before a restart); taken as launched",
                    name);
          break;
        case ErrorCode::kInvalidArgument:
          return InvalidArgumentError("launch NodeClaim " + name + " for NodeTemplate " +
                                      provision.template_name +
                                      " rejected by the API server: " + created.error().message());
        default:
          return tl::unexpected(created.error());
      }
    }
    if (index < static_cast<int>(provision.node_names.size())) {
      node_claims_[provision.node_names[static_cast<size_t>(index)]] = name;
    }
    GP_TRY(Emit(
        {.api_version = claims.ApiVersion(),
         .kind = "NodeClaim",
         .name = name,
         .uid = "",
         .namespace_name = ""},
        "GpupackLaunched",
        fmt::format("launching {} ({}, {}, {}) for NodeTemplate {}; sharing: {}", name,
                    provision.instance_type, cluster::CapacityTypeName(provision.capacity_type),
                    provision.zone, provision.template_name, sharing.device_plugin_key),
        false));
  }
  return OkStatus();
}

Status KubeActuator::Reconfigure(const plan::Reconfiguration& change) {
  if (!snapshot_) {
    return FailedPreconditionError("reconfigure " + change.node +
                                   ": the actuator has no snapshot yet");
  }
  const cluster::Node* node = snapshot_->FindNode(change.node);
  if (node == nullptr) {
    return NotFoundError("reconfigure: node " + change.node + " not in the snapshot");
  }
  GP_ASSIGN_OR_RETURN(const gpu::GpuModel* model, catalog_->Find(change.from.model));

  // What the GPU advertises now: a running pod asking for any of it may be on this very GPU (the
  // API does not say which device a pod got), so it blocks the change.
  std::set<std::string> changed_resources;
  for (const auto& [resource, amount] :
       cluster::AdvertisedCapacity(change.from.sharing, *model).scalar) {
    if (amount > 0) {
      changed_resources.insert(resource);
    }
  }
  kube::ListOptions on_node;
  on_node.field_selector = "spec.nodeName=" + change.node;
  GP_ASSIGN_OR_RETURN(kube::ObjectList pods, client_->ListAll(kube::PodsResource(), on_node));
  for (const json& object : pods.items) {
    if (IsTerminalPod(object)) {
      continue;
    }
    GP_ASSIGN_OR_RETURN(kube::PodObject pod, kube::DecodePod(object));
    for (const auto& [resource, amount] : pod.requests) {
      if (amount > 0 && changed_resources.contains(resource.str())) {
        return FailedPreconditionError("reconfigure " + change.node + " GPU " +
                                       std::to_string(change.gpu) + ": pod " +
                                       pod.meta.namespace_name + "/" + pod.meta.name + " uses " +
                                       resource.str() + ", which the GPU being changed provides");
      }
    }
  }

  std::vector<plan::GpuPlan> gpus;
  for (const cluster::NodeGpu& gpu : node->gpus) {
    plan::GpuPlan gpu_plan{gpu.model.empty() ? change.from.model : gpu.model, gpu.sharing, {}};
    if (gpu.sharing.IsMig()) {
      gpu_plan.geometry = catalog_->Geometry(*model).ProfileNames(gpu.sharing.geometry);
    }
    gpus.push_back(std::move(gpu_plan));
  }
  if (change.gpu < 0 || static_cast<size_t>(change.gpu) >= gpus.size()) {
    return InvalidArgumentError("reconfigure " + change.node + ": no GPU " +
                                std::to_string(change.gpu));
  }
  gpus[static_cast<size_t>(change.gpu)] = change.to;
  GP_ASSIGN_OR_RETURN(NodeSharing sharing, PlanNodeSharing(gpus, *catalog_));

  // Taint first (no pod lands while the GPU changes), then the config, then the labels that
  // point at it (the device plugin and MIG manager act on the labels).
  NodeChanges taint;
  taint.add_taints.push_back(StartupTaint());
  GP_TRY(ApplyNodeChanges(change.node, taint));
  GP_TRY(WriteSharingConfig(sharing));
  GP_TRY(ApplyNodeChanges(change.node, SharingChanges(sharing)));
  return Emit(
      {.api_version = "v1", .kind = "Node", .name = change.node, .uid = "", .namespace_name = ""},
      "GpupackReconfigured",
      fmt::format("GPU {}: {} -> {} ({})", change.gpu, change.from.sharing.Describe(*model),
                  change.to.sharing.Describe(*model), change.reason),
      false);
}

NodeChanges KubeActuator::SharingChanges(const NodeSharing& sharing) const {
  NodeChanges changes;
  for (const auto& [key, value] : sharing.labels) {
    changes.set_labels[key] = value;
  }
  changes.remove_label_prefix = std::string(cluster::kLabelMigPartitionPrefix);
  cluster::Taint mig{std::string(cluster::kTaintMig), "true", cluster::TaintEffect::kNoSchedule};
  if (std::find(sharing.taints.begin(), sharing.taints.end(), mig) != sharing.taints.end()) {
    changes.add_taints.push_back(mig);
  } else {
    changes.remove_taints.insert(mig.key);
  }
  return changes;
}

Status KubeActuator::Remove(const std::string& node) {
  const kube::Resource nodes = kube::NodesResource();
  const kube::Resource claims = kube::NodeClaimsResource();
  Result<json> object = client_->Get(nodes, {"", node});
  if (!object) {
    if (object.error().code() != ErrorCode::kNotFound) {
      return tl::unexpected(object.error());
    }
    // No Node (yet): a NodeClaim that never registered.
    Result<json> deleted = client_->Delete(claims, {"", node}, {});
    if (!deleted && deleted.error().code() != ErrorCode::kNotFound) {
      return tl::unexpected(deleted.error());
    }
    return OkStatus();
  }
  if (!(*object)["spec"].value("unschedulable", false)) {
    GP_TRY(client_->Patch(nodes, {"", node}, kube::PatchType::kMerge,
                          R"({"spec":{"unschedulable":true}})", Managed()));
  }
  kube::ListOptions on_node;
  on_node.field_selector = "spec.nodeName=" + node;
  GP_ASSIGN_OR_RETURN(kube::ObjectList pods, client_->ListAll(kube::PodsResource(), on_node));
  for (const json& pod : pods.items) {
    if (SkippedByDrain(pod) || IsTerminalPod(pod)) {
      continue;
    }
    kube::ObjectKey key = kube::KeyOf(pod);
    Status evicted = client_->Evict(key, {});
    if (!evicted && evicted.error().code() == ErrorCode::kUnavailable) {
      return UnavailableError("remove " + node + ": evicting " + key.ToString() + " was refused (" +
                              evicted.error().message() +
                              "); the node stays cordoned and is tried again later");
    }
    if (!evicted && evicted.error().code() != ErrorCode::kNotFound) {
      return evicted;
    }
  }
  const json& meta = (*object)["metadata"];
  std::string claim;
  if (meta.contains("labels") && meta["labels"].contains(kLabelKarpenterNodeClaim)) {
    claim = meta["labels"][std::string(kLabelKarpenterNodeClaim)].get<std::string>();
  } else if (client_->Get(claims, {"", node})) {
    claim = node;
  }
  if (!claim.empty()) {
    // Karpenter drains and terminates the instance, then deletes the Node.
    Result<json> deleted = client_->Delete(claims, {"", claim}, {});
    if (!deleted && deleted.error().code() != ErrorCode::kNotFound) {
      return tl::unexpected(deleted.error());
    }
  } else {
    Result<json> deleted = client_->Delete(nodes, {"", node}, {});
    if (!deleted && deleted.error().code() != ErrorCode::kNotFound) {
      return tl::unexpected(deleted.error());
    }
  }
  return Emit({.api_version = "v1",
               .kind = "Node",
               .name = node,
               .uid = meta.value("uid", ""),
               .namespace_name = ""},
              "GpupackRemoved",
              claim.empty() ? "removed: empty node deleted"
                            : "removed: empty node, NodeClaim " + claim + " deleted",
              false);
}

// ---- Node reconciliation -------------------------------------------------------------------

Result<NodeState> KubeActuator::ReconcileNode(const kube::NodeObject& node) {
  const std::string* planned = node.meta.Label(kLabelPlannedSharing);
  if (planned == nullptr || planned->empty()) {
    return NodeState::kUnmanaged;
  }
  // The GPUs: from the instance type (known before GFD labels the node), else GFD's labels.
  const gpu::GpuModel* model = nullptr;
  int gpu_count = 0;
  const std::string* type_name = node.meta.Label(cluster::kLabelInstanceType);
  const cluster::InstanceType* type =
      snapshot_ && type_name ? snapshot_->instances.Find(*type_name) : nullptr;
  if (type != nullptr && !type->gpu_model.empty()) {
    GP_ASSIGN_OR_RETURN(model, catalog_->Find(type->gpu_model));
    gpu_count = type->gpu_count;
  } else {
    const std::string* product = node.meta.Label(cluster::kLabelGpuProduct);
    const std::string* count = node.meta.Label("nvidia.com/gpu.count");
    if (product == nullptr || count == nullptr) {
      return NodeState::kApplying;  // GFD has not labelled it yet
    }
    GP_ASSIGN_OR_RETURN(model, catalog_->Find(*product));
    auto [end, error] = std::from_chars(count->data(), count->data() + count->size(), gpu_count);
    if (error != std::errc() || end != count->data() + count->size() || gpu_count <= 0) {
      return InvalidArgumentError("node " + node.meta.name + ": label nvidia.com/gpu.count=\"" +
                                  *count + "\" is not a GPU count");
    }
  }

  if (!plugin_configs_.contains(*planned)) {
    GP_TRY(LoadConfigMaps());
  }
  auto plugin = plugin_configs_.find(*planned);
  if (plugin == plugin_configs_.end()) {
    return FailedPreconditionError("node " + node.meta.name + ": planned sharing \"" + *planned +
                                   "\" is not a key of ConfigMap " + options_.config_namespace +
                                   "/" + options_.device_plugin_config_map);
  }
  std::vector<gpu::MigConfigEntry> mig_entries;
  const std::string* mig_config = node.meta.Label(kLabelMigConfig);
  if (model->mig_capable && mig_config != nullptr) {
    if (!mig_configs_.contains(*mig_config)) {
      GP_TRY(LoadConfigMaps());
    }
    auto mig = mig_configs_.find(*mig_config);
    if (mig == mig_configs_.end()) {
      return FailedPreconditionError("node " + node.meta.name + ": nvidia.com/mig.config \"" +
                                     *mig_config + "\" is not in ConfigMap " +
                                     options_.config_namespace + "/" +
                                     options_.mig_parted_config_map);
    }
    mig_entries = mig->second;
  }
  GP_ASSIGN_OR_RETURN(std::vector<plan::GpuPlan> gpus,
                      GpuPlansFromConfigs(*model, catalog_->Geometry(*model), gpu_count,
                                          plugin->second, mig_entries));
  GP_ASSIGN_OR_RETURN(NodeSharing sharing, PlanNodeSharing(gpus, *catalog_));
  // The node keeps the names it was given (a key written under another name stays valid).
  sharing.device_plugin_key = *planned;
  sharing.device_plugin_config = plugin->second;
  sharing.labels[std::string(cluster::kLabelDevicePluginConfig)] = *planned;
  sharing.labels[std::string(kLabelPlannedSharing)] = *planned;
  if (mig_config != nullptr && !sharing.mig_config.empty()) {
    sharing.mig_config = *mig_config;
    sharing.mig_entries = mig_entries;
    sharing.labels[std::string(kLabelMigConfig)] = *mig_config;
  }
  // A label added here (all-disabled on a MIG-capable node that had none) needs its config.
  GP_TRY(WriteSharingConfig(sharing));
  const NodeChanges changes = SharingChanges(sharing);
  if (!Satisfies(node, changes)) {
    GP_ASSIGN_OR_RETURN(bool relabelled, ApplyNodeChanges(node.meta.name, changes));
    if (relabelled) {
      return NodeState::kApplying;
    }
  }

  const std::string* state = node.meta.Label(kLabelMigConfigState);
  const bool any_mig = std::any_of(gpus.begin(), gpus.end(),
                                   [](const plan::GpuPlan& gpu) { return gpu.sharing.IsMig(); });
  if (state != nullptr && *state == "failed") {
    GP_TRY(Emit({.api_version = "v1",
                 .kind = "Node",
                 .name = node.meta.name,
                 .uid = node.meta.uid,
                 .namespace_name = ""},
                "GpupackMigFailed",
                "the MIG manager failed to apply nvidia.com/mig.config=" +
                    (mig_config ? *mig_config : std::string()) +
                    "; the node keeps gpupack.io/sharing-pending",
                true));
    return NodeState::kFailed;
  }
  if ((any_mig && (state == nullptr || *state != "success")) ||
      (state != nullptr && *state != "success")) {
    return NodeState::kApplying;
  }
  for (const auto& [resource, amount] : sharing.advertised.scalar) {
    auto found = std::find_if(node.allocatable.begin(), node.allocatable.end(),
                              [&](const auto& entry) { return entry.first == resource; });
    int64_t have = found == node.allocatable.end() ? 0 : found->second;
    if (have != amount) {
      return NodeState::kApplying;
    }
  }
  const bool tainted = std::any_of(node.taints.begin(), node.taints.end(), [](const auto& taint) {
    return taint.key == control::kTaintSharingPending;
  });
  if (tainted) {
    NodeChanges ready;
    ready.remove_taints.insert(std::string(control::kTaintSharingPending));
    GP_TRY(ApplyNodeChanges(node.meta.name, ready));
  }
  return NodeState::kReady;
}

// ---- Events --------------------------------------------------------------------------------

Status KubeActuator::Emit(const EventObject& object, std::string_view reason,
                          const std::string& message, bool warning) {
  const std::string namespace_name =
      object.namespace_name.empty() ? options_.node_event_namespace : object.namespace_name;
  const std::string id = namespace_name + "/" + object.kind + "/" + object.name + "|" +
                         std::string(reason) + "|" + message;
  const std::string now = Rfc3339(clock_->Now());
  const kube::Resource events = kube::EventsResource();
  auto seen = events_.find(id);
  if (seen == events_.end()) {
    const std::string name = object.name + "." + Hex16(StableHash(id));
    json involved = {
        {"apiVersion", object.api_version}, {"kind", object.kind}, {"name", object.name}};
    if (!object.namespace_name.empty()) {
      involved["namespace"] = object.namespace_name;
    }
    if (!object.uid.empty()) {
      involved["uid"] = object.uid;
    }
    json event = {{"apiVersion", "v1"},
                  {"kind", "Event"},
                  {"metadata", {{"name", name}, {"namespace", namespace_name}}},
                  {"involvedObject", involved},
                  {"reason", reason},
                  {"message", message},
                  {"type", warning ? "Warning" : "Normal"},
                  {"source", {{"component", kEventComponent}}},
                  {"firstTimestamp", now},
                  {"lastTimestamp", now},
                  {"count", 1},
                  {"reportingComponent", kEventComponent}};
    if (!options_.reporting_instance.empty()) {
      event["reportingInstance"] = options_.reporting_instance;
    }
    Result<json> created = client_->Create(events, namespace_name, event, {});
    if (created) {
      events_[id] = RecordedEvent{namespace_name, name, 1};
      return OkStatus();
    }
    if (created.error().code() != ErrorCode::kAlreadyExists) {
      return tl::unexpected(created.error());
    }
    // Written before a restart: continue its count.
    GP_ASSIGN_OR_RETURN(json existing, client_->Get(events, {namespace_name, name}));
    seen =
        events_.emplace(id, RecordedEvent{namespace_name, name, existing.value("count", 1)}).first;
  }
  RecordedEvent& recorded = seen->second;
  json patch = {{"count", recorded.count + 1}, {"lastTimestamp", now}, {"message", message}};
  GP_TRY(client_->Patch(events, {recorded.namespace_name, recorded.name},
                        kube::PatchType::kStrategicMerge, patch.dump(), {}));
  ++recorded.count;
  return OkStatus();
}

Status KubeActuator::RecordReport(
    const control::ReconcileReport& report,
    const std::map<std::string, std::string, std::less<>>& nominations) {
  auto pod_object = [&](const std::string& key) {
    const cluster::Pod* pod = snapshot_ ? snapshot_->FindPod(key) : nullptr;
    kube::ObjectKey parts = PodKey(key);
    return EventObject{.api_version = "v1",
                       .kind = "Pod",
                       .name = parts.name,
                       .uid = pod != nullptr ? pod->uid : "",
                       .namespace_name = parts.namespace_name};
  };
  for (const plan::Unschedulable& pod : report.unschedulable) {
    GP_TRY(Emit(pod_object(pod.pod), "GpupackUnschedulable", pod.reason, true));
  }
  for (const auto& [pod, node] : nominations) {
    auto previous = nominated_.find(pod);
    if (previous != nominated_.end() && previous->second == node) {
      continue;  // said already
    }
    // The loop names coming nodes after the provision; the cluster knows the NodeClaim.
    auto claim = node_claims_.find(node);
    GP_TRY(Emit(pod_object(pod), "GpupackNominated",
                "nominated to " +
                    (claim == node_claims_.end() ? "node " + node : "NodeClaim " + claim->second) +
                    " (starting; the pod runs there once it is ready)",
                false));
  }
  nominated_ = nominations;
  return OkStatus();
}

Status KubeActuator::RecordProblems(const std::vector<ObjectProblem>& problems) {
  for (const ObjectProblem& problem : problems) {
    if (problem.kind.empty()) {
      continue;  // about no one object: the log has it
    }
    GP_TRY(Emit({.api_version = problem.api_version,
                 .kind = problem.kind,
                 .name = problem.name,
                 .uid = problem.uid,
                 .namespace_name = problem.namespace_name},
                "GpupackInvalid" + problem.kind, problem.text, true));
  }
  return OkStatus();
}

// ---- NodeTemplate status -------------------------------------------------------------------

Status KubeActuator::UpdateTemplateStatus(const cluster::ClusterSnapshot& snapshot) {
  const kube::Resource templates = kube::NodeTemplatesResource();
  for (const cluster::NodeTemplate& node_template : snapshot.templates) {
    int64_t nodes = 0;
    int64_t gpus = 0;
    int64_t slots = 0;
    int64_t allocated = 0;
    double cost = 0;
    for (const cluster::Node& node : snapshot.nodes) {
      if (node.template_name != node_template.name) {
        continue;
      }
      ++nodes;
      cost += node.price_per_hour;
      for (const cluster::NodeGpu& gpu : node.gpus) {
        ++gpus;
        slots += gpu.sharing.SlotCount();
        for (const cluster::GpuAllocation& allocation : gpu.allocations) {
          allocated += allocation.slots;
        }
      }
    }
    const double ratio =
        slots == 0 ? 0.0 : static_cast<double>(allocated) / static_cast<double>(slots);
    json status = {{"nodes", nodes},
                   {"gpus", gpus},
                   {"replicas", slots},
                   {"allocated", allocated},
                   {"allocationRatio", FormatRatio(ratio)},
                   {"hourlyCost", FormatRatio(cost)}};
    const std::string summary = status.dump();
    auto last = template_status_.find(node_template.name);
    if (last != template_status_.end() && last->second == summary) {
      continue;
    }
    status["conditions"] =
        json::array({{{"type", "Ready"},
                      {"status", "True"},
                      {"reason", "Reconciled"},
                      {"message", fmt::format("{} nodes, {} GPUs", nodes, gpus)},
                      {"lastTransitionTime",
                       Rfc3339(template_ready_since_.try_emplace(node_template.name, clock_->Now())
                                   .first->second)}}});
    json patch = {{"status", status}};
    Result<json> patched =
        client_->Patch(templates, {"", node_template.name}, kube::PatchType::kMerge, patch.dump(),
                       StatusSubresource());
    if (!patched) {
      if (patched.error().code() == ErrorCode::kNotFound) {
        continue;  // a template read from a file, not the cluster
      }
      return tl::unexpected(patched.error());
    }
    template_status_[node_template.name] = summary;
  }
  return OkStatus();
}

}  // namespace gpupack::controller
