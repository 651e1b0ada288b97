#include "catalog/k8s_reader.h"

#include <gtest/gtest.h>

#include "catalog/gpu_catalog_loader.h"
#include "catalog/internal/yaml_fields.h"
#include "cluster/snapshot.h"
#include "common/file.h"
#include "common/quantity.h"

namespace gpupack::catalog {
namespace {

using cluster::GpuDemandKind;

const std::string kWire = std::string(GP_SHARED_DIR) + "/reference/kube-wire/";

class K8sReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<gpu::GpuCatalog> gpus = LoadBuiltInGpuCatalog();
    ASSERT_TRUE(gpus) << gpus.error().message();
    gpus_.emplace(std::move(*gpus));
  }

  KubeObjects ReadWire(const std::vector<std::string>& folders) {
    std::vector<std::string> paths;
    for (const std::string& folder : folders) {
      paths.push_back(kWire + folder + "/response-body.json");
    }
    Result<KubeObjects> out = ReadKubeFiles(paths, *gpus_);
    EXPECT_TRUE(out) << out.error().message();
    return out ? std::move(*out) : KubeObjects{};
  }

  Result<KubeObjects> Read(const std::string& text) {
    return ReadKubeObjects(text, "x.yaml", *gpus_);
  }

  std::string ErrorOf(const std::string& text) {
    Result<KubeObjects> objects = Read(text);
    return objects ? "ok" : objects.error().message();
  }

  static const cluster::Pod& PodNamed(const KubeObjects& objects, const std::string& name) {
    for (const cluster::Pod& pod : objects.pods) {
      if (pod.name == name) {
        return pod;
      }
    }
    ADD_FAILURE() << "no pod " << name;
    static const cluster::Pod kNone;
    return kNone;
  }

  std::optional<gpu::GpuCatalog> gpus_;
};

TEST_F(K8sReaderTest, ReadsEveryFormOfGpuDemandFromTheCapturedPodList) {
  KubeObjects objects = ReadWire({"11-final-list-pods"});
  ASSERT_EQ(objects.pods.size(), 12U);
  EXPECT_TRUE(objects.warnings.empty());

  const cluster::Pod& seed = PodNamed(objects, "mig-infer-5d8f7c9b6d-b3n8w");
  EXPECT_EQ(seed.gpu.kind, GpuDemandKind::kMigProfile);
  EXPECT_EQ(seed.gpu.form, cluster::GpuRequestForm::kMigSelector);
  EXPECT_EQ(seed.gpu.mig_profile, "1g.5gb");
  EXPECT_EQ(seed.owner, (cluster::OwnerRef{"ReplicaSet", "mig-infer-5d8f7c9b6d"}));
  EXPECT_EQ(seed.requests.milli_cpu, 2000);
  EXPECT_EQ(seed.requests.memory_bytes, 8 * kGiB);
  EXPECT_EQ(seed.tolerations.size(), 3U);
  EXPECT_FALSE(seed.IsBound());

  const cluster::Pod& batch = PodNamed(objects, "mig-mixed-batch-0");
  EXPECT_EQ(batch.gpu.kind, GpuDemandKind::kMigProfile);
  EXPECT_EQ(batch.gpu.form, cluster::GpuRequestForm::kMigResource);
  EXPECT_EQ(batch.gpu.count, 2);
  EXPECT_EQ(batch.gpu.gpu_memory_bytes, 4 * kGiB);

  const cluster::Pod& notebook = PodNamed(objects, "notebook-ts-0");
  EXPECT_EQ(notebook.gpu.kind, GpuDemandKind::kSharedGpu);
  EXPECT_EQ(notebook.gpu.gpu_memory_bytes, 8 * kGiB);
  EXPECT_EQ(notebook.node_name, "ip-10-0-3-14.ec2.internal");
  EXPECT_EQ(notebook.phase, cluster::PodPhase::kRunning);

  EXPECT_EQ(PodNamed(objects, "train-llm-0").gpu.kind, GpuDemandKind::kWholeGpu);
  EXPECT_EQ(PodNamed(objects, "train-llm-0").gpu.count, 8);
  EXPECT_FALSE(PodNamed(objects, "web-frontend-0").gpu.IsGpu());
  EXPECT_EQ(PodNamed(objects, "nvidia-device-plugin-daemonset-7xk2q").priority, 2000001000);
}

