// The cost lower bound against the simulated strategies on every bundled scenario: no strategy
// may pay less than the bound (issue "The simulator and the savings report", done-when list).
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "catalog/gpu_catalog_loader.h"
#include "sim/simulation.h"
#include "sim/strategy.h"
#include "sim/workload/scenario_loader.h"

namespace gpupack::sim {
namespace {

// The bundled scenarios but alibaba-openb, which replays the real trace from ../shared when it is
// there (tens of minutes on one core; `gpupack simulate` covers it by hand).
std::vector<std::string> Scenarios() {
  std::vector<std::string> paths;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(GP_SOURCE_DIR) + "/examples/scenarios")) {
    if (entry.path().extension() == ".yaml" && entry.path().stem() != "alibaba-openb") {
      paths.push_back(entry.path().string());
    }
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

void ExpectBoundBelowEveryStrategy(const std::vector<std::string>& paths,
                                   const std::vector<uint64_t>& seeds) {
  Result<gpu::GpuCatalog> gpus = catalog::LoadBuiltInGpuCatalog();
  ASSERT_TRUE(gpus) << gpus.error().message();
  for (const std::string& path : paths) {
    Result<Scenario> scenario = LoadScenario(path, *gpus);
    ASSERT_TRUE(scenario) << scenario.error().message();
    Result<cluster::InstanceCatalog> instances = LoadScenarioInstances(*scenario, *gpus);
    ASSERT_TRUE(instances) << instances.error().message();
    std::vector<std::string> names = scenario->strategies;
    if (names.empty()) {
      names.assign(std::begin(kStrategyNames), std::end(kStrategyNames));
    }
    for (uint64_t seed : seeds) {
      scenario->seed = seed;
      for (const std::string& name : names) {
        SimulationOptions options;
        Result<StrategyChoice> choice = ParseStrategy(name);
        ASSERT_TRUE(choice) << choice.error().message();
        options.strategy = *choice;
        Result<StrategyResult> result = Simulate(*scenario, *instances, *gpus, options);
        ASSERT_TRUE(result) << path << " " << name << ": " << result.error().message();
        EXPECT_LE(result->lower_bound_cost, result->cost + 1e-9)
            << path << ", seed " << seed << ", " << name;
        if (result->pods_scheduled > 0 && result->cost > 0) {
          EXPECT_GT(result->lower_bound_cost, 0) << path << ", seed " << seed << ", " << name;
        }
      }
    }
  }
}

// Slow (minutes): run with GP_RUN_SLOW_TESTS=1 (ctest -L slow).
TEST(ScenarioBoundSlowTest, NoStrategyCostsLessThanTheBoundOnAnyBundledScenario) {
  if (std::getenv("GP_RUN_SLOW_TESTS") == nullptr) {
    GTEST_SKIP() << "set GP_RUN_SLOW_TESTS=1 (ctest -L slow)";
  }
  std::vector<std::string> paths = Scenarios();
  ASSERT_GE(paths.size(), 6u);
  ExpectBoundBelowEveryStrategy(paths, {1, 2, 42});
}

}  // namespace
}  // namespace gpupack::sim
