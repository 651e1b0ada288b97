#include "catalog/device_plugin_yaml.h"

#include <algorithm>

#include "catalog/internal/yaml_reader.h"

namespace gpupack::catalog {
namespace {

using catalog_internal::JoinPath;
using catalog_internal::YamlReader;

// Keys of `flags` the plugin, GFD or the MPS daemon read (api/config/v1/flags.go).
const std::vector<std::string_view>& KnownFlags() {
  static const std::vector<std::string_view> flags = {
      "migStrategy",       "failOnInitError",         "mpsRoot",    "nvidiaDriverRoot",
      "nvidiaDevRoot",     "gdrcopyEnabled",          "gdsEnabled", "mofedEnabled",
      "useNodeFeatureAPI", "deviceDiscoveryStrategy", "plugin",     "gfd"};
  return flags;
}

std::string FlowText(const YAML::Node& node) {
  YAML::Emitter emitter;
  emitter.SetMapFormat(YAML::Flow);
  emitter.SetSeqFormat(YAML::Flow);
  emitter << node;
  return emitter.c_str();
}

class Reader {
 public:
  Reader(std::string_view source, int first_line, ParsedDevicePluginConfig& parsed)
      : parsed_(parsed), yaml_(std::string(source), first_line, &parsed.where) {}

  [[nodiscard]] Status Read(std::string_view text) {
    GP_ASSIGN_OR_RETURN(YAML::Node root, yaml_.Load(text));
    if (root.IsNull()) {
      return yaml_.Fail(root, "", "empty config (expected version: v1 and sharing or flags)");
    }
    GP_TRY(yaml_.RequireMap(root, ""));
    yaml_.Record("", root);
    yaml_.RecordKeys(root, "");
    WarnUnknown(root, "", {"version", "flags", "resources", "sharing", "imex"});
    if (const YAML::Node version = root["version"]) {
      GP_ASSIGN_OR_RETURN(parsed_.config.version, yaml_.String(version, "version"));
    }
    if (const YAML::Node resources = root["resources"]) {
      parsed_.warnings.push_back({gpu::Severity::kWarning, "resources",
                                  "the plugin ignores the top-level resources section "
                                  "(\"Customizing the 'resources' field is not yet supported\")"});
    }
    if (const YAML::Node imex = root["imex"]) {
      parsed_.config.other_sections["imex"] = FlowText(imex);
    }
    if (const YAML::Node flags = root["flags"]; flags && !flags.IsNull()) {
      GP_TRY(ReadFlags(flags));
    }
    if (const YAML::Node sharing = root["sharing"]; sharing && !sharing.IsNull()) {
      GP_TRY(yaml_.RequireMap(sharing, "sharing"));
      yaml_.RecordKeys(sharing, "sharing");
      WarnUnknown(sharing, "sharing", {"timeSlicing", "mps"});
      if (const YAML::Node node = sharing["timeSlicing"]) {
        GP_ASSIGN_OR_RETURN(parsed_.config.time_slicing, ReadReplicated(node, false));
      }
      if (const YAML::Node node = sharing["mps"]) {
        GP_ASSIGN_OR_RETURN(parsed_.config.mps, ReadReplicated(node, true));
      }
    }
    return OkStatus();
  }

 private:
  void WarnUnknown(const YAML::Node& node, std::string_view path,
                   const std::vector<std::string_view>& allowed) {
    for (const auto& [key, key_node] : yaml_.UnknownKeys(node, allowed)) {
      const std::string key_path = JoinPath(path, key);
      parsed_.warnings.push_back({gpu::Severity::kWarning, key_path,
                                  "unknown field \"" + key + "\" is ignored by the plugin"});
    }
  }

