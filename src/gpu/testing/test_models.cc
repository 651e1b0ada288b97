#include "gpu/testing/test_models.h"

#include <string>
#include <utility>

#include "common/check.h"

namespace gpupack::gpu::testing {
namespace {

MigProfile Profile(std::string name, int compute, int memory_slices, int64_t memory_mib,
                   int max_instances, std::vector<int> starts, int nvml_profile) {
  auto parsed = ParseMigProfileName(name);
  GP_CHECK(parsed.has_value(), "test profile names are valid");
  MigProfile profile;
  profile.name = std::move(name);
  profile.compute_slices = compute;
  profile.memory_slices = memory_slices;
  profile.memory_mib = memory_mib;
  profile.max_instances = max_instances;
  profile.placement_starts = std::move(starts);
  profile.attribute = parsed->attribute;
  profile.nvml_profile = nvml_profile;
  return profile;
}

// Layout L7 profiles with the memory sizes of one model: `gb` per memory slice.
std::vector<MigProfile> L7Profiles(int slice_gb, int double_gb, int half_gb, int full_gb) {
  const std::string one = std::to_string(slice_gb);
  std::vector<MigProfile> profiles = {
      Profile("7g." + std::to_string(full_gb) + "gb", 7, 8, full_gb * 1024, 1, {0}, 4),
      Profile("4g." + std::to_string(half_gb) + "gb", 4, 4, half_gb * 1024, 1, {0}, 3),
      Profile("3g." + std::to_string(half_gb) + "gb", 3, 4, half_gb * 1024, 2, {0, 4}, 2),
      Profile("2g." + std::to_string(double_gb) + "gb", 2, 2, double_gb * 1024, 3, {0, 2, 4}, 1),
      Profile("1g." + std::to_string(double_gb) + "gb", 1, 2, double_gb * 1024, 4, {0, 2, 4, 6}, 9),
      Profile("1g." + one + "gb", 1, 1, slice_gb * 1024, 7, {0, 1, 2, 3, 4, 5, 6}, 0),
      Profile("1g." + one + "gb+me", 1, 1, slice_gb * 1024, 1, {0, 1, 2, 3, 4, 5, 6}, 7),
  };
  SortProfilesLargestFirst(profiles);
  return profiles;
}

GpuModel MigModel(std::string name, std::string nvml_name, int64_t memory_mib,
                  ComputeCapability capability, int memory_slices, int compute_slices,
                  std::vector<MigProfile> profiles) {
  GpuModel model;
  model.name = std::move(name);
  model.nvml_name = std::move(nvml_name);
  model.memory_mib = memory_mib;
  model.compute_capability = capability;
  model.mig_capable = true;
  model.mig_memory_slices = memory_slices;
  model.mig_compute_slices = compute_slices;
  SortProfilesLargestFirst(profiles);
  model.mig_profiles = std::move(profiles);
  GP_CHECK(ValidateGpuModel(model).has_value(), "test models are valid");
  return model;
}

}  // namespace

GpuModel A100ForTest() {
  GpuModel model = MigModel("A100-SXM4-40GB", "NVIDIA A100-SXM4-40GB", 40960, {8, 0}, 8, 7,
                            L7Profiles(5, 10, 20, 40));
  model.aliases = {"A100-40GB"};
  model.pci_device_ids = {"0x20B010DE"};
  return model;
}

GpuModel H100ForTest() {
  GpuModel model = MigModel("H100-SXM5-80GB", "NVIDIA H100 80GB HBM3", 81559, {9, 0}, 8, 7,
                            L7Profiles(10, 20, 40, 80));
  model.aliases = {"H100-SXM"};
  return model;
}

GpuModel A30ForTest() {
  return MigModel(
      "A30", "NVIDIA A30", 24576, {8, 0}, 4, 4,
      {Profile("4g.24gb", 4, 4, 24576, 1, {0}, 3), Profile("2g.12gb", 2, 2, 12288, 2, {0, 2}, 1),
       Profile("2g.12gb+me", 2, 2, 12288, 1, {0, 2}, 8),
       Profile("1g.6gb", 1, 1, 6144, 4, {0, 1, 2, 3}, 0),
       Profile("1g.6gb+me", 1, 1, 6144, 1, {0, 1, 2, 3}, 7)});
}

GpuModel RtxPro6000ForTest() {
  return MigModel(
      "RTX-PRO-6000-Blackwell", "NVIDIA RTX PRO 6000 Blackwell Server Edition", 98304, {12, 0}, 4,
      4,
      {Profile("4g.96gb", 4, 4, 98304, 1, {0}, 3), Profile("4g.96gb+gfx", 4, 4, 98304, 1, {0}, 12),
       Profile("2g.48gb", 2, 2, 49152, 2, {0, 2}, 1),
       Profile("2g.48gb+gfx", 2, 2, 49152, 2, {0, 2}, 11),
       Profile("2g.48gb+me.all", 2, 2, 49152, 1, {0, 2}, 16),
       Profile("2g.48gb-me", 2, 2, 49152, 2, {0, 2}, 14),
       Profile("1g.24gb", 1, 1, 24576, 4, {0, 1, 2, 3}, 0),
       Profile("1g.24gb+gfx", 1, 1, 24576, 4, {0, 1, 2, 3}, 10),
       Profile("1g.24gb+me", 1, 1, 24576, 1, {0, 1, 2, 3}, 7),
       Profile("1g.24gb+me.all", 1, 1, 24576, 1, {0, 1, 2, 3}, 15),
       Profile("1g.24gb-me", 1, 1, 24576, 4, {0, 1, 2, 3}, 13)});
}

GpuModel T4ForTest() {
  GpuModel model;
  model.name = "T4";
  model.nvml_name = "Tesla T4";
  model.memory_mib = 15360;
  model.compute_capability = {7, 5};
  return model;
}

std::vector<GpuModel> AllModelsForTest() {
  return {A100ForTest(), H100ForTest(), A30ForTest(), RtxPro6000ForTest(), T4ForTest()};
}

}  // namespace gpupack::gpu::testing
