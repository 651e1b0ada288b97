#include "plan/internal/provision_model.h"

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

namespace gpupack::plan::provision_internal {
namespace {

void AppendField(std::string& out, std::string_view text) {
  out += std::to_string(text.size());
  out += ':';
  out += text;
}

void AppendRequirements(std::string& out,
                        const std::vector<cluster::NodeSelectorRequirement>& requirements) {
  for (const cluster::NodeSelectorRequirement& requirement : requirements) {
    AppendField(out, requirement.key);
    AppendField(out, cluster::SelectorOperatorName(requirement.op));
    for (const std::string& value : requirement.values) {
      AppendField(out, value);
    }
    out += ';';
  }
}

// Everything the provisioner looks at, written unambiguously (length-prefixed).
std::string ClassKey(const cluster::Pod& pod) {
  std::string key;
  AppendField(key, pod.requests.ToString());
  const cluster::GpuDemand& gpu = pod.gpu;
  AppendField(key, cluster::GpuDemandKindName(gpu.kind));
  AppendField(key, cluster::GpuRequestFormName(gpu.form));
  AppendField(key, std::to_string(gpu.count) + "/" + std::to_string(gpu.gpu_memory_bytes) + "/" +
                       std::to_string(gpu.milli_gpu) + (gpu.time_sliced ? "/ts" : "/-"));
  AppendField(key, gpu.mig_profile);
  AppendField(key, gpu.resource_name);
  AppendField(key, pod.unsatisfiable_reason);
  AppendField(key, std::to_string(pod.priority));
  for (const auto& [label, value] : pod.node_selector) {
    AppendField(key, label);
    AppendField(key, value);
  }
  key += '|';
  if (pod.required_affinity.has_value()) {
    for (const cluster::NodeSelectorTerm& term : pod.required_affinity->terms) {
      AppendRequirements(key, term.match_expressions);
      key += '/';
      AppendRequirements(key, term.match_fields);
      key += '|';
    }
  }
  key += '#';
  for (const cluster::Toleration& toleration : pod.tolerations) {
    AppendField(key, toleration.key);
    AppendField(key, toleration.op == cluster::TolerationOperator::kExists ? "E" : "=");
    AppendField(key, toleration.value);
    AppendField(key, toleration.effect ? cluster::TaintEffectName(*toleration.effect) : "*");
  }
  return key;
}

struct DeviceSlot {
  int64_t memory_bytes = 0;
  int64_t milli = 0;
  std::string profile;  // MIG profile name, empty when not MIG
};

constexpr int64_t kMib = 1024 * 1024;

// The slot a pod asking for `resource` gets on a GPU shared as `sharing`: the smallest memory
// and compute share among the devices advertising it (they are equal on a uniform node).
std::optional<DeviceSlot> SlotFor(std::string_view resource, const cluster::SharingConfig& sharing,
                                  const gpu::GpuModel& model) {
  std::optional<DeviceSlot> slot;
  int devices = sharing.IsMig() ? sharing.InstanceCount() : 1;
  int32_t replicas = sharing.IsTimeSliced() ? sharing.replicas : 1;
  for (int instance = 0; instance < devices; ++instance) {
    if (cluster::DeviceResourceName(sharing, model, instance) != resource) {
      continue;
    }
    DeviceSlot candidate;
    if (sharing.IsMig()) {
      const gpu::MigProfile& profile =
          model.mig_profiles[sharing.geometry.placements[static_cast<size_t>(instance)].profile];
      candidate.memory_bytes = profile.memory_mib * kMib / replicas;
      candidate.milli = 1000 * profile.compute_slices / model.mig_compute_slices / replicas;
      candidate.profile = profile.name;
    } else {
      candidate.memory_bytes = model.memory_mib * kMib / replicas;
      candidate.milli = 1000 / replicas;
    }
    if (!slot || candidate.memory_bytes < slot->memory_bytes) {
      slot = candidate;
    }
  }
  return slot;
}

std::string GpuResourceOf(const cluster::Pod& pod) {
  if (!pod.gpu.resource_name.empty()) {
    return pod.gpu.resource_name;
  }
  for (const auto& [name, amount] : pod.requests.scalar) {
    if (amount > 0 && cluster::IsGpuResource(name)) {
      return name;
    }
  }
  return "";
}

std::string Quoted(std::span<const std::string> names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) {
    out += (i == 0 ? "" : ", ") + names[i];
  }
  return out + "]";
}

// Replica counts to try for time-sliced devices of `memory_bytes` / `milli` serving `classes`.
std::vector<int32_t> ReplicaChoices(const Candidate& candidate, std::span<const PodClass> classes,
                                    std::span<const int64_t> weights, int64_t memory_bytes,
                                    int64_t milli) {
  int32_t fixed = candidate.node_template->time_slicing.ReplicasFor(candidate.model->name);
  if (fixed > 0) {
    return {fixed};
  }
  std::set<int32_t> choices;
  for (size_t i = 0; i < classes.size(); ++i) {
    if (weights[i] <= 0) {
      continue;
    }
    cluster::GpuDemand demand =
        cluster::RefineForTemplate(classes[i].representative().gpu, *candidate.node_template);
    if (!demand.IsGpu()) {
      continue;
    }
    int32_t replicas = MaxReplicasFor(demand, memory_bytes, milli);
    if (replicas >= cluster::kMinReplicas) {
      choices.insert(replicas);
    }
  }
  return {choices.begin(), choices.end()};
}

// The MIG profile a pod that states its size (compute share, memory) and asks a plain
// nvidia.com/gpu gets on a single-strategy MIG node of `node_template` (whose instances the device
// plugin advertises as nvidia.com/gpu): the smallest instance holding it, or holding
// kMinReplicas of it when the template time-slices the instances. nullptr for other pods.
const gpu::MigProfile* SizedPodProfile(const cluster::Pod& pod,
                                       const cluster::NodeTemplate& node_template,
                                       const gpu::GpuModel& model) {
  const cluster::GpuDemand& demand = pod.gpu;
  if (demand.kind != cluster::GpuDemandKind::kSharedGpu ||
      node_template.mig.strategy != cluster::MigStrategy::kSingle ||
      GpuResourceOf(pod) != cluster::kResourceGpu ||
      (demand.gpu_memory_bytes <= 0 && demand.milli_gpu <= 0)) {
    return nullptr;
  }
  int64_t copies = node_template.time_slicing.enabled ? cluster::kMinReplicas : 1;
  return model.SmallestProfileFor(copies * demand.gpu_memory_bytes, copies * demand.milli_gpu);
}

}  // namespace

