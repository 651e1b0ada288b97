// The mig-parted config file (NVIDIA/mig-parted api/spec/v1, NVIDIA-NOTES section 4.1) as values,
// and the rules mig-parted applies to it that need no GPU catalog.
//
//   version: v1
//   mig-configs:
//     <name>:                                  # what `nvidia.com/mig.config=<name>` selects
//       - device-filter: ["0x20B010DE"]        # optional; PCI ids 0x<device><vendor>[:0x<sub>]
//         devices: all                         # or a list of GPU indices
//         mig-enabled: true
//         mig-devices: {"1g.5gb": 7}           # profile -> count
//
// mig-parted reads its configs into Go maps, so neither config nor profile order carries meaning;
// these values keep both sorted, which makes rendering deterministic. Profile names are those of
// gpu_model.h (ParseMigProfileName checks them when reading).
//
// Thread safety: values and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "gpu/config_issue.h"

namespace gpupack::gpu {

// A PCI id as mig-parted's device-filter writes it: `0x<device><vendor>` (e.g. `0x20B010DE`,
// A100-SXM4-40GB), optionally followed by `:0x<subdevice><subvendor>`.
struct PciDeviceId {
  uint16_t device = 0;
  uint16_t vendor = 0;
  std::optional<uint16_t> subsystem_device;
  std::optional<uint16_t> subsystem_vendor;

  // Parses `0x` + 8 hex digits, optionally `:0x` + 8 hex digits (either case).
  [[nodiscard]] static Result<PciDeviceId> Parse(std::string_view text);

  // `0x20B010DE` (upper-case hex, as in NVIDIA's shipped files).
  std::string ToString() const;

  // Whether a GPU with these ids is selected by this filter id; a filter without subsystem ids
  // matches every subsystem.
  bool Matches(uint16_t gpu_device, uint16_t gpu_vendor) const {
    return device == gpu_device && vendor == gpu_vendor;
  }

  auto operator<=>(const PciDeviceId&) const = default;
};

inline constexpr uint16_t kNvidiaPciVendor = 0x10DE;

// `devices:` — every GPU, or the listed GPU indices.
struct MigDeviceSelector {
  bool all = true;
  std::vector<int> indices;  // when !all, the GPU indices in file order

  bool operator==(const MigDeviceSelector&) const = default;
};

// One entry of a named config: which GPUs it applies to and what they become.
struct MigConfigEntry {
  std::vector<PciDeviceId> device_filter;  // empty = every GPU model
  MigDeviceSelector devices;
  bool mig_enabled = false;
  // Profile name as written (checked by gpu::ParseMigProfileName) -> instance count.
  std::map<std::string, int> mig_devices;

  bool operator==(const MigConfigEntry&) const = default;
};

struct MigPartedSpec {
  std::string version = "v1";
  std::map<std::string, std::vector<MigConfigEntry>> mig_configs;

  bool operator==(const MigPartedSpec&) const = default;
};

inline constexpr std::string_view kMigPartedVersion = "v1";

// The catalog-free rules of mig-parted (version v1, at least one entry per config, mig-devices
// empty when MIG is disabled, counts >= 0 and not all zero, at least one config). Paths look like
// `mig-configs.<name>[<entry>].mig-devices.<profile>`.
std::vector<ConfigIssue> CheckMigPartedSpec(const MigPartedSpec& spec);

// Path helpers shared by the checks and the parser's source map.
std::string MigConfigPath(std::string_view config_name);
std::string MigEntryPath(std::string_view config_name, size_t entry_index);

// A config name following NVIDIA's conventions: `all-<profile>` with `+` written as `.`
// (`all-1g.5gb.me`) when `fills_gpu_with_one_profile` (one profile at its maximum count, as in
// the shipped files); otherwise `<count>x<profile>` joined by `_` in the given order (largest
// first by convention: `1x3g.20gb_1x2g.10gb_2x1g.5gb`). Names stay valid Kubernetes label values
// (<= 63 characters of [A-Za-z0-9._-]) because `nvidia.com/mig.config` carries them: a longer
// name becomes `geometry-<16 hex digits>` of a stable hash.
std::string MigConfigNameForGeometry(
    const std::vector<std::pair<std::string, int>>& profiles_largest_first,
    bool fills_gpu_with_one_profile);

}  // namespace gpupack::gpu
