#include "sim/packing_experiment.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "common/rng.h"

namespace gpupack::sim {

using plan::packing::ClusterFragmentationMilli;
using plan::packing::kMilliPerGpu;
using plan::packing::PackCluster;
using plan::packing::PackPod;
using plan::packing::Placer;

std::vector<size_t> ArrivalOrder(std::span<const OpenbPod> pods, int64_t gpu_capacity_milli,
                                 double inflate, uint64_t seed) {
  std::vector<size_t> order(pods.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return pods[a].name < pods[b].name; });
  // Re-sampling draws from the name-sorted list, so the file's row order never matters.
  const std::vector<size_t> by_name = order;
  Rng rng(seed);
  for (size_t index = order.size(); index > 1; --index) {
    std::swap(order[index - 1], order[rng.Uniform(index)]);
  }
  int64_t requested = 0;
  for (const OpenbPod& pod : pods)
    requested += int64_t{pod.num_gpu} * pod.gpu_milli;
  const double target = inflate * static_cast<double>(gpu_capacity_milli);
  while (static_cast<double>(requested) < target && !pods.empty()) {
    size_t pick = by_name[rng.Uniform(pods.size())];
    order.push_back(pick);
    requested += int64_t{pods[pick].num_gpu} * pods[pick].gpu_milli;
  }
  return order;
}

IdleGpuBreakdown BreakDownIdleGpus(const PackCluster& cluster) {
  IdleGpuBreakdown breakdown;
  std::vector<int64_t> by_model(cluster.models().size(), 0);
  for (const plan::packing::PackNode& node : cluster.nodes()) {
    for (int32_t free : node.GpuFree()) {
      if (free == 0)
        continue;
      by_model[static_cast<size_t>(node.model)] += free;
      const double gpus = static_cast<double>(free) / kMilliPerGpu;
      if (free == kMilliPerGpu) {
        breakdown.whole_gpus += gpus;
        continue;
      }
      const auto& bounds = IdleGpuBreakdown::kBucketUpperMilli;
      auto bucket = std::upper_bound(bounds.begin(), bounds.end(), free) - bounds.begin();
      breakdown.partial_gpus[static_cast<size_t>(bucket)] += gpus;
    }
  }
  for (size_t model = 0; model < by_model.size(); ++model) {
    breakdown.by_model.emplace_back(cluster.models()[model],
                                    static_cast<double>(by_model[model]) / kMilliPerGpu);
  }
  return breakdown;
}

Result<PackingRunResult> RunPackingExperiment(std::span<const plan::packing::PackNodeSpec> nodes,
                                              std::span<const OpenbPod> pods,
                                              const PackingExperimentOptions& options) {
  if (!(options.inflate > 0.0 && options.inflate <= 10.0)) {
    return InvalidArgumentError("inflate must be in (0, 10], got " +
                                std::to_string(options.inflate));
  }
  GP_ASSIGN_OR_RETURN(PackCluster cluster, PackCluster::Create(nodes));
  if (cluster.gpu_capacity_milli() == 0)
    return InvalidArgumentError("the cluster has no GPUs");
  std::vector<PackPod> requests;
  requests.reserve(pods.size());
  int64_t gpu_requested = 0;
  for (const OpenbPod& pod : pods) {
    requests.push_back(ToPackPod(pod, cluster));
    gpu_requested += requests.back().GpuRequestMilli();
  }
  if (gpu_requested == 0)
    return InvalidArgumentError("the pod list asks for no GPU");

  const plan::packing::WorkloadProfile profile =
      plan::packing::BuildWorkloadProfile(cluster, requests);
  Placer placer(options.policy, profile, options.seed);
  const std::vector<size_t> order =
      ArrivalOrder(pods, cluster.gpu_capacity_milli(), options.inflate, options.seed);

  const size_t points = static_cast<size_t>(std::floor(options.inflate * 100.0 + 1e-9)) + 1;
  std::vector<double> sums(points, 0.0);
  std::vector<int64_t> counts(points, 0);
  const double capacity = static_cast<double>(cluster.gpu_capacity_milli());
  PackingRunResult result;
  std::map<std::pair<int32_t, int32_t>, int64_t> failed_by_shape;
  int64_t arrived_milli = 0;
  for (size_t index : order) {
    const PackPod& pod = requests[index];
    arrived_milli += pod.GpuRequestMilli();
    ++result.pods_arrived;
    if (std::optional<plan::packing::Placement> placement = placer.Place(cluster, pod)) {
      cluster.Assign(pod, *placement);
    } else {
      ++result.pods_failed;
      ++failed_by_shape[{pod.num_gpu, pod.gpu_milli}];
    }
    double arrival = 100.0 * static_cast<double>(arrived_milli) / capacity;
    auto point = static_cast<size_t>(std::llround(arrival));
    if (point < points) {
      sums[point] += 100.0 * static_cast<double>(cluster.gpu_allocated_milli()) / capacity;
      ++counts[point];
    }
  }
  std::vector<double> curve(points, 0.0);
  double previous = 0.0;
  for (size_t point = 0; point < points; ++point) {
    curve[point] = counts[point] > 0 ? sums[point] / static_cast<double>(counts[point]) : previous;
    previous = curve[point];
  }
  result.allocation_at_100 = curve[std::min<size_t>(100, points - 1)];
  result.curve = std::move(curve);
  const double idle_milli =
      static_cast<double>(cluster.gpu_capacity_milli() - cluster.gpu_allocated_milli());
  result.unallocated_gpus_at_end = idle_milli / kMilliPerGpu;
  const double fragmented_milli = ClusterFragmentationMilli(profile, cluster);
  result.fragmented_gpus_at_end = fragmented_milli / kMilliPerGpu;
  result.fragmentation_ratio_at_end = idle_milli > 0 ? fragmented_milli / idle_milli : 0.0;
  result.idle_at_end = BreakDownIdleGpus(cluster);
  for (const auto& [shape, count] : failed_by_shape)
    result.failed_by_shape.push_back({shape.first, shape.second, count});
  return result;
}

}  // namespace gpupack::sim
