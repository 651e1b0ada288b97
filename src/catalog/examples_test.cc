// Reads every example in examples/ with the node templates in examples/templates/ and checks
// what each one means: how many pods and what each pod asks of GPUs.
#include <filesystem>

#include <gtest/gtest.h>

#include "catalog/gpu_catalog_loader.h"
#include "catalog/instance_catalog_loader.h"
#include "catalog/k8s_reader.h"
#include "cluster/snapshot.h"
#include "common/quantity.h"

namespace gpupack::catalog {
namespace {

using cluster::GpuDemandKind;

const std::string kExamples = std::string(GP_SOURCE_DIR) + "/examples/";

class ExamplesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<gpu::GpuCatalog> gpus = LoadBuiltInGpuCatalog();
    ASSERT_TRUE(gpus) << gpus.error().message();
    gpus_.emplace(std::move(*gpus));
    std::vector<std::string> paths;
    for (const auto& entry : std::filesystem::directory_iterator(kExamples + "templates")) {
      paths.push_back(entry.path().string());
    }
    std::sort(paths.begin(), paths.end());
    Result<KubeObjects> templates = ReadKubeFiles(paths, *gpus_);
    ASSERT_TRUE(templates) << templates.error().message();
    templates_ = std::move(*templates);
    EXPECT_TRUE(templates_.warnings.empty());
  }

  // The example's pods after the snapshot refined them for the templates they pin.
  std::vector<cluster::Pod> PodsOf(const std::string& file) {
    Result<KubeObjects> read = ReadKubeFiles({kExamples + file}, *gpus_);
    EXPECT_TRUE(read) << read.error().message();
    KubeObjects objects = read ? std::move(*read) : KubeObjects{};
    EXPECT_TRUE(objects.warnings.empty());
    Result<cluster::InstanceCatalog> gcp = LoadInstanceCatalog("gcp", *gpus_);
    EXPECT_TRUE(gcp);
    std::vector<std::string> warnings;
    Result<cluster::ClusterSnapshot> snapshot = cluster::BuildSnapshot(
        {}, objects.pods, templates_.templates, std::move(*gcp), *gpus_, warnings);
    EXPECT_TRUE(snapshot);
    for (const cluster::Pod& pod : snapshot->pods) {
      EXPECT_TRUE(pod.IsSatisfiable()) << pod.Key() << ": " << pod.unsatisfiable_reason;
    }
    return snapshot->pods;
  }

  std::optional<gpu::GpuCatalog> gpus_;
  KubeObjects templates_;
};

TEST_F(ExamplesTest, EveryExampleHasItsTemplates) {
  std::vector<std::string> names;
  for (const cluster::NodeTemplate& t : templates_.templates) {
    names.push_back(t.name);
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names,
            (std::vector<std::string>{"a100-mig-mixed", "a100-mig-single", "a100-mig-timesliced",
                                      "a100-timesliced", "openb-a100"}));
}

TEST_F(ExamplesTest, SeedDeploymentIsSevenPodsOfOneMig1g5gbEach) {
  std::vector<cluster::Pod> pods = PodsOf("mig-seed-deployment.yaml");
  ASSERT_EQ(pods.size(), 7U);
  for (const cluster::Pod& pod : pods) {
    EXPECT_EQ(pod.gpu.kind, GpuDemandKind::kMigProfile);
    EXPECT_EQ(pod.gpu.form, cluster::GpuRequestForm::kMigSelector);
    EXPECT_EQ(pod.gpu.mig_profile, "1g.5gb");
    EXPECT_EQ(pod.gpu.count, 1);
    EXPECT_FALSE(pod.gpu.time_sliced);
    EXPECT_EQ(pod.gpu.resource_name, "nvidia.com/gpu");
    EXPECT_EQ(pod.owner, (cluster::OwnerRef{"Deployment", "gpu-test-mig"}));
  }
  EXPECT_EQ(pods.front().name, "gpu-test-mig-0");
  EXPECT_EQ(pods.back().name, "gpu-test-mig-6");
}

TEST_F(ExamplesTest, TimeSlicedFleetIsTenReplicasOfSixGibEach) {
  std::vector<cluster::Pod> pods = PodsOf("timesliced-inference.yaml");
  ASSERT_EQ(pods.size(), 10U);
  for (const cluster::Pod& pod : pods) {
    EXPECT_EQ(pod.gpu.kind, GpuDemandKind::kSharedGpu);
    EXPECT_EQ(pod.gpu.count, 1);
    EXPECT_EQ(pod.gpu.gpu_memory_bytes, 3 * kGiB);
    EXPECT_EQ(pod.requests.milli_cpu, 500);
    EXPECT_EQ(pod.RequiredNodeTemplate(), "a100-timesliced");
    EXPECT_TRUE(cluster::Tolerates(pod, templates_.templates[3].taints));
  }
}

TEST_F(ExamplesTest, MigTimeSlicingIsTwentyEightTimeSlicedInstances) {
  std::vector<cluster::Pod> pods = PodsOf("mig-timesliced.yaml");
  ASSERT_EQ(pods.size(), 28U);
  for (const cluster::Pod& pod : pods) {
    EXPECT_EQ(pod.gpu.kind, GpuDemandKind::kMigProfile);
    EXPECT_EQ(pod.gpu.mig_profile, "1g.5gb");
    EXPECT_TRUE(pod.gpu.time_sliced);
  }
}

TEST_F(ExamplesTest, MixedProfilesAreNinePodsOfThreeSizes) {
  std::vector<cluster::Pod> pods = PodsOf("mixed-profiles.yaml");
  ASSERT_EQ(pods.size(), 9U);
  std::map<std::string, int> per_profile;
  for (const cluster::Pod& pod : pods) {
    EXPECT_EQ(pod.gpu.kind, GpuDemandKind::kMigProfile);
    EXPECT_EQ(pod.gpu.form, cluster::GpuRequestForm::kMigResource);
    ++per_profile[pod.gpu.mig_profile];
  }
  EXPECT_EQ(per_profile,
            (std::map<std::string, int>{{"1g.5gb", 4}, {"2g.10gb", 3}, {"3g.20gb", 2}}));
  for (const cluster::Pod& pod : pods) {
    if (pod.gpu.mig_profile == "1g.5gb") {
      EXPECT_EQ(pod.gpu.gpu_memory_bytes, 4 * kGiB);
      EXPECT_EQ(pod.owner, (cluster::OwnerRef{"Job", "batch-1g"}));
    }
  }
}

}  // namespace
}  // namespace gpupack::catalog
