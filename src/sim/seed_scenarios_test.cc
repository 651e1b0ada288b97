// The seed's cases as the bundled scenarios show them (issue "The simulator and the savings
// report", item 7): each strategy rewrites how the seed pods ask for their GPU, template pins and
// MIG selectors included, so no strategy leaves them unschedulable for the way they were written.
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "catalog/gpu_catalog_loader.h"
#include "sim/simulation.h"
#include "sim/strategy.h"
#include "sim/workload/scenario_loader.h"

namespace gpupack::sim {
namespace {

// Every strategy's result on the bundled scenario examples/scenarios/<name>.yaml, by name.
std::map<std::string, StrategyResult> RunScenario(const std::string& name) {
  std::map<std::string, StrategyResult> results;
  Result<gpu::GpuCatalog> gpus = catalog::LoadBuiltInGpuCatalog();
  EXPECT_TRUE(gpus) << gpus.error().message();
  if (!gpus) {
    return results;
  }
  Result<Scenario> scenario =
      LoadScenario(std::string(GP_SOURCE_DIR) + "/examples/scenarios/" + name + ".yaml", *gpus);
  EXPECT_TRUE(scenario) << scenario.error().message();
  if (!scenario) {
    return results;
  }
  Result<cluster::InstanceCatalog> instances = LoadScenarioInstances(*scenario, *gpus);
  EXPECT_TRUE(instances) << instances.error().message();
  if (!instances) {
    return results;
  }
  for (Strategy strategy : AllStrategies()) {
    SimulationOptions options;
    options.strategy.strategy = strategy;
    Result<StrategyResult> result = Simulate(*scenario, *instances, *gpus, options);
    EXPECT_TRUE(result) << name << " " << StrategyName(strategy) << ": "
                        << result.error().message();
    if (result) {
      results.emplace(std::string(StrategyName(strategy)), std::move(*result));
    }
  }
  return results;
}

TEST(SeedScenariosTest, TenLightInferenceServersNeedTenDedicatedGpusAndOneTimeSliced) {
  std::map<std::string, StrategyResult> results = RunScenario("seed-timesliced-inference");
  ASSERT_EQ(results.size(), AllStrategies().size());
  for (const auto& [name, result] : results) {
    EXPECT_EQ(result.pods_scheduled, 10) << name;
    EXPECT_TRUE(result.unscheduled.empty()) << name;
  }
  const StrategyResult& dedicated = results.at("dedicated");
  const StrategyResult& sliced = results.at("time-slicing");
  EXPECT_DOUBLE_EQ(dedicated.peak_gpus, 10);
  // 10 x 3Gi of GPU memory and little compute: one 40GB A100 time-sliced 10 ways.
  EXPECT_DOUBLE_EQ(sliced.peak_gpus, 1);
  EXPECT_LT(sliced.cost, 0.25 * dedicated.cost);
  EXPECT_LE(results.at("auto").cost, sliced.cost);
}

TEST(SeedScenariosTest, TheSevenReplicaMigDeploymentRunsUnderEveryStrategy) {
  std::map<std::string, StrategyResult> results = RunScenario("seed-mig-1g5gb");
  ASSERT_EQ(results.size(), AllStrategies().size());
  for (const auto& [name, result] : results) {
    EXPECT_EQ(result.pods_scheduled, 7) << name;
    EXPECT_TRUE(result.unscheduled.empty()) << name;
  }
  EXPECT_GE(results.at("dedicated").peak_gpus, 7);   // one whole GPU per replica
  EXPECT_DOUBLE_EQ(results.at("mig").peak_gpus, 1);  // 7 x 1g.5gb on one A100
  // Seven whole 1g.5gb beat six halves of 2g.10gb: the same single A100.
  EXPECT_DOUBLE_EQ(results.at("mig+time-slicing").peak_gpus, 1);
  EXPECT_DOUBLE_EQ(results.at("auto").peak_gpus, 1);
}

TEST(SeedScenariosTest, TwentyEightMigTimeSlicedReplicasShareOneA100) {
  std::map<std::string, StrategyResult> results = RunScenario("seed-mig-timeslicing");
  ASSERT_EQ(results.size(), AllStrategies().size());
  for (const auto& [name, result] : results) {
    EXPECT_EQ(result.pods_scheduled, 28) << name;
    EXPECT_TRUE(result.unscheduled.empty()) << name;
  }
  EXPECT_DOUBLE_EQ(results.at("dedicated").peak_gpus, 28);        // the template sets no limit
  EXPECT_DOUBLE_EQ(results.at("mig").peak_gpus, 4);               // 7 x 1g.5gb per A100
  EXPECT_DOUBLE_EQ(results.at("mig+time-slicing").peak_gpus, 1);  // 7 x 4
  EXPECT_DOUBLE_EQ(results.at("auto").peak_gpus, 1);
}

}  // namespace
}  // namespace gpupack::sim
