#include "sim/workload/scenario_loader.h"

#include <filesystem>
#include <map>

#include <gtest/gtest.h>

#include "catalog/gpu_catalog_loader.h"
#include "common/file.h"

namespace gpupack::sim {
namespace {

using cluster::GpuDemandKind;

const gpu::GpuCatalog& Catalog() {
  static const gpu::GpuCatalog catalog = *catalog::LoadBuiltInGpuCatalog();
  return catalog;
}

std::string Examples() { return std::string(GP_SOURCE_DIR) + "/examples/scenarios/"; }

// Writes `text` as a scenario in a fresh folder (with the given extra files) and loads it.
class ScenarioFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("gp-scenario-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }

  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Write(const std::string& name, std::string_view text) {
    ASSERT_TRUE(WriteFileAtomically((dir_ / name).string(), text));
  }

  Result<Scenario> Load(std::string_view text) {
    Write("s.yaml", text);
    return LoadScenario((dir_ / "s.yaml").string(), Catalog());
  }

  // The error message with the folder taken out ("s.yaml:3: ...").
  std::string Error(std::string_view text) {
    Result<Scenario> scenario = Load(text);
    if (scenario)
      return "ok";
    std::string message = scenario.error().message();
    std::string prefix = dir_.string() + "/";
    for (size_t at = message.find(prefix); at != std::string::npos; at = message.find(prefix))
      message.erase(at, prefix.size());
    return message;
  }

  std::filesystem::path dir_;
};

constexpr std::string_view kCompact = R"(name: compact
length: 10h
seed: 5
workloads:
  - name: web
    count: 3
    requests: {cpu: 500m, memory: 1Gi, gpu: {fraction: 0.25, memory: 4Gi}}
    arrival: {pattern: at-once, at: 1h}
    duration: 2h
  - name: batch
    requests: {cpu: "2", memory: 8Gi, gpu: {count: 2}}
    arrival: {pattern: poisson, ratePerHour: 6}
    duration: {distribution: exponential, mean: 30m}
  - name: tiny
    count: 2
    requests: {cpu: 100m, memory: 512Mi, gpu: {migProfile: 1g.5gb}}
)";

TEST_F(ScenarioFiles, CompactEntriesBecomeSortedArrivals) {
  Result<Scenario> scenario = Load(kCompact);
  ASSERT_TRUE(scenario) << scenario.error().message();
  EXPECT_EQ(scenario->name, "compact");
  EXPECT_EQ(scenario->length, Duration(std::chrono::hours(10)));
  EXPECT_EQ(scenario->seed, 5u);
  std::map<std::string, int> per_owner;
  for (const PodArrival& arrival : scenario->workload.arrivals)
    per_owner[arrival.pod.owner->name]++;
  EXPECT_EQ(per_owner["web"], 3);
  EXPECT_EQ(per_owner["tiny"], 2);
  // Poisson at 6/h for 10h: 60 on average.
  EXPECT_GT(per_owner["batch"], 30);
  EXPECT_LT(per_owner["batch"], 90);
  const auto& arrivals = scenario->workload.arrivals;
  EXPECT_TRUE(std::is_sorted(arrivals.begin(), arrivals.end(),
                             [](const PodArrival& a, const PodArrival& b) {
                               return a.at < b.at || (a.at == b.at && a.pod.Key() < b.pod.Key());
                             }));
  for (const PodArrival& arrival : arrivals) {
    if (arrival.pod.name == "web-0") {
      EXPECT_EQ(arrival.at, Duration(std::chrono::hours(1)));
      EXPECT_EQ(arrival.run_for, Duration(std::chrono::hours(2)));
      EXPECT_EQ(arrival.pod.gpu.kind, GpuDemandKind::kSharedGpu);
      EXPECT_EQ(arrival.pod.gpu.milli_gpu, 250);
      EXPECT_EQ(arrival.source.substr(arrival.source.size() - 8), "s.yaml:5");
    }
    if (arrival.pod.name == "tiny-0") {
      EXPECT_EQ(arrival.pod.gpu.kind, GpuDemandKind::kMigProfile);
      EXPECT_FALSE(arrival.run_for.has_value());
    }
  }
}

TEST_F(ScenarioFiles, TheSameSeedGivesTheSameWorkload) {
  Result<Scenario> a = Load(kCompact);
  Result<Scenario> b = Load(kCompact);
  std::string other(kCompact);
  other.replace(other.find("seed: 5"), 7, "seed: 6");
  Result<Scenario> c = Load(other);
  ASSERT_TRUE(a && b && c);
  auto times = [](const Scenario& s) {
    std::vector<std::pair<int64_t, std::string>> out;
    for (const PodArrival& arrival : s.workload.arrivals)
      out.emplace_back(arrival.at.count(), arrival.pod.Key());
    return out;
  };
  EXPECT_EQ(times(*a), times(*b));
  EXPECT_NE(times(*a), times(*c));
}

TEST_F(ScenarioFiles, ManifestsAndTemplatesAreReadRelativeToTheScenario) {
  Write("deploy.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: prod}
spec:
  replicas: 3
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: c
          resources: {limits: {nvidia.com/gpu: 1}, requests: {cpu: "1", memory: 1Gi}}
)");
  Write("tpl.yaml", R"(apiVersion: gpupack.io/v1alpha1
kind: NodeTemplate
metadata: {name: a100}
spec:
  gpuModels: [A100-SXM4-40GB]
)");
  Result<Scenario> scenario = Load(R"(name: m
templates: [tpl.yaml]
workloads:
  - manifests: [deploy.yaml]
    arrival: {pattern: poisson, ratePerHour: 60}
    duration: 1h
)");
  ASSERT_TRUE(scenario) << scenario.error().message();
  ASSERT_EQ(scenario->templates.size(), 1u);
  EXPECT_EQ(scenario->templates[0].name, "a100");
  ASSERT_EQ(scenario->workload.arrivals.size(), 3u);
  EXPECT_EQ(scenario->workload.arrivals[0].pod.namespace_name, "prod");
  EXPECT_EQ(scenario->workload.arrivals[0].pod.gpu.kind, GpuDemandKind::kWholeGpu);
}

TEST_F(ScenarioFiles, CsvTracesAreReplayed) {
  Write("t.csv", "name,arrival,duration,cpu,memory,gpu\na,10s,1m,1,1Gi,1\nb,5s,,1,1Gi,\n");
  Result<Scenario> scenario = Load("name: c\nworkloads:\n  - trace: {format: csv, path: t.csv}\n");
  ASSERT_TRUE(scenario) << scenario.error().message();
  ASSERT_EQ(scenario->workload.arrivals.size(), 2u);
  EXPECT_EQ(scenario->workload.arrivals[0].pod.name, "b");
}

TEST_F(ScenarioFiles, OpenbTracesStartWhereTheScenarioSays) {
  Write("o.csv",
        "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,"
        "deletion_time,scheduled_time\n"
        "early,1000,1024,1,1000,,LS,Running,0,60,0\n"
        "long,1000,1024,1,1000,,LS,Running,0,,0\n"
        "late,1000,1024,1,1000,,LS,Running,7200,7300,7200\n");
  auto names = [&](const std::string& start) {
    Result<Scenario> scenario = Load(
        "name: o\nlength: 1h\nworkloads:\n  - trace: {format: openb, "
        "path: o.csv, start: " +
        start + "}\n");
    EXPECT_TRUE(scenario) << scenario.error().message();
    std::string out;
    for (const PodArrival& arrival :
         scenario ? scenario->workload.arrivals : std::vector<PodArrival>{}) {
      out += arrival.pod.name + "@" + std::to_string(arrival.at.count() / 1000) + " ";
    }
    return out;
  };
  EXPECT_EQ(names("0s"), "early@0 long@0 ");  // late arrives after the hour
  EXPECT_EQ(names("2h"), "late@0 long@0 ");   // early ended at 60 s
  EXPECT_EQ(names("last"), "long@0 late@3599 ");
  EXPECT_EQ(Error("name: o\nworkloads:\n  - trace: {format: openb, path: o.csv, start: soon}\n"),
            "s.yaml:3: workloads[0].trace.start: 'soon': expected last or a duration of trace "
            "time (130d)");
}

TEST_F(ScenarioFiles, BadInputGivesOneFileLineError) {
  EXPECT_EQ(Error(""), "s.yaml:1: empty scenario; expected a mapping with workloads");
  EXPECT_EQ(Error("name: x\ncolour: red\nworkloads: []\n"),
            "s.yaml:2: colour: unknown field \"colour\"");
  EXPECT_EQ(Error("name: x\nworkloads:\n  - name: a\n    count: -2\n    requests: {cpu: 1}\n"),
            "s.yaml:4: workloads[0].count: must be >= 0, got -2");
  EXPECT_TRUE(Error("name: x\nworkloads:\n  - name: a\n    count: 1\n    requests:\n"
                    "      cpu: lots\n")
                  .starts_with("s.yaml:6: workloads[0].requests.cpu: "));
  EXPECT_TRUE(Error("name: x\nworkloads:\n  - manifests: [missing.yaml]\n")
                  .starts_with("s.yaml:3: workloads[0].manifests: missing.yaml"));
  EXPECT_TRUE(Error("name: x\nworkloads:\n  - trace: {format: openb, path: none.csv}\n")
                  .starts_with("s.yaml:3: workloads[0].trace.path: "));
  EXPECT_EQ(Error("name: x\nworkloads:\n  - name: a\n    count: 1\n    requests: {cpu: 1}\n"
                  "    arrival: {pattern: weekly}\n"),
            "s.yaml:6: workloads[0].arrival.pattern: unknown pattern 'weekly' (at-once, poisson, "
            "diurnal)");
  EXPECT_EQ(Error("name: x\nstrategies: [magic]\nworkloads: []\n"),
            "s.yaml:2: strategies[0]: unknown strategy 'magic' (dedicated, time-slicing, mig, "
            "mig+time-slicing, auto)");
  EXPECT_EQ(Error("name: x\nworkloads:\n  - name: a\n    requests: {cpu: 1}\n"),
            "s.yaml:3: workloads[0].count: required for pattern at-once");
  EXPECT_TRUE(Error("name: x\nlength: soon\nworkloads: []\n").starts_with("s.yaml:2: length: "));
}

TEST(BundledScenarios, EveryOneLoads) {
  for (const std::string name :
       {"default", "seed-timesliced-inference", "seed-mig-1g5gb", "seed-mig-timeslicing",
        "inference-fleet-day", "alibaba-synthetic"}) {
    Result<Scenario> scenario = LoadScenario(Examples() + name + ".yaml", Catalog());
    ASSERT_TRUE(scenario) << name << ": " << scenario.error().message();
    EXPECT_FALSE(scenario->workload.arrivals.empty()) << name;
    EXPECT_FALSE(scenario->templates.empty()) << name;
  }
}

TEST(BundledScenarios, TheSeedCasesHaveTheirPodCounts) {
  auto count = [](const std::string& name) {
    Result<Scenario> scenario = LoadScenario(Examples() + name + ".yaml", Catalog());
    return scenario ? scenario->workload.arrivals.size() : size_t{0};
  };
  EXPECT_EQ(count("seed-timesliced-inference"), 10u);
  EXPECT_EQ(count("seed-mig-1g5gb"), 7u);
  EXPECT_EQ(count("seed-mig-timeslicing"), 28u);
  EXPECT_EQ(count("alibaba-synthetic"), 2000u);
}

TEST(BundledScenarios, TheRealTraceScenarioLoadsWhenTheTraceIsPresent) {
  if (!std::filesystem::exists(std::string(GP_SHARED_DIR) + "/data/alibaba-gpu-v2023"))
    GTEST_SKIP() << "no openb trace under " << GP_SHARED_DIR;
  if (!std::filesystem::exists(Examples() + "../../../shared"))
    GTEST_SKIP() << "the checkout has no ../shared next to it";
  Result<Scenario> scenario = LoadScenario(Examples() + "alibaba-openb.yaml", Catalog());
  ASSERT_TRUE(scenario) << scenario.error().message();
  // The trace's last week (its pods crowd its last weeks), not a day of its sparse start.
  EXPECT_GT(scenario->workload.arrivals.size(), 2000u);
  EXPECT_LT(scenario->workload.arrivals.size(), 8152u);
}

}  // namespace
}  // namespace gpupack::sim
