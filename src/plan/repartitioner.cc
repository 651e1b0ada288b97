#include "plan/repartitioner.h"

#include <algorithm>
#include <string>
#include <utility>

#include "cluster/gpu_demand.h"
#include "cluster/sharing.h"

namespace gpupack::plan {
namespace {

// Profile counts the pods of `pending` that could use `node` ask for on `model`.
gpu::ProfileCounts DemandFor(const cluster::Node& node, const gpu::GpuModel& model,
                             std::span<const cluster::Pod* const> pending) {
  gpu::ProfileCounts demand(model.mig_profiles.size(), 0);
  for (const cluster::Pod* pod : pending) {
    if (pod->gpu.kind != cluster::GpuDemandKind::kMigProfile) {
      continue;
    }
    if (cluster::FindUntoleratedTaint(pod->tolerations, node.taints) != nullptr) {
      continue;
    }
    auto index = model.FindProfileIndex(pod->gpu.mig_profile);
    if (!index) {
      continue;
    }
    demand[*index] += static_cast<int>(pod->gpu.count);
  }
  return demand;
}

// Single strategy: as many instances as fit of the profile that serves the most compute.
std::optional<gpu::MigGeometry> SingleProfileGeometry(const gpu::MigGeometryEngine& engine,
                                                      const gpu::ProfileCounts& demand) {
  const gpu::GpuModel& model = engine.model();
  std::optional<size_t> best;
  int best_served = 0;
  for (size_t p = 0; p < demand.size(); ++p) {
    if (demand[p] == 0) {
      continue;
    }
    int served = std::min(demand[p], model.mig_profiles[p].max_instances) *
                 model.mig_profiles[p].compute_slices;
    if (!best || served > best_served) {
      best = p;
      best_served = served;
    }
  }
  if (!best) {
    return std::nullopt;
  }
  for (int count = model.mig_profiles[*best].max_instances; count > 0; --count) {
    gpu::ProfileCounts counts(demand.size(), 0);
    counts[*best] = count;
    auto geometry = engine.Fit(counts);
    if (geometry) {
      return *std::move(geometry);
    }
  }
  return std::nullopt;
}

}  // namespace

GpuPlan DescribeGpu(const std::string& model_name, const cluster::SharingConfig& sharing,
                    const gpu::GpuCatalog& catalog) {
  GpuPlan plan{.model = model_name, .sharing = sharing, .geometry = {}};
  if (sharing.IsMig()) {
    auto engine = catalog.FindGeometry(model_name);
    if (engine) {
      plan.geometry = (*engine)->ProfileNames(sharing.geometry);
    }
  }
  return plan;
}

void ApplySharing(cluster::Node& node, size_t gpu, const cluster::SharingConfig& sharing,
                  const FitChecker& fit) {
  cluster::NodeGpu& device = node.gpus[gpu];
  const gpu::GpuModel* model = fit.ModelOf(device);
  if (model != nullptr) {
    cluster::Resources before = cluster::AdvertisedCapacity(device.sharing, *model);
    cluster::Resources after = cluster::AdvertisedCapacity(sharing, *model);
    node.allocatable -= before;
    node.allocatable += after;
    node.capacity -= before;
    node.capacity += after;
  }
  device.sharing = sharing;
  std::erase_if(node.labels, [](const auto& label) {
    return label.first.starts_with(cluster::kLabelMigPartitionPrefix);
  });
  for (const cluster::NodeGpu& other : node.gpus) {
    const gpu::GpuModel* other_model = fit.ModelOf(other);
    if (other_model != nullptr) {
      cluster::Labels labels = cluster::PartitionLabels(other.sharing, *other_model);
      node.labels.insert(labels.begin(), labels.end());
    }
  }
}

RepartitionResult Repartition(const cluster::ClusterSnapshot& snapshot, const FitChecker& fit,
                              std::vector<cluster::Node>& nodes,
                              std::vector<const cluster::Pod*>& unplaced) {
  RepartitionResult result;
  const gpu::GpuCatalog& catalog = fit.catalog();
  std::vector<DeviceChoice> devices;
  for (cluster::Node& node : nodes) {
    const cluster::NodeTemplate* node_template = snapshot.FindTemplate(node.template_name);
    if (node_template == nullptr || !node_template->mig.enabled || !node_template->mig.dynamic) {
      continue;
    }
    for (size_t g = 0; g < node.gpus.size() && !unplaced.empty(); ++g) {
      const cluster::NodeGpu& device = node.gpus[g];
      const gpu::GpuModel* model = fit.ModelOf(device);
      if (!device.IsIdle() || !device.sharing.IsMig() || model == nullptr || !model->mig_capable) {
        continue;
      }
      const gpu::MigGeometryEngine& engine = catalog.Geometry(*model);
      gpu::ProfileCounts demand = DemandFor(node, *model, unplaced);
      if (std::all_of(demand.begin(), demand.end(), [](int c) { return c == 0; })) {
        continue;
      }
      std::optional<gpu::MigGeometry> geometry;
      if (device.sharing.mig_strategy == cluster::MigStrategy::kSingle) {
        geometry = SingleProfileGeometry(engine, demand);
      } else {
        auto best = engine.Best(demand);
        if (best) {
          geometry = std::move(best->geometry);
        }
      }
      if (!geometry || *geometry == device.sharing.geometry) {
        continue;
      }
      cluster::SharingConfig sharing = device.sharing;
      sharing.geometry = *std::move(geometry);
      if (!cluster::ValidateSharing(sharing, *model, engine)) {
        continue;
      }
      cluster::Node before = node;
      GpuPlan from = DescribeGpu(device.model, device.sharing, catalog);
      ApplySharing(node, g, sharing, fit);
      std::vector<Placement> placed;
      std::vector<const cluster::Pod*> still;
      for (const cluster::Pod* pod : unplaced) {
        if (pod->gpu.kind == cluster::GpuDemandKind::kMigProfile &&
            fit.Fits(*pod, node, &devices) &&
            std::all_of(devices.begin(), devices.end(),
                        [&](const DeviceChoice& c) { return c.gpu == static_cast<int>(g); })) {
          Assign(node, *pod, devices);
          placed.push_back(Placement{
              .pod = pod->Key(),
              .node = node.name,
              .devices = devices,
              .moved = false,
              .reason = "on GPU " + std::to_string(g) + " of " + node.name +
                        " after repartitioning it (idle, template " + node_template->name +
                        " is dynamic)",
          });
        } else {
          still.push_back(pod);
        }
      }
      if (placed.empty()) {
        node = std::move(before);
        continue;
      }
      GpuPlan to = DescribeGpu(node.gpus[g].model, node.gpus[g].sharing, catalog);
      std::string profiles;
      for (const std::string& name : to.geometry) {
        profiles += (profiles.empty() ? "" : "+") + name;
      }
      result.reconfigurations.push_back(Reconfiguration{
          .node = node.name,
          .gpu = static_cast<int>(g),
          .from = std::move(from),
          .to = std::move(to),
          .reason = "idle GPU " + std::to_string(g) + " repartitioned to " + profiles + " for " +
                    std::to_string(placed.size()) + " pending pod(s)",
      });
      for (Placement& p : placed) {
        result.placements.push_back(std::move(p));
      }
      unplaced = std::move(still);
    }
  }
  return result;
}

}  // namespace gpupack::plan
