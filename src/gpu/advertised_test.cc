#include "gpu/advertised.h"

#include <gtest/gtest.h>

#include "gpu/testing/test_models.h"

namespace gpupack::gpu {
namespace {

AdvertisedNode Advertise(const GpuModel& model, int count, std::vector<std::string> geometry,
                         const DevicePluginConfig& config) {
  NodeGpuLayout layout;
  layout.gpu_count = count;
  layout.mig_enabled = !geometry.empty();
  layout.mig_geometry = std::move(geometry);
  Result<AdvertisedNode> node = ComputeAdvertised(model, layout, config);
  EXPECT_TRUE(node) << (node ? "" : node.error().message());
  return node.value_or(AdvertisedNode{});
}

using Capacity = std::map<std::string, int64_t>;

TEST(AdvertisedTest, TimeSlicedT4sAdvertiseReplicasTimesGpus) {
  GpuModel t4 = testing::T4ForTest();
  AdvertisedNode node =
      Advertise(t4, 4, {}, MakeTimeSlicingConfig(MigStrategy::kNone, 4, {"nvidia.com/gpu"}, false));
  EXPECT_EQ(node.capacity, (Capacity{{"nvidia.com/gpu", 16}}));
  EXPECT_EQ(node.labels.at("nvidia.com/gpu.product"), t4.ProductLabel() + "-SHARED");
  EXPECT_EQ(node.labels.at("nvidia.com/gpu.count"), "4");
  EXPECT_EQ(node.labels.at("nvidia.com/gpu.replicas"), "4");
  EXPECT_EQ(node.labels.at("nvidia.com/gpu.sharing-strategy"), "time-slicing");
  EXPECT_EQ(node.labels.at("nvidia.com/mig.capable"), "false");
  EXPECT_EQ(node.labels.count("nvidia.com/mig.strategy"), 0U);
}

TEST(AdvertisedTest, RenameByDefaultMovesReplicasToSharedAndKeepsProduct) {
  GpuModel t4 = testing::T4ForTest();
  AdvertisedNode node =
      Advertise(t4, 4, {}, MakeTimeSlicingConfig(MigStrategy::kNone, 4, {"nvidia.com/gpu"}, true));
  EXPECT_EQ(node.capacity, (Capacity{{"nvidia.com/gpu", 0}, {"nvidia.com/gpu.shared", 16}}));
  EXPECT_EQ(node.labels.at("nvidia.com/gpu.product"), t4.ProductLabel());
  EXPECT_EQ(node.labels.at("nvidia.com/gpu.replicas"), "4");
}

TEST(AdvertisedTest, StrategyNoneIgnoresMig) {
  AdvertisedNode node = Advertise(testing::A100ForTest(), 2, {"3g.20gb", "3g.20gb"},
                                  MakeTimeSlicingConfig(MigStrategy::kNone, 1, {}, false));
  EXPECT_EQ(node.capacity, (Capacity{{"nvidia.com/gpu", 2}}));
  EXPECT_EQ(node.labels.at("nvidia.com/gpu.replicas"), "1");
  EXPECT_EQ(node.labels.at("nvidia.com/gpu.sharing-strategy"), "none");
}

TEST(AdvertisedTest, SingleStrategyFoldsIdenticalInstancesIntoGpu) {
  GpuModel a100 = testing::A100ForTest();
  AdvertisedNode node =
      Advertise(a100, 8, std::vector<std::string>(7, "1g.5gb"),
                MakeTimeSlicingConfig(MigStrategy::kSingle, 2, {"nvidia.com/gpu"}, false));
  EXPECT_EQ(node.capacity, (Capacity{{"nvidia.com/gpu", 112}}));
  EXPECT_EQ(node.labels.at("nvidia.com/gpu.product"), a100.ProductLabel() + "-MIG-1g.5gb-SHARED");
  EXPECT_EQ(node.labels.at("nvidia.com/gpu.count"), "56");
  EXPECT_EQ(node.labels.at("nvidia.com/gpu.replicas"), "2");
  EXPECT_EQ(node.labels.at("nvidia.com/gpu.slices.gi"), "1");
  EXPECT_EQ(node.labels.at("nvidia.com/mig.strategy"), "single");
  EXPECT_TRUE(node.problems.empty());
}

TEST(AdvertisedTest, SingleStrategyWithDifferentInstancesIsInvalid) {
  GpuModel a100 = testing::A100ForTest();
  AdvertisedNode node = Advertise(a100, 1, {"3g.20gb", "2g.10gb", "1g.5gb", "1g.5gb"},
                                  MakeTimeSlicingConfig(MigStrategy::kSingle, 1, {}, false));
  EXPECT_TRUE(node.capacity.empty());
  EXPECT_EQ(node.labels.at("nvidia.com/gpu.product"), a100.ProductLabel() + "-MIG-INVALID");
  EXPECT_EQ(node.labels.at("nvidia.com/gpu.count"), "0");
  EXPECT_EQ(node.labels.at("nvidia.com/gpu.replicas"), "0");
  EXPECT_EQ(node.labels.at("nvidia.com/gpu.memory"), "0");
  EXPECT_EQ(node.labels.at("nvidia.com/gpu.sharing-strategy"), "");
  EXPECT_EQ(node.problems.size(), 1U);
}

TEST(AdvertisedTest, MixedStrategyAdvertisesOneResourcePerProfile) {
  GpuModel a100 = testing::A100ForTest();
  AdvertisedNode node =
      Advertise(a100, 2, {"3g.20gb", "2g.10gb", "1g.5gb", "1g.5gb+me"},
                MakeTimeSlicingConfig(MigStrategy::kMixed, 3, {"nvidia.com/mig-1g.5gb"}, false));
  EXPECT_EQ(node.capacity, (Capacity{{"nvidia.com/mig-1g.5gb", 6},
                                     {"nvidia.com/mig-1g.5gb.me", 2},
                                     {"nvidia.com/mig-2g.10gb", 2},
                                     {"nvidia.com/mig-3g.20gb", 2}}));
  EXPECT_EQ(node.labels.at("nvidia.com/gpu.replicas"), "0");
  EXPECT_EQ(node.labels.at("nvidia.com/gpu.count"), "2");
  EXPECT_EQ(node.labels.at("nvidia.com/mig-1g.5gb.count"), "2");
  EXPECT_EQ(node.labels.at("nvidia.com/mig-1g.5gb.replicas"), "3");
  EXPECT_EQ(node.labels.at("nvidia.com/mig-1g.5gb.sharing-strategy"), "time-slicing");
  EXPECT_EQ(node.labels.at("nvidia.com/mig-1g.5gb.product"),
            a100.ProductLabel() + "-MIG-1g.5gb-SHARED");
  EXPECT_EQ(node.labels.at("nvidia.com/mig-2g.10gb.replicas"), "1");
  EXPECT_EQ(node.labels.at("nvidia.com/mig-2g.10gb.sharing-strategy"), "none");
  EXPECT_EQ(node.labels.at("nvidia.com/mig-3g.20gb.slices.gi"), "3");
  // GFD's sanitiser drops '+' from the product, while the resource name writes it as '.'.
  EXPECT_EQ(node.labels.at("nvidia.com/mig-1g.5gb.me.product"),
            a100.ProductLabel() + "-MIG-1g.5gbme");
}

TEST(AdvertisedTest, MixedStrategyKeepsMigDisabledGpusWhole) {
  AdvertisedNode node = Advertise(testing::A100ForTest(), 3, {},
                                  MakeTimeSlicingConfig(MigStrategy::kMixed, 1, {}, false));
  EXPECT_EQ(node.capacity, (Capacity{{"nvidia.com/gpu", 3}}));
  EXPECT_EQ(node.labels.at("nvidia.com/mig.strategy"), "mixed");
}

TEST(AdvertisedTest, ComputeInstanceProfilesAreAProblemInMixed) {
  AdvertisedNode node = Advertise(testing::A100ForTest(), 1, {"1c.3g.20gb"},
                                  MakeTimeSlicingConfig(MigStrategy::kMixed, 1, {}, false));
  EXPECT_TRUE(node.capacity.empty());
  ASSERT_EQ(node.problems.size(), 1U);
}

TEST(AdvertisedTest, RejectsUnknownProfilesAndMigOnNonMigModels) {
  NodeGpuLayout layout{1, true, {"1g.6gb"}};
  Result<AdvertisedNode> unknown =
      ComputeAdvertised(testing::A100ForTest(), layout, DevicePluginConfig{});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("1g.5gb"), std::string::npos)
      << unknown.error().message();
  layout.mig_geometry = {"1g.5gb"};
  EXPECT_FALSE(ComputeAdvertised(testing::T4ForTest(), layout, DevicePluginConfig{}));
}

TEST(AdvertisedTest, MpsSetsTheMpsCapableLabel) {
  DevicePluginConfig config;
  config.mps = ReplicatedResources{};
  config.mps->resources = {{"nvidia.com/gpu", "", {}, 4}};
  AdvertisedNode node = Advertise(testing::T4ForTest(), 1, {}, config);
  EXPECT_EQ(node.labels.at("nvidia.com/mps.capable"), "true");
  EXPECT_EQ(node.labels.at("nvidia.com/gpu.sharing-strategy"), "mps");
  EXPECT_EQ(node.capacity, (Capacity{{"nvidia.com/gpu", 4}}));
}

}  // namespace
}  // namespace gpupack::gpu
