// The FGD paper's static packing protocol (Weng et al., ATC'23, section 6): the cluster is the
// openb GPU node list; the pod list is sorted by name, shuffled with the seed, and inflated by
// re-sampling pods (with replacement) until the total GPU request reaches `inflate` x the
// cluster's GPU capacity; pods then arrive one at a time and are placed by the policy, with no
// departures. A pod that fits nowhere fails and is not retried.
//
// Curve: after each pod, the arrival ratio (GPU requested so far / capacity, %) and the
// allocation ratio (GPU allocated / capacity, %) are recorded; point x of the curve is the mean
// allocation over the pods whose arrival ratio rounds to x (as the paper's merge script
// averages), so "allocation at 100%" is the mean over arrivals in [99.5%, 100.5%). A point no
// pod rounds to repeats the previous one.
//
// Thread safety: pure functions (each run owns its cluster and placer).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"
#include "plan/packing/pack_cluster.h"
#include "plan/packing/placer.h"
#include "sim/trace/openb.h"

namespace gpupack::sim {

struct PackingExperimentOptions {
  plan::packing::Policy policy = plan::packing::Policy::kGpupack;
  uint64_t seed = 42;
  double inflate = 1.3;  // total GPU request of the arriving pods / cluster GPU capacity
};

// Where the idle GPU capacity sits after the last pod, in GPUs.
struct IdleGpuBreakdown {
  // Upper bounds (exclusive, milli-GPU free) of the partial-GPU buckets: a GPU with 190m free
  // (next to an 810m pod) counts in bucket 2, [150, 200).
  static constexpr std::array<int32_t, 5> kBucketUpperMilli = {100, 150, 200, 500, 1000};

  double whole_gpus = 0;                 // fully free GPUs
  std::array<double, 5> partial_gpus{};  // free capacity of partly used GPUs, per bucket
  // Per GPU model of the cluster (sorted by name): idle GPUs, whole and partial together.
  std::vector<std::pair<std::string, double>> by_model;
};

// Pods that found no node, per request shape; sorted by (num_gpu, gpu_milli).
struct FailedPodShape {
  int32_t num_gpu = 0;
  int32_t gpu_milli = 0;
  int64_t count = 0;
};

struct PackingRunResult {
  // curve[x] = allocation ratio (%) when arrivals reach x% of capacity, x = 0..inflate*100.
  std::vector<double> curve;
  double allocation_at_100 = 0;  // curve[100] (percent)
  double unallocated_gpus_at_end = 0;
  // FGD's fragmentation measure at the end, and its share of the idle GPU capacity.
  double fragmented_gpus_at_end = 0;
  double fragmentation_ratio_at_end = 0;
  int64_t pods_arrived = 0;
  int64_t pods_failed = 0;
  // Sums to unallocated_gpus_at_end.
  IdleGpuBreakdown idle_at_end;
  // Counts sum to pods_failed.
  std::vector<FailedPodShape> failed_by_shape;
};

// The breakdown of `cluster`'s idle GPU capacity.
IdleGpuBreakdown BreakDownIdleGpus(const plan::packing::PackCluster& cluster);

// The arriving pods for `seed`: sorted by name, shuffled, then re-sampled until their GPU
// request reaches `inflate` x `gpu_capacity_milli`. Returns indices into `pods`.
std::vector<size_t> ArrivalOrder(std::span<const OpenbPod> pods, int64_t gpu_capacity_milli,
                                 double inflate, uint64_t seed);

// Runs one (cluster, pod list, policy, seed) experiment. InvalidArgument when the node list does
// not make a cluster, the pod list is empty or asks for no GPU, or inflate is not in (0, 10].
[[nodiscard]] Result<PackingRunResult> RunPackingExperiment(
    std::span<const plan::packing::PackNodeSpec> nodes, std::span<const OpenbPod> pods,
    const PackingExperimentOptions& options);

}  // namespace gpupack::sim
