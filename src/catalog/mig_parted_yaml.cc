#include "catalog/mig_parted_yaml.h"

#include <algorithm>
#include <string_view>

#include "catalog/internal/yaml_reader.h"
#include "gpu/gpu_model.h"

namespace gpupack::catalog {
namespace {

// A non-empty Kubernetes label value: at most 63 characters of [A-Za-z0-9_.-] that start and end
// alphanumeric.
bool IsLabelValue(std::string_view value) {
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (value.empty() || value.size() > 63 || !alnum(value.front()) || !alnum(value.back())) {
    return false;
  }
  return std::all_of(value.begin(), value.end(),
                     [&](char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; });
}

using catalog_internal::JoinPath;
using catalog_internal::YamlReader;

[[nodiscard]] Result<std::vector<gpu::PciDeviceId>> ReadDeviceFilter(const YamlReader& reader,
                                                                     const YAML::Node& node,
                                                                     const std::string& path) {
  std::vector<gpu::PciDeviceId> ids;
  auto read_one = [&](const YAML::Node& item) -> Status {
    GP_ASSIGN_OR_RETURN(std::string text, reader.String(item, path));
    Result<gpu::PciDeviceId> id = gpu::PciDeviceId::Parse(text);
    if (!id) {
      return reader.Fail(item, path, id.error().message());
    }
    ids.push_back(*id);
    return OkStatus();
  };
  if (node.IsSequence()) {
    for (const YAML::Node& item : node) {
      GP_TRY(read_one(item));
    }
    if (ids.empty()) {
      return reader.Fail(node, path, "device-filter is an empty list");
    }
  } else {
    GP_TRY(read_one(node));
  }
  return ids;
}

[[nodiscard]] Result<gpu::MigDeviceSelector> ReadDevices(const YamlReader& reader,
                                                         const YAML::Node& node,
                                                         const std::string& path) {
  gpu::MigDeviceSelector selector;
  if (node.IsScalar() && node.Scalar() == "all") {
    return selector;
  }
  if (!node.IsSequence()) {
    return reader.Fail(node, path, "devices must be \"all\" or a list of GPU indices");
  }
  selector.all = false;
  for (const YAML::Node& item : node) {
    GP_ASSIGN_OR_RETURN(int64_t index, reader.Int(item, path));
    if (index < 0 || index > 1024) {
      return reader.Fail(item, path, "GPU index " + std::to_string(index) + " is out of range");
    }
    selector.indices.push_back(static_cast<int>(index));
  }
  return selector;
}

[[nodiscard]] Result<gpu::MigConfigEntry> ReadEntry(const YamlReader& reader,
                                                    const YAML::Node& node,
                                                    const std::string& path) {
  GP_TRY(reader.RequireMap(node, path));
  reader.Record(path, node);
  reader.RecordKeys(node, path);
  GP_TRY(reader.RejectUnknownKeys(node, path,
                                  {"device-filter", "devices", "mig-enabled", "mig-devices"}));
  gpu::MigConfigEntry entry;
  if (const YAML::Node filter = node["device-filter"]) {
    GP_ASSIGN_OR_RETURN(entry.device_filter,
                        ReadDeviceFilter(reader, filter, path + ".device-filter"));
  }
  const YAML::Node devices = node["devices"];
  if (!devices) {
    return reader.Fail(node, path, "missing required field \"devices\"");
  }
  GP_ASSIGN_OR_RETURN(entry.devices, ReadDevices(reader, devices, path + ".devices"));
  const YAML::Node enabled = node["mig-enabled"];
  if (!enabled) {
    return reader.Fail(node, path, "missing required field \"mig-enabled\"");
  }
  GP_ASSIGN_OR_RETURN(entry.mig_enabled, reader.Bool(enabled, path + ".mig-enabled"));
  const YAML::Node mig_devices = node["mig-devices"];
  if (!mig_devices) {
    if (entry.mig_enabled) {
      return reader.Fail(node, path,
                         "missing field \"mig-devices\" (required when mig-enabled is true; "
                         "{} enables MIG without devices)");
    }
    return entry;
  }
  const std::string devices_path = path + ".mig-devices";
  if (mig_devices.IsNull()) {
    return entry;
  }
  GP_TRY(reader.RequireMap(mig_devices, devices_path));
  for (const auto& item : mig_devices) {
    const std::string& profile = item.first.Scalar();
    const std::string profile_path = JoinPath(devices_path, profile);
    if (Result<gpu::MigProfileName> parsed = gpu::ParseMigProfileName(profile); !parsed) {
      return reader.Fail(item.first, profile_path, parsed.error().message());
    }
    reader.Record(profile_path, item.first);
    GP_ASSIGN_OR_RETURN(int64_t count, reader.Int(item.second, profile_path));
    if (count > 1024 || count < -1024) {
      return reader.Fail(item.second, profile_path, "count is out of range");
    }
    entry.mig_devices.emplace(profile, static_cast<int>(count));
  }
  return entry;
}

[[nodiscard]] Result<ParsedMigParted> ParseMigPartedOrThrow(std::string_view text,
                                                            std::string_view source,
                                                            int first_line) {
  ParsedMigParted parsed;
  YamlReader reader(std::string(source), first_line, &parsed.where);
  GP_ASSIGN_OR_RETURN(YAML::Node root, reader.Load(text));
  if (!root.IsMap()) {
    return reader.Fail(root, "",
                       "a mig-parted config must be a mapping with version and "
                       "mig-configs");
  }
  GP_TRY(reader.RequireMap(root, ""));
  reader.Record("", root);
  reader.RecordKeys(root, "");
  GP_TRY(reader.RejectUnknownKeys(root, "", {"version", "mig-configs"}));
  const YAML::Node version = root["version"];
  if (!version) {
    return reader.Fail(root, "", "missing required field \"version\" (v1)");
  }
  GP_ASSIGN_OR_RETURN(parsed.spec.version, reader.String(version, "version"));
  if (parsed.spec.version != gpu::kMigPartedVersion) {
    return reader.Fail(version, "version",
                       "unknown version \"" + parsed.spec.version + "\" (expected v1)");
  }
  const YAML::Node configs = root["mig-configs"];
  if (!configs || configs.IsNull()) {
    return parsed;  // CheckMigPartedSpec reports the empty spec with its line
  }
  GP_TRY(reader.RequireMap(configs, "mig-configs"));
  for (const auto& item : configs) {
    const std::string& name = item.first.Scalar();
    if (!IsLabelValue(name)) {
      return reader.Fail(item.first, "mig-configs",
                         "a config name must be a valid label value (nodes select it with "
                         "nvidia.com/mig.config=<name>): at most 63 letters, digits, '-', '_' or "
                         "'.', starting and ending with a letter or digit");
    }
    const std::string config_path = gpu::MigConfigPath(name);
    reader.Record(config_path, item.first);
    std::vector<gpu::MigConfigEntry>& entries = parsed.spec.mig_configs[name];
    if (item.second.IsNull()) {
      continue;  // no entries; reported by CheckMigPartedSpec
    }
    if (!item.second.IsSequence()) {
      return reader.Fail(item.second, config_path, "a config must be a list of entries");
    }
    for (size_t index = 0; index < item.second.size(); ++index) {
      GP_ASSIGN_OR_RETURN(gpu::MigConfigEntry entry,
                          ReadEntry(reader, item.second[index], gpu::MigEntryPath(name, index)));
      entries.push_back(std::move(entry));
    }
  }
  return parsed;
}

}  // namespace

Result<ParsedMigParted> ParseMigPartedConfig(std::string_view text, std::string_view source,
                                             int first_line) {
  try {
    return ParseMigPartedOrThrow(text, source, first_line);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(std::string(source) + ": malformed mig-parted config: " + e.what());
  }
}

std::string RenderMigPartedConfig(const gpu::MigPartedSpec& spec) {
  std::string out = "version: " + spec.version + "\nmig-configs:\n";
  bool first_config = true;
  for (const auto& [name, entries] : spec.mig_configs) {
    if (!first_config) {
      out += "\n";
    }
    first_config = false;
    out += "  " + catalog_internal::YamlScalar(name) + ":\n";
    for (const gpu::MigConfigEntry& entry : entries) {
      std::string prefix = "    - ";
      if (!entry.device_filter.empty()) {
        out += prefix + "device-filter: [";
        for (size_t i = 0; i < entry.device_filter.size(); ++i) {
          out += (i == 0 ? "" : ", ") +
                 catalog_internal::YamlQuoted(entry.device_filter[i].ToString());
        }
        out += "]\n";
        prefix = "      ";
      }
      out += prefix + "devices: ";
      if (entry.devices.all) {
        out += "all\n";
      } else {
        out += "[";
        for (size_t i = 0; i < entry.devices.indices.size(); ++i) {
          out += (i == 0 ? "" : ", ") + std::to_string(entry.devices.indices[i]);
        }
        out += "]\n";
      }
      out += std::string("      mig-enabled: ") + (entry.mig_enabled ? "true" : "false") + "\n";
      if (entry.mig_enabled) {
        if (entry.mig_devices.empty()) {
          out += "      mig-devices: {}\n";
        } else {
          out += "      mig-devices:\n";
          for (const auto& [profile, count] : entry.mig_devices) {
            out += "        " + catalog_internal::YamlQuoted(profile) + ": " +
                   std::to_string(count) + "\n";
          }
        }
      }
    }
  }
  if (spec.mig_configs.empty()) {
    out = "version: " + spec.version + "\nmig-configs: {}\n";
  }
  return out;
}

}  // namespace gpupack::catalog
