#include "cluster/pod.h"

#include <gtest/gtest.h>

#include "common/quantity.h"

namespace gpupack::cluster {
namespace {

const Toleration kMigToleration{"nvidia.com/gpu.mig", TolerationOperator::kExists, "",
                                TaintEffect::kNoSchedule, std::nullopt};

Pod PodAsking(std::string resource, int64_t count) {
  Pod pod;
  pod.name = "p";
  pod.namespace_name = "default";
  pod.requests.milli_cpu = 1000;
  pod.requests.pods = 1;
  pod.requests.Set(resource, count);
  return pod;
}

GpuDemand Recognize(Pod& pod) {
  EXPECT_TRUE(RecognizeGpuDemand(pod));
  return pod.gpu;
}

TEST(PodTest, NvidiaGpuIsWholeGpus) {
  Pod pod = PodAsking("nvidia.com/gpu", 2);
  GpuDemand demand = Recognize(pod);
  EXPECT_EQ(demand.kind, GpuDemandKind::kWholeGpu);
  EXPECT_EQ(demand.form, GpuRequestForm::kGpuResource);
  EXPECT_EQ(demand.count, 2);
  EXPECT_EQ(demand.resource_name, "nvidia.com/gpu");
  EXPECT_TRUE(pod.IsSatisfiable());
}

TEST(PodTest, SeedSelectorFormIsOneMigInstanceUnderSingleStrategy) {
  Pod pod = PodAsking("nvidia.com/gpu", 1);
  pod.node_selector = {{"nvidia.com/gpu.mig-partition-1g.5gb", "true"}};
  pod.tolerations = {kMigToleration};
  GpuDemand demand = Recognize(pod);
  EXPECT_EQ(demand.kind, GpuDemandKind::kMigProfile);
  EXPECT_EQ(demand.form, GpuRequestForm::kMigSelector);
  EXPECT_EQ(demand.mig_profile, "1g.5gb");
  EXPECT_EQ(demand.count, 1);
  EXPECT_FALSE(demand.time_sliced);
  EXPECT_TRUE(pod.IsSatisfiable());
}

TEST(PodTest, SeedSelectorInRequiredAffinityIsRecognisedToo) {
  Pod pod = PodAsking("nvidia.com/gpu", 1);
  NodeSelectorRequirement req{
      "nvidia.com/gpu.mig-partition-3g.20gb", SelectorOperator::kIn, {"true"}};
  pod.required_affinity = NodeSelector{{NodeSelectorTerm{{req}, {}}}};
  pod.tolerations = {kMigToleration};
  EXPECT_EQ(Recognize(pod).mig_profile, "3g.20gb");
}

TEST(PodTest, SeedSelectorWithoutTheMigTolerationIsUnsatisfiable) {
  Pod pod = PodAsking("nvidia.com/gpu", 1);
  pod.node_selector = {{"nvidia.com/gpu.mig-partition-1g.5gb", "true"}};
  Recognize(pod);
  EXPECT_NE(pod.unsatisfiable_reason.find("does not tolerate the taint nvidia.com/gpu.mig"),
            std::string::npos)
      << pod.unsatisfiable_reason;
}

TEST(PodTest, MixedStrategyResourceNamesTheProfile) {
  Pod pod = PodAsking("nvidia.com/mig-2g.10gb", 3);
  GpuDemand demand = Recognize(pod);
  EXPECT_EQ(demand.kind, GpuDemandKind::kMigProfile);
  EXPECT_EQ(demand.form, GpuRequestForm::kMigResource);
  EXPECT_EQ(demand.mig_profile, "2g.10gb");
  EXPECT_EQ(demand.count, 3);
}

TEST(PodTest, MediaExtensionResourceMapsBackToThePlusName) {
  Pod pod = PodAsking("nvidia.com/mig-1g.5gb.me", 1);
  EXPECT_EQ(Recognize(pod).mig_profile, "1g.5gb+me");
}

TEST(PodTest, SharedMigResourceIsATimeSlicedInstance) {
  Pod pod = PodAsking("nvidia.com/mig-1g.5gb.shared", 1);
  GpuDemand demand = Recognize(pod);
  EXPECT_EQ(demand.kind, GpuDemandKind::kMigProfile);
  EXPECT_EQ(demand.mig_profile, "1g.5gb");
  EXPECT_TRUE(demand.time_sliced);
}

TEST(PodTest, GpuSharedIsATimeSlicedReplica) {
  Pod pod = PodAsking("nvidia.com/gpu.shared", 1);
  GpuDemand demand = Recognize(pod);
  EXPECT_EQ(demand.kind, GpuDemandKind::kSharedGpu);
  EXPECT_EQ(demand.form, GpuRequestForm::kSharedResource);
}

TEST(PodTest, NvidiaGpuSelectingATimeSlicedNodeIsAReplica) {
  for (auto [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"nvidia.com/device-plugin.config", "ts-4"},
           {"nvidia.com/gpu.sharing-strategy", "time-slicing"},
           {"nvidia.com/gpu.replicas", "4"},
           {"nvidia.com/gpu.product", "NVIDIA-A100-SXM4-40GB-SHARED"}}) {
    Pod pod = PodAsking("nvidia.com/gpu", 1);
    pod.node_selector = {{key, value}};
    EXPECT_EQ(Recognize(pod).kind, GpuDemandKind::kSharedGpu) << key;
  }
  Pod unshared = PodAsking("nvidia.com/gpu", 1);
  unshared.node_selector = {{"nvidia.com/device-plugin.config", "mig-single"}};
  EXPECT_EQ(Recognize(unshared).kind, GpuDemandKind::kWholeGpu);
}

TEST(PodTest, GpuMemoryAnnotationIsReadAsBytes) {
  Pod pod = PodAsking("nvidia.com/gpu.shared", 1);
  pod.annotations = {{"gpupack.io/gpu-memory", "8Gi"}};
  EXPECT_EQ(Recognize(pod).gpu_memory_bytes, 8 * kGiB);
  EXPECT_EQ(pod.gpu.ToString(), "1x time-sliced GPU replica, 8Gi GPU memory");
}

TEST(PodTest, MalformedGpuMemoryAnnotationIsAnError) {
  Pod pod = PodAsking("nvidia.com/gpu", 1);
  pod.annotations = {{"gpupack.io/gpu-memory", "lots"}};
  Status status = RecognizeGpuDemand(pod);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message().find("gpupack.io/gpu-memory"), std::string::npos);
}

