#include "controller/controller.h"

#include <optional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "controller/seed_scenario_testing.h"
#include "kube/testing/fake_kube_client.h"
#include "kube/testing/fake_sleeper.h"

namespace gpupack::controller {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

class RecordingActuator final : public control::Actuator {
 public:
  Status Bind(const std::string& pod, const std::string& node,
              const std::vector<plan::DeviceChoice>&) override {
    binds.push_back(pod + "->" + node);
    return OkStatus();
  }

  Status Launch(const plan::Provision& provision) override {
    launches.push_back(provision);
    return OkStatus();
  }

  Status Reconfigure(const plan::Reconfiguration& change) override {
    reconfigured.push_back(change.node);
    return OkStatus();
  }

  Status Remove(const std::string& node) override {
    removed.push_back(node);
    return OkStatus();
  }

  std::vector<std::string> binds;
  std::vector<plan::Provision> launches;
  std::vector<std::string> reconfigured;
  std::vector<std::string> removed;
};

class ControllerTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::LoadCatalogs("aws", gpus_, instances_); }

  // The seed: examples/mig-seed-deployment.yaml's 7 pods, pending, and the MIG template.
  void SeedTheMigScenario() {
    testing::SeedMigScenario(fake_, *gpus_, testing::MigSingleTemplate());
  }

  std::unique_ptr<Controller> MakeController(control::Actuator& actuator,
                                             ControllerOptions options = {}) {
    return std::make_unique<Controller>(fake_, actuator, *gpus_, *instances_, clock_, sleeper_,
                                        std::move(options));
  }

  std::optional<gpu::GpuCatalog> gpus_;
  std::optional<cluster::InstanceCatalog> instances_;
  kube::testing::FakeKubeClient fake_;
  ManualClock clock_{Timestamp{std::chrono::hours(24 * 365 * 56)}};
  kube::testing::FakeSleeper sleeper_{clock_};
};

TEST_F(ControllerTest, RunOncePlansThePendingSeedPodsIntoOneNode) {
  SeedTheMigScenario();
  RecordingActuator actuator;
  auto controller = MakeController(actuator);
  Result<control::ReconcileReport> report = controller->RunOnce();
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_TRUE(report->planned);
  EXPECT_EQ(report->launched_nodes, 1);
  EXPECT_EQ(report->nominated, 7);
  ASSERT_THAT(actuator.launches, SizeIs(1));
  const plan::Provision& provision = actuator.launches[0];
  EXPECT_EQ(provision.template_name, "a100-mig-single");
  EXPECT_EQ(provision.instance_type, "p4d.24xlarge");
  ASSERT_FALSE(provision.gpus.empty());
  EXPECT_TRUE(provision.gpus[0].sharing.IsMig());
  EXPECT_TRUE(actuator.binds.empty());
}

TEST_F(ControllerTest, HooksSeeTheSnapshotTheReportAndTheNominations) {
  SeedTheMigScenario();
  RecordingActuator actuator;
  auto controller = MakeController(actuator);
  size_t snapshots = 0;
  size_t pending_seen = 0;
  int reports = 0;
  size_t nominations = 0;
  ControllerHooks hooks;
  hooks.on_snapshot = [&](std::shared_ptr<const cluster::ClusterSnapshot> snapshot) {
    ++snapshots;
    pending_seen = snapshot->PendingPods().size();
  };
  hooks.on_report = [&](const control::ReconcileReport& report, Duration) {
    ++reports;
    EXPECT_EQ(report.launched_nodes, 1);
  };
  hooks.after_reconcile = [&](const ReconcileContext& context) {
    nominations = context.nominations.size();
    EXPECT_EQ(context.snapshot.pods.size(), 7u);
    EXPECT_TRUE(context.nodes.empty());
    return OkStatus();
  };
  controller->SetHooks(std::move(hooks));
  ASSERT_TRUE(controller->RunOnce());
  EXPECT_GE(snapshots, 1u);
  EXPECT_EQ(pending_seen, 7u);
  EXPECT_EQ(reports, 1);
  EXPECT_EQ(nominations, 7u);
}

