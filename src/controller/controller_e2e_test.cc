// The end-to-end seed scenario: the controller with the real KubeActuator, once in
// process over FakeKubeClient and once over HTTPS (HttpKubeClient with a bearer token and the
// test CA) against the stateful loopback API server, which keeps its objects in the same fake. 7
// MIG pods pending -> one NodeClaim with the right labels, taints, startup taint and requirements
// -> Karpenter's Node joins -> labels, startup taint removed -> the pods are placed; a restarted
// controller buys nothing more at any step.
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "controller/cluster_hooks.h"
#include "controller/controller.h"
#include "controller/conventions.h"
#include "controller/kube_actuator.h"
#include "controller/seed_scenario_testing.h"
#include "kube/http_kube_client.h"
#include "kube/testing/fake_kube_client.h"
#include "kube/testing/fake_sleeper.h"
#include "kube/testing/loopback_api_server.h"

namespace gpupack::controller {
namespace {

using ::testing::Contains;
using ::testing::SizeIs;
using json = nlohmann::json;

bool HasTaint(const json& taints, std::string_view key, std::string_view effect) {
  for (const json& taint : taints) {
    if (taint.value("key", "") == key && taint.value("effect", "") == effect) {
      return true;
    }
  }
  return false;
}

// The parameter: true to talk HTTPS to the loopback API server, false to call the fake in process.
class ControllerEndToEndTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      server_.RequireToken("gpupack-token");
      kube::ClusterConfig config;
      config.server = server_.Url();
      std::ifstream ca(std::string(GP_KUBE_TESTDATA) + "/ca.crt");
      std::stringstream pem;
      pem << ca.rdbuf();
      config.ca_pem = pem.str();
      config.token = "gpupack-token";
      config.source = "loopback";
      kube::HttpClientOptions options;
      options.clock = &clock_;
      options.sleeper = &sleeper_;
      auto client = kube::HttpKubeClient::Create(config, options);
      ASSERT_TRUE(client) << client.error().message();
      http_ = std::move(*client);
    }
    // GCP sells the one-GPU A100 (a2-highgpu-1g) the seed fits on.
    testing::LoadCatalogs("gcp", gpus_, instances_);
    // The template with the NodeClass Karpenter needs.
    json node_template = testing::MigSingleTemplate();
    node_template["spec"]["nodeClassRef"] = {
        {"group", "karpenter.k8s.gcp"}, {"kind", "GCENodeClass"}, {"name", "gpu"}};
    testing::SeedMigScenario(fake_, *gpus_, node_template);
  }

  // A controller process: its own actuator and informers over the same API server.
  struct Process {
    std::unique_ptr<KubeActuator> actuator;
    std::unique_ptr<Controller> controller;
  };

  Process Start() {
    Process process;
    process.actuator = std::make_unique<KubeActuator>(Api(), *gpus_, clock_);
    process.controller = std::make_unique<Controller>(Api(), *process.actuator, *gpus_, *instances_,
                                                      clock_, sleeper_, ControllerOptions{});
    ClusterHookTargets targets;
    targets.actuator = process.actuator.get();
    process.controller->SetHooks(MakeClusterHooks(targets));
    return process;
  }

  std::vector<json> NodeClaims() {
    auto list = fake_.ListAll(kube::NodeClaimsResource(), {});
    EXPECT_TRUE(list);
    return list ? list->items : std::vector<json>{};
  }

  // What Karpenter and the GPU Operator do (the seed fixture's node).
  void JoinNode(const json& claim) {
    fake_.Seed(kube::NodesResource(), testing::JoinedMigNode(claim, "gke-gpu-a100-1"));
  }

  // What the controller talks to.
  kube::KubeClient& Api() { return http_ ? static_cast<kube::KubeClient&>(*http_) : fake_; }

  std::optional<gpu::GpuCatalog> gpus_;
  std::optional<cluster::InstanceCatalog> instances_;
  kube::testing::LoopbackApiServer server_{GP_KUBE_TESTDATA};
  kube::testing::FakeKubeClient& fake_ = server_.fake();  // the objects, either way
  ManualClock clock_{Timestamp{std::chrono::hours(24 * 365 * 56)}};
  kube::testing::FakeSleeper sleeper_{clock_};
  std::unique_ptr<kube::HttpKubeClient> http_;
};

