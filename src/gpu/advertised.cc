#include "gpu/advertised.h"

#include <algorithm>

namespace gpupack::gpu {
namespace {

constexpr std::string_view kGpuResource = "nvidia.com/gpu";
constexpr std::string_view kLabelPrefix = "nvidia.com/";

// The replicated resource of `config`'s active sharing section named `name`, if any.
const ReplicatedResource* SharedResource(const DevicePluginConfig& config, std::string_view name,
                                         bool& rename_by_default) {
  const std::optional<ReplicatedResources>& section =
      SharingStrategyName(config) == "mps" ? config.mps : config.time_slicing;
  if (!section) {
    return nullptr;
  }
  for (const ReplicatedResource& resource : section->resources) {
    if (resource.name == name && resource.replicas > 1) {
      rename_by_default = section->rename_by_default;
      return &resource;
    }
  }
  return nullptr;
}

// How one resource is advertised: name, device count and the sharing applied to it.
struct ResourceView {
  int replicas = 1;
  bool renamed = false;
  std::string strategy = "none";
};

ResourceView ViewOf(const DevicePluginConfig& config, std::string_view name) {
  ResourceView view;
  bool rename_by_default = false;
  if (const ReplicatedResource* shared = SharedResource(config, name, rename_by_default)) {
    view.replicas = shared->replicas;
    view.renamed = rename_by_default;
    view.strategy = std::string(SharingStrategyName(config));
  }
  return view;
}

void AddCapacity(AdvertisedNode& node, std::string_view name, int64_t devices,
                 const ResourceView& view) {
  if (view.renamed) {
    node.capacity[std::string(name) + std::string(kSharedSuffix)] += devices * view.replicas;
    node.capacity[std::string(name)] += 0;
  } else {
    node.capacity[std::string(name)] += devices * view.replicas;
  }
}

// GFD's getProductName: sanitised parts joined by '-', `SHARED` when replicated and not renamed.
std::string ProductName(const GpuModel& model, const std::string& mig_profile,
                        const ResourceView& view) {
  std::string product = model.ProductLabel();
  if (!mig_profile.empty()) {
    product += "-MIG-" + SanitizeProductLabel(mig_profile);
  }
  if (view.replicas > 1 && !view.renamed) {
    product += "-SHARED";
  }
  return product;
}

void AddMigDeviceLabels(AdvertisedNode& node, const std::string& prefix, const MigProfile& profile,
                        int compute_instance_slices) {
  if (profile.memory_exact) {
    node.labels[prefix + ".memory"] = std::to_string(profile.memory_mib);
  }
  node.labels[prefix + ".slices.gi"] = std::to_string(profile.compute_slices);
  node.labels[prefix + ".slices.ci"] = std::to_string(
      compute_instance_slices != 0 ? compute_instance_slices : profile.compute_slices);
}

void AddModelLabels(AdvertisedNode& node, const GpuModel& model, const DevicePluginConfig& config,
                    MigStrategy strategy) {
  const std::string prefix(kLabelPrefix);
  node.labels[prefix + "gpu.family"] = std::string(GpuFamilyName(model.family()));
  node.labels[prefix + "gpu.compute.major"] = std::to_string(model.compute_capability.major);
  node.labels[prefix + "gpu.compute.minor"] = std::to_string(model.compute_capability.minor);
  node.labels[prefix + "gpu.mode"] = "compute";
  node.labels[prefix + "mig.capable"] = model.mig_capable ? "true" : "false";
  node.labels[prefix + "mps.capable"] = SharingStrategyName(config) == "mps" ? "true" : "false";
  if (strategy != MigStrategy::kNone) {
    node.labels[prefix + "mig.strategy"] = std::string(MigStrategyName(strategy));
  }
}

void AddWholeGpuLabels(AdvertisedNode& node, const GpuModel& model, int gpu_count,
                       const ResourceView& view) {
  const std::string prefix = std::string(kGpuResource);
  node.labels[prefix + ".product"] = ProductName(model, "", view);
  node.labels[prefix + ".count"] = std::to_string(gpu_count);
  node.labels[prefix + ".replicas"] = std::to_string(view.replicas);
  node.labels[prefix + ".sharing-strategy"] = view.strategy;
  if (model.memory_exact) {
    node.labels[prefix + ".memory"] = std::to_string(model.memory_mib);
  }
}

void MarkSingleInvalid(AdvertisedNode& node, const GpuModel& model, std::string problem) {
  const std::string prefix = std::string(kGpuResource);
  node.capacity.clear();
  node.labels[prefix + ".product"] = model.ProductLabel() + "-MIG-INVALID";
  node.labels[prefix + ".count"] = "0";
  node.labels[prefix + ".replicas"] = "0";
  node.labels[prefix + ".memory"] = "0";
  node.labels[prefix + ".sharing-strategy"] = "";
  node.problems.push_back(std::move(problem));
}

struct ResolvedInstance {
  const MigProfile* profile = nullptr;
  std::string name;                 // as given ("1g.5gb", "1c.3g.20gb")
  int compute_instance_slices = 0;  // C when a sub-profile, else 0
};

[[nodiscard]] Result<std::vector<ResolvedInstance>> Resolve(
    const GpuModel& model, const std::vector<std::string>& geometry) {
  std::vector<ResolvedInstance> instances;
  for (const std::string& name : geometry) {
    GP_ASSIGN_OR_RETURN(MigProfileName parsed, ParseMigProfileName(name));
    std::string gi_name = name;
    if (parsed.compute_instance_slices != 0) {
      gi_name = name.substr(name.find('.') + 1);
    }
    GP_ASSIGN_OR_RETURN(const MigProfile* profile, model.FindProfile(gi_name));
    instances.push_back({profile, name, parsed.compute_instance_slices});
  }
  return instances;
}

}  // namespace

Result<AdvertisedNode> ComputeAdvertised(const GpuModel& model, const NodeGpuLayout& layout,
                                         const DevicePluginConfig& config) {
  if (layout.gpu_count < 0) {
    return InvalidArgumentError("GPU count " + std::to_string(layout.gpu_count) + " is negative");
  }
  if (layout.mig_enabled && !model.mig_capable) {
    return InvalidArgumentError(model.name + " is not MIG-capable");
  }
  GP_ASSIGN_OR_RETURN(std::vector<ResolvedInstance> instances, Resolve(model, layout.mig_geometry));
  const MigStrategy strategy = EffectiveMigStrategy(config);
  AdvertisedNode node;
  AddModelLabels(node, model, config, strategy);
  const ResourceView gpu_view = ViewOf(config, kGpuResource);

  if (layout.gpu_count == 0) {
    return node;
  }
  if (!layout.mig_enabled || strategy == MigStrategy::kNone) {
    AddCapacity(node, kGpuResource, layout.gpu_count, gpu_view);
    AddWholeGpuLabels(node, model, layout.gpu_count, gpu_view);
    return node;
  }

  if (strategy == MigStrategy::kSingle) {
    if (instances.empty()) {
      MarkSingleInvalid(node, model,
                        "migStrategy single needs at least one MIG device on every GPU");
      return node;
    }
    bool identical = std::all_of(instances.begin(), instances.end(), [&](const auto& instance) {
      return instance.name == instances.front().name;
    });
    if (!identical) {
      MarkSingleInvalid(node, model,
                        "migStrategy single needs identical MIG devices (more than one MIG "
                        "device type present on node); use mixed");
      return node;
    }
    const ResolvedInstance& instance = instances.front();
    const int64_t devices =
        static_cast<int64_t>(layout.gpu_count) * static_cast<int64_t>(instances.size());
    AddCapacity(node, kGpuResource, devices, gpu_view);
    const std::string prefix(kGpuResource);
    node.labels[prefix + ".product"] = ProductName(model, instance.name, gpu_view);
    node.labels[prefix + ".count"] = std::to_string(devices);
    node.labels[prefix + ".replicas"] = std::to_string(gpu_view.replicas);
    node.labels[prefix + ".sharing-strategy"] = gpu_view.strategy;
    AddMigDeviceLabels(node, prefix, *instance.profile, instance.compute_instance_slices);
    return node;
  }

  // Mixed: the parent GPU keeps its model labels with 0 replicas; each profile is a resource.
  const std::string gpu_prefix(kGpuResource);
  node.labels[gpu_prefix + ".product"] = model.ProductLabel();
  node.labels[gpu_prefix + ".count"] = std::to_string(layout.gpu_count);
  node.labels[gpu_prefix + ".replicas"] = "0";
  node.labels[gpu_prefix + ".sharing-strategy"] = "none";
  if (model.memory_exact) {
    node.labels[gpu_prefix + ".memory"] = std::to_string(model.memory_mib);
  }
  std::map<std::string, int64_t> per_profile;
  for (const ResolvedInstance& instance : instances) {
    if (instance.compute_instance_slices != 0) {
      node.problems.push_back("MIG profile " + instance.name +
                              " does not match any resource patterns: the device plugin "
                              "advertises only whole-GPU-instance profiles");
      continue;
    }
    per_profile[instance.name] += layout.gpu_count;
  }
  for (const ResolvedInstance& instance : instances) {
    auto it = per_profile.find(instance.name);
    if (it == per_profile.end()) {
      continue;
    }
    const std::string resource = MigResourceName(instance.name);
    const ResourceView view = ViewOf(config, resource);
    AddCapacity(node, resource, it->second, view);
    node.labels[resource + ".count"] = std::to_string(it->second);
    node.labels[resource + ".replicas"] = std::to_string(view.replicas);
    node.labels[resource + ".product"] = ProductName(model, instance.name, view);
    node.labels[resource + ".sharing-strategy"] = view.strategy;
    AddMigDeviceLabels(node, resource, *instance.profile, 0);
    per_profile.erase(it);
  }
  return node;
}

DevicePluginConfig MakeTimeSlicingConfig(MigStrategy strategy, int replicas,
                                         const std::vector<std::string>& resources,
                                         bool rename_by_default) {
  DevicePluginConfig config;
  config.mig_strategy = strategy;
  if (replicas < 2 || resources.empty()) {
    return config;
  }
  ReplicatedResources section;
  section.rename_by_default = rename_by_default;
  for (const std::string& name : resources) {
    ReplicatedResource resource;
    resource.name = name;
    resource.replicas = replicas;
    section.resources.push_back(std::move(resource));
  }
  config.time_slicing = std::move(section);
  return config;
}

}  // namespace gpupack::gpu
