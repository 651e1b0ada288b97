// Hand-built nodes and pods for the planner's tests and benchmarks. Pods are written the way a
// user writes them (requests, tolerations, selectors, annotations) and recognised with
// cluster::RecognizeGpuDemand, so the planner sees what it sees from real YAML.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cluster/node.h"
#include "cluster/pod.h"
#include "cluster/sharing.h"
#include "gpu/gpu_catalog.h"

namespace gpupack::plan::testing {

// The gpu layer's hand-built models (A100-SXM4-40GB, H100, A30, RTX PRO 6000, T4).
gpu::GpuCatalog CatalogForTest();

// `count` instances of `profile` on `model` (GP_CHECK that they fit).
cluster::SharingConfig MigSharing(const gpu::GpuCatalog& catalog, const std::string& model,
                                  const std::vector<std::string>& profiles,
                                  cluster::MigStrategy strategy, int32_t replicas = 1);

cluster::SharingConfig TimeSliced(int32_t replicas);

// A ready node with `gpus` GPUs of `model`, each shared as `sharing`, allocatable 96 CPUs,
// 1Ti memory, 110 pods plus what the device plugin advertises, gpupack's labels and taints
// for the sharing, in template `template_name`, at `price` per hour.
cluster::Node GpuNodeForTest(const std::string& name, const gpu::GpuCatalog& catalog,
                             const std::string& model, int gpus,
                             const cluster::SharingConfig& sharing,
                             const std::string& template_name = "t", double price = 10);

// The seed's form: toleration nvidia.com/gpu.mig + nodeSelector mig-partition-<profile> +
// nvidia.com/gpu: 1.
cluster::Pod SeedMigPod(const std::string& name, const std::string& profile);

// nvidia.com/mig-<profile>: 1 (mixed strategy), tolerating the MIG taint.
cluster::Pod MixedMigPod(const std::string& name, const std::string& profile);

// nvidia.com/gpu: `count`, optionally with gpupack.io/gpu-memory and pinned to time-slicing
// (nodeSelector nvidia.com/gpu.sharing-strategy=time-slicing) so it is a replica.
cluster::Pod GpuPod(const std::string& name, int64_t count = 1, const std::string& memory = "",
                    bool time_sliced = false);

// A pod without GPU demand.
cluster::Pod CpuPod(const std::string& name, int64_t milli_cpu);

}  // namespace gpupack::plan::testing
