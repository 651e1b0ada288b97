#include "cluster/node_template.h"

#include <algorithm>

#include "cluster/gpu_demand.h"

namespace gpupack::cluster {

int32_t TimeSlicingSpec::ReplicasFor(std::string_view model) const {
  if (!enabled) {
    return 0;
  }
  auto it = per_gpu_model.find(model);
  return it != per_gpu_model.end() ? it->second : shared_clients_per_gpu;
}

std::vector<CapacityType> NodeTemplate::AllowedCapacityTypes() const {
  if (capacity_types.empty()) {
    return {CapacityType::kOnDemand};
  }
  return capacity_types;
}

bool MatchesGlob(std::string_view pattern, std::string_view name) {
  // Iterative wildcard match with one backtrack point (linear for a single '*').
  size_t p = 0;
  size_t n = 0;
  size_t star = std::string_view::npos;
  size_t resume = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

bool NodeTemplate::AllowsInstanceType(const InstanceType& type) const {
  auto matches = [&](const std::string& pattern) { return MatchesGlob(pattern, type.name); };
  if (type.gpu_count <= 0) {
    return false;
  }
  if (!instance_types.empty() &&
      std::none_of(instance_types.begin(), instance_types.end(), matches)) {
    return false;
  }
  if (std::any_of(exclude_instance_types.begin(), exclude_instance_types.end(), matches)) {
    return false;
  }
  if (!gpu_models.empty() &&
      std::find(gpu_models.begin(), gpu_models.end(), type.gpu_model) == gpu_models.end()) {
    return false;
  }
  if (min_gpus_per_node > 0 && type.gpu_count < min_gpus_per_node) {
    return false;
  }
  return max_gpus_per_node <= 0 || type.gpu_count <= max_gpus_per_node;
}

bool NodeTemplate::AllowsOffering(const Offering& offering) const {
  if (!zones.empty() && std::find(zones.begin(), zones.end(), offering.zone) == zones.end()) {
    return false;
  }
  std::vector<CapacityType> allowed = AllowedCapacityTypes();
  return std::find(allowed.begin(), allowed.end(), offering.capacity_type) != allowed.end();
}

Labels NodeTemplate::NodeLabels(const InstanceType& type, const Offering& offering) const {
  Labels out = labels;
  out.insert_or_assign(std::string(kLabelNodeTemplate), name);
  out.insert_or_assign(std::string(kLabelInstanceType), type.name);
  out.insert_or_assign(std::string(kLabelZone), offering.zone);
  out.insert_or_assign(std::string(kLabelCapacityType),
                       std::string(CapacityTypeName(offering.capacity_type)));
  return out;
}

GpuDemand RefineForTemplate(const GpuDemand& demand, const NodeTemplate& node_template) {
  GpuDemand refined = demand;
  if (demand.kind == GpuDemandKind::kWholeGpu && demand.form == GpuRequestForm::kGpuResource &&
      node_template.time_slicing.enabled && !node_template.mig.enabled) {
    refined.kind = GpuDemandKind::kSharedGpu;
  }
  if (demand.kind == GpuDemandKind::kMigProfile && node_template.mig.enabled &&
      node_template.time_slicing.enabled) {
    refined.time_sliced = true;
  }
  return refined;
}

}  // namespace gpupack::cluster