std::vector<PodClass> GroupPods(std::span<const cluster::Pod* const> pods) {
  std::map<std::string, size_t, std::less<>> index;
  std::vector<PodClass> classes;
  for (const cluster::Pod* pod : pods) {
    auto [it, inserted] = index.try_emplace(ClassKey(*pod), classes.size());
    if (inserted) {
      classes.emplace_back();
    }
    classes[it->second].pods.push_back(pod);
  }
  return classes;
}

std::vector<Candidate> Candidates(const cluster::ClusterSnapshot& snapshot,
                                  const gpu::GpuCatalog& catalog, const PlanOptions& options,
                                  std::vector<std::string>& problems) {
  std::vector<Candidate> candidates;
  for (const cluster::NodeTemplate& node_template : snapshot.templates) {
    if (!options.allowed_templates.empty() &&
        std::find(options.allowed_templates.begin(), options.allowed_templates.end(),
                  node_template.name) == options.allowed_templates.end()) {
      continue;
    }
    size_t before = candidates.size();
    for (const cluster::InstanceType& type : snapshot.instances.types()) {
      if (!node_template.AllowsInstanceType(type)) {
        continue;
      }
      auto model = catalog.Find(type.gpu_model);
      if (!model) {
        continue;
      }
      for (const cluster::Offering& offering : type.offerings) {
        if (node_template.AllowsOffering(offering)) {
          candidates.push_back(Candidate{&node_template, &type, &offering, *model});
        }
      }
    }
    if (candidates.size() == before) {
      problems.push_back("template " + node_template.name + " allows no offering: instance types " +
                         Quoted(node_template.instance_types) + ", GPU models " +
                         Quoted(node_template.gpu_models) + ", zones " +
                         Quoted(node_template.zones) + " match nothing in the " +
                         snapshot.instances.info().cloud + " catalog");
    }
  }
  return candidates;
}

