// Compact forms of the API objects the informers cache. Caching the parsed nlohmann::json would
// cost several times the object's JSON text (every string, map node and array on the heap;
// BENCHMARKS.md has the measured figures); these structs keep what gpupack reads — identity,
// labels, annotations, owners, and the scheduling facts (capacity, taints, requests, selectors,
// tolerations, required node affinity) — and drop managedFields, conditions other than
// Ready/PodScheduled, images, statuses and the like. Generic objects (NodeClaims, NodeTemplates,
// ConfigMaps) keep their body as compact JSON text minus metadata, which a consumer parses when it
// needs it.
//
// Repeated strings (label keys and values, taints, tolerations, resource and node names) are
// interned Symbols, so 150,000 pods share one copy of "nvidia.com/gpu".
//
// Quantities are exact integers as common/quantity.h parses them: cpu in milli-CPU, memory,
// ephemeral-storage and hugepages-* in bytes, everything else (nvidia.com/gpu, pods) as counts.
//
// Thread safety: values.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/error.h"
#include "kube/resource.h"
#include "kube/symbol.h"

namespace gpupack::kube {

// Sorted by key. Repeated strings are interned Symbols (symbol.h); strings unique to one object
// (name, uid, resourceVersion) are plain std::strings.
using StringPairs = std::vector<std::pair<Symbol, Symbol>>;
using ResourceList = std::vector<std::pair<Symbol, int64_t>>;

struct OwnerRef {
  Symbol kind;
  std::string name;
  std::string uid;
  bool controller = false;
};

struct ObjectMeta {
  std::string namespace_name;
  std::string name;
  std::string uid;
  std::string resource_version;
  StringPairs labels;
  StringPairs annotations;
  std::vector<OwnerRef> owners;
  std::vector<Symbol> finalizers;
  bool deleting = false;  // deletionTimestamp set

  ObjectKey Key() const { return ObjectKey{namespace_name, name}; }

  // The value of a label, or nullptr.
  const std::string* Label(std::string_view key) const;
};

struct Taint {
  Symbol key;
  Symbol value;
  Symbol effect;
};

struct Toleration {
  Symbol key;
  Symbol op;  // "Equal" or "Exists"
  Symbol value;
  Symbol effect;  // empty: every effect
};

// One requirement of a node selector term, as the API spells it ("In", "NotIn", "Exists",
// "DoesNotExist", "Gt", "Lt").
struct NodeSelectorRequirement {
  Symbol key;
  Symbol op;
  std::vector<Symbol> values;
};

struct NodeSelectorTerm {
  std::vector<NodeSelectorRequirement> match_expressions;  // on the node's labels
  std::vector<NodeSelectorRequirement> match_fields;       // on metadata.name
};

struct NodeObject {
  ObjectMeta meta;
  std::string provider_id;
  bool unschedulable = false;
  bool ready = false;
  std::vector<Taint> taints;
  ResourceList capacity;
  ResourceList allocatable;
};

struct PodObject {
  ObjectMeta meta;
  Symbol node_name;  // empty: not scheduled
  Symbol scheduler_name;
  Symbol phase;
  int32_t priority = 0;
  bool unschedulable = false;  // PodScheduled=False, reason Unschedulable
  // Effective request per resource: max(sum of containers, largest init container) plus
  // overhead; a limit stands in for a missing request, as the API server defaults it.
  ResourceList requests;
  StringPairs node_selector;
  std::vector<Toleration> tolerations;
  // spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms
  // (ORed); empty: none (the API server refuses an empty list). The preferred terms are dropped:
  // the planner does not score by them.
  std::vector<NodeSelectorTerm> required_node_affinity;
};

struct GenericObject {
  ObjectMeta meta;
  std::string body;  // the object without metadata, as compact JSON
};

// Decoders: InvalidArgument naming the object and field when the JSON is not of that shape.
[[nodiscard]] Result<ObjectMeta> DecodeMeta(const nlohmann::json& object);
[[nodiscard]] Result<NodeObject> DecodeNode(const nlohmann::json& object);
[[nodiscard]] Result<PodObject> DecodePod(const nlohmann::json& object);
[[nodiscard]] Result<GenericObject> DecodeGeneric(const nlohmann::json& object);

// Parses one quantity by its resource name (see above).
[[nodiscard]] Result<int64_t> ParseResourceQuantity(std::string_view resource,
                                                    std::string_view quantity);

}  // namespace gpupack::kube
