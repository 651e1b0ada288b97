// Per-placement speed of the packing policies on an openb-sized cluster (1,213 nodes, 6,212
// GPUs, the openb node mix) with an openb-like stream of pods. Each iteration places a batch of
// pods on a fresh cluster until it is ~90% allocated; the rate is reported per placed pod.
#include <vector>

#include <benchmark/benchmark.h>

#include "common/rng.h"
#include "plan/packing/pack_cluster.h"
#include "plan/packing/placer.h"
#include "plan/packing/workload_profile.h"

namespace gpupack::plan::packing {
namespace {

std::vector<PackNodeSpec> OpenbLikeNodes() {
  struct Group {
    int count;
    int64_t cpu_milli;
    int64_t memory_mib;
    int32_t gpus;
    const char* model;
  };

  const Group groups[] = {{549, 96000, 393216, 8, "G2"},     {387, 104000, 524288, 2, "T4"},
                          {17, 96000, 393216, 2, "T4"},      {39, 128000, 786432, 8, "G3"},
                          {134, 16000, 122880, 2, "P100"},   {30, 96000, 786432, 8, "V100M32"},
                          {55, 32000, 131072, 4, "V100M16"}, {2, 128000, 1048576, 1, "A10"}};
  std::vector<PackNodeSpec> nodes;
  for (const Group& group : groups) {
    for (int index = 0; index < group.count; ++index) {
      nodes.push_back({std::string(group.model) + "-" + std::to_string(index), group.cpu_milli,
                       group.memory_mib, group.gpus, group.model});
    }
  }
  return nodes;
}

std::vector<PackPod> OpenbLikePods(size_t count) {
  // The default trace's mix: 13% CPU-only, 48% whole single GPU, 38% fractional, 1% multi-GPU.
  const int32_t fractions[] = {810, 810, 810, 470, 470, 320, 650, 230, 460, 160};
  Rng rng(1);
  std::vector<PackPod> pods;
  for (size_t index = 0; index < count; ++index) {
    PackPod pod;
    pod.cpu_milli = 1000 * static_cast<int64_t>(rng.UniformInt(2, 16));
    pod.memory_mib = 4096 * static_cast<int64_t>(rng.UniformInt(1, 16));
    double kind = rng.UniformDouble();
    if (kind < 0.13) {
      pod.num_gpu = 0;
    } else if (kind < 0.61) {
      pod.num_gpu = 1;
      pod.gpu_milli = kMilliPerGpu;
    } else if (kind < 0.99) {
      pod.num_gpu = 1;
      pod.gpu_milli = fractions[rng.Uniform(std::size(fractions))];
    } else {
      pod.num_gpu = 8;
      pod.gpu_milli = kMilliPerGpu;
    }
    pods.push_back(pod);
  }
  return pods;
}

void BM_PlacePod(benchmark::State& state) {
  const Policy policy = AllPolicies()[static_cast<size_t>(state.range(0))];
  const PackCluster empty = *PackCluster::Create(OpenbLikeNodes());
  const std::vector<PackPod> pods = OpenbLikePods(12000);
  const WorkloadProfile profile = BuildWorkloadProfile(empty, pods);
  int64_t placed = 0;
  for (auto _ : state) {
    PackCluster cluster = empty;
    Placer placer(policy, profile, 42);
    for (const PackPod& pod : pods) {
      if (cluster.gpu_allocated_milli() * 10 >= cluster.gpu_capacity_milli() * 9)
        break;
      if (std::optional<Placement> placement = placer.Place(cluster, pod)) {
        cluster.Assign(pod, *placement);
      }
      ++placed;
    }
  }
  state.SetLabel(std::string(PolicyName(policy)));
  state.SetItemsProcessed(placed);
}

BENCHMARK(BM_PlacePod)->DenseRange(0, 7)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gpupack::plan::packing

BENCHMARK_MAIN();
