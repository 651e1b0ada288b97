#include "catalog/mig_parted_yaml.h"

#include <gtest/gtest.h>

namespace gpupack::catalog {
namespace {

std::string ParseError(const std::string& text) {
  Result<ParsedMigParted> parsed = ParseMigPartedConfig(text, "mig.yaml");
  EXPECT_FALSE(parsed) << text;
  return parsed ? "" : parsed.error().message();
}

constexpr const char* kValid = R"(version: v1
mig-configs:
  balanced:
    - device-filter: ["0x20B010DE", "0x20B110DE:0x134F10DE"]
      devices: all
      mig-enabled: true
      mig-devices:
        "1g.5gb": 2
        "2g.10gb": 1
        "3g.20gb": 1
  half:
    - devices: [0, 1]
      mig-enabled: false
    - devices: [2]
      mig-enabled: true
      mig-devices: {}
)";

TEST(MigPartedYamlTest, ParsesFiltersDevicesAndProfiles) {
  Result<ParsedMigParted> parsed = ParseMigPartedConfig(kValid, "mig.yaml");
  ASSERT_TRUE(parsed) << parsed.error().message();
  const gpu::MigPartedSpec& spec = parsed->spec;
  ASSERT_EQ(spec.mig_configs.size(), 2U);
  const gpu::MigConfigEntry& balanced = spec.mig_configs.at("balanced")[0];
  ASSERT_EQ(balanced.device_filter.size(), 2U);
  EXPECT_EQ(balanced.device_filter[1].ToString(), "0x20B110DE:0x134F10DE");
  EXPECT_TRUE(balanced.devices.all);
  EXPECT_EQ(balanced.mig_devices.at("2g.10gb"), 1);
  const std::vector<gpu::MigConfigEntry>& half = spec.mig_configs.at("half");
  ASSERT_EQ(half.size(), 2U);
  EXPECT_EQ(half[0].devices.indices, (std::vector<int>{0, 1}));
  EXPECT_TRUE(half[1].mig_enabled);
  EXPECT_TRUE(half[1].mig_devices.empty());
  EXPECT_EQ(parsed->where.LineOf("mig-configs.half[1].devices"), 14);
  EXPECT_EQ(parsed->where.LineOf("mig-configs.balanced[0].mig-devices.2g.10gb"), 9);
}

TEST(MigPartedYamlTest, RendersWhatItParses) {
  Result<ParsedMigParted> parsed = ParseMigPartedConfig(kValid, "mig.yaml");
  ASSERT_TRUE(parsed);
  std::string rendered = RenderMigPartedConfig(parsed->spec);
  Result<ParsedMigParted> again = ParseMigPartedConfig(rendered, "rendered.yaml");
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again->spec, parsed->spec);
  EXPECT_NE(rendered.find("    - device-filter: [\"0x20B010DE\", \"0x20B110DE:0x134F10DE\"]\n"
                          "      devices: all\n"
                          "      mig-enabled: true\n"
                          "      mig-devices:\n"
                          "        \"1g.5gb\": 2\n"),
            std::string::npos)
      << rendered;
}

TEST(MigPartedYamlTest, RejectsMalformedYamlWithItsLine) {
  EXPECT_EQ(ParseError("version: v1\nmig-configs:\n  a: [\n"),
            "mig.yaml:4: invalid YAML: end of sequence flow not found");
}

TEST(MigPartedYamlTest, RejectsWrongOrMissingVersion) {
  EXPECT_EQ(ParseError("version: v2\nmig-configs: {}\n"),
            "mig.yaml:1: version: unknown version \"v2\" (expected v1)");
  EXPECT_EQ(ParseError("mig-configs: {}\n"), "mig.yaml:1: missing required field \"version\" (v1)");
}

TEST(MigPartedYamlTest, RejectsConfigNamesThatAreNotLabelValues) {
  // Nodes select a config with the label nvidia.com/mig.config=<name>.
  for (const char* name : {"\"bad name\"", "-dash", "\"\"", "\"a\\nb\""}) {
    std::string error = ParseError(std::string("version: v1\nmig-configs:\n  ") + name +
                                   ":\n    - devices: all\n      mig-enabled: false\n");
    EXPECT_EQ(error.rfind("mig.yaml:3: mig-configs: a config name must be a valid label value", 0),
              0u)
        << name << ": " << error;
  }
  std::string long_name(64, 'a');
  EXPECT_FALSE(ParseMigPartedConfig("version: v1\nmig-configs:\n  " + long_name +
                                        ":\n    - devices: all\n      mig-enabled: false\n",
                                    "mig.yaml"));
}