  [[nodiscard]] Status ReadFlags(const YAML::Node& flags) {
    GP_TRY(yaml_.RequireMap(flags, "flags"));
    yaml_.RecordKeys(flags, "flags");
    WarnUnknown(flags, "flags", KnownFlags());
    for (const auto& item : flags) {
      const std::string& key = item.first.Scalar();
      const std::string path = "flags." + key;
      if (key == "migStrategy") {
        GP_ASSIGN_OR_RETURN(std::string text, yaml_.String(item.second, path));
        Result<gpu::MigStrategy> strategy = gpu::ParseMigStrategy(text);
        if (!strategy) {
          return yaml_.Fail(item.second, path, strategy.error().message());
        }
        parsed_.config.mig_strategy = *strategy;
      } else if (key == "mpsRoot") {
        GP_ASSIGN_OR_RETURN(parsed_.config.mps_root, yaml_.String(item.second, path));
      } else if (std::find(KnownFlags().begin(), KnownFlags().end(), key) != KnownFlags().end()) {
        parsed_.config.other_flags[key] = FlowText(item.second);
      }
    }
    return OkStatus();
  }

  [[nodiscard]] Result<gpu::ReplicatedDevices> ReadDevices(const YAML::Node& node,
                                                           const std::string& path) {
    gpu::ReplicatedDevices devices;
    if (node.IsScalar() && node.Scalar() == "all") {
      return devices;
    }
    if (node.IsScalar()) {
      GP_ASSIGN_OR_RETURN(int64_t count, yaml_.Int(node, path));
      if (count <= 0 || count > 1 << 20) {
        return yaml_.Fail(node, path, "devices must be \"all\", a positive count or a list");
      }
      devices.kind = gpu::ReplicatedDevices::Kind::kCount;
      devices.count = static_cast<int>(count);
      return devices;
    }
    if (!node.IsSequence() || node.size() == 0) {
      return yaml_.Fail(node, path, "devices must be \"all\", a positive count or a list");
    }
    devices.kind = gpu::ReplicatedDevices::Kind::kList;
    for (const YAML::Node& item : node) {
      GP_ASSIGN_OR_RETURN(std::string id, yaml_.String(item, path));
      devices.list.push_back(std::move(id));
    }
    return devices;
  }

  [[nodiscard]] Result<gpu::ReplicatedResources> ReadReplicated(const YAML::Node& node, bool mps) {
    const std::string base = gpu::SharingSectionPath(mps);
    gpu::ReplicatedResources section;
    if (node.IsNull()) {
      return section;  // no resources: CheckDevicePluginConfig reports it
    }
    GP_TRY(yaml_.RequireMap(node, base));
    yaml_.RecordKeys(node, base);
    WarnUnknown(node, base, {"renameByDefault", "failRequestsGreaterThanOne", "resources"});
    if (const YAML::Node rename = node["renameByDefault"]) {
      GP_ASSIGN_OR_RETURN(section.rename_by_default, yaml_.Bool(rename, base + ".renameByDefault"));
    }
    if (const YAML::Node fail = node["failRequestsGreaterThanOne"]) {
      GP_ASSIGN_OR_RETURN(section.fail_requests_greater_than_one,
                          yaml_.Bool(fail, base + ".failRequestsGreaterThanOne"));
    }
    const YAML::Node resources = node["resources"];
    if (!resources || resources.IsNull()) {
      return section;
    }
    const std::string list_path = base + ".resources";
    if (!resources.IsSequence()) {
      return yaml_.Fail(resources, list_path, "resources must be a list");
    }
    for (size_t index = 0; index < resources.size(); ++index) {
      const YAML::Node item = resources[index];
      const std::string path = list_path + "[" + std::to_string(index) + "]";
      yaml_.Record(path, item);
      GP_TRY(yaml_.RequireMap(item, path));
      yaml_.RecordKeys(item, path);
      WarnUnknown(item, path, {"name", "rename", "devices", "replicas"});
      gpu::ReplicatedResource resource;
      const YAML::Node name = item["name"];
      if (!name) {
        return yaml_.Fail(item, path, "missing required field \"name\"");
      }
      GP_ASSIGN_OR_RETURN(std::string name_text, yaml_.String(name, path + ".name"));
      resource.name = gpu::QualifyResourceName(name_text);
      if (const YAML::Node rename = item["rename"]) {
        GP_ASSIGN_OR_RETURN(std::string rename_text, yaml_.String(rename, path + ".rename"));
        resource.rename = gpu::QualifyResourceName(rename_text);
      }
      if (const YAML::Node devices = item["devices"]) {
        GP_ASSIGN_OR_RETURN(resource.devices, ReadDevices(devices, path + ".devices"));
      }
      const YAML::Node replicas = item["replicas"];
      if (!replicas) {
        return yaml_.Fail(item, path, "missing required field \"replicas\"");
      }
      GP_ASSIGN_OR_RETURN(int64_t count, yaml_.Int(replicas, path + ".replicas"));
      if (count > 1 << 20 || count < -(1 << 20)) {
        return yaml_.Fail(replicas, path + ".replicas", "replicas is out of range");
      }
      resource.replicas = static_cast<int>(count);
      section.resources.push_back(std::move(resource));
    }
    return section;
  }

