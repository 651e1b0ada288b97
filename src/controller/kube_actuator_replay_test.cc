// KubeActuator against the loopback replay of a real kube-apiserver (shared/reference/kube-wire):
// the bodies it sends are compared, field by field, with the requests that server accepted.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "catalog/gpu_catalog_loader.h"
#include "catalog/mig_parted_yaml.h"
#include "controller/kube_actuator.h"
#include "kube/testing/replay_fixture.h"

namespace gpupack::controller {
namespace {

using nlohmann::json;

class KubeActuatorReplayTest : public kube::testing::ReplayTest {
 protected:
  void SetUp() override {
    Result<gpu::GpuCatalog> gpus = catalog::LoadBuiltInGpuCatalog();
    ASSERT_TRUE(gpus) << gpus.error().message();
    catalog_.emplace(std::move(*gpus));
    cluster::InstanceType p4d;
    p4d.name = "p4d.24xlarge";
    p4d.gpu_model = "A100-SXM4-40GB";
    p4d.gpu_count = 8;
    p4d.offerings = {{cluster::CapacityType::kSpot, "us-east-1a", 9.83}};
    Result<cluster::InstanceCatalog> instances =
        cluster::InstanceCatalog::Create({"aws", "us-east-1", "2026-11-01", "test"}, {p4d});
    ASSERT_TRUE(instances) << instances.error().message();
    snapshot_ = std::make_shared<cluster::ClusterSnapshot>();
    snapshot_->instances = std::move(*instances);
    cluster::NodeTemplate node_template;
    node_template.name = "a100-shared";
    node_template.node_class_ref =
        cluster::NodeClassRef{"karpenter.k8s.aws", "EC2NodeClass", "gpu"};
    snapshot_->templates.push_back(node_template);
  }

  std::optional<gpu::GpuCatalog> catalog_;
  std::shared_ptr<cluster::ClusterSnapshot> snapshot_;
};

TEST_F(KubeActuatorReplayTest, LaunchSendsConfigMapsNodeClaimAndEventAsTheServerAcceptedThem) {
  server_.Serve("05-configmap-create");
  server_.Serve("05-configmap-create-mig-parted");
  server_.Script("POST", "/apis/karpenter.sh/v1/nodeclaims?fieldManager=gpupack",
                 server_.LoadResponse("09-nodeclaim-create"));
  server_.Serve("07-event-core-v1-create");
  std::unique_ptr<kube::HttpKubeClient> client = MakeClient();
  KubeActuatorOptions options;
  options.device_plugin_config_map = "gpupack-device-plugin-configs";
  options.node_event_namespace = "gpu-workloads";
  KubeActuator actuator(*client, *catalog_, clock_, options);
  actuator.SetSnapshot(snapshot_);

  const gpu::MigGeometryEngine& engine = catalog_->Geometry(**catalog_->Find("A100-SXM4-40GB"));
  plan::GpuPlan gpu{"A100-SXM4-40GB", {}, {}};
  gpu.sharing.mode = cluster::SharingMode::kMig;
  gpu.sharing.mig_strategy = gpu::MigStrategy::kMixed;
  gpu.sharing.geometry =
      *engine.Fit(*engine.CountsFromNames(std::vector<std::string>(7, "1g.5gb")));
  gpu.geometry = engine.ProfileNames(gpu.sharing.geometry);
  plan::Provision provision;
  provision.template_name = "a100-shared";
  provision.instance_type = "p4d.24xlarge";
  provision.capacity_type = cluster::CapacityType::kSpot;
  provision.zone = "us-east-1a";
  provision.gpus = std::vector<plan::GpuPlan>(8, gpu);
  provision.node_names = {"planned-0-a100-shared-0"};
  Status launched = actuator.Launch(provision);
  ASSERT_TRUE(launched) << launched.error().message();
  EXPECT_TRUE(server_.Unmatched().empty());

  // ConfigMaps: same metadata shape; the device-plugin key renders as the captured one.
  std::vector<json> config_maps = SentBodies("POST", "/api/v1/namespaces/gpu-operator/configmaps");
  ASSERT_EQ(config_maps.size(), 2U);
  json plugin_captured = CapturedRequest("05-configmap-create");
  EXPECT_EQ(config_maps[0]["apiVersion"], plugin_captured["apiVersion"]);
  EXPECT_EQ(config_maps[0]["kind"], plugin_captured["kind"]);
  EXPECT_EQ(config_maps[0]["metadata"]["name"], plugin_captured["metadata"]["name"]);
  EXPECT_EQ(config_maps[0]["metadata"]["namespace"], plugin_captured["metadata"]["namespace"]);
  EXPECT_EQ(config_maps[0]["metadata"]["labels"], plugin_captured["metadata"]["labels"]);
  EXPECT_EQ(config_maps[0]["data"]["mig-mixed"], plugin_captured["data"]["mig-mixed"]);
  json mig_captured = CapturedRequest("05-configmap-create-mig-parted");
  EXPECT_EQ(config_maps[1]["metadata"], mig_captured["metadata"]);
  Result<catalog::ParsedMigParted> ours = catalog::ParseMigPartedConfig(
      config_maps[1]["data"]["config.yaml"].get<std::string>(), "sent");
  Result<catalog::ParsedMigParted> theirs = catalog::ParseMigPartedConfig(
      mig_captured["data"]["config.yaml"].get<std::string>(), "captured");
  ASSERT_TRUE(ours) << ours.error().message();
  ASSERT_TRUE(theirs) << theirs.error().message();
  const gpu::MigConfigEntry& sent_entry = ours->spec.mig_configs.at("all-1g.5gb").at(0);
  const gpu::MigConfigEntry& captured_entry = theirs->spec.mig_configs.at("all-1g.5gb").at(0);
  EXPECT_EQ(sent_entry.devices, captured_entry.devices);
  EXPECT_EQ(sent_entry.mig_enabled, captured_entry.mig_enabled);
  EXPECT_EQ(sent_entry.mig_devices, captured_entry.mig_devices);

  // The NodeClaim: every field the captured request has, with the same values where the plan
  // is the same (one zone here, two there; a name instead of generateName; no NodePool).
  json claim = LastSent("POST", "/apis/karpenter.sh/v1/nodeclaims?fieldManager=gpupack");
  json captured = CapturedRequest("09-nodeclaim-create");
  EXPECT_EQ(claim["apiVersion"], captured["apiVersion"]);
  EXPECT_EQ(claim["kind"], captured["kind"]);
  for (const char* label : {"nvidia.com/mig.config", "nvidia.com/device-plugin.config",
                            "nvidia.com/gpu.mig-partition-1g.5gb", "gpupack.io/node-template"}) {
    EXPECT_EQ(claim["metadata"]["labels"][label], captured["metadata"]["labels"][label]) << label;
  }
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(claim["spec"]["requirements"][i], captured["spec"]["requirements"][i]);
  }
  EXPECT_EQ(claim["spec"]["requirements"][2]["key"], captured["spec"]["requirements"][2]["key"]);
  EXPECT_EQ(claim["spec"]["requirements"][2]["operator"], "In");
  EXPECT_EQ(claim["spec"]["taints"], captured["spec"]["taints"]);
  EXPECT_EQ(claim["spec"]["startupTaints"], captured["spec"]["startupTaints"]);
  EXPECT_EQ(claim["spec"]["nodeClassRef"], captured["spec"]["nodeClassRef"]);
  EXPECT_EQ(claim["spec"]["expireAfter"], captured["spec"]["expireAfter"]);
  EXPECT_TRUE(claim["spec"]["resources"]["requests"].is_object());

