#include "catalog/gpu_catalog_loader.h"

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "catalog/embedded_catalog.h"
#include "common/file.h"

namespace gpupack::catalog {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr std::string_view kSmallCatalog = R"(version: v1
migLayouts:
  - name: L4
    memorySlices: 4
    computeSlices: 4
    classes:
      - {class: 4_SLICE, nvmlProfile: 3, computeSlices: 4, memorySlices: 4, maxInstances: 1, placements: [0]}
      - {class: 2_SLICE, nvmlProfile: 1, computeSlices: 2, memorySlices: 2, maxInstances: 2, placements: [0, 2]}
      - {class: 1_SLICE, nvmlProfile: 0, computeSlices: 1, memorySlices: 1, maxInstances: 4, placements: [0, 1, 2, 3]}
models:
  - name: A30
    nvmlName: NVIDIA A30
    aliases: [A30-24GB]
    pciDeviceIds: [0x20b710de]
    memoryMiB: 24576
    memoryExact: true
    computeCapability: "8.0"
    migLayout: L4
    migProfiles:
      - {name: 1g.6gb, class: 1_SLICE}
      - {name: 4g.24gb, class: 4_SLICE, memoryMiB: 24064}
      - {name: 2g.12gb, class: 2_SLICE}
  - name: T4
    nvmlName: Tesla T4
    memoryMiB: 15360
    computeCapability: "7.5"
)";

Result<gpu::GpuCatalog> Load(std::string_view text, std::string name = "test.yaml") {
  CatalogSource source{std::move(name), std::string(text)};
  return LoadGpuCatalog(std::span<const CatalogSource>(&source, 1));
}

// The small catalog with one line replaced: the way each malformed-input test is built.
std::string WithLine(std::string_view from, std::string_view to) {
  std::string text(kSmallCatalog);
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  return text;
}

std::string LoadError(const std::string& text) {
  auto catalog = Load(text);
  EXPECT_FALSE(catalog.has_value());
  return catalog ? std::string() : catalog.error().message();
}

TEST(GpuCatalogLoaderTest, LoadsModelsLayoutsAndProfiles) {
  auto catalog = Load(kSmallCatalog);
  ASSERT_TRUE(catalog.has_value()) << catalog.error().message();
  ASSERT_EQ(catalog->models().size(), 2U);
  const gpu::GpuModel& a30 = **catalog->Find("NVIDIA-A30");
  EXPECT_EQ(a30.memory_mib, 24576);
  EXPECT_TRUE(a30.memory_exact);
  EXPECT_EQ(a30.compute_capability.ToString(), "8.0");
  EXPECT_EQ(a30.pci_device_ids, std::vector<std::string>{"0x20B710DE"});  // normalised
  EXPECT_TRUE(a30.mig_capable);
  EXPECT_EQ(a30.mig_memory_slices, 4);
  ASSERT_EQ(a30.mig_profiles.size(), 3U);
  // Sorted largest first whatever the file order.
  EXPECT_EQ(a30.mig_profiles[0].name, "4g.24gb");
  EXPECT_EQ(a30.mig_profiles[0].memory_mib, 24064);
  EXPECT_TRUE(a30.mig_profiles[0].memory_exact);
  EXPECT_EQ(a30.mig_profiles[2].name, "1g.6gb");
  EXPECT_EQ(a30.mig_profiles[2].memory_mib, 6 * 1024);  // from the name, marked approximate
  EXPECT_FALSE(a30.mig_profiles[2].memory_exact);
  EXPECT_EQ(a30.mig_profiles[2].nvml_profile, 0);
  EXPECT_THAT(a30.mig_profiles[2].placement_starts, ::testing::ElementsAre(0, 1, 2, 3));
  const gpu::GpuModel& t4 = **catalog->Find("t4");
  EXPECT_FALSE(t4.mig_capable);
  EXPECT_FALSE(t4.memory_exact);
}