TEST_F(K8sReaderTest, DerivesGpusAndSharingOfTheCapturedNodes) {
  KubeObjects objects = ReadWire({"11-final-list-nodes"});
  ASSERT_EQ(objects.nodes.size(), 6U);
  auto node = [&](const std::string& name) -> const cluster::Node& {
    for (const cluster::Node& n : objects.nodes) {
      if (n.name == name) {
        return n;
      }
    }
    ADD_FAILURE() << name;
    return objects.nodes.front();
  };
  const gpu::GpuModel& a100 = **gpus_->Find("A100-SXM4-40GB");
  const cluster::Node& mixed = node("ip-10-0-1-10.ec2.internal");
  ASSERT_EQ(mixed.gpus.size(), 8U);
  EXPECT_EQ(mixed.gpus[0].model, "A100-SXM4-40GB");
  EXPECT_EQ(mixed.gpus[0].sharing.Describe(a100), "mig 7x1g.5gb (mixed)");
  EXPECT_EQ(mixed.capacity_type, cluster::CapacityType::kSpot);
  EXPECT_EQ(mixed.template_name, "a100-whole");
  EXPECT_EQ(mixed.taints.size(), 1U);
  EXPECT_EQ(mixed.allocatable.milli_cpu, 95690);

  const cluster::Node& single = node("ip-10-0-2-12.ec2.internal");
  ASSERT_EQ(single.gpus.size(), 8U);
  EXPECT_EQ(single.gpus[7].sharing.Describe(a100), "mig 7x1g.5gb (single)");

  const cluster::Node& ts = node("ip-10-0-3-14.ec2.internal");
  ASSERT_EQ(ts.gpus.size(), 8U);
  EXPECT_EQ(ts.gpus[0].sharing.Describe(a100), "ts-4");

  const cluster::Node& whole = node("ip-10-0-3-15.ec2.internal");
  ASSERT_EQ(whole.gpus.size(), 8U);
  EXPECT_EQ(whole.gpus[0].sharing.mode, cluster::SharingMode::kWhole);
  // What the plugin should advertise equals what the node advertises.
  for (const cluster::Node& n : objects.nodes) {
    Result<cluster::Resources> expected = n.ExpectedGpuCapacity(*gpus_);
    ASSERT_TRUE(expected);
    for (const auto& [name, value] : expected->scalar) {
      EXPECT_EQ(n.allocatable.Get(name), value) << n.name << " " << name;
    }
  }
}

TEST_F(K8sReaderTest, CapturedClusterBecomesASnapshotWithEveryRunningPodAccounted) {
  KubeObjects objects =
      ReadWire({"11-final-list-nodes", "11-final-list-pods", "11-final-list-nodetemplates"});
  std::vector<std::string> warnings;
  Result<cluster::ClusterSnapshot> snapshot =
      cluster::BuildSnapshot(objects.nodes, objects.pods, objects.templates, {}, *gpus_, warnings);
  ASSERT_TRUE(snapshot) << snapshot.error().message();
  EXPECT_TRUE(warnings.empty()) << warnings.front();
  const cluster::Node* ts = snapshot->FindNode("ip-10-0-3-14.ec2.internal");
  ASSERT_NE(ts, nullptr);
  EXPECT_EQ(ts->gpus[0].allocations.size(), 1U);
  EXPECT_EQ(ts->gpus[0].allocations[0].pod, "gpu-workloads/notebook-ts-0");
  EXPECT_EQ(ts->gpus[0].FreeSlots(-1), 3);
  // Pending (unbound): one seed pod, the two mixed batch pods, train-llm; all priority 0, so
  // oldest first: mig-mixed-batch-1 was created 8 minutes after the others.
  std::vector<std::string> pending;
  for (const cluster::Pod* pod : snapshot->PendingPods()) {
    pending.push_back(pod->name);
  }
  EXPECT_EQ(pending, (std::vector<std::string>{"mig-infer-5d8f7c9b6d-b3n8w", "mig-mixed-batch-0",
                                               "train-llm-0", "mig-mixed-batch-1"}));
}

TEST_F(K8sReaderTest, ReadsTheCapturedNodeTemplateList) {
  KubeObjects objects = ReadWire({"11-final-list-nodetemplates"});
  ASSERT_EQ(objects.templates.size(), 2U);
  const cluster::NodeTemplate& shared = objects.templates[0];
  EXPECT_EQ(shared.name, "a100-shared");
  EXPECT_EQ(shared.gpu_models, (std::vector<std::string>{"A100-SXM4-40GB"}));
  EXPECT_EQ(shared.time_slicing.shared_clients_per_gpu, 8);
  EXPECT_EQ(shared.time_slicing.ReplicasFor("A100-SXM4-40GB"), 4);
  EXPECT_EQ(shared.mig.strategy, cluster::MigStrategy::kMixed);
  EXPECT_TRUE(shared.mig.dynamic);
  EXPECT_EQ(shared.capacity_types.size(), 2U);
  EXPECT_EQ(shared.zones.size(), 3U);
}

