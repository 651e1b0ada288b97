#include "plan/provisioner.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "catalog/gpu_catalog_loader.h"
#include "catalog/instance_catalog_loader.h"
#include "catalog/k8s_reader.h"
#include "cluster/snapshot.h"
#include "plan/fit.h"
#include "plan/internal/provision_model.h"
#include "plan/lower_bound.h"
#include "plan/testing/fixtures.h"

namespace gpupack::plan {
namespace {

using cluster::CapacityType;

constexpr int64_t kGi = int64_t{1} << 30;

const std::string kExamples = std::string(GP_SOURCE_DIR) + "/examples/";

const gpu::GpuCatalog& Gpus() {
  static const gpu::GpuCatalog* catalog = [] {
    Result<gpu::GpuCatalog> loaded = catalog::LoadBuiltInGpuCatalog();
    EXPECT_TRUE(loaded.has_value());
    return new gpu::GpuCatalog(std::move(*loaded));
  }();
  return *catalog;
}

cluster::InstanceType Type(std::string name, std::string model, int32_t gpus, int64_t vcpu,
                           std::vector<cluster::Offering> offerings) {
  cluster::InstanceType type;
  type.name = std::move(name);
  type.gpu_model = std::move(model);
  type.gpu_count = gpus;
  type.capacity.milli_cpu = vcpu * 1000;
  type.capacity.memory_bytes = vcpu * 8 * kGi;
  type.capacity.pods = 110;
  type.capacity.Set("nvidia.com/gpu", gpus);
  type.offerings = std::move(offerings);
  return type;
}

cluster::Offering Offer(CapacityType capacity, std::string zone, double price) {
  return cluster::Offering{capacity, std::move(zone), price};
}

// A small cloud: one-A100 types in two zones at different prices, an 8-A100 type, a T4 type.
cluster::InstanceCatalog TestInstances() {
  std::vector<cluster::InstanceType> types;
  types.push_back(Type(
      "a100-1", "A100-SXM4-40GB", 1, 12,
      {Offer(CapacityType::kOnDemand, "zone-a", 3.90),
       Offer(CapacityType::kOnDemand, "zone-b", 3.67), Offer(CapacityType::kSpot, "zone-a", 1.80),
       Offer(CapacityType::kSpot, "zone-b", 1.95)}));
  types.push_back(Type("a100-8", "A100-SXM4-40GB", 8, 96,
                       {Offer(CapacityType::kOnDemand, "zone-a", 29.0),
                        Offer(CapacityType::kSpot, "zone-a", 14.0)}));
  types.push_back(Type("t4-1", "T4", 1, 4, {Offer(CapacityType::kOnDemand, "zone-a", 0.53)}));
  Result<cluster::InstanceCatalog> catalog =
      cluster::InstanceCatalog::Create({"test", "test-region", "2026-01-01", "tests"}, types);
  EXPECT_TRUE(catalog.has_value());
  return std::move(*catalog);
}

cluster::Pod GpuPod(std::string name, std::string resource, int64_t count = 1) {
  cluster::Pod pod;
  pod.name = std::move(name);
  pod.namespace_name = "default";
  pod.requests.milli_cpu = 500;
  pod.requests.memory_bytes = kGi;
  pod.requests.pods = 1;
  pod.requests.Set(resource, count);
  return pod;
}

void TolerateMig(cluster::Pod& pod) {
  pod.tolerations.push_back(cluster::Toleration{std::string(cluster::kTaintMig),
                                                cluster::TolerationOperator::kExists, "",
                                                cluster::TaintEffect::kNoSchedule, std::nullopt});
}

cluster::NodeTemplate Template(std::string name) {
  cluster::NodeTemplate node_template;
  node_template.name = std::move(name);
  return node_template;
}

struct Planned {
  cluster::ClusterSnapshot snapshot;
  ProvisionResult result;
  double bound = 0;

