#include "gpu/gpu_catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gpu/testing/test_models.h"

namespace gpupack::gpu {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

GpuCatalog TestCatalog() {
  auto catalog = GpuCatalog::Create(testing::AllModelsForTest());
  EXPECT_TRUE(catalog.has_value());
  return std::move(*catalog);
}

std::string FoundName(const GpuCatalog& catalog, std::string_view name) {
  auto model = catalog.Find(name);
  return model ? (*model)->name : "<" + model.error().message() + ">";
}

TEST(GpuCatalogTest, FindsAModelByEveryNameItAnswersTo) {
  GpuCatalog catalog = TestCatalog();
  EXPECT_EQ(FoundName(catalog, "A100-SXM4-40GB"), "A100-SXM4-40GB");         // short name
  EXPECT_EQ(FoundName(catalog, "NVIDIA A100-SXM4-40GB"), "A100-SXM4-40GB");  // NVML name
  EXPECT_EQ(FoundName(catalog, "NVIDIA-A100-SXM4-40GB"), "A100-SXM4-40GB");  // GFD label
  EXPECT_EQ(FoundName(catalog, "a100-sxm4-40gb"), "A100-SXM4-40GB");         // any case
  EXPECT_EQ(FoundName(catalog, "A100-40GB"), "A100-SXM4-40GB");              // alias
  EXPECT_EQ(FoundName(catalog, "NVIDIA H100 80GB HBM3"), "H100-SXM5-80GB");
  EXPECT_EQ(FoundName(catalog, "NVIDIA-H100-80GB-HBM3"), "H100-SXM5-80GB");
  EXPECT_EQ(FoundName(catalog, "Tesla T4"), "T4");
  EXPECT_EQ(FoundName(catalog, "Tesla-T4"), "T4");
  EXPECT_EQ(FoundName(catalog, "a30"), "A30");
}

TEST(GpuCatalogTest, UnknownModelErrorNamesTheNearestModels) {
  GpuCatalog catalog = TestCatalog();
  auto model = catalog.Find("A100-SXM4-40G");
  ASSERT_FALSE(model.has_value());
  EXPECT_EQ(model.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(model.error().message(),
              StartsWith("unknown GPU model \"A100-SXM4-40G\"; did you mean A100-SXM4-40GB"));
}

TEST(GpuCatalogTest, UnknownModelFarFromEverythingPointsToTheListCommand) {
  GpuCatalog catalog = TestCatalog();
  auto model = catalog.Find("quantum-accelerator-9000");
  ASSERT_FALSE(model.has_value());
  EXPECT_THAT(model.error().message(), HasSubstr("gpupack catalog gpus"));
}

TEST(GpuCatalogTest, ModelsAreSortedByName) {
  GpuCatalog catalog = TestCatalog();
  std::vector<std::string> names;
  for (const GpuModel& model : catalog.models()) {
    names.push_back(model.name);
  }
  EXPECT_THAT(names, ::testing::ElementsAre("A100-SXM4-40GB", "A30", "H100-SXM5-80GB",
                                            "RTX-PRO-6000-Blackwell", "T4"));
}

TEST(GpuCatalogTest, RejectsANameThatTwoModelsAnswerTo) {
  std::vector<GpuModel> models = testing::AllModelsForTest();
  models[1].aliases.push_back("a100 40gb");  // the A100's alias, spelled differently
  auto catalog = GpuCatalog::Create(std::move(models));
  ASSERT_FALSE(catalog.has_value());
  EXPECT_THAT(catalog.error().message(), HasSubstr("both answer to the name \"a100-40gb\""));
}

TEST(GpuCatalogTest, RejectsAnInvalidModel) {
  std::vector<GpuModel> models = testing::AllModelsForTest();
  models[0].mig_profiles[0].max_instances = 0;
  EXPECT_FALSE(GpuCatalog::Create(std::move(models)).has_value());
}

TEST(GpuCatalogTest, OverlayReplacesModelsByNameAndAddsNewOnes) {
  GpuCatalog catalog = TestCatalog();
  GpuModel faster_t4 = testing::T4ForTest();
  faster_t4.name = "t4";  // same name, other case
  faster_t4.memory_mib = 16384;
  GpuModel extra = testing::T4ForTest();
  extra.name = "T4-Custom";
  extra.nvml_name = "Custom T4";
  auto overlaid = catalog.Overlay({faster_t4, extra});
  ASSERT_TRUE(overlaid.has_value()) << overlaid.error().message();
  EXPECT_EQ(overlaid->models().size(), catalog.models().size() + 1);
  EXPECT_EQ((*overlaid->Find("Tesla T4"))->memory_mib, 16384);
  EXPECT_EQ(FoundName(*overlaid, "Custom T4"), "T4-Custom");
}

TEST(GpuCatalogTest, GivesEachModelItsGeometryEngine) {
  GpuCatalog catalog = TestCatalog();
  auto engine = catalog.FindGeometry("NVIDIA A30");
  ASSERT_TRUE(engine.has_value());
  EXPECT_EQ((*engine)->model().name, "A30");
  EXPECT_EQ((*engine)->MaximalGeometries().size(), 4U);
  // Moving the catalog keeps models and engines where they are.
  const GpuModel* a30 = *catalog.Find("A30");
  GpuCatalog moved = std::move(catalog);
  EXPECT_EQ(&moved.Geometry(*a30), *engine);
}

TEST(GpuCatalogTest, FindsAProfileOnAModelWithNearestNameErrors) {
  GpuCatalog catalog = TestCatalog();
  auto profile = catalog.FindProfile("NVIDIA-A100-SXM4-40GB", "1g.5gb+me");
  ASSERT_TRUE(profile.has_value());
  EXPECT_EQ((*profile)->max_instances, 1);
  auto missing = catalog.FindProfile("A30", "1g.5gb");
  ASSERT_FALSE(missing.has_value());
  EXPECT_THAT(missing.error().message(), HasSubstr("did you mean 1g.6gb"));
  EXPECT_FALSE(catalog.FindProfile("A31", "1g.6gb").has_value());
}

TEST(GpuCatalogTest, ListsTheModelsOfferingAProfile) {
  GpuCatalog catalog = TestCatalog();
  auto names = [](const std::vector<const GpuModel*>& models) {
    std::vector<std::string> result;
    for (const GpuModel* model : models) {
      result.push_back(model->name);
    }
    return result;
  };
  EXPECT_THAT(names(catalog.ModelsOffering("1g.10gb")),
              ::testing::ElementsAre("A100-SXM4-40GB", "H100-SXM5-80GB"));
  EXPECT_THAT(names(catalog.ModelsOffering("nvidia.com/mig-1g.6gb.me")),
              ::testing::ElementsAre("A30"));
  EXPECT_TRUE(catalog.ModelsOffering("9g.9gb").empty());
}

TEST(NearestNamesTest, OrdersByDistanceThenAlphabeticallyAndDropsFarNames) {
  std::vector<std::string> candidates = {"A100-SXM4-80GB", "A100-SXM4-40GB", "T4", "A30"};
  EXPECT_THAT(NearestNames("a100-sxm4-40g", candidates),
              ::testing::ElementsAre("A100-SXM4-40GB", "A100-SXM4-80GB"));
  EXPECT_THAT(NearestNames("A3", candidates, 1), ::testing::ElementsAre("A30"));
  EXPECT_TRUE(NearestNames("completely-different-name", candidates).empty());
}

}  // namespace
}  // namespace gpupack::gpu