TEST_F(K8sReaderTest, WorkloadsExpandUnlessTheirPodsAreThere) {
  KubeObjects deployments = ReadWire({"11-final-list-deployments"});
  ASSERT_EQ(deployments.pods.size(), 7U);
  EXPECT_EQ(deployments.pods[6].name, "mig-infer-6");
  EXPECT_EQ(deployments.pods[6].namespace_name, "gpu-workloads");
  EXPECT_EQ(deployments.pods[6].gpu.mig_profile, "1g.5gb");
  EXPECT_EQ(deployments.pods[6].owner, (cluster::OwnerRef{"Deployment", "mig-infer"}));
  // Deployment + its ReplicaSet + its pods: the live pods only, not 7 + 7 more.
  KubeObjects all =
      ReadWire({"11-final-list-deployments", "11-final-list-replicasets", "11-final-list-pods"});
  EXPECT_EQ(all.pods.size(), 12U);
}

TEST_F(K8sReaderTest, ReadsKubectlStyleYamlListsAndSkipsUnknownKinds) {
  Result<KubeObjects> objects = Read(R"(apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: cfg}
- apiVersion: v1
  kind: Pod
  metadata: {name: web, namespace: shop}
  spec:
    containers:
    - name: c
      resources: {limits: {cpu: 500m, memory: 256Mi}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: sweep}
spec:
  parallelism: 5
  completions: 3
  template:
    spec:
      containers:
      - {name: c, resources: {limits: {nvidia.com/gpu: 2}}}
)");
  ASSERT_TRUE(objects) << objects.error().message();
  ASSERT_EQ(objects->warnings.size(), 1U);
  EXPECT_EQ(objects->warnings[0],
            "x.yaml:4: ConfigMap: skipped: gpupack does not read kind ConfigMap/cfg");
  ASSERT_EQ(objects->pods.size(), 4U);                  // web + min(parallelism, completions) = 3
  EXPECT_EQ(objects->pods[0].requests.milli_cpu, 500);  // requests default to limits
  EXPECT_EQ(objects->pods[3].name, "sweep-2");
  EXPECT_EQ(objects->pods[3].namespace_name, "default");
  EXPECT_EQ(objects->pods[3].gpu.count, 2);
}

TEST_F(K8sReaderTest, EffectiveRequestsCountInitContainersAndSidecarsLikeTheScheduler) {
  Result<KubeObjects> objects = Read(R"(apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  initContainers:
  - {name: sidecar, restartPolicy: Always, resources: {requests: {cpu: 100m}}}
  - {name: setup, resources: {requests: {cpu: "3"}}}
  containers:
  - {name: a, resources: {requests: {cpu: "1", memory: 1Gi}}}
  - {name: b, resources: {requests: {cpu: "1"}}}
  overhead: {cpu: 50m}
)");
  ASSERT_TRUE(objects) << objects.error().message();
  // max(1 + 1 + 0.1 sidecar, 3 + 0.1 sidecar) + 0.05 overhead
  EXPECT_EQ(objects->pods[0].requests.milli_cpu, 3150);
  EXPECT_EQ(objects->pods[0].requests.memory_bytes, kGiB);
  EXPECT_EQ(objects->pods[0].requests.pods, 1);
}

TEST_F(K8sReaderTest, ReadsAffinityAndTolerations) {
  Result<KubeObjects> objects = Read(R"(apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: c}]
  tolerations:
  - {operator: Exists}
  - {key: k, value: v, effect: NoExecute, tolerationSeconds: 30}
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - {key: nvidia.com/gpu.count, operator: Gt, values: ["3"]}
        - matchFields:
          - {key: metadata.name, operator: In, values: [n1]}
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 10
        preference:
          matchExpressions: [{key: zone, operator: DoesNotExist}]
)");
  ASSERT_TRUE(objects) << objects.error().message();
  const cluster::Pod& pod = objects->pods[0];
  ASSERT_TRUE(pod.required_affinity);
  EXPECT_EQ(pod.required_affinity->terms.size(), 2U);
  EXPECT_TRUE(cluster::MatchesRequiredAffinity(pod, {{"nvidia.com/gpu.count", "8"}}));
  EXPECT_TRUE(cluster::MatchesRequiredAffinity(pod, {}, "n1"));
  EXPECT_FALSE(cluster::MatchesRequiredAffinity(pod, {{"nvidia.com/gpu.count", "2"}}, "n2"));
  ASSERT_EQ(pod.tolerations.size(), 2U);
  EXPECT_TRUE(pod.tolerations[0].key.empty());
  EXPECT_EQ(pod.tolerations[1].toleration_seconds, 30);
  EXPECT_EQ(pod.preferred_affinity.at(0).weight, 10);
}

