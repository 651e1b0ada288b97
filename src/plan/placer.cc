#include "plan/placer.h"

#include <algorithm>
#include <map>
#include <string>

#include "gpu/gpu_model.h"

namespace gpupack::plan {
namespace {

// A7-class GPUs have 7 compute slices: the share of a MIG profile when the model is not known.
constexpr int64_t kComputeSlicesOfReference = 7;
// The share assumed for a replica that does not say what it needs.
constexpr int64_t kUnstatedReplicaMilli = 1000 / kComputeSlicesOfReference;

// Free GPU slots as the scheduler counts them: advertised GPU resources minus requested ones.
int64_t FreeGpuSlots(const cluster::Node& node) {
  int64_t free = 0;
  for (const auto& [name, amount] : node.allocatable.scalar) {
    if (cluster::IsGpuResource(name)) {
      free += amount - node.requested.Get(name);
    }
  }
  return free;
}

int32_t TakenSlots(const std::vector<DeviceChoice>& devices) {
  int32_t taken = 0;
  for (const DeviceChoice& d : devices) {
    taken += d.slots;
  }
  return taken;
}

double FreeShare(int64_t allocatable, int64_t requested, int64_t asked) {
  if (allocatable <= 0) {
    return 0;
  }
  return static_cast<double>(allocatable - requested - asked) / static_cast<double>(allocatable);
}

}  // namespace

std::string_view PlacementPolicyName(PlacementPolicy policy) {
  switch (policy) {
    case PlacementPolicy::kFirstFit:
      return "first-fit";
    case PlacementPolicy::kBestFit:
      return "best-fit";
    case PlacementPolicy::kFragmentationAware:
      return "fgd";
    case PlacementPolicy::kGpupack:
      return "gpupack";
  }
  return "gpupack";
}

Result<PlacementPolicy> ParsePlacementPolicy(std::string_view name) {
  for (PlacementPolicy policy : {PlacementPolicy::kFirstFit, PlacementPolicy::kBestFit,
                                 PlacementPolicy::kFragmentationAware, PlacementPolicy::kGpupack}) {
    if (PlacementPolicyName(policy) == name) {
      return policy;
    }
  }
  return InvalidArgumentError("unknown placement policy \"" + std::string(name) +
                              "\"; use first-fit, best-fit, fgd or gpupack");
}

int64_t DemandMilliGpu(const cluster::GpuDemand& demand) {
  int64_t per_unit = 0;
  switch (demand.kind) {
    case cluster::GpuDemandKind::kNone:
      return 0;
    case cluster::GpuDemandKind::kWholeGpu:
      per_unit = 1000;
      break;
    case cluster::GpuDemandKind::kMigProfile: {
      auto parsed = gpu::ParseMigProfileName(demand.mig_profile);
      per_unit =
          parsed ? 1000 * parsed->gpu_slices / kComputeSlicesOfReference : kUnstatedReplicaMilli;
      break;
    }
    case cluster::GpuDemandKind::kSharedGpu:
      per_unit = demand.milli_gpu > 0 ? demand.milli_gpu : kUnstatedReplicaMilli;
      break;
  }
  return per_unit * demand.count;
}

void SortForPlacement(std::vector<const cluster::Pod*>& pods) {
  if (pods.size() < 2) {
    return;  // most control-loop batches are one pod
  }
  std::vector<std::pair<int64_t, const cluster::Pod*>> keyed;
  keyed.reserve(pods.size());
  for (const cluster::Pod* pod : pods) {
    keyed.emplace_back(DemandMilliGpu(pod->gpu), pod);
  }
  std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) {
    const cluster::Pod& pa = *a.second;
    const cluster::Pod& pb = *b.second;
    if (pa.priority != pb.priority) {
      return pa.priority > pb.priority;
    }
    if (a.first != b.first) {
      return a.first > b.first;
    }
    if (pa.requests.milli_cpu != pb.requests.milli_cpu) {
      return pa.requests.milli_cpu > pb.requests.milli_cpu;
    }
    if (pa.namespace_name != pb.namespace_name) {
      return pa.namespace_name < pb.namespace_name;
    }
    return pa.name < pb.name;
  });
  for (size_t i = 0; i < pods.size(); ++i) {
    pods[i] = keyed[i].second;
  }
}

