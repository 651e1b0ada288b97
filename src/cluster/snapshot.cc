#include "cluster/snapshot.h"

#include <algorithm>
#include <initializer_list>
#include <memory>
#include <string_view>
#include <utility>

#include "common/quantity.h"

namespace gpupack::cluster {
namespace {

template <class T, class KeyFn>
const T* FindSorted(const std::vector<T>& items, std::string_view key, KeyFn key_of) {
  auto it = std::lower_bound(items.begin(), items.end(), key,
                             [&](const T& item, std::string_view k) { return key_of(item) < k; });
  return it != items.end() && key_of(*it) == key ? &*it : nullptr;
}

// The largest memory a device of `demand`'s kind can give on `model`: the whole GPU, half of it
// for a replica (time-slicing needs at least 2), or the largest instance of the profile.
int64_t LargestDeviceMemoryMib(const GpuDemand& demand, const gpu::GpuModel& model) {
  switch (demand.kind) {
    case GpuDemandKind::kNone:
    case GpuDemandKind::kWholeGpu:
      return model.memory_mib;
    case GpuDemandKind::kSharedGpu:
      return model.memory_mib / kMinReplicas;
    case GpuDemandKind::kMigProfile: {
      Result<const gpu::MigProfile*> profile = model.FindProfile(demand.mig_profile);
      if (!profile) {
        return 0;
      }
      return demand.time_sliced ? (*profile)->memory_mib / kMinReplicas : (*profile)->memory_mib;
    }
  }
  return 0;
}

}  // namespace

int CompareKey(const Pod& pod, std::string_view key) {
  for (std::string_view part :
       {std::string_view(pod.namespace_name), std::string_view("/"), std::string_view(pod.name)}) {
    size_t n = std::min(part.size(), key.size());
    if (int c = part.substr(0, n).compare(key.substr(0, n)); c != 0) {
      return c;
    }
    if (n < part.size()) {
      return 1;  // `key` is a proper prefix of the pod's key
    }
    key.remove_prefix(n);
  }
  return key.empty() ? 0 : -1;
}

CopyOnWriteNodes::CopyOnWriteNodes(std::vector<const Node*> nodes)
    : nodes_(std::move(nodes)), copy_of_(nodes_.size(), nullptr) {}

Node& CopyOnWriteNodes::Mutable(size_t i) {
  if (copy_of_[i] == nullptr) {
    copy_of_[i] = copies_.emplace_back(std::make_unique<Node>(*nodes_[i])).get();
    nodes_[i] = copy_of_[i];
  }
  return *copy_of_[i];
}

std::optional<size_t> CopyOnWriteNodes::Find(std::string_view name) const {
  auto it =
      std::lower_bound(nodes_.begin(), nodes_.end(), name,
                       [](const Node* n, std::string_view wanted) { return n->name < wanted; });
  if (it == nodes_.end() || (*it)->name != name) {
    return std::nullopt;
  }
  return static_cast<size_t>(it - nodes_.begin());
}

const Node* ClusterSnapshot::FindNode(std::string_view name) const {
  return FindSorted(nodes, name, [](const Node& n) -> const std::string& { return n.name; });
}

Node* ClusterSnapshot::FindNode(std::string_view name) {
  return const_cast<Node*>(std::as_const(*this).FindNode(name));
}

const Pod* ClusterSnapshot::FindPod(std::string_view key) const {
  auto it = std::lower_bound(pods.begin(), pods.end(), key,
                             [](const Pod& p, std::string_view k) { return CompareKey(p, k) < 0; });
  return it != pods.end() && CompareKey(*it, key) == 0 ? &*it : nullptr;
}

const NodeTemplate* ClusterSnapshot::FindTemplate(std::string_view name) const {
  return FindSorted(templates, name,
                    [](const NodeTemplate& t) -> const std::string& { return t.name; });
}

std::vector<const Pod*> ClusterSnapshot::PendingPods() const {
  std::vector<const Pod*> out;
  for (const Pod& pod : pods) {
    if (!pod.IsBound() && !pod.IsTerminal() && pod.IsSatisfiable()) {
      out.push_back(&pod);
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Pod* a, const Pod* b) {
    if (a->priority != b->priority) {
      return a->priority > b->priority;
    }
    return a->created < b->created;
  });
  return out;
}

std::vector<const Pod*> ClusterSnapshot::UnsatisfiablePods() const {
  std::vector<const Pod*> out;
  for (const Pod& pod : pods) {
    if (!pod.IsSatisfiable()) {
      out.push_back(&pod);
    }
  }
  return out;
}

std::vector<const Pod*> ClusterSnapshot::PodsOn(std::string_view name) const {
  std::vector<const Pod*> out;
  for (const Pod& pod : pods) {
    if (pod.node_name == name && !pod.IsTerminal()) {
      out.push_back(&pod);
    }
  }
  return out;
}

std::string UnsatisfiableReason(const GpuDemand& demand, const gpu::GpuCatalog& catalog,
                                const InstanceCatalog& instances) {
  if (!demand.IsGpu()) {
    return "";
  }
  std::vector<const gpu::GpuModel*> candidates;
  if (demand.kind == GpuDemandKind::kMigProfile) {
    candidates = catalog.ModelsOffering(demand.mig_profile);
    if (candidates.empty()) {
      return "no GPU model in the catalog has MIG profile \"" + demand.mig_profile + "\"";
    }
  } else {
    for (const gpu::GpuModel& model : catalog.models()) {
      if (model.known) {
        candidates.push_back(&model);
      }
    }
  }
  if (demand.gpu_memory_bytes > 0) {
    int64_t best_mib = 0;
    for (const gpu::GpuModel* model : candidates) {
      best_mib = std::max(best_mib, LargestDeviceMemoryMib(demand, *model));
    }
    if (demand.gpu_memory_bytes > best_mib * kMiB) {
      std::string device = demand.kind == GpuDemandKind::kMigProfile
                               ? "MIG " + demand.mig_profile + " instance"
                           : demand.kind == GpuDemandKind::kSharedGpu ? "time-sliced replica"
                                                                      : "GPU";
      return "needs " + FormatBytes(demand.gpu_memory_bytes) + " of GPU memory per " + device +
             "; the largest in the catalog has " + FormatBytes(best_mib * kMiB);
    }
  }
  if (demand.kind == GpuDemandKind::kWholeGpu && !instances.types().empty()) {
    int32_t most = 0;
    for (const InstanceType& type : instances.types()) {
      most = std::max(most, type.gpu_count);
    }
    if (demand.count > most) {
      return "asks for " + std::to_string(demand.count) + " GPUs; the largest instance type has " +
             std::to_string(most);
    }
  }
  return "";
}

Result<ClusterSnapshot> BuildSnapshot(std::vector<Node> nodes, std::vector<Pod> pods,
                                      std::vector<NodeTemplate> templates,
                                      InstanceCatalog instances, const gpu::GpuCatalog& catalog,
                                      std::vector<std::string>& warnings) {
  ClusterSnapshot snapshot;
  std::sort(nodes.begin(), nodes.end(),
            [](const Node& a, const Node& b) { return a.name < b.name; });
  for (size_t i = 1; i < nodes.size(); ++i) {
    if (nodes[i].name == nodes[i - 1].name) {
      return InvalidArgumentError("duplicate node " + nodes[i].name);
    }
  }
  std::sort(pods.begin(), pods.end(), [](const Pod& a, const Pod& b) { return a.Key() < b.Key(); });
  for (size_t i = 1; i < pods.size(); ++i) {
    if (pods[i].Key() == pods[i - 1].Key()) {
      return InvalidArgumentError("duplicate pod " + pods[i].Key());
    }
  }
  std::sort(templates.begin(), templates.end(),
            [](const NodeTemplate& a, const NodeTemplate& b) { return a.name < b.name; });
  for (size_t i = 1; i < templates.size(); ++i) {
    if (templates[i].name == templates[i - 1].name) {
      return InvalidArgumentError("duplicate NodeTemplate " + templates[i].name);
    }
  }
  snapshot.nodes = std::move(nodes);
  snapshot.pods = std::move(pods);
  snapshot.templates = std::move(templates);
  snapshot.instances = std::move(instances);

  for (Node& node : snapshot.nodes) {
    node.requested = Resources{};
    node.pods.clear();
    for (NodeGpu& device : node.gpus) {
      device.allocations.clear();
    }
    const InstanceType* type = snapshot.instances.Find(node.instance_type);
    if (type != nullptr && node.capacity_type) {
      if (const Offering* offering = type->Cheapest(*node.capacity_type, node.zone)) {
        node.price_per_hour = offering->price_per_hour;
      }
    }
  }
  for (Pod& pod : snapshot.pods) {
    if (std::optional<std::string> name = pod.RequiredNodeTemplate()) {
      if (const NodeTemplate* node_template = snapshot.FindTemplate(*name)) {
        pod.gpu = RefineForTemplate(pod.gpu, *node_template);
      }
    }
    if (pod.IsSatisfiable()) {
      pod.unsatisfiable_reason = UnsatisfiableReason(pod.gpu, catalog, snapshot.instances);
    }
    if (!pod.IsBound() || pod.IsTerminal()) {
      continue;
    }
    Node* node = snapshot.FindNode(pod.node_name);
    if (node == nullptr) {
      warnings.push_back(pod.Key() + ": bound to node " + pod.node_name +
                         ", which is not in the snapshot");
      continue;
    }
    if (Status status = AllocateBoundPod(*node, pod, catalog); !status) {
      warnings.push_back(status.error().message());
    }
  }
  return snapshot;
}

}  // namespace gpupack::cluster
