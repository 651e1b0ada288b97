#include "catalog/device_plugin_yaml.h"

#include <gtest/gtest.h>

namespace gpupack::catalog {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  Result<ParsedDevicePluginConfig> parsed = ParseDevicePluginConfig(text, "dp.yaml");
  EXPECT_TRUE(parsed) << parsed.error().message();
  std::vector<std::string> lines;
  if (!parsed) {
    return lines;
  }
  std::vector<gpu::ConfigIssue> issues = parsed->warnings;
  for (const gpu::ConfigIssue& issue : gpu::CheckDevicePluginConfig(parsed->config)) {
    issues.push_back(issue);
  }
  for (const LocatedIssue& located : Locate(issues, parsed->where, "dp.yaml")) {
    lines.push_back(FormatIssue(located));
  }
  return lines;
}

TEST(DevicePluginYamlTest, ParsesNamesRenamesAndFlags) {
  Result<ParsedDevicePluginConfig> parsed = ParseDevicePluginConfig(
      "flags:\n  migStrategy: single\n  failOnInitError: false\n  plugin: {passDeviceSpecs: true}\n"
      "sharing:\n  timeSlicing:\n    renameByDefault: true\n    failRequestsGreaterThanOne: true\n"
      "    resources:\n    - name: gpu\n      replicas: 3\n      devices: [\"0\", \"1\"]\n",
      "dp.yaml");
  ASSERT_TRUE(parsed) << parsed.error().message();
  const gpu::DevicePluginConfig& config = parsed->config;
  EXPECT_EQ(config.version, "v1");  // the plugin's default when missing
  EXPECT_EQ(config.mig_strategy, gpu::MigStrategy::kSingle);
  EXPECT_EQ(config.other_flags.at("failOnInitError"), "false");
  EXPECT_EQ(config.other_flags.at("plugin"), "{passDeviceSpecs: true}");
  ASSERT_TRUE(config.time_slicing);
  EXPECT_TRUE(config.time_slicing->rename_by_default);
  EXPECT_EQ(config.time_slicing->fail_requests_greater_than_one, true);
  ASSERT_EQ(config.time_slicing->resources.size(), 1U);
  EXPECT_EQ(config.time_slicing->resources[0].name, "nvidia.com/gpu");
  EXPECT_EQ(config.time_slicing->resources[0].devices.list, (std::vector<std::string>{"0", "1"}));

  std::string rendered = RenderDevicePluginConfig(config);
  Result<ParsedDevicePluginConfig> again = ParseDevicePluginConfig(rendered, "rendered.yaml");
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again->config, config) << rendered;
}

TEST(DevicePluginYamlTest, ReportsOneReplicaAtItsLine) {
  EXPECT_EQ(
      Lines("version: v1\nsharing:\n  timeSlicing:\n    resources:\n    - name: nvidia.com/gpu\n"
            "      replicas: 1\n"),
      std::vector<std::string>{"dp.yaml:6: error: sharing.timeSlicing.resources[0].replicas: "
                               "number of replicas must be >= 2 (got 1)"});
}

TEST(DevicePluginYamlTest, ReportsMpsWithMixedStrategy) {
  EXPECT_EQ(
      Lines("version: v1\nflags:\n  migStrategy: mixed\n  mpsRoot: /run/nvidia/mps\nsharing:\n"
            "  mps:\n    resources:\n    - name: nvidia.com/gpu\n      replicas: 4\n"),
      std::vector<std::string>{"dp.yaml:3: error: flags.migStrategy: sharing using MPS is not "
                               "supported with migStrategy mixed"});
}

TEST(DevicePluginYamlTest, WarnsAboutUnknownKeysAndIgnoredFields) {
  EXPECT_EQ(Lines("version: v1\nsharing:\n  timeslicing:\n    resources: []\n"),
            std::vector<std::string>{"dp.yaml:3: warning: sharing.timeslicing: unknown field "
                                     "\"timeslicing\" is ignored by the plugin"});
  EXPECT_EQ(
      Lines("version: v1\nsharing:\n  timeSlicing:\n    resources:\n    - name: gpu\n"
            "      rename: gpu-shared\n      replicas: 2\n"),
      std::vector<std::string>{
          "dp.yaml:6: warning: sharing.timeSlicing.resources[0].rename: the plugin ignores "
          "rename \"nvidia.com/gpu-shared\" (only renameByDefault's \"nvidia.com/gpu.shared\" "
          "takes effect)"});
}

TEST(DevicePluginYamlTest, ReportsWrongVersionAndEmptyResources) {
  EXPECT_EQ(Lines("version: v2\nsharing:\n  timeSlicing: {}\n"),
            (std::vector<std::string>{
                "dp.yaml:1: error: version: unknown version \"v2\" (the plugin reads only v1)",
                "dp.yaml:3: error: sharing.timeSlicing.resources: no resources specified"}));
}

TEST(DevicePluginYamlTest, RejectsTypeErrorsAsThePluginDoes) {
  Result<ParsedDevicePluginConfig> parsed = ParseDevicePluginConfig(
      "version: v1\nsharing:\n  timeSlicing:\n    resources:\n    - name: gpu\n      replicas: "
      "four\n",
      "dp.yaml");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().message(),
            "dp.yaml:6: sharing.timeSlicing.resources[0].replicas: expected a whole number, got "
            "\"four\"");
  Result<ParsedDevicePluginConfig> strategy =
      ParseDevicePluginConfig("version: v1\nflags:\n  migStrategy: both\n", "dp.yaml");
  ASSERT_FALSE(strategy);
  EXPECT_EQ(strategy.error().message(),
            "dp.yaml:3: flags.migStrategy: unknown migStrategy \"both\" (expected none, single or "
            "mixed)");
  EXPECT_FALSE(ParseDevicePluginConfig("version: v1\nsharing: [\n", "dp.yaml"));
  EXPECT_FALSE(ParseDevicePluginConfig("", "dp.yaml"));
  EXPECT_FALSE(ParseDevicePluginConfig("- 1\n", "dp.yaml"));
}

}  // namespace
}  // namespace gpupack::catalog