size_t FeasibleNodesToScore(size_t nodes) {
  constexpr size_t kMinFeasible = 100;
  if (nodes <= kMinFeasible) {
    return nodes;
  }
  size_t percent = std::max<size_t>(5, nodes / 125 >= 45 ? 5 : 50 - nodes / 125);
  return std::max(kMinFeasible, nodes * percent / 100);
}

Placer::Placer(const FitChecker& fit, PlacementPolicy policy,
               std::span<const cluster::Pod* const> demand_mix, bool score_all)
    : fit_(&fit), policy_(policy), score_all_(score_all) {
  if (policy != PlacementPolicy::kFragmentationAware) {
    return;
  }
  std::map<int64_t, int64_t> counts;
  int64_t total = 0;
  for (const cluster::Pod* pod : demand_mix) {
    if (!pod->gpu.IsGpu()) {
      continue;
    }
    ++counts[DemandMilliGpu(pod->gpu) / std::max<int64_t>(pod->gpu.count, 1)];
    ++total;
  }
  for (const auto& [milli, count] : counts) {
    classes_.push_back(DemandClass{milli, static_cast<double>(count) / static_cast<double>(total)});
  }
}

double Placer::Fragmentation(const cluster::Node& node, const cluster::Pod* pod,
                             const std::vector<DeviceChoice>* devices) const {
  double fragmented = 0;
  for (size_t g = 0; g < node.gpus.size(); ++g) {
    const cluster::NodeGpu& device = node.gpus[g];
    const gpu::GpuModel* model = fit_->ModelOf(device);
    int count = device.sharing.IsMig() ? device.sharing.InstanceCount() : 1;
    for (int d = 0; d < count; ++d) {
      int instance = device.sharing.IsMig() ? d : -1;
      int32_t free = device.FreeSlots(instance);
      if (pod != nullptr && devices != nullptr) {
        for (const DeviceChoice& c : *devices) {
          if (c.gpu == static_cast<int>(g) && c.instance == instance) {
            free -= c.slots;
          }
        }
      }
      if (free <= 0) {
        continue;
      }
      int64_t slot_share = SlotMilliGpu(device, model, instance);
      for (const DemandClass& c : classes_) {
        if (slot_share < c.milli) {
          fragmented += c.weight * static_cast<double>(free * slot_share);
        }
      }
    }
  }
  return fragmented;
}

Placer::Score Placer::ScoreOf(const cluster::Pod& pod, const cluster::Node& node,
                              const std::vector<DeviceChoice>& devices) const {
  double free_slots_after = static_cast<double>(FreeGpuSlots(node) - TakenSlots(devices));
  double cpu_after =
      FreeShare(node.allocatable.milli_cpu, node.requested.milli_cpu, pod.requests.milli_cpu);
  double memory_after = FreeShare(node.allocatable.memory_bytes, node.requested.memory_bytes,
                                  pod.requests.memory_bytes);
  switch (policy_) {
    case PlacementPolicy::kFirstFit:
      return {0, 0, 0, 0};
    case PlacementPolicy::kBestFit:
      return {free_slots_after, cpu_after + memory_after, 0, 0};
    case PlacementPolicy::kFragmentationAware:
      return {Fragmentation(node, &pod, &devices) - Fragmentation(node, nullptr, nullptr),
              free_slots_after, cpu_after + memory_after, 0};
    case PlacementPolicy::kGpupack: {
      double idle_devices_opened = 0;
      for (const DeviceChoice& c : devices) {
        const cluster::NodeGpu& device = node.gpus[static_cast<size_t>(c.gpu)];
        if (device.UsedSlots(c.instance) == 0 && device.SlotsPerDevice() > 1) {
          idle_devices_opened += 1;
        }
      }
      double empty_node = node.pods.empty() ? 1 : 0;
      return {idle_devices_opened + empty_node, free_slots_after, cpu_after + memory_after,
              node.price_per_hour};
    }
  }
  return {0, 0, 0, 0};
}

