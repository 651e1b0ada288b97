// NVIDIA's own files (../shared/reference/nvidia, copied verbatim from mig-parted, the GPU
// operator and cloud-native-docs) are the oracle for our readers and writers: each must parse,
// with the exact configs NVIDIA wrote, and survive render -> parse unchanged.
#include <algorithm>

#include <gtest/gtest.h>

#include "catalog/config_map_yaml.h"
#include "catalog/device_plugin_yaml.h"
#include "catalog/gpu_catalog_loader.h"
#include "catalog/mig_parted_yaml.h"
#include "common/file.h"
#include "gpu/mig_parted_check.h"

namespace gpupack::catalog {
namespace {

std::string NvidiaFile(const std::string& name) {
  Result<std::string> text = ReadFile(std::string(GP_SHARED_DIR) + "/reference/nvidia/" + name);
  EXPECT_TRUE(text) << (text ? "" : text.error().message());
  return text.value_or("");
}

constexpr const char* kConfigDefault = "mig-parted__deployments_systemd_config-default.yaml";
constexpr const char* kExamplesConfig = "mig-parted__examples_config.yaml";
constexpr const char* kOperatorConfigMap =
    "gpu-operator__assets_state-mig-manager_0400_configmap.yaml";

gpu::MigPartedSpec ParseMig(const std::string& text, const std::string& source,
                            int first_line = 1) {
  Result<ParsedMigParted> parsed = ParseMigPartedConfig(text, source, first_line);
  EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().message());
  if (!parsed) {
    return {};
  }
  EXPECT_TRUE(gpu::CheckMigPartedSpec(parsed->spec).empty()) << source;
  return parsed->spec;
}

const gpu::MigConfigEntry* EntryFor(const gpu::MigPartedSpec& spec, const std::string& config,
                                    const std::string& pci_id) {
  auto it = spec.mig_configs.find(config);
  if (it == spec.mig_configs.end()) {
    return nullptr;
  }
  Result<gpu::PciDeviceId> id = gpu::PciDeviceId::Parse(pci_id);
  for (const gpu::MigConfigEntry& entry : it->second) {
    for (const gpu::PciDeviceId& filter : entry.device_filter) {
      if (id && filter.Matches(id->device, id->vendor)) {
        return &entry;
      }
    }
  }
  return nullptr;
}

gpu::MigPartedSpec OperatorSpec() {
  Result<ConfigMapDocument> map =
      ParseConfigMap(NvidiaFile(kOperatorConfigMap), kOperatorConfigMap);
  EXPECT_TRUE(map);
  if (!map || map->data.size() != 1) {
    ADD_FAILURE() << "expected one data key";
    return {};
  }
  EXPECT_EQ(map->name, "default-mig-parted-config");
  EXPECT_EQ(map->data[0].key, "config.yaml");
  EXPECT_EQ(map->data[0].first_line, 8);  // "    version: v1" is line 8 of the file
  return ParseMig(map->data[0].text, kOperatorConfigMap, map->data[0].first_line);
}

TEST(NvidiaFilesTest, MigPartedDefaultConfigParsesWithEveryConfig) {
  gpu::MigPartedSpec spec = ParseMig(NvidiaFile(kConfigDefault), kConfigDefault);
  EXPECT_EQ(spec.mig_configs.size(), 81U);
  size_t entries = 0;
  for (const auto& [name, config_entries] : spec.mig_configs) {
    entries += config_entries.size();
  }
  EXPECT_EQ(entries, 94U);
  ASSERT_EQ(spec.mig_configs.count("all-disabled"), 1U);
  EXPECT_FALSE(spec.mig_configs["all-disabled"][0].mig_enabled);
  ASSERT_EQ(spec.mig_configs.count("all-enabled"), 1U);
  EXPECT_TRUE(spec.mig_configs["all-enabled"][0].mig_enabled);
  EXPECT_TRUE(spec.mig_configs["all-enabled"][0].mig_devices.empty());
  EXPECT_EQ(spec.mig_configs["all-balanced"].size(), 12U);
}

TEST(NvidiaFilesTest, MigPartedDefaultConfigHasPerModelAllBalancedAndAll1g10gb) {
  gpu::MigPartedSpec spec = ParseMig(NvidiaFile(kConfigDefault), kConfigDefault);
  const gpu::MigConfigEntry* a100_40 = EntryFor(spec, "all-balanced", "0x20B010DE");
  ASSERT_NE(a100_40, nullptr);
  EXPECT_EQ(a100_40->mig_devices,
            (std::map<std::string, int>{{"1g.5gb", 2}, {"2g.10gb", 1}, {"3g.20gb", 1}}));
  EXPECT_EQ(a100_40->device_filter.size(), 4U);
  const gpu::MigConfigEntry* h100 = EntryFor(spec, "all-balanced", "0x233010DE");
  ASSERT_NE(h100, nullptr);
  EXPECT_EQ(h100->mig_devices,
            (std::map<std::string, int>{{"1g.10gb", 2}, {"2g.20gb", 1}, {"3g.40gb", 1}}));
  // A30 is the one entry written as a plain string instead of a list.
  const gpu::MigConfigEntry* a30 = EntryFor(spec, "all-balanced", "0x20B710DE");
  ASSERT_NE(a30, nullptr);
  EXPECT_EQ(a30->mig_devices, (std::map<std::string, int>{{"1g.6gb", 2}, {"2g.12gb", 1}}));
  const gpu::MigConfigEntry* a100_40_1g10 = EntryFor(spec, "all-1g.10gb", "0x20B010DE");
  const gpu::MigConfigEntry* a100_80_1g10 = EntryFor(spec, "all-1g.10gb", "0x20B210DE");
  const gpu::MigConfigEntry* h100_1g10 = EntryFor(spec, "all-1g.10gb", "0x233010DE");
  ASSERT_NE(a100_40_1g10, nullptr);
  ASSERT_NE(a100_80_1g10, nullptr);
  ASSERT_EQ(a100_80_1g10, h100_1g10);
  EXPECT_EQ(a100_40_1g10->mig_devices.at("1g.10gb"), 4);
  EXPECT_EQ(a100_80_1g10->mig_devices.at("1g.10gb"), 7);
  EXPECT_EQ(EntryFor(spec, "all-1g.35gb", "0x233510DE")->mig_devices.at("1g.35gb"), 4);
  EXPECT_EQ(EntryFor(spec, "all-1g.35gb", "0x31C210DE")->mig_devices.at("1g.35gb"), 7);
}

TEST(NvidiaFilesTest, MigPartedDefaultConfigKeepsAttributeProfiles) {
  gpu::MigPartedSpec spec = ParseMig(NvidiaFile(kConfigDefault), kConfigDefault);
  EXPECT_EQ(spec.mig_configs["all-1g.5gb.me"][0].mig_devices,
            (std::map<std::string, int>{{"1g.5gb+me", 1}}));
  EXPECT_EQ(spec.mig_configs["all-1g.24gb.me.all"][0].mig_devices,
            (std::map<std::string, int>{{"1g.24gb+me.all", 1}}));
  EXPECT_EQ(spec.mig_configs["all-1g.24gb-me"][0].mig_devices,
            (std::map<std::string, int>{{"1g.24gb-me", 4}}));
  EXPECT_EQ(spec.mig_configs["all-1g.24gb.gfx"][0].mig_devices,
            (std::map<std::string, int>{{"1g.24gb+gfx", 4}}));
}

// Entries of one config with disjoint device-filters may come in any order; mig-parted applies
// the one matching the GPU. Sort them (by their rendering) to compare two files.
gpu::MigPartedSpec WithSortedEntries(gpu::MigPartedSpec spec) {
  for (auto& [name, entries] : spec.mig_configs) {
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      gpu::MigPartedSpec left;
      gpu::MigPartedSpec right;
      left.mig_configs["x"] = {a};
      right.mig_configs["x"] = {b};
      return RenderMigPartedConfig(left) < RenderMigPartedConfig(right);
    });
  }
  return spec;
}