TEST(GpuCatalogLoaderTest, BrokenYamlNamesFileAndLine) {
  std::string message = LoadError(WithLine("    memoryMiB: 15360", "    memoryMiB: [15360"));
  EXPECT_THAT(message, StartsWith("test.yaml:"));
  EXPECT_THAT(message, HasSubstr("invalid YAML"));
}

TEST(GpuCatalogLoaderTest, WrongTypeNamesLineAndField) {
  EXPECT_EQ(LoadError(WithLine("    memoryMiB: 15360", "    memoryMiB: lots")),
            "test.yaml:25: models[1].memoryMiB: expected an integer");
}

TEST(GpuCatalogLoaderTest, UnknownFieldIsAnError) {
  EXPECT_EQ(LoadError(WithLine("    memoryMiB: 15360", "    memoryMib: 15360")),
            "test.yaml:25: models[1]: unknown field \"memoryMib\" (known: name, nvmlName, "
            "aliases, pciDeviceIds, memoryMiB, memoryExact, computeCapability, known, "
            "unverified, note, migLayout, migProfiles)");
}

TEST(GpuCatalogLoaderTest, MissingRequiredFieldNamesTheModel) {
  EXPECT_EQ(LoadError(WithLine("    computeCapability: \"7.5\"\n", "")),
            "test.yaml:23: models[1].computeCapability: required (or set known: false)");
}

TEST(GpuCatalogLoaderTest, UnknownClassListsTheKnownOnes) {
  EXPECT_EQ(LoadError(WithLine("class: 2_SLICE}", "class: 2_SLICE_REV1}")),
            "test.yaml:22: models[0].migProfiles[2].class: layout L4 has no class "
            "\"2_SLICE_REV1\" (known: 1_SLICE, 2_SLICE, 4_SLICE)");
}

TEST(GpuCatalogLoaderTest, PlacementOutsideTheLayoutIsRejectedAtItsLine) {
  std::string message = LoadError(WithLine("placements: [0, 2]}", "placements: [0, 3]}"));
  EXPECT_THAT(message, StartsWith("test.yaml:8: migLayouts[0].classes[1].placements: placement "
                                  "{3}:2 does not fit in 4 memory slices"));
}

TEST(GpuCatalogLoaderTest, ProfileNameMustAgreeWithItsClass) {
  EXPECT_EQ(
      LoadError(WithLine("{name: 2g.12gb, class: 2_SLICE}", "{name: 3g.12gb, class: 2_SLICE}")),
      "test.yaml:22: models[0].migProfiles[2]: 3g.12gb: name says 3 compute slices but "
      "computeSlices is 2");
}

TEST(GpuCatalogLoaderTest, DuplicateModelNamesAreRejected) {
  std::string text = std::string(kSmallCatalog) +
                     "  - name: t4\n    nvmlName: Other T4\n    memoryMiB: 1\n"
                     "    computeCapability: \"7.5\"\n";
  EXPECT_EQ(LoadError(text), "test.yaml:27: models[2]: model t4 is already defined at line 23");
}

TEST(GpuCatalogLoaderTest, NameSharedByTwoModelsIsRejected) {
  std::string message = LoadError(WithLine("nvmlName: Tesla T4", "nvmlName: A30-24GB"));
  EXPECT_THAT(message, HasSubstr("both answer to the name \"a30-24gb\""));
  EXPECT_THAT(message, StartsWith("test.yaml: "));
}

TEST(GpuCatalogLoaderTest, WrongVersionIsRejected) {
  EXPECT_EQ(LoadError(WithLine("version: v1", "version: v2")),
            "test.yaml:1: version: unsupported version \"v2\" (this gpupack reads v1)");
}

TEST(GpuCatalogLoaderTest, NonMappingDocumentIsRejected) {
  EXPECT_THAT(LoadError("- just\n- a list\n"), HasSubstr("expected a mapping"));
  EXPECT_THAT(LoadError(""), HasSubstr("expected a mapping"));
}