TEST(MigPartedYamlTest, RejectsUnknownKeys) {
  EXPECT_EQ(ParseError("version: v1\nmig-config: {}\n"),
            "mig.yaml:2: mig-config: unknown field \"mig-config\"");
  EXPECT_EQ(ParseError("version: v1\nmig-configs:\n  a:\n    - devices: all\n"
                       "      mig-enabled: false\n      mig-device: {}\n"),
            "mig.yaml:6: mig-configs.a[0].mig-device: unknown field \"mig-device\"");
}

TEST(MigPartedYamlTest, RejectsUnknownProfileNamesAndBadCounts) {
  EXPECT_EQ(ParseError("version: v1\nmig-configs:\n  a:\n    - devices: all\n"
                       "      mig-enabled: true\n      mig-devices:\n        1g.5gigs: 1\n")
                .rfind("mig.yaml:7: mig-configs.a[0].mig-devices.1g.5gigs: ", 0),
            0U);
  EXPECT_EQ(ParseError("version: v1\nmig-configs:\n  a:\n    - devices: all\n"
                       "      mig-enabled: true\n      mig-devices:\n        1g.5gb: \"7\"\n"),
            "mig.yaml:7: mig-configs.a[0].mig-devices.1g.5gb: expected a whole number");
}

TEST(MigPartedYamlTest, RejectsMissingRequiredFields) {
  EXPECT_EQ(ParseError("version: v1\nmig-configs:\n  a:\n    - devices: all\n"
                       "      mig-enabled: true\n"),
            "mig.yaml:4: mig-configs.a[0]: missing field \"mig-devices\" (required when "
            "mig-enabled is true; {} enables MIG without devices)");
  EXPECT_EQ(ParseError("version: v1\nmig-configs:\n  a:\n    - devices: all\n"),
            "mig.yaml:4: mig-configs.a[0]: missing required field \"mig-enabled\"");
  EXPECT_EQ(ParseError("version: v1\nmig-configs:\n  a:\n    - mig-enabled: false\n"),
            "mig.yaml:4: mig-configs.a[0]: missing required field \"devices\"");
}

TEST(MigPartedYamlTest, RejectsBadDeviceFiltersAndDevices) {
  EXPECT_EQ(ParseError("version: v1\nmig-configs:\n  a:\n    - device-filter: 0x20B0\n"
                       "      devices: all\n      mig-enabled: false\n")
                .rfind("mig.yaml:4: mig-configs.a[0].device-filter: invalid PCI device id", 0),
            0U);
  EXPECT_EQ(ParseError("version: v1\nmig-configs:\n  a:\n    - devices: some\n"
                       "      mig-enabled: false\n"),
            "mig.yaml:4: mig-configs.a[0].devices: devices must be \"all\" or a list of GPU "
            "indices");
}

TEST(MigPartedYamlTest, RejectsDuplicateKeys) {
  EXPECT_EQ(ParseError("version: v1\nversion: v1\nmig-configs: {}\n"),
            "mig.yaml:2: version: key \"version\" is given twice");
}

TEST(MigPartedYamlTest, LeavesValueRulesToTheCheckWithLines) {
  Result<ParsedMigParted> parsed = ParseMigPartedConfig(
      "version: v1\nmig-configs:\n  a:\n    - devices: all\n"
      "      mig-enabled: false\n      mig-devices:\n        1g.5gb: 1\n",
      "mig.yaml");
  ASSERT_TRUE(parsed);
  std::vector<LocatedIssue> issues =
      Locate(gpu::CheckMigPartedSpec(parsed->spec), parsed->where, "mig.yaml");
  ASSERT_EQ(issues.size(), 1U);
  EXPECT_EQ(FormatIssue(issues[0]),
            "mig.yaml:6: error: mig-configs.a[0].mig-devices: mig-devices must be empty when "
            "mig-enabled is false");
}

TEST(MigPartedYamlTest, NeverThrowsOnOddDocuments) {
  for (const char* text :
       {"", "[]", "42", "version: [v1]\n", "version: v1\nmig-configs: [1]\n",
        "version: v1\nmig-configs:\n  a: 3\n", "version: v1\nmig-configs:\n  a: [3]\n",
        "version: v1\nmig-configs:\n  ? [a]\n  : 1\n"}) {
    EXPECT_FALSE(ParseMigPartedConfig(text, "odd.yaml")) << text;
  }
}

}  // namespace
}  // namespace gpupack::catalog