template <class NodeAt>
std::optional<size_t> Placer::ChooseAmong(const cluster::Pod& pod, size_t count, NodeAt node_at,
                                          std::vector<DeviceChoice>& devices,
                                          std::span<const size_t> excluded) const {
  std::optional<size_t> best;
  Score best_score{};
  std::vector<DeviceChoice> candidate;
  size_t limit = score_all_ ? count : FeasibleNodesToScore(count);
  size_t feasible = 0;
  for (size_t i = 0; i < count && feasible < limit; ++i) {
    if (!excluded.empty() && std::binary_search(excluded.begin(), excluded.end(), i)) {
      continue;
    }
    const cluster::Node& node = node_at(i);
    if (!fit_->Fits(pod, node, &candidate)) {
      continue;
    }
    if (policy_ == PlacementPolicy::kFirstFit) {
      devices = std::move(candidate);
      return i;
    }
    ++feasible;
    Score score = ScoreOf(pod, node, candidate);
    if (!best || score < best_score) {
      best = i;
      best_score = score;
      devices.swap(candidate);
    }
  }
  return best;
}

std::optional<size_t> Placer::Choose(const cluster::Pod& pod, std::span<const cluster::Node> nodes,
                                     std::vector<DeviceChoice>& devices,
                                     std::span<const size_t> excluded) const {
  return ChooseAmong(
      pod, nodes.size(), [&](size_t i) -> const cluster::Node& { return nodes[i]; }, devices,
      excluded);
}

std::optional<size_t> Placer::Choose(const cluster::Pod& pod,
                                     std::span<const cluster::Node* const> nodes,
                                     std::vector<DeviceChoice>& devices) const {
  return ChooseAmong(pod, nodes.size(), [&](size_t i) -> const cluster::Node& { return *nodes[i]; },
                     devices, {});
}

namespace {

// PlacePods' work; `Nodes` is a vector of nodes or a CopyOnWriteNodes, `choose` the placer's
// search over it and `write(i)` node i for accounting a placement.
// `account_last`: whether the last pod is accounted on its node too.
template <class Choose, class Read, class Write>
std::vector<Placement> PlaceEach(const Placer& placer, std::span<const cluster::Pod* const> pods,
                                 Choose choose, Read read, Write write, bool account_last,
                                 std::vector<const cluster::Pod*>& unplaced) {
  std::vector<Placement> placements;
  std::vector<DeviceChoice> devices;
  for (size_t p = 0; p < pods.size(); ++p) {
    const cluster::Pod* pod = pods[p];
    std::optional<size_t> chosen = choose(*pod, devices);
    if (!chosen) {
      unplaced.push_back(pod);
      continue;
    }
    if (account_last || p + 1 < pods.size()) {
      Assign(write(*chosen), *pod, devices);
    }
    const cluster::Node& node = read(*chosen);
    // Built in one buffer: a simulated run makes thousands of these.
    std::string reason = "fits on existing node ";
    reason.reserve(64);
    reason += node.name;
    if (!devices.empty()) {
      const DeviceChoice& first = devices.front();
      reason += " GPU ";
      reason += std::to_string(first.gpu);
      if (first.instance >= 0) {
        reason += " instance ";
        reason += std::to_string(first.instance);
      }
    }
    reason += " (";
    reason += PlacementPolicyName(placer.policy());
    reason += ")";
    placements.push_back(Placement{
        .pod = pod->Key(),
        .node = node.name,
        .devices = devices,
        .moved = false,
        .reason = std::move(reason),
    });
  }
  return placements;
}

}  // namespace

std::vector<Placement> PlacePods(const Placer& placer, std::span<const cluster::Pod* const> pods,
                                 std::vector<cluster::Node>& nodes,
                                 std::vector<const cluster::Pod*>& unplaced) {
  return PlaceEach(
      placer, pods,
      [&](const cluster::Pod& pod, std::vector<DeviceChoice>& devices) {
        return placer.Choose(pod, nodes, devices);
      },
      [&](size_t i) -> const cluster::Node& { return nodes[i]; },
      [&](size_t i) -> cluster::Node& { return nodes[i]; }, true, unplaced);
}

std::vector<Placement> PlacePods(const Placer& placer, std::span<const cluster::Pod* const> pods,
                                 cluster::CopyOnWriteNodes& nodes,
                                 std::vector<const cluster::Pod*>& unplaced) {
  return PlaceEach(
      placer, pods,
      [&](const cluster::Pod& pod, std::vector<DeviceChoice>& devices) {
        return placer.Choose(pod, nodes.pointers(), devices);
      },
      [&](size_t i) -> const cluster::Node& { return nodes[i]; },
      [&](size_t i) -> cluster::Node& { return nodes.Mutable(i); }, false, unplaced);
}

}  // namespace gpupack::plan
