#include "plan/packing/workload_profile.h"

#include <gtest/gtest.h>

namespace gpupack::plan::packing {
namespace {

TEST(WorkloadProfileTest, KeepsTheMostFrequentShapesUpToTheCoverage) {
  std::vector<PackNodeSpec> specs = {{"a", 8000, 8192, 2, "T4"}};
  PackCluster cluster = *PackCluster::Create(specs);
  std::vector<PackPod> pods;
  for (int index = 0; index < 6; ++index)
    pods.push_back({1000, 1, 1, 500});
  for (int index = 0; index < 3; ++index)
    pods.push_back({2000, 1, 1, kMilliPerGpu});
  pods.push_back({4000, 1, 0, 0});
  WorkloadProfile profile = BuildWorkloadProfile(cluster, pods, 0.9);
  ASSERT_EQ(profile.typical_pods.size(), 2u);
  EXPECT_EQ(profile.typical_pods[0].gpu_milli, 500);
  EXPECT_DOUBLE_EQ(profile.typical_pods[0].frequency, 0.6);
  EXPECT_EQ(profile.typical_pods[1].cpu_milli, 2000);
  EXPECT_DOUBLE_EQ(profile.typical_pods[1].frequency, 0.3);
}

TEST(WorkloadProfileTest, ModelPressureSplitsRestrictedDemandOverAllowedModels) {
  std::vector<PackNodeSpec> specs = {{"a", 8000, 8192, 2, "A10"}, {"b", 8000, 8192, 4, "T4"}};
  PackCluster cluster = *PackCluster::Create(specs);
  PackPod both = {1000, 1, 2, kMilliPerGpu};
  both.allowed_models = 0b11;  // any model: not counted
  PackPod t4_only = {1000, 1, 2, kMilliPerGpu};
  t4_only.allowed_models = 0b10;
  std::vector<PackPod> pods = {both, t4_only};
  WorkloadProfile profile = BuildWorkloadProfile(cluster, pods);
  EXPECT_DOUBLE_EQ(profile.model_pressure[0], 0.0);
  EXPECT_DOUBLE_EQ(profile.model_pressure[1], 2000.0 / 4000.0);
}

TEST(WorkloadProfileTest, FragmentationCountsIdleGpuEachTypicalPodCannotUse) {
  WorkloadProfile profile;
  profile.typical_pods = {{1000, 1, 500, 0.5}, {1000, 1, kMilliPerGpu, 0.25}, {0, 0, 0, 0.25}};
  PackNode node;
  node.cpu_milli_free = 8000;
  node.gpu_count = 2;
  node.gpu_free_milli = {300, kMilliPerGpu};
  // 500m pods: the 300m left is a fragment. Whole-GPU pods: the 300m too. CPU-only pods: all.
  EXPECT_DOUBLE_EQ(NodeFragmentationMilli(profile, node), 0.5 * 300 + 0.25 * 300 + 0.25 * 1300);
  node.cpu_milli_free = 500;  // no GPU pod fits for lack of CPU: everything idle is a fragment
  EXPECT_DOUBLE_EQ(NodeFragmentationMilli(profile, node), 1300.0);
  node.gpu_free_milli = {0, 0};
  EXPECT_DOUBLE_EQ(NodeFragmentationMilli(profile, node), 0.0);
}

}  // namespace
}  // namespace gpupack::plan::packing
