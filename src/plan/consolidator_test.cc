#include "plan/consolidator.h"

#include <gtest/gtest.h>

#include "plan/testing/fixtures.h"

namespace gpupack::plan {
namespace {

using testing::CatalogForTest;
using testing::GpuNodeForTest;
using testing::GpuPod;
using testing::TimeSliced;

constexpr const char* kA100 = "A100-SXM4-40GB";

class ConsolidatorTest : public ::testing::Test {
 protected:
  // Nodes n1, n2 (one pod each, one GPU of 4 replicas) and n3 (empty).
  cluster::ClusterSnapshot Snapshot(cluster::Pod on_n1, cluster::Pod on_n2) {
    std::vector<cluster::Node> nodes;
    for (const char* name : {"n1", "n2", "n3"}) {
      nodes.push_back(GpuNodeForTest(name, catalog_, kA100, 1, TimeSliced(4)));
    }
    on_n1.node_name = "n1";
    on_n2.node_name = "n2";
    on_n1.phase = on_n2.phase = cluster::PodPhase::kRunning;
    std::vector<std::string> warnings;
    auto snapshot = cluster::BuildSnapshot(std::move(nodes), {on_n1, on_n2}, {},
                                           cluster::InstanceCatalog(), catalog_, warnings);
    EXPECT_TRUE(snapshot) << snapshot.error().message();
    return *std::move(snapshot);
  }

  ConsolidationResult Run(const cluster::ClusterSnapshot& snapshot, const PlanOptions& options,
                          std::vector<cluster::Node>& nodes) {
    Placer placer(fit_, PlacementPolicy::kGpupack, {});
    return Consolidate(snapshot, placer, options, nodes, {});
  }

  gpu::GpuCatalog catalog_ = CatalogForTest();
  FitChecker fit_{catalog_};
};

TEST_F(ConsolidatorTest, EmptyNodeGoesAndOneBusyNodeWithinTheBudget) {
  cluster::ClusterSnapshot snapshot = Snapshot(GpuPod("a", 1, "", true), GpuPod("b", 1, "", true));
  std::vector<cluster::Node> nodes = snapshot.nodes;
  PlanOptions options;
  options.disruption_budget = 1;
  ConsolidationResult result = Run(snapshot, options, nodes);
  ASSERT_EQ(result.removals.size(), 2u);
  EXPECT_EQ(result.removals[1].node, "n3");
  ASSERT_EQ(result.moves.size(), 1u);
  // Nothing stranded: the moved pod is accounted on a node that stays.
  const std::string& target = result.moves[0].node;
  EXPECT_NE(target, result.removals[0].node);
  EXPECT_NE(target, "n3");
  for (size_t i : result.removed) {
    EXPECT_TRUE(nodes[i].pods.empty()) << nodes[i].name;
  }
  auto kept = std::find_if(nodes.begin(), nodes.end(),
                           [&](const cluster::Node& n) { return n.name == target; });
  EXPECT_EQ(kept->pods.size(), 2u);
  EXPECT_EQ(kept->gpus[0].UsedSlots(-1), 2);
}

TEST_F(ConsolidatorTest, ZeroBudgetOnlyRemovesEmptyNodes) {
  cluster::ClusterSnapshot snapshot = Snapshot(GpuPod("a", 1, "", true), GpuPod("b", 1, "", true));
  std::vector<cluster::Node> nodes = snapshot.nodes;
  PlanOptions options;
  options.disruption_budget = 0;
  ConsolidationResult result = Run(snapshot, options, nodes);
  ASSERT_EQ(result.removals.size(), 1u);
  EXPECT_EQ(result.removals[0].node, "n3");
  EXPECT_TRUE(result.moves.empty());
}

TEST_F(ConsolidatorTest, DoNotDisruptBarePodsAndJobsPinTheirNodes) {
  cluster::Pod pinned = GpuPod("a", 1, "", true);
  pinned.annotations.emplace(kAnnotationDoNotDisrupt, "true");
  cluster::Pod bare = GpuPod("b", 1, "", true);
  bare.owner.reset();
  cluster::ClusterSnapshot snapshot = Snapshot(pinned, bare);
  std::vector<cluster::Node> nodes = snapshot.nodes;
  PlanOptions options;
  options.disruption_budget = 5;
  ConsolidationResult result = Run(snapshot, options, nodes);
  ASSERT_EQ(result.removals.size(), 1u);
  EXPECT_EQ(result.removals[0].node, "n3");

  cluster::Pod job = GpuPod("j", 1, "", true);
  job.owner = cluster::OwnerRef{"Job", "train"};
  EXPECT_EQ(WhyPinned(job, options), "a running Job's pod");
  options.protect_running_jobs = false;
  EXPECT_EQ(WhyPinned(job, options), "");
  EXPECT_EQ(WhyPinned(bare, options), "no owning controller (a bare pod would not come back)");
}

TEST_F(ConsolidatorTest, ANodeWhosePodsFitNowhereStays) {
  // Pods of 30Gi each: two cannot share one 40GB A100.
  cluster::ClusterSnapshot snapshot =
      Snapshot(GpuPod("a", 1, "30Gi", true), GpuPod("b", 1, "30Gi", true));
  std::vector<cluster::Node> nodes = snapshot.nodes;
  PlanOptions options;
  options.disruption_budget = 5;
  // The empty n3 goes; neither busy node can be emptied: two 30Gi pods cannot share a 40GB A100.
  ConsolidationResult result = Run(snapshot, options, nodes);
  ASSERT_EQ(result.removals.size(), 1u);
  EXPECT_EQ(result.removals[0].node, "n3");
  EXPECT_TRUE(result.moves.empty());
  EXPECT_EQ(nodes[0].pods.size() + nodes[1].pods.size(), 2u);
}

}  // namespace
}  // namespace gpupack::plan
