// GpuDemand: what one pod asks of GPUs, as a size class the planner packs, recognised from every
// form DESIGN.md section 1.3 allows:
//
//   form                                   kind         count  notes
//   nvidia.com/gpu: k                      kWholeGpu    k      or kSharedGpu when the pod selects a
//                                                              time-sliced node (see below)
//   seed MIG form (toleration nvidia.com/  kMigProfile  k      single strategy: the plugin folds
//     gpu.mig + nodeSelector nvidia.com/                      MIG instances into nvidia.com/gpu
//     gpu.mig-partition-<p>: "true" +
//     nvidia.com/gpu: k)
//   nvidia.com/mig-<p>: k                  kMigProfile  k      mixed strategy
//   nvidia.com/mig-<p>.shared: k           kMigProfile  k      time_sliced (renameByDefault)
//   nvidia.com/gpu.shared: k               kSharedGpu   k      time-slicing with renameByDefault
//   annotation gpupack.io/gpu-memory: q    (any)               gpu_memory_bytes, per device
//
// A pod "selects a time-sliced node" when its nodeSelector (or every required node-affinity term)
// pins nvidia.com/gpu.sharing-strategy=time-slicing, nvidia.com/gpu.replicas > 1, a
// nvidia.com/gpu.product ending in -SHARED, or a nvidia.com/device-plugin.config key naming a
// time-slicing variant ("ts-4", "mig-single-ts-4"). Pods that reach a time-sliced template only
// through gpupack.io/node-template are refined later with RefineForTemplate (node_template.h).
//
// MIG profiles are kept as NVIDIA names them ("1g.5gb", "1g.5gb+me"); resource names write '+'
// as '.' (gpu::MigResourceName / gpu::ProfileNameFromResource convert).
//
// Thread safety: values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gpupack::cluster {

inline constexpr std::string_view kResourceGpu = "nvidia.com/gpu";
inline constexpr std::string_view kResourceGpuShared = "nvidia.com/gpu.shared";
inline constexpr std::string_view kResourceMigPrefix = "nvidia.com/mig-";
inline constexpr std::string_view kSharedSuffix = ".shared";
inline constexpr std::string_view kLabelMigPartitionPrefix = "nvidia.com/gpu.mig-partition-";
inline constexpr std::string_view kTaintMig = "nvidia.com/gpu.mig";
inline constexpr std::string_view kAnnotationGpuMemory = "gpupack.io/gpu-memory";
inline constexpr std::string_view kLabelNodeTemplate = "gpupack.io/node-template";
inline constexpr std::string_view kLabelSharingStrategy = "nvidia.com/gpu.sharing-strategy";
inline constexpr std::string_view kLabelGpuReplicas = "nvidia.com/gpu.replicas";
inline constexpr std::string_view kLabelGpuProduct = "nvidia.com/gpu.product";
inline constexpr std::string_view kLabelDevicePluginConfig = "nvidia.com/device-plugin.config";

enum class GpuDemandKind {
  kNone,        // no GPU
  kWholeGpu,    // `count` whole, unshared GPUs
  kMigProfile,  // `count` MIG instances of `mig_profile` (each a time-sliced replica if
                // time_sliced)
  kSharedGpu,   // `count` replicas of time-sliced GPUs
};

// How the pod wrote its request (for reasons and for writing Kubernetes objects back).
enum class GpuRequestForm {
  kNone,
  kGpuResource,     // nvidia.com/gpu
  kMigSelector,     // the seed form: nodeSelector nvidia.com/gpu.mig-partition-<p> + nvidia.com/gpu
  kMigResource,     // nvidia.com/mig-<p>[.shared]
  kSharedResource,  // nvidia.com/gpu.shared
};

std::string_view GpuDemandKindName(GpuDemandKind kind);
std::string_view GpuRequestFormName(GpuRequestForm form);

struct GpuDemand {
  GpuDemandKind kind = GpuDemandKind::kNone;
  GpuRequestForm form = GpuRequestForm::kNone;
  int64_t count = 0;
  std::string mig_profile;  // kMigProfile only, e.g. "1g.5gb"
  // kMigProfile: the pod takes a time-sliced replica of an instance (a .shared resource or a
  // time-slicing selector). kSharedGpu is always a replica.
  bool time_sliced = false;
  // GPU memory needed on each device (GPU, MIG instance or replica); 0 when not stated.
  int64_t gpu_memory_bytes = 0;
  // kSharedGpu: the compute share one replica must give, in thousandths of a GPU (a trace's
  // gpu_milli); 0 when any replica will do. A slot of a GPU with N replicas gives 1000 / N.
  int64_t milli_gpu = 0;
  // The extended resource the pod consumes, with `count` units of it ("nvidia.com/mig-1g.5gb").
  std::string resource_name;

  bool IsGpu() const { return kind != GpuDemandKind::kNone; }

  // "2x whole GPU", "1x MIG 1g.5gb", "1x time-sliced GPU replica, 8Gi" — for reasons and tables.
  std::string ToString() const;

  bool operator==(const GpuDemand&) const = default;
};

// True when `resource` is one the NVIDIA device plugin advertises (nvidia.com/gpu,
// nvidia.com/gpu.shared, nvidia.com/mig-*).
bool IsGpuResource(std::string_view resource);

// True when a device-plugin config key names a time-slicing variant ("ts-4", "mig-mixed-ts-2").
bool IsTimeSlicingConfigKey(std::string_view key);

}  // namespace gpupack::cluster
