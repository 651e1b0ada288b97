#include "gpu/geometry.h"

#include <algorithm>
#include <map>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gpu/testing/test_models.h"

namespace gpupack::gpu {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

ProfileCounts Counts(const MigGeometryEngine& engine, std::vector<std::string> names) {
  auto counts = engine.CountsFromNames(names);
  EXPECT_TRUE(counts.has_value()) << counts.error().message();
  return counts.value_or(ProfileCounts(engine.profile_count(), 0));
}

std::string Describe(const MigGeometryEngine& engine, const MigGeometry& geometry) {
  std::string text;
  for (const MigPlacement& placement : geometry.placements) {
    text += (text.empty() ? "" : " ") + engine.model().mig_profiles[placement.profile].name + "@" +
            std::to_string(placement.start);
  }
  return text;
}

// The short forms NVIDIA-NOTES 5.4 uses for layout L7 (1d = the double-memory 1g), on A100-40GB.
std::multiset<std::string> A100Names(const std::vector<std::string>& short_names) {
  static const std::map<std::string, std::string> kNames = {{"7g", "7g.40gb"}, {"4g", "4g.20gb"},
                                                            {"3g", "3g.20gb"}, {"2g", "2g.10gb"},
                                                            {"1d", "1g.10gb"}, {"1g", "1g.5gb"}};
  std::multiset<std::string> names;
  for (const std::string& name : short_names) {
    names.insert(kNames.at(name));
  }
  return names;
}

class A100GeometryTest : public ::testing::Test {
 protected:
  MigGeometryEngine engine_{testing::A100ForTest()};
};

TEST_F(A100GeometryTest, LayoutL7Has28MaximalAnd77ValidBaseGeometries) {
  EXPECT_EQ(engine_.MaximalGeometries(ProfileSet::kBase).size(), 28U);
  EXPECT_EQ(engine_.ValidGeometries(ProfileSet::kBase).size(), 77U);
}

TEST_F(A100GeometryTest, MaximalGeometriesAreExactlyThoseListedInTheNvidiaNotes) {
  // NVIDIA-NOTES 5.4, grouped by compute slices used.
  std::vector<std::vector<std::string>> listed = {{"7g"},
                                                  {"4g", "3g"},
                                                  {"4g", "2g", "1g"},
                                                  {"4g", "2g", "1d"},
                                                  {"4g", "1g", "1g", "1g"},
                                                  {"4g", "1g", "1g", "1d"},
                                                  {"3g", "2g", "2g"},
                                                  {"3g", "2g", "1g", "1g"},
                                                  {"3g", "1g", "1g", "1g", "1g"},
                                                  {"2g", "2g", "2g", "1g"},
                                                  {"2g", "2g", "2g", "1d"},
                                                  {"2g", "2g", "1g", "1g", "1g"},
                                                  {"2g", "2g", "1g", "1g", "1d"},
                                                  {"2g", "1g", "1g", "1g", "1g", "1g"},
                                                  {"2g", "1g", "1g", "1g", "1g", "1d"},
                                                  {"1g", "1g", "1g", "1g", "1g", "1g", "1g"},
                                                  {"1g", "1g", "1g", "1g", "1g", "1g", "1d"},
                                                  // compute 6
                                                  {"3g", "3g"},
                                                  {"3g", "2g", "1d"},
                                                  {"3g", "1g", "1g", "1d"},
                                                  {"4g", "1d", "1d"},
                                                  {"2g", "2g", "1d", "1d"},
                                                  {"2g", "1g", "1g", "1d", "1d"},
                                                  {"1g", "1g", "1g", "1g", "1d", "1d"},
                                                  // compute 5 and 4
                                                  {"3g", "1d", "1d"},
                                                  {"2g", "1d", "1d", "1d"},
                                                  {"1g", "1g", "1d", "1d", "1d"},
                                                  {"1d", "1d", "1d", "1d"}};
  std::multiset<std::multiset<std::string>> expected;
  for (const auto& geometry : listed) {
    expected.insert(A100Names(geometry));
  }
  std::multiset<std::multiset<std::string>> actual;
  for (const MigGeometry& geometry : engine_.MaximalGeometries()) {
    std::vector<std::string> names = engine_.ProfileNames(geometry);
    actual.insert(std::multiset<std::string>(names.begin(), names.end()));
  }
  EXPECT_EQ(actual, expected);
}

TEST_F(A100GeometryTest, GeometriesAreOrderedLargestProfilesFirst) {
  auto maximal = engine_.MaximalGeometries();
  ASSERT_GE(maximal.size(), 3U);
  EXPECT_THAT(engine_.ProfileNames(maximal[0]), ElementsAre("7g.40gb"));
  EXPECT_THAT(engine_.ProfileNames(maximal[1]), ElementsAre("4g.20gb", "3g.20gb"));
  EXPECT_THAT(engine_.ProfileNames(maximal[2]), ElementsAre("4g.20gb", "2g.10gb", "1g.10gb"));
  EXPECT_THAT(engine_.ProfileNames(maximal.back()),
              ElementsAre("1g.5gb", "1g.5gb", "1g.5gb", "1g.5gb", "1g.5gb", "1g.5gb", "1g.5gb"));
}

TEST_F(A100GeometryTest, AttributeVariantsAppearOnlyWhenAsked) {
  auto has_me = [&](std::span<const MigGeometry> geometries) {
    return std::any_of(geometries.begin(), geometries.end(), [&](const MigGeometry& g) {
      return std::any_of(g.placements.begin(), g.placements.end(), [&](const MigPlacement& p) {
        return !engine_.model().mig_profiles[p.profile].IsBase();
      });
    });
  };
  EXPECT_FALSE(has_me(engine_.ValidGeometries(ProfileSet::kBase)));
  EXPECT_TRUE(has_me(engine_.ValidGeometries(ProfileSet::kAll)));
  EXPECT_GT(engine_.ValidGeometries(ProfileSet::kAll).size(), 77U);
}

TEST_F(A100GeometryTest, FourPlusThreeFits) {
  auto geometry = engine_.Fit(Counts(engine_, {"4g.20gb", "3g.20gb"}));
  ASSERT_TRUE(geometry.has_value()) << geometry.error().message();
  EXPECT_EQ(Describe(engine_, *geometry), "4g.20gb@0 3g.20gb@4");
}

TEST_F(A100GeometryTest, FourPlusFourDoesNotFit) {
  auto geometry = engine_.Fit(Counts(engine_, {"4g.20gb", "4g.20gb"}));
  ASSERT_FALSE(geometry.has_value());
  EXPECT_EQ(geometry.error().message(), "at most 1 4g.20gb per A100-SXM4-40GB, 2 requested");
}

TEST_F(A100GeometryTest, ThreePlusThreePlusOneRunsOutOfMemorySlices) {
  ProfileCounts counts = Counts(engine_, {"3g.20gb", "3g.20gb", "1g.5gb"});
  EXPECT_FALSE(engine_.Fits(counts));
  auto geometry = engine_.Fit(counts);
  ASSERT_FALSE(geometry.has_value());
  EXPECT_EQ(geometry.error().message(), "9 memory slices needed, A100-SXM4-40GB has 8");
}

TEST_F(A100GeometryTest, ThreeTwoOneOneNeedsTheThreeSliceInstanceAtTheTop) {
  // The MIG guide's gotcha: created in the wrong order this fails with Insufficient Resources.
  auto geometry = engine_.Fit(Counts(engine_, {"1g.5gb", "2g.10gb", "3g.20gb", "1g.5gb"}));
  ASSERT_TRUE(geometry.has_value()) << geometry.error().message();
  EXPECT_EQ(Describe(engine_, *geometry), "3g.20gb@4 2g.10gb@0 1g.5gb@2 1g.5gb@3");
}

TEST_F(A100GeometryTest, MediaExtensionsFitOnlyOnce) {
  EXPECT_TRUE(engine_.Fits(
      Counts(engine_, {"1g.5gb+me", "1g.5gb", "1g.5gb", "1g.5gb", "1g.5gb", "1g.5gb", "1g.5gb"})));
  auto twice = engine_.Fit(Counts(engine_, {"1g.5gb+me", "1g.5gb+me"}));
  ASSERT_FALSE(twice.has_value());
  EXPECT_THAT(twice.error().message(), HasSubstr("at most 1 1g.5gb+me"));
}

TEST_F(A100GeometryTest, TheDoubleMemoryOneSliceProfileTakesTwoMemorySlices) {
  EXPECT_TRUE(engine_.Fits(Counts(engine_, {"1g.10gb", "1g.10gb", "1g.10gb", "1g.10gb"})));
  EXPECT_FALSE(
      engine_.Fits(Counts(engine_, {"1g.10gb", "1g.10gb", "1g.10gb", "1g.10gb", "1g.5gb"})));
}

TEST_F(A100GeometryTest, AnEmptyGeometryFits) {
  ProfileCounts none(engine_.profile_count(), 0);
  EXPECT_TRUE(engine_.Fits(none));
  auto geometry = engine_.Fit(none);
  ASSERT_TRUE(geometry.has_value());
  EXPECT_TRUE(geometry->placements.empty());
}

TEST_F(A100GeometryTest, NegativeCountsNeverFit) {
  ProfileCounts counts(engine_.profile_count(), 0);
  counts[0] = -1;
  EXPECT_FALSE(engine_.Fits(counts));
  EXPECT_FALSE(engine_.Fit(counts).has_value());
}

TEST_F(A100GeometryTest, CountsFromNamesRejectsUnknownProfiles) {
  std::vector<std::string> names = {"3g.20gb", "3g.21gb"};
  auto counts = engine_.CountsFromNames(names);
  ASSERT_FALSE(counts.has_value());
  EXPECT_THAT(counts.error().message(), HasSubstr("did you mean 3g.20gb"));
}

TEST_F(A100GeometryTest, PlacesAOneSliceInstanceAtTheTopOfAnEmptyGpu) {
  size_t one = *engine_.model().FindProfileIndex("1g.5gb");
  auto placement = engine_.PlaceAdditional({}, one);
  ASSERT_TRUE(placement.has_value());
  EXPECT_EQ(placement->start, 6);
  EXPECT_EQ(placement->size, 1);
}

TEST_F(A100GeometryTest, PlacesNextToExistingInstancesWithoutMovingThem) {
  size_t three = *engine_.model().FindProfileIndex("3g.20gb");
  size_t four = *engine_.model().FindProfileIndex("4g.20gb");
  size_t two = *engine_.model().FindProfileIndex("2g.10gb");
  std::vector<MigPlacement> existing = {{three, 4, 4}};
  auto placement = engine_.PlaceAdditional(existing, four);
  ASSERT_TRUE(placement.has_value()) << placement.error().message();
  EXPECT_EQ(placement->start, 0);
  EXPECT_THAT(engine_.FreeStarts(existing, two), ElementsAre(0, 2));
  // A 3g at 0 leaves 2g only the start at 4.
  EXPECT_THAT(engine_.FreeStarts(std::vector<MigPlacement>{{three, 0, 4}}, two), ElementsAre(4));
}

TEST_F(A100GeometryTest, ReportsWhenAnExistingInstanceBlocksTheOnlyPlacement) {
  size_t one = *engine_.model().FindProfileIndex("1g.5gb");
  size_t four = *engine_.model().FindProfileIndex("4g.20gb");
  auto placement = engine_.PlaceAdditional(std::vector<MigPlacement>{{one, 2, 1}}, four);
  ASSERT_FALSE(placement.has_value());
  EXPECT_EQ(placement.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ(placement.error().message(),
            "no placement left for 4g.20gb next to 1g.5gb@2 on A100-SXM4-40GB");
}

TEST_F(A100GeometryTest, RefusesASecondMediaExtensionInstance) {
  size_t me = *engine_.model().FindProfileIndex("1g.5gb+me");
  EXPECT_TRUE(engine_.FreeStarts(std::vector<MigPlacement>{{me, 0, 1}}, me).empty());
}

TEST_F(A100GeometryTest, RejectsExistingInstancesThatOverlap) {
  size_t two = *engine_.model().FindProfileIndex("2g.10gb");
  size_t one = *engine_.model().FindProfileIndex("1g.5gb");
  auto placement =
      engine_.PlaceAdditional(std::vector<MigPlacement>{{two, 0, 2}, {one, 1, 1}}, one);
  ASSERT_FALSE(placement.has_value());
  EXPECT_EQ(placement.error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(A100GeometryTest, ValidatesPlacementsReportedByAGpu) {
  size_t three = *engine_.model().FindProfileIndex("3g.20gb");
  size_t one = *engine_.model().FindProfileIndex("1g.5gb");
  size_t me = *engine_.model().FindProfileIndex("1g.5gb+me");
  EXPECT_TRUE(engine_.ValidatePlacements(std::vector<MigPlacement>{{one, 6, 1}, {three, 0, 4}})
                  .has_value());
  auto misplaced = engine_.ValidatePlacements(std::vector<MigPlacement>{{three, 2, 4}});
  ASSERT_FALSE(misplaced.has_value());
  EXPECT_EQ(misplaced.error().message(),
            "3g.20gb@2 (size 4) is not a placement 3g.20gb allows on A100-SXM4-40GB");
  auto overlap = engine_.ValidatePlacements(std::vector<MigPlacement>{{three, 4, 4}, {one, 5, 1}});
  ASSERT_FALSE(overlap.has_value());
  EXPECT_EQ(overlap.error().message(), "1g.5gb@5 overlaps another instance on A100-SXM4-40GB");
  EXPECT_FALSE(
      engine_.ValidatePlacements(std::vector<MigPlacement>{{me, 0, 1}, {me, 1, 1}}).has_value());
  EXPECT_FALSE(engine_.ValidatePlacements(std::vector<MigPlacement>{{99, 0, 1}}).has_value());
}

TEST_F(A100GeometryTest, BestGeometryServesTheWholeDemandWhenItFits) {
  auto choice = engine_.Best(Counts(engine_, {"3g.20gb", "2g.10gb", "1g.5gb", "1g.5gb"}));
  ASSERT_TRUE(choice.has_value());
  EXPECT_THAT(engine_.ProfileNames(choice->geometry),
              ElementsAre("3g.20gb", "2g.10gb", "1g.5gb", "1g.5gb"));
  EXPECT_EQ(choice->served_slices, 7);
  EXPECT_EQ(choice->wasted_slices, 0);
}

TEST_F(A100GeometryTest, BestGeometryCapsADemandLargerThanTheGpu) {
  std::vector<std::string> ten(10, "1g.5gb");
  auto choice = engine_.Best(Counts(engine_, ten));
  ASSERT_TRUE(choice.has_value());
  EXPECT_EQ(choice->geometry.placements.size(), 7U);
  EXPECT_EQ(choice->served_slices, 7);
}

TEST_F(A100GeometryTest, BestGeometryPrefersMoreServedSlicesOverMoreInstances) {
  // 3g+3g serves 6 slices; 3g+2g+1d would serve 3g + 1d = 4.
  auto choice = engine_.Best(Counts(engine_, {"3g.20gb", "3g.20gb", "1g.10gb"}));
  ASSERT_TRUE(choice.has_value());
  EXPECT_THAT(engine_.ProfileNames(choice->geometry), ElementsAre("3g.20gb", "3g.20gb"));
  EXPECT_EQ(choice->wasted_slices, 1);  // one compute slice idle
}

TEST_F(A100GeometryTest, BestGeometryPrefersMoreServedInstancesOnATie) {
  // 7g serves 7 slices with one pod; seven 1g serve 7 slices with seven pods.
  std::vector<std::string> demand(7, "1g.5gb");
  demand.push_back("7g.40gb");
  auto choice = engine_.Best(Counts(engine_, demand));
  ASSERT_TRUE(choice.has_value());
  EXPECT_EQ(choice->geometry.placements.size(), 7U);
}

TEST_F(A100GeometryTest, BestGeometryFillsSpareRoomAndIsDeterministic) {
  auto choice = engine_.Best(Counts(engine_, {"4g.20gb"}));
  ASSERT_TRUE(choice.has_value());
  EXPECT_THAT(engine_.ProfileNames(choice->geometry), ElementsAre("4g.20gb", "3g.20gb"));
  EXPECT_EQ(choice->wasted_slices, 0);
  EXPECT_EQ(engine_.Best(Counts(engine_, {"4g.20gb"}))->geometry, choice->geometry);
}

TEST_F(A100GeometryTest, BestGeometryUsesAttributeVariantsWhenDemanded) {
  auto choice = engine_.Best(Counts(engine_, {"1g.5gb+me", "1g.5gb", "1g.5gb"}));
  ASSERT_TRUE(choice.has_value());
  size_t me = *engine_.model().FindProfileIndex("1g.5gb+me");
  EXPECT_EQ(choice->served[me], 1);
  EXPECT_EQ(choice->served_slices, 3);
}

TEST_F(A100GeometryTest, BestGeometryRejectsAnEmptyDemand) {
  auto choice = engine_.Best(ProfileCounts(engine_.profile_count(), 0));
  ASSERT_FALSE(choice.has_value());
  EXPECT_EQ(choice.error().code(), ErrorCode::kInvalidArgument);
}

TEST(H100GeometryTest, SharesLayoutL7Counts) {
  MigGeometryEngine engine(testing::H100ForTest());
  EXPECT_EQ(engine.MaximalGeometries().size(), 28U);
  EXPECT_EQ(engine.ValidGeometries().size(), 77U);
}

class A30GeometryTest : public ::testing::Test {
 protected:
  MigGeometryEngine engine_{testing::A30ForTest()};
};

TEST_F(A30GeometryTest, HasFourMaximalBaseGeometries) {
  std::vector<std::string> described;
  for (const MigGeometry& geometry : engine_.MaximalGeometries()) {
    described.push_back(Describe(engine_, geometry));
  }
  EXPECT_THAT(described,
              ElementsAre("4g.24gb@0", "2g.12gb@0 2g.12gb@2", "2g.12gb@0 1g.6gb@2 1g.6gb@3",
                          "1g.6gb@0 1g.6gb@1 1g.6gb@2 1g.6gb@3"));
  EXPECT_EQ(engine_.ValidGeometries().size(), 9U);
}

TEST_F(A30GeometryTest, TooManyComputeSlicesAreReportedAsSuch) {
  auto geometry =
      engine_.Fit(Counts(engine_, {"2g.12gb", "2g.12gb", "1g.6gb", "1g.6gb", "1g.6gb"}));
  ASSERT_FALSE(geometry.has_value());
  EXPECT_EQ(geometry.error().message(), "7 compute slices needed, A30 has 4");
}

TEST_F(A30GeometryTest, OnlyOneInstanceMayHoldTheMediaExtensions) {
  EXPECT_TRUE(engine_.Fits(Counts(engine_, {"2g.12gb+me", "2g.12gb"})));
  EXPECT_TRUE(engine_.Fits(Counts(engine_, {"2g.12gb", "1g.6gb+me", "1g.6gb"})));
  auto both = engine_.Fit(Counts(engine_, {"2g.12gb+me", "1g.6gb+me"}));
  ASSERT_FALSE(both.has_value());
  EXPECT_THAT(both.error().message(), HasSubstr("at most one instance with media extensions"));
}

TEST_F(A30GeometryTest, BestGeometryServesTheLargerProfileFirst) {
  auto choice = engine_.Best(Counts(engine_, {"2g.12gb", "1g.6gb", "1g.6gb", "1g.6gb"}));
  ASSERT_TRUE(choice.has_value());
  EXPECT_THAT(engine_.ProfileNames(choice->geometry), ElementsAre("2g.12gb", "1g.6gb", "1g.6gb"));
  EXPECT_EQ(choice->served_slices, 4);
}

TEST(RtxProGeometryTest, EnumeratesTheUniversalMigVariants) {
  MigGeometryEngine engine(testing::RtxPro6000ForTest());
  // Base profiles alone give the same four shapes as the A30.
  EXPECT_EQ(engine.MaximalGeometries(ProfileSet::kBase).size(), 4U);
  auto counts = engine.CountsFromNames(
      std::vector<std::string>{"1g.24gb+me.all", "1g.24gb+gfx", "2g.48gb-me"});
  ASSERT_TRUE(counts.has_value());
  EXPECT_TRUE(engine.Fits(*counts));
  auto two_media = engine.CountsFromNames(std::vector<std::string>{"1g.24gb+me.all", "1g.24gb+me"});
  EXPECT_FALSE(engine.Fits(*two_media));
}

TEST(NonMigGeometryTest, ModelsWithoutMigHaveNoGeometries) {
  MigGeometryEngine engine(testing::T4ForTest());
  EXPECT_TRUE(engine.ValidGeometries().empty());
  auto geometry = engine.Fit({});
  ASSERT_FALSE(geometry.has_value());
  EXPECT_EQ(geometry.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(geometry.error().message(), "T4 is not MIG-capable");
  EXPECT_FALSE(engine.Best({}).has_value());
}

}  // namespace
}  // namespace gpupack::gpu
