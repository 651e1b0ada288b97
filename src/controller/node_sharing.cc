#include "controller/node_sharing.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <utility>

#include "cluster/gpu_demand.h"
#include "cluster/sharing.h"
#include "controller/conventions.h"
#include "gpu/advertised.h"
#include "gpu/gpu_model.h"

namespace gpupack::controller {
namespace {

constexpr size_t kMaxLabelValue = 63;

// Profile names of one GPU as (profile, count) runs, in the given (largest-first) order.
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

// Whether two GPU plans need the same node-wide device-plugin config.
bool SamePluginSettings(const cluster::SharingConfig& a, const cluster::SharingConfig& b) {
  return a.IsMig() == b.IsMig() && a.IsTimeSliced() == b.IsTimeSliced() &&
         a.replicas == b.replicas && a.mig_strategy == b.mig_strategy &&
         a.rename_by_default == b.rename_by_default;
}

std::string GeometryName(const gpu::GpuModel& model, const std::vector<std::string>& geometry) {
  std::vector<std::pair<std::string, int>> runs = CountRuns(geometry);
  bool fills_gpu = false;
  if (runs.size() == 1) {
    Result<const gpu::MigProfile*> profile = model.FindProfile(runs[0].first);
    fills_gpu = profile && runs[0].second == (*profile)->max_instances;
  }
  return gpu::MigConfigNameForGeometry(runs, fills_gpu);
}

[[nodiscard]] Result<gpu::MigConfigEntry> MigEntry(const gpu::GpuModel& model,
                                                   const std::vector<std::string>& geometry,
                                                   gpu::MigDeviceSelector devices) {
  gpu::MigConfigEntry entry;
  if (model.pci_device_ids.empty()) {
    return InvalidArgumentError(model.name +
                                " has no PCI device id in the GPU catalog; mig-parted's "
                                "device-filter needs one");
  }
  for (const std::string& id : model.pci_device_ids) {
    GP_ASSIGN_OR_RETURN(gpu::PciDeviceId parsed, gpu::PciDeviceId::Parse(id));
    entry.device_filter.push_back(parsed);
  }
  entry.devices = std::move(devices);
  entry.mig_enabled = !geometry.empty();
  for (const std::string& profile : geometry) {
    ++entry.mig_devices[profile];
  }
  return entry;
}

}  // namespace

Result<NodeSharing> PlanNodeSharing(const std::vector<plan::GpuPlan>& gpus,
                                    const gpu::GpuCatalog& catalog) {
  if (gpus.empty()) {
    return InvalidArgumentError("a node without GPUs has no sharing to plan");
  }
  GP_ASSIGN_OR_RETURN(const gpu::GpuModel* model, catalog.Find(gpus.front().model));
  const cluster::SharingConfig& first = gpus.front().sharing;
  for (size_t i = 1; i < gpus.size(); ++i) {
    if (gpus[i].model != gpus.front().model) {
      return InvalidArgumentError("GPU " + std::to_string(i) + " is a " + gpus[i].model +
                                  ", GPU 0 a " + gpus.front().model +
                                  ": one node has one GPU model");
    }
    if (!SamePluginSettings(gpus[i].sharing, first)) {
      return InvalidArgumentError(
          "GPU " + std::to_string(i) + " is planned as " + gpus[i].sharing.Describe(*model) +
          ", GPU 0 as " + first.Describe(*model) +
          ": the device plugin applies one config (MIG strategy, replicas) to the whole node");
    }
  }

  NodeSharing out;
  const gpu::MigStrategy strategy = first.IsMig() ? first.mig_strategy : gpu::MigStrategy::kNone;
  const int replicas = first.IsTimeSliced() ? first.replicas : 1;
  std::set<std::string> shared_resources;
  std::set<std::string> mixed_profiles;
  for (const plan::GpuPlan& gpu_plan : gpus) {
    if (gpu_plan.sharing.IsMig() && strategy == gpu::MigStrategy::kMixed) {
      for (const std::string& profile : gpu_plan.geometry) {
        shared_resources.insert(gpu::MigResourceName(profile));
        mixed_profiles.insert(
            gpu::MigResourceName(profile).substr(cluster::kResourceMigPrefix.size()));
      }
    } else {
      shared_resources.insert(std::string(cluster::kResourceGpu));
    }
    out.advertised += cluster::AdvertisedCapacity(gpu_plan.sharing, *model);
    for (const auto& [key, value] : cluster::PartitionLabels(gpu_plan.sharing, *model)) {
      out.labels[key] = value;
    }
    for (const cluster::Taint& taint : cluster::SharingTaints(gpu_plan.sharing)) {
      if (std::find(out.taints.begin(), out.taints.end(), taint) == out.taints.end()) {
        out.taints.push_back(taint);
      }
    }
  }

  std::string key = gpu::DevicePluginConfigKey(strategy, replicas);
  if (strategy == gpu::MigStrategy::kMixed && replicas > 1) {
    // The replicated resources are part of the config, so they are part of its name.
    std::string profiles;
    for (const std::string& profile : mixed_profiles) {
      profiles += (profiles.empty() ? "" : "_") + profile;
    }
    key += "-" + profiles;
  }
  if (first.IsTimeSliced() && first.rename_by_default) {
    key += "-rename";
  }
  if (key.size() > kMaxLabelValue) {
    key = "sharing-" + Hex16(StableHash(key));
  }
  out.device_plugin_key = key;
  out.device_plugin_config = gpu::MakeTimeSlicingConfig(
      strategy, replicas,
      std::vector<std::string>(shared_resources.begin(), shared_resources.end()),
      first.IsTimeSliced() && first.rename_by_default);

  if (model->mig_capable) {
    // GPUs grouped by geometry (no geometry: MIG disabled), each group one mig-parted entry.
    std::map<std::vector<std::string>, std::vector<int>> groups;
    for (size_t i = 0; i < gpus.size(); ++i) {
      groups[gpus[i].sharing.IsMig() ? gpus[i].geometry : std::vector<std::string>{}].push_back(
          static_cast<int>(i));
    }
    if (groups.size() == 1 && groups.begin()->first.empty()) {
      out.mig_config = std::string(kMigConfigAllDisabled);
      out.mig_entries.push_back(AllDisabledMigEntry());
    } else if (groups.size() == 1) {
      const std::vector<std::string>& geometry = groups.begin()->first;
      out.mig_config = GeometryName(*model, geometry);
      GP_ASSIGN_OR_RETURN(gpu::MigConfigEntry entry, MigEntry(*model, geometry, {}));
      out.mig_entries.push_back(std::move(entry));
    } else {
      std::string signature;
      for (const auto& [geometry, indices] : groups) {
        gpu::MigDeviceSelector devices;
        devices.all = false;
        devices.indices = indices;
        GP_ASSIGN_OR_RETURN(gpu::MigConfigEntry entry, MigEntry(*model, geometry, devices));
        out.mig_entries.push_back(std::move(entry));
        signature += (geometry.empty() ? std::string("disabled") : GeometryName(*model, geometry));
        for (int index : indices) {
          signature += "," + std::to_string(index);
        }
        signature += ";";
      }
      out.mig_config = "gpupack-" + Hex16(StableHash(model->name + ";" + signature));
    }
  }

  out.labels[std::string(cluster::kLabelDevicePluginConfig)] = out.device_plugin_key;
  out.labels[std::string(kLabelPlannedSharing)] = out.device_plugin_key;
  if (!out.mig_config.empty()) {
    out.labels[std::string(kLabelMigConfig)] = out.mig_config;
  }
  return out;
}

gpu::MigConfigEntry AllDisabledMigEntry() {
  gpu::MigConfigEntry entry;
  entry.mig_enabled = false;
  return entry;
}

bool MergeMigEntries(std::vector<gpu::MigConfigEntry>& have,
                     const std::vector<gpu::MigConfigEntry>& ours) {
  bool changed = false;
  for (const gpu::MigConfigEntry& entry : ours) {
    auto same_gpus = std::find_if(have.begin(), have.end(), [&](const gpu::MigConfigEntry& old) {
      return old.device_filter == entry.device_filter && old.devices == entry.devices;
    });
    if (same_gpus == have.end()) {
      have.push_back(entry);
      changed = true;
    } else if (!(*same_gpus == entry)) {
      *same_gpus = entry;
      changed = true;
    }
  }
  return changed;
}

Result<std::vector<plan::GpuPlan>> GpuPlansFromConfigs(
    const gpu::GpuModel& model, const gpu::MigGeometryEngine& engine, int gpu_count,
    const gpu::DevicePluginConfig& config, const std::vector<gpu::MigConfigEntry>& mig_entries) {
  const gpu::MigStrategy strategy = gpu::EffectiveMigStrategy(config);
  // Replicas by resource name, as the plugin replicates them.
  std::map<std::string, int> replicas;
  bool rename = false;
  if (config.time_slicing) {
    rename = config.time_slicing->rename_by_default;
    for (const gpu::ReplicatedResource& resource : config.time_slicing->resources) {
      replicas[gpu::QualifyResourceName(resource.name)] = resource.replicas;
    }
  }
  std::vector<gpu::PciDeviceId> model_ids;
  for (const std::string& id : model.pci_device_ids) {
    GP_ASSIGN_OR_RETURN(gpu::PciDeviceId parsed, gpu::PciDeviceId::Parse(id));
    model_ids.push_back(parsed);
  }
  auto for_model = [&](const gpu::MigConfigEntry& entry) {
    return entry.device_filter.empty() ||
           std::any_of(entry.device_filter.begin(), entry.device_filter.end(),
                       [&](const gpu::PciDeviceId& filter) {
                         return std::any_of(model_ids.begin(), model_ids.end(),
                                            [&](const gpu::PciDeviceId& id) {
                                              return filter.Matches(id.device, id.vendor);
                                            });
                       });
  };
  std::vector<plan::GpuPlan> gpus;
  for (int index = 0; index < gpu_count; ++index) {
    plan::GpuPlan gpu_plan;
    gpu_plan.model = model.name;
    const gpu::MigConfigEntry* entry = nullptr;
    for (const gpu::MigConfigEntry& candidate : mig_entries) {
      const std::vector<int>& indices = candidate.devices.indices;
      if (for_model(candidate) &&
          (candidate.devices.all ||
           std::find(indices.begin(), indices.end(), index) != indices.end())) {
        entry = &candidate;
        break;
      }
    }
    if (!mig_entries.empty() && entry == nullptr) {
      return InvalidArgumentError("no mig-parted entry covers GPU " + std::to_string(index));
    }
    cluster::SharingConfig& sharing = gpu_plan.sharing;
    std::string replicated(cluster::kResourceGpu);
    if (entry != nullptr && entry->mig_enabled) {
      std::vector<std::string> names;
      for (const auto& [profile, count] : entry->mig_devices) {
        names.insert(names.end(), static_cast<size_t>(count), profile);
      }
      GP_ASSIGN_OR_RETURN(gpu::ProfileCounts counts, engine.CountsFromNames(names));
      GP_ASSIGN_OR_RETURN(sharing.geometry, engine.Fit(counts));
      gpu_plan.geometry = engine.ProfileNames(sharing.geometry);
      sharing.mode = cluster::SharingMode::kMig;
      sharing.mig_strategy = strategy;
      if (strategy == gpu::MigStrategy::kMixed && !gpu_plan.geometry.empty()) {
        replicated = gpu::MigResourceName(gpu_plan.geometry.front());
      }
    }
    auto found = replicas.find(replicated);
    if (found != replicas.end() && found->second > 1) {
      sharing.mode = sharing.IsMig() ? cluster::SharingMode::kMigTimeSlicing
                                     : cluster::SharingMode::kTimeSlicing;
      sharing.replicas = found->second;
      sharing.rename_by_default = rename;
    }
    gpus.push_back(std::move(gpu_plan));
  }
  return gpus;
}

}  // namespace gpupack::controller
