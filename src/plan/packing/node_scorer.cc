#include "plan/packing/node_scorer.h"

#include <algorithm>
#include <array>
#include <bit>
#include <bitset>
#include <cmath>
#include <string>

namespace gpupack::plan::packing {
namespace {

constexpr std::array<Policy, 8> kAllPolicies = {
    Policy::kFirstFit,   Policy::kRandom,  Policy::kDotProd, Policy::kGpuClustering,
    Policy::kGpuPacking, Policy::kBestFit, Policy::kFgd,     Policy::kGpupack};

// Idle GPU capacity (in GPUs) beyond what the node's free CPU and memory can feed.
double StrandedGpus(const PackNode& node, const GpupackWeights& weights) {
  double fed_by_cpu =
      static_cast<double>(node.cpu_milli_free) / static_cast<double>(weights.cpu_milli_per_gpu);
  double fed_by_memory =
      static_cast<double>(node.memory_mib_free) / static_cast<double>(weights.memory_mib_per_gpu);
  double idle = static_cast<double>(node.GpuFreeMilli()) / kMilliPerGpu;
  return std::max(0.0, idle - std::min(fed_by_cpu, fed_by_memory));
}

// See NodeScorer::hole_waste_.
std::vector<int32_t> HoleWasteTable(const WorkloadProfile& profile, int32_t min_filler_milli) {
  std::vector<int32_t> sizes;
  for (const TypicalPod& pod : profile.typical_pods) {
    if (pod.num_gpu == 1 && pod.gpu_milli < kMilliPerGpu && pod.gpu_milli >= min_filler_milli) {
      sizes.push_back(pod.gpu_milli);
    }
  }
  // Sums of any number of each size (unbounded knapsack), by doubling: after shifting by size,
  // 2 x size, 4 x size, ... every multiple up to a whole GPU is added. The planner builds a
  // scorer per pass, so this runs per pass (bit-parallel, a few dozen word operations per size).
  std::bitset<kMilliPerGpu + 1> reachable;
  reachable.set(0);
  for (int32_t size : sizes) {
    for (int32_t step = size; step > 0 && step <= kMilliPerGpu; step *= 2) {
      reachable |= reachable << static_cast<size_t>(step);
    }
  }
  // Between two reachable sums a and b, a GPU with f free (a <= f < b) wastes f - a: filled run
  // by run from the set bits, word by word (a per-f test costs more than the rest together).
  std::vector<int32_t> waste(kMilliPerGpu + 1, 0);
  const std::bitset<kMilliPerGpu + 1> word_mask(~uint64_t{0});
  int32_t largest_fill = 0;
  auto fill_to = [&](int32_t end) {
    for (int32_t free = largest_fill; free < end; ++free) {
      waste[static_cast<size_t>(free)] = free - largest_fill;
    }
  };
  for (size_t base = 0; base < kMilliPerGpu; base += 64) {
    uint64_t word = ((reachable >> base) & word_mask).to_ullong();
    while (word != 0) {
      auto sum = static_cast<int32_t>(base) + std::countr_zero(word);
      word &= word - 1;
      if (sum >= kMilliPerGpu) {
        break;
      }
      fill_to(sum);
      largest_fill = sum;
    }
  }
  fill_to(kMilliPerGpu);
  return waste;
}

double Ratio(int64_t part, int64_t whole) {
  return whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

}  // namespace

std::span<const Policy> AllPolicies() { return kAllPolicies; }

std::string_view PolicyName(Policy policy) {
  switch (policy) {
    case Policy::kFirstFit:
      return "first-fit";
    case Policy::kRandom:
      return "random";
    case Policy::kDotProd:
      return "dotprod";
    case Policy::kGpuClustering:
      return "clustering";
    case Policy::kGpuPacking:
      return "packing";
    case Policy::kBestFit:
      return "best-fit";
    case Policy::kFgd:
      return "fgd";
    case Policy::kGpupack:
      return "gpupack";
  }
  return "?";
}

Result<Policy> ParsePolicy(std::string_view name) {
  std::string accepted;
  for (Policy policy : kAllPolicies) {
    if (PolicyName(policy) == name)
      return policy;
    accepted += accepted.empty() ? "" : ", ";
    accepted += PolicyName(policy);
  }
  return InvalidArgumentError("unknown placement policy '" + std::string(name) +
                              "'; accepted: " + accepted);
}

NodeScorer::NodeScorer(Policy policy, WorkloadProfile profile, GpupackWeights weights)
    : policy_(policy),
      profile_(std::move(profile)),
      weights_(weights),
      hole_waste_(HoleWasteTable(profile_, weights_.min_filler_milli)) {}

double NodeScorer::FgdScore(double fragmentation_before, const PackNode& after) const {
  // The paper's simulator scores sigmoid(fragmentation decrease / 1000) as an integer 0..100;
  // the coarse integer creates the ties that lowest-name tie-breaking turns into consolidation.
  double decrease = fragmentation_before - NodeFragmentationMilli(profile_, after);
  double sigmoid = 1.0 / (1.0 + std::exp(-decrease / 1000.0));
  return std::floor(100.0 * sigmoid);
}

double NodeScorer::Score(const PackNode& before, const PackNode& after, const PackPod& pod,
                         std::span<const int32_t> gpus, double fragmentation_before,
                         const ClusterScale& scale) const {
  const PackNode& node = before;
  switch (policy_) {
    case Policy::kFirstFit:
    case Policy::kRandom:
      return 0.0;
    case Policy::kDotProd: {
      double gpu_request = static_cast<double>(pod.GpuRequestMilli());
      double gpu_capacity = static_cast<double>(node.gpu_count) * kMilliPerGpu;
      double dot = Ratio(pod.cpu_milli, node.cpu_milli_capacity) *
                       Ratio(node.cpu_milli_free, node.cpu_milli_capacity) +
                   Ratio(pod.memory_mib, node.memory_mib_capacity) *
                       Ratio(node.memory_mib_free, node.memory_mib_capacity);
      if (gpu_capacity > 0) {
        dot += gpu_request / gpu_capacity * static_cast<double>(node.GpuFreeMilli()) / gpu_capacity;
      }
      return -dot;
    }
    case Policy::kGpuClustering: {
      if (node.IsIdle())
        return 0.0;
      return pod.num_gpu > 0 && node.gpu_pod_kind == GpuKindOf(pod) ? 2.0 : 1.0;
    }
    case Policy::kGpuPacking: {
      if (pod.IsFractional() && !gpus.empty()) {
        int32_t free = node.gpu_free_milli[static_cast<size_t>(gpus.front())];
        if (free < kMilliPerGpu)
          return 3.0 * kMilliPerGpu - free;
      }
      bool busy = !node.IsIdle();
      return busy ? 2.0 * kMilliPerGpu : 1.0 * kMilliPerGpu;
    }
    case Policy::kBestFit: {
      double left =
          0.5 * Ratio(after.cpu_milli_free, scale.largest_cpu_milli) +
          0.5 * Ratio(after.GpuFreeMilli(), int64_t{scale.largest_gpu_count} * kMilliPerGpu);
      return std::floor((1.0 - left) * 100.0);
    }
    case Policy::kFgd:
    case Policy::kGpupack:
      break;
  }
  double score = FgdScore(fragmentation_before, after);
  if (policy_ == Policy::kGpupack) {
    score -= weights_.stranded_gpu * (StrandedGpus(after, weights_) - StrandedGpus(node, weights_));
    int32_t hole_growth = 0;
    for (int32_t gpu : gpus) {
      const size_t index = static_cast<size_t>(gpu);
      hole_growth += hole_waste_[static_cast<size_t>(after.gpu_free_milli[index])] -
                     hole_waste_[static_cast<size_t>(node.gpu_free_milli[index])];
    }
    score -= weights_.hole_waste * hole_growth / kMilliPerGpu;
    if (node.IsIdle())
      score -= weights_.empty_node;
    // A profile built for fewer models than the cluster has says nothing about the others.
    const size_t model = static_cast<size_t>(node.model);
    if (node.model >= 0 && model < profile_.model_pressure.size() && pod.num_gpu > 0) {
      score -= weights_.model_scarcity * static_cast<double>(pod.GpuRequestMilli()) / kMilliPerGpu *
               profile_.model_pressure[model];
    }
  }
  return score;
}

}  // namespace gpupack::plan::packing
