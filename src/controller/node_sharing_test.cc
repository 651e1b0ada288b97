#include "controller/node_sharing.h"

#include <gtest/gtest.h>

#include "catalog/gpu_catalog_loader.h"
#include "controller/conventions.h"

namespace gpupack::controller {
namespace {

class NodeSharingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<gpu::GpuCatalog> gpus = catalog::LoadBuiltInGpuCatalog();
    ASSERT_TRUE(gpus) << gpus.error().message();
    catalog_.emplace(std::move(*gpus));
  }

  plan::GpuPlan Whole() const { return plan::GpuPlan{"A100-SXM4-40GB", {}, {}}; }

  plan::GpuPlan TimeSliced(int32_t replicas) const {
    plan::GpuPlan out = Whole();
    out.sharing.mode = cluster::SharingMode::kTimeSlicing;
    out.sharing.replicas = replicas;
    return out;
  }

  plan::GpuPlan Mig(std::vector<std::string> profiles, gpu::MigStrategy strategy,
                    int32_t replicas = 1) const {
    const gpu::GpuModel& model = **catalog_->Find("A100-SXM4-40GB");
    const gpu::MigGeometryEngine& engine = catalog_->Geometry(model);
    plan::GpuPlan out = Whole();
    out.sharing.mode =
        replicas > 1 ? cluster::SharingMode::kMigTimeSlicing : cluster::SharingMode::kMig;
    out.sharing.replicas = replicas;
    out.sharing.mig_strategy = strategy;
    out.sharing.geometry = *engine.Fit(*engine.CountsFromNames(profiles));
    out.geometry = engine.ProfileNames(out.sharing.geometry);
    return out;
  }

  std::optional<gpu::GpuCatalog> catalog_;
};

TEST_F(NodeSharingTest, TimeSlicedGpusGetTheTsKeyAndAdvertiseReplicas) {
  Result<NodeSharing> sharing =
      PlanNodeSharing(std::vector<plan::GpuPlan>(8, TimeSliced(4)), *catalog_);
  ASSERT_TRUE(sharing) << sharing.error().message();
  EXPECT_EQ(sharing->device_plugin_key, "ts-4");
  ASSERT_TRUE(sharing->device_plugin_config.time_slicing.has_value());
  ASSERT_EQ(sharing->device_plugin_config.time_slicing->resources.size(), 1U);
  EXPECT_EQ(sharing->device_plugin_config.time_slicing->resources[0].name, "nvidia.com/gpu");
  EXPECT_EQ(sharing->device_plugin_config.time_slicing->resources[0].replicas, 4);
  EXPECT_EQ(sharing->advertised.Get("nvidia.com/gpu"), 32);
  // An A100 is MIG-capable: its MIG manager is told to keep MIG off.
  EXPECT_EQ(sharing->mig_config, "all-disabled");
  EXPECT_EQ(sharing->labels, (cluster::Labels{{"gpupack.io/planned-sharing", "ts-4"},
                                              {"nvidia.com/device-plugin.config", "ts-4"},
                                              {"nvidia.com/mig.config", "all-disabled"}}));
  EXPECT_TRUE(sharing->taints.empty());
}

TEST_F(NodeSharingTest, MigMixedUsesNvidiasGeometryNameThePartitionLabelsAndTheMigTaint) {
  Result<NodeSharing> sharing =
      PlanNodeSharing(std::vector<plan::GpuPlan>(
                          8, Mig(std::vector<std::string>(7, "1g.5gb"), gpu::MigStrategy::kMixed)),
                      *catalog_);
  ASSERT_TRUE(sharing) << sharing.error().message();
  EXPECT_EQ(sharing->device_plugin_key, "mig-mixed");
  EXPECT_EQ(sharing->mig_config, "all-1g.5gb");
  ASSERT_EQ(sharing->mig_entries.size(), 1U);
  EXPECT_TRUE(sharing->mig_entries[0].devices.all);
  EXPECT_TRUE(sharing->mig_entries[0].mig_enabled);
  EXPECT_EQ(sharing->mig_entries[0].mig_devices, (std::map<std::string, int>{{"1g.5gb", 7}}));
  EXPECT_EQ(sharing->mig_entries[0].device_filter.front().ToString(), "0x20B010DE");
  EXPECT_EQ(sharing->advertised.Get("nvidia.com/mig-1g.5gb"), 56);
  EXPECT_EQ(sharing->labels.at("nvidia.com/gpu.mig-partition-1g.5gb"), "true");
  EXPECT_EQ(sharing->labels.at("nvidia.com/mig.config"), "all-1g.5gb");
  ASSERT_EQ(sharing->taints.size(), 1U);
  EXPECT_EQ(sharing->taints[0].ToString(), "nvidia.com/gpu.mig=true:NoSchedule");
}

TEST_F(NodeSharingTest, MixedTimeSlicedMigNamesTheReplicatedResourcesInItsKey) {
  Result<NodeSharing> sharing = PlanNodeSharing(
      {Mig({"3g.20gb", "2g.10gb", "1g.5gb", "1g.5gb"}, gpu::MigStrategy::kMixed, 2)}, *catalog_);
  ASSERT_TRUE(sharing) << sharing.error().message();
  EXPECT_EQ(sharing->device_plugin_key, "mig-mixed-ts-2-1g.5gb_2g.10gb_3g.20gb");
  EXPECT_EQ(sharing->mig_config, "1x3g.20gb_1x2g.10gb_2x1g.5gb");
  EXPECT_EQ(sharing->advertised.Get("nvidia.com/mig-1g.5gb"), 4);
  EXPECT_EQ(sharing->advertised.Get("nvidia.com/mig-3g.20gb"), 2);
}

