#include "plan/placer.h"

#include <algorithm>
#include <array>
#include <limits>
#include <string>

#include "common/quantity.h"
#include "gpu/gpu_model.h"
#include "plan/packing/workload_profile.h"

namespace gpupack::plan {
namespace {

// A7-class GPUs have 7 compute slices: the share of a MIG profile when the model is not known.
constexpr int64_t kComputeSlicesOfReference = 7;
// The share assumed for a replica that does not say what it needs.
constexpr int64_t kUnstatedReplicaMilli = 1000 / kComputeSlicesOfReference;

packing::Policy PackingPolicyOf(PlacementPolicy policy) {
  switch (policy) {
    case PlacementPolicy::kFirstFit:
      return packing::Policy::kFirstFit;
    case PlacementPolicy::kBestFit:
      return packing::Policy::kBestFit;
    case PlacementPolicy::kFragmentationAware:
      return packing::Policy::kFgd;
    case PlacementPolicy::kGpupack:
      return packing::Policy::kGpupack;
  }
  return packing::Policy::kGpupack;
}

int32_t Clamp32(int64_t value) {
  return static_cast<int32_t>(std::clamp<int64_t>(value, 0, std::numeric_limits<int32_t>::max()));
}

// The shape the workload profile counts for `pod`, independent of any node (placer.h).
packing::PackPod ProfileShapeOf(const cluster::Pod& pod) {
  packing::PackPod shape;
  shape.cpu_milli = pod.requests.milli_cpu;
  shape.memory_mib = pod.requests.memory_bytes / kMiB;
  if (!pod.gpu.IsGpu()) {
    return shape;
  }
  int64_t milli = DemandMilliGpu(pod.gpu);
  if (pod.gpu.kind != cluster::GpuDemandKind::kWholeGpu && milli < packing::kMilliPerGpu) {
    shape.num_gpu = 1;
    shape.gpu_milli = Clamp32(milli);
    return shape;
  }
  shape.num_gpu = pod.gpu.kind == cluster::GpuDemandKind::kWholeGpu
                      ? Clamp32(pod.gpu.count)
                      : Clamp32((milli + packing::kMilliPerGpu - 1) / packing::kMilliPerGpu);
  shape.gpu_milli = packing::kMilliPerGpu;
  return shape;
}

// The workload profile's input: one shape per pod of `demand_mix`, in order.
std::vector<packing::PackPod> ProfileShapes(std::span<const cluster::Pod* const> demand_mix) {
  std::vector<packing::PackPod> shapes;
  shapes.reserve(demand_mix.size());
  for (const cluster::Pod* pod : demand_mix) {
    shapes.push_back(ProfileShapeOf(*pod));
  }
  return shapes;
}

bool UsesProfile(PlacementPolicy policy) {
  return policy == PlacementPolicy::kFragmentationAware || policy == PlacementPolicy::kGpupack;
}

// Slots taken on a GPU that is not in MIG mode (one device).
int64_t UsedSlotsOfWholeGpu(const cluster::NodeGpu& device) {
  int64_t used = 0;
  for (const cluster::GpuAllocation& a : device.allocations) {
    used += a.slots;
  }
  return used;
}

// Free milli-GPU of a GPU that is not in MIG mode with `used` of its slots taken.
int32_t FreeMilliOfWholeGpu(const cluster::NodeGpu& device, int64_t used) {
  const int64_t slots_per_device = device.SlotsPerDevice();
  return Clamp32(packing::kMilliPerGpu * std::max<int64_t>(0, slots_per_device - used) /
                 slots_per_device);
}

// Free milli-GPU of `device` (placer.h), with the slots of `taking` on GPU `gpu_index` counted as
// used. `model` is only read for MIG GPUs.
int32_t FreeMilliGpu(const cluster::NodeGpu& device, const gpu::GpuModel* model, int gpu_index,
                     const std::vector<DeviceChoice>& taking) {
  const int64_t slots_per_device = device.SlotsPerDevice();
  if (!device.sharing.IsMig()) {
    int64_t used = UsedSlotsOfWholeGpu(device);
    for (const DeviceChoice& c : taking) {
      used += c.gpu == gpu_index ? c.slots : 0;
    }
    return FreeMilliOfWholeGpu(device, used);
  }
  if (model == nullptr || model->mig_compute_slices <= 0) {
    return 0;
  }
  // Slots used per instance in one pass (a GPU has at most 7 MIG instances).
  std::array<int64_t, 8> used{};
  const int instances = std::min(device.sharing.InstanceCount(), static_cast<int>(used.size()));
  for (const cluster::GpuAllocation& a : device.allocations) {
    if (a.instance >= 0 && a.instance < instances) {
      used[static_cast<size_t>(a.instance)] += a.slots;
    }
  }
  for (const DeviceChoice& c : taking) {
    if (c.gpu == gpu_index && c.instance >= 0 && c.instance < instances) {
      used[static_cast<size_t>(c.instance)] += c.slots;
    }
  }
  int64_t free_share = 0;  // compute slices x free slots
  for (int instance = 0; instance < instances; ++instance) {
    int64_t free = slots_per_device - used[static_cast<size_t>(instance)];
    if (free > 0) {
      size_t profile = device.sharing.geometry.placements[static_cast<size_t>(instance)].profile;
      free_share += model->mig_profiles[profile].compute_slices * free;
    }
  }
  return Clamp32(packing::kMilliPerGpu * free_share /
                 (model->mig_compute_slices * slots_per_device));
}

// The packing model's view of `node` (placer.h).
packing::PackNode ViewOf(const FitChecker& fit, const cluster::Node& node) {
  packing::PackNode view;
  view.cpu_milli_capacity = node.allocatable.milli_cpu;
  view.memory_mib_capacity = node.allocatable.memory_bytes / kMiB;
  view.cpu_milli_free = node.allocatable.milli_cpu - node.requested.milli_cpu;
  view.memory_mib_free = (node.allocatable.memory_bytes - node.requested.memory_bytes) / kMiB;
  view.gpu_count = static_cast<int32_t>(
      std::min<size_t>(node.gpus.size(), static_cast<size_t>(packing::kMaxGpusPerNode)));
  view.pod_count = static_cast<int32_t>(node.pods.size());
  // Only MIG GPUs need their model; a node's GPUs are nearly always one, so it is looked up
  // once per run of equal names.
  const std::string* last_model_name = nullptr;
  const gpu::GpuModel* model = nullptr;
  for (int32_t g = 0; g < view.gpu_count; ++g) {
    const cluster::NodeGpu& device = node.gpus[static_cast<size_t>(g)];
    int32_t& free = view.gpu_free_milli[static_cast<size_t>(g)];
    if (!device.sharing.IsMig()) {  // the common case, without FreeMilliGpu's call
      free = FreeMilliOfWholeGpu(device, UsedSlotsOfWholeGpu(device));
      continue;
    }
    if (last_model_name == nullptr || *last_model_name != device.model) {
      model = fit.ModelOf(device);
      last_model_name = &device.model;
    }
    free = FreeMilliGpu(device, model, g, {});
  }
  return view;
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
    : Placer(fit, policy,
             UsesProfile(policy) ? ProfileShapes(demand_mix) : std::vector<packing::PackPod>{},
             score_all) {}

Placer::Placer(const FitChecker& fit, PlacementPolicy policy,
               std::span<const packing::PackPod> shapes, bool score_all)
    : fit_(&fit),
      policy_(policy),
      score_all_(score_all),
      scorer_(PackingPolicyOf(policy), UsesProfile(policy) ? packing::BuildWorkloadProfile(
                                                                 std::span<const int64_t>(), shapes)
                                                           : packing::WorkloadProfile{}) {}

const Placer& PlacerCache::Get(PlacementPolicy policy,
                               std::span<const cluster::Pod* const> demand_mix) {
  const bool uses_profile = UsesProfile(policy);
  // Compared in place: the mix is almost always the kept one, and building its shapes would
  // allocate at every pass.
  auto same_shapes = [&] {
    return shapes_.size() == demand_mix.size() &&
           std::equal(shapes_.begin(), shapes_.end(), demand_mix.begin(),
                      [](const packing::PackPod& kept, const cluster::Pod* pod) {
                        return kept == ProfileShapeOf(*pod);
                      });
  };
  if (!placer_ || placer_->policy() != policy || (uses_profile && !same_shapes())) {
    shapes_ = uses_profile ? ProfileShapes(demand_mix) : std::vector<packing::PackPod>{};
    placer_.emplace(Placer(*fit_, policy, shapes_, false));
  }
  return *placer_;
}

namespace {

// Whether `devices` give a pod that states a GPU share an unshared GPU of `node` (a whole GPU
// lent to it).
bool LendsWholeGpu(const cluster::Pod& pod, const cluster::Node& node,
                   std::span<const DeviceChoice> devices) {
  return pod.gpu.kind == cluster::GpuDemandKind::kSharedGpu &&
         std::any_of(devices.begin(), devices.end(), [&](const DeviceChoice& choice) {
           return node.gpus[static_cast<size_t>(choice.gpu)].sharing.mode ==
                  cluster::SharingMode::kWhole;
         });
}

}  // namespace

template <class NodeAt>
std::optional<size_t> Placer::ChooseAmong(const cluster::Pod& pod, size_t count, NodeAt node_at,
                                          std::vector<DeviceChoice>& devices,
                                          std::span<const size_t> excluded) const {
  packing::ClusterScale scale;
  if (policy_ == PlacementPolicy::kBestFit) {
    for (size_t i = 0; i < count; ++i) {
      const cluster::Node& node = node_at(i);
      scale.largest_cpu_milli = std::max(scale.largest_cpu_milli, node.allocatable.milli_cpu);
      scale.largest_gpu_count =
          std::max(scale.largest_gpu_count,
                   static_cast<int32_t>(
                       std::min(node.gpus.size(), static_cast<size_t>(packing::kMaxGpusPerNode))));
    }
  }
  packing::PackPod pack_pod;
  pack_pod.cpu_milli = pod.requests.milli_cpu;
  pack_pod.memory_mib = pod.requests.memory_bytes / kMiB;
  std::optional<size_t> best;
  double best_score = 0;
  bool best_lends = false;
  std::vector<DeviceChoice> candidate;
  // The GPUs the pod takes (once each, scored ones only): at most kMaxGpusPerNode, on the stack.
  std::array<int32_t, packing::kMaxGpusPerNode> taking{};
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
    // A whole GPU is lent to a shared pod only by a node that runs pods already (an empty one
    // would be kept for a fraction of a GPU instead of given back), and only when no node has a
    // shared slot for it.
    bool lends = LendsWholeGpu(pod, node, candidate);
    if (lends && node.pods.empty()) {
      continue;
    }
    // Every node scores 0 under first-fit: the first feasible one wins the tie.
    if (policy_ == PlacementPolicy::kFirstFit) {
      if (!lends) {
        devices = std::move(candidate);
        return i;
      }
      if (!best) {
        best = i;
        devices = candidate;
      }
      continue;
    }
    ++feasible;
    const packing::PackNode before = ViewOf(*fit_, node);
    packing::PackNode after = before;
    after.cpu_milli_free -= pack_pod.cpu_milli;
    after.memory_mib_free -= pack_pod.memory_mib;
    ++after.pod_count;
    size_t gpu_count = 0;
    for (const DeviceChoice& c : candidate) {
      if (c.gpu < before.gpu_count && std::find(taking.begin(), taking.begin() + gpu_count,
                                                c.gpu) == taking.begin() + gpu_count) {
        taking[gpu_count++] = c.gpu;
      }
    }
    const std::span<const int32_t> gpus(taking.data(), gpu_count);
    int64_t taken = 0;
    for (int32_t g : gpus) {
      const cluster::NodeGpu& device = node.gpus[static_cast<size_t>(g)];
      auto index = static_cast<size_t>(g);
      const gpu::GpuModel* model = device.sharing.IsMig() ? fit_->ModelOf(device) : nullptr;
      after.gpu_free_milli[index] = FreeMilliGpu(device, model, g, candidate);
      taken += before.gpu_free_milli[index] - after.gpu_free_milli[index];
    }
    pack_pod.num_gpu = static_cast<int32_t>(gpus.size());
    pack_pod.gpu_milli = gpus.empty() ? 0 : Clamp32(taken / pack_pod.num_gpu);
    double fragmentation = scorer_.UsesFragmentation()
                               ? packing::NodeFragmentationMilli(scorer_.profile(), before)
                               : 0;
    double score = scorer_.Score(before, after, pack_pod, gpus, fragmentation, scale);
    if (!best || (best_lends && !lends) || (best_lends == lends && score > best_score)) {
      best = i;
      best_score = score;
      best_lends = lends;
      devices = candidate;  // a copy: both keep their buffers for the next nodes and pods
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
    std::string reason;
    reason.reserve(64);
    reason += "fits on existing node ";
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
