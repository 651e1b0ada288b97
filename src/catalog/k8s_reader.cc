#include "catalog/k8s_reader.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <yaml-cpp/yaml.h>

#include "catalog/internal/yaml_fields.h"
#include "catalog/node_gpus.h"
#include "catalog/node_template_reader.h"
#include "common/file.h"
#include "common/quantity.h"

namespace gpupack::catalog {
namespace {

using catalog_internal::Location;
using cluster::Resources;

// More pods than this from one workload, or from the whole input once workloads are expanded, is
// a typo, not a cluster (Kubernetes' own limit is 150,000 pods per cluster). The total bounds the
// memory a hostile or mistaken input can make us allocate.
constexpr int64_t kMaxWorkloadReplicas = 150000;
constexpr int64_t kMaxPods = 150000;

std::string ExpectedApiVersion(std::string_view kind) {
  if (kind == "Pod" || kind == "Node" || kind == "List") {
    return "v1";
  }
  if (kind == "Deployment" || kind == "StatefulSet" || kind == "ReplicaSet") {
    return "apps/v1";
  }
  if (kind == "Job") {
    return "batch/v1";
  }
  if (kind == "NodeTemplate") {
    return "gpupack.io/v1alpha1";
  }
  return "";
}

// A workload read from the input, expanded into pods once every live pod has been seen.
struct Workload {
  std::string kind;
  std::string name;
  std::string namespace_name;
  int64_t replicas = 1;
  std::string too_many_pods;               // the error, at its count field, when over kMaxPods
  std::optional<cluster::OwnerRef> owner;  // a ReplicaSet's Deployment
  cluster::Pod pod_template;
};

struct Metadata {
  std::string name;
  std::string namespace_name;
  std::string uid;
  cluster::Labels labels;
  cluster::Labels annotations;
  std::optional<cluster::OwnerRef> owner;
  Timestamp created;
};

Result<Metadata> ReadMetadata(const Location& loc, const YAML::Node& object, std::string_view path,
                              bool name_required) {
  Metadata out;
  GP_ASSIGN_OR_RETURN(const YAML::Node meta,
                      catalog_internal::OptMap(loc, object, "metadata", std::string(path)));
  std::string prefix = std::string(path) + ".";
  GP_ASSIGN_OR_RETURN(auto name, catalog_internal::OptString(loc, meta, "name", prefix + "name"));
  if (name_required && (!name || name->empty())) {
    return tl::unexpected(loc.At(object, prefix + "name", "required"));
  }
  out.name = name.value_or("");
  GP_ASSIGN_OR_RETURN(auto ns,
                      catalog_internal::OptString(loc, meta, "namespace", prefix + "namespace"));
  out.namespace_name = ns.value_or("default");
  GP_ASSIGN_OR_RETURN(auto uid, catalog_internal::OptString(loc, meta, "uid", prefix + "uid"));
  out.uid = uid.value_or("");
  GP_ASSIGN_OR_RETURN(auto created, catalog_internal::OptString(loc, meta, "creationTimestamp",
                                                                prefix + "creationTimestamp"));
  if (created) {
    Result<Timestamp> parsed = ParseRfc3339(*created);
    if (!parsed) {
      return tl::unexpected(loc.At(meta["creationTimestamp"], prefix + "creationTimestamp",
                                   "not an RFC 3339 time: \"" + *created + "\""));
    }
    out.created = *parsed;
  }
  GP_ASSIGN_OR_RETURN(out.labels,
                      catalog_internal::StringMap(loc, meta, "labels", prefix + "labels"));
  GP_ASSIGN_OR_RETURN(out.annotations, catalog_internal::StringMap(loc, meta, "annotations",
                                                                   prefix + "annotations"));
  GP_ASSIGN_OR_RETURN(
      const YAML::Node owners,
      catalog_internal::OptSeq(loc, meta, "ownerReferences", prefix + "ownerReferences"));
  for (size_t i = 0; owners.IsDefined() && i < owners.size(); ++i) {
    std::string owner_path = prefix + "ownerReferences[" + std::to_string(i) + "]";
    if (!owners[i].IsMap()) {
      return tl::unexpected(loc.At(owners[i], owner_path, "must be a map"));
    }
    GP_ASSIGN_OR_RETURN(auto controller, catalog_internal::OptBool(loc, owners[i], "controller",
                                                                   owner_path + ".controller"));
    GP_ASSIGN_OR_RETURN(auto kind,
                        catalog_internal::OptString(loc, owners[i], "kind", owner_path + ".kind"));
    GP_ASSIGN_OR_RETURN(auto owner_name,
                        catalog_internal::OptString(loc, owners[i], "name", owner_path + ".name"));
    if (controller.value_or(false) && kind && owner_name) {
      out.owner = cluster::OwnerRef{*kind, *owner_name};
    }
  }
  return out;
}

// One resource list (requests, limits, overhead): cpu in milli-CPU, memory-like resources in
// bytes, everything else (extended resources) as whole counts.
Result<Resources> ReadResourceList(const Location& loc, const YAML::Node& parent,
                                   std::string_view key, const std::string& path) {
  Resources out;
  GP_ASSIGN_OR_RETURN(const YAML::Node list, catalog_internal::OptMap(loc, parent, key, path));
  if (!list.IsDefined()) {
    return out;
  }
  for (const auto& entry : list) {
    const std::string& name = entry.first.Scalar();
    std::string field = path + "." + name;
    if (!entry.second.IsScalar()) {
      return tl::unexpected(loc.At(entry.second, field, "must be a quantity"));
    }
    const std::string& text = entry.second.Scalar();
    Result<int64_t> value = name == cluster::kResourceCpu ? ParseMilliCpu(text)
                            : name == cluster::kResourceMemory || name == "ephemeral-storage" ||
                                    name.starts_with("hugepages-")
                                ? ParseBytes(text)
                                : ParseCount(text);
    if (!value) {
      return tl::unexpected(loc.At(entry.second, field, value.error().message()));
    }
    out.Set(name, *value);
  }
  return out;
}

// A container's requests, defaulted from its limits where a request is absent (what the
// apiserver does on create; files read here were never created).
Result<Resources> ReadContainerRequests(const Location& loc, const YAML::Node& container,
                                        const std::string& path) {
  GP_ASSIGN_OR_RETURN(const YAML::Node resources,
                      catalog_internal::OptMap(loc, container, "resources", path + ".resources"));
  if (!resources.IsDefined()) {
    return Resources{};
  }
  GP_ASSIGN_OR_RETURN(Resources requests,
                      ReadResourceList(loc, resources, "requests", path + ".resources.requests"));
  GP_ASSIGN_OR_RETURN(Resources limits,
                      ReadResourceList(loc, resources, "limits", path + ".resources.limits"));
  const YAML::Node request_node = resources["requests"];
  auto has_request = [&](std::string_view name) {
    return request_node.IsDefined() && request_node.IsMap() && request_node[std::string(name)];
  };
  for (std::string_view name : {cluster::kResourceCpu, cluster::kResourceMemory}) {
    if (!has_request(name)) {
      requests.Set(name, limits.Get(name));
    }
  }
  for (const auto& [name, value] : limits.scalar) {
    if (!has_request(name)) {
      requests.Set(name, value);
    }
  }
  return requests;
}

Result<std::vector<cluster::NodeSelectorRequirement>> ReadRequirements(const Location& loc,
                                                                       const YAML::Node& term,
                                                                       std::string_view key,
                                                                       const std::string& path) {
  std::vector<cluster::NodeSelectorRequirement> out;
  GP_ASSIGN_OR_RETURN(const YAML::Node list, catalog_internal::OptSeq(loc, term, key, path));
  for (size_t i = 0; list.IsDefined() && i < list.size(); ++i) {
    std::string item_path = path + "[" + std::to_string(i) + "]";
    const YAML::Node& item = list[i];
    if (!item.IsMap()) {
      return tl::unexpected(loc.At(item, item_path, "must be a map"));
    }
    cluster::NodeSelectorRequirement req;
    GP_ASSIGN_OR_RETURN(auto req_key,
                        catalog_internal::OptString(loc, item, "key", item_path + ".key"));
    GP_ASSIGN_OR_RETURN(
        auto op, catalog_internal::OptString(loc, item, "operator", item_path + ".operator"));
    GP_ASSIGN_OR_RETURN(req.values,
                        catalog_internal::StringList(loc, item, "values", item_path + ".values"));
    if (!req_key || req_key->empty()) {
      return tl::unexpected(loc.At(item, item_path + ".key", "required"));
    }
    std::optional<cluster::SelectorOperator> parsed =
        op ? cluster::ParseSelectorOperator(*op) : std::nullopt;
    if (!parsed) {
      return tl::unexpected(loc.At(item, item_path + ".operator",
                                   "must be In, NotIn, Exists, DoesNotExist, Gt or Lt"));
    }
    req.key = *req_key;
    req.op = *parsed;
    bool needs_values =
        req.op == cluster::SelectorOperator::kIn || req.op == cluster::SelectorOperator::kNotIn;
    bool needs_one =
        req.op == cluster::SelectorOperator::kGt || req.op == cluster::SelectorOperator::kLt;
    if ((needs_values && req.values.empty()) || (needs_one && req.values.size() != 1) ||
        (!needs_values && !needs_one && !req.values.empty())) {
      return tl::unexpected(loc.At(item, item_path + ".values",
                                   needs_values ? "In and NotIn need at least one value"
                                   : needs_one  ? "Gt and Lt need exactly one integer value"
                                                : "Exists and DoesNotExist take no values"));
    }
    out.push_back(std::move(req));
  }
  return out;
}

Result<cluster::NodeSelectorTerm> ReadTerm(const Location& loc, const YAML::Node& term,
                                           const std::string& path) {
  if (!term.IsMap()) {
    return tl::unexpected(loc.At(term, path, "must be a map"));
  }
  cluster::NodeSelectorTerm out;
  GP_ASSIGN_OR_RETURN(out.match_expressions,
                      ReadRequirements(loc, term, "matchExpressions", path + ".matchExpressions"));
  GP_ASSIGN_OR_RETURN(out.match_fields,
                      ReadRequirements(loc, term, "matchFields", path + ".matchFields"));
  return out;
}

Status ReadNodeAffinity(const Location& loc, const YAML::Node& spec, const std::string& prefix,
                        cluster::Pod& pod) {
  GP_ASSIGN_OR_RETURN(const YAML::Node affinity,
                      catalog_internal::OptMap(loc, spec, "affinity", prefix + ".affinity"));
  if (!affinity.IsDefined()) {
    return OkStatus();
  }
  std::string path = prefix + ".affinity.nodeAffinity";
  GP_ASSIGN_OR_RETURN(const YAML::Node node_affinity,
                      catalog_internal::OptMap(loc, affinity, "nodeAffinity", path));
  if (!node_affinity.IsDefined()) {
    return OkStatus();
  }
  std::string required_path = path + ".requiredDuringSchedulingIgnoredDuringExecution";
  GP_ASSIGN_OR_RETURN(
      YAML::Node required,
      catalog_internal::OptMap(loc, node_affinity, "requiredDuringSchedulingIgnoredDuringExecution",
                               required_path));
  if (required.IsDefined()) {
    GP_ASSIGN_OR_RETURN(const YAML::Node terms,
                        catalog_internal::OptSeq(loc, required, "nodeSelectorTerms",
                                                 required_path + ".nodeSelectorTerms"));
    cluster::NodeSelector selector;
    for (size_t i = 0; terms.IsDefined() && i < terms.size(); ++i) {
      GP_ASSIGN_OR_RETURN(
          cluster::NodeSelectorTerm term,
          ReadTerm(loc, terms[i], required_path + ".nodeSelectorTerms[" + std::to_string(i) + "]"));
      selector.terms.push_back(std::move(term));
    }
    pod.required_affinity = std::move(selector);
  }
  std::string preferred_path = path + ".preferredDuringSchedulingIgnoredDuringExecution";
  GP_ASSIGN_OR_RETURN(
      YAML::Node preferred,
      catalog_internal::OptSeq(loc, node_affinity,
                               "preferredDuringSchedulingIgnoredDuringExecution", preferred_path));
  for (size_t i = 0; preferred.IsDefined() && i < preferred.size(); ++i) {
    std::string item_path = preferred_path + "[" + std::to_string(i) + "]";
    if (!preferred[i].IsMap()) {
      return tl::unexpected(loc.At(preferred[i], item_path, "must be a map"));
    }
    GP_ASSIGN_OR_RETURN(
        auto weight, catalog_internal::OptInt(loc, preferred[i], "weight", item_path + ".weight"));
    if (!weight || *weight < 1 || *weight > 100) {
      return tl::unexpected(loc.At(preferred[i], item_path + ".weight", "must be 1..100"));
    }
    GP_ASSIGN_OR_RETURN(cluster::NodeSelectorTerm term,
                        ReadTerm(loc, preferred[i]["preference"], item_path + ".preference"));
    pod.preferred_affinity.push_back({static_cast<int32_t>(*weight), std::move(term)});
  }
  return OkStatus();
}

Status ReadTolerations(const Location& loc, const YAML::Node& spec, const std::string& prefix,
                       cluster::Pod& pod) {
  GP_ASSIGN_OR_RETURN(const YAML::Node list,
                      catalog_internal::OptSeq(loc, spec, "tolerations", prefix + ".tolerations"));
  for (size_t i = 0; list.IsDefined() && i < list.size(); ++i) {
    std::string path = prefix + ".tolerations[" + std::to_string(i) + "]";
    const YAML::Node& item = list[i];
    if (!item.IsMap()) {
      return tl::unexpected(loc.At(item, path, "must be a map"));
    }
    cluster::Toleration toleration;
    GP_ASSIGN_OR_RETURN(auto key, catalog_internal::OptString(loc, item, "key", path + ".key"));
    GP_ASSIGN_OR_RETURN(auto op,
                        catalog_internal::OptString(loc, item, "operator", path + ".operator"));
    GP_ASSIGN_OR_RETURN(auto value,
                        catalog_internal::OptString(loc, item, "value", path + ".value"));
    GP_ASSIGN_OR_RETURN(auto effect,
                        catalog_internal::OptString(loc, item, "effect", path + ".effect"));
    GP_ASSIGN_OR_RETURN(
        toleration.toleration_seconds,
        catalog_internal::OptInt(loc, item, "tolerationSeconds", path + ".tolerationSeconds"));
    toleration.key = key.value_or("");
    toleration.value = value.value_or("");
    if (!op || op->empty() || *op == "Equal") {
      toleration.op = cluster::TolerationOperator::kEqual;
    } else if (*op == "Exists") {
      toleration.op = cluster::TolerationOperator::kExists;
    } else {
      return tl::unexpected(loc.At(item, path + ".operator", "must be Equal or Exists"));
    }
    if (toleration.op == cluster::TolerationOperator::kExists && !toleration.value.empty()) {
      return tl::unexpected(loc.At(item, path + ".value", "must be empty with operator Exists"));
    }
    if (toleration.key.empty() && toleration.op != cluster::TolerationOperator::kExists) {
      return tl::unexpected(loc.At(item, path + ".operator", "must be Exists when key is empty"));
    }
    if (effect && !effect->empty()) {
      toleration.effect = cluster::ParseTaintEffect(*effect);
      if (!toleration.effect) {
        return tl::unexpected(
            loc.At(item, path + ".effect", "must be NoSchedule, PreferNoSchedule or NoExecute"));
      }
    }
    pod.tolerations.push_back(std::move(toleration));
  }
  return OkStatus();
}

// The pod's effective requests as the scheduler computes them (k8s.io/component-helpers
// resource.PodRequests): app containers and restartable init containers summed, each regular
// init container on top of the sidecars started before it, the larger of the two, plus overhead.
Status ReadPodRequests(const Location& loc, const YAML::Node& spec, const std::string& prefix,
                       cluster::Pod& pod) {
  GP_ASSIGN_OR_RETURN(const YAML::Node containers,
                      catalog_internal::OptSeq(loc, spec, "containers", prefix + ".containers"));
  if (!containers.IsDefined() || containers.size() == 0) {
    return tl::unexpected(loc.At(spec, prefix + ".containers", "required"));
  }
  Resources sum;
  for (size_t i = 0; i < containers.size(); ++i) {
    std::string path = prefix + ".containers[" + std::to_string(i) + "]";
    if (!containers[i].IsMap()) {
      return tl::unexpected(loc.At(containers[i], path, "must be a map"));
    }
    GP_ASSIGN_OR_RETURN(Resources requests, ReadContainerRequests(loc, containers[i], path));
    sum += requests;
  }
  GP_ASSIGN_OR_RETURN(const YAML::Node inits, catalog_internal::OptSeq(loc, spec, "initContainers",
                                                                       prefix + ".initContainers"));
  Resources sidecars;
  Resources init_max;
  for (size_t i = 0; inits.IsDefined() && i < inits.size(); ++i) {
    std::string path = prefix + ".initContainers[" + std::to_string(i) + "]";
    if (!inits[i].IsMap()) {
      return tl::unexpected(loc.At(inits[i], path, "must be a map"));
    }
    GP_ASSIGN_OR_RETURN(Resources requests, ReadContainerRequests(loc, inits[i], path));
    GP_ASSIGN_OR_RETURN(auto restart, catalog_internal::OptString(loc, inits[i], "restartPolicy",
                                                                  path + ".restartPolicy"));
    if (restart == "Always") {
      sum += requests;
      sidecars += requests;
      init_max.MaxWith(sidecars);
    } else {
      init_max.MaxWith(requests + sidecars);
    }
  }
  sum.MaxWith(init_max);
  GP_ASSIGN_OR_RETURN(Resources overhead,
                      ReadResourceList(loc, spec, "overhead", prefix + ".overhead"));
  sum += overhead;
  sum.pods = 1;
  pod.requests = std::move(sum);
  return OkStatus();
}

// Reads a pod spec (of a Pod, or of a workload's template under `prefix`) into `pod`.
Status ReadPodSpec(const Location& loc, const YAML::Node& spec, const std::string& prefix,
                   cluster::Pod& pod) {
  GP_TRY(ReadPodRequests(loc, spec, prefix, pod));
  GP_ASSIGN_OR_RETURN(pod.node_selector, catalog_internal::StringMap(loc, spec, "nodeSelector",
                                                                     prefix + ".nodeSelector"));
  GP_TRY(ReadNodeAffinity(loc, spec, prefix, pod));
  GP_TRY(ReadTolerations(loc, spec, prefix, pod));
  GP_ASSIGN_OR_RETURN(auto priority,
                      catalog_internal::OptInt(loc, spec, "priority", prefix + ".priority"));
  if (priority && (*priority < INT32_MIN || *priority > INT32_MAX)) {
    return tl::unexpected(loc.At(spec["priority"], prefix + ".priority", "out of int32 range"));
  }
  pod.priority = static_cast<int32_t>(priority.value_or(0));
  GP_ASSIGN_OR_RETURN(
      auto priority_class,
      catalog_internal::OptString(loc, spec, "priorityClassName", prefix + ".priorityClassName"));
  pod.priority_class_name = priority_class.value_or("");
  GP_ASSIGN_OR_RETURN(auto scheduler, catalog_internal::OptString(loc, spec, "schedulerName",
                                                                  prefix + ".schedulerName"));
  pod.scheduler_name = scheduler.value_or("default-scheduler");
  GP_ASSIGN_OR_RETURN(auto node_name,
                      catalog_internal::OptString(loc, spec, "nodeName", prefix + ".nodeName"));
  pod.node_name = node_name.value_or("");
  return OkStatus();
}

// Recognises the GPU demand; a bad gpupack.io/gpu-memory annotation is reported at its line.
Status RecognizeDemand(const Location& loc, const YAML::Node& metadata, const std::string& path,
                       cluster::Pod& pod) {
  Status status = cluster::RecognizeGpuDemand(pod);
  if (!status) {
    const YAML::Node at = metadata.IsMap() && metadata["annotations"].IsMap()
                              ? metadata["annotations"][std::string(cluster::kAnnotationGpuMemory)]
                              : metadata;
    return tl::unexpected(loc.At(at, path + ".annotations", status.error().message()));
  }
  return OkStatus();
}

cluster::PodPhase ParsePhase(std::string_view text) {
  for (auto phase : {cluster::PodPhase::kPending, cluster::PodPhase::kRunning,
                     cluster::PodPhase::kSucceeded, cluster::PodPhase::kFailed}) {
    if (cluster::PodPhaseName(phase) == text) {
      return phase;
    }
  }
  return cluster::PodPhase::kUnknown;
}

Result<cluster::Pod> ReadPod(const std::string& file, const YAML::Node& object) {
  Location unnamed(file, "Pod");
  GP_ASSIGN_OR_RETURN(Metadata meta, ReadMetadata(unnamed, object, "metadata", true));
  Location loc(file, "Pod/" + meta.name);
  cluster::Pod pod;
  pod.name = meta.name;
  pod.namespace_name = meta.namespace_name;
  pod.uid = meta.uid;
  pod.labels = std::move(meta.labels);
  pod.annotations = std::move(meta.annotations);
  pod.owner = std::move(meta.owner);
  pod.created = meta.created;
  GP_ASSIGN_OR_RETURN(const YAML::Node spec, catalog_internal::OptMap(loc, object, "spec", "spec"));
  if (!spec.IsDefined()) {
    return tl::unexpected(loc.At(object, "spec", "required"));
  }
  GP_TRY(ReadPodSpec(loc, spec, "spec", pod));
  GP_ASSIGN_OR_RETURN(const YAML::Node status,
                      catalog_internal::OptMap(loc, object, "status", "status"));
  if (status.IsDefined()) {
    GP_ASSIGN_OR_RETURN(auto phase,
                        catalog_internal::OptString(loc, status, "phase", "status.phase"));
    pod.phase = phase ? ParsePhase(*phase) : cluster::PodPhase::kPending;
  }
  GP_TRY(RecognizeDemand(loc, object["metadata"], "metadata", pod));
  return pod;
}

Result<Workload> ReadWorkload(const std::string& file, const std::string& kind,
                              const YAML::Node& object) {
  Location unnamed(file, kind);
  GP_ASSIGN_OR_RETURN(Metadata meta, ReadMetadata(unnamed, object, "metadata", true));
  Location loc(file, kind + "/" + meta.name);
  Workload out;
  out.kind = kind;
  out.name = meta.name;
  out.namespace_name = meta.namespace_name;
  out.owner = meta.owner;
  GP_ASSIGN_OR_RETURN(const YAML::Node spec, catalog_internal::OptMap(loc, object, "spec", "spec"));
  if (!spec.IsDefined()) {
    return tl::unexpected(loc.At(object, "spec", "required"));
  }
  std::string count_field = kind == "Job" ? "parallelism" : "replicas";
  GP_ASSIGN_OR_RETURN(auto count,
                      catalog_internal::OptInt(loc, spec, count_field, "spec." + count_field));
  out.replicas = count.value_or(1);
  if (out.replicas < 0 || out.replicas > kMaxWorkloadReplicas) {
    return tl::unexpected(loc.At(spec[count_field], "spec." + count_field,
                                 "must be 0.." + std::to_string(kMaxWorkloadReplicas) + ", got " +
                                     std::to_string(out.replicas)));
  }
  out.too_many_pods = loc.Message(count ? spec[count_field] : spec, "spec." + count_field,
                                  "the input expands to more than " + std::to_string(kMaxPods) +
                                      " pods (Kubernetes' limit per cluster)");
  if (kind == "Job") {
    GP_ASSIGN_OR_RETURN(auto completions,
                        catalog_internal::OptInt(loc, spec, "completions", "spec.completions"));
    if (completions && *completions < 0) {
      return tl::unexpected(loc.At(spec["completions"], "spec.completions", "must be >= 0"));
    }
    if (completions) {
      out.replicas = std::min(out.replicas, *completions);
    }
  }
  GP_ASSIGN_OR_RETURN(const YAML::Node pod_template,
                      catalog_internal::OptMap(loc, spec, "template", "spec.template"));
  if (!pod_template.IsDefined()) {
    return tl::unexpected(loc.At(spec, "spec.template", "required"));
  }
  GP_ASSIGN_OR_RETURN(Metadata template_meta,
                      ReadMetadata(loc, pod_template, "spec.template.metadata", false));
  cluster::Pod& pod = out.pod_template;
  pod.namespace_name = meta.namespace_name;
  pod.labels = std::move(template_meta.labels);
  pod.annotations = std::move(template_meta.annotations);
  pod.owner = cluster::OwnerRef{kind, meta.name};
  GP_ASSIGN_OR_RETURN(const YAML::Node pod_spec,
                      catalog_internal::OptMap(loc, pod_template, "spec", "spec.template.spec"));
  if (!pod_spec.IsDefined()) {
    return tl::unexpected(loc.At(pod_template, "spec.template.spec", "required"));
  }
  GP_TRY(ReadPodSpec(loc, pod_spec, "spec.template.spec", pod));
  GP_TRY(RecognizeDemand(loc, pod_template["metadata"], "spec.template.metadata", pod));
  return out;
}

// --- Nodes -------------------------------------------------------------------------------------

Result<cluster::Node> ReadNode(const std::string& file, const YAML::Node& object,
                               const gpu::GpuCatalog& catalog,
                               const cluster::InstanceCatalog* instances,
                               std::vector<std::string>& warnings) {
  Location unnamed(file, "Node");
  GP_ASSIGN_OR_RETURN(Metadata meta, ReadMetadata(unnamed, object, "metadata", true));
  Location loc(file, "Node/" + meta.name);
  cluster::Node node;
  node.name = meta.name;
  node.labels = std::move(meta.labels);
  node.annotations = std::move(meta.annotations);
  GP_ASSIGN_OR_RETURN(const YAML::Node spec, catalog_internal::OptMap(loc, object, "spec", "spec"));
  if (spec.IsDefined()) {
    GP_ASSIGN_OR_RETURN(auto unschedulable, catalog_internal::OptBool(loc, spec, "unschedulable",
                                                                      "spec.unschedulable"));
    node.unschedulable = unschedulable.value_or(false);
    GP_ASSIGN_OR_RETURN(node.taints, catalog_internal::Taints(loc, spec, "taints", "spec.taints"));
  }
  GP_ASSIGN_OR_RETURN(const YAML::Node status,
                      catalog_internal::OptMap(loc, object, "status", "status"));
  if (status.IsDefined()) {
    GP_ASSIGN_OR_RETURN(node.capacity,
                        ReadResourceList(loc, status, "capacity", "status.capacity"));
    GP_ASSIGN_OR_RETURN(node.allocatable,
                        ReadResourceList(loc, status, "allocatable", "status.allocatable"));
    if (!status["allocatable"]) {
      node.allocatable = node.capacity;
    }
    GP_ASSIGN_OR_RETURN(const YAML::Node conditions,
                        catalog_internal::OptSeq(loc, status, "conditions", "status.conditions"));
    for (size_t i = 0; conditions.IsDefined() && i < conditions.size(); ++i) {
      if (conditions[i].IsMap() && conditions[i]["type"] &&
          conditions[i]["type"].Scalar() == "Ready" && conditions[i]["status"]) {
        node.ready = conditions[i]["status"].Scalar() == "True";
      }
    }
  }
  auto label = [&](std::string_view key) {
    auto it = node.labels.find(key);
    return it == node.labels.end() ? std::string() : it->second;
  };
  node.instance_type = label(cluster::kLabelInstanceType);
  node.zone = label(cluster::kLabelZone);
  node.template_name = label(cluster::kLabelNodeTemplate);
  node.capacity_type = cluster::ParseCapacityType(label(cluster::kLabelCapacityType));
  NodeFieldReporter report{[&](std::string_view field, std::string_view problem) {
                             warnings.push_back(loc.Message(object, field, problem));
                           },
                           [&](std::string_view field, std::string_view problem) {
                             return loc.At(object, field, problem);
                           }};
  GP_TRY(DeriveNodeGpus(catalog, instances, node, report));
  return node;
}

// --- Documents ---------------------------------------------------------------------------------

struct Reader {
  const gpu::GpuCatalog& catalog;
  const cluster::InstanceCatalog* instances;
  std::string file;
  KubeObjects out;
  std::vector<Workload> workloads;