TEST(NvidiaFilesTest, OperatorConfigMapCarriesTheSameConfigsAsMigParted) {
  gpu::MigPartedSpec from_operator = OperatorSpec();
  gpu::MigPartedSpec from_mig_parted = ParseMig(NvidiaFile(kConfigDefault), kConfigDefault);
  EXPECT_EQ(from_operator.mig_configs.size(), 81U);
  // The same configs, but all-balanced lists GB300 and B300 in another order.
  EXPECT_NE(from_operator, from_mig_parted);
  EXPECT_EQ(WithSortedEntries(from_operator), WithSortedEntries(from_mig_parted));
}

TEST(NvidiaFilesTest, OperatorConfigMapLinesPointIntoTheFile) {
  Result<ConfigMapDocument> map =
      ParseConfigMap(NvidiaFile(kOperatorConfigMap), kOperatorConfigMap);
  ASSERT_TRUE(map);
  Result<ParsedMigParted> parsed =
      ParseMigPartedConfig(map->data[0].text, kOperatorConfigMap, map->data[0].first_line);
  ASSERT_TRUE(parsed);
  // `      all-balanced:` is on line 358 of the ConfigMap file, its A30 filter on line 431.
  EXPECT_EQ(parsed->where.LineOf("mig-configs.all-balanced"), 358);
  EXPECT_EQ(parsed->where.LineOf("mig-configs.all-balanced[8].device-filter"), 431);
}

