#include "controller/kube_actuator.h"

#include <algorithm>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "catalog/device_plugin_yaml.h"
#include "catalog/gpu_catalog_loader.h"
#include "catalog/mig_parted_yaml.h"
#include "kube/testing/fake_kube_client.h"

namespace gpupack::controller {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kModel[] = "A100-SXM4-40GB";
constexpr char kNamespace[] = "gpu-operator";

// Position of the first call starting with `prefix` in `calls`, or -1.
int IndexOf(const std::vector<std::string>& calls, const std::string& prefix) {
  for (size_t i = 0; i < calls.size(); ++i) {
    if (calls[i].starts_with(prefix)) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

int CountOf(const std::vector<std::string>& calls, const std::string& prefix) {
  return static_cast<int>(std::count_if(calls.begin(), calls.end(), [&](const std::string& call) {
    return call.starts_with(prefix);
  }));
}

class KubeActuatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<gpu::GpuCatalog> gpus = catalog::LoadBuiltInGpuCatalog();
    ASSERT_TRUE(gpus) << gpus.error().message();
    catalog_.emplace(std::move(*gpus));

    cluster::InstanceType p4d;
    p4d.name = "p4d.24xlarge";
    p4d.gpu_model = kModel;
    p4d.gpu_count = 8;
    p4d.capacity.Set("nvidia.com/gpu", 8);
    p4d.offerings = {{cluster::CapacityType::kSpot, "us-east-1a", 9.83}};
    Result<cluster::InstanceCatalog> instances =
        cluster::InstanceCatalog::Create({"aws", "us-east-1", "2026-11-01", "test"}, {p4d});
    ASSERT_TRUE(instances) << instances.error().message();

    auto snapshot = std::make_shared<cluster::ClusterSnapshot>();
    snapshot->instances = std::move(*instances);
    cluster::NodeTemplate node_template;
    node_template.name = "a100-shared";
    node_template.labels = {{"team", "ml"}};
    node_template.taints = {{"dedicated", "ml", cluster::TaintEffect::kNoSchedule}};
    node_template.node_class_ref =
        cluster::NodeClassRef{"karpenter.k8s.aws", "EC2NodeClass", "gpu"};
    snapshot->templates.push_back(node_template);
    cluster::Pod pending;
    pending.namespace_name = "gpu-workloads";
    pending.name = "train-0";
    pending.uid = "uid-train-0";
    snapshot->pods.push_back(pending);
    cluster::Pod custom = pending;
    custom.name = "train-1";
    custom.uid = "uid-train-1";
    custom.scheduler_name = "gpupack";
    snapshot->pods.push_back(custom);
    snapshot_ = snapshot;
    actuator_ = MakeActuator();
  }

  std::unique_ptr<KubeActuator> MakeActuator() {
    auto actuator = std::make_unique<KubeActuator>(client_, *catalog_, clock_);
    actuator->SetSnapshot(snapshot_);
    return actuator;
  }

  plan::GpuPlan Whole() const { return plan::GpuPlan{kModel, {}, {}}; }

  plan::GpuPlan Mig1g() const {
    const gpu::MigGeometryEngine& engine = catalog_->Geometry(**catalog_->Find(kModel));
    plan::GpuPlan out = Whole();
    out.sharing.mode = cluster::SharingMode::kMig;
    out.sharing.mig_strategy = gpu::MigStrategy::kMixed;
    out.sharing.geometry =
        *engine.Fit(*engine.CountsFromNames(std::vector<std::string>(7, "1g.5gb")));
    out.geometry = engine.ProfileNames(out.sharing.geometry);
    return out;
  }

  plan::Provision MigProvision(int32_t count = 1) const {
    plan::Provision provision;
    provision.template_name = "a100-shared";
    provision.instance_type = "p4d.24xlarge";
    provision.capacity_type = cluster::CapacityType::kSpot;
    provision.zone = "us-east-1a";
    provision.count = count;
    provision.gpus = std::vector<plan::GpuPlan>(8, Mig1g());
    for (int32_t i = 0; i < count; ++i) {
      provision.node_names.push_back("planned-0-a100-shared-" + std::to_string(i));
    }
    provision.reason = "7 pods of 1g.5gb";
    return provision;
  }

  // A Node as Karpenter registers it from a NodeClaim of MigProvision, before the MIG manager ran.
  json MigNode(const std::string& name) const {
    return json{{"apiVersion", "v1"},
                {"kind", "Node"},
                {"metadata",
                 {{"name", name},
                  {"labels",
                   {{"team", "ml"},
                    {"karpenter.sh/nodeclaim", "claim-1"},
                    {"gpupack.io/node-template", "a100-shared"},
                    {"gpupack.io/planned-sharing", "mig-mixed"},
                    {"nvidia.com/device-plugin.config", "mig-mixed"},
                    {"nvidia.com/mig.config", "all-1g.5gb"},
                    {"nvidia.com/mig.config.state", "pending"},
                    {"nvidia.com/gpu.mig-partition-1g.5gb", "true"},
                    {"node.kubernetes.io/instance-type", "p4d.24xlarge"}}}}},
                {"spec",
                 {{"taints",
                   {{{"key", "dedicated"}, {"value", "ml"}, {"effect", "NoSchedule"}},
                    {{"key", "nvidia.com/gpu.mig"}, {"value", "true"}, {"effect", "NoSchedule"}},
                    {{"key", "gpupack.io/sharing-pending"}, {"effect", "NoSchedule"}}}}}},
                {"status", {{"allocatable", {{"cpu", "96"}, {"nvidia.com/gpu", "8"}}}}}};
  }

  json PodOn(const std::string& name, const std::string& node, const std::string& resource) const {
    return json{
        {"apiVersion", "v1"},
        {"kind", "Pod"},
        {"metadata", {{"name", name}, {"namespace", "gpu-workloads"}}},
        {"spec",
         {{"nodeName", node},
          {"containers",
           {{{"name", "main"}, {"image", "x"}, {"resources", {{"limits", {{resource, "1"}}}}}}}}}},
        {"status", {{"phase", "Running"}}}};
  }

  kube::NodeObject Decoded(const std::string& node) {
    std::optional<json> object = client_.Peek(kube::NodesResource(), {"", node});
    EXPECT_TRUE(object.has_value());
    Result<kube::NodeObject> decoded = kube::DecodeNode(*object);
    EXPECT_TRUE(decoded) << decoded.error().message();
    return *decoded;
  }

  json NodeJson(const std::string& node) {
    return *client_.Peek(kube::NodesResource(), {"", node});
  }

  std::optional<gpu::GpuCatalog> catalog_;
  kube::testing::FakeKubeClient client_;
  ManualClock clock_{Timestamp{std::chrono::seconds(1795549260)}};  // 2026-11-24T19:41:00Z
  std::shared_ptr<cluster::ClusterSnapshot> snapshot_;
  std::unique_ptr<KubeActuator> actuator_;
};

// ---- Launch --------------------------------------------------------------------------------

TEST_F(KubeActuatorTest, LaunchWritesTheConfigMapKeysBeforeTheNodeClaimThatPointsAtThem) {
  ASSERT_TRUE(actuator_->Launch(MigProvision()));
  std::vector<std::string> calls = client_.Calls();
  int plugin = IndexOf(calls, "create configmaps gpu-operator/gpupack-device-plugin-config");
  int mig = IndexOf(calls, "create configmaps gpu-operator/gpupack-mig-parted-config");
  int claim = IndexOf(calls, "create nodeclaims.karpenter.sh a100-shared-");
  ASSERT_GE(plugin, 0);
  ASSERT_GE(mig, 0);
  ASSERT_GE(claim, 0);
  EXPECT_LT(plugin, claim);
  EXPECT_LT(mig, claim);

  json plugin_map =
      *client_.Peek(kube::ConfigMapsResource(), {kNamespace, "gpupack-device-plugin-config"});
  Result<catalog::ParsedDevicePluginConfig> parsed =
      catalog::ParseDevicePluginConfig(plugin_map["data"]["mig-mixed"].get<std::string>(), "test");
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(parsed->config.mig_strategy, gpu::MigStrategy::kMixed);
  EXPECT_FALSE(parsed->config.time_slicing.has_value());
  EXPECT_EQ(plugin_map["metadata"]["labels"]["app.kubernetes.io/managed-by"], "gpupack");

  json mig_map =
      *client_.Peek(kube::ConfigMapsResource(), {kNamespace, "gpupack-mig-parted-config"});
  Result<catalog::ParsedMigParted> mig_parsed =
      catalog::ParseMigPartedConfig(mig_map["data"]["config.yaml"].get<std::string>(), "test");
  ASSERT_TRUE(mig_parsed) << mig_parsed.error().message();
  ASSERT_TRUE(mig_parsed->spec.mig_configs.contains("all-1g.5gb"));
  EXPECT_EQ(mig_parsed->spec.mig_configs["all-1g.5gb"][0].mig_devices.at("1g.5gb"), 7);
}

TEST_F(KubeActuatorTest, LaunchCreatesTheNodeClaimKarpenterNeeds) {
  ASSERT_TRUE(actuator_->Launch(MigProvision()));
  ASSERT_EQ(actuator_->node_claims().size(), 1U);
  const std::string name = actuator_->node_claims().at("planned-0-a100-shared-0");
  EXPECT_THAT(name, ::testing::MatchesRegex("a100-shared-[0-9a-f]{10}"));
  json claim = *client_.Peek(kube::NodeClaimsResource(), {"", name});
  claim["metadata"].erase("uid");
  claim["metadata"].erase("resourceVersion");
  json expected = json::parse(R"({
    "apiVersion": "karpenter.sh/v1", "kind": "NodeClaim",
    "metadata": {"name": ")" + name +
                              R"(",
      "labels": {"team": "ml", "gpupack.io/node-template": "a100-shared",
                 "gpupack.io/planned-sharing": "mig-mixed",
                 "nvidia.com/device-plugin.config": "mig-mixed",
                 "nvidia.com/mig.config": "all-1g.5gb",
                 "nvidia.com/gpu.mig-partition-1g.5gb": "true"},
      "annotations": {"gpupack.io/sharing": "mig-mixed:all-1g.5gb",
                      "gpupack.io/reason": "7 pods of 1g.5gb"}},
    "spec": {
      "requirements": [
        {"key": "node.kubernetes.io/instance-type", "operator": "In", "values": ["p4d.24xlarge"]},
        {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["spot"]},
        {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["us-east-1a"]}],
      "resources": {"requests": {"nvidia.com/gpu": "8"}},
      "taints": [{"key": "dedicated", "value": "ml", "effect": "NoSchedule"},
                 {"key": "nvidia.com/gpu.mig", "value": "true", "effect": "NoSchedule"}],
      "startupTaints": [{"key": "gpupack.io/sharing-pending", "effect": "NoSchedule"}],
      "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "gpu"},
      "expireAfter": "720h"}})");
  EXPECT_EQ(claim, expected) << claim.dump(2);
}

