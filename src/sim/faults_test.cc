#include "sim/faults.h"

#include <algorithm>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "catalog/gpu_catalog_loader.h"
#include "sim/workload/fault_reader.h"
#include "sim/workload/scenario_loader.h"

namespace gpupack::sim {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

TEST(FaultReaderTest, ReadsEveryKindWithItsWindow) {
  auto faults = ParseFaultsFile(R"(faults:
  - kind: spot-storm
    from: 2h
    for: 5m
    fraction: 0.3
  - kind: insufficient-capacity
    from: 1h
    until: 3h
    instanceTypes: ["p4d.*", g5.xlarge]
    capacityType: spot
    zone: us-east-1a
  - {kind: launch-never-ready, probability: 0.2}
  - {kind: mig-failure, probability: 1}
  - {kind: device-plugin-shortfall, probability: 0.5, missing: 3}
)",
                                "f.yaml");
  ASSERT_TRUE(faults) << faults.error().message();
  ASSERT_EQ(faults->size(), 5u);
  const Fault& storm = (*faults)[0];
  EXPECT_EQ(storm.kind, FaultKind::kSpotStorm);
  EXPECT_EQ(storm.from, hours(2));
  EXPECT_EQ(storm.until, hours(2) + minutes(5));
  EXPECT_DOUBLE_EQ(storm.fraction, 0.3);
  EXPECT_EQ(storm.source, "f.yaml:2");
  const Fault& capacity = (*faults)[1];
  EXPECT_EQ(capacity.instance_types, (std::vector<std::string>{"p4d.*", "g5.xlarge"}));
  EXPECT_EQ(capacity.capacity_type, cluster::CapacityType::kSpot);
  EXPECT_EQ(capacity.zone, "us-east-1a");
  EXPECT_EQ(capacity.until, hours(3));
  EXPECT_EQ((*faults)[2].until, Duration::max());
  EXPECT_EQ((*faults)[4].missing, 3);
}

struct BadFaults {
  const char* text;
  const char* error;  // the whole one-line message
};

class FaultReaderErrorTest : public ::testing::TestWithParam<BadFaults> {};

TEST_P(FaultReaderErrorTest, NamesTheFileLineAndField) {
  auto faults = ParseFaultsFile(GetParam().text, "f.yaml");
  ASSERT_FALSE(faults);
  EXPECT_EQ(faults.error().message(), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FaultReaderErrorTest,
    ::testing::Values(
        BadFaults{"", "f.yaml:1: empty faults file; expected a mapping with faults"},
        BadFaults{"faults: 3\n", "f.yaml:1: faults: expected a list of faults"},
        BadFaults{"faults:\n  - {kind: flood}\n",
                  "f.yaml:2: faults[0].kind: unknown fault 'flood' (spot-storm, "
                  "insufficient-capacity, launch-never-ready, mig-failure, "
                  "device-plugin-shortfall)"},
        BadFaults{"faults:\n  - kind: spot-storm\n    fraction: 0.3\n",
                  "f.yaml:2: faults[0].for: required for a spot-storm (the window the notices "
                  "spread over)"},
        BadFaults{"faults:\n  - kind: mig-failure\n    probability: 1.5\n",
                  "f.yaml:3: faults[0].probability: must be between 0 and 1, got 1.5"},
        BadFaults{"faults:\n  - kind: mig-failure\n    fraction: 0.5\n",
                  "f.yaml:3: faults[0].fraction: not a field of this kind of fault"},
        BadFaults{"faults:\n  - kind: mig-failure\n    probability: 1\n    from: 2h\n"
                  "    until: 1h\n",
                  "f.yaml:5: faults[0].until: must be after from"},
        BadFaults{"faults:\n  - kind: insufficient-capacity\n    capacityType: cheap\n"
                  "    instanceTypes: [a]\n",
                  "f.yaml:3: faults[0].capacityType: unknown capacity type 'cheap' (on-demand "
                  "or spot)"},
        BadFaults{"faults:\n  - kind: insufficient-capacity\n",
                  "f.yaml:2: faults[0].instanceTypes: required (instance types or globs such "
                  "as p4d.*)"},
        BadFaults{"faults: []\nworkloads: []\n",
                  "f.yaml:2: workloads: unknown field \"workloads\""}));

TEST(FaultReaderTest, AScenarioCarriesItsFaultsSection) {
  auto gpus = catalog::LoadBuiltInGpuCatalog();
  ASSERT_TRUE(gpus);
  auto scenario = ParseScenario(R"(name: s
workloads:
  - name: w
    requests: {cpu: "1", memory: 1Gi, gpu: {count: 1}}
faults:
  - {kind: mig-failure, probability: 0.25}
  - {kind: mig-failure, probability: x}
)",
                                "s.yaml", *gpus);
  ASSERT_FALSE(scenario);
  EXPECT_EQ(scenario.error().message(),
            "s.yaml:7: faults[1].probability: expected a number from 0 to 1, got 'x'");
}

