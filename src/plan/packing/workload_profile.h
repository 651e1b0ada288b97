// What the packing policies know about the workload to come: its typical pod shapes with their
// frequencies (the "target workload" of FGD, Weng et al. ATC'23) and, per GPU model, how much
// of that model the GPU-model-restricted pods will need relative to its capacity.
//
// Node fragmentation (FGD): for each typical pod shape, the node's idle GPU capacity that such a
// pod could not use counts as fragment. All idle GPU counts when the pod cannot run on the node
// at all (not enough free CPU, or too few fully free GPUs for a whole-GPU pod), and also for a
// CPU-only pod; otherwise the idle capacity of the GPUs too small for it. Node fragmentation is
// the frequency-weighted sum, in milli-GPU. Memory and GPU models are not part of the measure,
// as in the paper.
//
// Thread safety: values and pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "plan/packing/pack_cluster.h"

namespace gpupack::plan::packing {

struct TypicalPod {
  int64_t cpu_milli = 0;
  int32_t num_gpu = 0;
  int32_t gpu_milli = 0;
  double frequency = 0;  // share of all pods of the workload with this shape
};

struct WorkloadProfile {
  // Most frequent shapes first, covering at least the requested share of pods.
  std::vector<TypicalPod> typical_pods;
  // Per model of the cluster (indexed like PackCluster::models()): GPU demand of the pods that
  // are restricted to some models, split evenly over the models they allow, divided by the
  // model's capacity. Zero for models no restricted pod asks for.
  std::vector<double> model_pressure;
};

// Builds the profile of `pods` (the workload known in advance) for `cluster`. Shapes are
// (cpu_milli, num_gpu, gpu_milli); the most frequent are kept until they cover `coverage` of the
// pods (ties broken by the smaller shape, so the result is deterministic).
WorkloadProfile BuildWorkloadProfile(const PackCluster& cluster, std::span<const PackPod> pods,
                                     double coverage = 0.95);

// The same for a cluster described only by the GPU capacity of each model (indexed like the
// pods' allowed_models bits), in milli-GPU: what the planner has, which holds no PackCluster.
WorkloadProfile BuildWorkloadProfile(std::span<const int64_t> model_capacity_milli,
                                     std::span<const PackPod> pods, double coverage = 0.95);

// FGD's fragmentation of `node` for `profile`, in milli-GPU (see the header comment).
double NodeFragmentationMilli(const WorkloadProfile& profile, const PackNode& node);

// Cluster fragmentation: the sum over nodes, in milli-GPU.
double ClusterFragmentationMilli(const WorkloadProfile& profile, const PackCluster& cluster);

}  // namespace gpupack::plan::packing
