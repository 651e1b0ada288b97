#include "plan/packing/placer.h"

#include <gtest/gtest.h>

namespace gpupack::plan::packing {
namespace {

PackPod Fraction(int32_t milli, int64_t cpu = 1000) { return {cpu, 1024, 1, milli}; }

PackPod Whole(int32_t gpus, int64_t cpu = 1000) { return {cpu, 1024, gpus, kMilliPerGpu}; }

PackPod CpuOnly(int64_t cpu) { return {cpu, 1024, 0, 0}; }

// A node spec with plenty of CPU and memory.
PackNodeSpec Node(std::string name, int32_t gpus, std::string model = "T4") {
  return {std::move(name), 64000, 262144, gpus, std::move(model)};
}

PackCluster MakeCluster(std::vector<PackNodeSpec> specs) {
  Result<PackCluster> cluster = PackCluster::Create(specs);
  EXPECT_TRUE(cluster.has_value());
  return *cluster;
}

// Uses `milli` of GPU `gpu` on node `node` with a small pod.
void Use(PackCluster& cluster, int32_t node, int32_t gpu, int32_t milli) {
  cluster.Assign(Fraction(milli, 0), {node, {gpu}});
}

WorkloadProfile ProfileOf(std::vector<TypicalPod> typical, size_t models = 1) {
  WorkloadProfile profile;
  profile.typical_pods = std::move(typical);
  profile.model_pressure.assign(models, 0.0);
  return profile;
}

int32_t PlacedNode(Policy policy, const PackCluster& cluster, const PackPod& pod,
                   WorkloadProfile profile = ProfileOf({{1000, 1, 500, 1.0}})) {
  Placer placer(policy, std::move(profile), 7);
  std::optional<Placement> placement = placer.Place(cluster, pod);
  return placement ? placement->node : -1;
}

TEST(PlacerTest, ParsesEveryPolicyNameAndRejectsUnknownOnes) {
  for (Policy policy : AllPolicies()) {
    Result<Policy> parsed = ParsePolicy(PolicyName(policy));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, policy);
  }
  Result<Policy> unknown = ParsePolicy("tetris");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message().find("best-fit"), std::string::npos);
}

TEST(PlacerTest, FirstFitTakesTheLowestNodeThatFits) {
  PackCluster cluster = MakeCluster({Node("a", 1), Node("b", 4)});
  EXPECT_EQ(PlacedNode(Policy::kFirstFit, cluster, Whole(2)), 1);
  EXPECT_EQ(PlacedNode(Policy::kFirstFit, cluster, Whole(1)), 0);
}

TEST(PlacerTest, BestFitPicksTheTightestNode) {
  PackCluster cluster = MakeCluster({Node("a", 8), Node("b", 2), Node("c", 4)});
  EXPECT_EQ(PlacedNode(Policy::kBestFit, cluster, Whole(1)), 1);
}

TEST(PlacerTest, PackingPrefersThePartiallyUsedGpuWithTheLeastRoom) {
  PackCluster cluster = MakeCluster({Node("a", 2), Node("b", 2), Node("c", 2)});
  Use(cluster, 1, 1, 300);  // b: GPU 1 has 700 free
  Use(cluster, 2, 0, 600);  // c: GPU 0 has 400 free
  Placer placer(Policy::kGpuPacking, ProfileOf({}), 1);
  std::optional<Placement> placement = placer.Place(cluster, Fraction(300));
  ASSERT_TRUE(placement.has_value());
  EXPECT_EQ(placement->node, 2);
  EXPECT_EQ(placement->gpus, std::vector<int32_t>{0});
}

TEST(PlacerTest, PackingPutsWholeGpusOnBusyNodesBeforeIdleOnes) {
  PackCluster cluster = MakeCluster({Node("a", 2), Node("b", 2)});
  Use(cluster, 1, 0, 100);
  EXPECT_EQ(PlacedNode(Policy::kGpuPacking, cluster, Whole(1)), 1);
}

