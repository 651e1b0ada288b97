#include "gpu/device_plugin_config.h"

#include <gtest/gtest.h>

namespace gpupack::gpu {
namespace {

DevicePluginConfig TimeSliced(std::vector<ReplicatedResource> resources,
                              MigStrategy strategy = MigStrategy::kNone) {
  DevicePluginConfig config;
  config.mig_strategy = strategy;
  config.time_slicing = ReplicatedResources{};
  config.time_slicing->resources = std::move(resources);
  return config;
}

ReplicatedResource Resource(std::string name, int replicas) {
  ReplicatedResource resource;
  resource.name = std::move(name);
  resource.replicas = replicas;
  return resource;
}

std::vector<std::string> Paths(const std::vector<ConfigIssue>& issues, Severity severity) {
  std::vector<std::string> paths;
  for (const ConfigIssue& issue : issues) {
    if (issue.severity == severity) {
      paths.push_back(issue.path);
    }
  }
  return paths;
}

TEST(DevicePluginConfigTest, AcceptsTimeSlicedGpus) {
  DevicePluginConfig config = TimeSliced({Resource("nvidia.com/gpu", 4)});
  EXPECT_TRUE(CheckDevicePluginConfig(config).empty());
  EXPECT_EQ(SharingStrategyName(config), "time-slicing");
}

TEST(DevicePluginConfigTest, RejectsOneReplica) {
  std::vector<ConfigIssue> issues =
      CheckDevicePluginConfig(TimeSliced({Resource("nvidia.com/gpu", 1)}));
  EXPECT_EQ(Paths(issues, Severity::kError),
            std::vector<std::string>{"sharing.timeSlicing.resources[0].replicas"});
}

TEST(DevicePluginConfigTest, RejectsEmptyResources) {
  EXPECT_EQ(Paths(CheckDevicePluginConfig(TimeSliced({})), Severity::kError),
            std::vector<std::string>{"sharing.timeSlicing.resources"});
}

TEST(DevicePluginConfigTest, RejectsMpsWithMixedStrategyAndMigResources) {
  DevicePluginConfig config;
  config.mig_strategy = MigStrategy::kMixed;
  config.mps_root = "/run/nvidia/mps";
  config.mps = ReplicatedResources{};
  config.mps->resources = {Resource("nvidia.com/mig-1g.5gb", 2)};
  std::vector<std::string> errors = Paths(CheckDevicePluginConfig(config), Severity::kError);
  EXPECT_EQ(errors,
            (std::vector<std::string>{"sharing.mps.resources[0].name", "flags.migStrategy"}));
  EXPECT_EQ(SharingStrategyName(config), "mps");
}

TEST(DevicePluginConfigTest, RejectsTimeSlicingTogetherWithMps) {
  DevicePluginConfig config = TimeSliced({Resource("nvidia.com/gpu", 2)});
  config.mps_root = "/run/nvidia/mps";
  config.mps = ReplicatedResources{};
  config.mps->resources = {Resource("nvidia.com/gpu", 2)};
  EXPECT_EQ(Paths(CheckDevicePluginConfig(config), Severity::kError),
            std::vector<std::string>{"sharing"});
}

TEST(DevicePluginConfigTest, WarnsAboutFieldsThePluginIgnores) {
  ReplicatedResource renamed = Resource("nvidia.com/gpu", 2);
  renamed.rename = "nvidia.com/gpu-shared";
  renamed.devices.kind = ReplicatedDevices::Kind::kCount;
  renamed.devices.count = 2;
  std::vector<ConfigIssue> issues = CheckDevicePluginConfig(TimeSliced({renamed}));
  EXPECT_TRUE(Paths(issues, Severity::kError).empty());
  EXPECT_EQ(Paths(issues, Severity::kWarning),
            (std::vector<std::string>{"sharing.timeSlicing.resources[0].rename",
                                      "sharing.timeSlicing.resources[0].devices"}));
  renamed.rename = "nvidia.com/gpu.shared";
  renamed.devices = {};
  EXPECT_TRUE(CheckDevicePluginConfig(TimeSliced({renamed})).empty());
}

TEST(DevicePluginConfigTest, WarnsWhenMigResourcesAreNotAdvertisedByTheStrategy) {
  std::vector<ConfigIssue> issues = CheckDevicePluginConfig(
      TimeSliced({Resource("nvidia.com/mig-1g.5gb", 2)}, MigStrategy::kSingle));
  EXPECT_EQ(Paths(issues, Severity::kWarning),
            std::vector<std::string>{"sharing.timeSlicing.resources[0].name"});
  EXPECT_TRUE(CheckDevicePluginConfig(
                  TimeSliced({Resource("nvidia.com/mig-1g.5gb", 2)}, MigStrategy::kMixed))
                  .empty());
}

TEST(DevicePluginConfigTest, RejectsInvalidAndDuplicateNames) {
  std::vector<ConfigIssue> issues = CheckDevicePluginConfig(TimeSliced(
      {Resource("nvidia.com/gpu", 2), Resource("nvidia.com/gpu", 3),
       Resource("nvidia.com/" + std::string(60, 'a'), 2), Resource("nvidia.com/-x", 2)}));
  EXPECT_EQ(Paths(issues, Severity::kError),
            (std::vector<std::string>{"sharing.timeSlicing.resources[1].name",
                                      "sharing.timeSlicing.resources[2].name",
                                      "sharing.timeSlicing.resources[3].name"}));
}

TEST(DevicePluginConfigTest, QualifiesAndRenamesResourceNames) {
  EXPECT_EQ(QualifyResourceName("gpu"), "nvidia.com/gpu");
  EXPECT_EQ(QualifyResourceName("example.com/gpu"), "example.com/gpu");
  ReplicatedResource resource = Resource("nvidia.com/mig-1g.5gb", 2);
  EXPECT_EQ(AdvertisedResourceName(resource, true), "nvidia.com/mig-1g.5gb.shared");
  EXPECT_EQ(AdvertisedResourceName(resource, false), "nvidia.com/mig-1g.5gb");
}

TEST(DevicePluginConfigTest, ParsesMigStrategies) {
  EXPECT_EQ(ParseMigStrategy("mixed").value_or(MigStrategy::kNone), MigStrategy::kMixed);
  EXPECT_FALSE(ParseMigStrategy("Mixed"));
  EXPECT_EQ(EffectiveMigStrategy(DevicePluginConfig{}), MigStrategy::kNone);
}

TEST(DevicePluginConfigTest, NamesConfigMapKeysAsTheDesignDoes) {
  EXPECT_EQ(DevicePluginConfigKey(MigStrategy::kNone, 4), "ts-4");
  EXPECT_EQ(DevicePluginConfigKey(MigStrategy::kSingle, 1), "mig-single");
  EXPECT_EQ(DevicePluginConfigKey(MigStrategy::kSingle, 4), "mig-single-ts-4");
  EXPECT_EQ(DevicePluginConfigKey(MigStrategy::kMixed, 2), "mig-mixed-ts-2");
  EXPECT_EQ(DevicePluginConfigKey(MigStrategy::kNone, 1), "no-sharing");
}

}  // namespace
}  // namespace gpupack::gpu