TEST(NvidiaFilesTest, MigPartedExampleHasPerIndexCustomConfig) {
  gpu::MigPartedSpec spec = ParseMig(NvidiaFile(kExamplesConfig), kExamplesConfig);
  EXPECT_EQ(spec.mig_configs.size(), 9U);
  const std::vector<gpu::MigConfigEntry>& custom = spec.mig_configs["custom-config"];
  ASSERT_EQ(custom.size(), 5U);
  EXPECT_FALSE(custom[0].devices.all);
  EXPECT_EQ(custom[0].devices.indices, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_FALSE(custom[0].mig_enabled);
  EXPECT_EQ(custom[1].devices.indices, std::vector<int>{4});
  EXPECT_EQ(custom[1].mig_devices, (std::map<std::string, int>{{"1g.5gb", 7}}));
  EXPECT_EQ(custom[4].mig_devices,
            (std::map<std::string, int>{{"1g.5gb", 2}, {"2g.10gb", 1}, {"3g.20gb", 1}}));
}

TEST(NvidiaFilesTest, MigPartedFilesRoundTripThroughOurWriter) {
  for (const char* name : {kConfigDefault, kExamplesConfig}) {
    gpu::MigPartedSpec spec = ParseMig(NvidiaFile(name), name);
    std::string rendered = RenderMigPartedConfig(spec);
    EXPECT_EQ(ParseMig(rendered, "rendered"), spec) << name;
    EXPECT_EQ(RenderMigPartedConfig(ParseMig(rendered, "rendered")), rendered) << name;
  }
}

std::vector<std::pair<std::string, gpu::DevicePluginConfig>> PluginConfigs(
    const std::string& name) {
  std::vector<std::pair<std::string, gpu::DevicePluginConfig>> configs;
  Result<ConfigMapDocument> map = ParseConfigMap(NvidiaFile(name), name);
  EXPECT_TRUE(map) << (map ? "" : map.error().message());
  if (!map) {
    return configs;
  }
  for (const ConfigMapEntry& entry : map->data) {
    Result<ParsedDevicePluginConfig> parsed =
        ParseDevicePluginConfig(entry.text, name, entry.first_line);
    EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().message());
    if (parsed) {
      EXPECT_TRUE(parsed->warnings.empty()) << entry.key;
      EXPECT_TRUE(gpu::CheckDevicePluginConfig(parsed->config).empty()) << entry.key;
      configs.emplace_back(entry.key, parsed->config);
    }
  }
  return configs;
}

TEST(NvidiaFilesTest, TimeSlicingConfigAllHasOneKeyWithFourReplicas) {
  auto configs = PluginConfigs("cloud-native-docs__time-slicing-config-all.yaml");
  ASSERT_EQ(configs.size(), 1U);
  EXPECT_EQ(configs[0].first, "any");
  const gpu::DevicePluginConfig& config = configs[0].second;
  EXPECT_EQ(config.mig_strategy, gpu::MigStrategy::kNone);
  ASSERT_TRUE(config.time_slicing);
  ASSERT_EQ(config.time_slicing->resources.size(), 1U);
  EXPECT_EQ(config.time_slicing->resources[0].name, "nvidia.com/gpu");
  EXPECT_EQ(config.time_slicing->resources[0].replicas, 4);
  EXPECT_FALSE(config.time_slicing->rename_by_default);
}

