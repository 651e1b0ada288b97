#include "gpu/mig_parted_spec.h"

#include <charconv>
#include <cstdio>

#include "gpu/gpu_model.h"

namespace gpupack::gpu {
namespace {

std::optional<uint32_t> ParseHex32(std::string_view text) {
  if (!(text.starts_with("0x") || text.starts_with("0X")) || text.size() != 10) {
    return std::nullopt;
  }
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data() + 2, text.data() + text.size(), value, 16);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

std::string FormatHex16Pair(uint16_t high, uint16_t low) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "0x%04X%04X", static_cast<unsigned>(high),
                static_cast<unsigned>(low));
  return buffer;
}

// FNV-1a, 64 bit: stable across platforms and runs, unlike std::hash.
uint64_t StableHash(std::string_view text) {
  uint64_t hash = 14695981039346656037ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

constexpr size_t kMaxLabelValueLength = 63;

// "1g.5gb+me" -> "1g.5gb.me": the profile as it appears in resource and config names.
std::string ResourceSuffix(std::string_view profile) {
  constexpr std::string_view kPrefix = "nvidia.com/mig-";
  return MigResourceName(profile).substr(kPrefix.size());
}

}  // namespace

Result<PciDeviceId> PciDeviceId::Parse(std::string_view text) {
  auto invalid = [&]() {
    return InvalidArgumentError("invalid PCI device id \"" + std::string(text) +
                                "\" (expected 0x<device><vendor>[:0x<subdevice><subvendor>], e.g. "
                                "0x20B010DE)");
  };
  std::string_view main = text;
  std::string_view subsystem;
  if (size_t colon = text.find(':'); colon != std::string_view::npos) {
    main = text.substr(0, colon);
    subsystem = text.substr(colon + 1);
  }
  std::optional<uint32_t> ids = ParseHex32(main);
  if (!ids) {
    return invalid();
  }
  PciDeviceId id;
  id.device = static_cast<uint16_t>(*ids >> 16);
  id.vendor = static_cast<uint16_t>(*ids & 0xFFFFU);
  if (text.find(':') != std::string_view::npos) {
    std::optional<uint32_t> sub_ids = ParseHex32(subsystem);
    if (!sub_ids) {
      return invalid();
    }
    id.subsystem_device = static_cast<uint16_t>(*sub_ids >> 16);
    id.subsystem_vendor = static_cast<uint16_t>(*sub_ids & 0xFFFFU);
  }
  return id;
}

std::string PciDeviceId::ToString() const {
  std::string text = FormatHex16Pair(device, vendor);
  if (subsystem_device && subsystem_vendor) {
    text += ":" + FormatHex16Pair(*subsystem_device, *subsystem_vendor);
  }
  return text;
}

std::string MigConfigPath(std::string_view config_name) {
  return "mig-configs." + std::string(config_name);
}

std::string MigEntryPath(std::string_view config_name, size_t entry_index) {
  return MigConfigPath(config_name) + "[" + std::to_string(entry_index) + "]";
}

std::vector<ConfigIssue> CheckMigPartedSpec(const MigPartedSpec& spec) {
  std::vector<ConfigIssue> issues;
  auto error = [&](std::string path, std::string message) {
    issues.push_back({Severity::kError, std::move(path), std::move(message)});
  };
  if (spec.version != kMigPartedVersion) {
    error("version", "unknown version \"" + spec.version + "\" (mig-parted reads only v1)");
  }
  if (spec.mig_configs.empty()) {
    error("mig-configs", "no configs: mig-configs needs at least one named config");
  }
  for (const auto& [config_name, entries] : spec.mig_configs) {
    if (entries.empty()) {
      error(MigConfigPath(config_name), "config \"" + config_name + "\" has no entries");
    }
    for (size_t index = 0; index < entries.size(); ++index) {
      const MigConfigEntry& entry = entries[index];
      const std::string path = MigEntryPath(config_name, index);
      if (!entry.devices.all && entry.devices.indices.empty()) {
        error(path + ".devices", "devices must be \"all\" or a non-empty list of GPU indices");
      }
      for (int device_index : entry.devices.indices) {
        if (device_index < 0) {
          error(path + ".devices", "GPU index " + std::to_string(device_index) + " is negative");
        }
      }
      if (!entry.mig_enabled && !entry.mig_devices.empty()) {
        error(path + ".mig-devices", "mig-devices must be empty when mig-enabled is false");
      }
      bool any_positive = false;
      for (const auto& [profile, count] : entry.mig_devices) {
        if (count < 0) {
          error(path + ".mig-devices." + profile,
                "count " + std::to_string(count) + " for " + profile + " is negative");
        }
        any_positive = any_positive || count > 0;
      }
      if (!entry.mig_devices.empty() && !any_positive) {
        error(path + ".mig-devices", "every count in mig-devices is 0");
      }
    }
  }
  return issues;
}

std::string MigConfigNameForGeometry(
    const std::vector<std::pair<std::string, int>>& profiles_largest_first,
    bool fills_gpu_with_one_profile) {
  if (fills_gpu_with_one_profile && profiles_largest_first.size() == 1) {
    return "all-" + ResourceSuffix(profiles_largest_first.front().first);
  }
  std::string name;
  for (const auto& [profile, count] : profiles_largest_first) {
    if (count <= 0) {
      continue;
    }
    if (!name.empty()) {
      name += '_';
    }
    name += std::to_string(count) + "x" + ResourceSuffix(profile);
  }
  if (name.empty()) {
    return "all-enabled";
  }
  if (name.size() > kMaxLabelValueLength) {
    char buffer[24];
    std::snprintf(buffer, sizeof buffer, "%016llx",
                  static_cast<unsigned long long>(StableHash(name)));
    return std::string("geometry-") + buffer;
  }
  return name;
}

}  // namespace gpupack::gpu