TEST_F(NodeSharingTest, GpusWithDifferentGeometriesGetOneEntryPerGroupUnderAStableName) {
  std::vector<plan::GpuPlan> gpus = {
      Mig(std::vector<std::string>(7, "1g.5gb"), gpu::MigStrategy::kMixed),
      Mig({"3g.20gb", "3g.20gb"}, gpu::MigStrategy::kMixed),
      Mig(std::vector<std::string>(7, "1g.5gb"), gpu::MigStrategy::kMixed)};
  Result<NodeSharing> sharing = PlanNodeSharing(gpus, *catalog_);
  ASSERT_TRUE(sharing) << sharing.error().message();
  EXPECT_TRUE(sharing->mig_config.starts_with("gpupack-")) << sharing->mig_config;
  ASSERT_EQ(sharing->mig_entries.size(), 2U);
  // Entries by geometry: 1g.5gb first (GPUs 0 and 2), then 3g.20gb (GPU 1).
  EXPECT_EQ(sharing->mig_entries[0].devices.indices, (std::vector<int>{0, 2}));
  EXPECT_EQ(sharing->mig_entries[1].devices.indices, (std::vector<int>{1}));
  EXPECT_EQ(PlanNodeSharing(gpus, *catalog_)->mig_config, sharing->mig_config);
}

TEST_F(NodeSharingTest, RefusesGpusThatNeedDifferentDevicePluginConfigs) {
  Result<NodeSharing> sharing = PlanNodeSharing({TimeSliced(4), TimeSliced(2)}, *catalog_);
  ASSERT_FALSE(sharing);
  EXPECT_EQ(sharing.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(sharing.error().message().find("one config"), std::string::npos)
      << sharing.error().message();
  EXPECT_FALSE(PlanNodeSharing({}, *catalog_));
}

TEST_F(NodeSharingTest, ConfigsReadBackGiveThePlansTheyWereWrittenFrom) {
  const gpu::GpuModel& model = **catalog_->Find("A100-SXM4-40GB");
  const std::vector<std::vector<plan::GpuPlan>> cases = {
      std::vector<plan::GpuPlan>(8, Whole()),
      std::vector<plan::GpuPlan>(8, TimeSliced(4)),
      std::vector<plan::GpuPlan>(2,
                                 Mig({"3g.20gb", "2g.10gb", "1g.5gb"}, gpu::MigStrategy::kMixed)),
      std::vector<plan::GpuPlan>(
          2, Mig(std::vector<std::string>(7, "1g.5gb"), gpu::MigStrategy::kSingle, 3)),
      {Mig({"3g.20gb", "3g.20gb"}, gpu::MigStrategy::kMixed),
       Mig(std::vector<std::string>(7, "1g.5gb"), gpu::MigStrategy::kMixed)},
  };
  for (const std::vector<plan::GpuPlan>& gpus : cases) {
    Result<NodeSharing> sharing = PlanNodeSharing(gpus, *catalog_);
    ASSERT_TRUE(sharing) << sharing.error().message();
    Result<std::vector<plan::GpuPlan>> back =
        GpuPlansFromConfigs(model, catalog_->Geometry(model), static_cast<int>(gpus.size()),
                            sharing->device_plugin_config, sharing->mig_entries);
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(*back, gpus) << sharing->device_plugin_key << " " << sharing->mig_config;
  }
}

TEST_F(NodeSharingTest, OneConfigNameHoldsAnEntryPerModelAndEachModelReadsItsOwn) {
  std::vector<plan::GpuPlan> a100 = {Mig({"3g.20gb", "3g.20gb"}, gpu::MigStrategy::kMixed)};
  Result<NodeSharing> ours = PlanNodeSharing(a100, *catalog_);
  ASSERT_TRUE(ours) << ours.error().message();
  // The same name written for another model (another PCI id) before.
  gpu::MigConfigEntry other = ours->mig_entries[0];
  other.device_filter = {*gpu::PciDeviceId::Parse("0x20B510DE")};
  other.mig_devices = {{"3g.40gb", 2}};
  std::vector<gpu::MigConfigEntry> have = {other};
  EXPECT_TRUE(MergeMigEntries(have, ours->mig_entries));
  ASSERT_EQ(have.size(), 2U);
  EXPECT_EQ(have[0], other);
  EXPECT_FALSE(MergeMigEntries(have, ours->mig_entries));  // already there

  const gpu::GpuModel& model = **catalog_->Find("A100-SXM4-40GB");
  std::vector<gpu::MigConfigEntry> other_first = {other, ours->mig_entries[0]};
  Result<std::vector<plan::GpuPlan>> back = GpuPlansFromConfigs(
      model, catalog_->Geometry(model), 1, ours->device_plugin_config, other_first);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, a100);
}

TEST(StableHashTest, IsFnv1aAndPrintsSixteenHexDigits) {
  EXPECT_EQ(StableHash(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(Hex16(StableHash("a")), "af63dc4c8601ec8c");
}

}  // namespace
}  // namespace gpupack::controller
