#include "controller/kube_cluster_view.h"

#include <algorithm>
#include <optional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/file.h"
#include "controller/conventions.h"
#include "controller/seed_scenario_testing.h"

namespace gpupack::controller {
namespace {

using ::testing::HasSubstr;

nlohmann::json Capture(const std::string& name) {
  Result<std::string> text =
      ReadFile(std::string(GP_SHARED_DIR) + "/reference/kube-wire/" + name + "/response-body.json");
  EXPECT_TRUE(text) << name;
  return text ? nlohmann::json::parse(*text) : nlohmann::json::object();
}

template <class T, class Decode>
std::vector<T> DecodeItems(const nlohmann::json& list, Decode decode) {
  std::vector<T> out;
  for (const nlohmann::json& item : list["items"]) {
    Result<T> object = decode(item);
    EXPECT_TRUE(object) << object.error().message();
    if (object) {
      out.push_back(std::move(*object));
    }
  }
  return out;
}

kube::GenericObject Generic(const nlohmann::json& object) {
  Result<kube::GenericObject> decoded = kube::DecodeGeneric(object);
  EXPECT_TRUE(decoded) << decoded.error().message();
  return decoded ? *decoded : kube::GenericObject{};
}

constexpr std::string_view kMigMixedConfig = "version: v1\nflags:\n  migStrategy: mixed\n";
constexpr std::string_view kMigParted =
    "version: v1\nmig-configs:\n  all-1g.5gb:\n    - devices: all\n      mig-enabled: true\n"
    "      mig-devices:\n        \"1g.5gb\": 7\n";

kube::GenericObject ConfigMap(const std::string& name, const nlohmann::json& data) {
  return Generic(
      {{"apiVersion", "v1"},
       {"kind", "ConfigMap"},
       {"metadata", {{"name", name}, {"namespace", DefaultViewOptions().namespace_name}}},
       {"data", data}});
}

class KubeClusterViewTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::LoadCatalogs("aws", gpus_, instances_); }

  // gpupack's ConfigMaps holding the variants the captured objects name.
  void AddSharingConfigMaps() {
    objects_.config_maps.push_back(
        ConfigMap(std::string(kDefaultDevicePluginConfigMap), {{"mig-mixed", kMigMixedConfig}}));
    objects_.config_maps.push_back(
        ConfigMap(std::string(kDefaultMigPartedConfigMap), {{"config.yaml", kMigParted}}));
  }

  void AddCapturedTemplates() {
    nlohmann::json list = Capture("09-nodetemplate-list");
    for (const nlohmann::json& item : list["items"]) {
      objects_.node_templates.push_back(Generic(item));
    }
  }

  ClusterReading Build() {
    Result<ClusterReading> reading =
        BuildClusterSnapshot(objects_, *gpus_, *instances_, DefaultViewOptions());
    EXPECT_TRUE(reading) << reading.error().message();
    return reading ? std::move(*reading) : ClusterReading{};
  }

  static bool HasProblem(const ClusterReading& reading, std::string_view text) {
    return std::any_of(
        reading.problems.begin(), reading.problems.end(),
        [&](const ObjectProblem& p) { return p.text.find(text) != std::string::npos; });
  }

  std::optional<gpu::GpuCatalog> gpus_;
  std::optional<cluster::InstanceCatalog> instances_;
  ClusterObjects objects_;
};

TEST_F(KubeClusterViewTest, ReadsTheCapturedNodesGpusFromWhatTheyAdvertise) {
  objects_.nodes = DecodeItems<kube::NodeObject>(Capture("11-final-list-nodes"), kube::DecodeNode);
  ClusterReading reading = Build();
  ASSERT_EQ(reading.snapshot.nodes.size(), 6u);
  const cluster::Node* mixed = reading.snapshot.FindNode("ip-10-0-1-10.ec2.internal");
  ASSERT_NE(mixed, nullptr);
  EXPECT_EQ(mixed->instance_type, "p4d.24xlarge");
  EXPECT_EQ(mixed->zone, "us-east-1a");
  EXPECT_EQ(mixed->template_name, "a100-whole");
  EXPECT_EQ(mixed->capacity_type, cluster::CapacityType::kSpot);
  EXPECT_TRUE(mixed->ready);
  EXPECT_EQ(mixed->allocatable.milli_cpu, 95690);
  EXPECT_EQ(mixed->allocatable.pods, 110);
  ASSERT_EQ(mixed->gpus.size(), 8u);
  EXPECT_EQ(mixed->gpus[0].sharing.mode, cluster::SharingMode::kMig);
  EXPECT_EQ(mixed->gpus[0].sharing.InstanceCount(), 7);
  EXPECT_GT(mixed->price_per_hour, 0);

  const cluster::Node* shared = reading.snapshot.FindNode("ip-10-0-3-14.ec2.internal");
  ASSERT_NE(shared, nullptr);
  ASSERT_EQ(shared->gpus.size(), 8u);
  EXPECT_EQ(shared->gpus[0].sharing.mode, cluster::SharingMode::kTimeSlicing);
  EXPECT_EQ(shared->gpus[0].sharing.replicas, 4);
  ASSERT_EQ(shared->taints.size(), 1u);
  EXPECT_EQ(shared->taints[0].key, "gpupack.io/draining");
}

