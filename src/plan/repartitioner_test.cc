#include "plan/repartitioner.h"

#include <gtest/gtest.h>

#include "plan/testing/fixtures.h"

namespace gpupack::plan {
namespace {

using cluster::MigStrategy;
using testing::CatalogForTest;
using testing::GpuNodeForTest;
using testing::MigSharing;
using testing::MixedMigPod;
using testing::SeedMigPod;

constexpr const char* kA100 = "A100-SXM4-40GB";

class RepartitionerTest : public ::testing::Test {
 protected:
  // Node "m" of template "dyn": two A100s cut 7g.40gb; GPU 0 runs pod "run".
  cluster::ClusterSnapshot Snapshot(MigStrategy strategy, bool dynamic,
                                    std::vector<cluster::Pod> pending) {
    cluster::Node node = GpuNodeForTest("m", catalog_, kA100, 2,
                                        MigSharing(catalog_, kA100, {"7g.40gb"}, strategy), "dyn");
    cluster::NodeTemplate node_template;
    node_template.name = "dyn";
    node_template.mig.enabled = true;
    node_template.mig.strategy = strategy;
    node_template.mig.dynamic = dynamic;
    cluster::Pod running = strategy == MigStrategy::kMixed ? MixedMigPod("run", "7g.40gb")
                                                           : SeedMigPod("run", "7g.40gb");
    running.node_name = "m";
    running.phase = cluster::PodPhase::kRunning;
    pending.push_back(running);
    std::vector<std::string> warnings;
    auto snapshot = cluster::BuildSnapshot({node}, std::move(pending), {node_template},
                                           cluster::InstanceCatalog(), catalog_, warnings);
    EXPECT_TRUE(snapshot) << snapshot.error().message();
    EXPECT_TRUE(warnings.empty());
    return *std::move(snapshot);
  }

  gpu::GpuCatalog catalog_ = CatalogForTest();
  FitChecker fit_{catalog_};
};

TEST_F(RepartitionerTest, IdleGpuIsRecutForPendingMigPodsAndTheBusyOneIsLeftAlone) {
  cluster::ClusterSnapshot snapshot = Snapshot(
      MigStrategy::kMixed, true,
      {MixedMigPod("a", "1g.5gb"), MixedMigPod("b", "1g.5gb"), MixedMigPod("c", "2g.10gb")});
  std::vector<cluster::Node> nodes = snapshot.nodes;
  cluster::SharingConfig busy_before = nodes[0].gpus[0].sharing;
  std::vector<const cluster::Pod*> unplaced = snapshot.PendingPods();
  RepartitionResult result = Repartition(snapshot, fit_, nodes, unplaced);
  ASSERT_EQ(result.reconfigurations.size(), 1u);
  EXPECT_EQ(result.reconfigurations[0].gpu, 1);
  EXPECT_EQ(nodes[0].gpus[0].sharing, busy_before);
  EXPECT_EQ(result.placements.size(), 3u);
  EXPECT_TRUE(unplaced.empty());
  for (const Placement& p : result.placements) {
    ASSERT_EQ(p.devices.size(), 1u);
    EXPECT_EQ(p.devices[0].gpu, 1);
  }
  const gpu::MigGeometryEngine& engine = **catalog_.FindGeometry(kA100);
  EXPECT_TRUE(engine.Fits(nodes[0].gpus[1].sharing.geometry.counts));
  EXPECT_TRUE(engine.ValidatePlacements(nodes[0].gpus[1].sharing.geometry.placements));
  // The advertised capacity follows the new geometry.
  EXPECT_GE(nodes[0].allocatable.Get("nvidia.com/mig-1g.5gb"), 2);
  EXPECT_EQ(nodes[0].allocatable.Get("nvidia.com/mig-7g.40gb"), 1);
}

TEST_F(RepartitionerTest, SingleStrategyGetsOneProfileAndThePartitionLabel) {
  std::vector<cluster::Pod> pods;
  for (int i = 0; i < 7; ++i) {
    pods.push_back(SeedMigPod("s" + std::to_string(i), "1g.5gb"));
  }
  cluster::ClusterSnapshot snapshot = Snapshot(MigStrategy::kSingle, true, pods);
  std::vector<cluster::Node> nodes = snapshot.nodes;
  std::vector<const cluster::Pod*> unplaced = snapshot.PendingPods();
  RepartitionResult result = Repartition(snapshot, fit_, nodes, unplaced);
  ASSERT_EQ(result.reconfigurations.size(), 1u);
  EXPECT_EQ(result.reconfigurations[0].to.geometry, std::vector<std::string>(7, "1g.5gb"));
  EXPECT_EQ(result.placements.size(), 7u);
  EXPECT_EQ(nodes[0].labels.count("nvidia.com/gpu.mig-partition-1g.5gb"), 1u);
  EXPECT_EQ(nodes[0].labels.count("nvidia.com/gpu.mig-partition-7g.40gb"), 1u);
}

TEST_F(RepartitionerTest, StaticTemplatesAreNeverRepartitioned) {
  cluster::ClusterSnapshot snapshot =
      Snapshot(MigStrategy::kMixed, false, {MixedMigPod("a", "1g.5gb")});
  std::vector<cluster::Node> nodes = snapshot.nodes;
  std::vector<const cluster::Pod*> unplaced = snapshot.PendingPods();
  RepartitionResult result = Repartition(snapshot, fit_, nodes, unplaced);
  EXPECT_TRUE(result.reconfigurations.empty());
  EXPECT_EQ(unplaced.size(), 1u);
  EXPECT_EQ(nodes[0].gpus, snapshot.nodes[0].gpus);
  EXPECT_EQ(nodes[0].allocatable, snapshot.nodes[0].allocatable);
}

TEST_F(RepartitionerTest, NoIdleGpuMeansNoChange) {
  cluster::ClusterSnapshot snapshot =
      Snapshot(MigStrategy::kMixed, true, {MixedMigPod("a", "1g.5gb")});
  std::vector<cluster::Node> nodes = snapshot.nodes;
  nodes[0].gpus[1].allocations.push_back({"default/other", 0, 1, 0});
  std::vector<cluster::NodeGpu> before = nodes[0].gpus;
  std::vector<const cluster::Pod*> unplaced = snapshot.PendingPods();
  RepartitionResult result = Repartition(snapshot, fit_, nodes, unplaced);
  EXPECT_TRUE(result.reconfigurations.empty());
  EXPECT_EQ(nodes[0].gpus, before);
}

}  // namespace
}  // namespace gpupack::plan
