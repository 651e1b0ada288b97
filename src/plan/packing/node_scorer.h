// NodeScorer: how good it is to place one pod on one node, for every packing policy. This is the
// one implementation of gpupack's placement scoring: packing::Placer (placer.h, the packing
// benchmark on a PackCluster) and plan::Placer (src/plan/placer.h: the planner, the control loop,
// the simulator and the controller's scheduler, on cluster::Node projected onto a PackNode) both
// rank feasible nodes with it. The policies are described in placer.h.
//
// A score is a function of the node's state before and after the placement (the caller decides
// feasibility and the GPUs), the pod, the workload profile and the gpupack weights. Higher is
// better; callers break ties towards the lowest node index.
//
// Thread safety: immutable after construction; Score is const and may run on several threads.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "plan/packing/pack_cluster.h"
#include "plan/packing/workload_profile.h"

namespace gpupack::plan::packing {

enum class Policy {
  kFirstFit,
  kRandom,
  kDotProd,
  kGpuClustering,
  kGpuPacking,
  kBestFit,
  kFgd,
  kGpupack,
};

// All policies, in the order above.
std::span<const Policy> AllPolicies();
// "first-fit", "random", "dotprod", "clustering", "packing", "best-fit", "fgd", "gpupack".
std::string_view PolicyName(Policy policy);
// InvalidArgument listing the accepted names when `name` is not one of them.
[[nodiscard]] Result<Policy> ParsePolicy(std::string_view name);

// Weights of the gpupack policy's extra terms, in FGD score points (0..100). The defaults were
// chosen on the openb default trace with seeds 1-10, which the benchmark does not report
// (it reports seeds 42-51, as the paper); see BENCHMARKS.md.
struct GpupackWeights {
  // Points per GPU of idle capacity newly stranded.
  double stranded_gpu = 10.0;
  // CPU and memory one GPU needs to be usable.
  int64_t cpu_milli_per_gpu = 12000;
  int64_t memory_mib_per_gpu = 48 * 1024;
  // Points per GPU of expected unfillable hole created.
  double hole_waste = 40.0;
  // Fractional sizes smaller than this are too rare to count on for filling holes.
  int32_t min_filler_milli = 200;
  // Points per GPU requested, times the model's pressure (WorkloadProfile::model_pressure).
  double model_scarcity = 20.0;
  // Points for placing onto a node with no pods yet: consolidation, so that nodes stay empty and
  // can be removed when pods leave. One point only breaks near-ties: more costs packing quality
  // (BENCHMARKS.md, "What gpupack's policy does").
  double empty_node = 1.0;
};

// Best-fit normalises what a node has left by the largest node of the cluster.
struct ClusterScale {
  int64_t largest_cpu_milli = 0;
  int32_t largest_gpu_count = 0;
};

class NodeScorer {
 public:
  // A set of milli-GPU sums 0..kMilliPerGpu, one bit each.
  using SumBits = std::array<uint64_t, (kMilliPerGpu + 64) / 64>;

  NodeScorer(Policy policy, WorkloadProfile profile, GpupackWeights weights = {});

  Policy policy() const { return policy_; }

  const WorkloadProfile& profile() const { return profile_; }

  // True when Score reads `fragmentation_before` (fgd and gpupack), so that callers compute or
  // cache it only then.
  bool UsesFragmentation() const { return policy_ == Policy::kFgd || policy_ == Policy::kGpupack; }

  // The score of placing `pod` on a node that goes from `before` to `after`, using `gpus` (the
  // GPU indices it takes, once each; empty for a CPU-only pod). `fragmentation_before` is
  // NodeFragmentationMilli(profile(), before) when UsesFragmentation(), else ignored; `scale`
  // is read by best-fit only. First-fit and random score every node 0.
  double Score(const PackNode& before, const PackNode& after, const PackPod& pod,
               std::span<const int32_t> gpus, double fragmentation_before,
               const ClusterScale& scale) const;

  // Milli-GPU of a GPU with `free` free that the workload's frequent fractional sizes (single-GPU
  // typical pods of at least min_filler_milli) cannot fill: free minus the largest sum of such
  // sizes <= free; 0 for a whole free GPU. The gpupack policy's hole-waste term.
  int32_t HoleWaste(int32_t free) const;

 private:
  double FgdScore(double fragmentation_before, const PackNode& after) const;

  Policy policy_;
  WorkloadProfile profile_;
  GpupackWeights weights_;
  // Bit s set: s milli-GPU is a sum of the workload's frequent fractional sizes (0 included).
  SumBits fillable_;
};

}  // namespace gpupack::plan::packing