TEST_F(KubeClusterViewTest, ANodeStillPendingWithoutItsPlannedConfigIsReportedAndReadAsItIs) {
  objects_.nodes = DecodeItems<kube::NodeObject>(Capture("11-final-list-nodes"), kube::DecodeNode);
  ClusterReading reading = Build();
  // ip-10-0-1-11 carries the startup taint; gpupack's ConfigMaps are absent.
  EXPECT_TRUE(HasProblem(reading,
                         "Node/ip-10-0-1-11.ec2.internal: its planned sharing is "
                         "unknown (device-plugin config \"mig-mixed\" is not in "
                         "gpupack's ConfigMap)"));
  const cluster::Node* node = reading.snapshot.FindNode("ip-10-0-1-11.ec2.internal");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->gpus.size(), 8u);
}

TEST_F(KubeClusterViewTest, ANodeStillPendingShowsThePlannedSharingOfItsLabels) {
  objects_.nodes = DecodeItems<kube::NodeObject>(Capture("11-final-list-nodes"), kube::DecodeNode);
  AddSharingConfigMaps();
  // ip-10-0-3-16: mig-mixed, nvidia.com/mig.config all-1g.5gb, still sharing-pending.
  ClusterReading reading = Build();
  const cluster::Node* node = reading.snapshot.FindNode("ip-10-0-3-16.ec2.internal");
  ASSERT_NE(node, nullptr);
  ASSERT_EQ(node->gpus.size(), 8u);
  EXPECT_EQ(node->gpus[0].sharing.mode, cluster::SharingMode::kMig);
  EXPECT_EQ(node->gpus[0].sharing.mig_strategy, cluster::MigStrategy::kMixed);
  EXPECT_EQ(node->gpus[0].sharing.InstanceCount(), 7);
  EXPECT_EQ(node->allocatable.Get("nvidia.com/mig-1g.5gb"), 56);
  // ip-10-0-1-11 names all-2g.10gb, which gpupack's mig-parted ConfigMap does not hold.
  EXPECT_TRUE(HasProblem(reading, "mig-parted config \"all-2g.10gb\" is not in gpupack's"));
}

TEST_F(KubeClusterViewTest, ReadsTheCapturedPodsDemandsAndAccountsBoundOnes) {
  objects_.nodes = DecodeItems<kube::NodeObject>(Capture("11-final-list-nodes"), kube::DecodeNode);
  objects_.pods = DecodeItems<kube::PodObject>(Capture("11-final-list-pods"), kube::DecodePod);
  ClusterReading reading = Build();
  const cluster::Pod* mig = reading.snapshot.FindPod("gpu-workloads/mig-infer-5d8f7c9b6d-b3n8w");
  ASSERT_NE(mig, nullptr);
  EXPECT_FALSE(mig->IsBound());
  EXPECT_EQ(mig->gpu.kind, cluster::GpuDemandKind::kMigProfile);
  EXPECT_EQ(mig->gpu.mig_profile, "1g.5gb");
  EXPECT_EQ(mig->requests.milli_cpu, 2000);
  const cluster::Pod* batch = reading.snapshot.FindPod("gpu-workloads/mig-mixed-batch-0");
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(batch->gpu.kind, cluster::GpuDemandKind::kMigProfile);
  EXPECT_EQ(batch->gpu.count, 2);
  const cluster::Pod* train = reading.snapshot.FindPod("gpu-workloads/train-llm-0");
  ASSERT_NE(train, nullptr);
  EXPECT_EQ(train->gpu.kind, cluster::GpuDemandKind::kWholeGpu);
  EXPECT_EQ(train->gpu.count, 8);
  const cluster::Node* node = reading.snapshot.FindNode("ip-10-0-3-15.ec2.internal");
  ASSERT_NE(node, nullptr);
  // web-frontend-0 is being deleted: until it is gone it still holds what it requested.
  EXPECT_THAT(node->pods, ::testing::ElementsAre("gpu-workloads/train-resnet-0",
                                                 "gpu-workloads/web-frontend-0"));
}

