// Reads and writes NVIDIA device-plugin / GFD config files (gpu/device_plugin_config.h).
//
// Reading follows the plugin (sigs.k8s.io/yaml into Go structs): a missing `version` means v1,
// unknown keys are ignored by the plugin (reported here as warnings, since they are usually
// typos), resource names without a prefix get `nvidia.com/`. Type errors (replicas "four") fail
// as they do in the plugin. The value rules (replicas >= 2, TS/MPS exclusive, ...) are
// gpu::CheckDevicePluginConfig's; locate them with `where`.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "catalog/source_map.h"
#include "common/error.h"
#include "gpu/config_issue.h"
#include "gpu/device_plugin_config.h"

namespace gpupack::catalog {

struct ParsedDevicePluginConfig {
  gpu::DevicePluginConfig config;
  SourceMap where;
  std::vector<gpu::ConfigIssue> warnings;  // unknown keys the plugin would ignore
};

// Parses one config file (`first_line`: where `text` starts in its file). InvalidArgument
// `source:line: path: message` on YAML or type errors.
[[nodiscard]] Result<ParsedDevicePluginConfig> ParseDevicePluginConfig(std::string_view text,
                                                                       std::string_view source,
                                                                       int first_line = 1);

// The config file text, in the layout of NVIDIA's documentation examples.
std::string RenderDevicePluginConfig(const gpu::DevicePluginConfig& config);

}  // namespace gpupack::catalog