TEST(NvidiaFilesTest, TimeSlicingConfigFineHasPerModelKeys) {
  auto configs = PluginConfigs("cloud-native-docs__time-slicing-config-fine.yaml");
  ASSERT_EQ(configs.size(), 2U);
  EXPECT_EQ(configs[0].first, "a100-40gb");
  EXPECT_EQ(configs[1].first, "tesla-t4");
  const gpu::DevicePluginConfig& a100 = configs[0].second;
  EXPECT_EQ(a100.mig_strategy, gpu::MigStrategy::kMixed);
  ASSERT_TRUE(a100.time_slicing);
  std::vector<std::pair<std::string, int>> resources;
  for (const gpu::ReplicatedResource& resource : a100.time_slicing->resources) {
    resources.emplace_back(resource.name, resource.replicas);
  }
  EXPECT_EQ(resources, (std::vector<std::pair<std::string, int>>{{"nvidia.com/gpu", 8},
                                                                 {"nvidia.com/mig-1g.5gb", 2},
                                                                 {"nvidia.com/mig-2g.10gb", 2},
                                                                 {"nvidia.com/mig-3g.20gb", 3},
                                                                 {"nvidia.com/mig-7g.40gb", 7}}));
  EXPECT_EQ(configs[1].second.time_slicing->resources[0].replicas, 4);
}

TEST(NvidiaFilesTest, TimeSlicingConfigsRoundTripThroughOurWriters) {
  for (const char* name : {"cloud-native-docs__time-slicing-config-all.yaml",
                           "cloud-native-docs__time-slicing-config-fine.yaml"}) {
    auto configs = PluginConfigs(name);
    std::vector<std::pair<std::string, std::string>> data;
    for (const auto& [key, config] : configs) {
      std::string rendered = RenderDevicePluginConfig(config);
      Result<ParsedDevicePluginConfig> again = ParseDevicePluginConfig(rendered, "rendered");
      ASSERT_TRUE(again);
      EXPECT_EQ(again->config, config) << name << " " << key;
      data.emplace_back(key, rendered);
    }
    // The whole ConfigMap too: same keys, same configs.
    Result<ConfigMapDocument> map =
        ParseConfigMap(RenderConfigMap("copy", "gpu-operator", data), "rendered");
    ASSERT_TRUE(map);
    ASSERT_EQ(map->data.size(), configs.size());
    for (size_t i = 0; i < configs.size(); ++i) {
      EXPECT_EQ(map->data[i].key, configs[i].first);
      Result<ParsedDevicePluginConfig> again =
          ParseDevicePluginConfig(map->data[i].text, "rendered", map->data[i].first_line);
      ASSERT_TRUE(again);
      EXPECT_EQ(again->config, configs[i].second);
    }
  }
}

// Our writer uses the layout of NVIDIA's documentation: rendering their configs gives their text.
TEST(NvidiaFilesTest, TimeSlicingConfigsRenderByteForByteAsNvidiaWroteThem) {
  for (const char* name : {"cloud-native-docs__time-slicing-config-all.yaml",
                           "cloud-native-docs__time-slicing-config-fine.yaml"}) {
    Result<ConfigMapDocument> map = ParseConfigMap(NvidiaFile(name), name);
    ASSERT_TRUE(map);
    for (const ConfigMapEntry& entry : map->data) {
      Result<ParsedDevicePluginConfig> parsed = ParseDevicePluginConfig(entry.text, name);
      ASSERT_TRUE(parsed);
      // NVIDIA's values are `|-` block scalars: no final newline.
      EXPECT_EQ(RenderDevicePluginConfig(parsed->config), entry.text + "\n") << entry.key;
    }
  }
}

// ---- against the GPU catalog ---------------------------------------------------------------

const gpu::GpuCatalog& Catalog() {
  static const Result<gpu::GpuCatalog> catalog = LoadBuiltInGpuCatalog();
  EXPECT_TRUE(catalog) << (catalog ? "" : catalog.error().message());
  return *catalog;
}

std::vector<gpu::ConfigIssue> IssuesOf(const std::vector<gpu::ConfigIssue>& issues,
                                       gpu::Severity severity) {
  std::vector<gpu::ConfigIssue> selected;
  for (const gpu::ConfigIssue& issue : issues) {
    if (issue.severity == severity) {
      selected.push_back(issue);
    }
  }
  return selected;
}