TEST_F(KubeClusterViewTest, LeavesOutTerminalPods) {
  nlohmann::json pods = Capture("11-final-list-pods");
  nlohmann::json pod;
  for (const nlohmann::json& item : pods["items"]) {
    if (item["metadata"]["name"] == "train-llm-0") {
      pod = item;
    }
  }
  ASSERT_TRUE(pod.is_object());
  pod["status"]["phase"] = "Failed";
  objects_.pods.push_back(*kube::DecodePod(pod));
  pod["metadata"]["name"] = "train-llm-1";
  pod["status"]["phase"] = "Pending";
  objects_.pods.push_back(*kube::DecodePod(pod));
  ClusterReading reading = Build();
  ASSERT_EQ(reading.snapshot.pods.size(), 1u);
  EXPECT_EQ(reading.snapshot.pods[0].name, "train-llm-1");
}

TEST_F(KubeClusterViewTest, ReadsTheCapturedNodeTemplates) {
  AddCapturedTemplates();
  ClusterReading reading = Build();
  ASSERT_EQ(reading.snapshot.templates.size(), 2u) << ::testing::PrintToString(reading.problems);
  const cluster::NodeTemplate* shared = reading.snapshot.FindTemplate("a100-shared");
  ASSERT_NE(shared, nullptr);
  EXPECT_THAT(shared->instance_types, ::testing::ElementsAre("p4d.24xlarge"));
  EXPECT_TRUE(shared->mig.enabled);
  EXPECT_EQ(shared->zones.size(), 3u);
}

TEST_F(KubeClusterViewTest, ABrokenNodeTemplateIsLeftOutAndReported) {
  objects_.node_templates.push_back(
      Generic({{"apiVersion", "gpupack.io/v1alpha1"},
               {"kind", "NodeTemplate"},
               {"metadata", {{"name", "bad"}}},
               {"spec", {{"gpuModels", {"NVIDIA-Z999"}}, {"instanceTypes", {"p4d.24xlarge"}}}}}));
  AddCapturedTemplates();
  ClusterReading reading = Build();
  EXPECT_EQ(reading.snapshot.templates.size(), 2u);
  EXPECT_EQ(reading.snapshot.FindTemplate("bad"), nullptr);
  EXPECT_TRUE(HasProblem(reading, "NodeTemplate/bad"));
  EXPECT_TRUE(HasProblem(reading, "NVIDIA-Z999"));
}

TEST_F(KubeClusterViewTest, AnUnknownGpuModelLeavesTheNodesGpusOutAndIsReported) {
  nlohmann::json node = Capture("11-final-list-nodes")["items"][4];
  node["metadata"]["labels"]["nvidia.com/gpu.product"] = "NVIDIA-Z999";
  objects_.nodes.push_back(*kube::DecodeNode(node));
  ClusterReading reading = Build();
  ASSERT_EQ(reading.snapshot.nodes.size(), 1u);
  EXPECT_TRUE(reading.snapshot.nodes[0].gpus.empty());
  EXPECT_TRUE(HasProblem(reading,
                         "Node/ip-10-0-3-15.ec2.internal: "
                         "metadata.labels.nvidia.com/gpu.product:"));
}

TEST_F(KubeClusterViewTest, ANodeClaimWithoutItsNodeIsAComingNodeNamedAfterIt) {
  AddCapturedTemplates();
  AddSharingConfigMaps();
  nlohmann::json claim = Capture("09-nodeclaim-get");
  objects_.node_claims.push_back(Generic(claim));
  ClusterReading reading = Build();
  std::string name = claim["metadata"]["name"];
  const cluster::Node* node = reading.snapshot.FindNode(name);
  ASSERT_NE(node, nullptr) << ::testing::PrintToString(reading.problems);
  EXPECT_EQ(node->instance_type, "p4d.24xlarge");
  EXPECT_EQ(node->capacity_type, cluster::CapacityType::kSpot);
  EXPECT_EQ(node->zone, "us-east-1a");
  EXPECT_EQ(node->template_name, "a100-shared");
  EXPECT_FALSE(node->ready);
  ASSERT_EQ(node->gpus.size(), 8u);
  EXPECT_EQ(node->gpus[0].sharing.InstanceCount(), 7);
  EXPECT_EQ(node->allocatable.Get("nvidia.com/mig-1g.5gb"), 56);
  bool pending = std::any_of(node->taints.begin(), node->taints.end(), [](const auto& taint) {
    return taint.key == control::kTaintSharingPending;
  });
  EXPECT_TRUE(pending);
  EXPECT_EQ(node->labels.at("nvidia.com/gpu.mig-partition-1g.5gb"), "true");
}