  Status ReadText(std::string_view text, std::string_view file_name) {
    file = std::string(file_name);
    GP_ASSIGN_OR_RETURN(std::vector<YAML::Node> documents,
                        catalog_internal::ParseDocuments(text, file_name));
    try {
      for (const YAML::Node& document : documents) {
        if (document.IsNull() || !document.IsDefined()) {
          continue;
        }
        GP_TRY(ReadObject(document, "", ""));
      }
    } catch (const YAML::Exception& e) {
      return InvalidArgumentError(file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    return OkStatus();
  }

  Status ReadObject(const YAML::Node& object, std::string kind, std::string api_version) {
    if (!object.IsMap()) {
      return InvalidArgumentError(file + ":" + std::to_string(catalog_internal::LineOf(object)) +
                                  ": an object must be a map");
    }
    if (object["kind"] && object["kind"].IsScalar()) {
      kind = object["kind"].Scalar();
    }
    if (object["apiVersion"] && object["apiVersion"].IsScalar()) {
      api_version = object["apiVersion"].Scalar();
    }
    Location loc(file, kind);
    if (kind.empty()) {
      return tl::unexpected(loc.At(object, "kind", "required"));
    }
    std::string expected = ExpectedApiVersion(kind);
    if (expected.empty() && !kind.ends_with("List")) {
      std::string name =
          object["metadata"] && object["metadata"].IsMap() && object["metadata"]["name"]
              ? "/" + object["metadata"]["name"].Scalar()
              : "";
      out.warnings.push_back(
          loc.Message(object, "", "skipped: gpupack does not read kind " + kind + name));
      return OkStatus();
    }
    if (!expected.empty() && api_version != expected) {
      return tl::unexpected(
          loc.At(object["apiVersion"] ? object["apiVersion"] : object, "apiVersion",
                 "expected " + expected + " for kind " + kind + ", got \"" + api_version + "\""));
    }
    if (kind == "List" || kind.ends_with("List")) {
      std::string item_kind = kind == "List" ? "" : kind.substr(0, kind.size() - 4);
      GP_ASSIGN_OR_RETURN(const YAML::Node items,
                          catalog_internal::OptSeq(loc, object, "items", "items"));
      for (size_t i = 0; items.IsDefined() && i < items.size(); ++i) {
        GP_TRY(ReadObject(items[i], item_kind, kind == "List" ? "" : api_version));
      }
      return OkStatus();
    }
    if (kind == "Pod") {
      GP_ASSIGN_OR_RETURN(cluster::Pod pod, ReadPod(file, object));
      out.pods.push_back(std::move(pod));
    } else if (kind == "Node") {
      GP_ASSIGN_OR_RETURN(cluster::Node node,
                          ReadNode(file, object, catalog, instances, out.warnings));
      out.nodes.push_back(std::move(node));
    } else if (kind == "NodeTemplate") {
      GP_ASSIGN_OR_RETURN(cluster::NodeTemplate node_template,
                          ReadNodeTemplate(object, file, catalog, out.warnings));
      out.templates.push_back(std::move(node_template));
    } else {
      GP_ASSIGN_OR_RETURN(Workload workload, ReadWorkload(file, kind, object));
      workloads.push_back(std::move(workload));
    }
    return OkStatus();
  }

  // Expands workloads whose live pods are not in the input (see the header).
  [[nodiscard]] Status ExpandWorkloads() {
    std::set<std::tuple<std::string, std::string, std::string>> owners;  // ns, kind, name
    std::set<std::pair<std::string, std::string>> replica_set_owners;    // ns, rs name
    for (const cluster::Pod& pod : out.pods) {
      if (pod.owner) {
        owners.insert({pod.namespace_name, pod.owner->kind, pod.owner->name});
        if (pod.owner->kind == "ReplicaSet") {
          replica_set_owners.insert({pod.namespace_name, pod.owner->name});
        }
      }
    }
    for (const Workload& w : workloads) {
      if (w.kind == "ReplicaSet" && w.owner && w.owner->kind == "Deployment") {
        continue;
      }
      if (owners.contains({w.namespace_name, w.kind, w.name})) {
        continue;
      }
      if (w.kind == "Deployment") {
        auto it = replica_set_owners.lower_bound({w.namespace_name, w.name + "-"});
        if (it != replica_set_owners.end() && it->first == w.namespace_name &&
            it->second.starts_with(w.name + "-")) {
          continue;
        }
      }
      if (static_cast<int64_t>(out.pods.size()) + w.replicas > kMaxPods) {
        return InvalidArgumentError(w.too_many_pods);
      }
      for (int64_t i = 0; i < w.replicas; ++i) {
        cluster::Pod pod = w.pod_template;
        pod.name = w.name + "-" + std::to_string(i);
        out.pods.push_back(std::move(pod));
      }
    }
    return OkStatus();
  }
};

}  // namespace

Result<KubeObjects> ReadKubeObjects(std::string_view text, std::string_view file,
                                    const gpu::GpuCatalog& catalog,
                                    const cluster::InstanceCatalog* instances) {
  Reader reader{catalog, instances, "", {}, {}};
  GP_TRY(reader.ReadText(text, file));
  GP_TRY(reader.ExpandWorkloads());
  return std::move(reader.out);
}

Result<KubeObjects> ReadKubeFiles(const std::vector<std::string>& paths,
                                  const gpu::GpuCatalog& catalog,
                                  const cluster::InstanceCatalog* instances) {
  Reader reader{catalog, instances, "", {}, {}};
  for (const std::string& path : paths) {
    GP_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
    GP_TRY(reader.ReadText(text, path));
  }
  GP_TRY(reader.ExpandWorkloads());
  return std::move(reader.out);
}

}  // namespace gpupack::catalog