TEST_F(ControllerTest, RunStartsTheInformersReconcilesAndStopsWhenCancelled) {
  SeedTheMigScenario();
  RecordingActuator actuator;
  ControllerOptions options;
  options.control.batch_idle = Duration(0);
  options.control.batch_max = Duration(0);
  auto controller = MakeController(actuator, options);
  kube::CancelToken stop;
  bool synced = false;
  ControllerHooks hooks;
  hooks.on_synced = [&] { synced = true; };
  hooks.on_report = [&](const control::ReconcileReport&, Duration) { stop.Cancel(); };
  controller->SetHooks(std::move(hooks));
  ASSERT_TRUE(controller->Run(stop));
  EXPECT_TRUE(synced);
  EXPECT_THAT(actuator.launches, SizeIs(1));
}

TEST_F(ControllerTest, RunOnceWithNothingPendingDoesNothing) {
  fake_.Seed(kube::NodeTemplatesResource(), testing::MigSingleTemplate());
  RecordingActuator actuator;
  auto controller = MakeController(actuator);
  Result<control::ReconcileReport> report = controller->RunOnce();
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_FALSE(report->planned);
  EXPECT_TRUE(actuator.launches.empty());
}

TEST_F(ControllerTest, RunOnceReturnsAListErrorAsItIs) {
  fake_.FailNext("list pods", Error(ErrorCode::kUnavailable, "list pods: connection refused"));
  RecordingActuator actuator;
  auto controller = MakeController(actuator);
  Result<control::ReconcileReport> report = controller->RunOnce();
  ASSERT_FALSE(report);
  EXPECT_THAT(report.error().message(), HasSubstr("connection refused"));
}

TEST_F(ControllerTest, ABrokenObjectIsReportedAndTheRestIsPlanned) {
  SeedTheMigScenario();
  nlohmann::json bad = testing::MigSingleTemplate();
  bad["metadata"]["name"] = "broken";
  bad["spec"]["gpuModels"] = {"NVIDIA-Z999"};
  fake_.Seed(kube::NodeTemplatesResource(), bad);
  RecordingActuator actuator;
  auto controller = MakeController(actuator);
  Result<control::ReconcileReport> report = controller->RunOnce();
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report->launched_nodes, 1);
  ASSERT_FALSE(controller->problems().empty());
  EXPECT_THAT(controller->problems()[0].text, HasSubstr("NodeTemplate/broken"));
}

TEST_F(ControllerTest, DryRunPrintsOneLinePerActionAndWritesNothing) {
  SeedTheMigScenario();
  DryRunActuator actuator(nullptr, *gpus_);
  auto controller = MakeController(actuator);
  size_t calls_before = fake_.Calls().size();
  Result<control::ReconcileReport> report = controller->RunOnce();
  ASSERT_TRUE(report) << report.error().message();
  ASSERT_THAT(actuator.lines(), SizeIs(1));
  EXPECT_THAT(actuator.lines()[0], HasSubstr("nodeclaim.karpenter.sh created (dry run): 1 x "
                                             "p4d.24xlarge"));
  EXPECT_THAT(actuator.lines()[0], HasSubstr("NodeTemplate a100-mig-single"));
  EXPECT_THAT(actuator.lines()[0], HasSubstr("labels gpupack.io/node-template=a100-mig-single,"
                                             "gpupack.io/planned-sharing=mig-single,"));
  EXPECT_THAT(actuator.lines()[0], HasSubstr(",nvidia.com/mig.config=all-1g.5gb"));
  for (size_t i = calls_before; i < fake_.Calls().size(); ++i) {
    EXPECT_THAT(fake_.Calls()[i], ::testing::StartsWith("list ")) << fake_.Calls()[i];
  }
}

TEST_F(ControllerTest, ALongDryRunPrintsAnActionPlannedAgainOnlyOnce) {
  SeedTheMigScenario();
  DryRunActuator actuator(nullptr, *gpus_);
  auto controller = MakeController(actuator);
  ASSERT_TRUE(controller->RunOnce());
  // The launched node never appears, so the pods are planned again onto a new one.
  Result<control::ReconcileReport> again = controller->RunOnce();
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again->launched_nodes, 1);
  EXPECT_THAT(actuator.lines(), SizeIs(1));
}

}  // namespace
}  // namespace gpupack::controller
