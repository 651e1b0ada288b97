// Property tests of the interop codecs (rapidcheck): whatever we render reads back as the same
// value, and no input, however broken, makes a reader crash or throw.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "catalog/config_map_yaml.h"
#include "catalog/device_plugin_yaml.h"
#include "catalog/document_kinds.h"
#include "catalog/mig_parted_yaml.h"

namespace gpupack::catalog {
namespace {

// Vectors of at most `max_size` elements: documents stay small, so a run stays fast.
template <class T>
rc::Gen<std::vector<T>> SmallVector(int max_size, rc::Gen<T> element) {
  return rc::gen::mapcat(rc::gen::inRange(0, max_size + 1), [element](int size) {
    return rc::gen::container<std::vector<T>>(static_cast<size_t>(size), element);
  });
}

rc::Gen<std::string> ProfileNames() {
  return rc::gen::element<std::string>("1g.5gb", "1g.10gb", "2g.10gb", "3g.20gb", "7g.40gb",
                                       "1g.5gb+me", "1g.24gb+me.all", "1g.24gb-me", "1g.24gb+gfx",
                                       "1c.3g.20gb", "4g.139gb");
}

rc::Gen<std::string> ConfigNames() {
  // Valid label values (what the parser accepts), several of which YAML reads as other types
  // unless quoted.
  return rc::gen::element<std::string>("all-disabled", "all-1g.5gb", "all-1g.5gb.me", "custom",
                                       "1x3g.20gb_2x1g.5gb", "7", "true", "null", "1.5", "0x1F",
                                       "Yes", "on");
}

rc::Gen<gpu::PciDeviceId> PciIds() {
  return rc::gen::apply(
      [](uint16_t device, bool with_subsystem, uint16_t subsystem) {
        gpu::PciDeviceId id;
        id.device = device;
        id.vendor = gpu::kNvidiaPciVendor;
        if (with_subsystem) {
          id.subsystem_device = subsystem;
          id.subsystem_vendor = gpu::kNvidiaPciVendor;
        }
        return id;
      },
      rc::gen::arbitrary<uint16_t>(), rc::gen::arbitrary<bool>(), rc::gen::arbitrary<uint16_t>());
}

rc::Gen<gpu::MigConfigEntry> Entries() {
  return rc::gen::apply(
      [](std::vector<gpu::PciDeviceId> filter, std::vector<int> indices, bool enabled,
         std::vector<std::pair<std::string, int>> devices) {
        gpu::MigConfigEntry entry;
        entry.device_filter = std::move(filter);
        entry.devices.all = indices.empty();
        entry.devices.indices = std::move(indices);
        entry.mig_enabled = enabled;
        if (enabled) {
          entry.mig_devices.insert(devices.begin(), devices.end());
        }
        return entry;
      },
      SmallVector(3, PciIds()), SmallVector(4, rc::gen::inRange(0, 16)), rc::gen::arbitrary<bool>(),
      SmallVector(4, rc::gen::pair(ProfileNames(), rc::gen::inRange(0, 8))));
}

RC_GTEST_PROP(CodecPropertyTest, RenderedMigPartedConfigsReadBackUnchanged, ()) {
  gpu::MigPartedSpec spec;
  const auto configs = *SmallVector(5, rc::gen::pair(ConfigNames(), SmallVector(4, Entries())));
  spec.mig_configs.insert(configs.begin(), configs.end());
  Result<ParsedMigParted> parsed = ParseMigPartedConfig(RenderMigPartedConfig(spec), "r.yaml");
  RC_ASSERT(parsed.has_value());
  RC_ASSERT(parsed->spec == spec);
}

rc::Gen<gpu::ReplicatedResources> Sections() {
  return rc::gen::apply(
      [](bool rename, int fail_flag, std::vector<std::pair<std::string, int>> resources,
         int devices) {
        gpu::ReplicatedResources section;
        section.rename_by_default = rename;
        if (fail_flag != 0) {
          section.fail_requests_greater_than_one = fail_flag > 0;
        }
        for (auto& [name, replicas] : resources) {
          gpu::ReplicatedResource resource;
          resource.name = "nvidia.com/" + name;
          resource.replicas = replicas;
          if (devices > 0) {
            resource.devices.kind = gpu::ReplicatedDevices::Kind::kCount;
            resource.devices.count = devices;
          } else if (devices < 0) {
            resource.devices.kind = gpu::ReplicatedDevices::Kind::kList;
            resource.devices.list = {"0", "GPU-8f6d", "0:1"};
          }
          section.resources.push_back(std::move(resource));
        }
        return section;
      },
      rc::gen::arbitrary<bool>(), rc::gen::inRange(-1, 2),
      rc::gen::container<std::vector<std::pair<std::string, int>>>(
          rc::gen::pair(rc::gen::element<std::string>("gpu", "mig-1g.5gb", "mig-1g.5gb.me"),
                        rc::gen::inRange(-2, 64))),
      rc::gen::inRange(-1, 3));
}

RC_GTEST_PROP(CodecPropertyTest, RenderedDevicePluginConfigsReadBackUnchanged, ()) {
  gpu::DevicePluginConfig config;
  if (*rc::gen::arbitrary<bool>()) {
    config.mig_strategy = *rc::gen::element(gpu::MigStrategy::kNone, gpu::MigStrategy::kSingle,
                                            gpu::MigStrategy::kMixed);
  }
  if (*rc::gen::arbitrary<bool>()) {
    config.mps_root = "/run/nvidia/mps";
  }
  if (*rc::gen::arbitrary<bool>()) {
    config.other_flags["failOnInitError"] = "false";
  }
  if (*rc::gen::arbitrary<bool>()) {
    config.time_slicing = *Sections();
  }
  if (*rc::gen::arbitrary<bool>()) {
    config.mps = *Sections();
  }
  std::string text = RenderDevicePluginConfig(config);
  Result<ParsedDevicePluginConfig> parsed = ParseDevicePluginConfig(text, "r.yaml");
  RC_ASSERT(parsed.has_value());
  RC_ASSERT(parsed->config == config);
  RC_ASSERT(parsed->warnings.empty());
}

RC_GTEST_PROP(CodecPropertyTest, ConfigMapValuesReadBackByteForByte, ()) {
  auto lines = *rc::gen::container<std::vector<std::string>>(rc::gen::element<std::string>(
      "version: v1", "  nested: 1", "", "- item", "# comment", "key: \"quoted\"", "\tx"));
  std::string text;
  for (const std::string& line : lines) {
    text += line + "\n";
  }
  if (text.empty() || text.find_first_not_of("\n") == std::string::npos || text.front() == '\t') {
    return;  // block scalars cannot start with a tab or hold only blank lines
  }
  if (*rc::gen::arbitrary<bool>()) {
    text.pop_back();
  }
  Result<ConfigMapDocument> map =
      ParseConfigMap(RenderConfigMap("name", "ns", {{"key", text}}), "cm.yaml");
  RC_ASSERT(map.has_value());
  RC_ASSERT(map->data.size() == 1U);
  RC_ASSERT(map->data[0].text == text);
}

// Documents made of fragments of real configs, shuffled and truncated: whatever comes out,
// the readers return a value or an error.
RC_GTEST_PROP(CodecPropertyTest, ReadersNeverCrashOnBrokenInput, ()) {
  auto fragments = *rc::gen::container<std::vector<std::string>>(rc::gen::oneOf(
      rc::gen::element<std::string>(
          "version: v1\n", "mig-configs:\n", "  a:\n", "    - devices: all\n",
          "      mig-enabled: true\n", "      mig-devices:\n", "        \"1g.5gb\": 7\n",
          "apiVersion: v1\n", "kind: ConfigMap\n", "data:\n", "  config.yaml: |\n", "sharing:\n",
          "  timeSlicing:\n", "    resources:\n", "    - name: gpu\n", "      replicas: 4\n",
          "flags: {migStrategy: mixed}\n", "---\n", "[", "{", "\"", ": ", "- ", "&a ", "*a ",
          "!!binary ", "\t", "? "),
      rc::gen::arbitrary<std::string>()));
  std::string text;
  for (const std::string& fragment : fragments) {
    text += fragment;
  }
  (void)ParseMigPartedConfig(text, "x.yaml");
  (void)ParseDevicePluginConfig(text, "x.yaml");
  (void)ParseConfigMap(text, "x.yaml");
  (void)IsConfigMap(text);
  DocumentKindRegistry registry;
  AddNvidiaDocumentKinds(registry, nullptr);
  FileReport report = registry.CheckFile("x.yaml", text);
  RC_ASSERT(report.ok() || !report.issues.empty());
}

}  // namespace
}  // namespace gpupack::catalog
