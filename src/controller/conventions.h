// The names gpupack's controller writes into a cluster and reads back (DESIGN.md section 4,
// NVIDIA-NOTES.md section 9): the interop contract with NVIDIA's device plugin, GPU feature
// discovery and MIG manager, and with Karpenter. The pod- and node-side names the planner reads
// live in cluster/gpu_demand.h; the startup taint in control/control_loop.h.
#pragma once

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

// The one key of the device-plugin ConfigMap that nodes without a label use.
inline constexpr std::string_view kDefaultDevicePluginConfigKey = "default";

// On a NodeClaim gpupack creates (Karpenter copies it to the Node): the device-plugin config key
// the node is planned for, until the actuator points nvidia.com/device-plugin.config at it.
inline constexpr std::string_view kLabelPlannedSharing = "gpupack.io/planned-sharing";

// Whether `key` is a label/taint/ConfigMap-key name gpupack owns (prefix gpupack.io/).
bool IsGpupackKey(std::string_view key);

}  // namespace gpupack::controller
