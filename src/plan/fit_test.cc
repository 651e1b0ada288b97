#include "plan/fit.h"

#include <gtest/gtest.h>

#include "plan/testing/fixtures.h"

namespace gpupack::plan {
namespace {

using cluster::MigStrategy;
using testing::CatalogForTest;
using testing::GpuNodeForTest;
using testing::GpuPod;
using testing::MigSharing;
using testing::MixedMigPod;
using testing::SeedMigPod;
using testing::TimeSliced;

constexpr const char* kA100 = "A100-SXM4-40GB";

class FitTest : public ::testing::Test {
 protected:
  cluster::SharingConfig AllOneG(MigStrategy strategy, int32_t replicas = 1) {
    return MigSharing(catalog_, kA100, std::vector<std::string>(7, "1g.5gb"), strategy, replicas);
  }

  gpu::GpuCatalog catalog_ = CatalogForTest();
  FitChecker fit_{catalog_};
  std::vector<DeviceChoice> devices_;
};

TEST_F(FitTest, ModelOfFindsEveryCatalogModelByItsNameAndNothingElse) {
  // The test catalog's models and 20 more whose names share their length and first and last 8
  // bytes (what the model table hashes), so they probe one chain.
  std::vector<gpu::GpuModel> models(catalog_.models().begin(), catalog_.models().end());
  for (int i = 0; i < 20; ++i) {
    gpu::GpuModel model = catalog_.models().front();
    model.name = "ABCDEFGH-" + std::to_string(10 + i) + "-IJKLMNOP";
    model.nvml_name = "NVIDIA " + model.name;
    model.aliases.clear();
    models.push_back(std::move(model));
  }
  auto catalog = gpu::GpuCatalog::Create(std::move(models));
  ASSERT_TRUE(catalog.has_value()) << catalog.error().message();
  FitChecker fit(*catalog);
  cluster::NodeGpu device;
  for (const gpu::GpuModel& model : catalog->models()) {
    device.model = model.name;
    EXPECT_EQ(fit.ModelOf(device), &model) << model.name;
    device.model[device.model.size() / 2] = '#';  // a name no model has
    EXPECT_EQ(fit.ModelOf(device), nullptr) << device.model;
  }
  device.model.clear();
  EXPECT_EQ(fit.ModelOf(device), nullptr);
}

TEST_F(FitTest, SeedPodTakesOneInstanceOfASingleStrategyMigGpu) {
  cluster::Node node = GpuNodeForTest("a", catalog_, kA100, 1, AllOneG(MigStrategy::kSingle));
  cluster::Pod pod = SeedMigPod("p", "1g.5gb");
  ASSERT_TRUE(fit_.Fits(pod, node, &devices_)) << fit_.WhyNot(pod, node);
  ASSERT_EQ(devices_.size(), 1u);
  EXPECT_EQ(devices_[0].gpu, 0);
  EXPECT_GE(devices_[0].instance, 0);
}

TEST_F(FitTest, SevenSeedPodsFillAnAllOneGGpuAndTheEighthDoesNot) {
  cluster::Node node = GpuNodeForTest("a", catalog_, kA100, 1, AllOneG(MigStrategy::kSingle));
  for (int i = 0; i < 7; ++i) {
    cluster::Pod pod = SeedMigPod("p" + std::to_string(i), "1g.5gb");
    ASSERT_TRUE(fit_.Fits(pod, node, &devices_)) << i << ": " << fit_.WhyNot(pod, node);
    Assign(node, pod, devices_);
  }
  cluster::Pod eighth = SeedMigPod("p7", "1g.5gb");
  EXPECT_FALSE(fit_.Fits(eighth, node, nullptr));
  EXPECT_EQ(fit_.WhyNot(eighth, node), "node a: insufficient nvidia.com/gpu");
}

TEST_F(FitTest, MigNodeTaintRejectsPodsThatDoNotTolerateIt) {
  cluster::Node node = GpuNodeForTest("a", catalog_, kA100, 1, AllOneG(MigStrategy::kSingle));
  cluster::Pod pod = GpuPod("plain");
  EXPECT_FALSE(fit_.Fits(pod, node, nullptr));
  EXPECT_EQ(fit_.WhyNot(pod, node),
            "node a: taint nvidia.com/gpu.mig=true:NoSchedule not tolerated");
}

TEST_F(FitTest, SeedSelectorRejectsANodeWithoutThatPartition) {
  cluster::Node node =
      GpuNodeForTest("a", catalog_, kA100, 1,
                     MigSharing(catalog_, kA100, {"3g.20gb", "3g.20gb"}, MigStrategy::kSingle));
  cluster::Pod pod = SeedMigPod("p", "1g.5gb");
  EXPECT_FALSE(fit_.Fits(pod, node, nullptr));
  EXPECT_EQ(fit_.WhyNot(pod, node),
            "node a: nodeSelector nvidia.com/gpu.mig-partition-1g.5gb=true not matched (label "
            "absent)");
}

TEST_F(FitTest, MixedStrategyPodNeedsItsOwnProfileResource) {
  cluster::Node node =
      GpuNodeForTest("a", catalog_, kA100, 1,
                     MigSharing(catalog_, kA100, {"4g.20gb", "3g.20gb"}, MigStrategy::kMixed));
  cluster::Pod small = MixedMigPod("small", "1g.5gb");
  EXPECT_EQ(fit_.WhyNot(small, node), "node a: insufficient nvidia.com/mig-1g.5gb");
  cluster::Pod three = MixedMigPod("three", "3g.20gb");
  ASSERT_TRUE(fit_.Fits(three, node, &devices_));
  const cluster::NodeGpu& gpu = node.gpus[0];
  size_t profile =
      gpu.sharing.geometry.placements[static_cast<size_t>(devices_[0].instance)].profile;
  EXPECT_EQ(catalog_.models()[0].name.empty(), false);
  EXPECT_EQ((*catalog_.Find(kA100))->mig_profiles[profile].name, "3g.20gb");
}

TEST_F(FitTest, CordonedAndNotReadyNodesTakeNothing) {
  cluster::Node node = GpuNodeForTest("a", catalog_, kA100, 1, TimeSliced(4));
  cluster::Pod pod = GpuPod("p", 1, "", true);
  node.unschedulable = true;
  EXPECT_EQ(fit_.WhyNot(pod, node), "node a: cordoned");
  node.unschedulable = false;
  node.ready = false;
  EXPECT_EQ(fit_.WhyNot(pod, node), "node a: not ready");
}

TEST_F(FitTest, NoExecuteTaintsFilterButPreferNoScheduleDoesNot) {
  cluster::Node node = GpuNodeForTest("a", catalog_, kA100, 1, TimeSliced(4));
  cluster::Pod pod = GpuPod("p", 1, "", true);
  node.taints.push_back({"soft", "", cluster::TaintEffect::kPreferNoSchedule});
  EXPECT_TRUE(fit_.Fits(pod, node, nullptr));
  node.taints.push_back({"evict", "now", cluster::TaintEffect::kNoExecute});
  EXPECT_EQ(fit_.WhyNot(pod, node), "node a: taint evict=now:NoExecute not tolerated");
}

TEST_F(FitTest, RequiredNodeAffinityIsAFilter) {
  cluster::Node node = GpuNodeForTest("a", catalog_, kA100, 1, TimeSliced(4));
  cluster::Pod pod = GpuPod("p", 1, "", true);
  cluster::NodeSelectorTerm term;
  term.match_expressions.push_back({"zone", cluster::SelectorOperator::kIn, {"us-east-1a"}});
  pod.required_affinity = cluster::NodeSelector{{term}};
  EXPECT_EQ(fit_.WhyNot(pod, node), "node a: required node affinity not matched");
  node.labels["zone"] = "us-east-1a";
  EXPECT_TRUE(fit_.Fits(pod, node, nullptr));
}

TEST_F(FitTest, CpuShortfallIsReportedWithAmounts) {
  cluster::Node node = GpuNodeForTest("a", catalog_, kA100, 1, TimeSliced(4));
  cluster::Pod pod = testing::CpuPod("big", 200000);
  EXPECT_EQ(fit_.WhyNot(pod, node), "node a: insufficient cpu (200 asked, 96 free)");
}

TEST_F(FitTest, TimeSlicedMemoryBudgetsAddUpToTheGpuMemory) {
  // 40GB A100 in 4 replicas; 16Gi pods: two fit on one GPU, the third does not.
  cluster::Node node = GpuNodeForTest("a", catalog_, kA100, 1, TimeSliced(4));
  for (int i = 0; i < 2; ++i) {
    cluster::Pod pod = GpuPod("p" + std::to_string(i), 1, "16Gi", true);
    ASSERT_TRUE(fit_.Fits(pod, node, &devices_));
    Assign(node, pod, devices_);
  }
  cluster::Pod third = GpuPod("p2", 1, "16Gi", true);
  EXPECT_FALSE(fit_.Fits(third, node, nullptr));
  EXPECT_EQ(fit_.WhyNot(third, node).find("no free nvidia.com/gpu device"), 8u);
  cluster::Pod small = GpuPod("p3", 1, "4Gi", true);
  EXPECT_TRUE(fit_.Fits(small, node, nullptr));
}

TEST_F(FitTest, MigInstanceMustHoldThePodsMemory) {
  cluster::Node node = GpuNodeForTest("a", catalog_, kA100, 1, AllOneG(MigStrategy::kMixed));
  cluster::Pod pod = MixedMigPod("p", "1g.5gb");
  pod.gpu.gpu_memory_bytes = int64_t{8} << 30;
  EXPECT_FALSE(fit_.Fits(pod, node, nullptr));
  pod.gpu.gpu_memory_bytes = int64_t{4} << 30;
  EXPECT_TRUE(fit_.Fits(pod, node, nullptr));
}

TEST_F(FitTest, MilliGpuNeedsFewEnoughReplicas) {
  cluster::Pod pod = GpuPod("p", 1, "", true);
  pod.gpu.milli_gpu = 300;
  cluster::Node four = GpuNodeForTest("four", catalog_, kA100, 1, TimeSliced(4));
  EXPECT_FALSE(fit_.Fits(pod, four, nullptr));
  cluster::Node three = GpuNodeForTest("three", catalog_, kA100, 1, TimeSliced(3));
  EXPECT_TRUE(fit_.Fits(pod, three, nullptr));
}

TEST_F(FitTest, ReplicaGoesToTheTightestSharedGpu) {
  cluster::Node node = GpuNodeForTest("a", catalog_, kA100, 3, TimeSliced(4));
  cluster::Pod first = GpuPod("first", 1, "", true);
  node.gpus[1].allocations.push_back({"default/other", -1, 1, 0});
  node.requested.Set(cluster::kResourceGpu, 1);
  ASSERT_TRUE(fit_.Fits(first, node, &devices_));
  EXPECT_EQ(devices_, (std::vector<DeviceChoice>{{1, -1, 1}}));
}

TEST_F(FitTest, WholeGpuPodsTakeTheLowestFreeGpus) {
  cluster::Node node = GpuNodeForTest("a", catalog_, kA100, 4, cluster::SharingConfig{});
  node.gpus[0].allocations.push_back({"default/other", -1, 1, 0});
  node.requested.Set(cluster::kResourceGpu, 1);
  cluster::Pod pod = GpuPod("p", 2);
  ASSERT_TRUE(fit_.Fits(pod, node, &devices_));
  EXPECT_EQ(devices_, (std::vector<DeviceChoice>{{1, -1, 1}, {2, -1, 1}}));
  cluster::Pod four = GpuPod("four", 4);
  EXPECT_EQ(fit_.WhyNot(four, node), "node a: insufficient nvidia.com/gpu");
}

TEST_F(FitTest, PlainGpuRequestOnATimeSlicedNodeGetsAReplicaAsThePluginWouldGiveIt) {
  cluster::Node node = GpuNodeForTest("a", catalog_, kA100, 1, TimeSliced(4));
  for (int i = 0; i < 4; ++i) {
    cluster::Pod pod = GpuPod("p" + std::to_string(i));
    ASSERT_TRUE(fit_.Fits(pod, node, &devices_)) << fit_.WhyNot(pod, node);
    Assign(node, pod, devices_);
  }
  EXPECT_EQ(node.gpus[0].UsedSlots(-1), 4);
  EXPECT_FALSE(fit_.Fits(GpuPod("p4"), node, nullptr));
}

TEST_F(FitTest, RenamedSharedResourceOnlyMatchesRenamedDevices) {
  cluster::SharingConfig renamed = TimeSliced(4);
  renamed.rename_by_default = true;
  cluster::Node node = GpuNodeForTest("a", catalog_, kA100, 1, renamed);
  cluster::Pod plain = GpuPod("plain");
  EXPECT_EQ(fit_.WhyNot(plain, node), "node a: insufficient nvidia.com/gpu");
  cluster::Pod shared = testing::CpuPod("shared", 100);
  shared.requests.Set(cluster::kResourceGpuShared, 1);
  ASSERT_TRUE(cluster::RecognizeGpuDemand(shared).has_value());
  EXPECT_TRUE(fit_.Fits(shared, node, &devices_)) << fit_.WhyNot(shared, node);
}

TEST_F(FitTest, PodLimitIsCounted) {
  cluster::Node node = GpuNodeForTest("a", catalog_, kA100, 1, TimeSliced(4));
  node.allocatable.pods = 1;
  node.requested.pods = 1;
  EXPECT_EQ(fit_.WhyNot(testing::CpuPod("c", 100), node), "node a: too many pods (1 allowed)");
}

}  // namespace
}  // namespace gpupack::plan