TEST(PodTest, TwoGpuResourcesAtOnceAreUnsatisfiable) {
  Pod pod = PodAsking("nvidia.com/gpu", 1);
  pod.requests.Set("nvidia.com/mig-1g.5gb", 1);
  Recognize(pod);
  EXPECT_FALSE(pod.IsSatisfiable());
  EXPECT_NE(pod.unsatisfiable_reason.find("more than one kind of GPU resource"), std::string::npos);
}

TEST(PodTest, NoGpuResourceMeansNoDemand) {
  Pod pod = PodAsking("ephemeral-storage", 100);
  EXPECT_FALSE(Recognize(pod).IsGpu());
}

TEST(PodTest, RequiredLabelValueNeedsEveryTermToAgree) {
  Pod pod;
  NodeSelectorRequirement a{"gpupack.io/node-template", SelectorOperator::kIn, {"ts"}};
  NodeSelectorRequirement b{"gpupack.io/node-template", SelectorOperator::kIn, {"mig"}};
  pod.required_affinity = NodeSelector{{NodeSelectorTerm{{a}, {}}, NodeSelectorTerm{{a}, {}}}};
  EXPECT_EQ(pod.RequiredNodeTemplate(), "ts");
  pod.required_affinity = NodeSelector{{NodeSelectorTerm{{a}, {}}, NodeSelectorTerm{{b}, {}}}};
  EXPECT_EQ(pod.RequiredNodeTemplate(), std::nullopt);
  pod.node_selector = {{"gpupack.io/node-template", "whole"}};
  EXPECT_EQ(pod.RequiredNodeTemplate(), "whole");
}

TEST(PodTest, PodLevelPredicatesCombineSelectorAffinityAndTaints) {
  Pod pod = PodAsking("nvidia.com/gpu", 1);
  pod.node_selector = {{"pool", "gpu"}};
  NodeSelectorRequirement zone{"zone", SelectorOperator::kNotIn, {"us-east-1c"}};
  pod.required_affinity = NodeSelector{{NodeSelectorTerm{{zone}, {}}}};
  EXPECT_TRUE(MatchesNodeLabels(pod, {{"pool", "gpu"}, {"zone", "us-east-1a"}}));
  EXPECT_FALSE(MatchesNodeLabels(pod, {{"pool", "gpu"}, {"zone", "us-east-1c"}}));
  EXPECT_FALSE(MatchesNodeLabels(pod, {{"zone", "us-east-1a"}}));
  EXPECT_FALSE(Tolerates(pod, {{"nvidia.com/gpu.mig", "true", TaintEffect::kNoSchedule}}));
  pod.tolerations = {kMigToleration};
  EXPECT_TRUE(Tolerates(pod, {{"nvidia.com/gpu.mig", "true", TaintEffect::kNoSchedule}}));
}

}  // namespace
}  // namespace gpupack::cluster
