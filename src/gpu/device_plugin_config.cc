#include "gpu/device_plugin_config.h"

#include <set>

namespace gpupack::gpu {
namespace {

constexpr size_t kMaxResourceNameLength = 63;
constexpr std::string_view kMigResourcePrefix = "nvidia.com/mig-";

bool HasReplicas(const std::optional<ReplicatedResources>& section) {
  if (!section) {
    return false;
  }
  for (const ReplicatedResource& resource : section->resources) {
    if (resource.replicas > 1) {
      return true;
    }
  }
  return false;
}

// DNS-subdomain prefix and a name part of [A-Za-z0-9._-] that starts and ends alphanumeric, as
// Kubernetes requires of extended resource names.
bool IsValidResourceName(std::string_view name) {
  size_t slash = name.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= name.size()) {
    return false;
  }
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  std::string_view prefix = name.substr(0, slash);
  for (char c : prefix) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) {
      return false;
    }
  }
  std::string_view part = name.substr(slash + 1);
  for (char c : part) {
    if (!(alnum(c) || c == '.' || c == '_' || c == '-')) {
      return false;
    }
  }
  return alnum(part.front()) && alnum(part.back());
}

void CheckSection(const ReplicatedResources& section, bool mps, MigStrategy strategy,
                  std::vector<ConfigIssue>& issues) {
  const std::string base = SharingSectionPath(mps);
  if (section.resources.empty()) {
    issues.push_back({Severity::kError, base + ".resources", "no resources specified"});
  }
  std::set<std::string> seen;
  for (size_t index = 0; index < section.resources.size(); ++index) {
    const ReplicatedResource& resource = section.resources[index];
    const std::string path = base + ".resources[" + std::to_string(index) + "]";
    if (resource.name.empty()) {
      issues.push_back({Severity::kError, path + ".name", "resource name is missing"});
      continue;
    }
    if (resource.name.size() > kMaxResourceNameLength || !IsValidResourceName(resource.name)) {
      issues.push_back({Severity::kError, path + ".name",
                        "invalid resource name \"" + resource.name +
                            "\" (at most 63 characters, <dns-prefix>/<name>)"});
    }
    if (!seen.insert(resource.name).second) {
      issues.push_back(
          {Severity::kError, path + ".name", "resource \"" + resource.name + "\" is listed twice"});
    }
    if (resource.replicas < 2) {
      issues.push_back(
          {Severity::kError, path + ".replicas",
           "number of replicas must be >= 2 (got " + std::to_string(resource.replicas) + ")"});
    }
    const std::string shared = resource.name + std::string(kSharedSuffix);
    if (!resource.rename.empty() && resource.rename != shared) {
      issues.push_back({Severity::kWarning, path + ".rename",
                        "the plugin ignores rename \"" + resource.rename +
                            "\" (only renameByDefault's \"" + shared + "\" takes effect)"});
    }
    if (resource.devices.kind != ReplicatedDevices::Kind::kAll) {
      issues.push_back({Severity::kWarning, path + ".devices",
                        "the plugin ignores devices other than \"all\": every device of " +
                            resource.name + " is replicated"});
    }
    const bool is_mig = resource.name.starts_with(kMigResourcePrefix);
    if (mps && is_mig) {
      issues.push_back(
          {Severity::kError, path + ".name",
           "sharing using MPS is not supported for MIG devices (" + resource.name + ")"});
    } else if (is_mig && strategy != MigStrategy::kMixed) {
      issues.push_back({Severity::kWarning, path + ".name",
                        "resource " + resource.name + " is only advertised with migStrategy " +
                            "mixed (this config uses " + std::string(MigStrategyName(strategy)) +
                            ")"});
    }
  }
}

}  // namespace

Result<MigStrategy> ParseMigStrategy(std::string_view text) {
  if (text == "none") {
    return MigStrategy::kNone;
  }
  if (text == "single") {
    return MigStrategy::kSingle;
  }
  if (text == "mixed") {
    return MigStrategy::kMixed;
  }
  return InvalidArgumentError("unknown migStrategy \"" + std::string(text) +
                              "\" (expected none, single or mixed)");
}

std::string_view MigStrategyName(MigStrategy strategy) {
  switch (strategy) {
    case MigStrategy::kNone:
      return "none";
    case MigStrategy::kSingle:
      return "single";
    case MigStrategy::kMixed:
      return "mixed";
  }
  return "none";
}

std::string QualifyResourceName(std::string_view name) {
  if (name.find('/') != std::string_view::npos) {
    return std::string(name);
  }
  return std::string(kNvidiaResourcePrefix) + std::string(name);
}

std::string AdvertisedResourceName(const ReplicatedResource& resource, bool rename_by_default) {
  if (rename_by_default) {
    return resource.name + std::string(kSharedSuffix);
  }
  return resource.name;
}

std::string_view SharingStrategyName(const DevicePluginConfig& config) {
  if (HasReplicas(config.mps)) {
    return "mps";
  }
  if (HasReplicas(config.time_slicing)) {
    return "time-slicing";
  }
  return "none";
}

MigStrategy EffectiveMigStrategy(const DevicePluginConfig& config) {
  return config.mig_strategy.value_or(MigStrategy::kNone);
}

std::string DevicePluginConfigKey(MigStrategy strategy, int replicas) {
  std::string key;
  if (strategy != MigStrategy::kNone) {
    key = "mig-" + std::string(MigStrategyName(strategy));
  }
  if (replicas > 1) {
    key += (key.empty() ? "" : "-") + std::string("ts-") + std::to_string(replicas);
  }
  return key.empty() ? "no-sharing" : key;
}

std::string SharingSectionPath(bool mps) { return mps ? "sharing.mps" : "sharing.timeSlicing"; }

std::vector<ConfigIssue> CheckDevicePluginConfig(const DevicePluginConfig& config) {
  std::vector<ConfigIssue> issues;
  if (config.version != kDevicePluginVersion) {
    issues.push_back({Severity::kError, "version",
                      "unknown version \"" + config.version + "\" (the plugin reads only v1)"});
  }
  const MigStrategy strategy = EffectiveMigStrategy(config);
  if (config.time_slicing) {
    CheckSection(*config.time_slicing, /*mps=*/false, strategy, issues);
  }
  if (config.mps) {
    CheckSection(*config.mps, /*mps=*/true, strategy, issues);
    if (config.time_slicing) {
      issues.push_back({Severity::kError, "sharing",
                        "timeSlicing and mps are mutually exclusive: configure one of them"});
    }
    if (strategy == MigStrategy::kMixed) {
      issues.push_back({Severity::kError, "flags.migStrategy",
                        "sharing using MPS is not supported with migStrategy mixed"});
    }
    if (!config.mps_root) {
      issues.push_back({Severity::kNote, "sharing.mps",
                        "flags.mpsRoot is not set: the plugin must get it from --mps-root or "
                        "MPS_ROOT (the Helm chart sets /run/nvidia/mps)"});
    }
  }
  return issues;
}

}  // namespace gpupack::gpu
