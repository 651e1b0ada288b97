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

#include <cstdint>
#include <functional>
#include <span>
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
};

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
