#include "kube/objects.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/quantity.h"

namespace gpupack::kube {
namespace {

using Json = nlohmann::json;

// The member `key` of `object`, or nullptr when `object` is not an object or lacks it (null
// counts as absent: bookmarks and zero values carry nulls). Looks up in the underlying std::map:
// g++ 12 at -O2 reports a false null dereference in nlohmann's const iterators.
const Json* Field(const Json& object, const char* key) {
  if (!object.is_object()) {
    return nullptr;
  }
  const auto& members = object.get_ref<const Json::object_t&>();
  auto it = members.find(key);
  return it == members.end() || it->second.is_null() ? nullptr : &it->second;
}

std::string String(const Json& object, const char* key) {
  const Json* value = Field(object, key);
  return value != nullptr && value->is_string() ? value->get<std::string>() : std::string();
}

Symbol Interned(const Json& object, const char* key) { return Symbol::Intern(String(object, key)); }

StringPairs Pairs(const Json& object, const char* key) {
  StringPairs pairs;
  const Json* map = Field(object, key);
  if (map == nullptr || !map->is_object()) {
    return pairs;
  }
  pairs.reserve(map->size());
  for (const auto& [name, value] : map->items()) {
    pairs.emplace_back(Symbol::Intern(name),
                       Symbol::Intern(value.is_string() ? value.get<std::string>() : value.dump()));
  }
  std::sort(pairs.begin(), pairs.end());
  pairs.shrink_to_fit();
  return pairs;
}

Result<ResourceList> Resources(const Json& object, const char* key, const std::string& where) {
  ResourceList list;
  const Json* map = Field(object, key);
  if (map == nullptr || !map->is_object()) {
    return list;
  }
  for (const auto& [name, value] : map->items()) {
    if (!value.is_string() && !value.is_number_integer()) {
      return InvalidArgumentError(fmt::format("{}: {}.{}: not a quantity", where, key, name));
    }
    std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    Result<int64_t> parsed = ParseResourceQuantity(name, text);
    if (!parsed) {
      return tl::unexpected(parsed.error().WithContext(fmt::format("{}: {}.{}", where, key, name)));
    }
    list.emplace_back(Symbol::Intern(name), *parsed);
  }
  std::sort(list.begin(), list.end());
  return list;
}

std::string Where(const Json& object) {
  const Json* metadata = Field(object, "metadata");
  if (metadata == nullptr) {
    return "object without metadata";
  }
  std::string ns = String(*metadata, "namespace");
  std::string name = String(*metadata, "name");
  std::string kind = String(object, "kind");
  if (name.empty()) {
    return (kind.empty() ? "an" : kind) + " object";
  }
  return fmt::format("{} {}", kind, ns.empty() ? name : ns + "/" + name);
}

void AddTo(std::map<Symbol, int64_t>& total, const ResourceList& list) {
  for (const auto& [name, amount] : list) {
    total[name] += amount;
  }
}

// A container's effective requests: requests, with limits filling the resources not requested.
Result<ResourceList> ContainerRequests(const Json& container, const std::string& where) {
  const Json* resources = Field(container, "resources");
  if (resources == nullptr) {
    return ResourceList{};
  }
  GP_ASSIGN_OR_RETURN(ResourceList requests, Resources(*resources, "requests", where));
  GP_ASSIGN_OR_RETURN(ResourceList limits, Resources(*resources, "limits", where));
  for (const auto& [name, amount] : limits) {
    auto it = std::lower_bound(requests.begin(), requests.end(), name,
                               [](const auto& entry, const Symbol& n) { return entry.first < n; });
    if (it == requests.end() || it->first != name) {
      requests.insert(it, {name, amount});
    }
  }
  return requests;
}

}  // namespace

const std::string* ObjectMeta::Label(std::string_view key) const {
  auto it =
      std::lower_bound(labels.begin(), labels.end(), key,
                       [](const auto& entry, std::string_view k) { return entry.first.str() < k; });
  return it != labels.end() && it->first == key ? &it->second.str() : nullptr;
}

Result<int64_t> ParseResourceQuantity(std::string_view resource, std::string_view quantity) {
  if (resource == "cpu") {
    return ParseMilliCpu(quantity);
  }
  if (resource == "memory" || resource == "ephemeral-storage" ||
      resource.rfind("hugepages-", 0) == 0) {
    return ParseBytes(quantity);
  }
  return ParseCount(quantity);
}

Result<ObjectMeta> DecodeMeta(const Json& object) {
  const Json* metadata = Field(object, "metadata");
  if (metadata == nullptr || !metadata->is_object()) {
    return InvalidArgumentError(Where(object) + ": metadata is missing");
  }
  ObjectMeta meta;
  meta.name = String(*metadata, "name");
  if (meta.name.empty()) {
    return InvalidArgumentError(Where(object) + ": metadata.name is missing");
  }
  meta.namespace_name = String(*metadata, "namespace");
  meta.uid = String(*metadata, "uid");
  meta.resource_version = String(*metadata, "resourceVersion");
  meta.labels = Pairs(*metadata, "labels");
  meta.annotations = Pairs(*metadata, "annotations");
  meta.deleting = Field(*metadata, "deletionTimestamp") != nullptr;
  if (const Json* owners = Field(*metadata, "ownerReferences"); owners && owners->is_array()) {
    for (const auto& owner : *owners) {
      const Json* controller = Field(owner, "controller");
      meta.owners.push_back(
          OwnerRef{Interned(owner, "kind"), String(owner, "name"), String(owner, "uid"),
                   controller != nullptr && controller->is_boolean() && controller->get<bool>()});
    }
  }
  if (const Json* finalizers = Field(*metadata, "finalizers");
      finalizers && finalizers->is_array()) {
    for (const auto& finalizer : *finalizers) {
      if (finalizer.is_string()) {
        meta.finalizers.push_back(Symbol::Intern(finalizer.get<std::string>()));
      }
    }
  }
  return meta;
}

Result<NodeObject> DecodeNode(const Json& object) {
  NodeObject node;
  GP_ASSIGN_OR_RETURN(node.meta, DecodeMeta(object));
  std::string where = Where(object);
  if (const Json* spec = Field(object, "spec")) {
    node.provider_id = String(*spec, "providerID");
    const Json* unschedulable = Field(*spec, "unschedulable");
    node.unschedulable =
        unschedulable != nullptr && unschedulable->is_boolean() && unschedulable->get<bool>();
    if (const Json* taints = Field(*spec, "taints"); taints && taints->is_array()) {
      for (const auto& taint : *taints) {
        node.taints.push_back(
            Taint{Interned(taint, "key"), Interned(taint, "value"), Interned(taint, "effect")});
      }
    }
  }
  if (const Json* status = Field(object, "status")) {
    GP_ASSIGN_OR_RETURN(node.capacity, Resources(*status, "capacity", where + ": status"));
    GP_ASSIGN_OR_RETURN(node.allocatable, Resources(*status, "allocatable", where + ": status"));
    if (const Json* conditions = Field(*status, "conditions");
        conditions && conditions->is_array()) {
      for (const auto& condition : *conditions) {
        if (String(condition, "type") == "Ready") {
          node.ready = String(condition, "status") == "True";
        }
      }
    }
  }
  return node;
}

namespace {

std::vector<NodeSelectorRequirement> Requirements(const Json& term, const char* key) {
  std::vector<NodeSelectorRequirement> out;
  const Json* list = Field(term, key);
  if (list == nullptr || !list->is_array()) {
    return out;
  }
  for (const Json& item : *list) {
    NodeSelectorRequirement requirement{Interned(item, "key"), Interned(item, "operator"), {}};
    if (const Json* values = Field(item, "values"); values && values->is_array()) {
      for (const Json& value : *values) {
        if (value.is_string()) {
          requirement.values.push_back(Symbol::Intern(value.get<std::string>()));
        }
      }
    }
    out.push_back(std::move(requirement));
  }
  return out;
}

std::vector<NodeSelectorTerm> RequiredNodeAffinity(const Json& spec) {
  std::vector<NodeSelectorTerm> out;
  const Json* affinity = Field(spec, "affinity");
  const Json* node = affinity ? Field(*affinity, "nodeAffinity") : nullptr;
  const Json* required =
      node ? Field(*node, "requiredDuringSchedulingIgnoredDuringExecution") : nullptr;
  const Json* terms = required ? Field(*required, "nodeSelectorTerms") : nullptr;
  if (terms == nullptr || !terms->is_array()) {
    return out;
  }
  for (const Json& term : *terms) {
    out.push_back(NodeSelectorTerm{Requirements(term, "matchExpressions"),
                                   Requirements(term, "matchFields")});
  }
  return out;
}

}  // namespace

Result<PodObject> DecodePod(const Json& object) {
  PodObject pod;
  GP_ASSIGN_OR_RETURN(pod.meta, DecodeMeta(object));
  std::string where = Where(object);
  if (const Json* spec = Field(object, "spec")) {
    pod.node_name = Interned(*spec, "nodeName");
    pod.scheduler_name = Interned(*spec, "schedulerName");
    if (const Json* priority = Field(*spec, "priority");
        priority && priority->is_number_integer()) {
      pod.priority = priority->get<int32_t>();
    }
    pod.node_selector = Pairs(*spec, "nodeSelector");
    pod.required_node_affinity = RequiredNodeAffinity(*spec);
    if (const Json* tolerations = Field(*spec, "tolerations");
        tolerations && tolerations->is_array()) {
      for (const auto& toleration : *tolerations) {
        pod.tolerations.push_back(
            Toleration{Interned(toleration, "key"), Interned(toleration, "operator"),
                       Interned(toleration, "value"), Interned(toleration, "effect")});
      }
    }
    std::map<Symbol, int64_t> total;
    if (const Json* containers = Field(*spec, "containers"); containers && containers->is_array()) {
      for (const auto& container : *containers) {
        GP_ASSIGN_OR_RETURN(ResourceList requests, ContainerRequests(container, where));
        AddTo(total, requests);
      }
    }
    if (const Json* init = Field(*spec, "initContainers"); init && init->is_array()) {
      for (const auto& container : *init) {
        GP_ASSIGN_OR_RETURN(ResourceList requests, ContainerRequests(container, where));
        for (const auto& [name, amount] : requests) {
          total[name] = std::max(total[name], amount);
        }
      }
    }
    GP_ASSIGN_OR_RETURN(ResourceList overhead, Resources(*spec, "overhead", where));
    AddTo(total, overhead);
    pod.requests.assign(total.begin(), total.end());
  }
  if (const Json* status = Field(object, "status")) {
    pod.phase = Interned(*status, "phase");
    if (const Json* conditions = Field(*status, "conditions");
        conditions && conditions->is_array()) {
      for (const auto& condition : *conditions) {
        if (String(condition, "type") == "PodScheduled" && String(condition, "status") == "False" &&
            String(condition, "reason") == "Unschedulable") {
          pod.unschedulable = true;
        }
      }
    }
  }
  return pod;
}

Result<GenericObject> DecodeGeneric(const Json& object) {
  GenericObject generic;
  GP_ASSIGN_OR_RETURN(generic.meta, DecodeMeta(object));
  Json body = Json::object();
  for (const auto& [key, value] : object.items()) {
    if (key != "metadata") {
      body[key] = value;
    }
  }
  generic.body = body.dump();
  return generic;
}

}  // namespace gpupack::kube
