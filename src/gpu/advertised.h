// What a node will advertise before it exists: the extended resources the NVIDIA device plugin
// registers and the labels gpu-feature-discovery writes, computed from the GPU model, the GPU
// count, the per-GPU MIG geometry and the device-plugin config (NVIDIA-NOTES sections 2 and 3.1).
//
// Capacity rules (the plugin):
//   - migStrategy none: every GPU is one `nvidia.com/gpu`, MIG or not.
//   - single: MIG devices are `nvidia.com/gpu`; every GPU must be MIG-enabled with at least one
//     device and all devices identical, else the node is invalid (`-MIG-INVALID`, no capacity).
//     MIG-disabled GPUs stay whole `nvidia.com/gpu`.
//   - mixed: MIG-disabled GPUs are `nvidia.com/gpu`; each MIG device is `nvidia.com/mig-<profile>`
//     (`+` written as `.`); compute-instance sub-profiles match no resource and fail the plugin.
//   - sharing: a replicated resource yields replicas x devices under its name, or under
//     `<name>.shared` with renameByDefault (then the plain name is advertised with 0).
//
// Labels are the model- and config-derived ones GFD writes (product with `-MIG-<profile>` and
// `-SHARED`, count, replicas, memory, sharing-strategy, family, compute capability, mode,
// mig.capable, mig.strategy, mps.capable and the per-MIG-resource family). Runtime-only labels
// (driver and CUDA versions, gfd.timestamp, gpu.machine) and those the catalog has no data for
// (multiprocessors, engines.*) are not produced; memory labels only where the catalog's figure is
// what NVML reports (memory_exact).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/error.h"
#include "gpu/device_plugin_config.h"
#include "gpu/gpu_model.h"

namespace gpupack::gpu {

// The GPUs of one node: all of one model, all partitioned alike.
struct NodeGpuLayout {
  int gpu_count = 0;
  bool mig_enabled = false;
  std::vector<std::string> mig_geometry;  // profile names of one GPU's instances (may repeat)
};

struct AdvertisedNode {
  std::map<std::string, int64_t> capacity;    // extended resource -> quantity
  std::map<std::string, std::string> labels;  // GFD label -> value
  // Why the plugin would refuse or misadvertise this setup (single strategy with mixed
  // devices, compute-instance profiles in mixed); empty when all is well.
  std::vector<std::string> problems;
};

// Computes capacity and labels. InvalidArgument when the layout is impossible for the model
// (unknown profile with nearest names, MIG on a model that is not MIG-capable, negative count).
// Problems the real plugin would run into are reported in `problems`, not as errors, so that a
// caller can show what the node would look like (`-MIG-INVALID`).
[[nodiscard]] Result<AdvertisedNode> ComputeAdvertised(const GpuModel& model,
                                                       const NodeGpuLayout& layout,
                                                       const DevicePluginConfig& config);

// A device-plugin config that time-slices `resources` (full names) `replicas` ways; no sharing
// section when replicas < 2 or no resources are given.
DevicePluginConfig MakeTimeSlicingConfig(MigStrategy strategy, int replicas,
                                         const std::vector<std::string>& resources,
                                         bool rename_by_default);

}  // namespace gpupack::gpu