// A cheap fuzz run on every ctest: random edits of a valid file load or fail with one
// "test.yaml:..." line, and never throw or crash.
RC_GTEST_PROP(GpuCatalogLoaderPropertyTest, MangledFilesGiveAnErrorNotACrash, ()) {
  std::string text(kSmallCatalog);
  const int edits = *rc::gen::inRange(1, 8);
  for (int edit = 0; edit < edits; ++edit) {
    const size_t at = *rc::gen::inRange<size_t>(0, text.size());
    const char c = *rc::gen::element(' ', '\n', '-', ':', '[', ']', '{', '}', '"', '0', 'x', '#');
    switch (*rc::gen::inRange(0, 3)) {
      case 0:
        text.erase(at, 1);
        break;
      case 1:
        text.insert(at, 1, c);
        break;
      default:
        text[at] = c;
        break;
    }
  }
  auto catalog = Load(text);
  if (!catalog) {
    RC_ASSERT(catalog.error().message().rfind("test.yaml", 0) == 0);
    RC_ASSERT(catalog.error().message().find('\n') == std::string::npos);
  }
}

TEST(GpuCatalogLoaderTest, LaterSourcesReplaceAndAddModels) {
  std::vector<CatalogSource> sources = {
      {"base.yaml", std::string(kSmallCatalog)},
      {"user.yaml",
       "version: v1\nmodels:\n"
       "  - {name: T4, nvmlName: Tesla T4, memoryMiB: 15000, computeCapability: \"7.5\"}\n"
       "  - name: A30-Custom\n    nvmlName: Custom A30\n    memoryMiB: 24576\n"
       "    computeCapability: \"8.0\"\n    migLayout: L4\n"
       "    migProfiles: [{name: 4g.24gb, class: 4_SLICE}]\n"}};
  auto catalog = LoadGpuCatalog(sources);
  ASSERT_TRUE(catalog.has_value()) << catalog.error().message();
  EXPECT_EQ(catalog->models().size(), 3U);
  EXPECT_EQ((*catalog->Find("T4"))->memory_mib, 15000);
  // The user file used a layout defined by the earlier source.
  EXPECT_EQ((*catalog->Find("Custom A30"))->mig_profiles.size(), 1U);
}

TEST(GpuCatalogLoaderTest, UserFileOverridesTheBuiltInCatalog) {
  std::string path = ::testing::TempDir() + "/gpupack_user_gpus.yaml";
  {
    std::ofstream out(path);
    out << "version: v1\nmodels:\n"
           "  - {name: T4, nvmlName: Tesla T4, memoryMiB: 15109, computeCapability: \"7.5\"}\n";
  }
  auto catalog = LoadGpuCatalogWithUserFile(path);
  ASSERT_TRUE(catalog.has_value()) << catalog.error().message();
  EXPECT_EQ((*catalog->Find("T4"))->memory_mib, 15109);
  EXPECT_TRUE(catalog->Find("A100-SXM4-40GB").has_value());
  std::filesystem::remove(path);

  auto missing = LoadGpuCatalogWithUserFile(path);
  ASSERT_FALSE(missing.has_value());
  EXPECT_THAT(missing.error().message(), HasSubstr(path));
}

// The shipped catalog: every model loads and validates, and the engine reproduces the counts
// NVIDIA-NOTES 5.4 derives for each layout.
class BuiltInCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto catalog = LoadBuiltInGpuCatalog();
    ASSERT_TRUE(catalog.has_value()) << catalog.error().message();
    catalog_ = std::make_unique<gpu::GpuCatalog>(std::move(*catalog));
  }

  std::unique_ptr<gpu::GpuCatalog> catalog_;
};

TEST_F(BuiltInCatalogTest, EveryModelValidates) {
  ASSERT_GE(catalog_->models().size(), 30U);
  for (const gpu::GpuModel& model : catalog_->models()) {
    EXPECT_TRUE(gpu::ValidateGpuModel(model).has_value()) << model.name;
  }
}