TEST(PlacerTest, ClusteringPrefersNodesHostingTheSameGpuRequest) {
  PackCluster cluster = MakeCluster({Node("a", 2), Node("b", 2), Node("c", 2)});
  Use(cluster, 0, 0, 500);
  Use(cluster, 1, 0, 300);
  EXPECT_EQ(PlacedNode(Policy::kGpuClustering, cluster, Fraction(300)), 1);
  // A new kind goes to a busy node before an idle one.
  EXPECT_EQ(PlacedNode(Policy::kGpuClustering, cluster, Fraction(200)), 0);
}

TEST(PlacerTest, DotProdPicksTheSmallestDotProductOfRequestAndFreeResources) {
  PackCluster cluster = MakeCluster({Node("a", 2), Node("b", 2)});
  cluster.Assign(CpuOnly(56000), {1, {}});  // b has little CPU left
  EXPECT_EQ(PlacedNode(Policy::kDotProd, cluster, CpuOnly(4000)), 1);
}

TEST(PlacerTest, FgdPrefersThePlacementThatGrowsFragmentationLeast) {
  // Typical pods ask for 600m. Node a has a GPU with 700m free, node b a whole free GPU.
  // A 400m pod on a leaves 300m nobody typical can use; on b it leaves 600m, still usable.
  PackCluster cluster = MakeCluster({Node("a", 1), Node("b", 1)});
  Use(cluster, 0, 0, 300);
  WorkloadProfile profile = ProfileOf({{1000, 1, 600, 1.0}});
  EXPECT_EQ(PlacedNode(Policy::kFgd, cluster, Fraction(400), profile), 1);
  EXPECT_EQ(PlacedNode(Policy::kBestFit, cluster, Fraction(400), profile), 0);
}

TEST(PlacerTest, RandomIsDeterministicPerSeedAndPicksOnlyFeasibleNodes) {
  PackCluster cluster = MakeCluster({Node("a", 1), Node("b", 2), Node("c", 2), Node("d", 2)});
  std::vector<int32_t> first;
  std::vector<int32_t> second;
  Placer placer_one(Policy::kRandom, ProfileOf({}), 11);
  Placer placer_two(Policy::kRandom, ProfileOf({}), 11);
  for (int round = 0; round < 20; ++round) {
    first.push_back(placer_one.Place(cluster, Whole(2))->node);
    second.push_back(placer_two.Place(cluster, Whole(2))->node);
  }
  EXPECT_EQ(first, second);
  for (int32_t node : first)
    EXPECT_NE(node, 0);
  EXPECT_NE(std::count(first.begin(), first.end(), first.front()), std::ssize(first));
}

TEST(PlacerTest, EveryPolicyHonoursGpuModelsCpuAndMemory) {
  PackCluster cluster = MakeCluster({Node("a", 4, "T4"),
                                     Node("b", 4, "T4"),
                                     Node("c", 4, "V100"),
                                     {"d", 2000, 262144, 4, "V100"},
                                     Node("e", 4, "V100")});
  cluster.Assign({0, 262144 - 1000, 0, 0}, {4, {}});  // e: almost no memory left
  PackPod pod = Whole(1, 4000);
  pod.allowed_models = uint32_t{1} << *cluster.ModelIndex("V100");
  for (Policy policy : AllPolicies()) {
    EXPECT_EQ(PlacedNode(policy, cluster, pod, ProfileOf({{1000, 1, 500, 1.0}}, 2)), 2)
        << PolicyName(policy);
  }
  // A profile that knows fewer models than the cluster has is read as no pressure on the rest.
  EXPECT_EQ(PlacedNode(Policy::kGpupack, cluster, pod, ProfileOf({{1000, 1, 500, 1.0}}, 1)), 2);
}

TEST(PlacerTest, ReturnsNothingWithAReasonWhenNoNodeFits) {
  PackCluster cluster = MakeCluster({Node("a", 2)});
  for (Policy policy : AllPolicies()) {
    Placer placer(policy, ProfileOf({}), 3);
    std::string explanation;
    EXPECT_FALSE(placer.Place(cluster, Whole(4), &explanation).has_value());
    EXPECT_NE(explanation.find("no node"), std::string::npos);
  }
}