  // The Event: the captured core/v1 fields, no others.
  json event = LastSent("POST", "/api/v1/namespaces/gpu-workloads/events");
  json event_captured = CapturedRequest("07-event-core-v1-create");
  for (auto it = event_captured.begin(); it != event_captured.end(); ++it) {
    if (it.key() == "reportingInstance") {
      continue;  // written only when the options name this replica
    }
    EXPECT_TRUE(event.contains(it.key())) << it.key();
  }
  for (auto it = event.begin(); it != event.end(); ++it) {
    EXPECT_TRUE(event_captured.contains(it.key())) << it.key();
  }
  EXPECT_EQ(event["involvedObject"]["kind"], "NodeClaim");
  EXPECT_EQ(event["source"]["component"], "gpupack");
  EXPECT_EQ(event["count"], 1);
}

TEST_F(KubeActuatorReplayTest, ReconfigureListsThePodsOnTheNodeAsCapturedAndRefusesABusyGpu) {
  server_.Serve("02-list-pods-on-node-fieldselector");
  std::unique_ptr<kube::HttpKubeClient> client = MakeClient();
  KubeActuator actuator(*client, *catalog_, clock_);
  const gpu::MigGeometryEngine& engine = catalog_->Geometry(**catalog_->Find("A100-SXM4-40GB"));
  plan::GpuPlan from{"A100-SXM4-40GB", {}, {}};
  from.sharing.mode = cluster::SharingMode::kMig;
  from.sharing.mig_strategy = gpu::MigStrategy::kMixed;
  from.sharing.geometry =
      *engine.Fit(*engine.CountsFromNames(std::vector<std::string>(7, "1g.5gb")));
  from.geometry = engine.ProfileNames(from.sharing.geometry);
  cluster::Node node;
  node.name = "ip-10-0-1-10.ec2.internal";
  node.gpus.push_back(cluster::NodeGpu{0, "A100-SXM4-40GB", from.sharing, {}});
  snapshot_->nodes.push_back(node);
  actuator.SetSnapshot(snapshot_);

  Status changed = actuator.Reconfigure(
      {node.name, 0, from, plan::GpuPlan{"A100-SXM4-40GB", {}, {}}, "whole GPUs wanted"});
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(changed.error().message().find("gpu-workloads/mig-mixed-job-0 uses "
                                           "nvidia.com/mig-1g.5gb"),
            std::string::npos)
      << changed.error().message();
  EXPECT_TRUE(server_.Unmatched().empty());
  // The device plugin's pod requests nothing: only the MIG pod blocks. Nothing was written.
  std::vector<kube::testing::RecordedRequest> requests = server_.Requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].method, "GET");
}

