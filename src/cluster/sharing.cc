#include "cluster/sharing.h"

#include <algorithm>
#include <map>
#include <vector>

#include "cluster/gpu_demand.h"
#include "gpu/advertised.h"

namespace gpupack::cluster {

std::string_view SharingModeName(SharingMode mode) {
  switch (mode) {
    case SharingMode::kWhole:
      return "whole";
    case SharingMode::kTimeSlicing:
      return "timeSlicing";
    case SharingMode::kMig:
      return "mig";
    case SharingMode::kMigTimeSlicing:
      return "migTimeSlicing";
  }
  return "?";
}

int32_t SharingConfig::InstanceCount() const {
  return IsMig() ? static_cast<int32_t>(geometry.placements.size()) : 0;
}

int32_t SharingConfig::SlotCount() const {
  int32_t devices = IsMig() ? InstanceCount() : 1;
  return IsTimeSliced() ? devices * replicas : devices;
}

std::string SharingConfig::Describe(const gpu::GpuModel& model) const {
  std::string out;
  if (IsMig()) {
    // "3g.20gb+2x1g.5gb": profiles largest first, repeated ones counted.
    std::map<size_t, int> counts;
    for (const gpu::MigPlacement& p : geometry.placements) {
      ++counts[p.profile];
    }
    out = "mig ";
    bool first = true;
    for (const auto& [profile, count] : counts) {
      if (!first) {
        out += '+';
      }
      first = false;
      if (count > 1) {
        out += std::to_string(count) + "x";
      }
      out += profile < model.mig_profiles.size() ? model.mig_profiles[profile].name : "?";
    }
  } else {
    out = "whole";
  }
  if (IsTimeSliced()) {
    out = mode == SharingMode::kTimeSlicing ? "ts-" + std::to_string(replicas)
                                            : out + " ts-" + std::to_string(replicas);
  }
  if (IsMig()) {
    out += " (" + std::string(gpu::MigStrategyName(mig_strategy)) + ")";
  }
  return out;
}

Status ValidateSharing(const SharingConfig& sharing, const gpu::GpuModel& model,
                       const gpu::MigGeometryEngine& engine) {
  if (sharing.IsTimeSliced()) {
    if (sharing.replicas < kMinReplicas || sharing.replicas > kMaxReplicas) {
      return InvalidArgumentError("time-slicing replicas must be 2..48, got " +
                                  std::to_string(sharing.replicas));
    }
  } else if (sharing.replicas != 1) {
    return InvalidArgumentError("replicas " + std::to_string(sharing.replicas) +
                                " without time-slicing");
  }
  if (!sharing.IsMig()) {
    if (sharing.mig_strategy != MigStrategy::kNone || !sharing.geometry.placements.empty()) {
      return InvalidArgumentError("a MIG strategy or geometry on a GPU that is not in MIG mode");
    }
    return OkStatus();
  }
  if (!model.mig_capable) {
    return InvalidArgumentError(model.name + " is not MIG-capable");
  }
  if (sharing.geometry.placements.empty()) {
    return InvalidArgumentError("MIG mode with an empty geometry");
  }
  if (sharing.mig_strategy == MigStrategy::kNone) {
    return InvalidArgumentError("MIG mode needs the single or mixed strategy");
  }
  if (sharing.geometry.counts.size() != model.mig_profiles.size() ||
      !engine.Fits(sharing.geometry.counts)) {
    return InvalidArgumentError("the geometry does not fit a " + model.name);
  }
  if (sharing.mig_strategy == MigStrategy::kSingle) {
    for (const gpu::MigPlacement& p : sharing.geometry.placements) {
      if (p.profile != sharing.geometry.placements.front().profile) {
        return InvalidArgumentError(
            "the single MIG strategy needs every instance to be the same profile");
      }
    }
  }
  return OkStatus();
}

std::string DeviceResourceName(const SharingConfig& sharing, const gpu::GpuModel& model,
                               int instance) {
  std::string name;
  if (sharing.IsMig() && sharing.mig_strategy == MigStrategy::kMixed) {
    size_t profile = sharing.geometry.placements[static_cast<size_t>(instance)].profile;
    name = gpu::MigResourceName(model.mig_profiles[profile].name);
  } else {
    name = std::string(kResourceGpu);
  }
  if (sharing.IsTimeSliced() && sharing.rename_by_default) {
    name += kSharedSuffix;
  }
  return name;
}

Resources AdvertisedCapacity(const SharingConfig& sharing, const gpu::GpuModel& model) {
  // The device plugin's rules live in gpu::ComputeAdvertised; this is one GPU of such a node.
  gpu::NodeGpuLayout layout{.gpu_count = 1, .mig_enabled = sharing.IsMig(), .mig_geometry = {}};
  SharingConfig unrenamed = sharing;
  unrenamed.rename_by_default = false;
  std::vector<std::string> resources;
  int devices = sharing.IsMig() ? sharing.InstanceCount() : 1;
  for (int instance = 0; instance < devices; ++instance) {
    if (sharing.IsMig()) {
      size_t profile = sharing.geometry.placements[static_cast<size_t>(instance)].profile;
      layout.mig_geometry.push_back(model.mig_profiles[profile].name);
    }
    std::string name = DeviceResourceName(unrenamed, model, instance);
    if (std::find(resources.begin(), resources.end(), name) == resources.end()) {
      resources.push_back(std::move(name));
    }
  }
  gpu::DevicePluginConfig config = gpu::MakeTimeSlicingConfig(
      sharing.IsMig() ? sharing.mig_strategy : MigStrategy::kNone,
      sharing.IsTimeSliced() ? sharing.replicas : 1, resources, sharing.rename_by_default);
  Resources capacity;
  Result<gpu::AdvertisedNode> advertised = gpu::ComputeAdvertised(model, layout, config);
  if (!advertised) {
    return capacity;  // a layout the model cannot have (ValidateSharing says why): nothing
  }
  for (const auto& [name, quantity] : advertised->capacity) {
    if (quantity > 0) {
      capacity.Set(name, quantity);
    }
  }
  return capacity;
}

Labels PartitionLabels(const SharingConfig& sharing, const gpu::GpuModel& model) {
  Labels labels;
  if (!sharing.IsMig()) {
    return labels;
  }
  for (const gpu::MigPlacement& p : sharing.geometry.placements) {
    labels.insert_or_assign(
        std::string(kLabelMigPartitionPrefix) + model.mig_profiles[p.profile].name, "true");
  }
  return labels;
}

std::vector<Taint> SharingTaints(const SharingConfig& sharing) {
  if (!sharing.IsMig()) {
    return {};
  }
  return {Taint{std::string(kTaintMig), "true", TaintEffect::kNoSchedule}};
}

}  // namespace gpupack::cluster