TEST_F(KubeClusterViewTest, ANodeClaimWhoseNodeJoinedIsShownOnlyAsTheNode) {
  AddCapturedTemplates();
  AddSharingConfigMaps();
  nlohmann::json claim = Capture("09-nodeclaim-get");
  objects_.node_claims.push_back(Generic(claim));
  nlohmann::json node = Capture("11-final-list-nodes")["items"][0];
  node["metadata"]["labels"][std::string(kLabelKarpenterNodeClaim)] = claim["metadata"]["name"];
  objects_.nodes.push_back(*kube::DecodeNode(node));
  ClusterReading reading = Build();
  ASSERT_EQ(reading.snapshot.nodes.size(), 1u);
  EXPECT_EQ(reading.snapshot.nodes[0].name, "ip-10-0-1-10.ec2.internal");
}

TEST_F(KubeClusterViewTest, ANodeClaimOfAnUnknownTemplateIsLeftOutAndReported) {
  AddSharingConfigMaps();
  objects_.node_claims.push_back(Generic(Capture("09-nodeclaim-get")));
  ClusterReading reading = Build();
  EXPECT_TRUE(reading.snapshot.nodes.empty());
  EXPECT_TRUE(HasProblem(reading, "NodeTemplate \"a100-shared\" is not in the cluster"));
}

// The captured NodeClaim before Karpenter launched it (no status), with Launched=`launched`
// when given.
nlohmann::json UnlaunchedClaim(std::optional<std::string> launched = std::nullopt) {
  nlohmann::json claim = Capture("09-nodeclaim-get");
  claim.erase("status");
  if (launched) {
    claim["status"]["conditions"] = {{{"type", "Launched"},
                                      {"status", *launched},
                                      {"reason", "LaunchFailed"},
                                      {"message", "creating instance, no subnets matched"}}};
  }
  return claim;
}

// A pending seed pod as captured.
nlohmann::json PendingSeedPod() {
  const nlohmann::json pods = Capture("11-final-list-pods");
  for (const nlohmann::json& pod : pods["items"]) {
    if (pod["metadata"]["name"] == "mig-infer-5d8f7c9b6d-b3n8w") {
      return pod;
    }
  }
  ADD_FAILURE() << "no pending seed pod in the capture";
  return nlohmann::json::object();
}

TEST_F(KubeClusterViewTest, ANodeClaimWhoseLaunchFailedIsNoComingNodeButAFailedLaunch) {
  AddCapturedTemplates();
  AddSharingConfigMaps();
  objects_.node_claims.push_back(Generic(UnlaunchedClaim("False")));
  ClusterReading reading = Build();
  EXPECT_TRUE(reading.snapshot.nodes.empty());
  ASSERT_EQ(reading.failed_launches.size(), 1u);
  const control::LaunchFailure& failure = reading.failed_launches[0];
  EXPECT_EQ(failure.node, "gpu-a100-hp9f4");
  EXPECT_EQ(failure.instance_type, "p4d.24xlarge");
  EXPECT_EQ(failure.capacity_type, cluster::CapacityType::kSpot);
  EXPECT_EQ(failure.zone, "");  // it allowed us-east-1a and us-east-1b: no capacity in either
  EXPECT_TRUE(failure.exists);
  EXPECT_THAT(failure.reason, HasSubstr("LaunchFailed: creating instance, no subnets matched"));

  // Not launched yet (Launched Unknown) it is coming capacity.
  objects_.node_claims = {Generic(UnlaunchedClaim("Unknown"))};
  reading = Build();
  EXPECT_EQ(reading.snapshot.nodes.size(), 1u);
  EXPECT_TRUE(reading.failed_launches.empty());

  // Being deleted (Karpenter's finalizer holds it) before it launched: failed, and gone already.
  nlohmann::json deleting = UnlaunchedClaim("Unknown");
  deleting["metadata"]["deletionTimestamp"] = "2026-11-24T19:41:30Z";
  objects_.node_claims = {Generic(deleting)};
  reading = Build();
  EXPECT_TRUE(reading.snapshot.nodes.empty());
  ASSERT_EQ(reading.failed_launches.size(), 1u);
  EXPECT_FALSE(reading.failed_launches[0].exists);
}

