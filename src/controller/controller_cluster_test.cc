// The Controller with the KubeActuator against the fake API server: a pod's required node
// affinity reaches the NodeClaim, and what goes wrong in the cluster is handled: a NodeClaim
// Karpenter found no capacity for, one whose launch failed, objects the view cannot use.
#include <optional>
#include <string>
#include <tuple>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "controller/cluster_hooks.h"
#include "controller/controller.h"
#include "controller/kube_actuator.h"
#include "controller/seed_scenario_testing.h"
#include "kube/testing/fake_kube_client.h"
#include "kube/testing/fake_sleeper.h"

namespace gpupack::controller {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

// (instance type, capacity type, zone) of a NodeClaim, from its requirements.
using Offering = std::tuple<std::string, std::string, std::string>;

Offering OfferingOf(const nlohmann::json& claim) {
  Offering out;
  for (const nlohmann::json& requirement : claim["spec"]["requirements"]) {
    std::string key = requirement["key"];
    std::string value = requirement["values"][0];
    if (key == "node.kubernetes.io/instance-type") {
      std::get<0>(out) = value;
    } else if (key == "karpenter.sh/capacity-type") {
      std::get<1>(out) = value;
    } else if (key == "topology.kubernetes.io/zone") {
      std::get<2>(out) = value;
    }
  }
  return out;
}

class ControllerClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::LoadCatalogs("aws", gpus_, instances_);
    KubeActuatorOptions options;
    options.default_node_class = cluster::NodeClassRef{"karpenter.k8s.aws", "EC2NodeClass", "gpu"};
    actuator_ = std::make_unique<KubeActuator>(fake_, *gpus_, clock_, options);
    controller_ = std::make_unique<Controller>(fake_, *actuator_, *gpus_, *instances_, clock_,
                                               sleeper_, ControllerOptions{});
    controller_->SetHooks(MakeClusterHooks({actuator_.get(), nullptr, nullptr, {}}));
  }

  control::ReconcileReport RunOnce() {
    Result<control::ReconcileReport> report = controller_->RunOnce();
    EXPECT_TRUE(report) << report.error().message();
    return report ? *report : control::ReconcileReport{};
  }

  std::vector<nlohmann::json> NodeClaims() {
    Result<kube::ObjectList> list = fake_.ListAll(kube::NodeClaimsResource(), {});
    EXPECT_TRUE(list) << list.error().message();
    return list ? list->items : std::vector<nlohmann::json>{};
  }

  std::vector<nlohmann::json> Events(std::string_view reason) {
    std::vector<nlohmann::json> out;
    Result<kube::ObjectList> list = fake_.ListAll(kube::EventsResource(), {});
    EXPECT_TRUE(list) << list.error().message();
    for (const nlohmann::json& event : list ? list->items : std::vector<nlohmann::json>{}) {
      if (event.value("reason", "") == reason) {
        out.push_back(event);
      }
    }
    return out;
  }

  std::optional<gpu::GpuCatalog> gpus_;
  std::optional<cluster::InstanceCatalog> instances_;
  kube::testing::FakeKubeClient fake_;
  ManualClock clock_{Timestamp{std::chrono::hours(24 * 365 * 56)}};
  kube::testing::FakeSleeper sleeper_{clock_};
  std::unique_ptr<KubeActuator> actuator_;
  std::unique_ptr<Controller> controller_;
};

TEST_F(ControllerClusterTest, PodsRequiringOnDemandByNodeAffinityGetAnOnDemandNodeClaim) {
  testing::SeedMigScenario(fake_, *gpus_, testing::MigSingleTemplate());
  // Left alone the seed gets a Spot node (the next test); every pod now requires on-demand
  // capacity (or a node named "nowhere", a term that matches no new node).
  Result<kube::ObjectList> pods = fake_.ListAll(kube::PodsResource(), {});
  ASSERT_TRUE(pods) << pods.error().message();
  for (nlohmann::json pod : pods->items) {
    pod["spec"]["affinity"] = nlohmann::json::parse(R"({"nodeAffinity":{
      "requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[
        {"matchExpressions":[{"key":"karpenter.sh/capacity-type","operator":"In",
                              "values":["on-demand"]},
                             {"key":"node.kubernetes.io/instance-type","operator":"NotIn",
                              "values":["p4de.24xlarge"]}]},
        {"matchFields":[{"key":"metadata.name","operator":"In","values":["nowhere"]}]}]}}})");
    ASSERT_TRUE(fake_.Update(kube::PodsResource(), pod, {}));
  }
  EXPECT_EQ(RunOnce().launched_nodes, 1);
  std::vector<nlohmann::json> claims = NodeClaims();
  ASSERT_THAT(claims, SizeIs(1));
  EXPECT_EQ(std::get<1>(OfferingOf(claims[0])), "on-demand");
}

TEST_F(ControllerClusterTest,
       ANodeClaimKarpenterDeletesForInsufficientCapacityIsReplannedOnAnotherOffering) {
  testing::SeedMigScenario(fake_, *gpus_, testing::MigSingleTemplate());
  EXPECT_EQ(RunOnce().launched_nodes, 1);
  std::vector<nlohmann::json> claims = NodeClaims();
  ASSERT_THAT(claims, SizeIs(1));
  const std::string first_name = claims[0]["metadata"]["name"];
  const Offering first = OfferingOf(claims[0]);
  EXPECT_EQ(std::get<1>(first), "spot");
  // The next reconcile sees the claim as the coming node its pods are nominated to.
  EXPECT_EQ(RunOnce().launched_nodes, 0);

  // Karpenter's launch: the cloud has no capacity; it records an Event and deletes the claim
  // before it launched (no Launched=True, no providerID).
  ASSERT_TRUE(fake_.Delete(kube::NodeClaimsResource(), {"", first_name}, {}));

  control::ReconcileReport report = RunOnce();
  EXPECT_EQ(report.launch_failures, 1);
  EXPECT_EQ(report.launched_nodes, 1);
  claims = NodeClaims();
  ASSERT_THAT(claims, SizeIs(1));
  EXPECT_NE(OfferingOf(claims[0]), first) << "the offering without capacity was bought again";
}

