// NodeSharing: what gpupack writes so that a node's GPUs are shared as planned (DESIGN.md section
// 4, conventions in controller/conventions.h): the device-plugin config key and file, the
// mig-parted config name and entries, and the labels and taints pointing at them.
//
// Key names are stable functions of the sharing config, so two nodes with the same plan share one
// ConfigMap key and a restarted controller writes the same keys again:
//
//   whole GPUs                         no-sharing
//   time-slicing, 4 replicas           ts-4            (ts-4-rename with renameByDefault)
//   MIG single / mixed                 mig-single / mig-mixed
//   MIG single + time-slicing          mig-single-ts-4
//   MIG mixed + time-slicing           mig-mixed-ts-4-1g.5gb_2g.10gb (the time-sliced resources)
//
// The mig-parted config is the geometry's NVIDIA name (`all-1g.5gb`, `1x3g.20gb_2x1g.10gb`) when
// every GPU of the node has the same geometry; otherwise `gpupack-<16 hex>` with one entry per
// GPU index. Its entries carry the model's PCI ids as device-filter.
//
// Thread safety: values and pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/resources.h"
#include "cluster/scheduling.h"
#include "common/error.h"
#include "gpu/device_plugin_config.h"
#include "gpu/gpu_catalog.h"
#include "gpu/mig_parted_spec.h"
#include "plan/plan.h"

namespace gpupack::controller {

struct NodeSharing {
  std::string device_plugin_key;
  gpu::DevicePluginConfig device_plugin_config;
  // Empty when no GPU of the node is in MIG mode (mig.config is then left to the operator).
  std::string mig_config;
  std::vector<gpu::MigConfigEntry> mig_entries;
  // nvidia.com/device-plugin.config, gpupack.io/planned-sharing, nvidia.com/mig.config (MIG)
  // and nvidia.com/gpu.mig-partition-<p>=true for each profile of the geometries.
  cluster::Labels labels;
  // nvidia.com/gpu.mig=true:NoSchedule when MIG.
  std::vector<cluster::Taint> taints;
  // What the device plugin advertises once the config is applied (allocatable nvidia.com/*).
  cluster::Resources advertised;
};

// The writes for a node whose GPUs are planned as `gpus` (one per GPU index, all one model).
// InvalidArgument when the GPUs cannot share one node-wide device-plugin config (different
// replicas, strategies or renameByDefault), when models differ or are unknown, or when a MIG
// model has no PCI id for mig-parted's device-filter.
[[nodiscard]] Result<NodeSharing> PlanNodeSharing(const std::vector<plan::GpuPlan>& gpus,
                                                  const gpu::GpuCatalog& catalog);

// NVIDIA's `all-disabled` config: MIG off on every GPU of any model (the GPU Operator's default
// for nodes without nvidia.com/mig.config, so gpupack's mig-parted ConfigMap always has it).
inline constexpr std::string_view kMigConfigAllDisabled = "all-disabled";
gpu::MigConfigEntry AllDisabledMigEntry();

// Adds `ours` to the entries of one mig-parted config, replacing an entry for the same GPUs
// (device-filter and devices) and keeping entries for other models. True when `have` changed.
bool MergeMigEntries(std::vector<gpu::MigConfigEntry>& have,
                     const std::vector<gpu::MigConfigEntry>& ours);

// The inverse, for a node found in the cluster: the GPU plans that the device-plugin `config`
// and the mig-parted config `mig_entries` (empty: MIG not configured) give `gpu_count` GPUs of
// `model` (entries whose device-filter names another model are skipped). InvalidArgument when an
// entry's geometry does not fit the model or no entry covers some GPU.
[[nodiscard]] Result<std::vector<plan::GpuPlan>> GpuPlansFromConfigs(
    const gpu::GpuModel& model, const gpu::MigGeometryEngine& engine, int gpu_count,
    const gpu::DevicePluginConfig& config, const std::vector<gpu::MigConfigEntry>& mig_entries);

}  // namespace gpupack::controller