int32_t MaxReplicasFor(const cluster::GpuDemand& demand, int64_t device_memory_bytes,
                       int64_t device_milli) {
  if (demand.gpu_memory_bytes <= 0 && demand.milli_gpu <= 0) {
    return kDefaultReplicas;
  }
  int64_t replicas = cluster::kMaxReplicas;
  if (demand.gpu_memory_bytes > 0) {
    replicas = std::min(replicas, device_memory_bytes / demand.gpu_memory_bytes);
  }
  if (demand.milli_gpu > 0) {
    replicas = std::min(replicas, device_milli / demand.milli_gpu);
  }
  return replicas >= cluster::kMinReplicas ? static_cast<int32_t>(replicas) : 0;
}

std::vector<cluster::SharingConfig> SharingConfigsFor(const Candidate& candidate,
                                                      const gpu::GpuCatalog& catalog,
                                                      std::span<const PodClass> classes,
                                                      std::span<const int64_t> weights) {
  const cluster::NodeTemplate& node_template = *candidate.node_template;
  const gpu::GpuModel& model = *candidate.model;
  std::vector<cluster::SharingConfig> configs;
  bool time_slicing = node_template.time_slicing.enabled;
  bool mig = node_template.mig.enabled && model.mig_capable;
  if (!time_slicing) {
    configs.push_back(cluster::SharingConfig{});
  } else {
    for (int32_t replicas :
         ReplicaChoices(candidate, classes, weights, model.memory_mib * kMib, 1000)) {
      cluster::SharingConfig config;
      config.mode = cluster::SharingMode::kTimeSlicing;
      config.replicas = replicas;
      configs.push_back(config);
    }
  }
  if (mig) {
    const gpu::MigGeometryEngine& engine = catalog.Geometry(model);
    gpu::ProfileCounts demand(engine.profile_count(), 0);
    for (size_t i = 0; i < classes.size(); ++i) {
      const cluster::Pod& pod = classes[i].representative();
      if (weights[i] <= 0) {
        continue;
      }
      std::optional<size_t> index;
      if (pod.gpu.kind == cluster::GpuDemandKind::kMigProfile) {
        if (auto found = model.FindProfileIndex(pod.gpu.mig_profile)) {
          index = *found;
        }
      } else if (const gpu::MigProfile* profile = SizedPodProfile(pod, node_template, model)) {
        index = static_cast<size_t>(profile - model.mig_profiles.data());
      }
      if (index) {
        int64_t wanted = demand[*index] + weights[i] * pod.gpu.count;
        demand[*index] = static_cast<int>(std::min<int64_t>(wanted, 8));
      }
    }
    std::vector<gpu::MigGeometry> geometries;
    for (size_t profile = 0; profile < demand.size(); ++profile) {
      if (demand[profile] == 0) {
        continue;
      }
      gpu::ProfileCounts only(demand.size(), 0);
      only[profile] = 8;
      auto choice = engine.Best(only);
      if (!choice) {
        continue;
      }
      if (node_template.mig.strategy != cluster::MigStrategy::kMixed) {
        // Best fills spare slices with smaller instances, but the single strategy's device
        // plugin refuses a GPU cut into more than one profile: keep this profile's instances.
        std::erase_if(choice->geometry.placements, [&](const gpu::MigPlacement& placement) {
          return placement.profile != profile;
        });
        std::fill(choice->geometry.counts.begin(), choice->geometry.counts.end(), 0);
        choice->geometry.counts[profile] = static_cast<int>(choice->geometry.placements.size());
      }
      geometries.push_back(choice->geometry);
    }
    if (node_template.mig.strategy == cluster::MigStrategy::kMixed &&
        std::any_of(demand.begin(), demand.end(), [](int count) { return count > 0; })) {
      auto choice = engine.Best(demand);
      if (choice) {
        geometries.push_back(choice->geometry);
      }
    }
    for (const gpu::MigGeometry& geometry : geometries) {
      cluster::SharingConfig config;
      config.mode = cluster::SharingMode::kMig;
      config.geometry = geometry;
      config.mig_strategy = node_template.mig.strategy == cluster::MigStrategy::kMixed
                                ? cluster::MigStrategy::kMixed
                                : cluster::MigStrategy::kSingle;
      // Whole instances unless the template fixes the replicas: when gpupack chooses them, one
      // of the choices is not to time-slice (for pods that need an instance of their own).
      if (node_template.time_slicing.ReplicasFor(model.name) == 0) {
        configs.push_back(config);
      }
      if (!time_slicing) {
        continue;
      }
      // Replicas apply to every instance. The smallest instance a pending pod asks for bounds
      // them; one that only fills spare slices takes none of these pods, and a later pod is
      // checked against its slot.
      int64_t slot_memory = std::numeric_limits<int64_t>::max();
      int64_t slot_milli = 1000;
      for (const gpu::MigPlacement& placement : geometry.placements) {
        if (demand[placement.profile] > 0) {
          const gpu::MigProfile& profile = model.mig_profiles[placement.profile];
          slot_memory = std::min(slot_memory, profile.memory_mib * kMib);
          slot_milli = std::min<int64_t>(slot_milli,
                                         1000 * profile.compute_slices / model.mig_compute_slices);
        }
      }
      for (int32_t replicas :
           ReplicaChoices(candidate, classes, weights, slot_memory, slot_milli)) {
        cluster::SharingConfig shared = config;
        shared.mode = cluster::SharingMode::kMigTimeSlicing;
        shared.replicas = replicas;
        configs.push_back(shared);
      }
    }
  }
  // Each description is built once (the sort would otherwise build two per comparison).
  std::vector<std::pair<std::string, size_t>> order;
  order.reserve(configs.size());
  for (size_t i = 0; i < configs.size(); ++i) {
    order.emplace_back(configs[i].Describe(model), i);
  }
  std::sort(order.begin(), order.end());
  std::vector<cluster::SharingConfig> sorted;
  sorted.reserve(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    if (i == 0 || order[i].first != order[i - 1].first) {
      sorted.push_back(std::move(configs[order[i].second]));
    }
  }
  return sorted;
}

