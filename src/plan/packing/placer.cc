#include "plan/packing/placer.h"

#include <algorithm>
#include <cstdio>

namespace gpupack::plan::packing {

Placer::Placer(Policy policy, WorkloadProfile profile, uint64_t seed, GpupackWeights weights)
    : scorer_(policy, std::move(profile), weights), rng_(seed) {}

double Placer::FragmentationOf(const PackCluster& cluster, int32_t node_index) {
  const size_t index = static_cast<size_t>(node_index);
  if (fragmentation_version_.size() != cluster.nodes().size()) {
    fragmentation_version_.assign(cluster.nodes().size(), 0);
    fragmentation_milli_.assign(cluster.nodes().size(), 0.0);
  }
  const PackNode& node = cluster.nodes()[index];
  if (fragmentation_version_[index] != node.version + 1) {
    fragmentation_milli_[index] = NodeFragmentationMilli(scorer_.profile(), node);
    fragmentation_version_[index] = node.version + 1;
  }
  return fragmentation_milli_[index];
}

std::optional<Placement> Placer::Place(const PackCluster& cluster, const PackPod& pod,
                                       std::string* explanation) {
  feasible_.clear();
  const int32_t node_count = static_cast<int32_t>(cluster.nodes().size());
  for (int32_t node = 0; node < node_count; ++node) {
    if (cluster.Fits(node, pod))
      feasible_.push_back(node);
  }
  if (feasible_.empty()) {
    if (explanation != nullptr) {
      *explanation = "no node has enough free CPU, memory and GPU of an allowed model";
    }
    return std::nullopt;
  }
  const Policy policy = scorer_.policy();
  ClusterScale scale;
  if (policy == Policy::kBestFit) {
    for (const PackNode& node : cluster.nodes()) {
      scale.largest_cpu_milli = std::max(scale.largest_cpu_milli, node.cpu_milli_capacity);
      scale.largest_gpu_count = std::max(scale.largest_gpu_count, node.gpu_count);
    }
  }
  Placement best;
  double best_score = 0.0;
  if (policy == Policy::kRandom) {
    best.node = feasible_[rng_.Uniform(feasible_.size())];
    best.gpus = cluster.ChooseGpus(best.node, pod);
  } else {
    for (int32_t node : feasible_) {
      std::vector<int32_t> gpus = cluster.ChooseGpus(node, pod);
      const PackNode& before = cluster.nodes()[static_cast<size_t>(node)];
      double fragmentation = scorer_.UsesFragmentation() ? FragmentationOf(cluster, node) : 0.0;
      double score =
          scorer_.Score(before, NodeAfter(before, pod, gpus), pod, gpus, fragmentation, scale);
      if (best.node < 0 || score > best_score) {
        best_score = score;
        best.node = node;
        best.gpus = std::move(gpus);
      }
    }
  }
  if (explanation != nullptr) {
    char line[256];
    std::snprintf(line, sizeof line, "%s: node %s (score %.2f) of %zu feasible nodes",
                  std::string(PolicyName(policy)).c_str(),
                  cluster.node_names()[static_cast<size_t>(best.node)].c_str(), best_score,
                  feasible_.size());
    *explanation = line;
  }
  return best;
}

}  // namespace gpupack::plan::packing
