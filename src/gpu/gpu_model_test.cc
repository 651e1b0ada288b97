#include "gpu/gpu_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gpu/testing/test_models.h"

namespace gpupack::gpu {
namespace {

using ::testing::HasSubstr;

TEST(MigProfileNameTest, ParsesBaseAndAttributeVariants) {
  auto base = ParseMigProfileName("3g.20gb");
  ASSERT_TRUE(base.has_value());
  EXPECT_EQ(base->gpu_slices, 3);
  EXPECT_EQ(base->memory_gb, 20);
  EXPECT_EQ(base->compute_instance_slices, 0);
  EXPECT_EQ(base->attribute, MigAttribute::kBase);

  EXPECT_EQ(ParseMigProfileName("1g.5gb+me")->attribute, MigAttribute::kMediaExtensions);
  EXPECT_EQ(ParseMigProfileName("1g.24gb+me.all")->attribute, MigAttribute::kAllMediaExtensions);
  EXPECT_EQ(ParseMigProfileName("1g.24gb-me")->attribute, MigAttribute::kNoMediaExtensions);
  EXPECT_EQ(ParseMigProfileName("1g.24gb+gfx")->attribute, MigAttribute::kGraphics);
  EXPECT_EQ(ParseMigProfileName("1c.3g.20gb")->compute_instance_slices, 1);
}

TEST(MigProfileNameTest, RejectsMalformedNames) {
  for (const char* bad :
       {"", "3g", "3g.20", "g.20gb", "0g.5gb", "1g.5gb+xx", "3c.2g.10gb", "1g.5gb me", "-1g.5gb"}) {
    auto parsed = ParseMigProfileName(bad);
    EXPECT_FALSE(parsed.has_value()) << bad;
  }
  EXPECT_THAT(ParseMigProfileName("1g.5gb+xx").error().message(), HasSubstr("1g.5gb+xx"));
}

TEST(MigResourceNameTest, ReplacesPlusWithDotAsTheDevicePluginDoes) {
  EXPECT_EQ(MigResourceName("1g.5gb"), "nvidia.com/mig-1g.5gb");
  EXPECT_EQ(MigResourceName("1g.5gb+me"), "nvidia.com/mig-1g.5gb.me");
  EXPECT_EQ(MigResourceName("1g.24gb+me.all"), "nvidia.com/mig-1g.24gb.me.all");
  EXPECT_EQ(MigResourceName("1g.24gb-me"), "nvidia.com/mig-1g.24gb-me");
}

TEST(MigResourceNameTest, ResourceNamesRoundTripToProfileNames) {
  for (const char* name :
       {"1g.5gb", "1g.5gb+me", "1g.24gb+me.all", "1g.24gb-me", "1g.24gb+gfx", "7g.141gb"}) {
    auto back = ProfileNameFromResource(MigResourceName(name));
    ASSERT_TRUE(back.has_value()) << name;
    EXPECT_EQ(*back, name);
  }
  EXPECT_EQ(*ProfileNameFromResource("mig-2g.10gb"), "2g.10gb");
  EXPECT_FALSE(ProfileNameFromResource("nvidia.com/gpu").has_value());
  EXPECT_FALSE(ProfileNameFromResource("nvidia.com/mig-banana").has_value());
}

TEST(ProductLabelTest, SanitisesLikeGpuFeatureDiscovery) {
  EXPECT_EQ(SanitizeProductLabel("NVIDIA H100 80GB HBM3"), "NVIDIA-H100-80GB-HBM3");
  EXPECT_EQ(SanitizeProductLabel("Tesla T4"), "Tesla-T4");
  EXPECT_EQ(SanitizeProductLabel("NVIDIA A100-SXM4-40GB"), "NVIDIA-A100-SXM4-40GB");
  EXPECT_EQ(SanitizeProductLabel("  NVIDIA  (R) A10G\t "), "NVIDIA-R-A10G");
}

TEST(ComputeCapabilityTest, ParsesAndPrints) {
  auto capability = ParseComputeCapability("8.0");
  ASSERT_TRUE(capability.has_value());
  EXPECT_EQ(capability->ToString(), "8.0");
  EXPECT_EQ(ParseComputeCapability("12.0")->major, 12);
  for (const char* bad : {"", "8", "8.", ".0", "8.0.1", "x.y", "8,0"}) {
    EXPECT_FALSE(ParseComputeCapability(bad).has_value()) << bad;
  }
}

TEST(GpuFamilyTest, FollowsGpuFeatureDiscoveryRanges) {
  EXPECT_EQ(GpuFamilyName(FamilyOf({7, 0})), "volta");
  EXPECT_EQ(GpuFamilyName(FamilyOf({7, 5})), "turing");
  EXPECT_EQ(GpuFamilyName(FamilyOf({8, 6})), "ampere");
  EXPECT_EQ(GpuFamilyName(FamilyOf({8, 9})), "ada-lovelace");
  EXPECT_EQ(GpuFamilyName(FamilyOf({9, 0})), "hopper");
  EXPECT_EQ(GpuFamilyName(FamilyOf({10, 0})), "blackwell");
  EXPECT_EQ(GpuFamilyName(FamilyOf({12, 0})), "blackwell");
  EXPECT_EQ(GpuFamilyName(FamilyOf({0, 0})), "undefined");
}

TEST(GpuModelTest, FindsProfilesByNameOrResourceNameIgnoringCase) {
  GpuModel model = testing::A100ForTest();
  auto profile = model.FindProfile("3G.20GB");
  ASSERT_TRUE(profile.has_value());
  EXPECT_EQ((*profile)->name, "3g.20gb");
  EXPECT_EQ((*model.FindProfile("nvidia.com/mig-1g.5gb.me"))->name, "1g.5gb+me");
  EXPECT_EQ((*model.FindProfile("mig-2g.10gb"))->name, "2g.10gb");
}

TEST(GpuModelTest, UnknownProfileErrorNamesTheNearestProfiles) {
  GpuModel model = testing::A100ForTest();
  auto profile = model.FindProfile("1g.6gb");
  ASSERT_FALSE(profile.has_value());
  EXPECT_EQ(profile.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(profile.error().message(),
              HasSubstr("A100-SXM4-40GB has no MIG profile \"1g.6gb\"; did you mean 1g.5gb"));
}

TEST(GpuModelTest, ProfilesAreSortedLargestFirst) {
  GpuModel model = testing::A100ForTest();
  std::vector<std::string> names;
  for (const MigProfile& profile : model.mig_profiles) {
    names.push_back(profile.name);
  }
  EXPECT_THAT(names, ::testing::ElementsAre("7g.40gb", "4g.20gb", "3g.20gb", "2g.10gb", "1g.10gb",
                                            "1g.5gb", "1g.5gb+me"));
}

TEST(GpuModelTest, ProductLabelAndResourceNameComeFromTheNames) {
  GpuModel model = testing::H100ForTest();
  EXPECT_EQ(model.ProductLabel(), "NVIDIA-H100-80GB-HBM3");
  EXPECT_EQ(model.mig_profiles.back().ResourceName(), "nvidia.com/mig-1g.10gb.me");
  EXPECT_EQ(model.family(), GpuFamily::kHopper);
}

TEST(ValidateGpuModelTest, AcceptsTheTestModels) {
  for (const GpuModel& model : testing::AllModelsForTest()) {
    EXPECT_TRUE(ValidateGpuModel(model).has_value()) << model.name;
  }
}

TEST(ValidateGpuModelTest, RejectsPlacementsOutsideTheMemorySlices) {
  GpuModel model = testing::A100ForTest();
  model.mig_profiles[2].placement_starts = {0, 5};  // 3g.20gb is 4 slices wide
  auto status = ValidateGpuModel(model);
  ASSERT_FALSE(status.has_value());
  EXPECT_THAT(status.error().message(),
              HasSubstr("3g.20gb: placement {5}:4 does not fit in 8 memory slices"));
}

TEST(ValidateGpuModelTest, RejectsMoreInstancesThanDisjointPlacements) {
  GpuModel model = testing::A100ForTest();
  model.mig_profiles[3].max_instances = 4;  // 2g.10gb has three disjoint placements
  auto status = ValidateGpuModel(model);
  ASSERT_FALSE(status.has_value());
  EXPECT_THAT(status.error().message(), HasSubstr("maxInstances 4 is outside 1..3"));
}

TEST(ValidateGpuModelTest, RejectsANameThatDisagreesWithTheComputeSlices) {
  GpuModel model = testing::A30ForTest();
  model.mig_profiles[0].compute_slices = 3;
  auto status = ValidateGpuModel(model);
  ASSERT_FALSE(status.has_value());
  EXPECT_THAT(status.error().message(), HasSubstr("name says 4 compute slices"));
}

TEST(ValidateGpuModelTest, RejectsMigProfilesOnAModelThatIsNotMigCapable) {
  GpuModel model = testing::T4ForTest();
  model.mig_profiles = testing::A30ForTest().mig_profiles;
  EXPECT_FALSE(ValidateGpuModel(model).has_value());
}

TEST(ValidateGpuModelTest, RejectsMigOnOldComputeCapability) {
  GpuModel model = testing::A30ForTest();
  model.compute_capability = {7, 5};
  auto status = ValidateGpuModel(model);
  ASSERT_FALSE(status.has_value());
  EXPECT_THAT(status.error().message(), HasSubstr("compute capability 8.0"));
}

TEST(ValidateGpuModelTest, AllowsAnUndisclosedModelWithoutMemoryOrNvmlName) {
  GpuModel model;
  model.name = "G2";
  model.known = false;
  EXPECT_TRUE(ValidateGpuModel(model).has_value());
  model.known = true;
  EXPECT_FALSE(ValidateGpuModel(model).has_value());
}

TEST(ValidateGpuModelTest, RejectsPciIdsNotInDeviceFilterForm) {
  GpuModel model = testing::A100ForTest();
  model.pci_device_ids = {"20B010DE"};
  EXPECT_FALSE(ValidateGpuModel(model).has_value());
  model.pci_device_ids = {"0x20b010de"};
  EXPECT_FALSE(ValidateGpuModel(model).has_value());
}

}  // namespace
}  // namespace gpupack::gpu
