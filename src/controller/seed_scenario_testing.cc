#include "controller/seed_scenario_testing.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "catalog/gpu_catalog_loader.h"
#include "catalog/instance_catalog_loader.h"
#include "catalog/k8s_reader.h"
#include "cluster/scheduling.h"
#include "controller/conventions.h"

namespace gpupack::controller::testing {

void LoadCatalogs(std::string_view cloud, std::optional<gpu::GpuCatalog>& gpus,
                  std::optional<cluster::InstanceCatalog>& instances) {
  auto loaded_gpus = catalog::LoadBuiltInGpuCatalog();
  ASSERT_TRUE(loaded_gpus);
  gpus.emplace(std::move(*loaded_gpus));
  auto loaded_instances = catalog::LoadInstanceCatalog(std::string(cloud), *gpus);
  ASSERT_TRUE(loaded_instances);
  instances.emplace(std::move(*loaded_instances));
}

nlohmann::json MigSingleTemplate() {
  return {
      {"apiVersion", "gpupack.io/v1alpha1"},
      {"kind", "NodeTemplate"},
      {"metadata", {{"name", "a100-mig-single"}}},
      {"spec",
       {{"instanceTypes", {"p4d.24xlarge", "a2-highgpu-*"}},
        {"gpuModels", {"NVIDIA-A100-SXM4-40GB"}},
        {"capacityTypes", {"spot", "on-demand"}},
        {"spotPercent", 50},
        {"gpuSharing", {{"mig", {{"enabled", true}, {"strategy", "single"}, {"dynamic", true}}}}},
        {"limits", {{"gpus", 16}, {"hourlyCost", 60}}}}}};
}

nlohmann::json PendingPodJson(const cluster::Pod& pod, int index) {
  nlohmann::json limits = nlohmann::json::object();
  for (const auto& [name, value] : pod.requests.scalar) {
    limits[name] = std::to_string(value);
  }
  nlohmann::json tolerations = nlohmann::json::array();
  for (const cluster::Toleration& toleration : pod.tolerations) {
    nlohmann::json t = {
        {"key", toleration.key},
        {"operator", toleration.op == cluster::TolerationOperator::kExists ? "Exists" : "Equal"}};
    if (toleration.effect) {
      t["effect"] = cluster::TaintEffectName(*toleration.effect);
    }
    tolerations.push_back(t);
  }
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", pod.name},
            {"namespace", pod.namespace_name},
            {"uid", "6b1f0c1e-0000-4000-8000-00000000000" + std::to_string(index)},
            {"labels", pod.labels}}},
          {"spec",
           {{"nodeSelector", pod.node_selector},
            {"tolerations", tolerations},
            {"schedulerName", "default-scheduler"},
            {"containers",
             {{{"name", "cuda"}, {"resources", {{"limits", limits}, {"requests", limits}}}}}}}},
          {"status",
           {{"phase", "Pending"},
            {"conditions",
             {{{"type", "PodScheduled"}, {"status", "False"}, {"reason", "Unschedulable"}}}}}}};
}

void SeedMigScenario(kube::testing::FakeKubeClient& fake, const gpu::GpuCatalog& gpus,
                     const nlohmann::json& node_template) {
  auto seed = catalog::ReadKubeFiles(
      {std::string(GP_SOURCE_DIR) + "/examples/mig-seed-deployment.yaml"}, gpus);
  ASSERT_TRUE(seed) << seed.error().message();
  ASSERT_THAT(seed->pods, ::testing::SizeIs(7));
  for (size_t i = 0; i < seed->pods.size(); ++i) {
    fake.Seed(kube::PodsResource(), PendingPodJson(seed->pods[i], static_cast<int>(i)));
  }
  fake.Seed(kube::NodeTemplatesResource(), node_template);
}

nlohmann::json JoinedMigNode(const nlohmann::json& claim, const std::string& node_name) {
  nlohmann::json labels = claim["metadata"]["labels"];
  labels[std::string(kLabelKarpenterNodeClaim)] = claim["metadata"]["name"];
  labels["node.kubernetes.io/instance-type"] = "a2-highgpu-1g";
  labels["topology.kubernetes.io/zone"] = "us-central1-a";
  labels["karpenter.sh/capacity-type"] =
      claim["spec"]["requirements"][1]["values"][0].get<std::string>();
  labels["nvidia.com/gpu.product"] = "NVIDIA-A100-SXM4-40GB-MIG-1g.5gb";
  labels["nvidia.com/gpu.count"] = "7";
  labels["nvidia.com/gpu.replicas"] = "1";
  labels["nvidia.com/mig.capable"] = "true";
  labels["nvidia.com/mig.strategy"] = "single";
  labels[std::string(kLabelMigConfigState)] = "success";
  nlohmann::json taints = claim["spec"].value("taints", nlohmann::json::array());
  for (const nlohmann::json& taint : claim["spec"]["startupTaints"]) {
    taints.push_back(taint);
  }
  nlohmann::json resources = {
      {"cpu", "12"}, {"memory", "85G"}, {"pods", "110"}, {"nvidia.com/gpu", "7"}};
  return {
      {"apiVersion", "v1"},
      {"kind", "Node"},
      {"metadata", {{"name", node_name}, {"labels", labels}}},
      {"spec", {{"taints", taints}, {"providerID", "gce://project/us-central1-a/" + node_name}}},
      {"status",
       {{"capacity", resources},
        {"allocatable", resources},
        {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
}

}  // namespace gpupack::controller::testing
