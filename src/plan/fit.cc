#include "plan/fit.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "cluster/gpu_demand.h"
#include "cluster/scheduling.h"
#include "common/quantity.h"

namespace gpupack::plan {
namespace {

using cluster::GpuDemandKind;
using cluster::NodeGpu;

constexpr int64_t kMiB = int64_t{1024} * 1024;
// MIG instances on one GPU are bounded by its memory slices (8 on every MIG layout).
constexpr int kMaxDevicesPerGpu = 8;

// What the device plugin advertises for one device, compared with what the pod asks for without
// building the resource name (the hot path allocates nothing).
struct PodResourceShape {
  bool mig_resource = false;  // nvidia.com/mig-<p>[.shared]
  bool shared = false;        // ".shared" suffix (renameByDefault)
};

PodResourceShape ShapeOf(const cluster::GpuDemand& demand) {
  std::string_view name = demand.resource_name;
  return PodResourceShape{
      .mig_resource = name.starts_with(cluster::kResourceMigPrefix),
      .shared = name.ends_with(cluster::kSharedSuffix),
  };
}

// Whether device `instance` of `device` advertises the pod's resource and is of its profile.
bool DeviceServes(const NodeGpu& device, const gpu::GpuModel* model, int instance,
                  const cluster::GpuDemand& demand, PodResourceShape shape) {
  const cluster::SharingConfig& sharing = device.sharing;
  bool advertises_shared = sharing.IsTimeSliced() && sharing.rename_by_default;
  if (advertises_shared != shape.shared) {
    return false;
  }
  bool mixed = sharing.IsMig() && sharing.mig_strategy == cluster::MigStrategy::kMixed;
  if (mixed != shape.mig_resource) {
    return false;
  }
  if (!sharing.IsMig()) {
    return demand.kind != GpuDemandKind::kMigProfile;
  }
  if (demand.kind != GpuDemandKind::kMigProfile) {
    // nvidia.com/gpu on a single-strategy MIG node: the plugin hands out an instance.
    return !mixed;
  }
  if (model == nullptr) {
    return false;
  }
  size_t profile = sharing.geometry.placements[static_cast<size_t>(instance)].profile;
  return profile < model->mig_profiles.size() &&
         model->mig_profiles[profile].name == demand.mig_profile;
}

struct Candidate {
  int gpu = -1;
  int instance = -1;
  int32_t free_slots = 0;
  int64_t headroom = 0;  // memory left on the device after the pod (max when unknown)

