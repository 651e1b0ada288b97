#include "controller/cluster_hooks.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "catalog/gpu_catalog_loader.h"
#include "kube/testing/fake_kube_client.h"

namespace gpupack::controller {
namespace {

using ::testing::HasSubstr;

class CountingActuator final : public control::Actuator {
 public:
  Status Bind(const std::string&, const std::string&,
              const std::vector<plan::DeviceChoice>&) override {
    ++calls;
    return OkStatus();
  }

  Status Launch(const plan::Provision&) override {
    ++calls;
    return OkStatus();
  }

  Status Reconfigure(const plan::Reconfiguration&) override {
    ++calls;
    return OkStatus();
  }

  Status Remove(const std::string&) override {
    ++calls;
    return OkStatus();
  }

  int calls = 0;
};

TEST(LeaderGuardedActuatorTest, PassesActionsOnWhileLeadingAndRefusesThemAfter) {
  CountingActuator inner;
  bool leading = true;
  LeaderGuardedActuator guarded(inner, [&leading] { return leading; });
  EXPECT_TRUE(guarded.Launch(plan::Provision{}));
  EXPECT_TRUE(guarded.Remove("n1"));
  EXPECT_EQ(inner.calls, 2);
  leading = false;
  Status refused = guarded.Bind("default/p", "n1", {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(refused.error().message(), HasSubstr("no longer holds the leader Lease"));
  EXPECT_FALSE(guarded.Reconfigure(plan::Reconfiguration{}));
  EXPECT_EQ(inner.calls, 2);
}

TEST(LeaderGuardedClientTest, ReadsAlwaysAndWritesOnlyWhileLeading) {
  kube::testing::FakeKubeClient fake;
  fake.Seed(kube::NodesResource(), {{"metadata", {{"name", "n1"}}}});
  bool leading = true;
  LeaderGuardedClient guarded(fake, [&leading] { return leading; });
  EXPECT_TRUE(guarded.Patch(kube::NodesResource(), {"", "n1"}, kube::PatchType::kMerge,
                            R"({"metadata":{"labels":{"a":"b"}}})", {}));
  leading = false;
  EXPECT_TRUE(guarded.Get(kube::NodesResource(), {"", "n1"}));
  EXPECT_TRUE(guarded.List(kube::NodesResource(), {}));
  Result<nlohmann::json> refused = guarded.Patch(kube::NodesResource(), {"", "n1"},
                                                 kube::PatchType::kMerge, R"({"spec":{}})", {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(refused.error().message(), HasSubstr("no longer holds the leader Lease"));
  EXPECT_FALSE(guarded.Create(kube::NodesResource(), "", {{"metadata", {{"name", "n2"}}}}, {}));
  EXPECT_FALSE(guarded.Delete(kube::NodesResource(), {"", "n1"}, {}));
  EXPECT_FALSE(guarded.Evict({"default", "p"}, {}));
  EXPECT_FALSE(guarded.Bind({"default", "p"}, "n1"));
  // Only the write made while leading reached the API server.
  std::vector<std::string> calls = fake.Calls();
  EXPECT_EQ(std::count_if(calls.begin(), calls.end(),
                          [](const std::string& call) {
                            return !call.starts_with("get") && !call.starts_with("list");
                          }),
            1);
}

class ClusterHooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto gpus = catalog::LoadBuiltInGpuCatalog();
    ASSERT_TRUE(gpus);
    gpus_.emplace(std::move(*gpus));
    actuator_ = std::make_unique<KubeActuator>(fake_, *gpus_, clock_);
  }

  std::optional<gpu::GpuCatalog> gpus_;
  kube::testing::FakeKubeClient fake_;
  ManualClock clock_;
  std::unique_ptr<KubeActuator> actuator_;
};

TEST_F(ClusterHooksTest, WithoutTargetsThereAreNoHooks) {
  ControllerHooks hooks = MakeClusterHooks({});
  EXPECT_FALSE(hooks.on_synced);
  EXPECT_FALSE(hooks.on_wakeup);
  EXPECT_FALSE(hooks.on_report);
  EXPECT_FALSE(hooks.after_reconcile);
}

TEST_F(ClusterHooksTest, MetricsRecordEachReportAndSnapshot) {
  GpupackMetrics metrics;
  ClusterHookTargets targets;
  targets.metrics = &metrics;
  ControllerHooks hooks = MakeClusterHooks(targets);
  ASSERT_TRUE(hooks.on_report);
  control::ReconcileReport report;
  report.launched_nodes = 2;
  hooks.on_report(report, std::chrono::milliseconds(40));
  hooks.on_snapshot(std::make_shared<const cluster::ClusterSnapshot>());
  std::string page = metrics.registry().Expose();
  EXPECT_THAT(page, HasSubstr("gpupack_plan_duration_seconds_count 1"));
}

TEST_F(ClusterHooksTest, TheActuatorsOwnWorkWaitsForTheLease) {
  ClusterHookTargets targets;
  targets.actuator = actuator_.get();
  targets.may_write = [] { return false; };
  ControllerHooks hooks = MakeClusterHooks(targets);
  ASSERT_TRUE(hooks.after_reconcile);
  std::vector<kube::NodeObject> nodes;
  cluster::ClusterSnapshot snapshot;
  control::ReconcileReport report;
  std::map<std::string, std::string, std::less<>> nominations;
  std::vector<ObjectProblem> problems = {
      ObjectProblem{"Pod/ns/p: bad", "Pod", "v1", "ns", "p", "uid-p"}};
  size_t calls_before = fake_.Calls().size();
  Status after =
      hooks.after_reconcile(ReconcileContext{nodes, snapshot, report, nominations, problems});
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(fake_.Calls().size(), calls_before);
}

}  // namespace
}  // namespace gpupack::controller
