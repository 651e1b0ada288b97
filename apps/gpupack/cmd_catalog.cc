// `gpupack catalog ...`: what the built-in (or a user's) GPU catalog knows: models, MIG profiles
// and the MIG geometries the engine derives from them.
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "apps/gpupack/commands.h"
#include "catalog/gpu_catalog_loader.h"
#include "common/file.h"
#include "gpu/geometry.h"
#include "gpu/gpu_catalog.h"
#include "report/output.h"

namespace gpupack::app {
namespace {

using nlohmann::json;

// Flags shared by the catalog subcommands. CLI11 binds flags to addresses at registration time
// and runs the action later, so each subcommand's options live in a heap object its action
// shares.
struct CatalogOptions {
  std::string output = "table";
  std::string gpu_catalog;
  std::string model;
  bool maximal = false;
  bool all_profiles = false;
};

constexpr const char* kOutputHelp = "Output format: table, json or yaml";
constexpr const char* kCatalogFileHelp =
    "A GPU catalog file (catalog/gpus.yaml format) whose models replace or add to the built-in "
    "ones";

void AddCommonOptions(CLI::App& command, CatalogOptions& options) {
  command.add_option("-o,--output", options.output, kOutputHelp)->capture_default_str();
  command.add_option("--gpu-catalog", options.gpu_catalog, kCatalogFileHelp)->type_name("FILE");
}

Status Print(report::OutputFormat format, const json& document, const report::Table& table) {
  switch (format) {
    case report::OutputFormat::kJson:
      return WriteFileAtomically("-", report::ToJsonText(document));
    case report::OutputFormat::kYaml:
      return WriteFileAtomically("-", report::ToYamlText(document));
    case report::OutputFormat::kTable:
      return WriteFileAtomically("-", table.ToText());
  }
  return OkStatus();
}

std::string MemoryText(int64_t mib, bool exact) {
  if (mib == 0) {
    return "-";
  }
  return exact ? std::to_string(mib) : "~" + std::to_string(mib);
}

Status ListGpus(const CatalogOptions& options) {
  GP_ASSIGN_OR_RETURN(report::OutputFormat format, report::ParseOutputFormat(options.output));
  GP_ASSIGN_OR_RETURN(gpu::GpuCatalog catalog,
                      catalog::LoadGpuCatalogWithUserFile(options.gpu_catalog));
  json document = json::array();
  report::Table table({"name", "product label", "memory MiB", "cc", "family", "MIG", "notes"});
  for (const gpu::GpuModel& model : catalog.models()) {
    std::vector<std::string> profiles;
    for (const gpu::MigProfile& profile : model.mig_profiles) {
      profiles.push_back(profile.name);
    }
    json entry = {{"name", model.name},
                  {"nvmlName", model.nvml_name},
                  {"productLabel", model.ProductLabel()},
                  {"aliases", model.aliases},
                  {"pciDeviceIds", model.pci_device_ids},
                  {"memoryMiB", model.memory_mib},
                  {"memoryExact", model.memory_exact},
                  {"computeCapability", model.known ? model.compute_capability.ToString() : ""},
                  {"family", gpu::GpuFamilyName(model.family())},
                  {"known", model.known},
                  {"migCapable", model.mig_capable},
                  {"migMemorySlices", model.mig_memory_slices},
                  {"migComputeSlices", model.mig_compute_slices},
                  {"migProfiles", profiles},
                  {"unverified", model.unverified},
                  {"note", model.note}};
    document.push_back(std::move(entry));
    std::string notes = !model.known ? "undisclosed model" : model.unverified ? "unverified" : "";
    table.AddRow({model.name, model.ProductLabel().empty() ? "-" : model.ProductLabel(),
                  MemoryText(model.memory_mib, model.memory_exact),
                  model.known ? model.compute_capability.ToString() : "-",
                  std::string(gpu::GpuFamilyName(model.family())),
                  model.mig_capable ? fmt::format("{} profiles", model.mig_profiles.size()) : "no",
                  notes});
  }
  return Print(format, document, table);
}

Status ListProfiles(const CatalogOptions& options) {
  GP_ASSIGN_OR_RETURN(report::OutputFormat format, report::ParseOutputFormat(options.output));
  GP_ASSIGN_OR_RETURN(gpu::GpuCatalog catalog,
                      catalog::LoadGpuCatalogWithUserFile(options.gpu_catalog));
  GP_ASSIGN_OR_RETURN(const gpu::GpuModel* model, catalog.Find(options.model));
  if (!model->mig_capable) {
    return FailedPreconditionError(fmt::format("{} is not MIG-capable", model->name));
  }
  json document = json::array();
  report::Table table({"profile", "resource", "compute", "memory slices", "memory MiB", "max",
                       "placements", "nvml profile"});
  for (const gpu::MigProfile& profile : model->mig_profiles) {
    json entry = {{"name", profile.name},
                  {"resource", profile.ResourceName()},
                  {"attribute", gpu::MigAttributeSuffix(profile.attribute)},
                  {"computeSlices", profile.compute_slices},
                  {"memorySlices", profile.memory_slices},
                  {"memoryMiB", profile.memory_mib},
                  {"memoryExact", profile.memory_exact},
                  {"maxInstances", profile.max_instances},
                  {"placements", profile.placement_starts}};
    entry["nvmlProfile"] = profile.nvml_profile ? json(*profile.nvml_profile) : json(nullptr);
    document.push_back(std::move(entry));
    table.AddRow(
        {profile.name, profile.ResourceName(), std::to_string(profile.compute_slices),
         std::to_string(profile.memory_slices),
         MemoryText(profile.memory_mib, profile.memory_exact),
         std::to_string(profile.max_instances),
         fmt::format("{{{}}}:{}", fmt::join(profile.placement_starts, ","), profile.memory_slices),
         profile.nvml_profile ? std::to_string(*profile.nvml_profile) : "-"});
  }
  return Print(format, document, table);
}

Status ListGeometries(const CatalogOptions& options) {
  GP_ASSIGN_OR_RETURN(report::OutputFormat format, report::ParseOutputFormat(options.output));
  GP_ASSIGN_OR_RETURN(gpu::GpuCatalog catalog,
                      catalog::LoadGpuCatalogWithUserFile(options.gpu_catalog));
  GP_ASSIGN_OR_RETURN(const gpu::MigGeometryEngine* engine, catalog.FindGeometry(options.model));
  const gpu::GpuModel& model = engine->model();
  if (!model.mig_capable) {
    return FailedPreconditionError(fmt::format("{} is not MIG-capable", model.name));
  }
  gpu::ProfileSet set = options.all_profiles ? gpu::ProfileSet::kAll : gpu::ProfileSet::kBase;
  auto geometries = options.maximal ? engine->MaximalGeometries(set) : engine->ValidGeometries(set);
  json document = json::array();
  report::Table table({"#", "profiles", "placements", "compute", "memory"});
  size_t number = 0;
  for (const gpu::MigGeometry& geometry : geometries) {
    json placements = json::array();
    std::vector<std::string> placed;
    int compute = 0;
    int memory = 0;
    for (const gpu::MigPlacement& placement : geometry.placements) {
      const gpu::MigProfile& profile = model.mig_profiles[placement.profile];
      placements.push_back(
          {{"profile", profile.name}, {"start", placement.start}, {"size", placement.size}});
      placed.push_back(fmt::format("{}@{}", profile.name, placement.start));
      compute += profile.compute_slices;
      memory += placement.size;
    }
    std::vector<std::string> names = engine->ProfileNames(geometry);
    document.push_back({{"profiles", names}, {"placements", std::move(placements)}});
    table.AddRow({std::to_string(++number), fmt::format("{}", fmt::join(names, " + ")),
                  fmt::format("{}", fmt::join(placed, " ")),
                  fmt::format("{}/{}", compute, model.mig_compute_slices),
                  fmt::format("{}/{}", memory, model.mig_memory_slices)});
  }
  return Print(format, document, table);
}

}  // namespace

void RegisterCatalogCommand(CLI::App& root) {
  CLI::App* catalog = root.add_subcommand(
      "catalog", "Show the GPU models, MIG profiles and MIG geometries gpupack knows");
  catalog->require_subcommand(1);
  catalog->footer(
      "Examples:\n"
      "  gpupack catalog gpus\n"
      "  gpupack catalog profiles H100-SXM5-80GB\n"
      "  gpupack catalog geometries A100-SXM4-40GB --maximal -o json");

  auto gpus_options = std::make_shared<CatalogOptions>();
  CLI::App* gpus = catalog->add_subcommand("gpus", "List the GPU models in the catalog");
  AddCommonOptions(*gpus, *gpus_options);
  gpus->footer(
      "Models are found by their short name, NVML name, GFD product label or alias.\n"
      "A memory figure with ~ is approximate (not what NVML reports).\n\n"
      "Examples:\n"
      "  gpupack catalog gpus\n"
      "  gpupack catalog gpus -o json\n"
      "  gpupack catalog gpus --gpu-catalog my-gpus.yaml -o yaml");
  SetAction(*gpus, [gpus_options] { return ListGpus(*gpus_options); });

  auto profiles_options = std::make_shared<CatalogOptions>();
  CLI::App* profiles =
      catalog->add_subcommand("profiles", "List the MIG profiles of one GPU model");
  profiles->add_option("model", profiles_options->model, "GPU model (any of its names)")
      ->required();
  AddCommonOptions(*profiles, *profiles_options);
  profiles->footer(
      "Placements are the allowed starts in memory slices and the size, as nvidia-smi mig -lgipp\n"
      "prints them. RESOURCE is what the device plugin advertises under the mixed strategy.\n\n"
      "Examples:\n"
      "  gpupack catalog profiles A100-SXM4-40GB\n"
      "  gpupack catalog profiles \"NVIDIA H100 80GB HBM3\" -o json");
  SetAction(*profiles, [profiles_options] { return ListProfiles(*profiles_options); });

  auto geometries_options = std::make_shared<CatalogOptions>();
  CLI::App* geometries = catalog->add_subcommand(
      "geometries", "List the valid MIG geometries of one GPU model, with placements");
  geometries->add_option("model", geometries_options->model, "GPU model (any of its names)")
      ->required();
  geometries->add_flag("--maximal", geometries_options->maximal,
                       "Only geometries to which no profile can be added");
  geometries->add_flag("--all-profiles", geometries_options->all_profiles,
                       "Include attribute variants (+me, -me, +gfx, +me.all); default: base "
                       "profiles only");
  AddCommonOptions(*geometries, *geometries_options);
  geometries->footer(
      "Geometries are listed largest profiles first. Layout L7 (A100, H100, H200, B200, ...) has\n"
      "28 maximal geometries of base profiles; the A30 has 4.\n\n"
      "Examples:\n"
      "  gpupack catalog geometries A100-SXM4-40GB --maximal\n"
      "  gpupack catalog geometries A30 -o json\n"
      "  gpupack catalog geometries NVIDIA-H100-80GB-HBM3 --maximal --all-profiles -o yaml");
  SetAction(*geometries, [geometries_options] { return ListGeometries(*geometries_options); });
}

}  // namespace gpupack::app
