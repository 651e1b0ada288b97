#include "gpu/mig_parted_spec.h"

#include <gtest/gtest.h>

namespace gpupack::gpu {
namespace {

TEST(PciDeviceIdTest, ParsesDeviceAndVendorAndFormatsUpperCase) {
  Result<PciDeviceId> id = PciDeviceId::Parse("0x20b010de");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->device, 0x20B0);
  EXPECT_EQ(id->vendor, kNvidiaPciVendor);
  EXPECT_FALSE(id->subsystem_device);
  EXPECT_EQ(id->ToString(), "0x20B010DE");
  EXPECT_TRUE(id->Matches(0x20B0, 0x10DE));
  EXPECT_FALSE(id->Matches(0x20B2, 0x10DE));
}

TEST(PciDeviceIdTest, ParsesSubsystemIds) {
  Result<PciDeviceId> id = PciDeviceId::Parse("0x20B010DE:0x134F10DE");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->subsystem_device, 0x134F);
  EXPECT_EQ(id->subsystem_vendor, 0x10DE);
  EXPECT_EQ(id->ToString(), "0x20B010DE:0x134F10DE");
}

TEST(PciDeviceIdTest, RejectsMalformedIds) {
  for (std::string_view text :
       {"", "20B010DE", "0x20B0", "0x20B010DEAA", "0xZZB010DE", "0x20B010DE:", "0x20B010DE:0x12"}) {
    EXPECT_FALSE(PciDeviceId::Parse(text)) << text;
  }
}

MigPartedSpec OneEntry(MigConfigEntry entry) {
  MigPartedSpec spec;
  spec.mig_configs["custom"].push_back(std::move(entry));
  return spec;
}

TEST(CheckMigPartedSpecTest, AcceptsDisabledAndEnabledEntries) {
  MigConfigEntry disabled;
  MigConfigEntry enabled;
  enabled.mig_enabled = true;
  MigConfigEntry balanced;
  balanced.mig_enabled = true;
  balanced.mig_devices = {{"1g.5gb", 2}, {"2g.10gb", 1}};
  MigPartedSpec spec;
  spec.mig_configs["all-disabled"] = {disabled};
  spec.mig_configs["all-enabled"] = {enabled};
  spec.mig_configs["balanced"] = {balanced};
  EXPECT_TRUE(CheckMigPartedSpec(spec).empty());
}

TEST(CheckMigPartedSpecTest, RejectsDevicesWhenMigIsDisabled) {
  MigConfigEntry entry;
  entry.mig_devices = {{"1g.5gb", 7}};
  std::vector<ConfigIssue> issues = CheckMigPartedSpec(OneEntry(entry));
  ASSERT_EQ(issues.size(), 1U);
  EXPECT_EQ(issues[0].path, "mig-configs.custom[0].mig-devices");
}

TEST(CheckMigPartedSpecTest, RejectsNegativeAndAllZeroCounts) {
  MigConfigEntry negative;
  negative.mig_enabled = true;
  negative.mig_devices = {{"1g.5gb", -1}, {"2g.10gb", 1}};
  std::vector<ConfigIssue> issues = CheckMigPartedSpec(OneEntry(negative));
  ASSERT_EQ(issues.size(), 1U);
  EXPECT_EQ(issues[0].path, "mig-configs.custom[0].mig-devices.1g.5gb");

  MigConfigEntry zeros;
  zeros.mig_enabled = true;
  zeros.mig_devices = {{"1g.5gb", 0}};
  EXPECT_EQ(CheckMigPartedSpec(OneEntry(zeros)).size(), 1U);
}

TEST(CheckMigPartedSpecTest, RejectsWrongVersionEmptyConfigAndNoConfigs) {
  MigPartedSpec spec;
  spec.version = "v2";
  spec.mig_configs["empty"] = {};
  std::vector<ConfigIssue> issues = CheckMigPartedSpec(spec);
  ASSERT_EQ(issues.size(), 2U);
  EXPECT_EQ(issues[0].path, "version");
  EXPECT_EQ(issues[1].path, "mig-configs.empty");
  EXPECT_EQ(CheckMigPartedSpec(MigPartedSpec{}).size(), 1U);
}

TEST(MigConfigNameTest, FollowsNvidiaAllProfileConvention) {
  EXPECT_EQ(MigConfigNameForGeometry({{"1g.5gb", 7}}, true), "all-1g.5gb");
  EXPECT_EQ(MigConfigNameForGeometry({{"1g.5gb+me", 1}}, true), "all-1g.5gb.me");
}

TEST(MigConfigNameTest, NamesMixedGeometriesLargestFirst) {
  EXPECT_EQ(MigConfigNameForGeometry({{"3g.20gb", 1}, {"2g.10gb", 1}, {"1g.5gb", 2}}, false),
            "1x3g.20gb_1x2g.10gb_2x1g.5gb");
  EXPECT_EQ(MigConfigNameForGeometry({{"1g.5gb", 3}}, false), "3x1g.5gb");
}

TEST(MigConfigNameTest, KeepsLongNamesWithinLabelValueLimit) {
  std::vector<std::pair<std::string, int>> geometry = {{"1g.24gb+me.all", 1},
                                                       {"1g.24gb-me", 1},
                                                       {"1g.24gb+gfx", 1},
                                                       {"2g.48gb+me.all", 1},
                                                       {"2g.48gb-me", 1}};
  std::string name = MigConfigNameForGeometry(geometry, false);
  EXPECT_LE(name.size(), 63U);
  EXPECT_TRUE(name.starts_with("geometry-"));
  EXPECT_EQ(name, MigConfigNameForGeometry(geometry, false));
}

}  // namespace
}  // namespace gpupack::gpu