TEST_F(KubeActuatorTest, LaunchAgainAfterARestartFindsTheSameNodeClaimsAndSucceeds) {
  ASSERT_TRUE(actuator_->Launch(MigProvision(2)));
  std::unique_ptr<KubeActuator> restarted = MakeActuator();
  ASSERT_TRUE(restarted->Launch(MigProvision(2)));
  EXPECT_EQ(restarted->node_claims(), actuator_->node_claims());
  Result<kube::ObjectList> claims = client_.List(kube::NodeClaimsResource(), {});
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->items.size(), 2U);  // not four
  // Other pending pods: another plan, other names.
  cluster::Pod other = snapshot_->pods[0];
  other.name = "train-2";
  other.uid = "uid-train-2";
  snapshot_->pods.push_back(other);
  restarted->SetSnapshot(snapshot_);
  ASSERT_TRUE(restarted->Launch(MigProvision(1)));
  EXPECT_NE(restarted->node_claims().at("planned-0-a100-shared-0"),
            actuator_->node_claims().at("planned-0-a100-shared-0"));
}

TEST_F(KubeActuatorTest, TwoAlikeProvisionsOfOnePlanGetTwoNodes) {
  plan::Provision second = MigProvision();
  second.node_names = {"planned-0-a100-shared-1"};
  ASSERT_TRUE(actuator_->Launch(MigProvision()));
  ASSERT_TRUE(actuator_->Launch(second));
  EXPECT_NE(actuator_->node_claims().at("planned-0-a100-shared-0"),
            actuator_->node_claims().at("planned-0-a100-shared-1"));
  Result<kube::ObjectList> claims = client_.List(kube::NodeClaimsResource(), {});
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->items.size(), 2U);
}

