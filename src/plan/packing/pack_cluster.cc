#include "plan/packing/pack_cluster.h"

#include <algorithm>

#include "common/check.h"

namespace gpupack::plan::packing {

int32_t PackNode::FullyFreeGpus() const {
  int32_t count = 0;
  for (int32_t free : GpuFree())
    count += free == kMilliPerGpu ? 1 : 0;
  return count;
}

int64_t PackNode::GpuFreeMilli() const {
  int64_t total = 0;
  for (int32_t free : GpuFree())
    total += free;
  return total;
}

int32_t GpuKindOf(const PackPod& pod) { return pod.num_gpu * (kMilliPerGpu + 1) + pod.gpu_milli; }

Result<PackCluster> PackCluster::Create(std::span<const PackNodeSpec> nodes) {
  PackCluster cluster;
  for (const PackNodeSpec& spec : nodes) {
    if (!spec.model.empty() && std::find(cluster.models_.begin(), cluster.models_.end(),
                                         spec.model) == cluster.models_.end()) {
      cluster.models_.push_back(spec.model);
    }
  }
  std::sort(cluster.models_.begin(), cluster.models_.end());
  if (cluster.models_.size() > static_cast<size_t>(kMaxModels)) {
    return InvalidArgumentError("cluster has " + std::to_string(cluster.models_.size()) +
                                " GPU models; at most " + std::to_string(kMaxModels) +
                                " are supported");
  }
  cluster.model_capacity_milli_.assign(cluster.models_.size(), 0);
  cluster.nodes_.reserve(nodes.size());
  for (const PackNodeSpec& spec : nodes) {
    if (spec.cpu_milli < 0 || spec.memory_mib < 0 || spec.gpu_count < 0) {
      return InvalidArgumentError("node " + spec.name + ": negative resources");
    }
    if (spec.gpu_count > kMaxGpusPerNode) {
      return InvalidArgumentError("node " + spec.name + ": " + std::to_string(spec.gpu_count) +
                                  " GPUs; at most " + std::to_string(kMaxGpusPerNode) +
                                  " per node are supported");
    }
    if (spec.gpu_count > 0 && spec.model.empty()) {
      return InvalidArgumentError("node " + spec.name + ": has GPUs but no GPU model");
    }
    PackNode node;
    node.cpu_milli_capacity = node.cpu_milli_free = spec.cpu_milli;
    node.memory_mib_capacity = node.memory_mib_free = spec.memory_mib;
    node.gpu_count = spec.gpu_count;
    if (!spec.model.empty()) {
      node.model = *cluster.ModelIndex(spec.model);
      cluster.model_capacity_milli_[static_cast<size_t>(node.model)] +=
          int64_t{spec.gpu_count} * kMilliPerGpu;
    }
    for (int32_t gpu = 0; gpu < spec.gpu_count; ++gpu) {
      node.gpu_free_milli[static_cast<size_t>(gpu)] = kMilliPerGpu;
    }
    cluster.gpu_capacity_milli_ += int64_t{spec.gpu_count} * kMilliPerGpu;
    cluster.nodes_.push_back(node);
    cluster.node_names_.push_back(spec.name);
  }
  return cluster;
}

std::optional<int32_t> PackCluster::ModelIndex(std::string_view model) const {
  auto it = std::lower_bound(models_.begin(), models_.end(), model);
  if (it == models_.end() || *it != model)
    return std::nullopt;
  return static_cast<int32_t>(it - models_.begin());
}

bool PackCluster::Fits(int32_t node_index, const PackPod& pod) const {
  const PackNode& node = nodes_[static_cast<size_t>(node_index)];
  if (node.cpu_milli_free < pod.cpu_milli || node.memory_mib_free < pod.memory_mib)
    return false;
  if (pod.num_gpu == 0)
    return true;
  if (node.model < 0 || (pod.allowed_models & (uint32_t{1} << node.model)) == 0)
    return false;
  if (pod.IsFractional()) {
    for (int32_t free : node.GpuFree()) {
      if (free >= pod.gpu_milli)
        return true;
    }
    return false;
  }
  return node.FullyFreeGpus() >= pod.num_gpu;
}

std::vector<int32_t> PackCluster::ChooseGpus(int32_t node_index, const PackPod& pod) const {
  const PackNode& node = nodes_[static_cast<size_t>(node_index)];
  std::vector<int32_t> gpus;
  if (pod.num_gpu == 0)
    return gpus;
  if (pod.IsFractional()) {
    int32_t best = -1;
    for (int32_t gpu = 0; gpu < node.gpu_count; ++gpu) {
      int32_t free = node.gpu_free_milli[static_cast<size_t>(gpu)];
      if (free >= pod.gpu_milli &&
          (best < 0 || free < node.gpu_free_milli[static_cast<size_t>(best)])) {
        best = gpu;
      }
    }
    if (best >= 0)
      gpus.push_back(best);
    return gpus;
  }
  for (int32_t gpu = 0; gpu < node.gpu_count && std::ssize(gpus) < pod.num_gpu; ++gpu) {
    if (node.gpu_free_milli[static_cast<size_t>(gpu)] == kMilliPerGpu)
      gpus.push_back(gpu);
  }
  return gpus;
}

PackNode NodeAfter(const PackNode& node, const PackPod& pod, std::span<const int32_t> gpus) {
  PackNode after = node;
  after.cpu_milli_free -= pod.cpu_milli;
  after.memory_mib_free -= pod.memory_mib;
  for (int32_t gpu : gpus)
    after.gpu_free_milli[static_cast<size_t>(gpu)] -= pod.gpu_milli;
  if (pod.num_gpu > 0) {
    int32_t kind = GpuKindOf(pod);
    after.gpu_pod_kind = after.gpu_pod_kind == 0 ? kind : (after.gpu_pod_kind == kind ? kind : -1);
  }
  ++after.pod_count;
  ++after.version;
  return after;
}

void PackCluster::Assign(const PackPod& pod, const Placement& placement) {
  GP_CHECK(placement.node >= 0 && placement.node < std::ssize(nodes_),
           "placement node out of range");
  GP_CHECK(Fits(placement.node, pod), "placement does not fit");
  GP_CHECK(std::ssize(placement.gpus) == pod.num_gpu, "placement names the wrong number of GPUs");
  PackNode& node = nodes_[static_cast<size_t>(placement.node)];
  for (int32_t gpu : placement.gpus) {
    GP_CHECK(gpu >= 0 && gpu < node.gpu_count &&
                 node.gpu_free_milli[static_cast<size_t>(gpu)] >= pod.gpu_milli,
             "placement names a GPU without room");
  }
  node = NodeAfter(node, pod, placement.gpus);
  gpu_allocated_milli_ += pod.GpuRequestMilli();
}

}  // namespace gpupack::plan::packing
