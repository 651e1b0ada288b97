#include "plan/packing/pack_cluster.h"

#include <gtest/gtest.h>

namespace gpupack::plan::packing {
namespace {

PackCluster MakeCluster(std::vector<PackNodeSpec> specs) {
  Result<PackCluster> cluster = PackCluster::Create(specs);
  EXPECT_TRUE(cluster.has_value());
  return *cluster;
}

PackPod Fraction(int32_t milli, int64_t cpu = 1000, int64_t memory = 1024) {
  return {cpu, memory, 1, milli};
}

PackPod Whole(int32_t gpus, int64_t cpu = 1000, int64_t memory = 1024) {
  return {cpu, memory, gpus, kMilliPerGpu};
}

TEST(PackClusterTest, CountsCapacityPerModelAndSortsModels) {
  PackCluster cluster = MakeCluster(
      {{"a", 8000, 16384, 2, "T4"}, {"b", 8000, 16384, 4, "A10"}, {"c", 4000, 1024, 0, ""}});
  EXPECT_EQ(cluster.models(), (std::vector<std::string>{"A10", "T4"}));
  EXPECT_EQ(cluster.gpu_capacity_milli(), 6000);
  EXPECT_EQ(cluster.model_capacity_milli(), (std::vector<int64_t>{4000, 2000}));
  EXPECT_EQ(cluster.nodes()[2].model, -1);
}

TEST(PackClusterTest, RejectsNodesWithTooManyGpusOrGpusWithoutModel) {
  std::vector<PackNodeSpec> too_many = {{"big", 1000, 1000, kMaxGpusPerNode + 1, "T4"}};
  Result<PackCluster> cluster = PackCluster::Create(too_many);
  ASSERT_FALSE(cluster.has_value());
  EXPECT_NE(cluster.error().message().find("node big"), std::string::npos);
  std::vector<PackNodeSpec> no_model = {{"x", 1000, 1000, 1, ""}};
  EXPECT_FALSE(PackCluster::Create(no_model).has_value());
}

TEST(PackClusterTest, FitsHonoursCpuAndMemory) {
  PackCluster cluster = MakeCluster({{"a", 4000, 8192, 1, "T4"}});
  EXPECT_TRUE(cluster.Fits(0, Fraction(500, 4000, 8192)));
  EXPECT_FALSE(cluster.Fits(0, Fraction(500, 4001, 8192)));
  EXPECT_FALSE(cluster.Fits(0, Fraction(500, 4000, 8193)));
}

TEST(PackClusterTest, FitsHonoursAllowedGpuModels) {
  PackCluster cluster = MakeCluster({{"a", 8000, 8192, 1, "T4"}, {"b", 8000, 8192, 1, "V100"}});
  PackPod pod = Whole(1);
  pod.allowed_models = uint32_t{1} << *cluster.ModelIndex("V100");
  EXPECT_FALSE(cluster.Fits(0, pod));
  EXPECT_TRUE(cluster.Fits(1, pod));
  pod.allowed_models = 0;
  EXPECT_FALSE(cluster.Fits(1, pod));
}

TEST(PackClusterTest, MultiGpuPodsNeedWholeFreeGpusOnOneNode) {
  PackCluster cluster = MakeCluster({{"a", 8000, 8192, 2, "T4"}, {"b", 8000, 8192, 2, "T4"}});
  cluster.Assign(Fraction(100), {0, {0}});
  cluster.Assign(Fraction(100), {1, {1}});
  // Three GPUs are fully free in total, but no node has two.
  EXPECT_FALSE(cluster.Fits(0, Whole(2)));
  EXPECT_FALSE(cluster.Fits(1, Whole(2)));
  EXPECT_TRUE(cluster.Fits(0, Whole(1)));
}

TEST(PackClusterTest, ChoosesTheTightestGpuForAFraction) {
  PackCluster cluster = MakeCluster({{"a", 8000, 8192, 3, "T4"}});
  cluster.Assign(Fraction(300), {0, {0}});
  cluster.Assign(Fraction(600), {0, {1}});
  EXPECT_EQ(cluster.ChooseGpus(0, Fraction(400)), std::vector<int32_t>{1});
  EXPECT_EQ(cluster.ChooseGpus(0, Fraction(500)), std::vector<int32_t>{0});
  EXPECT_EQ(cluster.ChooseGpus(0, Whole(1)), std::vector<int32_t>{2});
}

TEST(PackClusterTest, AssignTakesResourcesAndCountsAllocation) {
  PackCluster cluster = MakeCluster({{"a", 8000, 8192, 4, "T4"}});
  cluster.Assign(Whole(2, 3000, 4096), {0, {0, 1}});
  cluster.Assign(Fraction(250), {0, {2}});
  const PackNode& node = cluster.nodes()[0];
  EXPECT_EQ(node.cpu_milli_free, 4000);
  EXPECT_EQ(node.memory_mib_free, 3072);
  EXPECT_EQ(node.FullyFreeGpus(), 1);
  EXPECT_EQ(node.GpuFreeMilli(), 1750);
  EXPECT_EQ(node.gpu_pod_kind, -1);  // two different GPU request kinds
  EXPECT_EQ(cluster.gpu_allocated_milli(), 2250);
}

}  // namespace
}  // namespace gpupack::plan::packing