TEST_F(KubeActuatorTest, LaunchRejectedByTheApiServerSaysWhichNodeClaimAndWhy) {
  client_.FailNext("create nodeclaims", Error(ErrorCode::kInvalidArgument,
                                              "create nodeclaims.karpenter.sh x: 422 Invalid: "
                                              "spec.requirements[1].values: Unsupported value"));
  Status launched = actuator_->Launch(MigProvision());
  ASSERT_FALSE(launched);
  EXPECT_EQ(launched.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(launched.error().message(), HasSubstr("NodeTemplate a100-shared rejected"));
  EXPECT_THAT(launched.error().message(), HasSubstr("Unsupported value"));
}

TEST_F(KubeActuatorTest, LaunchNeedsANodeClassFromTheTemplateOrTheOptions) {
  snapshot_->templates[0].node_class_ref.reset();
  Status launched = actuator_->Launch(MigProvision());
  ASSERT_FALSE(launched);
  EXPECT_EQ(launched.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(CountOf(client_.Calls(), "create"), 0);

  KubeActuatorOptions options;
  options.default_node_class =
      cluster::NodeClassRef{"karpenter.k8s.aws", "EC2NodeClass", "default"};
  KubeActuator with_default(client_, *catalog_, clock_, options);
  with_default.SetSnapshot(snapshot_);
  ASSERT_TRUE(with_default.Launch(MigProvision()));
  json claim =
      *client_.Peek(kube::NodeClaimsResource(), {"", with_default.node_claims().begin()->second});
  EXPECT_EQ(claim["spec"]["nodeClassRef"]["name"], "default");
}

TEST_F(KubeActuatorTest, LaunchAddsItsKeysToConfigMapsOthersWroteAndKeepsTheirKeys) {
  client_.Seed(kube::ConfigMapsResource(),
               {{"apiVersion", "v1"},
                {"kind", "ConfigMap"},
                {"metadata", {{"name", "gpupack-device-plugin-config"}, {"namespace", kNamespace}}},
                {"data", {{"ts-8", "version: v1\n"}}}});
  client_.Seed(kube::ConfigMapsResource(), json::parse(R"({"apiVersion": "v1", "kind": "ConfigMap",
      "metadata": {"name": "gpupack-mig-parted-config", "namespace": "gpu-operator"},
      "data": {"config.yaml":
        "version: v1\nmig-configs:\n  custom:\n    - devices: all\n      mig-enabled: false\n"}})"));
  // Someone else writes the mig-parted ConfigMap between our read and our write.
  client_.FailNext("update configmaps", Error(ErrorCode::kAborted, "update configmaps: conflict"));
  ASSERT_TRUE(actuator_->Launch(MigProvision()));

  json plugin_map =
      *client_.Peek(kube::ConfigMapsResource(), {kNamespace, "gpupack-device-plugin-config"});
  EXPECT_EQ(plugin_map["data"]["ts-8"], "version: v1\n");
  EXPECT_TRUE(plugin_map["data"].contains("mig-mixed"));
  json mig_map =
      *client_.Peek(kube::ConfigMapsResource(), {kNamespace, "gpupack-mig-parted-config"});
  Result<catalog::ParsedMigParted> parsed =
      catalog::ParseMigPartedConfig(mig_map["data"]["config.yaml"].get<std::string>(), "test");
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_TRUE(parsed->spec.mig_configs.contains("custom"));
  EXPECT_TRUE(parsed->spec.mig_configs.contains("all-1g.5gb"));
  EXPECT_EQ(CountOf(client_.Calls(), "update configmaps"), 2);  // the conflict, then the retry
}

// ---- Reconfigure ---------------------------------------------------------------------------

class ReconfigureTest : public KubeActuatorTest {
 protected:
  void SetUp() override {
    KubeActuatorTest::SetUp();
    json node = MigNode("ip-10-0-1-10");
    node["metadata"]["labels"]["nvidia.com/mig.config.state"] = "success";
    node["spec"]["taints"].erase(2);
    client_.Seed(kube::NodesResource(), node);
    cluster::Node planned;
    planned.name = "ip-10-0-1-10";
    planned.template_name = "a100-shared";
    for (int i = 0; i < 8; ++i) {
      planned.gpus.push_back(cluster::NodeGpu{i, kModel, Mig1g().sharing, {}});
    }
    snapshot_->nodes.push_back(planned);
  }

  // GPU 3 from 7x 1g.5gb to 2x 3g.20gb.
  plan::Reconfiguration ToThreeG() const {
    plan::Reconfiguration change{"ip-10-0-1-10", 3, Mig1g(), Mig1g(), "pods want 3g.20gb"};
    const gpu::MigGeometryEngine& engine = catalog_->Geometry(**catalog_->Find(kModel));
    std::vector<std::string> names = {"3g.20gb", "3g.20gb"};
    change.to.sharing.geometry = *engine.Fit(*engine.CountsFromNames(names));
    change.to.geometry = engine.ProfileNames(change.to.sharing.geometry);
    return change;
  }
};

TEST_F(ReconfigureTest, RefusesWhileARunningPodUsesWhatTheGpuProvides) {
  client_.Seed(kube::PodsResource(), PodOn("infer-0", "ip-10-0-1-10", "nvidia.com/mig-1g.5gb"));
  Status changed = actuator_->Reconfigure(ToThreeG());
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(changed.error().message(),
              HasSubstr("gpu-workloads/infer-0 uses nvidia.com/mig-1g.5gb"));
  std::vector<std::string> calls = client_.Calls();
  EXPECT_EQ(IndexOf(calls, "list pods"), 0);  // it asked the API server, not a cache
  EXPECT_EQ(CountOf(calls, "patch"), 0);
  EXPECT_EQ(CountOf(calls, "create"), 0);
}

TEST_F(ReconfigureTest, TaintsThenWritesTheConfigThenRelabels) {
  // Pods on other resources and finished pods do not block.
  client_.Seed(kube::PodsResource(), PodOn("cpu-0", "ip-10-0-1-10", "cpu"));
  json done = PodOn("old-0", "ip-10-0-1-10", "nvidia.com/mig-1g.5gb");
  done["status"]["phase"] = "Succeeded";
  client_.Seed(kube::PodsResource(), done);
  ASSERT_TRUE(actuator_->Reconfigure(ToThreeG()));

  std::vector<std::string> calls = client_.Calls();
  int taint = IndexOf(calls, "patch nodes ip-10-0-1-10");
  int config = IndexOf(calls, "create configmaps gpu-operator/gpupack-mig-parted-config");
  ASSERT_GE(taint, 0);
  ASSERT_GE(config, 0);
  EXPECT_LT(taint, config);
  EXPECT_EQ(CountOf(calls, "patch nodes ip-10-0-1-10"), 2);
  EXPECT_GT(static_cast<int>(calls.rend() - std::find_if(calls.rbegin(), calls.rend(),
                                                         [](const std::string& call) {
                                                           return call.starts_with("patch nodes");
                                                         })) -
                1,
            config);

  json node = NodeJson("ip-10-0-1-10");
  const json& labels = node["metadata"]["labels"];
  const std::string mig_config = labels["nvidia.com/mig.config"];
  EXPECT_TRUE(mig_config.starts_with("gpupack-")) << mig_config;
  EXPECT_EQ(labels["nvidia.com/gpu.mig-partition-3g.20gb"], "true");
  EXPECT_EQ(labels["nvidia.com/gpu.mig-partition-1g.5gb"], "true");
  EXPECT_EQ(labels["team"], "ml");  // others' labels stay
  EXPECT_EQ(node["spec"]["taints"].back(),
            (json{{"key", "gpupack.io/sharing-pending"}, {"effect", "NoSchedule"}}));
  json mig_map =
      *client_.Peek(kube::ConfigMapsResource(), {kNamespace, "gpupack-mig-parted-config"});
  Result<catalog::ParsedMigParted> parsed =
      catalog::ParseMigPartedConfig(mig_map["data"]["config.yaml"].get<std::string>(), "test");
  ASSERT_TRUE(parsed) << parsed.error().message();
  ASSERT_EQ(parsed->spec.mig_configs.at(mig_config).size(), 2U);
  EXPECT_EQ(parsed->spec.mig_configs.at(mig_config)[1].devices.indices, (std::vector<int>{3}));
}

// ---- ReconcileNode -------------------------------------------------------------------------

class ReconcileNodeTest : public KubeActuatorTest {
 protected:
  void SetUp() override {
    KubeActuatorTest::SetUp();
    // The ConfigMaps Launch wrote (a fresh actuator finds them in the cluster).
    ASSERT_TRUE(actuator_->Launch(MigProvision()));
    actuator_ = MakeActuator();
    client_.Seed(kube::NodesResource(), MigNode("ip-10-0-1-10"));
  }

  void SetLabel(const std::string& key, const std::string& value) {
    json node = NodeJson("ip-10-0-1-10");
    node["metadata"]["labels"][key] = value;
    ASSERT_TRUE(client_.Update(kube::NodesResource(), node, {}));
  }

  void SetAllocatable(json allocatable) {
    json node = NodeJson("ip-10-0-1-10");
    node["status"]["allocatable"] = std::move(allocatable);
    ASSERT_TRUE(client_.Update(kube::NodesResource(), node, {}));
  }

  bool HasStartupTaint() {
    const json node = NodeJson("ip-10-0-1-10");
    for (const json& taint : node["spec"]["taints"]) {
      if (taint["key"] == "gpupack.io/sharing-pending") {
        return true;
      }
    }
    return false;
  }
};

TEST_F(ReconcileNodeTest, KeepsTheStartupTaintUntilTheMigManagerSucceededAndCapacityShows) {
  Result<NodeState> state = actuator_->ReconcileNode(Decoded("ip-10-0-1-10"));
  ASSERT_TRUE(state) << state.error().message();
  EXPECT_EQ(*state, NodeState::kApplying);
  EXPECT_TRUE(HasStartupTaint());
  // Labels and taints already as planned: the node is not even read again.
  EXPECT_EQ(CountOf(client_.Calls(), "get nodes"), 0);
  EXPECT_EQ(CountOf(client_.Calls(), "patch nodes"), 0);

  SetLabel("nvidia.com/mig.config.state", "success");
  state = actuator_->ReconcileNode(Decoded("ip-10-0-1-10"));
  ASSERT_TRUE(state) << state.error().message();
  EXPECT_EQ(*state, NodeState::kApplying);  // the plugin still advertises 8 whole GPUs
  EXPECT_TRUE(HasStartupTaint());

  SetAllocatable({{"cpu", "96"}, {"nvidia.com/gpu", "0"}, {"nvidia.com/mig-1g.5gb", "56"}});
  state = actuator_->ReconcileNode(Decoded("ip-10-0-1-10"));
  ASSERT_TRUE(state) << state.error().message();
  EXPECT_EQ(*state, NodeState::kReady);
  EXPECT_FALSE(HasStartupTaint());
  // Only the startup taint went.
  EXPECT_EQ(NodeJson("ip-10-0-1-10")["spec"]["taints"].size(), 2U);
}

TEST_F(ReconcileNodeTest, AFailedMigManagerLeavesTheTaintAndSaysSoInAWarningEvent) {
  SetLabel("nvidia.com/mig.config.state", "failed");
  Result<NodeState> state = actuator_->ReconcileNode(Decoded("ip-10-0-1-10"));
  ASSERT_TRUE(state) << state.error().message();
  EXPECT_EQ(*state, NodeState::kFailed);
  EXPECT_TRUE(HasStartupTaint());
  Result<kube::ObjectList> events = client_.List(kube::EventsResource(), {});
  ASSERT_TRUE(events);
  const json* warning = nullptr;
  for (const json& event : events->items) {
    if (event["reason"] == "GpupackMigFailed") {
      warning = &event;
    }
  }
  ASSERT_NE(warning, nullptr);
  EXPECT_EQ((*warning)["type"], "Warning");
  EXPECT_EQ((*warning)["involvedObject"]["kind"], "Node");
  EXPECT_EQ((*warning)["involvedObject"]["name"], "ip-10-0-1-10");
  EXPECT_EQ((*warning)["metadata"]["namespace"], "default");
}

TEST_F(ReconcileNodeTest, RestoresLabelsAndTheMigTaintSomeoneChangedAndKeepsTheirOwn) {
  json node = NodeJson("ip-10-0-1-10");
  node["metadata"]["labels"]["nvidia.com/device-plugin.config"] = "default";
  node["metadata"]["labels"].erase("nvidia.com/gpu.mig-partition-1g.5gb");
  node["metadata"]["labels"]["nvidia.com/gpu.mig-partition-3g.20gb"] = "true";
  node["metadata"]["labels"]["owner"] = "someone";
  node["spec"]["taints"].erase(1);  // the MIG taint
  ASSERT_TRUE(client_.Update(kube::NodesResource(), node, {}));
  // A concurrent writer changes the node between our read and our patch once.
  client_.FailNext("patch nodes",
                   Error(ErrorCode::kInvalidArgument, "patch nodes: 422 Invalid: test failed"));

  Result<NodeState> state = actuator_->ReconcileNode(Decoded("ip-10-0-1-10"));
  ASSERT_TRUE(state) << state.error().message();
  EXPECT_EQ(*state, NodeState::kApplying);
  json fixed = NodeJson("ip-10-0-1-10");
  const json& labels = fixed["metadata"]["labels"];
  EXPECT_EQ(labels["nvidia.com/device-plugin.config"], "mig-mixed");
  EXPECT_EQ(labels["nvidia.com/gpu.mig-partition-1g.5gb"], "true");
  EXPECT_FALSE(labels.contains("nvidia.com/gpu.mig-partition-3g.20gb"));
  EXPECT_EQ(labels["owner"], "someone");
  EXPECT_EQ(labels["team"], "ml");
  bool mig_taint = false;
  for (const json& taint : fixed["spec"]["taints"]) {
    mig_taint = mig_taint || taint["key"] == "nvidia.com/gpu.mig";
  }
  EXPECT_TRUE(mig_taint);
  EXPECT_EQ(CountOf(client_.Calls(), "patch nodes"), 2);  // the conflict, then the retry
}

TEST_F(ReconcileNodeTest, NodesWithoutAPlanAreLeftAlone) {
  json node = MigNode("other");
  node["metadata"]["labels"].erase("gpupack.io/planned-sharing");
  client_.Seed(kube::NodesResource(), node);
  Result<NodeState> state = actuator_->ReconcileNode(Decoded("other"));
  ASSERT_TRUE(state);
  EXPECT_EQ(*state, NodeState::kUnmanaged);
  EXPECT_EQ(NodeStateName(*state), "unmanaged");
}

TEST_F(ReconcileNodeTest, APlannedKeyMissingFromTheConfigMapIsAClearError) {
  SetLabel("gpupack.io/planned-sharing", "ts-9");
  Result<NodeState> state = actuator_->ReconcileNode(Decoded("ip-10-0-1-10"));
  ASSERT_FALSE(state);
  EXPECT_EQ(state.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(state.error().message(), HasSubstr("\"ts-9\" is not a key of ConfigMap gpu-operator/"
                                                 "gpupack-device-plugin-config"));
}

// ---- Remove --------------------------------------------------------------------------------

class RemoveTest : public KubeActuatorTest {
 protected:
  void SetUp() override {
    KubeActuatorTest::SetUp();
    client_.Seed(kube::NodesResource(), MigNode("ip-10-0-1-10"));
    client_.Seed(kube::NodeClaimsResource(), {{"apiVersion", "karpenter.sh/v1"},
                                              {"kind", "NodeClaim"},
                                              {"metadata", {{"name", "claim-1"}}}});
    client_.Seed(kube::PodsResource(), PodOn("web-0", "ip-10-0-1-10", "cpu"));
    json daemon = PodOn("dcgm-exporter-abcde", "ip-10-0-1-10", "cpu");
    daemon["metadata"]["ownerReferences"] = {
        {{"apiVersion", "apps/v1"}, {"kind", "DaemonSet"}, {"name", "dcgm"}, {"uid", "d"}}};
    client_.Seed(kube::PodsResource(), daemon);
    json mirror = PodOn("kube-proxy-ip-10-0-1-10", "ip-10-0-1-10", "cpu");
    mirror["metadata"]["annotations"] = {{"kubernetes.io/config.mirror", "abc"}};
    client_.Seed(kube::PodsResource(), mirror);
  }
};

TEST_F(RemoveTest, CordonsEvictsAndDeletesTheNodeClaimNotTheNode) {
  ASSERT_TRUE(actuator_->Remove("ip-10-0-1-10"));
  std::vector<std::string> calls = client_.Calls();
  int cordon = IndexOf(calls, "patch nodes ip-10-0-1-10");
  int evict = IndexOf(calls, "evict pod gpu-workloads/web-0");
  int remove = IndexOf(calls, "delete nodeclaims.karpenter.sh claim-1");
  ASSERT_GE(cordon, 0);
  ASSERT_GE(evict, 0);
  ASSERT_GE(remove, 0);
  EXPECT_LT(cordon, evict);
  EXPECT_LT(evict, remove);
  EXPECT_EQ(CountOf(calls, "evict"), 1);  // not the DaemonSet's or the mirror pod
  EXPECT_EQ(CountOf(calls, "delete nodes"), 0);
  EXPECT_EQ(NodeJson("ip-10-0-1-10")["spec"]["unschedulable"], true);
  EXPECT_FALSE(client_.Peek(kube::NodeClaimsResource(), {"", "claim-1"}).has_value());
}

TEST_F(RemoveTest, ADisruptionBudgetStopsItWithTheNodeCordonedAndTheNodeClaimKept) {
  client_.FailNext("evict pod", Error(ErrorCode::kUnavailable,
                                      "Cannot evict pod as it would violate the pod's "
                                      "disruption budget."));
  Status removed = actuator_->Remove("ip-10-0-1-10");
  ASSERT_FALSE(removed);
  EXPECT_EQ(removed.error().code(), ErrorCode::kUnavailable);
  EXPECT_THAT(removed.error().message(), HasSubstr("disruption budget"));
  EXPECT_THAT(removed.error().message(), HasSubstr("gpu-workloads/web-0"));
  EXPECT_EQ(NodeJson("ip-10-0-1-10")["spec"]["unschedulable"], true);
  EXPECT_TRUE(client_.Peek(kube::NodeClaimsResource(), {"", "claim-1"}).has_value());
  // Later the budget allows it: the next try finishes (the cordon is not written twice).
  ASSERT_TRUE(actuator_->Remove("ip-10-0-1-10"));
  EXPECT_EQ(CountOf(client_.Calls(), "patch nodes"), 1);
}

TEST_F(RemoveTest, DeletesTheNodeItselfOnlyWhenNoNodeClaimOwnsIt) {
  json node = MigNode("static-1");
  node["metadata"]["labels"].erase("karpenter.sh/nodeclaim");
  client_.Seed(kube::NodesResource(), node);
  ASSERT_TRUE(actuator_->Remove("static-1"));
  EXPECT_FALSE(client_.Peek(kube::NodesResource(), {"", "static-1"}).has_value());
  EXPECT_TRUE(client_.Peek(kube::NodeClaimsResource(), {"", "claim-1"}).has_value());
}

TEST_F(RemoveTest, ANodeClaimWhoseNodeNeverCameIsDeletedByName) {
  ASSERT_TRUE(actuator_->Remove("claim-1"));
  EXPECT_FALSE(client_.Peek(kube::NodeClaimsResource(), {"", "claim-1"}).has_value());
  EXPECT_TRUE(client_.Peek(kube::NodesResource(), {"", "ip-10-0-1-10"}).has_value());
}

// ---- Bind ----------------------------------------------------------------------------------

TEST_F(KubeActuatorTest, BindsOnlyPodsThatAskForGpupackAsTheirScheduler) {
  client_.Seed(kube::PodsResource(),
               {{"metadata", {{"name", "train-0"}, {"namespace", "gpu-workloads"}}},
                {"spec", json::object()}});
  client_.Seed(kube::PodsResource(),
               {{"metadata", {{"name", "train-1"}, {"namespace", "gpu-workloads"}}},
                {"spec", {{"schedulerName", "gpupack"}}}});
  ASSERT_TRUE(actuator_->Bind("gpu-workloads/train-0", "node-a", {}));
  ASSERT_TRUE(actuator_->Bind("gpu-workloads/train-1", "node-a", {}));
  EXPECT_THAT(client_.Calls(), ElementsAre("bind pod gpu-workloads/train-1 to node node-a"));
}

// ---- Events and status ---------------------------------------------------------------------

TEST_F(KubeActuatorTest, EventsRepeatByCountAndCarryTheCoreV1Fields) {
  control::ReconcileReport report;
  report.unschedulable.push_back({"gpu-workloads/train-0", "no template offers 9g.99gb"});
  ASSERT_TRUE(
      actuator_->RecordReport(report, {{"gpu-workloads/train-1", "a100-shared-0123456789"}}));
  clock_.Advance(std::chrono::seconds(30));
  ASSERT_TRUE(
      actuator_->RecordReport(report, {{"gpu-workloads/train-1", "a100-shared-0123456789"}}));

  std::vector<std::string> calls = client_.Calls();
  EXPECT_EQ(CountOf(calls, "create events"), 2);  // unschedulable + nominated, once each
  EXPECT_EQ(CountOf(calls, "patch events"), 1);   // the unschedulable one repeated
  Result<kube::ObjectList> events = client_.List(kube::EventsResource(), {});
  ASSERT_TRUE(events);
  json unschedulable;
  for (const json& event : events->items) {
    if (event["reason"] == "GpupackUnschedulable") {
      unschedulable = event;
    }
  }
  unschedulable["metadata"].erase("uid");
  unschedulable["metadata"].erase("resourceVersion");
  const std::string name = unschedulable["metadata"]["name"];
  EXPECT_THAT(name, ::testing::MatchesRegex("train-0\\.[0-9a-f]{16}"));
  EXPECT_EQ(unschedulable, json::parse(R"({"apiVersion":"v1","kind":"Event",
    "metadata":{"name":")" + name + R"(","namespace":"gpu-workloads"},
    "involvedObject":{"apiVersion":"v1","kind":"Pod","namespace":"gpu-workloads","name":"train-0",
                      "uid":"uid-train-0"},
    "reason":"GpupackUnschedulable","message":"no template offers 9g.99gb","type":"Warning",
    "source":{"component":"gpupack"},"reportingComponent":"gpupack",
    "firstTimestamp":"2026-11-24T19:41:00Z","lastTimestamp":"2026-11-24T19:41:30Z","count":2})"))
      << unschedulable.dump(2);
}

TEST_F(KubeActuatorTest, ARestartedControllerContinuesTheCountOfItsEvents) {
  control::ReconcileReport report;
  report.unschedulable.push_back({"gpu-workloads/train-0", "too big"});
  ASSERT_TRUE(actuator_->RecordReport(report, {}));
  std::unique_ptr<KubeActuator> restarted = MakeActuator();
  ASSERT_TRUE(restarted->RecordReport(report, {}));
  Result<kube::ObjectList> events = client_.List(kube::EventsResource(), {});
  ASSERT_TRUE(events);
  ASSERT_EQ(events->items.size(), 1U);
  EXPECT_EQ(events->items[0]["count"], 2);
}

TEST_F(KubeActuatorTest, TemplateStatusIsMergePatchedOnlyWhenItChanges) {
  client_.Seed(kube::NodeTemplatesResource(), {{"apiVersion", "gpupack.io/v1alpha1"},
                                               {"kind", "NodeTemplate"},
                                               {"metadata", {{"name", "a100-shared"}}},
                                               {"spec", json::object()}});
  cluster::Node node;
  node.name = "ip-10-0-1-10";
  node.template_name = "a100-shared";
  node.price_per_hour = 9.83;
  cluster::NodeGpu gpu{0, kModel, Mig1g().sharing, {}};
  gpu.allocations.push_back({"gpu-workloads/a", 0, 1, 0});
  gpu.allocations.push_back({"gpu-workloads/b", 1, 1, 0});
  node.gpus = {gpu, cluster::NodeGpu{1, kModel, {}, {}}};
  snapshot_->nodes.push_back(node);

  ASSERT_TRUE(actuator_->UpdateTemplateStatus(*snapshot_));
  ASSERT_TRUE(actuator_->UpdateTemplateStatus(*snapshot_));
  EXPECT_EQ(CountOf(client_.Calls(), "patch nodetemplates.gpupack.io a100-shared"), 1);
  json status = (*client_.Peek(kube::NodeTemplatesResource(), {"", "a100-shared"}))["status"];
  EXPECT_EQ(status, json::parse(R"({"nodes":1,"gpus":2,"replicas":8,"allocated":2,
    "allocationRatio":"0.25","hourlyCost":"9.83",
    "conditions":[{"type":"Ready","status":"True","reason":"Reconciled",
                   "message":"1 nodes, 2 GPUs","lastTransitionTime":"2026-11-24T19:41:00Z"}]})"))
      << status.dump(2);
}

}  // namespace
}  // namespace gpupack::controller