TEST_F(KubeActuatorReplayTest, ARepeatedEventPatchesCountAsTheCapturedPatch) {
  server_.Serve("07-event-core-v1-create");
  std::unique_ptr<kube::HttpKubeClient> client = MakeClient();
  KubeActuator actuator(*client, *catalog_, clock_);
  actuator.SetSnapshot(snapshot_);
  control::ReconcileReport report;
  report.unschedulable.push_back({"gpu-workloads/train-llm-0", "no offering has 8 free GPUs"});
  ASSERT_TRUE(actuator.RecordReport(report, {}));
  const std::string name =
      LastSent("POST", "/api/v1/namespaces/gpu-workloads/events")["metadata"]["name"];
  const std::string patch_target = "/api/v1/namespaces/gpu-workloads/events/" + name;
  server_.Script("PATCH", patch_target, server_.LoadResponse("07-event-core-v1-patch-count"));
  clock_.Advance(std::chrono::seconds(30));
  ASSERT_TRUE(actuator.RecordReport(report, {}));
  EXPECT_TRUE(server_.Unmatched().empty());

  json captured = CapturedRequest("07-event-core-v1-patch-count");
  json sent = LastSent("PATCH", patch_target);
  EXPECT_EQ(sent.size(), captured.size());
  for (auto it = captured.begin(); it != captured.end(); ++it) {
    EXPECT_TRUE(sent.contains(it.key())) << it.key();
  }
  EXPECT_EQ(sent["count"], captured["count"]);  // 2, both times
  for (const kube::testing::RecordedRequest& request : server_.Requests()) {
    if (request.method == "PATCH") {
      EXPECT_EQ(request.headers.find("content-type")->second,
                "application/strategic-merge-patch+json");
    }
  }
}

TEST_F(KubeActuatorReplayTest, TemplateStatusIsTheCapturedMergePatchOfTheStatusSubresource) {
  const std::string target = "/apis/gpupack.io/v1alpha1/nodetemplates/a100-shared/status";
  server_.Script("PATCH", target + "?fieldManager=gpupack",
                 server_.LoadResponse("09-nodetemplate-status-merge-patch"));
  std::unique_ptr<kube::HttpKubeClient> client = MakeClient();
  KubeActuator actuator(*client, *catalog_, clock_);
  cluster::Node node;
  node.name = "ip-10-0-1-10";
  node.template_name = "a100-shared";
  node.price_per_hour = 14.8;
  node.gpus = std::vector<cluster::NodeGpu>(8, cluster::NodeGpu{0, "A100-SXM4-40GB", {}, {}});
  snapshot_->nodes.push_back(node);
  ASSERT_TRUE(actuator.UpdateTemplateStatus(*snapshot_));
  EXPECT_TRUE(server_.Unmatched().empty());

  json captured = CapturedRequest("09-nodetemplate-status-merge-patch");
  json sent = LastSent("PATCH", target + "?fieldManager=gpupack");
  for (auto it = captured["status"].begin(); it != captured["status"].end(); ++it) {
    EXPECT_TRUE(sent["status"].contains(it.key())) << it.key();
    EXPECT_EQ(sent["status"][it.key()].type(), it.value().type()) << it.key();
  }
  EXPECT_EQ(sent["status"]["gpus"], 8);
  EXPECT_EQ(sent["status"]["hourlyCost"], "14.80");
  const json& condition = sent["status"]["conditions"][0];
  for (const char* field : {"type", "status", "reason", "message", "lastTransitionTime"}) {
    EXPECT_EQ(condition[field].type(), captured["status"]["conditions"][0][field].type()) << field;
  }
  EXPECT_EQ(condition["type"], "Ready");
  for (const kube::testing::RecordedRequest& request : server_.Requests()) {
    EXPECT_EQ(request.headers.find("content-type")->second, "application/merge-patch+json");
  }
}

}  // namespace
}  // namespace gpupack::controller