Misfit CheckEmptyNode(const cluster::Pod& pod, const Candidate& candidate,
                      const cluster::SharingConfig& sharing, const cluster::Node& node) {
  if (!cluster::MatchesNodeLabels(pod, node.labels)) {
    return {1, "node selector or affinity matches no node of it"};
  }
  if (const cluster::Taint* taint = cluster::FindUntoleratedTaint(pod.tolerations, node.taints)) {
    return {2, "taint " + taint->ToString() + " not tolerated"};
  }
  if (pod.gpu.IsGpu()) {
    std::string resource = GpuResourceOf(pod);
    std::optional<DeviceSlot> slot = SlotFor(resource, sharing, *candidate.model);
    if (!slot || (!pod.gpu.mig_profile.empty() && slot->profile != pod.gpu.mig_profile)) {
      return {3, pod.gpu.mig_profile.empty() ? "no GPU advertises " + resource
                                             : "no GPU with profile " + pod.gpu.mig_profile};
    }
    if (pod.gpu.gpu_memory_bytes > slot->memory_bytes) {
      return {4, "needs " + std::to_string(pod.gpu.gpu_memory_bytes / kMib) +
                     "Mi of GPU memory per device; a slot has " +
                     std::to_string(slot->memory_bytes / kMib) + "Mi"};
    }
    if (pod.gpu.milli_gpu > slot->milli) {
      return {4, "needs " + std::to_string(pod.gpu.milli_gpu) +
                     " milli-GPU of compute; a slot gives " + std::to_string(slot->milli)};
    }
  }
  std::string shortfall = node.allocatable.FirstShortfall(pod.requests);
  if (!shortfall.empty()) {
    return {
        5, "requests more " + shortfall + " than a node has (" + node.allocatable.ToString() + ")"};
  }
  return {};
}

int64_t CopiesThatFit(const cluster::Resources& free, const cluster::Resources& request,
                      int64_t limit) {
  auto bound = [&limit](int64_t available, int64_t wanted) {
    if (wanted > 0) {
      limit = std::min(limit, available <= 0 ? 0 : available / wanted);
    }
  };
  bound(free.milli_cpu, request.milli_cpu);
  bound(free.memory_bytes, request.memory_bytes);
  bound(free.pods, request.pods);
  for (const auto& [name, amount] : request.scalar) {
    bound(free.Get(name), amount);
  }
  return std::max<int64_t>(limit, 0);
}

}  // namespace gpupack::plan::provision_internal