TEST_P(ControllerEndToEndTest, SevenPendingMigPodsGetOneNodeThatIsConfiguredAndNeverBoughtTwice) {
  Process first = Start();
  Result<control::ReconcileReport> report = first.controller->RunOnce();
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report->launched_nodes, 1);
  EXPECT_EQ(report->nominated, 7);

  // Exactly one NodeClaim, with what Karpenter and the device plugin need.
  std::vector<json> claims = NodeClaims();
  ASSERT_THAT(claims, SizeIs(1));
  const json& claim = claims[0];
  EXPECT_THAT(claim["metadata"]["name"].get<std::string>(),
              ::testing::StartsWith("a100-mig-single-"));
  const json& labels = claim["metadata"]["labels"];
  EXPECT_EQ(labels["gpupack.io/node-template"], "a100-mig-single");
  EXPECT_EQ(labels[std::string(kLabelPlannedSharing)], "mig-single");
  EXPECT_EQ(labels[std::string(kLabelMigConfig)], "all-1g.5gb");
  EXPECT_EQ(labels["nvidia.com/gpu.mig-partition-1g.5gb"], "true");
  EXPECT_TRUE(HasTaint(claim["spec"]["taints"], "nvidia.com/gpu.mig", "NoSchedule"));
  ASSERT_THAT(claim["spec"]["startupTaints"], SizeIs(1));
  EXPECT_TRUE(HasTaint(claim["spec"]["startupTaints"], "gpupack.io/sharing-pending", "NoSchedule"));
  const json& requirements = claim["spec"]["requirements"];
  ASSERT_GE(requirements.size(), 2u);
  EXPECT_EQ(requirements[0]["key"], "node.kubernetes.io/instance-type");
  EXPECT_EQ(requirements[0]["operator"], "In");
  EXPECT_EQ(requirements[0]["values"], json::array({"a2-highgpu-1g"}));
  EXPECT_EQ(requirements[1]["key"], "karpenter.sh/capacity-type");
  EXPECT_EQ(claim["spec"]["nodeClassRef"]["kind"], "GCENodeClass");
  // The ConfigMap keys the labels point at exist.
  auto device_plugin = fake_.Peek(
      kube::ConfigMapsResource(),
      {std::string(kDefaultGpuOperatorNamespace), std::string(kDefaultDevicePluginConfigMap)});
  ASSERT_TRUE(device_plugin);
  EXPECT_TRUE((*device_plugin)["data"].contains("mig-single"));

  // A restart before the node joins: the NodeClaim is coming capacity, nothing is bought.
  Process second = Start();
  report = second.controller->RunOnce();
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report->launched_nodes, 0);
  EXPECT_EQ(report->nominated, 7);
  EXPECT_THAT(NodeClaims(), SizeIs(1));

  // Karpenter's node joins; the next reconcile labels it for the device plugin (which restarts
  // with the new config), the one after removes the startup taint: the node advertises the
  // planned 7 devices and the MIG manager reports success.
  JoinNode(claim);
  report = second.controller->RunOnce();
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report->launched_nodes, 0);
  EXPECT_EQ(report->nominated, 7);
  auto node = fake_.Peek(kube::NodesResource(), {"", "gke-gpu-a100-1"});
  ASSERT_TRUE(node);
  EXPECT_EQ((*node)["metadata"]["labels"]["nvidia.com/device-plugin.config"], "mig-single");
  EXPECT_EQ((*node)["metadata"]["labels"][std::string(kLabelMigConfig)], "all-1g.5gb");
  report = second.controller->RunOnce();
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report->launched_nodes, 0);
  node = fake_.Peek(kube::NodesResource(), {"", "gke-gpu-a100-1"});
  ASSERT_TRUE(node);
  EXPECT_FALSE(HasTaint((*node)["spec"]["taints"], "gpupack.io/sharing-pending", "NoSchedule"));
  EXPECT_TRUE(HasTaint((*node)["spec"]["taints"], "nvidia.com/gpu.mig", "NoSchedule"));

  // The node is ready: the 7 pods go to it (kube-scheduler binds them; gpupack's Bind notes it).
  report = second.controller->RunOnce();
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report->bound, 7);
  EXPECT_EQ(report->launched_nodes, 0);

  // Another restart with the node up and the pods still pending: nothing more is bought.
  Process third = Start();
  report = third.controller->RunOnce();
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report->launched_nodes, 0);
  EXPECT_THAT(NodeClaims(), SizeIs(1));
  EXPECT_THAT(fake_.Calls(), ::testing::Not(Contains(::testing::HasSubstr("delete"))));
}

INSTANTIATE_TEST_SUITE_P(InProcessAndOverHttps, ControllerEndToEndTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param) {
                           return param.param ? "OverHttps" : "InProcess";
                         });

}  // namespace
}  // namespace gpupack::controller
