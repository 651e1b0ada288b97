#include "cluster/node.h"

#include <algorithm>

namespace gpupack::cluster {
namespace {

// Stands in for the model of a GPU whose node does not name one; only non-MIG configs reach it.
const gpu::GpuModel& UnknownModel() {
  static const gpu::GpuModel kUnknown;
  return kUnknown;
}

}  // namespace

int32_t NodeGpu::UsedSlots(int instance) const {
  int32_t used = 0;
  for (const GpuAllocation& a : allocations) {
    if (a.instance == instance) {
      used += a.slots;
    }
  }
  return used;
}

Result<Resources> Node::ExpectedGpuCapacity(const gpu::GpuCatalog& catalog) const {
  Resources total;
  for (const NodeGpu& device : gpus) {
    const gpu::GpuModel* model = &UnknownModel();
    if (!device.model.empty()) {
      GP_ASSIGN_OR_RETURN(model, catalog.Find(device.model));
    }
    total += AdvertisedCapacity(device.sharing, *model);
  }
  return total;
}

Node PlannedNode(std::string name, const NodeTemplate& node_template, const InstanceType& type,
                 const Offering& offering, const SharingConfig& sharing,
                 const gpu::GpuModel& model) {
  Node node;
  node.name = std::move(name);
  node.labels = node_template.NodeLabels(type, offering);
  for (auto& [key, value] : PartitionLabels(sharing, model)) {
    node.labels.insert_or_assign(key, value);
  }
  node.taints = node_template.taints;
  for (Taint& taint : SharingTaints(sharing)) {
    node.taints.push_back(std::move(taint));
  }
  node.capacity = type.capacity;
  node.capacity.Set(kResourceGpu, 0);
  Resources per_gpu = AdvertisedCapacity(sharing, model);
  for (int32_t i = 0; i < type.gpu_count; ++i) {
    node.capacity += per_gpu;
    node.gpus.push_back(NodeGpu{i, model.name, sharing, {}});
  }
  node.allocatable = node.capacity;
  node.instance_type = type.name;
  node.zone = offering.zone;
  node.capacity_type = offering.capacity_type;
  node.template_name = node_template.name;
  node.price_per_hour = offering.price_per_hour;
  return node;
}

Status AllocateBoundPod(Node& node, const Pod& pod, const gpu::GpuCatalog& catalog) {
  std::string key = pod.Key();
  auto pos = std::lower_bound(node.pods.begin(), node.pods.end(), key);
  if (pos != node.pods.end() && *pos == key) {
    return AlreadyExistsError(key + ": already accounted on " + node.name);
  }
  node.pods.insert(pos, key);
  node.requested += pod.requests;
  if (!pod.gpu.IsGpu()) {
    return OkStatus();
  }
  // One unit of the pod's resource is one slot of a device advertising that resource; a whole
  // GPU pod on an unshared GPU takes the GPU, on a time-sliced one a replica (as Kubernetes
  // would give it).
  int64_t remaining = pod.gpu.count;
  std::vector<std::pair<size_t, GpuAllocation>> taken;
  for (size_t g = 0; g < node.gpus.size() && remaining > 0; ++g) {
    const NodeGpu& device = node.gpus[g];
    const gpu::GpuModel* model = &UnknownModel();
    if (device.sharing.IsMig()) {
      GP_ASSIGN_OR_RETURN(model, catalog.Find(device.model));
    }
    int devices = device.sharing.IsMig() ? device.sharing.InstanceCount() : 1;
    for (int d = 0; d < devices && remaining > 0; ++d) {
      int instance = device.sharing.IsMig() ? d : -1;
      if (DeviceResourceName(device.sharing, *model, instance) != pod.gpu.resource_name) {
        continue;
      }
      int64_t free = device.FreeSlots(instance);
      if (free <= 0) {
        continue;
      }
      auto slots = static_cast<int32_t>(std::min(free, remaining));
      taken.push_back({g, GpuAllocation{key, instance, slots, pod.gpu.gpu_memory_bytes}});
      remaining -= slots;
    }
  }
  if (remaining > 0) {
    return ResourceExhaustedError(key + ": no free " + pod.gpu.resource_name + " on " + node.name +
                                  " for " + pod.gpu.ToString());
  }
  for (auto& [g, allocation] : taken) {
    node.gpus[g].allocations.push_back(std::move(allocation));
  }
  return OkStatus();
}

void ReleasePod(Node& node, const Pod& pod) {
  std::string key = pod.Key();
  auto pos = std::lower_bound(node.pods.begin(), node.pods.end(), key);
  if (pos == node.pods.end() || *pos != key) {
    return;
  }
  node.pods.erase(pos);
  node.requested -= pod.requests;
  // Keys of one namespace share their start: the last byte settles most comparisons.
  for (NodeGpu& device : node.gpus) {
    std::erase_if(device.allocations, [&](const GpuAllocation& a) {
      return !a.pod.empty() && a.pod.back() == key.back() && a.pod == key;
    });
  }
}

}  // namespace gpupack::cluster
