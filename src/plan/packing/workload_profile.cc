#include "plan/packing/workload_profile.h"

#include <algorithm>
#include <bit>
#include <map>
#include <tuple>

namespace gpupack::plan::packing {

WorkloadProfile BuildWorkloadProfile(const PackCluster& cluster, std::span<const PackPod> pods,
                                     double coverage) {
  return BuildWorkloadProfile(cluster.model_capacity_milli(), pods, coverage);
}

WorkloadProfile BuildWorkloadProfile(std::span<const int64_t> model_capacity_milli,
                                     std::span<const PackPod> pods, double coverage) {
  WorkloadProfile profile;
  using Shape = std::tuple<int64_t, int32_t, int32_t>;
  std::map<Shape, int64_t> counts;
  for (const PackPod& pod : pods)
    ++counts[{pod.cpu_milli, pod.num_gpu, pod.gpu_milli}];
  std::vector<std::pair<Shape, int64_t>> shapes(counts.begin(), counts.end());
  // Stable: equal counts keep the map's (smaller shape first) order.
  std::stable_sort(shapes.begin(), shapes.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  const double total = static_cast<double>(pods.size());
  int64_t covered = 0;
  for (const auto& [shape, count] : shapes) {
    if (static_cast<double>(covered) >= coverage * total)
      break;
    covered += count;
    profile.typical_pods.push_back({std::get<0>(shape), std::get<1>(shape), std::get<2>(shape),
                                    static_cast<double>(count) / total});
  }

  const size_t model_count = model_capacity_milli.size();
  const uint32_t all_models = model_count >= 32 ? ~uint32_t{0} : (uint32_t{1} << model_count) - 1;
  std::vector<double> demand(model_count, 0.0);
  for (const PackPod& pod : pods) {
    uint32_t allowed = pod.allowed_models & all_models;
    if (pod.num_gpu == 0 || allowed == all_models || allowed == 0)
      continue;
    double share = static_cast<double>(pod.GpuRequestMilli()) / std::popcount(allowed);
    for (size_t model = 0; model < model_count; ++model) {
      if ((allowed & (uint32_t{1} << model)) != 0)
        demand[model] += share;
    }
  }
  profile.model_pressure.assign(model_count, 0.0);
  for (size_t model = 0; model < model_count; ++model) {
    int64_t capacity = model_capacity_milli[model];
    if (capacity > 0)
      profile.model_pressure[model] = demand[model] / static_cast<double>(capacity);
  }
  return profile;
}

double NodeFragmentationMilli(const WorkloadProfile& profile, const PackNode& node) {
  if (node.gpu_count == 0)
    return 0.0;
  int64_t idle = 0;
  int32_t fully_free = 0;
  int64_t partial_idle = 0;  // idle milli-GPU on GPUs that are not fully free
  for (int32_t free : node.GpuFree()) {
    idle += free;
    if (free == kMilliPerGpu) {
      ++fully_free;
    } else {
      partial_idle += free;
    }
  }
  if (idle == 0)
    return 0.0;
  double fragment = 0.0;
  for (const TypicalPod& pod : profile.typical_pods) {
    int64_t unusable = idle;
    if (pod.num_gpu > 0 && node.cpu_milli_free >= pod.cpu_milli) {
      if (pod.gpu_milli < kMilliPerGpu) {
        unusable = 0;
        for (int32_t free : node.GpuFree())
          unusable += free < pod.gpu_milli ? free : 0;
      } else if (fully_free >= pod.num_gpu) {
        unusable = partial_idle;
      }
    }
    fragment += pod.frequency * static_cast<double>(unusable);
  }
  return fragment;
}

double ClusterFragmentationMilli(const WorkloadProfile& profile, const PackCluster& cluster) {
  double total = 0.0;
  for (const PackNode& node : cluster.nodes())
    total += NodeFragmentationMilli(profile, node);
  return total;
}

}  // namespace gpupack::plan::packing
