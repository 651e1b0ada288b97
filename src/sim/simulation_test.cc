#include "sim/simulation.h"

#include <algorithm>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "catalog/gpu_catalog_loader.h"
#include "catalog/instance_catalog_loader.h"
#include "cluster/gpu_demand.h"
#include "sim/workload/scenario_loader.h"

namespace gpupack::sim {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr int64_t kGi = int64_t{1} << 30;

cluster::Pod SharedPod(const std::string& name, int64_t milli, int64_t memory) {
  cluster::Pod pod;
  pod.name = name;
  pod.namespace_name = "sim";
  pod.requests.milli_cpu = 1000;
  pod.requests.memory_bytes = 4 * kGi;
  pod.requests.pods = 1;
  pod.requests.Set(cluster::kResourceGpu, 1);
  pod.gpu.kind = cluster::GpuDemandKind::kSharedGpu;
  pod.gpu.form = cluster::GpuRequestForm::kGpuResource;
  pod.gpu.count = 1;
  pod.gpu.resource_name = std::string(cluster::kResourceGpu);
  pod.gpu.milli_gpu = milli;
  pod.gpu.gpu_memory_bytes = memory;
  return pod;
}

class SimulationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto gpus = catalog::LoadBuiltInGpuCatalog();
    ASSERT_TRUE(gpus) << gpus.error().message();
    gpus_.emplace(std::move(*gpus));
    auto instances = catalog::LoadInstanceCatalog("aws", *gpus_);
    ASSERT_TRUE(instances) << instances.error().message();
    instances_ = std::move(*instances);
  }

  // `count` inference pods of a quarter GPU and 8 GiB, one a minute, each running `run_for`.
  Scenario MakeScenario(int count, Duration run_for) const {
    Scenario scenario;
    scenario.name = "test";
    cluster::NodeTemplate node_template;
    node_template.name = "a100";
    node_template.instance_types = {"p4d.24xlarge"};
    node_template.capacity_types = {cluster::CapacityType::kOnDemand};
    scenario.templates = {node_template};
    for (int i = 0; i < count; ++i) {
      PodArrival arrival;
      arrival.at = minutes(i);
      arrival.run_for = run_for;
      char name[32];
      std::snprintf(name, sizeof name, "infer-%04d", i);
      arrival.pod = SharedPod(name, 250, 8 * kGi);
      scenario.workload.arrivals.push_back(arrival);
    }
    scenario.length = hours(6);
    scenario.seed = 7;
    return scenario;
  }

  StrategyResult Run(const Scenario& scenario, std::string_view strategy) const {
    SimulationOptions options;
    auto choice = ParseStrategy(strategy);
    EXPECT_TRUE(choice);
    options.strategy = *choice;
    auto result = Simulate(scenario, instances_, *gpus_, options);
    EXPECT_TRUE(result) << result.error().message();
    return result ? *result : StrategyResult{};
  }

  std::optional<gpu::GpuCatalog> gpus_;
  cluster::InstanceCatalog instances_;
};

TEST_F(SimulationTest, EveryPodIsScheduledAndPaidFor) {
  StrategyResult result = Run(MakeScenario(20, hours(2)), "dedicated");
  EXPECT_EQ(result.pods_submitted, 20);
  EXPECT_EQ(result.pods_scheduled, 20);
  EXPECT_TRUE(result.unscheduled.empty());
  EXPECT_GT(result.cost, 0);
  EXPECT_GT(result.gpu_hours, 0);
  EXPECT_GE(result.peak_gpus, 8);
  EXPECT_LE(result.lower_bound_cost, result.cost);
  EXPECT_GT(result.pending_p95_seconds, 0);
}

TEST_F(SimulationTest, SharingCostsLessThanDedicatedGpus) {
  Scenario scenario = MakeScenario(40, hours(3));
  StrategyResult dedicated = Run(scenario, "dedicated");
  StrategyResult sliced = Run(scenario, "time-slicing");
  StrategyResult mig = Run(scenario, "mig");
  EXPECT_EQ(sliced.pods_scheduled, 40);
  EXPECT_EQ(mig.pods_scheduled, 40);
  EXPECT_LT(sliced.gpu_hours, dedicated.gpu_hours);
  EXPECT_LT(mig.gpu_hours, dedicated.gpu_hours);
  EXPECT_GT(sliced.allocation_ratio, dedicated.allocation_ratio);
}

