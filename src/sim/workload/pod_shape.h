// PodShape: the few numbers every workload input gives for a pod (CPU, memory, and a GPU
// demand as a whole count, a fraction or a MIG profile), turned into a cluster::Pod that
// describes what the pod really needs. The pod asks the way a user would on a plain cluster
// (nvidia.com/gpu: k; nvidia.com/gpu.shared: 1 for a fraction; nvidia.com/mig-<p>: 1 with a
// toleration of gpupack's MIG taint); cluster::RecognizeGpuDemand reads its GpuDemand, so the
// demand is exactly what a manifest with the same requests would give. The simulator's
// strategies then rewrite how it asks.
//
// Thread safety: values and pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "cluster/pod.h"
#include "common/error.h"

namespace gpupack::sim {

struct PodShape {
  int64_t milli_cpu = 0;
  int64_t memory_bytes = 0;
  int64_t gpus = 0;              // whole GPUs
  int64_t milli_gpu = 0;         // a fraction of one GPU, 1..999 (exclusive with gpus and MIG)
  std::string mig_profile;       // one MIG instance of this profile ("1g.5gb")
  int64_t gpu_memory_bytes = 0;  // per device; 0: not stated
  std::string node_template;     // pins gpupack.io/node-template when set
};

// InvalidArgument when the shape mixes GPU forms or the fraction is out of range.
[[nodiscard]] Result<cluster::Pod> BuildPod(const std::string& name,
                                            const std::string& namespace_name,
                                            const PodShape& shape);

}  // namespace gpupack::sim
