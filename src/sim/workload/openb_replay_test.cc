#include "sim/workload/openb_replay.h"

#include <filesystem>
#include <map>

#include <gtest/gtest.h>

#include "common/file.h"

namespace gpupack::sim {
namespace {

using cluster::GpuDemandKind;

// Shares of CPU-only, fractional, one-whole-GPU and multi-GPU pods.
std::map<std::string, double> Mix(const std::vector<OpenbPod>& pods) {
  std::map<std::string, double> mix;
  for (const OpenbPod& pod : pods) {
    std::string kind = pod.num_gpu == 0       ? "cpu"
                       : pod.gpu_milli < 1000 ? "fraction"
                       : pod.num_gpu == 1     ? "whole"
                                              : "multi";
    mix[kind] += 1.0 / static_cast<double>(pods.size());
  }
  return mix;
}

constexpr std::string_view kPods =
    "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,"
    "deletion_time,scheduled_time\n"
    "p0,4000,16384,1,460,,LS,Running,100,700,160\n"
    "p1,8000,32768,2,1000,V100M16|V100M32,LS,Running,50,,50\n"
    "p2,2000,4096,0,0,,BE,Pending,200,260,\n";

TEST(OpenbReplay, MapsTimesAndDemands) {
  Result<std::vector<OpenbPod>> pods = ParseOpenbPodList(kPods, "pods.csv");
  ASSERT_TRUE(pods) << pods.error().message();
  OpenbReplayOptions options;
  Result<Workload> workload = OpenbToWorkload(*pods, "pods.csv", options);
  ASSERT_TRUE(workload) << workload.error().message();
  ASSERT_EQ(workload->arrivals.size(), 3u);
  const PodArrival& p1 = workload->arrivals[0];  // created first
  EXPECT_EQ(p1.pod.name, "p1");
  EXPECT_EQ(p1.at, Duration(50'000));
  EXPECT_FALSE(p1.run_for.has_value());
  EXPECT_EQ(p1.pod.gpu.kind, GpuDemandKind::kWholeGpu);
  EXPECT_EQ(p1.pod.gpu.count, 2);
  EXPECT_EQ(p1.pod.annotations.at(std::string(kAnnotationTraceGpuSpec)), "V100M16|V100M32");
  EXPECT_EQ(p1.source, "pods.csv:3");
  const PodArrival& p0 = workload->arrivals[1];
  EXPECT_EQ(p0.run_for, Duration(540'000));  // deletion - scheduled
  EXPECT_EQ(p0.pod.gpu.kind, GpuDemandKind::kSharedGpu);
  EXPECT_EQ(p0.pod.gpu.milli_gpu, 460);
  EXPECT_EQ(p0.pod.requests.memory_bytes, 16LL << 30);
  const PodArrival& p2 = workload->arrivals[2];
  EXPECT_EQ(p2.run_for, Duration(60'000));  // never scheduled: deletion - creation
  EXPECT_FALSE(p2.pod.gpu.IsGpu());
}

TEST(OpenbReplay, ScalesTimeAndLimitsPods) {
  Result<std::vector<OpenbPod>> pods = ParseOpenbPodList(kPods, "pods.csv");
  ASSERT_TRUE(pods);
  OpenbReplayOptions options;
  options.time_scale = 0.1;
  options.limit = 2;
  Result<Workload> workload = OpenbToWorkload(*pods, "pods.csv", options);
  ASSERT_TRUE(workload);
  ASSERT_EQ(workload->arrivals.size(), 2u);
  EXPECT_EQ(workload->arrivals[1].at, Duration(10'000));
  EXPECT_EQ(workload->arrivals[1].run_for, Duration(54'000));
  options.time_scale = 0;
  EXPECT_FALSE(OpenbToWorkload(*pods, "pods.csv", options));
}

TEST(OpenbReplay, StartsLaterInTheTraceWithThePodsStillRunningThen) {
  Result<std::vector<OpenbPod>> pods = ParseOpenbPodList(kPods, "pods.csv");
  ASSERT_TRUE(pods);
  OpenbReplayOptions options;
  options.start.seconds = 300;  // p2 ended at 260
  Result<Workload> workload = OpenbToWorkload(*pods, "pods.csv", options);
  ASSERT_TRUE(workload) << workload.error().message();
  ASSERT_EQ(workload->arrivals.size(), 2u);  // both at 0, by name
  EXPECT_EQ(workload->arrivals[0].pod.name, "p0");
  EXPECT_EQ(workload->arrivals[0].at, Duration(0));
  EXPECT_EQ(workload->arrivals[0].run_for, Duration(400'000));  // what is left after 300
  EXPECT_EQ(workload->arrivals[1].pod.name, "p1");
  EXPECT_EQ(workload->arrivals[1].at, Duration(0));
  EXPECT_FALSE(workload->arrivals[1].run_for.has_value());

  options.start.seconds = 150;  // p0 is created but not yet scheduled
  workload = OpenbToWorkload(*pods, "pods.csv", options);
  ASSERT_TRUE(workload);
  ASSERT_EQ(workload->arrivals.size(), 3u);
  EXPECT_EQ(workload->arrivals[0].run_for, Duration(540'000));  // from its scheduling at 160
  EXPECT_EQ(workload->arrivals[2].pod.name, "p2");
  EXPECT_EQ(workload->arrivals[2].at, Duration(50'000));
}

TEST(OpenbReplay, StartingAtLastCoversTheTracesFinalStretch) {
  Result<std::vector<OpenbPod>> pods = ParseOpenbPodList(kPods, "pods.csv");
  ASSERT_TRUE(pods);
  OpenbReplayOptions options;
  options.start.last = true;
  options.end = std::chrono::seconds(100);
  options.time_scale = 0.5;  // 200 trace seconds: from 1 to the last creation, 200
  Result<Workload> workload = OpenbToWorkload(*pods, "pods.csv", options);
  ASSERT_TRUE(workload) << workload.error().message();
  ASSERT_EQ(workload->arrivals.size(), 3u);
  EXPECT_EQ(workload->arrivals[0].at, Duration(24'500));
  EXPECT_EQ(workload->arrivals[2].pod.name, "p2");
  EXPECT_EQ(workload->arrivals[2].at, Duration(99'500));
  options.time_scale = 1;  // from 101: p1 and p0 run already
  workload = OpenbToWorkload(*pods, "pods.csv", options);
  ASSERT_TRUE(workload);
  ASSERT_EQ(workload->arrivals.size(), 3u);
  EXPECT_EQ(workload->arrivals[0].at, Duration(0));
  EXPECT_EQ(workload->arrivals[1].at, Duration(0));
  EXPECT_EQ(workload->arrivals[2].at, Duration(99'000));
}

TEST(SyntheticOpenb, IsDeterministicAndReadableByTheOpenbReader) {
  SyntheticOpenbOptions options{500, 3, std::chrono::hours(24)};
  std::string text = GenerateSyntheticOpenbPodList(options);
  EXPECT_EQ(text, GenerateSyntheticOpenbPodList(options));
  options.seed = 4;
  EXPECT_NE(text, GenerateSyntheticOpenbPodList(options));
  Result<std::vector<OpenbPod>> pods = ParseOpenbPodList(text, "synthetic.csv");
  ASSERT_TRUE(pods) << pods.error().message();
  EXPECT_EQ(pods->size(), 500u);
  Result<std::vector<plan::packing::PackNodeSpec>> nodes =
      ParseOpenbNodeList(GenerateSyntheticOpenbNodeList(4), "nodes.csv");
  ASSERT_TRUE(nodes);
  EXPECT_EQ(nodes->size(), 4u);
}

TEST(SyntheticOpenb, TheShippedTraceIsWhatTheGeneratorWrites) {
  Result<std::string> shipped =
      ReadFile(std::string(GP_SOURCE_DIR) + "/examples/traces/openb-synthetic-pods.csv");
  ASSERT_TRUE(shipped) << shipped.error().message();
  EXPECT_EQ(*shipped, GenerateSyntheticOpenbPodList({2000, 7, std::chrono::hours(24)}));
}

class RealOpenbTrace : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::string(GP_SHARED_DIR) + "/data/alibaba-gpu-v2023/openb_pod_list_default.csv";
    if (!std::filesystem::exists(path_))
      GTEST_SKIP() << "the openb trace is not at " << path_;
  }

  std::string path_;
};

TEST_F(RealOpenbTrace, ReplayGivesEveryPodWithTheTracesDemandMix) {
  OpenbReplayOptions options;
  options.end = std::chrono::hours(24 * 365);
  Result<Workload> workload = ReadOpenbWorkload(path_, options);
  ASSERT_TRUE(workload) << workload.error().message();
  // The README's default trace: 8152 pods; 1088 CPU-only, 3078 fractional, 3911 one whole GPU
  // and 75 multi-GPU.
  ASSERT_EQ(workload->arrivals.size(), 8152u);
  std::map<std::string, int> mix;
  for (const PodArrival& arrival : workload->arrivals) {
    const cluster::GpuDemand& gpu = arrival.pod.gpu;
    mix[!gpu.IsGpu()                            ? "cpu"
        : gpu.kind == GpuDemandKind::kSharedGpu ? "fraction"
        : gpu.count == 1                        ? "whole"
                                                : "multi"]++;
  }
  EXPECT_EQ(mix["cpu"], 1088);
  EXPECT_EQ(mix["fraction"], 3078);
  EXPECT_EQ(mix["whole"], 3911);
  EXPECT_EQ(mix["multi"], 75);
  EXPECT_TRUE(std::is_sorted(workload->arrivals.begin(), workload->arrivals.end(),
                             [](const PodArrival& a, const PodArrival& b) { return a.at < b.at; }));
}

TEST_F(RealOpenbTrace, TheSyntheticMixIsWithinFivePointsOfTheRealOne) {
  Result<std::vector<OpenbPod>> real = ReadOpenbPodList(path_);
  ASSERT_TRUE(real);
  Result<std::vector<OpenbPod>> synthetic =
      ParseOpenbPodList(GenerateSyntheticOpenbPodList({2000, 7, std::chrono::hours(24)}), "s");
  ASSERT_TRUE(synthetic);
  std::map<std::string, double> real_mix = Mix(*real);
  std::map<std::string, double> synthetic_mix = Mix(*synthetic);
  for (const auto& [kind, share] : real_mix)
    EXPECT_NEAR(synthetic_mix[kind], share, 0.05) << kind;
  // Mean CPU request per pod within 25%.
  auto mean_cpu = [](const std::vector<OpenbPod>& pods) {
    double sum = 0;
    for (const OpenbPod& pod : pods)
      sum += static_cast<double>(pod.cpu_milli);
    return sum / static_cast<double>(pods.size());
  };
  EXPECT_NEAR(mean_cpu(*synthetic) / mean_cpu(*real), 1.0, 0.25);
}

}  // namespace
}  // namespace gpupack::sim