  ParsedDevicePluginConfig& parsed_;
  YamlReader yaml_;
};

void RenderSection(const gpu::ReplicatedResources& section, std::string_view key,
                   std::string& out) {
  out += "  " + std::string(key) + ":\n";
  if (section.rename_by_default) {
    out += "    renameByDefault: true\n";
  }
  if (section.fail_requests_greater_than_one) {
    out += std::string("    failRequestsGreaterThanOne: ") +
           (*section.fail_requests_greater_than_one ? "true" : "false") + "\n";
  }
  if (section.resources.empty()) {
    out += "    resources: []\n";
    return;
  }
  out += "    resources:\n";
  for (const gpu::ReplicatedResource& resource : section.resources) {
    out += "    - name: " + catalog_internal::YamlScalar(resource.name) + "\n";
    if (!resource.rename.empty()) {
      out += "      rename: " + catalog_internal::YamlScalar(resource.rename) + "\n";
    }
    switch (resource.devices.kind) {
      case gpu::ReplicatedDevices::Kind::kAll:
        break;
      case gpu::ReplicatedDevices::Kind::kCount:
        out += "      devices: " + std::to_string(resource.devices.count) + "\n";
        break;
      case gpu::ReplicatedDevices::Kind::kList: {
        out += "      devices: [";
        for (size_t i = 0; i < resource.devices.list.size(); ++i) {
          out += (i == 0 ? "" : ", ") + catalog_internal::YamlQuoted(resource.devices.list[i]);
        }
        out += "]\n";
        break;
      }
    }
    out += "      replicas: " + std::to_string(resource.replicas) + "\n";
  }
}

}  // namespace

Result<ParsedDevicePluginConfig> ParseDevicePluginConfig(std::string_view text,
                                                         std::string_view source, int first_line) {
  ParsedDevicePluginConfig parsed;
  try {
    Reader reader(source, first_line, parsed);
    GP_TRY(reader.Read(text));
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(std::string(source) +
                                ": malformed device-plugin config: " + e.what());
  }
  return parsed;
}

std::string RenderDevicePluginConfig(const gpu::DevicePluginConfig& config) {
  std::string out = "version: " + catalog_internal::YamlScalar(config.version) + "\n";
  if (config.mig_strategy || config.mps_root || !config.other_flags.empty()) {
    out += "flags:\n";
    if (config.mig_strategy) {
      out += "  migStrategy: " + std::string(gpu::MigStrategyName(*config.mig_strategy)) + "\n";
    }
    if (config.mps_root) {
      out += "  mpsRoot: " + catalog_internal::YamlQuoted(*config.mps_root) + "\n";
    }
    for (const auto& [key, text] : config.other_flags) {
      out += "  " + key + ": " + text + "\n";
    }
  }
  for (const auto& [key, text] : config.other_sections) {
    out += key + ": " + text + "\n";
  }
  if (config.time_slicing || config.mps) {
    out += "sharing:\n";
    if (config.time_slicing) {
      RenderSection(*config.time_slicing, "timeSlicing", out);
    }
    if (config.mps) {
      RenderSection(*config.mps, "mps", out);
    }
  }
  return out;
}

}  // namespace gpupack::catalog
