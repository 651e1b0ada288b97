#include "plan/planner.h"

#include <gtest/gtest.h>

#include "plan/testing/fixtures.h"

namespace gpupack::plan {
namespace {

using testing::CatalogForTest;
using testing::GpuNodeForTest;
using testing::GpuPod;
using testing::MixedMigPod;
using testing::TimeSliced;

constexpr const char* kA100 = "A100-SXM4-40GB";

class PlannerTest : public ::testing::Test {
 protected:
  cluster::ClusterSnapshot Snapshot(std::vector<cluster::Node> nodes,
                                    std::vector<cluster::Pod> pods) {
    std::vector<std::string> warnings;
    auto snapshot = cluster::BuildSnapshot(std::move(nodes), std::move(pods), {},
                                           cluster::InstanceCatalog(), catalog_, warnings);
    EXPECT_TRUE(snapshot) << snapshot.error().message();
    return *std::move(snapshot);
  }

  gpu::GpuCatalog catalog_ = CatalogForTest();
};

TEST_F(PlannerTest, PendingPodsGoOnFreeReplicasOfExistingNodes) {
  cluster::ClusterSnapshot snapshot =
      Snapshot({GpuNodeForTest("a", catalog_, kA100, 1, TimeSliced(4), "t", 4.0)},
               {GpuPod("p1", 1, "8Gi", true), GpuPod("p2", 1, "8Gi", true)});
  auto plan = MakePlan(snapshot, catalog_, PlanOptions{});
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_EQ(plan->placements.size(), 2u);
  EXPECT_EQ(plan->placements[0].pod, "default/p1");
  EXPECT_EQ(plan->placements[0].node, "a");
  EXPECT_TRUE(plan->unschedulable.empty());
  EXPECT_TRUE(plan->removals.empty());
  EXPECT_DOUBLE_EQ(plan->cost_per_hour, 4.0);
  // Dedicated: two pods, one A100 each at the node's per-GPU price.
  EXPECT_DOUBLE_EQ(plan->dedicated_cost_per_hour, 8.0);
}

TEST_F(PlannerTest, WithoutReferenceCostsThePlanIsTheSameAndOnlyTheReferenceCostsAreZero) {
  cluster::ClusterSnapshot snapshot =
      Snapshot({GpuNodeForTest("a", catalog_, kA100, 1, TimeSliced(4), "t", 4.0)},
               {GpuPod("p1", 1, "8Gi", true), GpuPod("p2", 1, "8Gi", true)});
  auto full = MakePlan(snapshot, catalog_, PlanOptions{});
  PlanOptions lean_options;
  lean_options.reference_costs = false;
  auto lean = MakePlan(snapshot, catalog_, lean_options);
  ASSERT_TRUE(full && lean);
  EXPECT_GT(full->dedicated_cost_per_hour, 0);
  EXPECT_EQ(lean->dedicated_cost_per_hour, 0);
  EXPECT_EQ(lean->lower_bound_cost_per_hour, 0);
  Plan expected = *full;
  expected.dedicated_cost_per_hour = 0;
  expected.lower_bound_cost_per_hour = 0;
  EXPECT_EQ(*lean, expected);
}

TEST_F(PlannerTest, PodsNothingCanRunAreUnschedulableWithTheReason) {
  cluster::Pod impossible = MixedMigPod("bad", "9g.99gb");
  cluster::ClusterSnapshot snapshot =
      Snapshot({GpuNodeForTest("a", catalog_, kA100, 1, TimeSliced(4))}, {impossible});
  auto plan = MakePlan(snapshot, catalog_, PlanOptions{});
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_EQ(plan->unschedulable.size(), 1u);
  EXPECT_EQ(plan->unschedulable[0].pod, "default/bad");
  EXPECT_NE(plan->unschedulable[0].reason.find("9g.99gb"), std::string::npos);
  EXPECT_TRUE(plan->placements.empty());
}

TEST_F(PlannerTest, BadOptionsAreErrors) {
  cluster::ClusterSnapshot snapshot = Snapshot({}, {});
  PlanOptions options;
  options.placement_policy = "random";
  EXPECT_FALSE(MakePlan(snapshot, catalog_, options));
  options = PlanOptions{};
  options.disruption_budget = -1;
  EXPECT_FALSE(MakePlan(snapshot, catalog_, options));
  options = PlanOptions{};
  options.allowed_templates = {"missing"};
  auto plan = MakePlan(snapshot, catalog_, options);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().message(),
            "allowed template \"missing\" is not a NodeTemplate of the snapshot");
}

TEST_F(PlannerTest, EmptyGpupackNodeIsRemovedAndTheCostDrops) {
  cluster::ClusterSnapshot snapshot =
      Snapshot({GpuNodeForTest("a", catalog_, kA100, 1, TimeSliced(4), "t", 4.0),
                GpuNodeForTest("b", catalog_, kA100, 1, TimeSliced(4), "t", 4.0)},
               {GpuPod("p1", 1, "", true)});
  auto plan = MakePlan(snapshot, catalog_, PlanOptions{});
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_EQ(plan->removals.size(), 1u);
  EXPECT_NE(plan->removals[0].node, plan->placements[0].node);
  EXPECT_DOUBLE_EQ(plan->cost_per_hour, 4.0);
}

TEST_F(PlannerTest, SameInputSamePlan) {
  std::vector<cluster::Pod> pods;
  for (int i = 0; i < 9; ++i) {
    pods.push_back(GpuPod("p" + std::to_string(i), 1, std::to_string(i + 1) + "Gi", true));
  }
  cluster::ClusterSnapshot snapshot =
      Snapshot({GpuNodeForTest("a", catalog_, kA100, 2, TimeSliced(4)),
                GpuNodeForTest("b", catalog_, kA100, 1, TimeSliced(3))},
               pods);
  for (const char* policy : {"gpupack", "first-fit", "best-fit", "fgd"}) {
    PlanOptions options;
    options.placement_policy = policy;
    auto first = MakePlan(snapshot, catalog_, options);
    auto second = MakePlan(snapshot, catalog_, options);
    ASSERT_TRUE(first && second);
    EXPECT_EQ(*first, *second) << policy;
    EXPECT_EQ(first->placements.size() + first->unschedulable.size(), 9u) << policy;
  }
}

}  // namespace
}  // namespace gpupack::plan
