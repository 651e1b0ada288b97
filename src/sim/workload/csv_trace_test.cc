#include "sim/workload/csv_trace.h"

#include <gtest/gtest.h>

namespace gpupack::sim {
namespace {

using cluster::GpuDemandKind;

constexpr std::string_view kTrace =
    "# my history\n"
    "name,arrival,duration,cpu,memory,gpu,gpu_fraction,mig_profile,gpu_memory,template\n"
    "train-0,0,2h,8,64Gi,2,,,,\n"
    "infer-0,90s,,500m,2Gi,,0.25,,6Gi,\n"
    "notebook-0,1h,30m,1,4Gi,,,1g.5gb,,a100-mig-mixed\n";

TEST(CsvTrace, ReadsEveryGpuForm) {
  Result<Workload> workload = ParseCsvTrace(kTrace, "t.csv", std::chrono::hours(24));
  ASSERT_TRUE(workload) << workload.error().message();
  ASSERT_EQ(workload->arrivals.size(), 3u);
  const PodArrival& train = workload->arrivals[0];
  EXPECT_EQ(train.pod.Key(), "default/train-0");
  EXPECT_EQ(train.pod.gpu.kind, GpuDemandKind::kWholeGpu);
  EXPECT_EQ(train.pod.gpu.count, 2);
  EXPECT_EQ(train.run_for, Duration(std::chrono::hours(2)));
  EXPECT_EQ(train.source, "t.csv:3");
  const PodArrival& infer = workload->arrivals[1];
  EXPECT_EQ(infer.at, Duration(90'000));
  EXPECT_FALSE(infer.run_for.has_value());
  EXPECT_EQ(infer.pod.gpu.kind, GpuDemandKind::kSharedGpu);
  EXPECT_EQ(infer.pod.gpu.milli_gpu, 250);
  EXPECT_EQ(infer.pod.gpu.gpu_memory_bytes, 6LL << 30);
  EXPECT_EQ(infer.pod.requests.milli_cpu, 500);
  const PodArrival& notebook = workload->arrivals[2];
  EXPECT_EQ(notebook.pod.gpu.kind, GpuDemandKind::kMigProfile);
  EXPECT_EQ(notebook.pod.gpu.mig_profile, "1g.5gb");
  EXPECT_EQ(notebook.pod.RequiredNodeTemplate(), "a100-mig-mixed");
}

TEST(CsvTrace, RoundTripsThroughTheWriter) {
  Result<Workload> first = ParseCsvTrace(kTrace, "t.csv", std::chrono::hours(24));
  ASSERT_TRUE(first);
  std::string written = WriteCsvTrace(*first);
  Result<Workload> second = ParseCsvTrace(written, "t2.csv", std::chrono::hours(24));
  ASSERT_TRUE(second) << second.error().message();
  ASSERT_EQ(second->arrivals.size(), first->arrivals.size());
  for (size_t i = 0; i < first->arrivals.size(); ++i) {
    EXPECT_EQ(second->arrivals[i].at, first->arrivals[i].at);
    EXPECT_EQ(second->arrivals[i].run_for, first->arrivals[i].run_for);
    EXPECT_EQ(second->arrivals[i].pod.Key(), first->arrivals[i].pod.Key());
    EXPECT_EQ(second->arrivals[i].pod.requests, first->arrivals[i].pod.requests);
    EXPECT_EQ(second->arrivals[i].pod.gpu, first->arrivals[i].pod.gpu);
  }
}

TEST(CsvTrace, DropsArrivalsAfterTheEnd) {
  Result<Workload> workload = ParseCsvTrace(kTrace, "t.csv", std::chrono::minutes(30));
  ASSERT_TRUE(workload);
  EXPECT_EQ(workload->arrivals.size(), 2u);
}

TEST(CsvTrace, BadInputGivesFileLineErrors) {
  auto error = [](std::string_view text) {
    Result<Workload> workload = ParseCsvTrace(text, "bad.csv", std::chrono::hours(24));
    return workload ? std::string("ok") : workload.error().message();
  };
  EXPECT_EQ(error(""), "bad.csv:1: empty file; expected a header line");
  EXPECT_EQ(error("name,arrival,cpu\n"), "bad.csv:1: header has no column 'memory'");
  EXPECT_EQ(error("name,arrival,cpu,memory,colour\n"), "bad.csv:1: unknown column 'colour'");
  EXPECT_EQ(error("name,arrival,cpu,memory\na,0,1\n"), "bad.csv:2: expected 4 fields, found 3");
  EXPECT_TRUE(error("name,arrival,cpu,memory\na,0,1,lots\n").starts_with("bad.csv:2: memory: "));
  EXPECT_TRUE(error("name,arrival,cpu,memory\na,soon,1,1Gi\n").starts_with("bad.csv:2: arrival: "));
  EXPECT_EQ(error("name,arrival,cpu,memory,gpu_fraction\na,0,1,1Gi,1.5\n"),
            "bad.csv:2: gpu_fraction: must be above 0 and below 1");
  // Found by csv_trace_fuzz: a name starting with '#' was written back as a comment line.
  EXPECT_TRUE(error("namespace,name,arrival,cpu,memory\nn,#a,0,1,1Gi\n")
                  .starts_with("bad.csv:2: name: not a Kubernetes name"));
  EXPECT_TRUE(error("namespace,name,arrival,cpu,memory\nN s,a,0,1,1Gi\n")
                  .starts_with("bad.csv:2: namespace: not a Kubernetes name"));
  EXPECT_TRUE(error("name,arrival,cpu,memory\na,0,1,1Gi\na,5,1,1Gi\n")
                  .starts_with("bad.csv:3: pod default/a is already defined at bad.csv:2"));
}

TEST(CsvTrace, DetectsItsHeader) {
  EXPECT_TRUE(LooksLikeCsvTrace(kTrace));
  EXPECT_FALSE(LooksLikeCsvTrace("name,cpu_milli,memory_mib,num_gpu,gpu_milli\n"));
}

}  // namespace
}  // namespace gpupack::sim