TEST_F(BuiltInCatalogTest, EveryLayoutL7ModelHas28MaximalAnd77ValidGeometries) {
  int l7_models = 0;
  for (const gpu::GpuModel& model : catalog_->models()) {
    if (model.mig_memory_slices != 8) {
      continue;
    }
    ++l7_models;
    const gpu::MigGeometryEngine& engine = catalog_->Geometry(model);
    EXPECT_EQ(engine.MaximalGeometries().size(), 28U) << model.name;
    EXPECT_EQ(engine.ValidGeometries().size(), 77U) << model.name;
  }
  EXPECT_EQ(l7_models, 16);
}

TEST_F(BuiltInCatalogTest, FourSliceModelsHaveFourMaximalBaseGeometries) {
  for (const char* name : {"A30", "RTX-PRO-6000-Blackwell"}) {
    auto engine = catalog_->FindGeometry(name);
    ASSERT_TRUE(engine.has_value()) << name;
    EXPECT_EQ((*engine)->MaximalGeometries().size(), 4U) << name;
  }
}

TEST_F(BuiltInCatalogTest, FindsModelsByTheNamesUsersAndKubernetesUse) {
  auto name = [&](std::string_view query) {
    auto model = catalog_->Find(query);
    return model ? (*model)->name : model.error().message();
  };
  EXPECT_EQ(name("NVIDIA-H100-80GB-HBM3"), "H100-SXM5-80GB");
  EXPECT_EQ(name("NVIDIA A100-SXM4-40GB"), "A100-SXM4-40GB");
  EXPECT_EQ(name("Tesla-T4"), "T4");
  EXPECT_EQ(name("H200"), "H200");
  EXPECT_EQ(name("V100M16"), "V100-SXM2-16GB");
  EXPECT_EQ(name("V100M32"), "V100-SXM2-32GB");
  EXPECT_EQ(name("P100"), "P100-PCIE-16GB");
  EXPECT_EQ(name("NVIDIA A100 80GB PCIe"), "A100-80GB-PCIe");
  EXPECT_EQ(name("G2"), "G2");
  EXPECT_FALSE((*catalog_->Find("G2"))->known);
}

TEST_F(BuiltInCatalogTest, KnowsTheExactMemoryNvidiaNotesGive) {
  EXPECT_EQ((*catalog_->Find("H100-SXM5-80GB"))->memory_mib, 81559);
  auto profile = catalog_->FindProfile("H100-SXM5-80GB", "1g.10gb");
  ASSERT_TRUE(profile.has_value());
  EXPECT_EQ((*profile)->memory_mib, 9984);
  EXPECT_TRUE((*profile)->memory_exact);
}

TEST_F(BuiltInCatalogTest, MarksUnverifiedEntries) {
  EXPECT_TRUE((*catalog_->Find("B200"))->unverified);
  EXPECT_FALSE((*catalog_->Find("B200"))->note.empty());
  EXPECT_FALSE((*catalog_->Find("A100-SXM4-40GB"))->unverified);
}

TEST_F(BuiltInCatalogTest, EveryMigCapableModelHasCapabilityEightOrNewer) {
  for (const gpu::GpuModel& model : catalog_->models()) {
    if (model.mig_capable) {
      EXPECT_GE(model.compute_capability.major, 8) << model.name;
    }
  }
}

TEST(EmbeddedCatalogTest, TheBuiltInFileIsTheRepositoryFile) {
  auto embedded = EmbeddedCatalogFile("gpus.yaml");
  ASSERT_TRUE(embedded.has_value());
  auto on_disk = ReadFile(std::string(GP_SOURCE_DIR) + "/catalog/gpus.yaml");
  ASSERT_TRUE(on_disk.has_value());
  EXPECT_EQ(*embedded, *on_disk);
  EXPECT_FALSE(EmbeddedCatalogFile("nope.yaml").has_value());
}

}  // namespace
}  // namespace gpupack::catalog
