#include "gpu/mig_parted_check.h"

#include <gtest/gtest.h>

#include "gpu/testing/test_models.h"

namespace gpupack::gpu {
namespace {

GpuCatalog TestCatalog() {
  Result<GpuCatalog> catalog = GpuCatalog::Create(testing::AllModelsForTest());
  EXPECT_TRUE(catalog) << (catalog ? "" : catalog.error().message());
  return std::move(*catalog);
}

MigConfigEntry Entry(std::map<std::string, int> devices, std::vector<std::string> filter = {}) {
  MigConfigEntry entry;
  entry.mig_enabled = true;
  entry.mig_devices = std::move(devices);
  for (const std::string& id : filter) {
    entry.device_filter.push_back(*PciDeviceId::Parse(id));
  }
  return entry;
}

std::vector<ConfigIssue> Check(MigConfigEntry entry) {
  MigPartedSpec spec;
  spec.mig_configs["c"] = {std::move(entry)};
  return CheckMigPartedAgainstCatalog(spec, TestCatalog());
}

std::string PciIdOf(const GpuModel& model) {
  EXPECT_FALSE(model.pci_device_ids.empty()) << model.name;
  return model.pci_device_ids.empty() ? "" : model.pci_device_ids[0];
}

TEST(MigPartedCheckTest, AcceptsAGeometryThatFitsTheFilteredModel) {
  EXPECT_TRUE(Check(Entry({{"1g.5gb", 2}, {"2g.10gb", 1}, {"3g.20gb", 1}},
                          {PciIdOf(testing::A100ForTest())}))
                  .empty());
}

TEST(MigPartedCheckTest, RejectsAGeometryThatDoesNotFitTheFilteredModel) {
  std::vector<ConfigIssue> issues =
      Check(Entry({{"3g.20gb", 2}, {"2g.10gb", 1}}, {PciIdOf(testing::A100ForTest())}));
  ASSERT_EQ(issues.size(), 1U);
  EXPECT_EQ(issues[0].severity, Severity::kError);
  EXPECT_EQ(issues[0].path, "mig-configs.c[0].mig-devices");
}

TEST(MigPartedCheckTest, RejectsAProfileTheFilteredModelLacks) {
  std::vector<ConfigIssue> issues =
      Check(Entry({{"1g.20gb", 1}}, {PciIdOf(testing::A100ForTest())}));
  ASSERT_EQ(issues.size(), 1U);
  EXPECT_EQ(issues[0].severity, Severity::kError);
}

TEST(MigPartedCheckTest, NotesFilterIdsTheCatalogDoesNotKnow) {
  std::vector<ConfigIssue> issues = Check(Entry({{"1g.5gb", 1}}, {"0xFFFF10DE"}));
  ASSERT_EQ(issues.size(), 1U);
  EXPECT_EQ(issues[0].severity, Severity::kNote);
  EXPECT_EQ(issues[0].path, "mig-configs.c[0].device-filter");
}

TEST(MigPartedCheckTest, UnfilteredEntriesAreCheckedOnModelsOfferingTheirProfiles) {
  EXPECT_TRUE(Check(Entry({{"1g.6gb", 4}})).empty());  // A30 only
  std::vector<ConfigIssue> too_many = Check(Entry({{"1g.6gb", 5}}));
  ASSERT_EQ(too_many.size(), 1U);
  EXPECT_EQ(too_many[0].severity, Severity::kError);
}

TEST(MigPartedCheckTest, UnknownProfilesAreNotesWithNearestNames) {
  std::vector<ConfigIssue> issues = Check(Entry({{"3g.95gb", 2}}));
  ASSERT_EQ(issues.size(), 1U);
  EXPECT_EQ(issues[0].severity, Severity::kNote);
  EXPECT_NE(issues[0].message.find("nearest known"), std::string::npos) << issues[0].message;
}

TEST(MigPartedCheckTest, MixingProfilesOfDifferentModelsIsAnError) {
  std::vector<ConfigIssue> issues = Check(Entry({{"1g.5gb", 1}, {"1g.6gb", 1}}));
  ASSERT_EQ(issues.size(), 1U);
  EXPECT_EQ(issues[0].severity, Severity::kError);
}

TEST(MigPartedCheckTest, WarnsAboutComputeInstanceProfiles) {
  std::vector<ConfigIssue> issues =
      Check(Entry({{"1c.3g.20gb", 2}}, {PciIdOf(testing::A100ForTest())}));
  ASSERT_EQ(issues.size(), 1U);
  EXPECT_EQ(issues[0].severity, Severity::kWarning);
}

TEST(MigPartedCheckTest, NonMigModelsCannotEnableMig) {
  GpuModel t4 = testing::T4ForTest();
  t4.pci_device_ids = {"0x1EB810DE"};
  Result<GpuCatalog> catalog = GpuCatalog::Create({t4, testing::A100ForTest()});
  ASSERT_TRUE(catalog);
  MigPartedSpec spec;
  spec.mig_configs["c"] = {Entry({{"1g.5gb", 1}}, {"0x1EB810DE"})};
  std::vector<ConfigIssue> issues = CheckMigPartedAgainstCatalog(spec, *catalog);
  ASSERT_EQ(issues.size(), 1U);
  EXPECT_EQ(issues[0].path, "mig-configs.c[0].mig-enabled");
  EXPECT_EQ(ModelsMatchingFilter(spec.mig_configs["c"][0].device_filter, *catalog).size(), 1U);
}

}  // namespace
}  // namespace gpupack::gpu
