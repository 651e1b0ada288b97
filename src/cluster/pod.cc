#include "cluster/pod.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "common/quantity.h"
#include "gpu/gpu_model.h"

namespace gpupack::cluster {
namespace {

// A MIG-partition label the pod requires: from its nodeSelector ("true"), or present in every
// required affinity term (In ["true"] or Exists). Returns the profile, or "" when none.
std::string RequiredMigPartition(const Pod& pod, std::string& conflict) {
  std::set<std::string> profiles;
  for (const auto& [key, value] : pod.node_selector) {
    if (key.starts_with(kLabelMigPartitionPrefix) && value == "true") {
      profiles.insert(key.substr(kLabelMigPartitionPrefix.size()));
    }
  }
  if (profiles.empty() && pod.required_affinity && !pod.required_affinity->terms.empty()) {
    // Profiles every term requires.
    std::optional<std::set<std::string>> common;
    for (const NodeSelectorTerm& term : pod.required_affinity->terms) {
      std::set<std::string> in_term;
      for (const NodeSelectorRequirement& req : term.match_expressions) {
        bool requires_true =
            req.op == SelectorOperator::kExists ||
            (req.op == SelectorOperator::kIn && req.values == std::vector<std::string>{"true"});
        if (req.key.starts_with(kLabelMigPartitionPrefix) && requires_true) {
          in_term.insert(req.key.substr(kLabelMigPartitionPrefix.size()));
        }
      }
      if (!common) {
        common = in_term;
      } else {
        std::set<std::string> both;
        std::set_intersection(common->begin(), common->end(), in_term.begin(), in_term.end(),
                              std::inserter(both, both.begin()));
        common = both;
      }
    }
    profiles = *common;
  }
  if (profiles.size() > 1) {
    conflict = "selects more than one MIG partition (" + *profiles.begin() + ", " +
               *std::next(profiles.begin()) + ")";
    return "";
  }
  return profiles.empty() ? "" : *profiles.begin();
}

bool SelectsTimeSlicing(const Pod& pod) {
  if (pod.RequiredLabelValue(kLabelSharingStrategy) == "time-slicing") {
    return true;
  }
  if (std::optional<std::string> replicas = pod.RequiredLabelValue(kLabelGpuReplicas)) {
    int64_t value = 0;
    auto [ptr, ec] = std::from_chars(replicas->data(), replicas->data() + replicas->size(), value);
    if (ec == std::errc() && ptr == replicas->data() + replicas->size() && value > 1) {
      return true;
    }
  }
  if (std::optional<std::string> product = pod.RequiredLabelValue(kLabelGpuProduct)) {
    if (product->ends_with("-SHARED")) {
      return true;
    }
  }
  if (std::optional<std::string> config = pod.RequiredLabelValue(kLabelDevicePluginConfig)) {
    return IsTimeSlicingConfigKey(*config);
  }
  return false;
}

bool ToleratesMigTaint(const Pod& pod) {
  Taint mig_taint{std::string(kTaintMig), "true", TaintEffect::kNoSchedule};
  return std::any_of(pod.tolerations.begin(), pod.tolerations.end(),
                     [&](const Toleration& t) { return ToleratesTaint(t, mig_taint); });
}

}  // namespace

std::string_view PodPhaseName(PodPhase phase) {
  switch (phase) {
    case PodPhase::kPending:
      return "Pending";
    case PodPhase::kRunning:
      return "Running";
    case PodPhase::kSucceeded:
      return "Succeeded";
    case PodPhase::kFailed:
      return "Failed";
    case PodPhase::kUnknown:
      return "Unknown";
  }
  return "?";
}

std::string Pod::Key() const {
  // Sized once: a simulated run builds keys at every bind and release.
  std::string key;
  key.reserve(namespace_name.size() + 1 + name.size());
  key += namespace_name;
  key += '/';
  key += name;
  return key;
}

std::optional<std::string> Pod::RequiredLabelValue(std::string_view key) const {
  auto it = node_selector.find(key);
  if (it != node_selector.end()) {
    return it->second;
  }
  if (!required_affinity || required_affinity->terms.empty()) {
    return std::nullopt;
  }
  std::optional<std::string> agreed;
  for (const NodeSelectorTerm& term : required_affinity->terms) {
    std::optional<std::string> in_term;
    for (const NodeSelectorRequirement& req : term.match_expressions) {
      if (req.key == key && req.op == SelectorOperator::kIn && req.values.size() == 1) {
        in_term = req.values.front();
      }
    }
    if (!in_term || (agreed && *agreed != *in_term)) {
      return std::nullopt;
    }
    agreed = in_term;
  }
  return agreed;
}

std::optional<std::string> Pod::RequiredNodeTemplate() const {
  return RequiredLabelValue(kLabelNodeTemplate);
}

bool Tolerates(const Pod& pod, const std::vector<Taint>& taints) {
  return FindUntoleratedTaint(pod.tolerations, taints) == nullptr;
}

bool MatchesNodeSelector(const Pod& pod, const Labels& node_labels) {
  return MatchesLabelMap(pod.node_selector, node_labels);
}

bool MatchesRequiredAffinity(const Pod& pod, const Labels& node_labels,
                             std::string_view node_name) {
  return !pod.required_affinity ||
         MatchesNodeSelectorTerms(*pod.required_affinity, node_labels, node_name);
}

bool MatchesNodeLabels(const Pod& pod, const Labels& node_labels, std::string_view node_name) {
  return MatchesNodeSelector(pod, node_labels) &&
         MatchesRequiredAffinity(pod, node_labels, node_name);
}

Status RecognizeGpuDemand(Pod& pod) {
  GpuDemand demand;
  auto memory = pod.annotations.find(kAnnotationGpuMemory);
  if (memory != pod.annotations.end()) {
    Result<int64_t> bytes = ParseBytes(memory->second);
    if (!bytes) {
      return InvalidArgumentError("annotation " + std::string(kAnnotationGpuMemory) + ": " +
                                  bytes.error().message());
    }
    demand.gpu_memory_bytes = *bytes;
  }

  // The GPU resources the pod asks for, by name (requests are sorted, so messages are stable).
  std::vector<std::pair<std::string, int64_t>> gpu_resources;
  for (const auto& [name, value] : pod.requests.scalar) {
    if (IsGpuResource(name) && value > 0) {
      gpu_resources.emplace_back(name, value);
    }
  }
  std::string conflict;
  std::string partition = RequiredMigPartition(pod, conflict);
  if (gpu_resources.size() > 1) {
    conflict = "asks for more than one kind of GPU resource (" + gpu_resources[0].first + ", " +
               gpu_resources[1].first + ")";
  }
  if (!conflict.empty()) {
    pod.gpu = demand;
    pod.unsatisfiable_reason = conflict;
    return OkStatus();
  }
  if (gpu_resources.empty()) {
    pod.gpu = GpuDemand{};
    return OkStatus();
  }

  const auto& [resource, count] = gpu_resources.front();
  demand.count = count;
  demand.resource_name = resource;
  bool time_sliced = SelectsTimeSlicing(pod);
  if (resource == kResourceGpu && !partition.empty()) {
    demand.kind = GpuDemandKind::kMigProfile;
    demand.form = GpuRequestForm::kMigSelector;
    demand.mig_profile = partition;
    demand.time_sliced = time_sliced;
  } else if (resource == kResourceGpu) {
    demand.kind = time_sliced ? GpuDemandKind::kSharedGpu : GpuDemandKind::kWholeGpu;
    demand.form = GpuRequestForm::kGpuResource;
  } else if (resource == kResourceGpuShared) {
    demand.kind = GpuDemandKind::kSharedGpu;
    demand.form = GpuRequestForm::kSharedResource;
  } else {
    std::string_view unshared = resource;
    demand.time_sliced = time_sliced;
    if (unshared.ends_with(kSharedSuffix)) {
      unshared.remove_suffix(kSharedSuffix.size());
      demand.time_sliced = true;
    }
    demand.kind = GpuDemandKind::kMigProfile;
    demand.form = GpuRequestForm::kMigResource;
    Result<std::string> profile = gpu::ProfileNameFromResource(unshared);
    if (!profile) {
      pod.gpu = demand;
      pod.unsatisfiable_reason = profile.error().message();
      return OkStatus();
    }
    demand.mig_profile = *profile;
  }
  pod.gpu = demand;
  if (demand.form == GpuRequestForm::kMigSelector && !ToleratesMigTaint(pod)) {
    pod.unsatisfiable_reason = "selects MIG partition " + partition +
                               " but does not tolerate the taint " + std::string(kTaintMig) +
                               " that MIG nodes carry";
  } else if (!partition.empty() && demand.form == GpuRequestForm::kMigResource &&
             partition != demand.mig_profile) {
    pod.unsatisfiable_reason = "selects MIG partition " + partition + " but asks for " + resource;
  }
  return OkStatus();
}

}  // namespace gpupack::cluster
