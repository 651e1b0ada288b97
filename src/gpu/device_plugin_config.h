// The NVIDIA device plugin / GFD config file (k8s-device-plugin api/config/v1, NVIDIA-NOTES
// section 1) as values, and the plugin's own rules for it.
//
//   version: v1
//   flags: {migStrategy: mixed}
//   sharing:
//     timeSlicing:                     # or mps: (never both)
//       renameByDefault: false
//       failRequestsGreaterThanOne: false
//       resources:
//       - name: nvidia.com/mig-1g.5gb  # `nvidia.com/` is prepended when missing
//         replicas: 2                  # >= 2
//
// Only what gpupack reasons about is modelled field by field; other `flags` keys are kept as
// opaque YAML flow text so a parsed file renders back with them.
//
// Thread safety: values and pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "gpu/config_issue.h"

namespace gpupack::gpu {

enum class MigStrategy { kNone, kSingle, kMixed };

// "none|single|mixed"; InvalidArgument naming the accepted values otherwise.
[[nodiscard]] Result<MigStrategy> ParseMigStrategy(std::string_view text);
std::string_view MigStrategyName(MigStrategy strategy);

// `devices:` of a replicated resource: "all", a positive count, or a list of GPU/MIG indices or
// UUIDs. The plugin ignores everything but "all" (DisableResourceNamingInConfig).
struct ReplicatedDevices {
  enum class Kind { kAll, kCount, kList };
  Kind kind = Kind::kAll;
  int count = 0;                  // when kCount
  std::vector<std::string> list;  // when kList, as written ("0", "0:1", "GPU-<uuid>")

  bool operator==(const ReplicatedDevices&) const = default;
};

struct ReplicatedResource {
  std::string name;    // full name, `nvidia.com/gpu` or `nvidia.com/mig-<profile>`
  std::string rename;  // as written (full name); empty when absent
  ReplicatedDevices devices;
  int replicas = 0;

  bool operator==(const ReplicatedResource&) const = default;
};

struct ReplicatedResources {
  bool rename_by_default = false;
  std::optional<bool> fail_requests_greater_than_one;
  std::vector<ReplicatedResource> resources;

  bool operator==(const ReplicatedResources&) const = default;
};

struct DevicePluginConfig {
  std::string version = "v1";
  std::optional<MigStrategy> mig_strategy;  // absent = the plugin's default (none) or its flag
  std::optional<std::string> mps_root;
  // Other `flags` keys (failOnInitError, plugin, gfd, ...) as YAML flow text, by key.
  std::map<std::string, std::string> other_flags;
  // Other top-level sections the plugin honours (`imex`), as YAML flow text, by key.
  std::map<std::string, std::string> other_sections;
  std::optional<ReplicatedResources> time_slicing;
  std::optional<ReplicatedResources> mps;

  bool operator==(const DevicePluginConfig&) const = default;
};

inline constexpr std::string_view kDevicePluginVersion = "v1";
inline constexpr std::string_view kNvidiaResourcePrefix = "nvidia.com/";
inline constexpr std::string_view kSharedSuffix = ".shared";

// The resource name the plugin uses: `nvidia.com/` prepended when the name has no prefix.
std::string QualifyResourceName(std::string_view name);

// The name the plugin advertises the resource's replicas under: `<name>.shared` when
// `rename_by_default`, else the name itself (custom renames are ignored by the plugin).
std::string AdvertisedResourceName(const ReplicatedResource& resource, bool rename_by_default);

// What the plugin calls the active strategy: "mps", "time-slicing" or "none"
// (config SharingStrategy(): MPS wins when it has a resource with replicas > 1).
std::string_view SharingStrategyName(const DevicePluginConfig& config);

// The effective migStrategy (flags.migStrategy or the plugin's default, none).
MigStrategy EffectiveMigStrategy(const DevicePluginConfig& config);

// The plugin's rules (NVIDIA-NOTES 1.3): version v1, resources present and non-empty, replicas
// >= 2, valid names (<= 63 characters), time-slicing and MPS mutually exclusive, MPS not with
// MIG resources or migStrategy mixed; warnings for fields the plugin ignores (`rename` other
// than `.shared`, `devices` other than all) and for MIG resources no strategy advertises. Paths
// look like `sharing.timeSlicing.resources[0].replicas`.
std::vector<ConfigIssue> CheckDevicePluginConfig(const DevicePluginConfig& config);

// The ConfigMap key naming a sharing variant (DESIGN.md section 4): `ts-<replicas>`,
// `mig-<strategy>`, `mig-<strategy>-ts-<replicas>`, or `no-sharing` for none without replicas.
std::string DevicePluginConfigKey(MigStrategy strategy, int replicas);

// Path of a sharing section: "sharing.timeSlicing" or "sharing.mps".
std::string SharingSectionPath(bool mps);

}  // namespace gpupack::gpu