TEST_F(SimulationTest, AutoCostsNoMoreThanTheCheapestSharingStrategy) {
  // Light pods arriving one at a time, next to whole-GPU pods that keep a sharing-off template
  // in play: every batch holds one pod, so each node option serves one pod at one GPU's price and
  // only the planner's tie-break (room for the next pods) keeps auto from buying whole GPUs.
  Scenario scenario = MakeScenario(40, hours(3));
  for (int i = 0; i < 4; ++i) {
    PodArrival arrival;
    arrival.at = minutes(5 * i);
    arrival.run_for = hours(3);
    arrival.pod = SharedPod("train-" + std::to_string(i), 0, 30 * kGi);
    arrival.pod.gpu.kind = cluster::GpuDemandKind::kWholeGpu;
    scenario.workload.arrivals.push_back(arrival);
  }
  StrategyResult dedicated = Run(scenario, "dedicated");
  StrategyResult automatic = Run(scenario, "auto");
  // The cheapest strategy among those that run every pod (a strategy that leaves pods out is
  // cheap for that reason alone).
  double cheapest = dedicated.cost;
  for (std::string_view name : {"time-slicing", "mig", "mig+time-slicing"}) {
    StrategyResult sharing = Run(scenario, name);
    if (sharing.pods_scheduled == 44) {
      cheapest = std::min(cheapest, sharing.cost);
    }
  }
  EXPECT_EQ(automatic.pods_scheduled, 44);
  EXPECT_LT(cheapest, 0.6 * dedicated.cost);  // sharing clearly pays here (about half)
  // Auto has every node option time-slicing has, and the tie-break gives each lone shared pod a
  // time-sliced GPU, so it should cost what the cheapest does. 3% is the tolerance for an equally
  // priced but different choice (a MIG geometry where time-slicing hosts as many, an idle GPU
  // of the whole-GPU pods' node lent to a shared pod instead of a node bought) shifting when a
  // node empties; the old tie-break, buying a whole GPU per lone pod, cost about dedicated.
  EXPECT_LE(automatic.cost, cheapest * 1.03);
  EXPECT_LE(automatic.lower_bound_cost, automatic.cost);
}

TEST_F(SimulationTest, AutoCostsNoMoreThanDedicatedWhenCpuAndMemoryBindBeforeGpus) {
  // Shaped like Alibaba's openb trace on 8-GPU p4d nodes (96 CPUs): whole-GPU pods, pods of 0.4
  // GPU and CPU-only pods, each with 10 CPUs, so a node runs out of CPU about when its GPUs are
  // taken and a time-sliced node gains little. Pinned to time-sliced copies of their own, the
  // shared pods used to cost about 4% more than whole GPUs next to the whole-GPU pods.
  auto scenario = ParseScenario(R"(name: openb-like
length: 8h
seed: 3
templates:
  - apiVersion: gpupack.io/v1alpha1
    kind: NodeTemplate
    metadata:
      name: a100
    spec:
      instanceTypes: ["p4d.*"]
      capacityTypes: [on-demand]
      gpuSharing:
        timeSlicing:
          enabled: true
          sharedClientsPerGpu: 8
workloads:
  - name: train
    requests: {cpu: "10", memory: 40Gi, gpu: {count: 1}}
    arrival: {pattern: poisson, ratePerHour: 20}
    duration: {distribution: exponential, mean: 2h, min: 10m}
  - name: infer
    requests: {cpu: "10", memory: 40Gi, gpu: {fraction: 0.4, memory: 8Gi}}
    arrival: {pattern: poisson, ratePerHour: 10}
    duration: {distribution: exponential, mean: 2h, min: 10m}
  - name: cpu
    requests: {cpu: "10", memory: 36Gi}
    arrival: {pattern: poisson, ratePerHour: 5}
    duration: {distribution: exponential, mean: 2h, min: 10m}
)",
                                "openb-like.yaml", *gpus_);
  ASSERT_TRUE(scenario) << scenario.error().message();
  // Launch delays and Spot draws move a run by a few percent: every seed, not one lucky draw.
  for (uint64_t seed : {1, 2, 3}) {
    scenario->seed = seed;
    StrategyResult dedicated = Run(*scenario, "dedicated");
    StrategyResult automatic = Run(*scenario, "auto");
    EXPECT_GT(dedicated.pods_scheduled, 100);
    EXPECT_EQ(automatic.pods_scheduled, dedicated.pods_scheduled) << "seed " << seed;
    // Auto gives such pods whole GPUs, as dedicated does: no worse beyond noise.
    EXPECT_LE(automatic.cost, dedicated.cost * 1.005) << "seed " << seed;
  }
}

