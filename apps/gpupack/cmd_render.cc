// `gpupack render ...`: writes files NVIDIA's GPU stack reads (a mig-parted config for a
// geometry, a device-plugin config for a sharing variant) and shows what a node would advertise
// (`render labels`). Output goes to stdout or, atomically, to -f FILE.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "apps/gpupack/commands.h"
#include "catalog/config_map_yaml.h"
#include "catalog/device_plugin_yaml.h"
#include "catalog/gpu_catalog_loader.h"
#include "catalog/mig_parted_yaml.h"
#include "common/file.h"
#include "gpu/advertised.h"
#include "gpu/mig_parted_spec.h"
#include "report/output.h"

namespace gpupack::app {
namespace {

// Splits "3g.20gb,2g.10gb,2x1g.5gb" into one profile name per instance ("2x" repeats a name).
[[nodiscard]] Result<std::vector<std::string>> SplitGeometry(
    const std::vector<std::string>& parts) {
  std::vector<std::string> names;
  for (const std::string& part : parts) {
    std::string_view text = part;
    int repeat = 1;
    if (size_t x = text.find('x'); x != std::string_view::npos && x > 0) {
      int value = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + x, value);
      if (ec == std::errc() && end == text.data() + x) {
        if (value < 1 || value > 64) {
          return InvalidArgumentError("--geometry: bad count in \"" + part + "\"");
        }
        repeat = value;
        text.remove_prefix(x + 1);
      }
    }
    if (text.empty()) {
      return InvalidArgumentError("--geometry: empty profile name");
    }
    for (int i = 0; i < repeat; ++i) {
      names.emplace_back(text);
    }
  }
  return names;
}

// Largest-first (profile, count) runs of a fitted geometry.
std::vector<std::pair<std::string, int>> CountRuns(const std::vector<std::string>& names) {
  std::vector<std::pair<std::string, int>> runs;
  for (const std::string& name : names) {
    if (!runs.empty() && runs.back().first == name) {
      ++runs.back().second;
    } else {
      runs.emplace_back(name, 1);
    }
  }
  return runs;
}

[[nodiscard]] Status Emit(const std::string& output_path, const std::string& text) {
  return WriteFileAtomically(output_path.empty() ? "-" : output_path, text);
}

struct ConfigMapOptions {
  std::string name;
  std::string namespace_name;
  std::string key;
};

void AddCommonOptions(CLI::App& command, std::string& output_path, std::string& gpu_catalog) {
  command.add_option("-f,--output", output_path,
                     "Write here (atomically) instead of to standard output");
  command.add_option("--gpu-catalog", gpu_catalog,
                     "A GPU catalog file that overrides or extends the built-in one");
}

// ---- render mig-config ---------------------------------------------------------------------

struct MigConfigOptions {
  std::string gpu;
  std::vector<std::string> geometry;
  std::string name;
  ConfigMapOptions config_map;
  std::string output_path;
  std::string gpu_catalog;
};

[[nodiscard]] Status RunRenderMigConfig(const MigConfigOptions& options) {
  GP_ASSIGN_OR_RETURN(gpu::GpuCatalog gpu_catalog,
                      catalog::LoadGpuCatalogWithUserFile(options.gpu_catalog));
  GP_ASSIGN_OR_RETURN(const gpu::GpuModel* model, gpu_catalog.Find(options.gpu));
  if (!model->mig_capable) {
    return InvalidArgumentError(model->name + " is not MIG-capable");
  }
  if (model->pci_device_ids.empty()) {
    return InvalidArgumentError(model->name +
                                " has no PCI device id in the catalog; a mig-parted config "
                                "needs one for its device-filter");
  }
  const gpu::MigGeometryEngine& engine = gpu_catalog.Geometry(*model);
  GP_ASSIGN_OR_RETURN(std::vector<std::string> names, SplitGeometry(options.geometry));
  GP_ASSIGN_OR_RETURN(gpu::ProfileCounts counts, engine.CountsFromNames(names));
  Result<gpu::MigGeometry> geometry = engine.Fit(counts);
  if (!geometry) {
    return InvalidArgumentError("--geometry does not fit " + model->name + ": " +
                                geometry.error().message());
  }
  std::vector<std::pair<std::string, int>> runs = CountRuns(engine.ProfileNames(*geometry));

  gpu::MigConfigEntry entry;
  for (const std::string& id : model->pci_device_ids) {
    GP_ASSIGN_OR_RETURN(gpu::PciDeviceId parsed, gpu::PciDeviceId::Parse(id));
    entry.device_filter.push_back(parsed);
  }
  entry.mig_enabled = true;
  for (const auto& [profile, count] : runs) {
    entry.mig_devices[profile] = count;
  }
  bool fills_gpu = false;
  if (runs.size() == 1) {
    GP_ASSIGN_OR_RETURN(const gpu::MigProfile* profile, model->FindProfile(runs[0].first));
    fills_gpu = runs[0].second == profile->max_instances;
  }
  const std::string name =
      options.name.empty() ? gpu::MigConfigNameForGeometry(runs, fills_gpu) : options.name;
  gpu::MigPartedSpec spec;
  spec.mig_configs[name].push_back(std::move(entry));
  std::string text = catalog::RenderMigPartedConfig(spec);
  if (!options.config_map.name.empty()) {
    text = catalog::RenderConfigMap(options.config_map.name, options.config_map.namespace_name,
                                    {{"config.yaml", text}});
  }
  return Emit(options.output_path, text);
}

void RegisterRenderMigConfig(CLI::App& render) {
  auto options = std::make_shared<MigConfigOptions>();
  CLI::App* command = render.add_subcommand(
      "mig-config", "Write a mig-parted config that partitions one GPU model into a geometry");
  command->footer(
      "Writes a mig-parted config (what NVIDIA's MIG manager applies) that partitions every GPU\n"
      "of one model into the given geometry. The config is named by NVIDIA's convention\n"
      "(all-<profile> when one profile fills the GPU, else e.g. 1x3g.20gb_1x2g.10gb_2x1g.5gb)\n"
      "and carries a device-filter with the model's PCI ids. Select it on a node with\n"
      "nvidia.com/mig.config=<name>.\n\n"
      "Examples:\n"
      "  gpupack render mig-config --gpu A100-SXM4-40GB --geometry 3g.20gb,2g.10gb,1g.5gb,1g.5gb\n"
      "  gpupack render mig-config --gpu H100-SXM5-80GB --geometry 7x1g.10gb --name small\n"
      "  gpupack render mig-config --gpu A100-SXM4-40GB --geometry 3g.20gb,3g.20gb \\\n"
      "      --configmap custom-mig-config --namespace gpu-operator -f mig-config.yaml\n");
  command->add_option("--gpu", options->gpu, "GPU model (any name the catalog knows)")->required();
  command
      ->add_option("--geometry", options->geometry,
                   "MIG profiles of one GPU, comma-separated; NxPROFILE repeats a profile")
      ->required()
      ->delimiter(',');
  command->add_option("--name", options->name, "Config name (default: NVIDIA's convention)");
  command->add_option("--configmap", options->config_map.name,
                      "Wrap the file in a ConfigMap of this name (key config.yaml)");
  command->add_option("--namespace", options->config_map.namespace_name,
                      "Namespace of the ConfigMap");
  AddCommonOptions(*command, options->output_path, options->gpu_catalog);
  SetAction(*command, [options] { return RunRenderMigConfig(*options); });
}

// ---- render device-plugin-config -----------------------------------------------------------

struct PluginConfigOptions {
  int replicas = 1;
  std::string mig_strategy = "none";
  std::vector<std::string> profiles;
  bool rename_by_default = false;
  ConfigMapOptions config_map;
  std::string output_path;
  std::string gpu_catalog;
};

// Checks that some catalog model offers `profile`; NotFound with the nearest names otherwise.
[[nodiscard]] Status CheckProfileKnown(const gpu::GpuCatalog& gpu_catalog,
                                       const std::string& profile) {
  GP_TRY(gpu::ParseMigProfileName(profile));
  if (!gpu_catalog.ModelsOffering(profile).empty()) {
    return OkStatus();
  }
  std::vector<std::string> known;
  for (const gpu::GpuModel& model : gpu_catalog.models()) {
    for (const gpu::MigProfile& mig_profile : model.mig_profiles) {
      known.push_back(mig_profile.name);
    }
  }
  std::string message = "no GPU in the catalog offers MIG profile \"" + profile + "\"";
  std::vector<std::string> nearest = gpu::NearestNames(profile, known);
  if (!nearest.empty()) {
    message += "; did you mean ";
    for (size_t i = 0; i < nearest.size(); ++i) {
      message += (i == 0 ? "" : ", ") + nearest[i];
    }
    message += "?";
  }
  return NotFoundError(message);
}

[[nodiscard]] Status RunRenderPluginConfig(const PluginConfigOptions& options) {
  GP_ASSIGN_OR_RETURN(gpu::MigStrategy strategy, gpu::ParseMigStrategy(options.mig_strategy));
  if (options.replicas < 1) {
    return InvalidArgumentError("--replicas must be at least 1 (1 = no time-slicing)");
  }
  if (!options.profiles.empty() && strategy != gpu::MigStrategy::kMixed) {
    return InvalidArgumentError(
        "--profile needs --mig-strategy mixed: only the mixed strategy advertises "
        "nvidia.com/mig-<profile> resources");
  }
  GP_ASSIGN_OR_RETURN(gpu::GpuCatalog gpu_catalog,
                      catalog::LoadGpuCatalogWithUserFile(options.gpu_catalog));
  std::vector<std::string> resources;
  for (const std::string& profile : options.profiles) {
    GP_TRY(CheckProfileKnown(gpu_catalog, profile));
    resources.push_back(gpu::MigResourceName(profile));
  }
  if (resources.empty()) {
    resources.emplace_back("nvidia.com/gpu");
  }
  gpu::DevicePluginConfig config =
      gpu::MakeTimeSlicingConfig(strategy, options.replicas, resources, options.rename_by_default);
  for (const gpu::ConfigIssue& issue : gpu::CheckDevicePluginConfig(config)) {
    if (issue.severity == gpu::Severity::kError) {
      return InvalidArgumentError(issue.path + ": " + issue.message);
    }
  }
  std::string text = catalog::RenderDevicePluginConfig(config);
  if (!options.config_map.name.empty()) {
    std::string key = options.config_map.key.empty()
                          ? gpu::DevicePluginConfigKey(strategy, options.replicas)
                          : options.config_map.key;
    text = catalog::RenderConfigMap(options.config_map.name, options.config_map.namespace_name,
                                    {{key, text}});
  }
  return Emit(options.output_path, text);
}

void RegisterRenderPluginConfig(CLI::App& render) {
  auto options = std::make_shared<PluginConfigOptions>();
  CLI::App* command = render.add_subcommand(
      "device-plugin-config", "Write a device-plugin config: MIG strategy and time-slicing");
  command->footer(
      "Writes a config file for NVIDIA's device plugin / GFD: the MIG strategy and time-slicing\n"
      "of nvidia.com/gpu (or, with --mig-strategy mixed and --profile, of each\n"
      "nvidia.com/mig-<profile>) into N replicas. With --configmap the file is wrapped in a\n"
      "ConfigMap under a key named like ts-4, mig-single-ts-4 or mig-mixed-ts-2; a node picks\n"
      "it with nvidia.com/device-plugin.config=<key>.\n\n"
      "Examples:\n"
      "  gpupack render device-plugin-config --replicas 4\n"
      "  gpupack render device-plugin-config --replicas 2 --mig-strategy mixed \\\n"
      "      --profile 1g.5gb --profile 2g.10gb --rename-by-default\n"
      "  gpupack render device-plugin-config --replicas 4 --mig-strategy single \\\n"
      "      --configmap device-plugin-configs --namespace gpu-operator -f plugin.yaml\n");
  command->add_option("--replicas", options->replicas, "Time-slicing replicas per device")
      ->capture_default_str();
  command->add_option("--mig-strategy", options->mig_strategy, "none, single or mixed")
      ->capture_default_str();
  command
      ->add_option("--profile", options->profiles,
                   "MIG profile to time-slice (mixed strategy); repeat or comma-separate")
      ->delimiter(',');
  command->add_flag("--rename-by-default", options->rename_by_default,
                    "Advertise shared resources as <name>.shared");
  command->add_option("--configmap", options->config_map.name,
                      "Wrap the file in a ConfigMap of this name");
  command->add_option("--namespace", options->config_map.namespace_name,
                      "Namespace of the ConfigMap");
  command->add_option("--key", options->config_map.key,
                      "ConfigMap key (default: ts-N, mig-<strategy>[-ts-N])");
  AddCommonOptions(*command, options->output_path, options->gpu_catalog);
  SetAction(*command, [options] { return RunRenderPluginConfig(*options); });
}

// ---- render labels -------------------------------------------------------------------------

struct LabelsOptions {
  std::string gpu;
  int count = 1;
  std::string mig_strategy = "none";
  std::vector<std::string> geometry;
  int replicas = 1;
  bool rename_by_default = false;
  std::string output = "table";
  std::string gpu_catalog;
};

[[nodiscard]] Status RunRenderLabels(const LabelsOptions& options) {
  GP_ASSIGN_OR_RETURN(report::OutputFormat format, report::ParseOutputFormat(options.output));
  GP_ASSIGN_OR_RETURN(gpu::MigStrategy strategy, gpu::ParseMigStrategy(options.mig_strategy));
  GP_ASSIGN_OR_RETURN(gpu::GpuCatalog gpu_catalog,
                      catalog::LoadGpuCatalogWithUserFile(options.gpu_catalog));
  GP_ASSIGN_OR_RETURN(const gpu::GpuModel* model, gpu_catalog.Find(options.gpu));
  gpu::NodeGpuLayout layout;
  layout.gpu_count = options.count;
  layout.mig_enabled = !options.geometry.empty();
  GP_ASSIGN_OR_RETURN(layout.mig_geometry, SplitGeometry(options.geometry));
  if (layout.mig_enabled) {
    const gpu::MigGeometryEngine& engine = gpu_catalog.Geometry(*model);
    GP_ASSIGN_OR_RETURN(gpu::ProfileCounts counts, engine.CountsFromNames(layout.mig_geometry));
    if (Result<gpu::MigGeometry> fits = engine.Fit(counts); !fits) {
      return InvalidArgumentError("--geometry does not fit " + model->name + ": " +
                                  fits.error().message());
    }
  }
  std::vector<std::string> resources;
  if (layout.mig_enabled && strategy == gpu::MigStrategy::kMixed) {
    for (const std::string& profile : layout.mig_geometry) {
      std::string resource = gpu::MigResourceName(profile);
      if (std::find(resources.begin(), resources.end(), resource) == resources.end()) {
        resources.push_back(resource);
      }
    }
  } else {
    resources.emplace_back("nvidia.com/gpu");
  }
  gpu::DevicePluginConfig config =
      gpu::MakeTimeSlicingConfig(strategy, options.replicas, resources, options.rename_by_default);
  GP_ASSIGN_OR_RETURN(gpu::AdvertisedNode node, gpu::ComputeAdvertised(*model, layout, config));

  nlohmann::json document = {{"gpu", model->name},
                             {"capacity", node.capacity},
                             {"labels", node.labels},
                             {"problems", node.problems}};
  report::Table table({"kind", "name", "value"});
  for (const auto& [name, quantity] : node.capacity) {
    table.AddRow({"capacity", name, std::to_string(quantity)});
  }
  for (const auto& [name, value] : node.labels) {
    table.AddRow({"label", name, value});
  }
  std::string text = table.ToText();
  for (const std::string& problem : node.problems) {
    text += "problem: " + problem + "\n";
  }
  std::fputs(report::FormatOutput(format, text, document).c_str(), stdout);
  return OkStatus();
}

void RegisterRenderLabels(CLI::App& render) {
  auto options = std::make_shared<LabelsOptions>();
  CLI::App* command =
      render.add_subcommand("labels", "Show the resources and GFD labels a node would advertise");
  command->footer(
      "Shows what a node would advertise: the extended resources NVIDIA's device plugin\n"
      "registers and the labels gpu-feature-discovery writes, for N GPUs of one model with an\n"
      "optional MIG geometry (the same on every GPU) and time-slicing replicas. Runtime labels\n"
      "(driver/CUDA versions, timestamps, machine) are not shown.\n\n"
      "Examples:\n"
      "  gpupack render labels --gpu T4 --count 4 --replicas 4\n"
      "  gpupack render labels --gpu H100-SXM5-80GB --mig-strategy mixed \\\n"
      "      --geometry 3g.40gb,2g.20gb,1g.10gb,1g.10gb -o json\n"
      "  gpupack render labels --gpu A100-SXM4-40GB --count 8 --mig-strategy single \\\n"
      "      --geometry 7x1g.5gb --replicas 2\n");
  command->add_option("--gpu", options->gpu, "GPU model (any name the catalog knows)")->required();
  command->add_option("--count", options->count, "GPUs on the node")->capture_default_str();
  command->add_option("--mig-strategy", options->mig_strategy, "none, single or mixed")
      ->capture_default_str();
  command
      ->add_option("--geometry", options->geometry,
                   "MIG profiles of each GPU, comma-separated; NxPROFILE repeats; empty = MIG off")
      ->delimiter(',');
  command->add_option("--replicas", options->replicas, "Time-slicing replicas per device")
      ->capture_default_str();
  command->add_flag("--rename-by-default", options->rename_by_default,
                    "Advertise shared resources as <name>.shared");
  command->add_option("-o,--output", options->output, "Output format: table, json or yaml")
      ->capture_default_str();
  command->add_option("--gpu-catalog", options->gpu_catalog,
                      "A GPU catalog file that overrides or extends the built-in one");
  SetAction(*command, [options] { return RunRenderLabels(*options); });
}

}  // namespace

void RegisterRenderCommand(CLI::App& root) {
  CLI::App* render = root.add_subcommand(
      "render", "Write files NVIDIA's GPU stack reads, or show what a node would advertise");
  render->footer(
      "Examples:\n"
      "  gpupack render mig-config --gpu A100-SXM4-40GB --geometry 3g.20gb,2g.10gb,2x1g.5gb\n"
      "  gpupack render device-plugin-config --replicas 4 -f plugin-config.yaml\n"
      "  gpupack render labels --gpu T4 --count 4 --replicas 4\n");
  render->require_subcommand(1);
  RegisterRenderMigConfig(*render);
  RegisterRenderPluginConfig(*render);
  RegisterRenderLabels(*render);
}

}  // namespace gpupack::app