TEST_F(ControllerClusterTest, ANodeClaimWhoseLaunchFailedIsDeletedAndReplannedOnAnotherOffering) {
  testing::SeedMigScenario(fake_, *gpus_, testing::MigSingleTemplate());
  EXPECT_EQ(RunOnce().launched_nodes, 1);
  std::vector<nlohmann::json> claims = NodeClaims();
  ASSERT_THAT(claims, SizeIs(1));
  const std::string first_name = claims[0]["metadata"]["name"];
  const Offering first = OfferingOf(claims[0]);

  // Karpenter's status write for a launch that failed (it would retry it forever).
  nlohmann::json status = {{"status",
                            {{"conditions",
                              {{{"type", "Launched"},
                                {"status", "False"},
                                {"reason", "LaunchFailed"},
                                {"message", "creating instance, no subnets matched"},
                                {"lastTransitionTime", "2026-11-24T19:43:00Z"}}}}}}};
  kube::WriteOptions subresource;
  subresource.subresource = "status";
  ASSERT_TRUE(fake_.Patch(kube::NodeClaimsResource(), {"", first_name}, kube::PatchType::kMerge,
                          status.dump(), subresource));

  control::ReconcileReport report = RunOnce();
  EXPECT_EQ(report.launch_failures, 1);
  EXPECT_EQ(report.launched_nodes, 1);
  claims = NodeClaims();
  ASSERT_THAT(claims, SizeIs(1)) << "the failed claim was not deleted";
  EXPECT_NE(claims[0]["metadata"]["name"], first_name);
  EXPECT_NE(OfferingOf(claims[0]), first);

  // Its deletion, seen by the next list, is not a second failure.
  EXPECT_EQ(RunOnce().launch_failures, 0);
}

TEST_F(ControllerClusterTest, AnObjectTheViewCannotUseTwiceInARowGetsOneWarningEvent) {
  testing::SeedMigScenario(fake_, *gpus_, testing::MigSingleTemplate());
  nlohmann::json bad = testing::MigSingleTemplate();
  bad["metadata"]["name"] = "broken";
  bad["spec"]["gpuModels"] = {"NVIDIA-Z999"};
  fake_.Seed(kube::NodeTemplatesResource(), bad);
  nlohmann::json pod = fake_.ListAll(kube::PodsResource(), {})->items.at(0);
  pod["metadata"]["name"] = "odd";
  pod["metadata"]["annotations"]["gpupack.io/gpu-memory"] = "lots";
  fake_.Seed(kube::PodsResource(), pod);

  EXPECT_EQ(RunOnce().launched_nodes, 1);  // the rest is planned
  // Logged at once; an Event only when it lasts (a problem of one pass may be the informers'
  // lag, such as a ConfigMap key written a moment before the NodeClaim naming it).
  EXPECT_TRUE(Events("GpupackInvalidNodeTemplate").empty());
  EXPECT_TRUE(Events("GpupackInvalidPod").empty());
  RunOnce();
  std::vector<nlohmann::json> on_template = Events("GpupackInvalidNodeTemplate");
  ASSERT_THAT(on_template, SizeIs(1));
  EXPECT_EQ(on_template[0]["type"], "Warning");
  EXPECT_EQ(on_template[0]["involvedObject"]["kind"], "NodeTemplate");
  EXPECT_EQ(on_template[0]["involvedObject"]["name"], "broken");
  EXPECT_EQ(on_template[0]["involvedObject"]["apiVersion"], "gpupack.io/v1alpha1");
  EXPECT_THAT(on_template[0]["message"].get<std::string>(), HasSubstr("NVIDIA-Z999"));
  std::vector<nlohmann::json> on_pod = Events("GpupackInvalidPod");
  ASSERT_THAT(on_pod, SizeIs(1));
  EXPECT_EQ(on_pod[0]["metadata"]["namespace"], pod["metadata"]["namespace"]);
  EXPECT_EQ(on_pod[0]["involvedObject"]["uid"],
            fake_.Peek(kube::PodsResource(), kube::KeyOf(pod))->at("metadata").at("uid"));
  EXPECT_THAT(on_pod[0]["message"].get<std::string>(), HasSubstr("gpupack.io/gpu-memory"));
  EXPECT_EQ(on_pod[0]["message"].get<std::string>().find('\n'), std::string::npos);

  // The same problems at the next reconcile: no new Event, no count bump.
  const std::string pod_events =
      "events " + pod["metadata"]["namespace"].get<std::string>() + "/odd.";
  size_t calls = fake_.Calls().size();
  RunOnce();
  EXPECT_EQ(Events("GpupackInvalidPod")[0]["count"], 1);
  EXPECT_EQ(Events("GpupackInvalidNodeTemplate")[0]["count"], 1);
  for (size_t i = calls; i < fake_.Calls().size(); ++i) {
    EXPECT_THAT(fake_.Calls()[i], ::testing::Not(HasSubstr(pod_events)));
    EXPECT_THAT(fake_.Calls()[i], ::testing::Not(HasSubstr("events default/broken.")));
  }
}

}  // namespace
}  // namespace gpupack::controller