std::string Describe(const std::vector<gpu::ConfigIssue>& issues) {
  std::string text;
  for (const gpu::ConfigIssue& issue : issues) {
    text += issue.path + ": " + issue.message + "\n";
  }
  return text;
}

TEST(NvidiaFilesTest, EveryShippedConfigFitsTheGpusTheCatalogKnows) {
  for (const gpu::MigPartedSpec& spec :
       {ParseMig(NvidiaFile(kConfigDefault), kConfigDefault), OperatorSpec(),
        ParseMig(NvidiaFile(kExamplesConfig), kExamplesConfig)}) {
    std::vector<gpu::ConfigIssue> issues = gpu::CheckMigPartedAgainstCatalog(spec, Catalog());
    EXPECT_TRUE(IssuesOf(issues, gpu::Severity::kError).empty())
        << Describe(IssuesOf(issues, gpu::Severity::kError));
    EXPECT_TRUE(IssuesOf(issues, gpu::Severity::kWarning).empty())
        << Describe(IssuesOf(issues, gpu::Severity::kWarning));
  }
}

TEST(NvidiaFilesTest, AllBalancedEntriesSelectTheModelsTheirCommentsName) {
  gpu::MigPartedSpec spec = ParseMig(NvidiaFile(kConfigDefault), kConfigDefault);
  auto names = [&](const std::string& pci_id) {
    std::vector<std::string> selected;
    const gpu::MigConfigEntry* entry = EntryFor(spec, "all-balanced", pci_id);
    EXPECT_NE(entry, nullptr) << pci_id;
    if (entry != nullptr) {
      for (const gpu::GpuModel* model :
           gpu::ModelsMatchingFilter(entry->device_filter, Catalog())) {
        selected.push_back(model->name);
      }
    }
    return selected;
  };
  std::vector<std::string> a100_40 = names("0x20B010DE");
  EXPECT_NE(std::find(a100_40.begin(), a100_40.end(), "A100-SXM4-40GB"), a100_40.end());
  std::vector<std::string> h100 = names("0x233010DE");
  EXPECT_NE(std::find(h100.begin(), h100.end(), "H100-SXM5-80GB"), h100.end());
  EXPECT_NE(std::find(h100.begin(), h100.end(), "A100-SXM4-80GB"), h100.end());
  EXPECT_EQ(names("0x20B710DE"), std::vector<std::string>{"A30"});
}

// The checks would catch a misreading: change one count of NVIDIA's file and it must fail.
TEST(NvidiaFilesTest, ChangingACountOfTheShippedFileBreaksItForThatGpu) {
  gpu::MigPartedSpec spec = ParseMig(NvidiaFile(kConfigDefault), kConfigDefault);
  for (gpu::MigConfigEntry& entry : spec.mig_configs["all-1g.10gb"]) {
    if (entry.mig_devices["1g.10gb"] == 4) {
      entry.mig_devices["1g.10gb"] = 7;  // 1g.10gb is the double-memory 1g on A100-40GB
    }
  }
  std::vector<gpu::ConfigIssue> errors =
      IssuesOf(gpu::CheckMigPartedAgainstCatalog(spec, Catalog()), gpu::Severity::kError);
  ASSERT_FALSE(errors.empty());
  bool names_sxm4 = false;
  for (const gpu::ConfigIssue& error : errors) {
    EXPECT_EQ(error.path, "mig-configs.all-1g.10gb[1].mig-devices");
    names_sxm4 = names_sxm4 || error.message.find("on A100-SXM4-40GB:") != std::string::npos;
  }
  EXPECT_TRUE(names_sxm4) << Describe(errors);

  gpu::MigPartedSpec balanced = ParseMig(NvidiaFile(kConfigDefault), kConfigDefault);
  for (gpu::MigConfigEntry& entry : balanced.mig_configs["all-balanced"]) {
    if (entry.mig_devices.count("3g.40gb") != 0) {
      entry.mig_devices["3g.40gb"] = 2;  // 2x3g + 2g + 2x1g needs 11 memory slices of 8
    }
  }
  EXPECT_FALSE(
      IssuesOf(gpu::CheckMigPartedAgainstCatalog(balanced, Catalog()), gpu::Severity::kError)
          .empty());
}

}  // namespace
}  // namespace gpupack::catalog
