#include "controller/scheduler.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "catalog/gpu_catalog_loader.h"
#include "common/check.h"
#include "controller/conventions.h"
#include "kube/http_kube_client.h"
#include "kube/testing/fake_kube_client.h"
#include "kube/testing/loopback_api_server.h"

namespace gpupack::controller {
namespace {

using kube::testing::FakeKubeClient;

const gpu::GpuCatalog& Catalog() {
  static const gpu::GpuCatalog& catalog = *[] {
    static Result<gpu::GpuCatalog> loaded = catalog::LoadBuiltInGpuCatalog();
    GP_CHECK(loaded.has_value(), "the built-in GPU catalog loads");
    return &*loaded;
  }();
  return catalog;
}

enum class Sharing { kWhole, kTimeSliced, kMig };

// A ready A100 node as GFD and the device plugin label it.
nlohmann::json Node(const std::string& name, int gpus, Sharing sharing) {
  nlohmann::json labels = {{"nvidia.com/gpu.product", "NVIDIA-A100-SXM4-40GB"},
                           {"nvidia.com/gpu.count", std::to_string(gpus)}};
  nlohmann::json allocatable = {{"cpu", "96"}, {"memory", "1Ti"}, {"pods", "110"}};
  nlohmann::json taints = nlohmann::json::array();
  if (sharing == Sharing::kWhole) {
    allocatable["nvidia.com/gpu"] = std::to_string(gpus);
  } else if (sharing == Sharing::kTimeSliced) {
    labels["nvidia.com/gpu.replicas"] = "4";
    allocatable["nvidia.com/gpu.shared"] = std::to_string(4 * gpus);
  } else {
    labels["nvidia.com/mig.strategy"] = "mixed";
    allocatable["nvidia.com/mig-1g.5gb"] = std::to_string(7 * gpus);
    taints.push_back({{"key", "nvidia.com/gpu.mig"}, {"value", "true"}, {"effect", "NoSchedule"}});
  }
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata", {{"name", name}, {"labels", labels}}},
          {"spec", {{"taints", taints}}},
          {"status",
           {{"capacity", allocatable},
            {"allocatable", allocatable},
            {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
}

// A pod asking one unit of `resource` (and a CPU).
nlohmann::json Pod(const std::string& name, const std::string& resource,
                   const std::string& scheduler = std::string(kSchedulerName),
                   const std::string& node = "") {
  nlohmann::json spec = {{"schedulerName", scheduler},
                         {"containers",
                          {{{"name", "c"},
                            {"image", "cuda"},
                            {"resources",
                             {{"requests", {{"cpu", "1"}, {"memory", "1Gi"}, {resource, "1"}}},
                              {"limits", {{resource, "1"}}}}}}}}};
  if (resource.starts_with("nvidia.com/mig-")) {
    spec["tolerations"] = {{{"key", "nvidia.com/gpu.mig"}, {"operator", "Exists"}}};
  }
  if (!node.empty()) {
    spec["nodeName"] = node;
  }
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", name}, {"namespace", "ml"}, {"creationTimestamp", "2026-11-24T10:00:00Z"}}},
          {"spec", spec},
          {"status", {{"phase", node.empty() ? "Pending" : "Running"}}}};
}

std::string NodeOf(FakeKubeClient& fake, const std::string& pod) {
  std::optional<nlohmann::json> object = fake.Peek(kube::PodsResource(), {"ml", pod});
  return object ? object->value("/spec/nodeName"_json_pointer, "") : "<gone>";
}

class SchedulerTest : public ::testing::Test {
 protected:
  cluster::ClusterSnapshot Snapshot() {
    std::vector<std::string> warnings;
    Result<cluster::ClusterSnapshot> snapshot = ListClusterSnapshot(fake_, Catalog(), warnings);
    EXPECT_TRUE(snapshot.has_value()) << snapshot.error().message();
    EXPECT_TRUE(warnings.empty()) << warnings.front();
    return std::move(*snapshot);
  }

  ScheduleReport Run(const cluster::ClusterSnapshot& snapshot, SchedulerOptions options = {}) {
    Scheduler scheduler(fake_, Catalog(), options);
    Result<ScheduleReport> report = scheduler.RunOnce(snapshot);
    EXPECT_TRUE(report.has_value()) << report.error().message();
    return std::move(*report);
  }

  FakeKubeClient fake_;
};

TEST_F(SchedulerTest, BindsOnlyPodsThatAskForGpupackAndPacksThemOntoOneNode) {
  fake_.Seed(kube::NodesResource(), Node("a", 8, Sharing::kWhole));
  fake_.Seed(kube::NodesResource(), Node("b", 8, Sharing::kWhole));
  fake_.Seed(kube::PodsResource(), Pod("p1", "nvidia.com/gpu"));
  fake_.Seed(kube::PodsResource(), Pod("p2", "nvidia.com/gpu"));
  fake_.Seed(kube::PodsResource(), Pod("p3", "nvidia.com/gpu"));
  fake_.Seed(kube::PodsResource(), Pod("other", "nvidia.com/gpu", "default-scheduler"));
  ScheduleReport report = Run(Snapshot());
  EXPECT_EQ(report.pending, 3);
  EXPECT_EQ(report.bound, 3);
  EXPECT_EQ(NodeOf(fake_, "p1"), NodeOf(fake_, "p2"));
  EXPECT_EQ(NodeOf(fake_, "p2"), NodeOf(fake_, "p3"));
  EXPECT_EQ(NodeOf(fake_, "other"), "");
  ASSERT_EQ(report.bindings.size(), 3u);
  EXPECT_EQ(report.bindings[0].pod, "ml/p1");
  // Three different GPUs: whole-GPU pods never share one.
  EXPECT_NE(report.bindings[0].devices, report.bindings[1].devices);
}

TEST_F(SchedulerTest, ASharedPodJoinsTheGpuAlreadySharedRatherThanAnIdleNode) {
  fake_.Seed(kube::NodesResource(), Node("a", 1, Sharing::kTimeSliced));
  fake_.Seed(kube::NodesResource(), Node("b", 1, Sharing::kTimeSliced));
  fake_.Seed(kube::PodsResource(), Pod("running", "nvidia.com/gpu.shared", "gpupack", "b"));
  fake_.Seed(kube::PodsResource(), Pod("new", "nvidia.com/gpu.shared"));
  ScheduleReport report = Run(Snapshot());
  EXPECT_EQ(report.bound, 1);
  // kube-scheduler's LeastAllocated would pick the idle node a.
  EXPECT_EQ(NodeOf(fake_, "new"), "b");
}

TEST_F(SchedulerTest, MigPodsGoToNodesAdvertisingTheirProfile) {
  fake_.Seed(kube::NodesResource(), Node("whole", 8, Sharing::kWhole));
  fake_.Seed(kube::NodesResource(), Node("mig", 1, Sharing::kMig));
  fake_.Seed(kube::PodsResource(), Pod("m1", "nvidia.com/mig-1g.5gb"));
  ScheduleReport report = Run(Snapshot());
  EXPECT_EQ(NodeOf(fake_, "m1"), "mig");
  ASSERT_EQ(report.bindings.size(), 1u);
  ASSERT_EQ(report.bindings[0].devices.size(), 1u);
  EXPECT_GE(report.bindings[0].devices[0].instance, 0);
}

TEST_F(SchedulerTest, APodBoundSinceTheSnapshotIsSkippedAsAConflict) {
  fake_.Seed(kube::NodesResource(), Node("a", 8, Sharing::kWhole));
  fake_.Seed(kube::PodsResource(), Pod("p1", "nvidia.com/gpu"));
  cluster::ClusterSnapshot snapshot = Snapshot();
  ASSERT_TRUE(fake_.Bind({"ml", "p1"}, "elsewhere").has_value());
  SchedulerOptions options;
  options.recheck_nodes = false;
  ScheduleReport report = Run(snapshot, options);
  EXPECT_EQ(report.bound, 0);
  EXPECT_EQ(report.already_bound, 1);
  EXPECT_EQ(report.failed, 0);
  EXPECT_EQ(NodeOf(fake_, "p1"), "elsewhere");
}

TEST_F(SchedulerTest, ANodeThatFilledUpSinceTheSnapshotIsRecheckedAndThePodWaits) {
  fake_.Seed(kube::NodesResource(), Node("a", 1, Sharing::kWhole));
  fake_.Seed(kube::PodsResource(), Pod("p1", "nvidia.com/gpu"));
  cluster::ClusterSnapshot snapshot = Snapshot();
  // Another scheduler took the node's only GPU after the snapshot.
  fake_.Seed(kube::PodsResource(), Pod("intruder", "nvidia.com/gpu", "default-scheduler", "a"));
  ScheduleReport report = Run(snapshot);
  EXPECT_EQ(report.bound, 0);
  EXPECT_EQ(report.requeued, 1);
  EXPECT_EQ(report.nodes_rechecked, 1);
  EXPECT_EQ(NodeOf(fake_, "p1"), "");

  // The next cycle sees the intruder and has nowhere to put p1.
  ScheduleReport next = Run(Snapshot());
  EXPECT_EQ(next.unplaced, 1);
}

TEST_F(SchedulerTest, RecheckKeepsPodsThatStillFitBesideTheNewcomer) {
  fake_.Seed(kube::NodesResource(), Node("a", 2, Sharing::kWhole));
  fake_.Seed(kube::PodsResource(), Pod("p1", "nvidia.com/gpu"));
  fake_.Seed(kube::PodsResource(), Pod("p2", "nvidia.com/gpu"));
  cluster::ClusterSnapshot snapshot = Snapshot();
  fake_.Seed(kube::PodsResource(), Pod("intruder", "nvidia.com/gpu", "default-scheduler", "a"));
  ScheduleReport report = Run(snapshot);
  EXPECT_EQ(report.bound, 1);
  EXPECT_EQ(report.requeued, 1);
  EXPECT_EQ(NodeOf(fake_, "p1"), "a");
  EXPECT_EQ(NodeOf(fake_, "p2"), "");
}

TEST_F(SchedulerTest, BindPodAnnotatesTheChosenDevicesWhenAsked) {
  fake_.Seed(kube::PodsResource(), Pod("p1", "nvidia.com/mig-1g.5gb"));
  ASSERT_TRUE(BindPod(fake_, "ml/p1", "n1", {{2, 3, 1}}, true).has_value());
  nlohmann::json pod = *fake_.Peek(kube::PodsResource(), {"ml", "p1"});
  EXPECT_EQ(pod["metadata"]["annotations"][std::string(kAnnotationDevices)], "2.3");
  EXPECT_EQ(pod["spec"]["nodeName"], "n1");
  Status again = BindPod(fake_, "ml/p1", "n2", {});
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), ErrorCode::kAborted);
  EXPECT_FALSE(BindPod(fake_, "no-namespace", "n1", {}).has_value());
}

TEST(FormatDevicesTest, NamesGpusInstancesAndSlots) {
  EXPECT_EQ(FormatDevices({}), "");
  EXPECT_EQ(FormatDevices({{3, -1, 1}}), "3");
  EXPECT_EQ(FormatDevices({{0, 2, 2}, {1, -1, 1}}), "0.2x2,1");
}

TEST(SchedulerOverHttpTest, BindsThroughTheLoopbackApiServer) {
  kube::testing::LoopbackApiServer server(GP_KUBE_TESTDATA);
  server.RequireToken("t");
  server.fake().Seed(kube::NodesResource(), Node("a", 8, Sharing::kWhole));
  server.fake().Seed(kube::PodsResource(), Pod("p1", "nvidia.com/gpu"));
  server.fake().Seed(kube::PodsResource(), Pod("p2", "nvidia.com/gpu"));
  kube::ClusterConfig config;
  config.server = server.Url();
  std::ifstream ca(std::string(GP_KUBE_TESTDATA) + "/ca.crt");
  std::stringstream pem;
  pem << ca.rdbuf();
  config.ca_pem = pem.str();
  config.token = "t";
  config.source = "test";
  Result<std::unique_ptr<kube::HttpKubeClient>> client =
      kube::HttpKubeClient::Create(config, kube::HttpClientOptions());
  ASSERT_TRUE(client.has_value());
  std::vector<std::string> warnings;
  Result<cluster::ClusterSnapshot> snapshot = ListClusterSnapshot(**client, Catalog(), warnings);
  ASSERT_TRUE(snapshot.has_value()) << snapshot.error().message();
  Scheduler scheduler(**client, Catalog(), SchedulerOptions());
  Result<ScheduleReport> report = scheduler.RunOnce(*snapshot);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->bound, 2);
  EXPECT_EQ(NodeOf(server.fake(), "p1"), "a");
  EXPECT_EQ(NodeOf(server.fake(), "p2"), "a");
}

}  // namespace
}  // namespace gpupack::controller
