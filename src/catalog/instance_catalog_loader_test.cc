#include "catalog/instance_catalog_loader.h"

#include <filesystem>
#include <set>

#include <gtest/gtest.h>

#include "catalog/gpu_catalog_loader.h"
#include "common/file.h"

namespace gpupack::catalog {
namespace {

class InstanceCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<gpu::GpuCatalog> gpus = LoadBuiltInGpuCatalog();
    ASSERT_TRUE(gpus) << gpus.error().message();
    gpus_.emplace(std::move(*gpus));
  }

  std::optional<gpu::GpuCatalog> gpus_;
};

TEST_F(InstanceCatalogTest, AwsGcpAndAzureAreEmbedded) {
  EXPECT_EQ(EmbeddedInstanceCatalogNames(), (std::vector<std::string>{"aws", "azure", "gcp"}));
}

TEST_F(InstanceCatalogTest, EveryEmbeddedCatalogLoadsAndNamesOnlyKnownGpuModels) {
  for (const std::string& name : EmbeddedInstanceCatalogNames()) {
    Result<cluster::InstanceCatalog> catalog = LoadInstanceCatalog(name, *gpus_);
    ASSERT_TRUE(catalog) << name << ": " << catalog.error().message();
    EXPECT_EQ(catalog->info().cloud, name);
    EXPECT_FALSE(catalog->info().as_of.empty()) << name;
    EXPECT_FALSE(catalog->types().empty()) << name;
    for (const cluster::InstanceType& type : catalog->types()) {
      ASSERT_GT(type.gpu_count, 0) << type.name;
      Result<const gpu::GpuModel*> model = gpus_->Find(type.gpu_model);
      ASSERT_TRUE(model) << name << "/" << type.name << ": " << model.error().message();
      EXPECT_EQ((*model)->name, type.gpu_model) << "stored by canonical name";
      EXPECT_EQ(type.capacity.Get("nvidia.com/gpu"), type.gpu_count);
      EXPECT_NE(type.Cheapest(cluster::CapacityType::kOnDemand), nullptr) << type.name;
      if (const cluster::Offering* spot = type.Cheapest(cluster::CapacityType::kSpot)) {
        EXPECT_LT(spot->price_per_hour,
                  type.Cheapest(cluster::CapacityType::kOnDemand)->price_per_hour)
            << type.name;
      }
    }
  }
}

TEST_F(InstanceCatalogTest, CatalogsCoverTheCommonGpuShapes) {
  Result<cluster::InstanceCatalog> aws = LoadInstanceCatalog("aws", *gpus_);
  Result<cluster::InstanceCatalog> gcp = LoadInstanceCatalog("gcp", *gpus_);
  ASSERT_TRUE(aws && gcp);
  std::set<std::string> models;
  for (const auto* catalog : {&*aws, &*gcp}) {
    for (const cluster::InstanceType& type : catalog->types()) {
      models.insert(type.gpu_model);
    }
  }
  for (const char* model :
       {"T4", "L4", "A10G", "L40S", "A100-SXM4-40GB", "H100-SXM5-80GB", "H200"}) {
    EXPECT_TRUE(models.contains(model)) << model;
  }
  const cluster::InstanceType* a2 = gcp->Find("a2-highgpu-1g");
  ASSERT_NE(a2, nullptr);
  EXPECT_EQ(a2->gpu_model, "A100-SXM4-40GB");
  EXPECT_EQ(a2->gpu_count, 1);
  const cluster::InstanceType* p4d = aws->Find("p4d.24xlarge");
  ASSERT_NE(p4d, nullptr);
  EXPECT_EQ(p4d->gpu_count, 8);
  EXPECT_EQ(p4d->capacity.milli_cpu, 96000);
  EXPECT_DOUBLE_EQ(p4d->Cheapest(cluster::CapacityType::kOnDemand)->price_per_hour, 21.957642);
  // One offering per zone and capacity type.
  EXPECT_EQ(p4d->offerings.size(), 10U);
}

TEST_F(InstanceCatalogTest, AUserFileReplacesTheEmbeddedCatalog) {
  std::string path = testing::TempDir() + "/my-prices.yaml";
  ASSERT_TRUE(WriteFileAtomically(path, R"(version: v1
cloud: onprem
asOf: "2026-11-01"
zones: [rack-1]
instanceTypes:
  - {name: dgx-a100, gpu: {model: NVIDIA-A100-SXM4-40GB, count: 8}, vcpu: 128, memory: 1Ti, onDemand: 9.5}
)"));
  Result<cluster::InstanceCatalog> catalog = LoadInstanceCatalog(path, *gpus_);
  ASSERT_TRUE(catalog) << catalog.error().message();
  ASSERT_EQ(catalog->types().size(), 1U);
  EXPECT_EQ(catalog->types()[0].gpu_model, "A100-SXM4-40GB");
  EXPECT_EQ(catalog->types()[0].Cheapest(cluster::CapacityType::kSpot), nullptr);
}

TEST_F(InstanceCatalogTest, BadFilesGiveOneLineWithFileAndLine) {
  auto error = [&](const std::string& text) {
    Result<cluster::InstanceCatalog> catalog = ParseInstanceCatalog(text, "p.yaml", *gpus_);
    return catalog ? std::string("ok") : catalog.error().message();
  };
  const std::string head =
      "version: v1\ncloud: x\nasOf: \"2026-01-01\"\nzones: [a]\ninstanceTypes:\n";
  EXPECT_EQ(error(head + "  - {name: t, gpu: {model: Z100, count: 1}, vcpu: 4, memory: 16Gi, "
                         "onDemand: 1}\n")
                .substr(0, 24),
            "p.yaml:6: t: gpu.model: ");
  EXPECT_EQ(error(head + "  - {name: t, gpu: {model: T4, count: 1}, vcpu: 4, memory: 16Qi, "
                         "onDemand: 1}\n")
                .substr(0, 18),
            "p.yaml:6: t: memor");
  EXPECT_NE(error(head + "  - {name: t, gpu: {model: T4, count: 1}, vcpu: 4, memory: 16Gi, "
                         "onDemand: -1}\n")
                .find("onDemand: must be > 0"),
            std::string::npos);
  EXPECT_NE(error("version: v1\ncloud: x\ninstanceTypes: []\n").find("asOf: required"),
            std::string::npos);
  EXPECT_NE(error("version: v2\nasOf: x\n").find("unsupported \"v2\""), std::string::npos);
  EXPECT_NE(error("a: [").find("p.yaml:"), std::string::npos);
  Result<cluster::InstanceCatalog> missing = LoadInstanceCatalog("no-such-cloud", *gpus_);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace gpupack::catalog