  // Tighter first: fewest free slots, least headroom, lowest GPU, lowest instance.
  bool TighterThan(const Candidate& other) const {
    if (free_slots != other.free_slots) {
      return free_slots < other.free_slots;
    }
    if (headroom != other.headroom) {
      return headroom < other.headroom;
    }
    if (gpu != other.gpu) {
      return gpu < other.gpu;
    }
    return instance < other.instance;
  }
};

// The slot of FitChecker's model table where a probe for `name` starts (`mask`: size - 1): the
// name's length and first and last 8 bytes, mixed; catalog names differ within those.
size_t ModelSlot(std::string_view name, size_t mask) {
  uint64_t head = 0;
  uint64_t tail = 0;
  size_t n = std::min<size_t>(name.size(), sizeof(head));
  std::memcpy(&head, name.data(), n);
  std::memcpy(&tail, name.data() + name.size() - n, n);
  uint64_t hash = (head ^ name.size()) * 0x9E3779B97F4A7C15ULL;
  hash ^= tail * 0xC2B2AE3D27D4EB4FULL;
  return static_cast<size_t>(hash ^ (hash >> 32)) & mask;
}

// Why no device of `node` can hold one slot for the pod (for WhyNot).
std::string DeviceShortfall(const cluster::Pod& pod, const cluster::Node& node) {
  if (node.gpus.empty()) {
    return "no GPUs";
  }
  return "no free " + pod.gpu.resource_name + " device for " + pod.gpu.ToString();
}

}  // namespace

FitChecker::FitChecker(const gpu::GpuCatalog& catalog) : catalog_(&catalog) {
  models_.assign(std::bit_ceil(2 * catalog.models().size() + 1), nullptr);
  const size_t mask = models_.size() - 1;
  for (const gpu::GpuModel& model : catalog.models()) {
    size_t slot = ModelSlot(model.name, mask);
    while (models_[slot] != nullptr && models_[slot]->name != model.name) {
      slot = (slot + 1) & mask;
    }
    if (models_[slot] == nullptr) {
      models_[slot] = &model;
    }
  }
}

const gpu::GpuModel* FitChecker::ModelOf(const NodeGpu& device) const {
  const size_t mask = models_.size() - 1;
  for (size_t slot = ModelSlot(device.model, mask); models_[slot] != nullptr;
       slot = (slot + 1) & mask) {
    if (models_[slot]->name == device.model) {
      return models_[slot];
    }
  }
  if (device.model.empty()) {
    return nullptr;
  }
  auto found = catalog_->Find(device.model);
  return found ? *found : nullptr;
}

int64_t DeviceMemoryBytes(const NodeGpu& device, const gpu::GpuModel* model, int instance) {
  if (model == nullptr) {
    return 0;
  }
  if (device.sharing.IsMig() && instance >= 0) {
    size_t profile = device.sharing.geometry.placements[static_cast<size_t>(instance)].profile;
    return model->mig_profiles[profile].memory_mib * kMiB;
  }
  return model->memory_mib * kMiB;
}

int64_t SlotMilliGpu(const NodeGpu& device, const gpu::GpuModel* model, int instance) {
  int64_t share = 1000;
  if (device.sharing.IsMig() && instance >= 0 && model != nullptr &&
      model->mig_compute_slices > 0) {
    size_t profile = device.sharing.geometry.placements[static_cast<size_t>(instance)].profile;
    share = share * model->mig_profiles[profile].compute_slices / model->mig_compute_slices;
  }
  return share / device.SlotsPerDevice();
}

bool FitChecker::Fits(const cluster::Pod& pod, const cluster::Node& node,
                      std::vector<DeviceChoice>* devices) const {
  return Check(pod, node, false, devices).empty();
}

std::string FitChecker::WhyNot(const cluster::Pod& pod, const cluster::Node& node) const {
  std::string reason = Check(pod, node, true, nullptr);
  if (reason.empty()) {
    return reason;
  }
  return "node " + node.name + ": " + reason;
}

std::string FitChecker::Check(const cluster::Pod& pod, const cluster::Node& node, bool want_reason,
                              std::vector<DeviceChoice>* devices) const {
  // Every miss returns this non-empty marker unless a reason was asked for.
  static const std::string kMiss = "x";
  if (!node.ready) {
    return want_reason ? "not ready" : kMiss;
  }
  if (node.unschedulable) {
    return want_reason ? "cordoned" : kMiss;
  }
  const cluster::Resources& want = pod.requests;
  const cluster::Resources& have = node.allocatable;
  const cluster::Resources& used = node.requested;
  if (used.pods + std::max<int64_t>(want.pods, 1) > have.pods) {
    return want_reason ? "too many pods (" + std::to_string(have.pods) + " allowed)" : kMiss;
  }
  if (used.milli_cpu + want.milli_cpu > have.milli_cpu) {
    return want_reason ? "insufficient cpu (" + FormatMilli(want.milli_cpu) + " asked, " +
                             FormatMilli(have.milli_cpu - used.milli_cpu) + " free)"
                       : kMiss;
  }
  if (used.memory_bytes + want.memory_bytes > have.memory_bytes) {
    return want_reason ? "insufficient memory (" + FormatBytes(want.memory_bytes) + " asked, " +
                             FormatBytes(have.memory_bytes - used.memory_bytes) + " free)"
                       : kMiss;
  }
  if (!want_reason) {
    // Full nodes are the common miss: count the extended resources before matching labels.
    for (const auto& [name, amount] : want.scalar) {
      if (used.Get(name) + amount > have.Get(name)) {
        return kMiss;
      }
    }
  }
  if (!cluster::MatchesNodeSelector(pod, node.labels)) {
    if (!want_reason) {
      return kMiss;
    }
    for (const auto& [key, value] : pod.node_selector) {
      auto it = node.labels.find(key);
      if (it == node.labels.end()) {
        return "nodeSelector " + key + "=" + value + " not matched (label absent)";
      }
      if (it->second != value) {
        return "nodeSelector " + key + "=" + value + " not matched (node has " + it->second + ")";
      }
    }
  }
  if (!cluster::MatchesRequiredAffinity(pod, node.labels, node.name)) {
    return want_reason ? "required node affinity not matched" : kMiss;
  }
  if (const cluster::Taint* taint = cluster::FindUntoleratedTaint(pod.tolerations, node.taints)) {
    return want_reason ? "taint " + taint->ToString() + " not tolerated" : kMiss;
  }
  if (want_reason) {
    for (const auto& [name, amount] : want.scalar) {
      if (used.Get(name) + amount > have.Get(name)) {
        return "insufficient " + name;
      }
    }
  }
  if (devices != nullptr) {
    devices->clear();
  }
  const cluster::GpuDemand& demand = pod.gpu;
  if (!demand.IsGpu()) {
    return {};
  }

  PodResourceShape shape = ShapeOf(demand);
  int64_t remaining = demand.count;
  // One unit fits the tightest device; several units go through a sorted list (rare).
  Candidate best;
  std::vector<Candidate> several;
  const std::string* last_model_name = nullptr;
  const gpu::GpuModel* model = nullptr;
  // Weighs device `instance` of GPU `g`, with `free` slots (at least one) and `used_memory` taken
  // on it; false when the GPU's remaining devices cannot serve the pod either. Only devices with
  // a free slot come here: most GPUs of a busy node have none.
  auto consider = [&](size_t g, const NodeGpu& device, int instance, int32_t free,
                      int64_t used_memory) {
    int32_t slots_per_device = device.SlotsPerDevice();
    if (last_model_name == nullptr || *last_model_name != device.model) {
      model = ModelOf(device);
      last_model_name = &device.model;
    }
    if (device.sharing.IsMig() && model == nullptr) {
      return false;  // instances of an unknown model cannot be matched to profiles
    }
    if (!DeviceServes(device, model, instance, demand, shape)) {
      return true;
    }
    if (demand.milli_gpu > 0 && SlotMilliGpu(device, model, instance) < demand.milli_gpu) {
      return true;
    }
    int64_t headroom = std::numeric_limits<int64_t>::max();
    int64_t memory = DeviceMemoryBytes(device, model, instance);
    if (memory > 0) {
      int64_t taken = slots_per_device > 1 ? used_memory : 0;
      headroom = memory - taken - demand.gpu_memory_bytes;
      if (headroom < 0) {
        return true;
      }
    }
    Candidate candidate{static_cast<int>(g), instance, free, headroom};
    if (demand.count == 1) {
      if (best.gpu < 0 || candidate.TighterThan(best)) {
        best = candidate;
      }
    } else {
      several.push_back(candidate);
    }
    return true;
  };
  for (size_t g = 0; g < node.gpus.size(); ++g) {
    const NodeGpu& device = node.gpus[g];
    if (!device.sharing.IsMig()) {
      // One device, the whole GPU (the common case: no per-instance tables).
      int32_t slots_used = 0;
      int64_t memory_used = 0;
      for (const cluster::GpuAllocation& a : device.allocations) {
        if (a.instance == -1) {
          slots_used += a.slots;
          memory_used += a.gpu_memory_bytes;
        }
      }
      if (int32_t free = device.SlotsPerDevice() - slots_used; free > 0) {
        consider(g, device, -1, free, memory_used);
      }
      continue;
    }
    int device_count = device.sharing.InstanceCount();
    if (device_count > kMaxDevicesPerGpu) {
      continue;  // no GPU has more than 8 memory slices, so no more MIG instances
    }
    // Slots and memory taken per instance in one pass.
    std::array<int32_t, kMaxDevicesPerGpu> slots_used{};
    std::array<int64_t, kMaxDevicesPerGpu> memory_used{};
    for (const cluster::GpuAllocation& a : device.allocations) {
      if (a.instance >= 0 && a.instance < kMaxDevicesPerGpu) {
        slots_used[static_cast<size_t>(a.instance)] += a.slots;
        memory_used[static_cast<size_t>(a.instance)] += a.gpu_memory_bytes;
      }
    }
    for (int d = 0; d < device_count; ++d) {
      auto slot = static_cast<size_t>(d);
      int32_t free = device.SlotsPerDevice() - slots_used[slot];
      if (free > 0 && !consider(g, device, d, free, memory_used[slot])) {
        break;
      }
    }
  }
  if (demand.count == 1) {
    if (best.gpu < 0) {
      return want_reason ? DeviceShortfall(pod, node) : kMiss;
    }
    if (devices != nullptr) {
      devices->push_back(DeviceChoice{best.gpu, best.instance, 1});
    }
    return {};
  }
  // Several units: whole GPUs take the lowest-numbered free devices; replicas stack on the
  // tightest devices first, as many slots on each as it has (memory counted once per device).
  bool exclusive = demand.kind == GpuDemandKind::kWholeGpu;
  std::sort(several.begin(), several.end(), [&](const Candidate& a, const Candidate& b) {
    if (exclusive) {
      return a.gpu != b.gpu ? a.gpu < b.gpu : a.instance < b.instance;
    }
    return a.TighterThan(b);
  });
  std::vector<DeviceChoice> chosen;
  for (const Candidate& c : several) {
    if (remaining <= 0) {
      break;
    }
    auto slots = static_cast<int32_t>(std::min<int64_t>(c.free_slots, remaining));
    chosen.push_back(DeviceChoice{c.gpu, c.instance, slots});
    remaining -= slots;
  }
  if (remaining > 0) {
    return want_reason ? DeviceShortfall(pod, node) : kMiss;
  }
  if (devices != nullptr) {
    *devices = std::move(chosen);
  }
  return {};
}

void Assign(cluster::Node& node, const cluster::Pod& pod,
            const std::vector<DeviceChoice>& devices) {
  std::string key = pod.Key();
  auto pos = std::lower_bound(node.pods.begin(), node.pods.end(), key);
  node.pods.insert(pos, key);
  node.requested += pod.requests;
  for (const DeviceChoice& choice : devices) {
    node.gpus[static_cast<size_t>(choice.gpu)].allocations.push_back(
        cluster::GpuAllocation{key, choice.instance, choice.slots, pod.gpu.gpu_memory_bytes});
  }
}

}  // namespace gpupack::plan
