// The names gpupack's controller writes into a cluster and reads back (DESIGN.md section 4,
// NVIDIA-NOTES.md section 9): the interop contract with NVIDIA's device plugin, GPU feature
// discovery and MIG manager, and with Karpenter. The pod- and node-side names the planner reads
// live in cluster/gpu_demand.h; the startup taint in control/control_loop.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gpupack::controller {

// Written by gpupack on a node: the device-plugin config key (a key of the device-plugin
// ConfigMap) and the mig-parted config name (a key of mig-parted's `mig-configs`).
inline constexpr std::string_view kLabelMigConfig = "nvidia.com/mig.config";
// Written by the MIG manager: pending|rebooting|success|failed.
inline constexpr std::string_view kLabelMigConfigState = "nvidia.com/mig.config.state";
// Karpenter's label on a node that a NodeClaim created.
inline constexpr std::string_view kLabelKarpenterNodeClaim = "karpenter.sh/nodeclaim";
// The API group of gpupack's own resources and the field manager of its writes.
inline constexpr std::string_view kFieldManager = "gpupack";

// Defaults for the ConfigMaps gpupack keeps; the device-plugin one must match the GPU Operator's
// `devicePlugin.config.name` (and the MIG one its `migManager.config.name`).
inline constexpr std::string_view kDefaultNamespace = "gpupack-system";
inline constexpr std::string_view kDefaultDevicePluginConfigMap = "gpupack-device-plugin-config";
inline constexpr std::string_view kDefaultMigPartedConfigMap = "gpupack-mig-parted-config";

// On NodeClaims (copied to the Node by Karpenter) and nodes gpupack reconfigures: the
// device-plugin config key gpupack planned for the node; ReconcileNode makes the node match it.
inline constexpr std::string_view kLabelPlannedSharing = "gpupack.io/planned-sharing";
// Where the NVIDIA GPU Operator runs: its device plugin and MIG manager read their ConfigMaps
// (devicePlugin.config.name, migManager.config.name) from their own namespace, so gpupack's
// sharing ConfigMaps live there.
inline constexpr std::string_view kDefaultGpuOperatorNamespace = "gpu-operator";
// The value of source.component / reportingComponent on gpupack's Events.
inline constexpr std::string_view kEventComponent = "gpupack";

// FNV-1a, 64 bits: the hash behind names that must be the same in every build and run
// (NodeClaim names, ConfigMap keys too long for a label value).
uint64_t StableHash(std::string_view text);
// `value` as 16 lower-case hex digits.
std::string Hex16(uint64_t value);

// Pods with spec.schedulerName == kSchedulerName are placed and bound by gpupack itself
// (scheduler.h); kube-scheduler leaves them alone.
inline constexpr std::string_view kSchedulerName = "gpupack";
// Informational, on pods gpupack binds: the devices the placement chose, "<gpu>[.<instance>]
// [x<slots>]" joined by ','. The NVIDIA device plugin picks the devices itself; this records
// gpupack's accounting for humans and tools (scheduler.h).
inline constexpr std::string_view kAnnotationDevices = "gpupack.io/devices";

}  // namespace gpupack::controller