TEST(PlacerTest, ExplainsTheChoice) {
  PackCluster cluster = MakeCluster({Node("a", 2), Node("b", 1)});
  Placer placer(Policy::kBestFit, ProfileOf({}), 3);
  std::string explanation;
  ASSERT_TRUE(placer.Place(cluster, Whole(1), &explanation).has_value());
  EXPECT_NE(explanation.find("best-fit: node b"), std::string::npos) << explanation;
  EXPECT_NE(explanation.find("of 2 feasible nodes"), std::string::npos) << explanation;
}

TEST(PlacerTest, GpupackAvoidsStrandingGpusOnACpuStarvedNode) {
  // Both nodes have 2 GPUs; a has 24 cores, b 48. A 20-core CPU-only pod on a leaves 4 cores,
  // too few to feed its GPUs. FGD's typical pod needs only 1 core, so FGD sees no difference.
  PackCluster cluster = MakeCluster({{"a", 24000, 262144, 2, "T4"}, {"b", 48000, 262144, 2, "T4"}});
  WorkloadProfile profile = ProfileOf({{1000, 1, kMilliPerGpu, 1.0}});
  EXPECT_EQ(PlacedNode(Policy::kFgd, cluster, CpuOnly(20000), profile), 0);
  EXPECT_EQ(PlacedNode(Policy::kGpupack, cluster, CpuOnly(20000), profile), 1);
}

TEST(PlacerTest, GpupackKeepsScarceGpuModelsForPodsThatNeedThem) {
  PackCluster cluster = MakeCluster({Node("a", 1, "T4"), Node("b", 1, "V100")});
  WorkloadProfile profile = ProfileOf({{1000, 1, kMilliPerGpu, 1.0}}, 2);
  profile.model_pressure[static_cast<size_t>(*cluster.ModelIndex("T4"))] = 1.0;
  EXPECT_EQ(PlacedNode(Policy::kFgd, cluster, Whole(1), profile), 0);
  EXPECT_EQ(PlacedNode(Policy::kGpupack, cluster, Whole(1), profile), 1);
}

TEST(PlacerTest, GpupackLeavesHolesThatTheWorkloadCanFill) {
  // Typical pods ask for 500m. A 400m pod on a's whole GPU leaves 600m (100m will be wasted);
  // on b's GPU with 900m free it leaves exactly 500m. FGD sees both as fine and takes a.
  PackCluster cluster = MakeCluster({Node("a", 1), Node("b", 1)});
  Use(cluster, 1, 0, 100);
  WorkloadProfile profile = ProfileOf({{1000, 1, 500, 1.0}});
  EXPECT_EQ(PlacedNode(Policy::kFgd, cluster, Fraction(400), profile), 0);
  EXPECT_EQ(PlacedNode(Policy::kGpupack, cluster, Fraction(400), profile), 1);
}

TEST(PlacerTest, GpupackPutsPodsOnUsedNodesBeforeEmptyOnes) {
  // a is empty; b runs a small CPU-only pod that leaves its GPUs fully usable. A whole-GPU pod
  // changes fragmentation the same on both, so FGD takes the tie to the lowest node, a; gpupack
  // keeps a empty (a node that can be removed when pods leave) and takes b.
  PackCluster cluster = MakeCluster({Node("a", 2), Node("b", 2)});
  cluster.Assign(CpuOnly(1000), {1, {}});
  WorkloadProfile profile = ProfileOf({{1000, 1, kMilliPerGpu, 1.0}});
  EXPECT_EQ(PlacedNode(Policy::kFgd, cluster, Whole(1), profile), 0);
  EXPECT_EQ(PlacedNode(Policy::kGpupack, cluster, Whole(1), profile), 1);
  // The term is the only difference: without it gpupack ties like FGD.
  GpupackWeights no_consolidation;
  no_consolidation.empty_node = 0.0;
  Placer without(Policy::kGpupack, profile, 7, no_consolidation);
  std::optional<Placement> placement = without.Place(cluster, Whole(1));
  ASSERT_TRUE(placement.has_value());
  EXPECT_EQ(placement->node, 0);
}

}  // namespace
}  // namespace gpupack::plan::packing