  double Cost() const {
    double cost = 0;
    for (const Provision& provision : result.provisions) {
      cost += provision.price_per_hour * provision.count;
    }
    return cost;
  }
};

// The lower bound of the pods `result` hosts (as MakePlan judges a plan).
double HostedBound(const cluster::ClusterSnapshot& snapshot, const ProvisionRequest& request,
                   const ProvisionResult& result) {
  std::vector<const cluster::Pod*> hosted;
  for (const cluster::Pod* pod : request.pods) {
    if (std::none_of(result.unschedulable.begin(), result.unschedulable.end(),
                     [&](const Unschedulable& u) { return u.pod == pod->Key(); })) {
      hosted.push_back(pod);
    }
  }
  Result<double> bound = LowerBoundCostPerHour(snapshot, hosted, Gpus(), request.options);
  EXPECT_TRUE(bound.has_value()) << bound.error().message();
  return bound.value_or(0);
}

// `recognize`: derive each pod's GPU demand from its requests (false: the test set it).
Planned PlanPods(std::vector<cluster::Pod> pods, std::vector<cluster::NodeTemplate> templates,
                 cluster::InstanceCatalog instances = TestInstances(), bool recognize = true) {
  for (cluster::Pod& pod : pods) {
    EXPECT_TRUE(!recognize || cluster::RecognizeGpuDemand(pod).has_value());
  }
  std::vector<std::string> warnings;
  Result<cluster::ClusterSnapshot> snapshot = cluster::BuildSnapshot(
      {}, std::move(pods), std::move(templates), std::move(instances), Gpus(), warnings);
  EXPECT_TRUE(snapshot.has_value()) << snapshot.error().message();
  Planned planned{std::move(*snapshot), {}, 0};
  ProvisionRequest request;
  request.snapshot = &planned.snapshot;
  request.catalog = &Gpus();
  for (const cluster::Pod& pod : planned.snapshot.pods) {
    request.pods.push_back(&pod);
  }
  Result<ProvisionResult> result = ProvisionNodes(request);
  EXPECT_TRUE(result.has_value()) << result.error().message();
  planned.result = std::move(*result);
  planned.bound = HostedBound(planned.snapshot, request, planned.result);
  return planned;
}

Planned ProvisionExample(const std::vector<std::string>& files, std::string_view cloud) {
  std::vector<std::string> paths;
  for (const std::string& file : files) {
    paths.push_back(kExamples + file);
  }
  Result<cluster::InstanceCatalog> instances = catalog::LoadInstanceCatalog(cloud, Gpus());
  EXPECT_TRUE(instances.has_value());
  Result<catalog::KubeObjects> objects = catalog::ReadKubeFiles(paths, Gpus(), &*instances);
  EXPECT_TRUE(objects.has_value()) << objects.error().message();
  std::vector<std::string> warnings;
  Result<cluster::ClusterSnapshot> snapshot =
      cluster::BuildSnapshot({}, std::move(objects->pods), std::move(objects->templates),
                             std::move(*instances), Gpus(), warnings);
  EXPECT_TRUE(snapshot.has_value());
  Planned planned{std::move(*snapshot), {}, 0};
  ProvisionRequest request;
  request.snapshot = &planned.snapshot;
  request.catalog = &Gpus();
  for (const cluster::Pod& pod : planned.snapshot.pods) {
    request.pods.push_back(&pod);
  }
  Result<ProvisionResult> result = ProvisionNodes(request);
  EXPECT_TRUE(result.has_value());
  planned.result = std::move(*result);
  planned.bound = HostedBound(planned.snapshot, request, planned.result);
  return planned;
}

int32_t TotalNodes(const ProvisionResult& result) {
  int32_t nodes = 0;
  for (const Provision& provision : result.provisions) {
    nodes += provision.count;
  }
  return nodes;
}

TEST(ProvisionerTest, ChoosesTheCheapestOfferingAmongSeveral) {
  cluster::NodeTemplate node_template = Template("a100");
  node_template.gpu_models = {"A100-SXM4-40GB"};
  Planned planned = PlanPods({GpuPod("p0", "nvidia.com/gpu")}, {node_template});
  ASSERT_EQ(planned.result.provisions.size(), 1u);
  const Provision& provision = planned.result.provisions[0];
  EXPECT_EQ(provision.instance_type, "a100-1");
  EXPECT_EQ(provision.zone, "zone-b");  // 3.67 beats 3.90; Spot is not allowed by default
  EXPECT_EQ(provision.capacity_type, CapacityType::kOnDemand);
  EXPECT_EQ(provision.count, 1);
  ASSERT_EQ(planned.result.placements.size(), 1u);
  EXPECT_EQ(planned.result.placements[0].node, provision.node_names[0]);
  EXPECT_NE(provision.reason.find("a100-1 on-demand zone-b"), std::string::npos)
      << provision.reason;
  // The LP may buy an eighth of the 8-GPU type: 29.00 / 8 = 3.625 per GPU, below 3.67.
  EXPECT_DOUBLE_EQ(planned.bound, 29.0 / 8);
}

TEST(ProvisionerTest, SplitsNewGpusBetweenSpotAndOnDemandByTheSpotShare) {
  cluster::NodeTemplate node_template = Template("a100");
  node_template.instance_types = {"a100-1"};
  node_template.capacity_types = {CapacityType::kSpot, CapacityType::kOnDemand};
  node_template.spot_percent = 50;
  std::vector<cluster::Pod> pods;
  for (int i = 0; i < 4; ++i) {
    pods.push_back(GpuPod("p" + std::to_string(i), "nvidia.com/gpu"));
  }
  Planned planned = PlanPods(pods, {node_template});
  int spot = 0;
  int on_demand = 0;
  for (const Provision& provision : planned.result.provisions) {
    (provision.capacity_type == CapacityType::kSpot ? spot : on_demand) += provision.count;
  }
  EXPECT_EQ(spot, 2);
  EXPECT_EQ(on_demand, 2);
  EXPECT_TRUE(planned.result.unschedulable.empty());
}

TEST(ProvisionerTest, UsesOnlySpotWhenTheTemplateAllowsSpotWithoutAShare) {
  cluster::NodeTemplate node_template = Template("a100");
  node_template.gpu_models = {"A100-SXM4-40GB"};
  node_template.capacity_types = {CapacityType::kSpot, CapacityType::kOnDemand};
  Planned planned =
      PlanPods({GpuPod("p0", "nvidia.com/gpu"), GpuPod("p1", "nvidia.com/gpu")}, {node_template});
  ASSERT_FALSE(planned.result.provisions.empty());
  for (const Provision& provision : planned.result.provisions) {
    EXPECT_EQ(provision.capacity_type, CapacityType::kSpot);
    EXPECT_EQ(provision.zone, "zone-a");
  }
}

TEST(ProvisionerTest, HonoursZoneAndInstanceTypeConstraints) {
  cluster::NodeTemplate node_template = Template("a100");
  node_template.zones = {"zone-a"};
  node_template.exclude_instance_types = {"t4-*"};
  Planned planned = PlanPods({GpuPod("p0", "nvidia.com/gpu")}, {node_template});
  ASSERT_EQ(planned.result.provisions.size(), 1u);
  EXPECT_EQ(planned.result.provisions[0].zone, "zone-a");  // though zone-b is cheaper
  EXPECT_EQ(planned.result.provisions[0].instance_type, "a100-1");
}

TEST(ProvisionerTest, ReportsPodsBeyondTheTemplateGpuLimitAsUnschedulable) {
  cluster::NodeTemplate node_template = Template("a100");
  node_template.instance_types = {"a100-1"};
  node_template.max_gpus = 2;
  std::vector<cluster::Pod> pods;
  for (int i = 0; i < 3; ++i) {
    pods.push_back(GpuPod("p" + std::to_string(i), "nvidia.com/gpu"));
  }
  Planned planned = PlanPods(pods, {node_template});
  EXPECT_EQ(TotalNodes(planned.result), 2);
  ASSERT_EQ(planned.result.unschedulable.size(), 1u);
  EXPECT_NE(planned.result.unschedulable[0].reason.find("limits"), std::string::npos);
}

TEST(ProvisionerTest, TemplatesOfOneLimitsGroupShareTheGpuLimit) {
  cluster::NodeTemplate first = Template("a100-x");
  first.instance_types = {"a100-1"};
  first.max_gpus = 2;
  first.limits_group = "a100";
  cluster::NodeTemplate second = first;
  second.name = "a100-y";
  std::vector<cluster::Pod> pods;
  for (int i = 0; i < 4; ++i) {
    pods.push_back(GpuPod("p" + std::to_string(i), "nvidia.com/gpu"));
  }
  Planned planned = PlanPods(pods, {first, second});
  EXPECT_EQ(TotalNodes(planned.result), 2);  // 2 GPUs in all, not 2 per template
  EXPECT_EQ(planned.result.unschedulable.size(), 2u);

  second.limits_group = "";  // its own budget: 2 more GPUs
  planned = PlanPods(pods, {first, second});
  EXPECT_EQ(TotalNodes(planned.result), 4);
  EXPECT_TRUE(planned.result.unschedulable.empty());
}

TEST(ProvisionerTest, ReportsPodsBeyondTheTemplateHourlyCostLimitAsUnschedulable) {
  cluster::NodeTemplate node_template = Template("a100");
  node_template.instance_types = {"a100-1"};
  node_template.max_hourly_cost = 5.0;
  Planned planned =
      PlanPods({GpuPod("p0", "nvidia.com/gpu"), GpuPod("p1", "nvidia.com/gpu")}, {node_template});
  EXPECT_EQ(TotalNodes(planned.result), 1);
  EXPECT_EQ(planned.result.unschedulable.size(), 1u);
}

TEST(ProvisionerTest, PutsTheSeedDeploymentOnOneA100CutIntoSevenInstances) {
  Planned planned =
      ProvisionExample({"mig-seed-deployment.yaml", "templates/a100-mig-single.yaml"}, "gcp");
  ASSERT_EQ(planned.result.provisions.size(), 1u);
  const Provision& provision = planned.result.provisions[0];
  EXPECT_EQ(provision.instance_type, "a2-highgpu-1g");
  EXPECT_EQ(provision.capacity_type, CapacityType::kSpot);
  EXPECT_EQ(provision.count, 1);
  ASSERT_EQ(provision.gpus.size(), 1u);
  EXPECT_EQ(provision.gpus[0].geometry, std::vector<std::string>(7, "1g.5gb"));
  EXPECT_EQ(provision.gpus[0].sharing.mig_strategy, cluster::MigStrategy::kSingle);
  ASSERT_EQ(planned.result.placements.size(), 7u);
  std::set<int> instances;
  for (const Placement& placement : planned.result.placements) {
    ASSERT_EQ(placement.devices.size(), 1u);
    instances.insert(placement.devices[0].instance);
  }
  EXPECT_EQ(instances.size(), 7u);  // every instance used once
  // Nothing is cheaper per 1g.5gb than a Spot a2-highgpu-1g, so the bound is this plan's cost.
  EXPECT_NEAR(planned.bound, planned.Cost(), 1e-6);
}

TEST(ProvisionerTest, CutsASingleStrategyGpuIntoOneProfileOnlyEvenWhereSlicesAreLeftOver) {
  // Three 2g.10gb instances leave one compute slice of an A100-40GB that a 1g.5gb would fill,
  // but the single strategy's device plugin refuses a GPU cut into two profiles.
  cluster::NodeTemplate node_template = Template("a100-mig");
  node_template.gpu_models = {"A100-SXM4-40GB"};
  node_template.mig.enabled = true;
  node_template.mig.strategy = cluster::MigStrategy::kSingle;
  std::vector<cluster::Pod> pods;
  for (int i = 0; i < 3; ++i) {
    pods.push_back(testing::SeedMigPod("two-" + std::to_string(i), "2g.10gb"));
  }
  Planned planned = PlanPods(pods, {node_template});
  ASSERT_EQ(planned.result.provisions.size(), 1u);
  const Provision& provision = planned.result.provisions[0];
  EXPECT_EQ(provision.count, 1);
  ASSERT_EQ(provision.gpus.size(), 1u);
  EXPECT_EQ(provision.gpus[0].geometry, std::vector<std::string>(3, "2g.10gb"));
  EXPECT_EQ(planned.result.placements.size(), 3u);
  EXPECT_TRUE(planned.result.unschedulable.empty());
}

TEST(ProvisionerTest, LeavesMigInstancesWholeForPodsThatNeedOneOnATemplateThatMayTimeSlice) {
  // Each pod needs 4Gi of a 1g.5gb instance, so no replica of one holds it; the template lets
  // gpupack choose the replicas, and one choice is not to time-slice.
  cluster::NodeTemplate node_template = Template("a100-mig-ts");
  node_template.gpu_models = {"A100-SXM4-40GB"};
  node_template.mig.enabled = true;
  node_template.mig.strategy = cluster::MigStrategy::kMixed;
  node_template.time_slicing.enabled = true;
  std::vector<cluster::Pod> pods;
  for (int i = 0; i < 7; ++i) {
    cluster::Pod pod = testing::MixedMigPod("small-" + std::to_string(i), "1g.5gb");
    pod.annotations[std::string(cluster::kAnnotationGpuMemory)] = "4Gi";
    pods.push_back(pod);
  }
  Planned planned = PlanPods(pods, {node_template});
  ASSERT_EQ(planned.result.provisions.size(), 1u);
  const Provision& provision = planned.result.provisions[0];
  EXPECT_EQ(provision.count, 1);
  EXPECT_EQ(provision.gpus[0].sharing.mode, cluster::SharingMode::kMig);
  EXPECT_EQ(provision.gpus[0].geometry, std::vector<std::string>(7, "1g.5gb"));
  EXPECT_TRUE(planned.result.unschedulable.empty());
}

TEST(ProvisionerTest, PacksTenLightInferencePodsOntoOneTimeSlicedA100) {
  cluster::NodeTemplate node_template = Template("a100-ts");
  node_template.gpu_models = {"A100-SXM4-40GB"};
  node_template.time_slicing.enabled = true;  // replicas left to gpupack
  std::vector<cluster::Pod> pods;
  for (int i = 0; i < 10; ++i) {
    cluster::Pod pod = GpuPod("infer-" + std::to_string(i), "nvidia.com/gpu");
    pod.annotations[std::string(cluster::kAnnotationGpuMemory)] = "4Gi";
    pods.push_back(pod);
  }
  Planned planned = PlanPods(pods, {node_template});
  ASSERT_EQ(planned.result.provisions.size(), 1u);
  const Provision& provision = planned.result.provisions[0];
  EXPECT_EQ(provision.instance_type, "a100-1");
  EXPECT_EQ(provision.count, 1);
  EXPECT_EQ(provision.gpus[0].sharing.mode, cluster::SharingMode::kTimeSlicing);
  EXPECT_EQ(provision.gpus[0].sharing.replicas, 10);  // 40Gi / 4Gi
  EXPECT_EQ(planned.result.placements.size(), 10u);
}

TEST(ProvisionerTest, GivesALoneSharedPodATimeSlicedGpuRatherThanAWholeOneAtTheSamePrice) {
  // One pending pod costs one GPU on either template, so the price per pod served ties; the
  // time-sliced GPU can host four more pods like it, the whole one none: it wins although the
  // whole-GPU template comes first.
  cluster::NodeTemplate whole = Template("gpu");
  whole.gpu_models = {"A100-SXM4-40GB"};
  cluster::NodeTemplate sliced = Template("gpu-ts");
  sliced.gpu_models = {"A100-SXM4-40GB"};
  sliced.time_slicing.enabled = true;
  cluster::Pod pod = GpuPod("infer-0", "nvidia.com/gpu");
  pod.annotations[std::string(cluster::kAnnotationGpuMemory)] = "8Gi";
  Planned planned = PlanPods({pod}, {whole, sliced});
  ASSERT_EQ(planned.result.provisions.size(), 1u);
  const Provision& provision = planned.result.provisions[0];
  EXPECT_EQ(provision.template_name, "gpu-ts");
  EXPECT_EQ(provision.instance_type, "a100-1");
  EXPECT_EQ(provision.gpus[0].sharing.mode, cluster::SharingMode::kTimeSlicing);
  EXPECT_EQ(provision.gpus[0].sharing.replicas, 5);  // 40Gi / 8Gi
}

TEST(ProvisionerTest, KeepsAWholeGpuForAPodThatNeedsOne) {
  // The tie-break only ranks options that serve the pod: a pod needing 30Gi cannot share a
  // 40Gi GPU, so it gets a whole one.
  cluster::NodeTemplate whole = Template("gpu");
  whole.gpu_models = {"A100-SXM4-40GB"};
  cluster::NodeTemplate sliced = Template("gpu-ts");
  sliced.gpu_models = {"A100-SXM4-40GB"};
  sliced.time_slicing.enabled = true;
  cluster::Pod pod = GpuPod("train-0", "nvidia.com/gpu");
  pod.annotations[std::string(cluster::kAnnotationGpuMemory)] = "30Gi";
  Planned planned = PlanPods({pod}, {whole, sliced});
  ASSERT_EQ(planned.result.provisions.size(), 1u);
  EXPECT_EQ(planned.result.provisions[0].template_name, "gpu");
  EXPECT_EQ(planned.result.provisions[0].gpus[0].sharing.mode, cluster::SharingMode::kWhole);
}

TEST(ProvisionerTest, CutsSingleStrategyMigInstancesForPodsThatStateTheirSize) {
  // Shared pods (a tenth of a GPU, 4Gi of its memory) asking a plain nvidia.com/gpu fit a 1g.5gb
  // instance, which the single strategy advertises as nvidia.com/gpu: seven share one A100
  // instead of taking seven whole ones.
  cluster::NodeTemplate node_template = Template("a100-mig");
  node_template.gpu_models = {"A100-SXM4-40GB"};
  node_template.mig.enabled = true;
  node_template.mig.strategy = cluster::MigStrategy::kSingle;
  std::vector<cluster::Pod> pods;
  for (int i = 0; i < 7; ++i) {
    cluster::Pod pod = GpuPod("small-" + std::to_string(i), "nvidia.com/gpu");
    pod.gpu.kind = cluster::GpuDemandKind::kSharedGpu;
    pod.gpu.form = cluster::GpuRequestForm::kGpuResource;
    pod.gpu.count = 1;
    pod.gpu.resource_name = "nvidia.com/gpu";
    pod.gpu.milli_gpu = 100;
    pod.gpu.gpu_memory_bytes = 4 * kGi;
    TolerateMig(pod);
    pods.push_back(pod);
  }
  Planned planned = PlanPods(pods, {node_template}, TestInstances(), /*recognize=*/false);
  ASSERT_EQ(planned.result.provisions.size(), 1u);
  const Provision& provision = planned.result.provisions[0];
  EXPECT_EQ(provision.instance_type, "a100-1");
  EXPECT_EQ(provision.count, 1);
  EXPECT_EQ(provision.gpus[0].sharing.mode, cluster::SharingMode::kMig);
  EXPECT_EQ(provision.gpus[0].geometry, std::vector<std::string>(7, "1g.5gb"));
  EXPECT_EQ(planned.result.placements.size(), 7u);
  EXPECT_LE(planned.bound, planned.Cost() + 1e-9);
}

TEST(ProvisionerTest, PacksTwentyEightPodsOnOneA100WithMigAndTimeSlicing) {
  Planned planned =
      ProvisionExample({"mig-timesliced.yaml", "templates/a100-mig-timesliced.yaml"}, "gcp");
  ASSERT_EQ(planned.result.provisions.size(), 1u);
  const Provision& provision = planned.result.provisions[0];
  EXPECT_EQ(provision.count, 1);
  EXPECT_EQ(provision.instance_type, "a2-highgpu-1g");
  EXPECT_EQ(provision.gpus[0].sharing.mode, cluster::SharingMode::kMigTimeSlicing);
  EXPECT_EQ(provision.gpus[0].sharing.replicas, 4);
  EXPECT_EQ(provision.gpus[0].geometry, std::vector<std::string>(7, "1g.5gb"));
  EXPECT_EQ(planned.result.placements.size(), 28u);
  EXPECT_TRUE(planned.result.unschedulable.empty());
  EXPECT_NEAR(planned.bound, planned.Cost(), 1e-6);
}

TEST(ProvisionerTest, CutsAValidMixedGeometryForMixedProfiles) {
  Planned planned =
      ProvisionExample({"mixed-profiles.yaml", "templates/a100-mig-mixed.yaml"}, "gcp");
  EXPECT_TRUE(planned.result.unschedulable.empty());
  ASSERT_FALSE(planned.result.provisions.empty());
  bool mixed = false;
  for (const Provision& provision : planned.result.provisions) {
    for (const GpuPlan& gpu : provision.gpus) {
      const gpu::GpuModel& model = **Gpus().Find(gpu.model);
      EXPECT_TRUE(cluster::ValidateSharing(gpu.sharing, model, Gpus().Geometry(model)).has_value());
      mixed = mixed || std::set<std::string>(gpu.geometry.begin(), gpu.geometry.end()).size() > 1;
    }
  }
  EXPECT_TRUE(mixed);
  EXPECT_LE(planned.bound, planned.Cost() + 1e-9);
}

TEST(ProvisionerTest, ReportsAnImpossibleMigProfileAsUnschedulable) {
  cluster::NodeTemplate node_template = Template("a100-mig");
  node_template.mig.enabled = true;
  node_template.mig.strategy = cluster::MigStrategy::kMixed;
  cluster::Pod pod = GpuPod("huge", "nvidia.com/mig-9g.99gb");
  TolerateMig(pod);
  Planned planned = PlanPods({pod}, {node_template});
  EXPECT_TRUE(planned.result.provisions.empty());
  ASSERT_EQ(planned.result.unschedulable.size(), 1u);
  EXPECT_NE(planned.result.unschedulable[0].reason.find("9g.99gb"), std::string::npos)
      << planned.result.unschedulable[0].reason;
  EXPECT_EQ(planned.bound, 0);
}

TEST(ProvisionerTest, ExplainsAProfileNoOfferingOfTheTemplateHas) {
  cluster::NodeTemplate node_template = Template("t4-only");
  node_template.gpu_models = {"T4"};
  cluster::Pod pod = GpuPod("mig", "nvidia.com/mig-3g.20gb");
  TolerateMig(pod);
  Planned planned = PlanPods({pod}, {node_template});
  ASSERT_EQ(planned.result.unschedulable.size(), 1u);
  EXPECT_NE(planned.result.unschedulable[0].reason.find("template t4-only"), std::string::npos)
      << planned.result.unschedulable[0].reason;
  EXPECT_NE(planned.result.unschedulable[0].reason.find("3g.20gb"), std::string::npos);
}

TEST(ProvisionerTest, ExplainsATemplateThatAllowsNoOffering) {
  cluster::NodeTemplate node_template = Template("gpu-ts");
  node_template.instance_types = {"x"};
  Planned planned = PlanPods({GpuPod("p0", "nvidia.com/gpu")}, {node_template});
  ASSERT_EQ(planned.result.unschedulable.size(), 1u);
  EXPECT_NE(planned.result.unschedulable[0].reason.find("template gpu-ts allows no offering"),
            std::string::npos)
      << planned.result.unschedulable[0].reason;
}

TEST(ProvisionerTest, NamesNodesTheSameWayForTheSamePods) {
  cluster::NodeTemplate node_template = Template("a100");
  Planned first = PlanPods({GpuPod("p0", "nvidia.com/gpu")}, {node_template});
  Planned second = PlanPods({GpuPod("p0", "nvidia.com/gpu")}, {node_template});
  Planned other = PlanPods({GpuPod("p1", "nvidia.com/gpu")}, {node_template});
  EXPECT_EQ(first.result, second.result);
  ASSERT_EQ(other.result.provisions.size(), 1u);
  EXPECT_NE(first.result.provisions[0].node_names, other.result.provisions[0].node_names);
}

// Whole-GPU pods on one-GPU ($3.90/$3.67 a zone) and eight-GPU ($29.00) on-demand nodes: the
// integer optimum is found by trying every count of eight-GPU nodes.
RC_GTEST_PROP(LowerBoundProperty, NeverExceedsTheBruteForceOptimumOnTinyInstances, ()) {
  const int pods = *rc::gen::inRange(1, 25);
  cluster::NodeTemplate node_template = Template("a100");
  node_template.gpu_models = {"A100-SXM4-40GB"};
  std::vector<cluster::Pod> list;
  for (int i = 0; i < pods; ++i) {
    list.push_back(GpuPod("p" + std::to_string(i), "nvidia.com/gpu"));
  }
  Planned planned = PlanPods(list, {node_template});
  double optimum = std::numeric_limits<double>::infinity();
  for (int big = 0; big <= pods / 8 + 1; ++big) {
    optimum = std::min(optimum, 29.0 * big + 3.67 * std::max(0, pods - 8 * big));
  }
  RC_ASSERT(planned.bound <= optimum + 1e-6);
  RC_ASSERT(planned.bound >= 29.0 / 8 * pods - 1e-6);  // the LP optimum of this instance
  RC_ASSERT(planned.Cost() >= optimum - 1e-6);
  RC_ASSERT(planned.result.unschedulable.empty());
}

// Random small instances: a few pod kinds over whole, time-sliced and MIG templates.
struct RandomCase {
  std::vector<cluster::Pod> pods;
  std::vector<cluster::NodeTemplate> templates;
};

rc::Gen<RandomCase> GenCase() {
  return rc::gen::exec([] {
    RandomCase random;
    cluster::NodeTemplate whole = Template("whole");
    cluster::NodeTemplate shared = Template("shared");
    shared.time_slicing.enabled = true;
    shared.time_slicing.shared_clients_per_gpu = *rc::gen::element(0, 2, 4, 7);
    shared.gpu_models = {"A100-SXM4-40GB"};
    cluster::NodeTemplate mig = Template("mig");
    mig.mig.enabled = true;
    mig.mig.strategy =
        *rc::gen::element(cluster::MigStrategy::kSingle, cluster::MigStrategy::kMixed);
    mig.time_slicing.enabled = *rc::gen::arbitrary<bool>();
    mig.time_slicing.shared_clients_per_gpu = mig.time_slicing.enabled ? 2 : 0;
    random.templates = {whole, shared, mig};
    const int kinds = *rc::gen::inRange(1, 4);
    for (int kind = 0; kind < kinds; ++kind) {
      const int count = *rc::gen::inRange(1, 12);
      const int form = *rc::gen::inRange(0, 4);
      const int64_t cpu = *rc::gen::inRange(1, 8) * 1000;
      for (int i = 0; i < count; ++i) {
        std::string name = "k" + std::to_string(kind) + "-" + std::to_string(i);
        cluster::Pod pod;
        switch (form) {
          case 0:
            pod = GpuPod(name, "nvidia.com/gpu", *rc::gen::inRange(1, 3));
            pod.node_selector[std::string(cluster::kLabelNodeTemplate)] = "whole";
            break;
          case 1:
            pod = GpuPod(name, "nvidia.com/gpu");
            pod.node_selector[std::string(cluster::kLabelNodeTemplate)] = "shared";
            pod.annotations[std::string(cluster::kAnnotationGpuMemory)] = "5Gi";
            break;
          case 2:
            pod = GpuPod(name, "nvidia.com/mig-" +
                                   *rc::gen::element<std::string>("1g.5gb", "2g.10gb", "3g.20gb"));
            pod.node_selector[std::string(cluster::kLabelNodeTemplate)] = "mig";
            TolerateMig(pod);
            break;
          default:
            pod = GpuPod(name, "nvidia.com/gpu");
            break;
        }
        pod.requests.milli_cpu = cpu;
        random.pods.push_back(pod);
      }
    }
    return random;
  });
}

RC_GTEST_PROP(ProvisionerProperty, NeverOverCommitsAndNeverBeatsTheLowerBound, ()) {
  RandomCase random = *GenCase();
  Planned planned = PlanPods(random.pods, random.templates);
  Planned again = PlanPods(random.pods, random.templates);
  RC_ASSERT(planned.result == again.result);  // deterministic

  std::map<std::string, cluster::Resources> used;
  std::map<std::string, const Provision*> provision_of;
  for (const Provision& provision : planned.result.provisions) {
    for (const std::string& name : provision.node_names) {
      provision_of[name] = &provision;
    }
    for (const GpuPlan& gpu : provision.gpus) {
      const gpu::GpuModel& model = **Gpus().Find(gpu.model);
      RC_ASSERT(cluster::ValidateSharing(gpu.sharing, model, Gpus().Geometry(model)).has_value());
    }
  }
  std::map<std::tuple<std::string, int, int>, int32_t> slots;
  std::set<std::string> seen;
  for (const Placement& placement : planned.result.placements) {
    RC_ASSERT(seen.insert(placement.pod).second);
    const cluster::Pod* pod = planned.snapshot.FindPod(placement.pod);
    RC_ASSERT(pod != nullptr);
    used[placement.node] += pod->requests;
    for (const DeviceChoice& device : placement.devices) {
      slots[{placement.node, device.gpu, device.instance}] += device.slots;
    }
  }
  for (const Unschedulable& pod : planned.result.unschedulable) {
    RC_ASSERT(seen.insert(pod.pod).second);
    RC_ASSERT(!pod.reason.empty());
  }
  RC_ASSERT(seen.size() == random.pods.size());
  for (const auto& [node, requests] : used) {
    const Provision& provision = *provision_of.at(node);
    const cluster::NodeTemplate& node_template =
        *planned.snapshot.FindTemplate(provision.template_name);
    const cluster::InstanceType& type = *planned.snapshot.instances.Find(provision.instance_type);
    const gpu::GpuModel& model = **Gpus().Find(type.gpu_model);
    cluster::Node planned_node = cluster::PlannedNode(
        node, node_template, type, type.offerings.front(), provision.gpus[0].sharing, model);
    RC_ASSERT(planned_node.allocatable.Covers(requests));
  }
  // The planner's own Fit (what kube-scheduler and the device plugin would decide) accepts every
  // placement on the planned nodes, replayed in order.
  FitChecker fit(Gpus());
  std::map<std::string, cluster::Node> nodes;
  for (const Provision& provision : planned.result.provisions) {
    const cluster::InstanceType& type = *planned.snapshot.instances.Find(provision.instance_type);
    const cluster::Offering* offering = nullptr;
    for (const cluster::Offering& candidate : type.offerings) {
      if (candidate.zone == provision.zone && candidate.capacity_type == provision.capacity_type) {
        offering = &candidate;
      }
    }
    RC_ASSERT(offering != nullptr);
    for (const std::string& name : provision.node_names) {
      nodes.emplace(name, cluster::PlannedNode(
                              name, *planned.snapshot.FindTemplate(provision.template_name), type,
                              *offering, provision.gpus[0].sharing, **Gpus().Find(type.gpu_model)));
    }
  }
  for (const Placement& placement : planned.result.placements) {
    const cluster::Pod& pod = *planned.snapshot.FindPod(placement.pod);
    cluster::Node& node = nodes.at(placement.node);
    std::vector<DeviceChoice> devices;
    RC_ASSERT(fit.Fits(pod, node, &devices));
    Assign(node, pod, devices);
  }
  for (const auto& [device, taken] : slots) {
    const Provision& provision = *provision_of.at(std::get<0>(device));
    const cluster::SharingConfig& sharing =
        provision.gpus[static_cast<size_t>(std::get<1>(device))].sharing;
    RC_ASSERT(taken <= (sharing.IsTimeSliced() ? sharing.replicas : 1));
  }
  RC_ASSERT(planned.bound <= planned.Cost() + 1e-6);
}

// An 8-GPU type is priced per GPU: one pod costs an eighth of the node, not the whole node (the
// LP may buy any fraction of a column, so whole-node columns would only add a rounding it drops).
TEST(LowerBoundTest, CountsLargeNodesByTheGpu) {
  cluster::NodeTemplate node_template = Template("big");
  node_template.instance_types = {"a100-8"};
  Planned planned = PlanPods({GpuPod("p0", "nvidia.com/gpu")}, {node_template});
  EXPECT_NEAR(planned.bound, 29.0 / 8, 1e-9);
  EXPECT_NEAR(planned.Cost(), 29.0, 1e-9);
}

// Fit lets three 12Gi pods share a 40 GB A100 time-sliced 4 ways (their memory adds up to 36Gi);
// a per-slot rule (40 GB / 4 replicas = 10 GB per pod) would send each to a whole GPU and put
// the bound at 6 GPUs, above what the simulator pays for 2.
TEST(LowerBoundTest, AllowsEveryPackingFitAllowsOnTimeSlicedGpus) {
  cluster::NodeTemplate shared = Template("shared");
  shared.time_slicing.enabled = true;
  shared.time_slicing.shared_clients_per_gpu = 4;
  shared.gpu_models = {"A100-SXM4-40GB"};
  cluster::NodeTemplate whole = Template("whole");
  whole.gpu_models = {"A100-SXM4-40GB"};
  std::vector<cluster::Pod> pods;
  for (int i = 0; i < 6; ++i) {
    cluster::Pod pod = GpuPod("p" + std::to_string(i), "nvidia.com/gpu");
    pod.annotations[std::string(cluster::kAnnotationGpuMemory)] = "12Gi";
    pods.push_back(pod);
  }
  Planned planned = PlanPods(pods, {shared, whole});
  // Fit's packing: three pods on each of two one-A100 nodes of the shared template.
  FitChecker fit(Gpus());
  const cluster::InstanceType& type = *planned.snapshot.instances.Find("a100-1");
  const cluster::Offering on_demand = Offer(CapacityType::kOnDemand, "zone-b", 3.67);
  cluster::Node node =
      cluster::PlannedNode("n", *planned.snapshot.FindTemplate("shared"), type, on_demand,
                           testing::TimeSliced(4), **Gpus().Find("A100-SXM4-40GB"));
  std::vector<DeviceChoice> devices;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(fit.Fits(planned.snapshot.pods[static_cast<size_t>(i)], node, &devices));
    Assign(node, planned.snapshot.pods[static_cast<size_t>(i)], devices);
  }
  EXPECT_FALSE(fit.Fits(planned.snapshot.pods[3], node, nullptr));
  EXPECT_LE(planned.bound, 2 * on_demand.price_per_hour + 1e-9);
  EXPECT_NEAR(planned.bound, 2 * 29.0 / 8, 1e-6);  // two GPUs at the 8-GPU type's GPU price
}

// Random templates, pods and packings that Fit accepts: the bound is never above what such a
// cluster costs. Pods go, in order, onto the first node Fit accepts them on, else onto a new node
// of a random offering with a random sharing config its template allows (a few tries); pods that
// fit nowhere are left out of the bound too.
cluster::SharingConfig RandomSharingFor(const cluster::NodeTemplate& node_template,
                                        const gpu::GpuModel& model) {
  cluster::SharingConfig config;
  if (node_template.mig.enabled && model.mig_capable && *rc::gen::arbitrary<bool>()) {
    bool mixed = node_template.mig.strategy == cluster::MigStrategy::kMixed;
    std::vector<gpu::MigGeometry> geometries;
    for (const gpu::MigGeometry& geometry : Gpus().Geometry(model).ValidGeometries()) {
      bool one_profile = std::all_of(
          geometry.placements.begin(), geometry.placements.end(),
          [&](const gpu::MigPlacement& p) { return p.profile == geometry.placements[0].profile; });
      if (mixed || one_profile) {
        geometries.push_back(geometry);
      }
    }
    config.mode = cluster::SharingMode::kMig;
    config.geometry = *rc::gen::elementOf(geometries);
    config.mig_strategy = mixed ? cluster::MigStrategy::kMixed : cluster::MigStrategy::kSingle;
  }
  if (node_template.time_slicing.enabled) {
    config.mode =
        config.IsMig() ? cluster::SharingMode::kMigTimeSlicing : cluster::SharingMode::kTimeSlicing;
    int32_t fixed = node_template.time_slicing.ReplicasFor(model.name);
    config.replicas = fixed > 0 ? fixed : *rc::gen::inRange(2, 49);
  }
  return config;
}

cluster::Pod RandomBoundPod(const std::string& name) {
  cluster::Pod pod;
  switch (*rc::gen::inRange(0, 5)) {
    case 0:
      pod = GpuPod(name, "nvidia.com/gpu", *rc::gen::inRange(1, 3));
      break;
    case 1:
    case 2:
      pod = GpuPod(name, "nvidia.com/gpu");
      pod.annotations[std::string(cluster::kAnnotationGpuMemory)] =
          std::to_string(*rc::gen::inRange(1, 40)) + "Gi";
      break;
    case 3:
      pod = GpuPod(name, "nvidia.com/mig-" + *rc::gen::element<std::string>("1g.5gb", "2g.10gb",
                                                                            "3g.20gb", "4g.20gb"));
      TolerateMig(pod);
      break;
    default:
      pod = GpuPod(name, "nvidia.com/gpu");
      TolerateMig(pod);
      break;
  }
  if (*rc::gen::inRange(0, 4) == 0) {
    pod.node_selector[std::string(cluster::kLabelNodeTemplate)] =
        *rc::gen::element<std::string>("whole", "shared", "mig");
  }
  pod.requests.milli_cpu = *rc::gen::inRange(1, 16) * 1000;
  return pod;
}

RC_GTEST_PROP(LowerBoundProperty, NeverAboveAClusterFitPacks, ()) {
  cluster::NodeTemplate whole = Template("whole");
  cluster::NodeTemplate shared = Template("shared");
  shared.time_slicing.enabled = true;
  shared.time_slicing.shared_clients_per_gpu = *rc::gen::element(0, 2, 4, 7);
  cluster::NodeTemplate mig = Template("mig");
  mig.mig.enabled = true;
  mig.mig.strategy = *rc::gen::element(cluster::MigStrategy::kSingle, cluster::MigStrategy::kMixed);
  mig.time_slicing.enabled = *rc::gen::arbitrary<bool>();
  mig.time_slicing.shared_clients_per_gpu = *rc::gen::element(0, 2, 4);
  std::vector<cluster::Pod> pods;
  const int count = *rc::gen::inRange(1, 30);
  for (int i = 0; i < count; ++i) {
    pods.push_back(RandomBoundPod("p" + std::to_string(i)));
  }
  for (cluster::Pod& pod : pods) {
    RC_ASSERT(cluster::RecognizeGpuDemand(pod).has_value());
    if (pod.gpu.kind != cluster::GpuDemandKind::kWholeGpu && *rc::gen::arbitrary<bool>()) {
      pod.gpu.milli_gpu = *rc::gen::inRange(1, 10) * 100;
    }
  }
  std::vector<std::string> warnings;
  Result<cluster::ClusterSnapshot> snapshot = cluster::BuildSnapshot(
      {}, std::move(pods), {whole, shared, mig}, TestInstances(), Gpus(), warnings);
  RC_ASSERT(snapshot.has_value());
  std::vector<std::string> problems;
  std::vector<provision_internal::Candidate> candidates =
      provision_internal::Candidates(*snapshot, Gpus(), {}, problems);
  RC_ASSERT(!candidates.empty());

  FitChecker fit(Gpus());
  std::vector<cluster::Node> nodes;
  std::vector<const cluster::Pod*> hosted;
  double cost = 0;
  std::vector<DeviceChoice> devices;
  for (const cluster::Pod& pod : snapshot->pods) {
    bool placed = false;
    for (cluster::Node& node : nodes) {
      if (fit.Fits(pod, node, &devices)) {
        Assign(node, pod, devices);
        placed = true;
        break;
      }
    }
    for (int attempt = 0; attempt < 6 && !placed; ++attempt) {
      const provision_internal::Candidate& candidate = *rc::gen::elementOf(candidates);
      cluster::SharingConfig sharing = RandomSharingFor(*candidate.node_template, *candidate.model);
      RC_ASSERT(
          cluster::ValidateSharing(sharing, *candidate.model, Gpus().Geometry(*candidate.model))
              .has_value());
      cluster::Node node =
          cluster::PlannedNode("n" + std::to_string(nodes.size()), *candidate.node_template,
                               *candidate.type, *candidate.offering, sharing, *candidate.model);
      if (fit.Fits(pod, node, &devices)) {
        Assign(node, pod, devices);
        cost += node.price_per_hour;
        nodes.push_back(std::move(node));
        placed = true;
      }
    }
    if (placed) {
      hosted.push_back(&pod);
    }
  }
  Result<double> bound = LowerBoundCostPerHour(*snapshot, hosted, Gpus(), {});
  RC_ASSERT(bound.has_value());
  RC_ASSERT(*bound <= cost + 1e-6);
}

}  // namespace
}  // namespace gpupack::plan
