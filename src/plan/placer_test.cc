#include "plan/placer.h"

#include <gtest/gtest.h>

#include "plan/testing/fixtures.h"

namespace gpupack::plan {
namespace {

using testing::CatalogForTest;
using testing::GpuNodeForTest;
using testing::GpuPod;
using testing::TimeSliced;

constexpr const char* kA100 = "A100-SXM4-40GB";

class NodePlacerTest : public ::testing::Test {
 protected:
  // Node "a" has one GPU with 3 of 4 replicas taken; node "b" is empty with one GPU of 4.
  std::vector<cluster::Node> TwoNodes() {
    std::vector<cluster::Node> nodes = {GpuNodeForTest("a", catalog_, kA100, 1, TimeSliced(4)),
                                        GpuNodeForTest("b", catalog_, kA100, 2, TimeSliced(4))};
    for (int i = 0; i < 3; ++i) {
      cluster::Pod pod = GpuPod("busy" + std::to_string(i), 1, "", true);
      std::vector<DeviceChoice> devices;
      EXPECT_TRUE(fit_.Fits(pod, nodes[0], &devices));
      Assign(nodes[0], pod, devices);
    }
    return nodes;
  }

  std::optional<size_t> Choose(PlacementPolicy policy, const cluster::Pod& pod,
                               const std::vector<cluster::Node>& nodes) {
    std::vector<const cluster::Pod*> mix = {&pod};
    Placer placer(fit_, policy, mix);
    return placer.Choose(pod, nodes, devices_);
  }

  gpu::GpuCatalog catalog_ = CatalogForTest();
  FitChecker fit_{catalog_};
  std::vector<DeviceChoice> devices_;
};

TEST_F(NodePlacerTest, PolicyNamesRoundTripAndUnknownNamesAreRejected) {
  for (PlacementPolicy policy : {PlacementPolicy::kFirstFit, PlacementPolicy::kBestFit,
                                 PlacementPolicy::kFragmentationAware, PlacementPolicy::kGpupack}) {
    EXPECT_EQ(*ParsePlacementPolicy(PlacementPolicyName(policy)), policy);
  }
  auto bad = ParsePlacementPolicy("worst-fit");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("first-fit, best-fit, fgd or gpupack"), std::string::npos);
}

TEST_F(NodePlacerTest, FirstFitTakesTheFirstNodeByOrderEvenWhenAnotherIsTighter) {
  std::vector<cluster::Node> nodes = TwoNodes();
  std::swap(nodes[0], nodes[1]);  // the empty node first
  cluster::Pod pod = GpuPod("new", 1, "", true);
  EXPECT_EQ(Choose(PlacementPolicy::kFirstFit, pod, nodes), 0u);
}

TEST_F(NodePlacerTest, BestFitTakesTheNodeLeftWithTheFewestFreeSlots) {
  std::vector<cluster::Node> nodes = TwoNodes();
  std::swap(nodes[0], nodes[1]);
  cluster::Pod pod = GpuPod("new", 1, "", true);
  EXPECT_EQ(Choose(PlacementPolicy::kBestFit, pod, nodes), 1u);
}

TEST_F(NodePlacerTest, GpupackFillsAnAlreadySharedGpuBeforeOpeningAnIdleOne) {
  std::vector<cluster::Node> nodes = TwoNodes();
  cluster::Pod pod = GpuPod("new", 1, "", true);
  EXPECT_EQ(Choose(PlacementPolicy::kGpupack, pod, nodes), 0u);
  EXPECT_EQ(devices_, (std::vector<DeviceChoice>{{0, -1, 1}}));
}

TEST_F(NodePlacerTest, FgdAvoidsLeavingSlotsTooSmallForTheDemandMix) {
  // Node "ts8" has GPUs in 8 replicas (125 milli a slot), node "ts2" in 2 (500 milli). A 100-milli
  // pod fits both; when the mix is mostly 400-milli pods, ts8's slots are useless to them anyway,
  // so fgd puts the small pod there and keeps ts2's big slots whole.
  std::vector<cluster::Node> nodes = {GpuNodeForTest("ts2", catalog_, kA100, 1, TimeSliced(2)),
                                      GpuNodeForTest("ts8", catalog_, kA100, 1, TimeSliced(8))};
  cluster::Pod small = GpuPod("small", 1, "", true);
  small.gpu.milli_gpu = 100;
  std::vector<cluster::Pod> big(5, GpuPod("big", 1, "", true));
  std::vector<const cluster::Pod*> mix = {&small};
  for (cluster::Pod& b : big) {
    b.gpu.milli_gpu = 400;
    mix.push_back(&b);
  }
  Placer fgd(fit_, PlacementPolicy::kFragmentationAware, mix);
  EXPECT_EQ(fgd.Choose(small, nodes, devices_), 1u);
}

TEST_F(NodePlacerTest, PodsAreOrderedByPriorityThenDemandThenName) {
  cluster::Pod low = GpuPod("a-low");
  cluster::Pod high = GpuPod("z-high");
  high.priority = 10;
  cluster::Pod two = GpuPod("m-two", 2);
  cluster::Pod one = GpuPod("b-one");
  std::vector<const cluster::Pod*> pods = {&low, &one, &two, &high};
  SortForPlacement(pods);
  EXPECT_EQ(pods, (std::vector<const cluster::Pod*>{&high, &two, &low, &one}));
}

TEST_F(NodePlacerTest, PlacePodsAccountsEachPlacementSoNothingIsOvercommitted) {
  std::vector<cluster::Node> nodes = {GpuNodeForTest("a", catalog_, kA100, 1, TimeSliced(4))};
  std::vector<cluster::Pod> pods;
  for (int i = 0; i < 6; ++i) {
    pods.push_back(GpuPod("p" + std::to_string(i), 1, "", true));
  }
  std::vector<const cluster::Pod*> order;
  for (const cluster::Pod& p : pods) {
    order.push_back(&p);
  }
  Placer placer(fit_, PlacementPolicy::kGpupack, order);
  std::vector<const cluster::Pod*> unplaced;
  std::vector<Placement> placed = PlacePods(placer, order, nodes, unplaced);
  EXPECT_EQ(placed.size(), 4u);
  EXPECT_EQ(unplaced.size(), 2u);
  EXPECT_EQ(nodes[0].gpus[0].UsedSlots(-1), 4);
  EXPECT_EQ(nodes[0].requested.Get(cluster::kResourceGpu), 4);
}

TEST_F(NodePlacerTest, LargeClustersScoreAsManyFeasibleNodesAsKubeSchedulerWould) {
  EXPECT_EQ(FeasibleNodesToScore(50), 50u);
  EXPECT_EQ(FeasibleNodesToScore(100), 100u);
  EXPECT_EQ(FeasibleNodesToScore(1000), 420u);   // 50 - 8 = 42%
  EXPECT_EQ(FeasibleNodesToScore(5000), 500u);   // 50 - 40 = 10%
  EXPECT_EQ(FeasibleNodesToScore(10000), 500u);  // at least 5%
}

}  // namespace
}  // namespace gpupack::plan
