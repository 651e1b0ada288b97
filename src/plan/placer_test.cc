#include "plan/placer.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "common/quantity.h"
#include "plan/packing/placer.h"
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

  // Nodes "half" and "quarter" have one GPU each in 4 replicas (250 milli a slot), 2 and 1 of
  // them taken: 500 and 750 milli free.
  std::vector<cluster::Node> HalfAndQuarterNodes() {
    std::vector<cluster::Node> nodes = {
        GpuNodeForTest("half", catalog_, kA100, 1, TimeSliced(4)),
        GpuNodeForTest("quarter", catalog_, kA100, 1, TimeSliced(4))};
    for (int i = 0; i < 3; ++i) {
      cluster::Pod busy = GpuPod("busy" + std::to_string(i), 1, "", true);
      cluster::Node& node = nodes[i < 2 ? 0 : 1];
      std::vector<DeviceChoice> devices;
      EXPECT_TRUE(fit_.Fits(busy, node, &devices));
      Assign(node, busy, devices);
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

// A pod that states a quarter of a GPU and asks a plain nvidia.com/gpu (as auto rewrites one):
// an unshared GPU serves it whole.
cluster::Pod QuarterGpuPod(const std::string& name) {
  cluster::Pod pod = GpuPod(name);
  pod.gpu.kind = cluster::GpuDemandKind::kSharedGpu;
  pod.gpu.milli_gpu = 250;
  return pod;
}

TEST_F(NodePlacerTest, ASharedPodTakesAFreeReplicaBeforeAWholeGpuOfARunningNode) {
  std::vector<cluster::Node> nodes = {GpuNodeForTest("a", catalog_, kA100, 2, {}),
                                      GpuNodeForTest("b", catalog_, kA100, 1, TimeSliced(4))};
  cluster::Pod whole = GpuPod("whole");
  std::vector<DeviceChoice> devices;
  ASSERT_TRUE(fit_.Fits(whole, nodes[0], &devices));
  Assign(nodes[0], whole, devices);
  for (int i = 0; i < 3; ++i) {
    cluster::Pod pod = GpuPod("busy" + std::to_string(i), 1, "", true);
    ASSERT_TRUE(fit_.Fits(pod, nodes[1], &devices));
    Assign(nodes[1], pod, devices);
  }
  cluster::Pod pod = QuarterGpuPod("new");
  for (PlacementPolicy policy : {PlacementPolicy::kFirstFit, PlacementPolicy::kBestFit,
                                 PlacementPolicy::kFragmentationAware, PlacementPolicy::kGpupack}) {
    EXPECT_EQ(Choose(policy, pod, nodes), 1u) << PlacementPolicyName(policy);
  }
  // With the replicas taken, the running node lends its idle GPU.
  cluster::Pod last = GpuPod("busy3", 1, "", true);
  ASSERT_TRUE(fit_.Fits(last, nodes[1], &devices));
  Assign(nodes[1], last, devices);
  EXPECT_EQ(Choose(PlacementPolicy::kGpupack, pod, nodes), 0u);
  EXPECT_EQ(devices_, (std::vector<DeviceChoice>{{1, -1, 1}}));
}

TEST_F(NodePlacerTest, ASharedPodIsLentAWholeGpuOnlyByANodeThatRunsPods) {
  std::vector<cluster::Node> nodes = {GpuNodeForTest("empty", catalog_, kA100, 2, {}),
                                      GpuNodeForTest("running", catalog_, kA100, 2, {})};
  cluster::Pod pod = QuarterGpuPod("new");
  for (PlacementPolicy policy : {PlacementPolicy::kFirstFit, PlacementPolicy::kGpupack}) {
    EXPECT_EQ(Choose(policy, pod, {nodes[0]}), std::nullopt) << PlacementPolicyName(policy);
  }
  cluster::Pod whole = GpuPod("whole");
  std::vector<DeviceChoice> devices;
  ASSERT_TRUE(fit_.Fits(whole, nodes[1], &devices));
  Assign(nodes[1], whole, devices);
  for (PlacementPolicy policy : {PlacementPolicy::kFirstFit, PlacementPolicy::kGpupack}) {
    EXPECT_EQ(Choose(policy, pod, nodes), 1u) << PlacementPolicyName(policy);
  }
  // A whole-GPU pod takes the empty node as before.
  EXPECT_EQ(Choose(PlacementPolicy::kFirstFit, GpuPod("other"), nodes), 0u);
}

TEST_F(NodePlacerTest, FgdKeepsFreeSharesTheDemandMixCanStillUse) {
  // Both nodes have one GPU in 4 replicas (250 milli a slot): "half" has 2 taken (500 free),
  // "quarter" 1 (750 free). When the mix is mostly 500-milli pods, a 250-milli pod on "half"
  // would leave 250 that none of them can use; on "quarter" it leaves 500, so fgd goes there
  // although best-fit takes the tighter "half".
  std::vector<cluster::Node> nodes = HalfAndQuarterNodes();
  cluster::Pod small = GpuPod("small", 1, "", true);
  small.gpu.milli_gpu = 250;
  std::vector<cluster::Pod> big(5, GpuPod("big", 1, "", true));
  std::vector<const cluster::Pod*> mix = {&small};
  for (cluster::Pod& b : big) {
    b.gpu.milli_gpu = 500;
    mix.push_back(&b);
  }
  Placer fgd(fit_, PlacementPolicy::kFragmentationAware, mix);
  EXPECT_EQ(fgd.Choose(small, nodes, devices_), 1u);
  Placer best_fit(fit_, PlacementPolicy::kBestFit, mix);
  EXPECT_EQ(best_fit.Choose(small, nodes, devices_), 0u);
}

TEST_F(NodePlacerTest, PlacerCacheKeepsThePlacerOnlyWhileThePolicyAndDemandMixAreTheSame) {
  // "half" (500 milli free) and "quarter" (750 free). For a mix of 500-milli pods fgd keeps
  // "half"'s 500 whole and takes "quarter"; for a mix of 250-milli pods every remainder is usable
  // and the tie goes to "half".
  std::vector<cluster::Node> nodes = HalfAndQuarterNodes();
  cluster::Pod small = GpuPod("small", 1, "", true);
  small.gpu.milli_gpu = 250;
  cluster::Pod big = GpuPod("big", 1, "", true);
  big.gpu.milli_gpu = 500;
  std::vector<const cluster::Pod*> mostly_big = {&small, &big, &big, &big};
  std::vector<const cluster::Pod*> only_small = {&small};
  PlacerCache placers(fit_);
  const Placer* first = &placers.Get(PlacementPolicy::kFragmentationAware, mostly_big);
  EXPECT_EQ(first->Choose(small, nodes, devices_), 1u);
  EXPECT_EQ(&placers.Get(PlacementPolicy::kFragmentationAware, mostly_big), first);  // kept
  EXPECT_EQ(
      placers.Get(PlacementPolicy::kFragmentationAware, only_small).Choose(small, nodes, devices_),
      0u);
  EXPECT_EQ(
      placers.Get(PlacementPolicy::kFragmentationAware, mostly_big).Choose(small, nodes, devices_),
      1u);
  const Placer& best_fit = placers.Get(PlacementPolicy::kBestFit, mostly_big);
  EXPECT_EQ(best_fit.policy(), PlacementPolicy::kBestFit);
  EXPECT_EQ(best_fit.Choose(small, nodes, devices_), 0u);
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

constexpr const char* kLabelWhole = "test.gpupack.io/whole-gpus";

// One random pod of the unification property, in both models.
struct TwinPod {
  cluster::Pod pod;
  packing::PackPod pack;
};

// Whole GPUs on unshared nodes, a quarter of a GPU on nodes time-sliced in 4 (one replica, so the
// share is exact in both models) or CPU only; the packing model restricts whole and fractional
// pods to the node kinds Kubernetes' resources and selectors send them to.
TwinPod RandomTwinPod(const std::string& name, uint32_t whole_model, uint32_t shared_model) {
  TwinPod twin;
  int kind = *rc::gen::inRange(0, 3);
  if (kind == 0) {
    int32_t count = *rc::gen::inRange(1, 5);
    twin.pod = GpuPod(name, count);
    // Unpinned, nvidia.com/gpu would also take replicas of time-sliced GPUs.
    twin.pod.node_selector.emplace(kLabelWhole, "true");
    twin.pack =
        packing::PackPod{.num_gpu = count, .gpu_milli = 1000, .allowed_models = whole_model};
  } else if (kind == 1) {
    twin.pod = GpuPod(name, 1, "", true);
    twin.pod.gpu.milli_gpu = 250;
    twin.pack = packing::PackPod{.num_gpu = 1, .gpu_milli = 250, .allowed_models = shared_model};
  } else {
    twin.pod = testing::CpuPod(name, 1000);
  }
  twin.pack.cpu_milli = 1000 * *rc::gen::inRange<int64_t>(1, 17);
  twin.pack.memory_mib = 1024 * *rc::gen::inRange<int64_t>(1, 65);
  twin.pod.requests.milli_cpu = twin.pack.cpu_milli;
  twin.pod.requests.memory_bytes = twin.pack.memory_mib * kMiB;
  return twin;
}

// The planner's placer ranks with the packing library's scoring: on a cluster both models can
// express (no MIG), it picks the same node and GPUs as packing::Placer, pod after pod.
RC_GTEST_PROP(PlacerUnificationProperty, PlansTheSameNodesAndGpusAsThePackingLibrary, ()) {
  const gpu::GpuCatalog catalog = CatalogForTest();
  const FitChecker fit(catalog);
  const int node_count = *rc::gen::inRange(1, 12);
  std::vector<cluster::Node> nodes;
  std::vector<packing::PackNodeSpec> specs;
  for (int n = 0; n < node_count; ++n) {
    bool shared = *rc::gen::inRange(0, 2) == 1;
    int gpus = *rc::gen::element(1, 2, 4, 8);
    std::string name = "n" + std::to_string(10 + n);
    cluster::Node node = GpuNodeForTest(name, catalog, kA100, gpus,
                                        shared ? TimeSliced(4) : cluster::SharingConfig{});
    if (!shared) {
      node.labels.emplace(kLabelWhole, "true");
    }
    node.allocatable.milli_cpu = 1000 * *rc::gen::inRange<int64_t>(8, 97);
    node.allocatable.memory_bytes = kGiB * *rc::gen::inRange<int64_t>(64, 513);
    node.capacity = node.allocatable;
    specs.push_back(packing::PackNodeSpec{name, node.allocatable.milli_cpu,
                                          node.allocatable.memory_bytes / kMiB, gpus,
                                          shared ? "shared" : "whole"});
    nodes.push_back(std::move(node));
  }
  Result<packing::PackCluster> cluster = packing::PackCluster::Create(specs);
  RC_ASSERT(cluster.has_value());
  auto model_bit = [&](const char* model) -> uint32_t {
    std::optional<int32_t> index = cluster->ModelIndex(model);
    return index ? uint32_t{1} << *index : 0;
  };
  const int pod_count = *rc::gen::inRange(1, 40);
  std::vector<TwinPod> pods;
  for (int p = 0; p < pod_count; ++p) {
    pods.push_back(RandomTwinPod("p" + std::to_string(p), model_bit("whole"), model_bit("shared")));
  }
  std::vector<const cluster::Pod*> mix;
  std::vector<packing::PackPod> pack_mix;
  for (const TwinPod& twin : pods) {
    mix.push_back(&twin.pod);
    pack_mix.push_back(twin.pack);
  }
  const auto policy =
      *rc::gen::element(PlacementPolicy::kGpupack, PlacementPolicy::kFragmentationAware,
                        PlacementPolicy::kBestFit, PlacementPolicy::kFirstFit);
  const packing::Policy pack_policy = *packing::ParsePolicy(PlacementPolicyName(policy));
  packing::WorkloadProfile profile = packing::BuildWorkloadProfile(*cluster, pack_mix);
  // The planner maps no pod to GPU models (placer.h), so it sees no model pressure.
  profile.model_pressure.clear();
  packing::Placer pack_placer(pack_policy, profile, 1);
  const Placer placer(fit, policy, mix);

  std::vector<DeviceChoice> devices;
  for (const TwinPod& twin : pods) {
    std::optional<size_t> chosen = placer.Choose(twin.pod, nodes, devices);
    std::optional<packing::Placement> pack_chosen = pack_placer.Place(*cluster, twin.pack);
    RC_ASSERT(chosen.has_value() == pack_chosen.has_value());
    if (!chosen) {
      continue;
    }
    RC_ASSERT(*chosen == static_cast<size_t>(pack_chosen->node));
    std::vector<int32_t> gpus;
    for (const DeviceChoice& d : devices) {
      for (int32_t slot = 0; slot < d.slots; ++slot) {
        gpus.push_back(d.gpu);
      }
    }
    RC_ASSERT(gpus == pack_chosen->gpus);
    Assign(nodes[*chosen], twin.pod, devices);
    cluster->Assign(twin.pack, *pack_chosen);
  }
}

}  // namespace
}  // namespace gpupack::plan