TEST_F(SimulationTest, MorePodsCostMore) {
  StrategyResult few = Run(MakeScenario(10, hours(2)), "time-slicing");
  StrategyResult many = Run(MakeScenario(80, hours(2)), "time-slicing");
  EXPECT_GT(many.cost, few.cost);
  EXPECT_GT(many.peak_gpus, few.peak_gpus);
}

TEST_F(SimulationTest, TheSameSeedGivesTheSameRunAndAnotherSeedAnother) {
  Scenario scenario = MakeScenario(30, hours(2));
  scenario.templates[0].capacity_types = {cluster::CapacityType::kSpot};
  scenario.cloud.spot_interruptions_per_hour = 0.5;
  StrategyResult a = Run(scenario, "dedicated");
  StrategyResult b = Run(scenario, "dedicated");
  EXPECT_EQ(a.cost, b.cost);
  EXPECT_EQ(a.pods_interrupted, b.pods_interrupted);
  EXPECT_EQ(a.pending_p99_seconds, b.pending_p99_seconds);
  scenario.seed = 8;
  StrategyResult c = Run(scenario, "dedicated");
  EXPECT_NE(a.cost, c.cost);
}

TEST_F(SimulationTest, SpotStormsLoseNoPod) {
  Scenario scenario = MakeScenario(30, hours(2));
  scenario.templates[0].capacity_types = {cluster::CapacityType::kSpot};
  scenario.cloud.spot_interruptions_per_hour = 3;
  StrategyResult result = Run(scenario, "time-slicing");
  EXPECT_GT(result.pods_interrupted, 0);
  EXPECT_EQ(result.pods_rescheduled,
            result.pods_interrupted - static_cast<int64_t>(result.unscheduled.size()));
  EXPECT_EQ(result.pods_scheduled, 30);
  for (const UnscheduledPod& pod : result.unscheduled) {
    EXPECT_FALSE(pod.reason.empty()) << pod.pod;
  }
}

TEST_F(SimulationTest, AnOfferingWithoutCapacityIsAvoided) {
  Scenario scenario = MakeScenario(10, hours(1));
  scenario.templates[0].instance_types = {"p4d.24xlarge", "g5.*"};
  scenario.cloud.insufficient_capacity = {"g5.*"};
  StrategyResult result = Run(scenario, "dedicated");
  EXPECT_GT(result.launch_failures, 0);
  EXPECT_EQ(result.pods_scheduled, 10);
  EXPECT_TRUE(result.unscheduled.empty());
}

TEST_F(SimulationTest, APodNothingCanRunIsReportedWithItsReason) {
  Scenario scenario = MakeScenario(3, hours(1));
  scenario.workload.arrivals[1].pod.gpu.gpu_memory_bytes = 500 * kGi;
  StrategyResult result = Run(scenario, "dedicated");
  ASSERT_EQ(result.unscheduled.size(), 1u);
  EXPECT_EQ(result.unscheduled[0].pod, "sim/infer-0001");
  EXPECT_FALSE(result.unscheduled[0].reason.empty());
}

TEST_F(SimulationTest, EmptyNodesAreGivenBack) {
  Scenario scenario = MakeScenario(5, minutes(30));
  StrategyResult result = Run(scenario, "dedicated");
  ASSERT_FALSE(result.timeseries.empty());
  EXPECT_EQ(result.timeseries.back().gpus_provisioned, 0);
  EXPECT_LT(result.gpu_hours, result.peak_gpus * 6);
}

}  // namespace
}  // namespace gpupack::sim
