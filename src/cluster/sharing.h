// SharingConfig: how one physical GPU is shared, and the capacity the NVIDIA device plugin then
// advertises for it (DESIGN.md section 4, NVIDIA-NOTES sections 1-2):
//
//   mode            slots on the GPU                    advertised (strategy single / mixed)
//   kWhole          1                                   nvidia.com/gpu: 1
//   kTimeSlicing    replicas                            nvidia.com/gpu: replicas
//   kMig            one per instance of the geometry    single: nvidia.com/gpu: instances
//                                                       mixed:  nvidia.com/mig-<p>: count of p
//   kMigTimeSlicing replicas per instance               the same, times replicas
//
// With rename_by_default the time-sliced names get ".shared" (nvidia.com/gpu.shared,
// nvidia.com/mig-1g.5gb.shared). Single strategy needs every instance to be the same profile
// (the plugin refuses otherwise); Validate says so.
//
// Thread safety: values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cluster/resources.h"
#include "cluster/scheduling.h"
#include "common/error.h"
#include "gpu/device_plugin_config.h"
#include "gpu/geometry.h"
#include "gpu/gpu_model.h"

namespace gpupack::cluster {

enum class SharingMode { kWhole, kTimeSlicing, kMig, kMigTimeSlicing };

// The device plugin's flags.migStrategy, shared with the interop codecs (gpu::MigStrategyName,
// gpu::ParseMigStrategy).
using MigStrategy = gpu::MigStrategy;

// "whole", "timeSlicing", "mig", "migTimeSlicing".
std::string_view SharingModeName(SharingMode mode);

// Time-slicing replicas the device plugin accepts: 2..48 (48 is Cast AI's and GKE's ceiling).
inline constexpr int32_t kMinReplicas = 2;
inline constexpr int32_t kMaxReplicas = 48;

struct SharingConfig {
  SharingMode mode = SharingMode::kWhole;
  // Replicas per GPU (kTimeSlicing) or per MIG instance (kMigTimeSlicing); 1 otherwise.
  int32_t replicas = 1;
  // kMig / kMigTimeSlicing: the instances, as profile indices of the GPU's model.
  gpu::MigGeometry geometry;
  MigStrategy mig_strategy = MigStrategy::kNone;
  bool rename_by_default = false;

  bool IsMig() const { return mode == SharingMode::kMig || mode == SharingMode::kMigTimeSlicing; }

  bool IsTimeSliced() const {
    return mode == SharingMode::kTimeSlicing || mode == SharingMode::kMigTimeSlicing;
  }

  // MIG instances (0 when not MIG).
  int32_t InstanceCount() const;

  // Schedulable slots on the GPU: 1, replicas, instances, or instances x replicas.
  int32_t SlotCount() const;

  // "whole", "ts-4", "mig 3g.20gb+2g.10gb+1g.5gb+1g.5gb (mixed)", "mig 7x1g.5gb ts-4 (single)".
  std::string Describe(const gpu::GpuModel& model) const;

  bool operator==(const SharingConfig&) const = default;
};

// Checks the config against its GPU model: replicas in 2..48 exactly when time-sliced (else 1),
// a MIG mode only on a MIG-capable model with a non-empty geometry that fits it, a MIG strategy
// exactly when MIG, one profile only under the single strategy. InvalidArgument naming the
// problem.
[[nodiscard]] Status ValidateSharing(const SharingConfig& sharing, const gpu::GpuModel& model,
                                     const gpu::MigGeometryEngine& engine);

// The extended resource one device of the GPU advertises: the GPU itself when not MIG
// (`instance` ignored), else MIG placement `instance` of the geometry.
std::string DeviceResourceName(const SharingConfig& sharing, const gpu::GpuModel& model,
                               int instance);

// The extended resources the device plugin advertises for one GPU with this config
// (gpu::ComputeAdvertised's rules; quantities above zero only).
Resources AdvertisedCapacity(const SharingConfig& sharing, const gpu::GpuModel& model);

// The labels gpupack itself puts on a node whose GPUs use `sharing` (DESIGN.md section 4):
// nvidia.com/gpu.mig-partition-<profile>: "true" for each profile of a MIG geometry (what the
// seed's selector form looks for). Empty when not MIG. GFD's own labels are not included.
Labels PartitionLabels(const SharingConfig& sharing, const gpu::GpuModel& model);

// The taints a node with `sharing` carries: nvidia.com/gpu.mig=true:NoSchedule when MIG (so only
// pods that ask for a partition land there). gpupack.io/sharing-pending is the controller's
// business, not part of the steady state.
std::vector<Taint> SharingTaints(const SharingConfig& sharing);

}  // namespace gpupack::cluster