TEST_F(KubeClusterViewTest, ANodeClaimDeletedBeforeItLaunchedIsAFailedLaunch) {
  std::optional<control::LaunchFailure> failure =
      FailedLaunch(Generic(UnlaunchedClaim()), /*deleted=*/true);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->instance_type, "p4d.24xlarge");
  EXPECT_FALSE(failure->exists);
  EXPECT_THAT(failure->reason, HasSubstr("insufficient capacity"));
  // Still there and not failed: nothing to report.
  EXPECT_FALSE(FailedLaunch(Generic(UnlaunchedClaim()), false));
  // Deleted after it launched (a node that was given back): no failure.
  EXPECT_FALSE(FailedLaunch(Generic(Capture("09-nodeclaim-get")), true));
  // Not gpupack's.
  nlohmann::json other = UnlaunchedClaim();
  other["metadata"]["labels"].erase("gpupack.io/node-template");
  EXPECT_FALSE(FailedLaunch(Generic(other), true));
}

TEST_F(KubeClusterViewTest, APodsRequiredNodeAffinityIsRead) {
  nlohmann::json pod = PendingSeedPod();
  pod["spec"]["affinity"] = nlohmann::json::parse(R"({"nodeAffinity":{
    "requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[
      {"matchExpressions":[{"key":"topology.kubernetes.io/zone","operator":"NotIn",
                            "values":["us-east-1e"]},
                           {"key":"nvidia.com/gpu.count","operator":"Lt","values":["9"]}],
       "matchFields":[{"key":"metadata.name","operator":"Exists"}]}]}}})");
  objects_.pods.push_back(*kube::DecodePod(pod));
  ClusterReading reading = Build();
  ASSERT_EQ(reading.snapshot.pods.size(), 1u) << ::testing::PrintToString(reading.problems);
  const std::optional<cluster::NodeSelector>& affinity = reading.snapshot.pods[0].required_affinity;
  ASSERT_TRUE(affinity);
  ASSERT_EQ(affinity->terms.size(), 1u);
  ASSERT_EQ(affinity->terms[0].match_expressions.size(), 2u);
  EXPECT_EQ(affinity->terms[0].match_expressions[0],
            (cluster::NodeSelectorRequirement{
                "topology.kubernetes.io/zone", cluster::SelectorOperator::kNotIn, {"us-east-1e"}}));
  EXPECT_EQ(affinity->terms[0].match_expressions[1].op, cluster::SelectorOperator::kLt);
  ASSERT_EQ(affinity->terms[0].match_fields.size(), 1u);
  EXPECT_EQ(affinity->terms[0].match_fields[0].op, cluster::SelectorOperator::kExists);
}

TEST_F(KubeClusterViewTest, APodWithAnUnknownAffinityOperatorIsLeftOutAndReported) {
  nlohmann::json pod = PendingSeedPod();
  pod["spec"]["affinity"] = nlohmann::json::parse(R"({"nodeAffinity":{
    "requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[
      {"matchExpressions":[{"key":"zone","operator":"Near","values":["a"]}]}]}}})");
  objects_.pods.push_back(*kube::DecodePod(pod));
  ClusterReading reading = Build();
  EXPECT_TRUE(reading.snapshot.pods.empty());
  ASSERT_EQ(reading.problems.size(), 1u);
  EXPECT_THAT(reading.problems[0].text,
              HasSubstr("spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
                        "nodeSelectorTerms[0].matchExpressions[0].operator: \"Near\" is not In"));
  EXPECT_EQ(reading.problems[0].kind, "Pod");
  EXPECT_EQ(reading.problems[0].name, pod["metadata"]["name"]);
}

TEST_F(KubeClusterViewTest, ProblemsAreSortedAndUnique) {
  nlohmann::json node = Capture("11-final-list-nodes")["items"][4];
  node["metadata"]["labels"]["nvidia.com/gpu.product"] = "NVIDIA-Z999";
  objects_.nodes.push_back(*kube::DecodeNode(node));
  node["metadata"]["name"] = "a-node";
  objects_.nodes.push_back(*kube::DecodeNode(node));
  ClusterReading reading = Build();
  ASSERT_EQ(reading.problems.size(), 2u);
  EXPECT_LT(reading.problems[0], reading.problems[1]);
  EXPECT_THAT(reading.problems[0].text, HasSubstr("Node/a-node"));
}

}  // namespace
}  // namespace gpupack::controller
