// A compact cluster state for fractional-GPU packing: nodes with CPU, memory and per-GPU free
// milli-GPU, and pods that ask for CPU, memory, whole GPUs or a share of one GPU, optionally
// restricted to some GPU models. This is the state the placement policies (placer.h) score;
// it is deliberately small (no names in the hot path, fixed-size GPU arrays) because the
// packing benchmark places ~10k pods on ~1.2k nodes per run and the planner calls it per pod.
//
// Invariants: nodes are kept in the order given (callers sort them by name so that "lowest
// index" means "lowest node name", the tie-break every policy uses); free amounts never go
// below zero (Assign checks Fits first); at most kMaxGpusPerNode GPUs per node and kMaxModels
// distinct GPU models per cluster.
//
// Thread safety: a value type; concurrent reads are safe, writes need external locking.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace gpupack::plan::packing {

inline constexpr int32_t kMilliPerGpu = 1000;
inline constexpr int32_t kMaxGpusPerNode = 16;
inline constexpr int32_t kMaxModels = 32;

struct PackNodeSpec {
  std::string name;
  int64_t cpu_milli = 0;
  int64_t memory_mib = 0;
  int32_t gpu_count = 0;
  std::string model;  // empty for a node without GPUs
};

// A pod's request. `num_gpu` whole GPUs when gpu_milli == 1000; one GPU shared when
// 0 < gpu_milli < 1000 (then num_gpu == 1); CPU-only when num_gpu == 0.
struct PackPod {
  int64_t cpu_milli = 0;
  int64_t memory_mib = 0;
  int32_t num_gpu = 0;
  int32_t gpu_milli = 0;
  // Bit i set: the pod may run on GPU model i of the cluster. All bits set (the default) means
  // any model; zero means no model of this cluster is acceptable.
  uint32_t allowed_models = ~uint32_t{0};

  // GPU request in milli-GPU (num_gpu x gpu_milli).
  int64_t GpuRequestMilli() const { return int64_t{num_gpu} * gpu_milli; }

  bool IsFractional() const { return num_gpu == 1 && gpu_milli < kMilliPerGpu; }

  bool operator==(const PackPod&) const = default;
};

struct PackNode {
  int64_t cpu_milli_capacity = 0;
  int64_t memory_mib_capacity = 0;
  int64_t cpu_milli_free = 0;
  int64_t memory_mib_free = 0;
  int32_t gpu_count = 0;
  int32_t model = -1;  // index into PackCluster::models(); -1 without GPUs
  std::array<int32_t, kMaxGpusPerNode> gpu_free_milli{};
  // GPU-request kind of the GPU pods placed here (GpuKindOf): 0 none yet, -1 mixed kinds.
  int32_t gpu_pod_kind = 0;
  int32_t pod_count = 0;
  // Bumped on every change, so policies can cache per-node values.
  uint64_t version = 0;

  std::span<const int32_t> GpuFree() const {
    return {gpu_free_milli.data(), static_cast<size_t>(gpu_count)};
  }

  int32_t FullyFreeGpus() const;
  int64_t GpuFreeMilli() const;

  bool IsIdle() const { return pod_count == 0; }
};

// Where a pod goes: the node index and the GPUs it uses (empty for CPU-only pods).
struct Placement {
  int32_t node = -1;
  std::vector<int32_t> gpus;
};

// A kind code for "same GPU request" (GPU Clustering): distinct for each (num_gpu, gpu_milli).
int32_t GpuKindOf(const PackPod& pod);

class PackCluster {
 public:
  // InvalidArgument naming the node when a node has more than kMaxGpusPerNode GPUs, negative
  // resources, GPUs without a model, or when there are more than kMaxModels models.
  [[nodiscard]] static Result<PackCluster> Create(std::span<const PackNodeSpec> nodes);

  const std::vector<PackNode>& nodes() const { return nodes_; }

  const std::vector<std::string>& node_names() const { return node_names_; }

  // Distinct GPU models, sorted.
  const std::vector<std::string>& models() const { return models_; }

  // Index of `model` in models(), or nullopt.
  std::optional<int32_t> ModelIndex(std::string_view model) const;

  int64_t gpu_capacity_milli() const { return gpu_capacity_milli_; }

  int64_t gpu_allocated_milli() const { return gpu_allocated_milli_; }

  // GPU capacity of each model (indexed like models()), in milli-GPU.
  const std::vector<int64_t>& model_capacity_milli() const { return model_capacity_milli_; }

  // True when `pod` fits on node `node_index` (CPU, memory, model, GPUs).
  bool Fits(int32_t node_index, const PackPod& pod) const;

  // The GPUs the pod would use on a node where it fits: the tightest GPU that holds a fractional
  // pod (lowest index on ties), the lowest-indexed fully free GPUs for whole-GPU pods.
  std::vector<int32_t> ChooseGpus(int32_t node_index, const PackPod& pod) const;

  // Takes the pod's resources. The placement must come from a node where Fits() holds and name
  // GPUs with room for the pod (GP_CHECK otherwise: a bug in the caller).
  void Assign(const PackPod& pod, const Placement& placement);

 private:
  std::vector<PackNode> nodes_;
  std::vector<std::string> node_names_;
  std::vector<std::string> models_;
  std::vector<int64_t> model_capacity_milli_;
  int64_t gpu_capacity_milli_ = 0;
  int64_t gpu_allocated_milli_ = 0;
};

// Node state after hypothetically placing `pod` on `gpus` (the caller checked Fits).
PackNode NodeAfter(const PackNode& node, const PackPod& pod, std::span<const int32_t> gpus);

}  // namespace gpupack::plan::packing