TEST(FaultInjectorTest, CapacityFaultsMatchFamiliesOfferingsAndTheirWindowOnly) {
  Fault family;
  family.kind = FaultKind::kInsufficientCapacity;
  family.instance_types = {"p4d.*"};
  family.from = hours(1);
  family.until = hours(2);
  Fault offering;
  offering.kind = FaultKind::kInsufficientCapacity;
  offering.instance_types = {"g5.xlarge"};
  offering.capacity_type = cluster::CapacityType::kSpot;
  offering.zone = "z1";
  FaultInjector injector({family, offering}, 1);
  using cluster::CapacityType;
  EXPECT_FALSE(injector.OutOfCapacity("p4d.24xlarge", CapacityType::kOnDemand, "z1", minutes(59)));
  EXPECT_TRUE(injector.OutOfCapacity("p4d.24xlarge", CapacityType::kOnDemand, "z1", hours(1)));
  EXPECT_FALSE(injector.OutOfCapacity("p4d.24xlarge", CapacityType::kOnDemand, "z1", hours(2)));
  EXPECT_TRUE(injector.OutOfCapacity("g5.xlarge", CapacityType::kSpot, "z1", hours(5)));
  EXPECT_FALSE(injector.OutOfCapacity("g5.xlarge", CapacityType::kOnDemand, "z1", hours(5)));
  EXPECT_FALSE(injector.OutOfCapacity("g5.xlarge", CapacityType::kSpot, "z2", hours(5)));
  EXPECT_EQ(injector.report.capacity_errors, 2);
}

TEST(FaultInjectorTest, AShortfallTakesDevicesFromTheMostPlentifulResource) {
  Fault fault;
  fault.kind = FaultKind::kDevicePluginShortfall;
  fault.fraction = 1;
  fault.missing = 3;
  FaultInjector injector({fault}, 1);
  cluster::Resources allocatable;
  allocatable.Set("nvidia.com/mig-1g.5gb", 4);
  allocatable.Set("nvidia.com/mig-3g.20gb", 1);
  allocatable.Set("example.com/other", 9);
  injector.ApplyShortfall(Duration{0}, allocatable);
  // 4 -> 3 -> 2 of the 1g.5gb instances, then 1g.5gb (2) is still above 3g.20gb (1): 1 and 1.
  EXPECT_EQ(allocatable.Get("nvidia.com/mig-1g.5gb"), 1);
  EXPECT_EQ(allocatable.Get("nvidia.com/mig-3g.20gb"), 1);
  EXPECT_EQ(allocatable.Get("example.com/other"), 9);
  EXPECT_EQ(injector.report.shortfalls, 1);
}

TEST(FaultInjectorTest, AStormHitsItsShareOfTheSpotNodesWithinItsWindow) {
  Fault storm;
  storm.kind = FaultKind::kSpotStorm;
  storm.fraction = 0.3;
  storm.from = hours(1);
  storm.until = hours(1) + minutes(5);
  FaultInjector injector({storm}, 7);
  auto notices = injector.StormNotices(storm, 20, hours(10));
  ASSERT_EQ(notices.size(), 6u);
  std::set<size_t> nodes;
  for (const auto& notice : notices) {
    EXPECT_GE(notice.at, storm.from);
    EXPECT_LT(notice.at, storm.until);
    EXPECT_LT(notice.candidate, 20u);
    nodes.insert(notice.candidate);
  }
  EXPECT_EQ(nodes.size(), 6u);
  EXPECT_TRUE(std::is_sorted(notices.begin(), notices.end(),
                             [](const auto& a, const auto& b) { return a.at < b.at; }));
}

TEST(FaultInjectorTest, ProbabilitiesHoldOnlyInsideTheWindow) {
  Fault never;
  never.kind = FaultKind::kLaunchNeverReady;
  never.fraction = 1;
  never.until = hours(1);
  FaultInjector injector({never}, 3);
  EXPECT_TRUE(injector.NeverReady(minutes(30)));
  EXPECT_FALSE(injector.NeverReady(hours(1)));
  EXPECT_FALSE(injector.ReconfigurationFails(minutes(30)));
  EXPECT_EQ(injector.report.never_ready, 1);
  EXPECT_EQ(injector.report.mig_failures, 0);
}

}  // namespace
}  // namespace gpupack::sim