TEST_F(K8sReaderTest, BadInputGivesOneLineNamingFileLineObjectAndField) {
  EXPECT_EQ(ErrorOf(R"(apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    resources:
      requests:
        cpu: 2x
)"),
            "x.yaml:9: Pod/p: spec.containers[0].resources.requests.cpu: invalid quantity \"2x\": "
            "unknown suffix \"x\"");
  EXPECT_EQ(ErrorOf(R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  replicas: -1
  template: {spec: {containers: [{name: c}]}}
)"),
            "x.yaml:5: Deployment/d: spec.replicas: must be 0..150000, got -1");
  EXPECT_EQ(ErrorOf("apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: d}\n"),
            "x.yaml:1: Deployment: apiVersion: expected apps/v1 for kind Deployment, got "
            "\"extensions/v1beta1\"");
  EXPECT_NE(ErrorOf("kind: Pod\napiVersion: v1\nmetadata: {name: p, annotations: "
                    "{gpupack.io/gpu-memory: huge}}\nspec: {containers: [{name: c}]}\n")
                .find("x.yaml:3: Pod/p: metadata.annotations: annotation gpupack.io/gpu-memory"),
            std::string::npos);
  EXPECT_NE(ErrorOf("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {}\n")
                .find("spec.containers: required"),
            std::string::npos);
  EXPECT_NE(ErrorOf("apiVersion: v1\nkind: Pod\nmetadata: {}\n").find("metadata.name: required"),
            std::string::npos);
  EXPECT_NE(ErrorOf("key: [unclosed").find("x.yaml:"), std::string::npos);
  EXPECT_NE(ErrorOf("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: "
                    "c}]\n  tolerations: [{key: k, operator: Sometimes}]\n")
                .find("x.yaml:6: Pod/p: spec.tolerations[0].operator: must be Equal or Exists"),
            std::string::npos);
}

TEST_F(K8sReaderTest, UnknownMigProfileReadsButIsReportedUnsatisfiable) {
  Result<KubeObjects> objects = Read(R"(apiVersion: v1
kind: Pod
metadata: {name: huge}
spec:
  tolerations: [{key: nvidia.com/gpu.mig, operator: Exists, effect: NoSchedule}]
  containers:
  - name: c
    resources: {limits: {nvidia.com/mig-9g.99gb: 1}}
)");
  ASSERT_TRUE(objects) << objects.error().message();
  std::vector<std::string> warnings;
  Result<cluster::ClusterSnapshot> snapshot =
      cluster::BuildSnapshot({}, objects->pods, {}, {}, *gpus_, warnings);
  ASSERT_TRUE(snapshot);
  ASSERT_EQ(snapshot->UnsatisfiablePods().size(), 1U);
  EXPECT_EQ(snapshot->UnsatisfiablePods()[0]->unsatisfiable_reason,
            "no GPU model in the catalog has MIG profile \"9g.99gb\"");
  EXPECT_TRUE(snapshot->PendingPods().empty());
}

TEST_F(K8sReaderTest, OlderPodsComeFirstAmongEqualPriorities) {
  Result<KubeObjects> objects = Read(R"(apiVersion: v1
kind: Pod
metadata: {name: a-young, creationTimestamp: "2026-11-24T19:45:00Z"}
spec: {containers: [{name: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b-old, creationTimestamp: "2026-11-24T19:40:00Z"}
spec: {containers: [{name: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: c-urgent, creationTimestamp: "2026-11-24T19:50:00Z"}
spec: {priority: 1000, containers: [{name: c}]}
)");
  ASSERT_TRUE(objects) << objects.error().message();
  std::vector<std::string> warnings;
  Result<cluster::ClusterSnapshot> snapshot =
      cluster::BuildSnapshot({}, objects->pods, {}, {}, *gpus_, warnings);
  ASSERT_TRUE(snapshot);
  std::vector<std::string> order;
  for (const cluster::Pod* pod : snapshot->PendingPods()) {
    order.push_back(pod->name);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"c-urgent", "b-old", "a-young"}));
  EXPECT_NE(ErrorOf("apiVersion: v1\nkind: Pod\nmetadata: {name: p, creationTimestamp: "
                    "soon}\nspec: {containers: [{name: c}]}\n")
                .find("metadata.creationTimestamp: not an RFC 3339 time"),
            std::string::npos);
}

}  // namespace
}  // namespace gpupack::catalog
