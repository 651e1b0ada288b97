#include "plan/packing/node_scorer.h"

#include <algorithm>
#include <array>
#include <bit>
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

// Adds `shift` to every sum in `sums` (bits shifted towards higher indices), keeping the old ones.
void OrShifted(NodeScorer::SumBits& sums, size_t shift) {
  const size_t words = shift / 64;
  const size_t offset = shift % 64;
  // From the top down, so that every word read is still the unshifted one.
  for (size_t i = sums.size(); i-- > words;) {
    uint64_t shifted = sums[i - words] << offset;
    if (offset != 0 && i > words) {
      shifted |= sums[i - words - 1] >> (64 - offset);
    }
    sums[i] |= shifted;
  }
}

// See NodeScorer::fillable_.
NodeScorer::SumBits FillableSums(const WorkloadProfile& profile, int32_t min_filler_milli) {
  NodeScorer::SumBits sums{};
  sums[0] = 1;
  // Sums of any number of each size (unbounded knapsack), by doubling: shifting by size, 2 x size,
  // 4 x size, ... adds every multiple up to a whole GPU. Built per planner pass: a few dozen word
  // operations per size.
  for (const TypicalPod& pod : profile.typical_pods) {
    if (pod.num_gpu == 1 && pod.gpu_milli < kMilliPerGpu && pod.gpu_milli >= min_filler_milli) {
      for (int32_t step = pod.gpu_milli; step > 0 && step <= kMilliPerGpu; step *= 2) {
        OrShifted(sums, static_cast<size_t>(step));
      }
    }
  }
  return sums;
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
      fillable_(FillableSums(profile_, weights_.min_filler_milli)) {}

int32_t NodeScorer::HoleWaste(int32_t free) const {
  if (free <= 0 || free >= kMilliPerGpu) {
    return 0;
  }
  // The largest fillable sum <= free: sum 0 always is, so the search ends.
  size_t word = static_cast<size_t>(free) / 64;
  uint64_t bits = fillable_[word] & (~uint64_t{0} >> (63 - static_cast<size_t>(free) % 64));
  while (bits == 0) {
    bits = fillable_[--word];
  }
  return free - static_cast<int32_t>(word * 64 + 63 - static_cast<size_t>(std::countl_zero(bits)));
}

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
      hole_growth += HoleWaste(after.gpu_free_milli[index]) - HoleWaste(node.gpu_free_milli[index]);
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
